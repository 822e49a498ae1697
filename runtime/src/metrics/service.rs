use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use tower_service::Service;

use super::future::{Counting, ResponseFuture};
use super::registry::{Registry, method_index};
use crate::route::MatchedRoute;

/// What Prometheus expects of the text format.
const EXPOSITION: HeaderValue = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");

/// Middleware counting requests and serving the exposition; see the
/// [module docs](super).
#[derive(Clone, Debug)]
pub struct Metrics<S> {
    inner: S,
    path: &'static str,
    registry: Arc<Registry>,
}

impl<S> Metrics<S> {
    pub(super) fn new(inner: S, path: &'static str, registry: Arc<Registry>) -> Self {
        Self { inner, path, registry }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Metrics<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        if request.uri().path() == self.path {
            return ResponseFuture::answer(self.scrape(request.method()));
        }
        let method = method_index(request.method());
        let route = MatchedRoute::of(&mut request);
        let counting = Counting::start(self.registry.clone(), method, route);
        ResponseFuture::counting(self.inner.call(request), counting)
    }
}

impl<S> Metrics<S> {
    /// The exposition for `GET` (and its head for `HEAD`); `405` otherwise.
    /// A scrape is not counted: it is the collector's, not the app's.
    fn scrape<B: From<Bytes>>(&self, method: &Method) -> Response<B> {
        let body = match *method {
            Method::GET => Bytes::from(self.registry.expose()),
            Method::HEAD => Bytes::new(),
            _ => {
                let mut response = Response::new(B::from(Bytes::from_static(b"Method Not Allowed")));
                *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
                return response;
            }
        };
        let mut response = Response::new(B::from(body));
        response.headers_mut().insert(CONTENT_TYPE, EXPOSITION);
        response
    }
}
