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

/// What an inner response gets, decided at call time.
#[derive(Clone, Debug)]
pub(super) enum Decoration {
    /// A request without `Origin`: `Vary: Origin` alone.
    VaryOnly,
    /// A request with `Origin`: the simple-response headers and `Vary: Origin`.
    Cors {
        policy: &'static CorsPolicy,
        /// The request's origin, when the answer must name it.
        reflect_origin: Option<HeaderValue>,
    },
}

impl Decoration {
    fn apply(&self, headers: &mut HeaderMap) {
        if let Self::Cors { policy, reflect_origin } = self {
            if policy.allow_all_origins {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
            }
            if policy.allow_credentials {
                headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
            }
            if let Some(expose) = &policy.expose_headers {
                headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
            }
            if let Some(origin) = reflect_origin {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            }
        }
        if !varies_on_origin(headers) {
            headers.append(VARY, ORIGIN);
        }
    }
}

/// Whether the response's `Vary` already names `Origin` (or is `*`, which
/// covers every header), so appending it again would only repeat it.
fn varies_on_origin(headers: &HeaderMap) -> bool {
    headers.get_all(VARY).iter().any(|value| {
        value.as_bytes().split(|&byte| byte == b',').any(|token| {
            let token = token.trim_ascii();
            token == b"*" || token.eq_ignore_ascii_case(b"origin")
        })
    })
}

pin_project! {
    /// Response future of [`Cors`](super::Cors): the inner service's future,
    /// decorated, or a preflight answer.
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
        /// The inner response, decorated.
        Decorated { #[pin] future: F, decoration: Decoration },
        /// A preflight answered here; `None` once returned.
        Preflight { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(super) fn decorated(future: F, decoration: Decoration) -> Self {
        let kind = Kind::Decorated { future, decoration };
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
            KindProj::Decorated { future, decoration } => {
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
