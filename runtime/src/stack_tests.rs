//! The middlewares composed in strata's canonical order around an axum
//! `Router`, as the generator emits them: the whole stack must stay a
//! `Clone + Send + Sync` service with a `Send` future answering
//! `Response<axum::body::Body>`, and the layers must cooperate.

use std::fmt::Debug;
use std::io::Read;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::header::{ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_ENCODING, HOST, ORIGIN, VARY};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_layer::Layer;
use tower_service::Service;

use crate::RequestId;
use crate::access_log::AccessLogLayer;
use crate::body::IntoAxumBodyLayer;
use crate::catch_panic::CatchPanicLayer;
use crate::compression::CompressionLayer;
use crate::cors::{CorsLayer, CorsPolicy};
use crate::paths::PathList;
use crate::request_id::RequestIdLayer;
use crate::timing::TimingLayer;
use crate::trusted_host::{TrustedHostLayer, TrustedHostPolicy};

static HOSTS: TrustedHostPolicy = TrustedHostPolicy {
    allow_any: false,
    exact: &["api.example.com"],
    suffixes: &[],
    www_redirect: true,
    exempt_paths: PathList::EMPTY,
};

static CORS: CorsPolicy = CorsPolicy {
    allow_all_origins: false,
    origins: &["https://app.example.com"],
    origin_regex: None,
    methods: &["GET"],
    allow_all_headers: false,
    headers: &["accept", "accept-language", "content-language", "content-type"],
    allow_credentials: true,
    allow_private_network: false,
    expose_headers: Some(HeaderValue::from_static("x-request-id")),
    preflight_allow_methods: HeaderValue::from_static("GET"),
    preflight_allow_headers: Some(HeaderValue::from_static(
        "accept, accept-language, content-language, content-type",
    )),
    max_age: HeaderValue::from_static("600"),
};

static EXCLUDE: PathList = PathList {
    exact: &["/health"],
    subtrees: &[],
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const PROCESS_TIME: HeaderName = HeaderName::from_static("x-process-time");

async fn big(id: RequestId) -> String {
    format!("{id} ").repeat(100)
}

async fn boom() -> &'static str {
    panic!("handler bug")
}

fn app() -> Router {
    Router::new().route("/big", get(big)).route("/boom", get(boom))
}

/// Outermost first, as the generator nests them.
fn stack()
-> impl Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible, Future = impl Send>
+ Clone
+ Send
+ Sync
+ Debug {
    let inner = TimingLayer::new(PROCESS_TIME, true).layer(app());
    let inner = IntoAxumBodyLayer::new().layer(inner);
    let inner = CatchPanicLayer::new().layer(inner);
    let inner = CompressionLayer::new(500, 6, true, false, false).layer(inner);
    let inner = CorsLayer::new(&CORS).layer(inner);
    let inner = TrustedHostLayer::new(&HOSTS).layer(inner);
    let inner = AccessLogLayer::new(&EXCLUDE).layer(inner);
    RequestIdLayer::new(REQUEST_ID).layer(inner)
}

fn get_request(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(HOST, "api.example.com")
        .header(ORIGIN, "https://app.example.com")
        .header(ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .expect("valid request")
}

#[tokio::test]
async fn compressed_handler_response_carries_every_layers_headers() {
    let (captured, _guard) = crate::test_util::CapturedEvents::start();
    let response = stack().oneshot(get_request("/big")).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    let id = headers[REQUEST_ID].to_str().expect("ascii").to_owned();
    assert_eq!(headers[CONTENT_ENCODING], "gzip");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    assert!(headers.contains_key(PROCESS_TIME));
    let vary: Vec<_> = headers.get_all(VARY).iter().collect();
    assert_eq!(vary, ["accept-encoding", "Origin"]);

    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    assert_eq!(text, format!("{id} ").repeat(100));

    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].field("request_id"), Some(id.as_str()));
    assert_eq!(events[0].field("status"), Some("200"));
}

#[tokio::test]
async fn a_panic_becomes_a_500_that_browsers_can_read() {
    let response = stack().oneshot(get_request("/boom")).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    assert!(response.headers().contains_key(REQUEST_ID));
}

#[tokio::test]
async fn a_refused_host_is_logged_and_never_routed() {
    let (captured, _guard) = crate::test_util::CapturedEvents::start();
    let mut request = get_request("/big");
    request.headers_mut().insert(HOST, HeaderValue::from_static("evil.com"));
    let response = stack().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().contains_key(REQUEST_ID));
    let events = captured.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].field("status"), Some("400"));
}

#[test]
fn layers_are_clone_debug_send_sync() {
    fn check<T: Clone + Debug + Send + Sync>(_: &T) {}
    check(&RequestIdLayer::new(REQUEST_ID));
    check(&AccessLogLayer::new(&EXCLUDE));
    check(&TrustedHostLayer::new(&HOSTS));
    check(&CorsLayer::new(&CORS));
    check(&CompressionLayer::new(500, 6, true, false, false));
    check(&CatchPanicLayer::new());
    check(&TimingLayer::new(PROCESS_TIME, false));
    check(&IntoAxumBodyLayer::new());
    check(&stack());
}
