use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::BoxError;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT_ENCODING, ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, VARY};
use http::{HeaderMap, HeaderValue, Response};
use http_body::{Body as _, Frame, SizeHint};
use pin_project_lite::pin_project;

use super::CompressionLayer;
use super::negotiate::Coding;
use super::oneshot::{self, ONE_SHOT_MAX};
use super::stream::StreamingBody;

pin_project! {
    /// Response future of [`Compression`](super::Compression).
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        // `None`: the client refused every coding, identity included.
        coding: Option<Coding>,
        head: bool,
        layer: CompressionLayer,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, coding: Option<Coding>, head: bool, layer: CompressionLayer) -> Self {
        Self {
            inner,
            coding,
            head,
            layer,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        Poll::Ready(Ok(encode(response, *this.coding, *this.head, this.layer, cx)))
    }
}

fn encode<B>(
    response: Response<B>,
    coding: Option<Coding>,
    head: bool,
    layer: &CompressionLayer,
    cx: &mut Context<'_>,
) -> Response<Body>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let headers = response.headers();
    let compressible = !headers.contains_key(CONTENT_ENCODING)
        && !headers.contains_key(CONTENT_RANGE)
        && layer.predicate.should_compress(&response, head);
    if !compressible {
        return response.map(Body::new);
    }
    let (mut parts, body) = response.into_parts();
    append_vary_accept_encoding(&mut parts.headers);
    let coding = match coding {
        // Refusing identity too leaves nothing to send but the body as is
        // (never a 406: the handler has run).
        None | Some(Coding::Identity) => return Response::from_parts(parts, Body::new(body)),
        Some(coding) => coding,
    };
    parts.headers.remove(ACCEPT_RANGES);
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_ENCODING, HeaderValue::from_static(coding.header_value()));
    if head {
        // The GET's headers, never the encoder's frame of an empty body.
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, compress(coding, layer.level, Body::new(body), cx))
}

fn append_vary_accept_encoding(headers: &mut HeaderMap) {
    let listed = headers.get_all(VARY).iter().any(|value| {
        value.as_bytes().split(|&byte| byte == b',').any(|token| {
            token
                .trim_ascii()
                .eq_ignore_ascii_case(ACCEPT_ENCODING.as_str().as_bytes())
        })
    });
    if !listed {
        headers.append(VARY, HeaderValue::from_name(ACCEPT_ENCODING));
    }
}

/// The body compressed in one go when all of it is ready now (and at most
/// [`ONE_SHOT_MAX`]), else streamed: what was read so far first, then the
/// rest as it comes. Reading never waits: the first `Pending` switches to
/// streaming, so the response head leaves no later than it would have.
fn compress(coding: Coding, level: u32, mut body: Body, cx: &mut Context<'_>) -> Body {
    let streaming = |prefix: Bytes, body: Body| Body::new(StreamingBody::new(coding, level, prefix, body));
    if coding.streamed_only() || body.size_hint().lower() > ONE_SHOT_MAX as u64 {
        return streaming(Bytes::new(), body);
    }
    let mut read = ReadSoFar::default();
    let trailers = loop {
        match Pin::new(&mut body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    read.push(data);
                    if read.len > ONE_SHOT_MAX {
                        return streaming(read.into_bytes(), body);
                    }
                }
                // Trailers end the content.
                Err(frame) => break frame.into_trailers().ok(),
            },
            Poll::Ready(Some(Err(error))) => return Body::new(OneShotBody::failed(error.into())),
            Poll::Ready(None) => break None,
            Poll::Pending => return streaming(read.into_bytes(), body),
        }
    };
    let input = read.into_bytes();
    match oneshot::compress(coding, level, &input) {
        Some(data) => Body::new(OneShotBody::new(data, trailers)),
        // The one-call backend failed (a bug in it): the streaming encoder.
        None => Body::new(StreamingBody::new(coding, level, input, Body::empty()).ended_with(trailers)),
    }
}

/// The data frames read so far, without a copy while there is only one.
#[derive(Default)]
struct ReadSoFar {
    first: Bytes,
    more: Option<BytesMut>,
    len: usize,
}

impl ReadSoFar {
    fn push(&mut self, data: Bytes) {
        self.len += data.len();
        if let Some(more) = &mut self.more {
            more.extend_from_slice(&data);
        } else if self.first.is_empty() {
            self.first = data;
        } else if !data.is_empty() {
            let mut more = BytesMut::with_capacity(self.first.len() + data.len());
            more.extend_from_slice(&self.first);
            more.extend_from_slice(&data);
            self.more = Some(more);
        }
    }

    fn into_bytes(self) -> Bytes {
        self.more.map_or(self.first, BytesMut::freeze)
    }
}

/// A body compressed in one go: one data frame, then the app's trailers.
/// Its size is not announced: the compressed `GET` is framed as its `HEAD`
/// says (no `Content-Length`), and both stay as they were with streaming.
struct OneShotBody {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
    error: Option<BoxError>,
}

impl OneShotBody {
    fn new(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        Self {
            data: Some(data),
            trailers,
            error: None,
        }
    }

    fn failed(error: BoxError) -> Self {
        Self {
            data: None,
            trailers: None,
            error: Some(error),
        }
    }
}

impl http_body::Body for OneShotBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(error) = self.error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        Poll::Ready(self.trailers.take().map(|trailers| Ok(Frame::trailers(trailers))))
    }

    fn is_end_stream(&self) -> bool {
        self.error.is_none() && self.data.is_none() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

impl std::fmt::Debug for OneShotBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneShotBody").finish_non_exhaustive()
    }
}
