use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::LOCATION;
use http::uri::PathAndQuery;
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use tower_service::Service;

use super::{ResponseFuture, SlashMode, trimmed};

/// Middleware removing trailing slashes; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct RedirectSlashes<S> {
    pub(super) inner: S,
    pub(super) mode: SlashMode,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RedirectSlashes<S>
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
        let Some(path) = trimmed(request.uri().path()) else {
            return ResponseFuture::inner(self.inner.call(request));
        };
        let target = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        match self.mode {
            SlashMode::Redirect => match HeaderValue::try_from(target) {
                Ok(location) => {
                    let mut response = Response::new(ResBody::from(Bytes::new()));
                    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
                    response.headers_mut().insert(LOCATION, location);
                    ResponseFuture::answer(response)
                }
                Err(_) => ResponseFuture::inner(self.inner.call(request)),
            },
            SlashMode::Trim => {
                if let Some(uri) = with_path_and_query(request.uri(), &target) {
                    *request.uri_mut() = uri;
                }
                ResponseFuture::inner(self.inner.call(request))
            }
        }
    }
}

fn with_path_and_query(uri: &Uri, path_and_query: &str) -> Option<Uri> {
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}
