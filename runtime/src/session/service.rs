use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::cookie::{
    CookieError, cookie_failure, due_for_renewal, finish_response, now, request_cookies, secure_for, set_cookie,
};
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
    ResBody: From<Bytes>,
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
        let mut opened = None;
        for value in request_cookies(request.headers(), policy.cookie) {
            had_cookie = true;
            opened = self.layer.signer.open(policy.cookie, value, now);
            if opened.is_some() {
                break;
            }
        }
        let issued = opened.as_ref().map(|o| o.issued);
        let secure = secure_for(policy, &request);
        let session = Session::with_data(opened.map(|o| o.data).unwrap_or_default());
        request.extensions_mut().insert(session.clone());
        ResponseFuture {
            inner: self.inner.call(request),
            session,
            had_cookie,
            issued,
            secure,
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
        // When the request's valid cookie was issued.
        issued: Option<u64>,
        // Whether the cookie carries `Secure`, decided from the request.
        secure: bool,
        layer: SessionLayer,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: From<Bytes>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let state = this.session.take_state();
        let policy = this.layer.policy;
        let now = now();
        let cookie = if state.data.is_empty() {
            // Clear a cookie the client holds (valid or not) once the session is empty.
            this.had_cookie.then(|| set_cookie(policy, *this.secure, None))
        } else if state.changed
            || this
                .issued
                .is_none_or(|issued| due_for_renewal(issued, now, policy.max_age))
        {
            let expires = now.saturating_add(policy.max_age);
            let sealed = this.layer.signer.seal(policy.cookie, &state.data, now, expires);
            Some(sealed.map_or(Err(CookieError::Unsendable), |value| {
                set_cookie(policy, *this.secure, Some(&value))
            }))
        } else {
            None
        };
        match cookie.transpose() {
            Ok(cookie) => finish_response(&mut response, cookie, state.accessed),
            Err(error) => return Poll::Ready(Ok(cookie_failure(policy, error))),
        }
        Poll::Ready(Ok(response))
    }
}
