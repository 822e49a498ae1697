use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
};
use http::{HeaderMap, HeaderValue, Response};
use pin_project_lite::pin_project;

use super::CorsPolicy;
use super::preflight::{ANY, ORIGIN, TRUE};

/// What a simple (non-preflight) response gets, decided at call time.
#[derive(Clone, Debug)]
pub(super) struct SimpleHeaders {
    pub(super) policy: &'static CorsPolicy,
    /// The request's origin, when the answer must name it.
    pub(super) reflect_origin: Option<HeaderValue>,
}

impl SimpleHeaders {
    fn apply(&self, headers: &mut HeaderMap) {
        let policy = self.policy;
        if policy.allow_all_origins {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
        }
        if policy.allow_credentials {
            headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        if let Some(expose) = &policy.expose_headers {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
        if let Some(origin) = &self.reflect_origin {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.append(VARY, ORIGIN);
        }
    }
}

pin_project! {
    /// Response future of [`Cors`](super::Cors): the inner service's future,
    /// possibly decorated, or a preflight answer.
    #[derive(Debug)]
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F, B> {
        /// No `Origin`: the inner response, untouched.
        Passthrough { #[pin] future: F },
        /// A request with `Origin`: the inner response, decorated.
        Simple { #[pin] future: F, decoration: SimpleHeaders },
        /// A preflight answered here; `None` once returned.
        Preflight { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(super) fn passthrough(future: F) -> Self {
        let kind = Kind::Passthrough { future };
        Self { kind }
    }

    pub(super) fn simple(future: F, decoration: SimpleHeaders) -> Self {
        let kind = Kind::Simple { future, decoration };
        Self { kind }
    }

    pub(super) fn preflight(response: Response<B>) -> Self {
        let kind = Kind::Preflight {
            response: Some(response),
        };
        Self { kind }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Passthrough { future } => future.poll(cx),
            KindProj::Simple { future, decoration } => {
                let mut response = ready!(future.poll(cx))?;
                decoration.apply(response.headers_mut());
                Poll::Ready(Ok(response))
            }
            KindProj::Preflight { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("cors response future polled after completion"),
            },
        }
    }
}
