use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::BoxError;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::BODY_STALLED;

pin_project! {
    /// A request body whose read fails when no frame arrives for a while;
    /// the failure is also reported to [`Timeout`](super::Timeout)'s future,
    /// which answers 408.
    #[derive(Debug)]
    pub struct TimeoutBody<B> {
        #[pin]
        inner: B,
        // Armed while the reader waits, disarmed by every frame.
        #[pin]
        stall: Option<Sleep>,
        between_frames: Duration,
        stalled: bool,
    }
}

impl<B> TimeoutBody<B> {
    pub(super) fn new(inner: B, between_frames: Duration) -> Self {
        Self {
            inner,
            stall: None,
            between_frames,
            stalled: false,
        }
    }
}

impl<B> Body for TimeoutBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        if *this.stalled {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            this.stall.set(None);
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if this.stall.is_none() {
            this.stall.set(Some(tokio::time::sleep(*this.between_frames)));
        }
        if let Some(stall) = this.stall.as_mut().as_pin_mut() {
            ready!(stall.poll(cx));
        }
        this.stall.set(None);
        *this.stalled = true;
        BODY_STALLED.set(true);
        Poll::Ready(Some(Err(Box::new(RequestBodyTimedOut(*this.between_frames)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The error a stalled body's read fails with.
#[derive(Debug)]
pub struct RequestBodyTimedOut(Duration);

impl fmt::Display for RequestBodyTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no request body data for {} ms", self.0.as_millis())
    }
}

impl Error for RequestBodyTimedOut {}
