use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::header::SET_COOKIE;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::cookie::{now, request_cookies, set_cookie};
use super::{Session, SessionLayer};

/// Middleware giving every request a [`Session`] kept in a signed cookie;
/// see the [module docs](super).
#[derive(Clone, Debug)]
pub struct SessionService<S> {
    pub(super) inner: S,
    pub(super) layer: SessionLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let policy = self.layer.policy;
        let now = now();
        let mut had_cookie = false;
        let mut data = None;
        for value in request_cookies(request.headers(), policy.cookie) {
            had_cookie = true;
            data = self.layer.signer.open(policy.cookie, value, now);
            if data.is_some() {
                break;
            }
        }
        let session = Session::with_data(data.unwrap_or_default());
        request.extensions_mut().insert(session.clone());
        ResponseFuture {
            inner: self.inner.call(request),
            session,
            had_cookie,
            layer: self.layer.clone(),
        }
    }
}

pin_project! {
    /// Response future of [`SessionService`]: the inner future, then the cookie.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        session: Session,
        had_cookie: bool,
        layer: SessionLayer,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let state = this.session.take_state();
        let policy = this.layer.policy;
        let header = if state.data.is_empty() {
            // Clear a cookie the client holds (valid or not) once the session is empty.
            (*this.had_cookie).then(|| set_cookie(policy, None)).flatten()
        } else {
            // Rolling expiry: every response renews the cookie.
            let expires = now().saturating_add(policy.max_age);
            this.layer
                .signer
                .seal(policy.cookie, &state.data, expires)
                .and_then(|value| set_cookie(policy, Some(&value)))
        };
        if let Some(header) = header {
            response.headers_mut().append(SET_COOKIE, header);
        }
        Poll::Ready(Ok(response))
    }
}
