use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::BoxError;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body::{Body, Frame};
use pin_project_lite::pin_project;
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// The most one read of an inflated body yields.
const CHUNK: usize = 16 * 1024;

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

pin_project! {
    /// An inflated request body: what the decoder `D` reads out of the
    /// compressed one, at most 16 KiB a frame.
    #[derive(Debug)]
    pub struct InflateBody<D> {
        #[pin]
        decoder: D,
        buffer: BytesMut,
        ended: bool,
    }
}

impl<D> InflateBody<D> {
    pub(super) fn new(decoder: D) -> Self {
        Self {
            decoder,
            buffer: BytesMut::new(),
            ended: false,
        }
    }
}

impl<D: AsyncRead> Body for InflateBody<D> {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if this.buffer.capacity() < CHUNK {
            this.buffer.reserve(CHUNK);
        }
        let mut limited = (&mut *this.buffer).limit(CHUNK);
        match ready!(tokio_util::io::poll_read_buf(this.decoder, cx, &mut limited)) {
            Ok(0) => {
                *this.ended = true;
                Poll::Ready(None)
            }
            Ok(_) => Poll::Ready(Some(Ok(Frame::data(this.buffer.split().freeze())))),
            Err(error) => {
                *this.ended = true;
                Poll::Ready(Some(Err(error.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}
