use std::time::Duration;

use http::StatusCode;
use tower_layer::Layer;

use super::Timeout;

/// Layer applying [`Timeout`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer {
    request: Duration,
    status: StatusCode,
    request_body: Option<Duration>,
}

impl TimeoutLayer {
    /// The response head must arrive within `request`, else the client gets
    /// `status` (408, 503 or 504: what strata's rules allow).
    pub const fn new(request: Duration, status: StatusCode) -> Self {
        Self {
            request,
            status,
            request_body: None,
        }
    }

    /// Also fail a request body that stalls longer than `between_frames`,
    /// answering 408.
    pub const fn request_body(mut self, between_frames: Duration) -> Self {
        self.request_body = Some(between_frames);
        self
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            request: self.request,
            status: self.status,
            request_body: self.request_body,
        }
    }
}
