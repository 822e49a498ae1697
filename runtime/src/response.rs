//! Responses the middlewares write themselves.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};

/// `text/plain; charset=utf-8`, what Starlette's `PlainTextResponse` sends.
// Unused when none of the middlewares answering in text is built (cargo features).
#[allow(dead_code)]
pub(crate) const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// `application/json`, what Starlette's `JSONResponse` sends.
pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A response with a fixed body, built without a fallible builder.
pub(crate) fn fixed<B: From<Bytes>>(status: StatusCode, content_type: HeaderValue, body: &'static str) -> Response<B> {
    let mut response = Response::new(B::from(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}
