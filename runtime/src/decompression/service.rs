use std::task::{Context, Poll};

use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use axum::BoxError;
use axum::body::Body;
use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderMap, Request, Response, StatusCode};
use tower_service::Service;

use super::body::{BodyReader, Decoder};
use super::{DecompressionPolicy, InflateBody, ResponseFuture};
use crate::response::{APPLICATION_JSON, fixed};

/// Middleware inflating request bodies; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct Decompression<S> {
    pub(super) inner: S,
    pub(super) policy: &'static DecompressionPolicy,
}

/// What the request's `Content-Encoding` asks of this layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    /// No `Content-Encoding` header.
    Absent,
    /// `identity` (or an empty value).
    Identity,
    Gzip,
    Br,
    Deflate,
    Zstd,
    /// Not accepted, unknown, or more than one.
    Unsupported,
}

impl DecompressionPolicy {
    fn coding(&self, headers: &HeaderMap) -> Coding {
        let mut values = headers.get_all(CONTENT_ENCODING).iter();
        let Some(value) = values.next() else {
            return Coding::Absent;
        };
        if values.next().is_some() {
            return Coding::Unsupported;
        }
        let value = value.as_bytes().trim_ascii();
        let is = |name: &str| value.eq_ignore_ascii_case(name.as_bytes());
        match () {
            () if value.is_empty() || is("identity") => Coding::Identity,
            () if self.gzip && (is("gzip") || is("x-gzip")) => Coding::Gzip,
            () if self.br && is("br") => Coding::Br,
            () if self.deflate && is("deflate") => Coding::Deflate,
            () if self.zstd && is("zstd") => Coding::Zstd,
            () => Coding::Unsupported,
        }
    }

    fn unsupported<B: From<Bytes>>(&self) -> Response<B> {
        let mut response = fixed(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            APPLICATION_JSON,
            r#"{"detail":"Unsupported Content-Encoding"}"#,
        );
        response
            .headers_mut()
            .insert(ACCEPT_ENCODING, self.accept_encoding.clone());
        response
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Decompression<S>
where
    S: Service<Request<Body>, Response = Response<ResBody>>,
    ReqBody: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let coding = self.policy.coding(request.headers());
        if coding == Coding::Unsupported {
            return ResponseFuture::answer(self.policy.unsupported());
        }
        if coding == Coding::Absent {
            // Most requests: `Body::new` of an axum `Body` is the body itself,
            // no allocation, and the request is not taken apart.
            return ResponseFuture::inner(self.inner.call(request.map(Body::new)));
        }
        let (mut parts, body) = request.into_parts();
        // The headers describe the bytes on the wire, not what the handler reads.
        parts.headers.remove(CONTENT_ENCODING);
        let body = match coding {
            Coding::Absent | Coding::Identity | Coding::Unsupported => Body::new(body),
            inflated => {
                parts.headers.remove(CONTENT_LENGTH);
                let reader = BodyReader::new(body);
                let decoder = match inflated {
                    Coding::Gzip => Decoder::Gzip(GzipDecoder::new(reader)),
                    Coding::Br => Decoder::Br(BrotliDecoder::new(reader)),
                    Coding::Deflate => Decoder::Deflate(ZlibDecoder::new(reader)),
                    _ => Decoder::Zstd(ZstdDecoder::new(reader)),
                };
                Body::new(InflateBody::new(decoder))
            }
        };
        ResponseFuture::inner(self.inner.call(Request::from_parts(parts, body)))
    }
}
