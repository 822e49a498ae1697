use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use axum::BoxError;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body::{Body, Frame};
use pin_project_lite::pin_project;
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};
use tokio_util::io::poll_read_buf;

/// The most one read of an inflated body yields.
const CHUNK: usize = 16 * 1024;
/// The first read's size: most request bodies are small.
const FIRST_READ: usize = 4 * 1024;
/// Below this much room left in the buffer, the next read gets a new one.
const MIN_ROOM: usize = 512;

pin_project! {
    /// The compressed request body as a byte stream a decoder reads
    /// (`AsyncBufRead`); trailers are skipped.
    #[derive(Debug)]
    pub(super) struct BodyReader<B> {
        #[pin]
        body: B,
        chunk: Bytes,
        ended: bool,
    }
}

impl<B> BodyReader<B> {
    pub(super) fn new(body: B) -> Self {
        Self {
            body,
            chunk: Bytes::new(),
            ended: false,
        }
    }
}

impl<B> AsyncBufRead for BodyReader<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let mut this = self.project();
        while this.chunk.is_empty() && !*this.ended {
            match ready!(this.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        *this.chunk = data;
                    }
                }
                Some(Err(error)) => return Poll::Ready(Err(io::Error::other(error.into()))),
                None => *this.ended = true,
            }
        }
        let chunk: &Bytes = this.chunk;
        Poll::Ready(Ok(&chunk[..]))
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        self.project().chunk.advance(amount);
    }
}

// `AsyncBufRead` requires it; the decoders only use the buffered side.
impl<B> AsyncRead for BodyReader<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let amount = available.len().min(buf.remaining());
        buf.put_slice(&available[..amount]);
        self.consume(amount);
        Poll::Ready(Ok(()))
    }
}

/// The decoder of one coding, over the compressed body.
#[derive(Debug)]
pub(super) enum Decoder<B> {
    Gzip(GzipDecoder<BodyReader<B>>),
    Br(BrotliDecoder<BodyReader<B>>),
    Deflate(ZlibDecoder<BodyReader<B>>),
    Zstd(ZstdDecoder<BodyReader<B>>),
}

impl<B> AsyncRead for Decoder<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Decoder::Gzip(decoder) => Pin::new(decoder).poll_read(cx, buf),
            Decoder::Br(decoder) => Pin::new(decoder).poll_read(cx, buf),
            Decoder::Deflate(decoder) => Pin::new(decoder).poll_read(cx, buf),
            Decoder::Zstd(decoder) => Pin::new(decoder).poll_read(cx, buf),
        }
    }
}

impl<B> Decoder<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    /// What is left of the compressed body once the decoder's stream ended.
    fn rest(&mut self) -> &mut BodyReader<B> {
        match self {
            Decoder::Gzip(decoder) => decoder.get_mut(),
            Decoder::Br(decoder) => decoder.get_mut(),
            Decoder::Deflate(decoder) => decoder.get_mut(),
            Decoder::Zstd(decoder) => decoder.get_mut(),
        }
    }

    /// A decoder for the next gzip member or zstd frame, which may follow
    /// one another (RFC 1952 §2.2, RFC 8878 §3); any other data after the
    /// end of a stream is an error, never silently dropped.
    fn next_member(self) -> io::Result<Self> {
        match self {
            Decoder::Gzip(decoder) => Ok(Decoder::Gzip(GzipDecoder::new(decoder.into_inner()))),
            Decoder::Zstd(decoder) => Ok(Decoder::Zstd(ZstdDecoder::new(decoder.into_inner()))),
            Decoder::Br(_) | Decoder::Deflate(_) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "data after the end of the compressed stream",
            )),
        }
    }
}

/// An inflated request body: what the decoder reads out of the compressed
/// one, at most 16 KiB a frame.
#[derive(Debug)]
pub struct InflateBody<B> {
    /// `None` once the body ended or failed.
    decoder: Option<Decoder<B>>,
    /// Read into without being zeroed first (the decoders write
    /// uninitialised memory); each frame is split off it, not copied.
    buffer: BytesMut,
    /// The next read's size: grows while reads come back full.
    read_size: usize,
}

impl<B> InflateBody<B> {
    pub(super) fn new(decoder: Decoder<B>) -> Self {
        Self {
            decoder: Some(decoder),
            buffer: BytesMut::new(),
            read_size: FIRST_READ,
        }
    }
}

impl<B> Body for InflateBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        loop {
            let Some(decoder) = this.decoder.as_mut() else {
                return Poll::Ready(None);
            };
            if this.buffer.capacity() - this.buffer.len() < MIN_ROOM {
                this.buffer.reserve(this.read_size);
            }
            let mut room = (&mut this.buffer).limit(this.read_size);
            let filled = match ready!(poll_read_buf(Pin::new(decoder), cx, &mut room)) {
                Ok(filled) => filled,
                Err(error) => {
                    this.decoder = None;
                    return Poll::Ready(Some(Err(error.into())));
                }
            };
            if filled > 0 {
                // A body that fills its reads gets larger ones, up to `CHUNK`.
                if filled == this.read_size {
                    this.read_size = (this.read_size * 2).min(CHUNK);
                }
                return Poll::Ready(Some(Ok(Frame::data(this.buffer.split().freeze()))));
            }
            // The decoder's stream ended: the body ends too, or another
            // member follows. Asked only now, so a single-member body never
            // pays for resetting a decoder it will not use again.
            match ready!(Pin::new(decoder.rest()).poll_fill_buf(cx)) {
                Ok([]) => {
                    this.decoder = None;
                    return Poll::Ready(None);
                }
                Ok(_) => match this.decoder.take().map(Decoder::next_member) {
                    Some(Ok(next)) => this.decoder = Some(next),
                    Some(Err(error)) => return Poll::Ready(Some(Err(error.into()))),
                    None => return Poll::Ready(None),
                },
                Err(error) => {
                    this.decoder = None;
                    return Poll::Ready(Some(Err(error.into())));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.decoder.is_none()
    }
}
