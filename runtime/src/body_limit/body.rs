use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::BoxError;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{LengthLimitError, Limited};
use pin_project_lite::pin_project;

use super::WENT_OVER;

pin_project! {
    /// A request body cut at the limit: http-body-util's `Limited` (whose
    /// error axum's extractors recognise), reporting the cut to
    /// [`BodyLimit`](super::BodyLimit)'s future, which answers 413.
    #[derive(Debug)]
    pub struct LimitedBody<B> {
        #[pin]
        inner: Limited<B>,
    }
}

impl<B> LimitedBody<B> {
    pub(super) fn new(inner: B, max: usize) -> Self {
        Self {
            inner: Limited::new(inner, max),
        }
    }
}

impl<B> Body for LimitedBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let Some(Err(error)) = &frame
            && error.is::<LengthLimitError>()
        {
            WENT_OVER.set(true);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
