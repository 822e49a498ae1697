//! The streaming encoder: async-compression's, the same encoders (and so
//! the same flate2 backend) tower-http's compression uses, with the same
//! flushing: what the app has sent is compressed as it arrives, and flushed
//! (a sync flush) whenever the app's body has nothing more ready, so a
//! client never waits on bytes the app already produced.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_compression::Level;
#[cfg(feature = "compression_br")]
use async_compression::tokio::bufread::BrotliEncoder;
use async_compression::tokio::bufread::{GzipEncoder, ZlibEncoder};
use axum::BoxError;
use axum::body::Body;
use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body as _, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};
use tokio_util::io::poll_read_buf;

use super::negotiate::Coding;

/// Without the `compression_br` feature there is no brotli encoder, and no
/// value of this type: `Encoder::Brotli` cannot be built (`Coding::Brotli`
/// does not exist then), and the code that handles it has nothing to do.
#[cfg(not(feature = "compression_br"))]
enum BrotliEncoder<R> {
    #[expect(dead_code, reason = "uninhabited: never constructed, by design")]
    Never(std::convert::Infallible, std::marker::PhantomData<fn() -> R>),
}

#[cfg(not(feature = "compression_br"))]
impl<R> BrotliEncoder<R> {
    fn get_mut(&mut self) -> &mut R {
        match *self {
            BrotliEncoder::Never(never, _) => match never {},
        }
    }

    fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        match *self.get_mut() {
            BrotliEncoder::Never(never, _) => match never {},
        }
    }
}

#[cfg(not(feature = "compression_br"))]
impl<R> AsyncRead for BrotliEncoder<R> {
    fn poll_read(self: Pin<&mut Self>, _: &mut Context<'_>, _: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match *self.get_mut() {
            BrotliEncoder::Never(never, _) => match never {},
        }
    }
}

/// The most one compressed frame carries.
const OUTPUT_CHUNK: usize = 4 * 1024;

pin_project! {
    /// The app's body compressed as it streams.
    pub(super) struct StreamingBody {
        #[pin]
        encoder: Encoder,
        buffer: BytesMut,
        encoded_all: bool,
    }
}

pin_project! {
    #[project = EncoderProjection]
    enum Encoder {
        Gzip { #[pin] inner: GzipEncoder<BodyReader> },
        Zlib { #[pin] inner: ZlibEncoder<BodyReader> },
        Brotli { #[pin] inner: BrotliEncoder<BodyReader> },
    }
}

impl StreamingBody {
    /// `prefix` (what was already read off `body`, possibly nothing), then
    /// the rest of `body`, compressed as `coding` at `level`.
    ///
    /// `coding` is never identity (the caller only compresses for a coding).
    pub(super) fn new(coding: Coding, level: u32, prefix: Bytes, body: Body) -> Self {
        let reader = BodyReader {
            body,
            chunk: prefix,
            trailers: None,
            ended: false,
        };
        // `level` is 1..=9 (the layer clamps it): a lossless cast.
        let level = Level::Precise(level as i32);
        let encoder = match coding {
            #[cfg(feature = "compression_br")]
            Coding::Brotli => Encoder::Brotli {
                inner: BrotliEncoder::with_quality(reader, level),
            },
            Coding::Deflate => Encoder::Zlib {
                inner: ZlibEncoder::with_quality(reader, level),
            },
            Coding::Gzip | Coding::Identity => Encoder::Gzip {
                inner: GzipEncoder::with_quality(reader, level),
            },
        };
        Self {
            encoder,
            buffer: BytesMut::new(),
            encoded_all: false,
        }
    }
}

impl StreamingBody {
    /// The app's body has already ended, with `trailers`: only `prefix` is
    /// left to compress.
    pub(super) fn ended_with(mut self, trailers: Option<HeaderMap>) -> Self {
        let reader = match &mut self.encoder {
            Encoder::Gzip { inner } => inner.get_mut(),
            Encoder::Zlib { inner } => inner.get_mut(),
            Encoder::Brotli { inner } => inner.get_mut(),
        };
        reader.ended = true;
        reader.trailers = trailers;
        self
    }
}

impl Encoder {
    fn reader(self: Pin<&mut Self>) -> Pin<&mut BodyReader> {
        match self.project() {
            EncoderProjection::Gzip { inner } => inner.get_pin_mut(),
            EncoderProjection::Zlib { inner } => inner.get_pin_mut(),
            EncoderProjection::Brotli { inner } => inner.get_pin_mut(),
        }
    }
}

impl AsyncRead for Encoder {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.project() {
            EncoderProjection::Gzip { inner } => inner.poll_read(cx, buf),
            EncoderProjection::Zlib { inner } => inner.poll_read(cx, buf),
            EncoderProjection::Brotli { inner } => inner.poll_read(cx, buf),
        }
    }
}

impl http_body::Body for StreamingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        if !*this.encoded_all {
            if this.buffer.capacity() == 0 {
                this.buffer.reserve(OUTPUT_CHUNK);
            }
            match ready!(poll_read_buf(this.encoder.as_mut(), cx, this.buffer)) {
                Ok(0) => *this.encoded_all = true,
                Ok(_) => return Poll::Ready(Some(Ok(Frame::data(this.buffer.split().freeze())))),
                Err(error) => {
                    *this.encoded_all = true;
                    return Poll::Ready(Some(Err(unwrap_body_error(error))));
                }
            }
        }
        // The compressed stream is complete: the app's trailers, if any.
        Poll::Ready(
            this.encoder
                .reader()
                .project()
                .trailers
                .take()
                .map(|trailers| Ok(Frame::trailers(trailers))),
        )
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

impl std::fmt::Debug for StreamingBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingBody").finish_non_exhaustive()
    }
}

/// The app's error as it was, when the encoder failed because the body did.
fn unwrap_body_error(error: io::Error) -> BoxError {
    match error.downcast::<BodyFailed>() {
        Ok(failed) => failed.0,
        Err(error) => error.into(),
    }
}

/// Carries the app's body error through the encoder's `io::Error`.
#[derive(Debug)]
struct BodyFailed(BoxError);

impl std::fmt::Display for BodyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BodyFailed {}

pin_project! {
    /// The app's body as the byte stream an encoder reads; trailers are kept
    /// for after the compressed data.
    struct BodyReader {
        body: Body,
        chunk: Bytes,
        trailers: Option<HeaderMap>,
        ended: bool,
    }
}

impl AsyncBufRead for BodyReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        while this.chunk.is_empty() && !*this.ended {
            match ready!(Pin::new(&mut *this.body).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => *this.chunk = data,
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            // Trailers end the content (RFC 9110 §6.5).
                            *this.trailers = Some(trailers);
                            *this.ended = true;
                        }
                    }
                },
                Some(Err(error)) => {
                    *this.ended = true;
                    return Poll::Ready(Err(io::Error::other(BodyFailed(error.into()))));
                }
                None => *this.ended = true,
            }
        }
        Poll::Ready(Ok(&this.chunk[..]))
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        self.project().chunk.advance(amount);
    }
}

// `AsyncBufRead` requires it; the encoders only read the buffered side.
impl AsyncRead for BodyReader {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let amount = available.len().min(buf.remaining());
        buf.put_slice(&available[..amount]);
        self.consume(amount);
        Poll::Ready(Ok(()))
    }
}
