//! The fuzz targets' entry functions, one per target. `cargo fuzz` runs them
//! under libFuzzer (`fuzz_targets/*.rs`); the stable test
//! `tests/fuzz_replay.rs` runs every committed corpus file and every crash
//! ever found (`fuzz/regressions/`) through the same functions, so a fixed
//! crash stays fixed without nightly.
//!
//! Each function must return normally for every input: a panic, an abort
//! (stack overflow) or a hang is a finding.
#![allow(dead_code)]

use std::any::Any;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::str::FromStr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::{any, get, post};
use http::{HeaderName, HeaderValue, Method, StatusCode, Uri, Version};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// stack.toml text → parse, model, rules, order, lowering, the rendered
/// module (`strata gen`), `explain`, and both renderings of the diagnostics.
pub fn toml_pipeline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for profile in [None, Some("dev")] {
        let (compiled, diagnostics) = strata_codegen::compile_toml(text, profile);
        let source = strata_codegen::render::Source {
            name: "stack.toml",
            text,
        };
        let _ = strata_codegen::render::human(source, &diagnostics);
        let _ = strata_codegen::render::json(source, &diagnostics);
        if let Some(compiled) = compiled {
            let origin = strata_codegen::module::Origin {
                source: "stack.toml",
                text,
                profile,
            };
            if let Err(bug) = strata_codegen::module::render(&compiled, origin) {
                panic!("a compiled stack must render: {bug}");
            }
            let _ = strata_codegen::explain::text(&compiled, "stack.toml");
            let _ = strata_codegen::explain::mermaid(&compiled);
            let _ = strata_codegen::explain::dot(&compiled);
        }
    }
}

/// Attribute text → tokens → the whole macro expansion (parse, model, rules,
/// order, lowering, emission of the function or of `compile_error!`s).
pub fn attribute_pipeline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `file = "..."` reads a file at compile time; the fuzzer would find
    // `/dev/zero`. Reading the files a crate names is the user's own act.
    if text.contains("file") {
        return;
    }
    // Text that does not lex never reaches a proc macro.
    let Ok(tokens) = proc_macro2::TokenStream::from_str(text) else {
        return;
    };
    let item = quote::quote!(
        fn app() -> Router {
            Router::new()
        }
    );
    let _ = strata_codegen::emit::attribute(tokens, item);
}

const JWT_SECRET: &str = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-fuzz";

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    request_id,
    trace_context,
    access_log,
    metrics,
    trusted_host(allowed_hosts = ["localhost", "*.example.com"]),
    https_redirect,
    security_headers(content_security_policy = "default-src 'self'"),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_origin_regex = "https://[a-z]+\\.preview\\.example\\.com",
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
    ),
    compression(minimum_size = 10),
    timeout(request = "5s", request_body = "5s"),
    concurrency_limit(max_in_flight = 10000),
    decompression,
    body_limit(max = "64KB"),
    block(user_agent_prefixes = ["BadBot"]),
    rate_limit(requests = 1000000000, per = "1s"),
    redirect_slashes,
    session(secret_env = "STRATA_FUZZ_SESSION"),
    jwt(secret_env = "STRATA_FUZZ_JWT", public_paths = ["/public", "/echo", "/dir/", "/any"]),
    api_key(keys_env = "STRATA_FUZZ_KEYS", public_paths = ["/public", "/echo", "/dir/", "/any", "/private"]),
    custom(name = "noop", layer = tower::layer::util::Identity::new()),
    timing(server_timing = true),
    // The path switch: its ambiguous-path check decodes and normalises
    // whatever path a client sends.
    scope(
        "/admin/*",
        api_key(keys_env = "STRATA_FUZZ_KEYS"),
        cors(allow_origins = ["https://admin.example.com"]),
    ),
    scope("/files/*", body_limit(max = "1KB"), timing),
)]
fn app() -> Router {
    Router::new()
        .route("/admin/{*rest}", any(|| async { "admin" }))
        .route("/files/{*rest}", any(|body: axum::body::Bytes| async move { body }))
        .route("/public", get(|| async { "public ".repeat(20) }))
        .route("/echo", post(|body: axum::body::Bytes| async move { body }))
        .route("/dir/", get(|| async { "dir" }))
        .route("/any", any(|| async { "any" }))
        .route(
            "/private",
            get(|claims: strata::Claims, session: strata::Session| async move {
                let _ = session.insert("seen", true);
                format!("hello {}", claims.subject().unwrap_or("?"))
            }),
        )
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    // The built stack, kept across inputs (building it compiles regexes and
    // keys). `dyn Any` only because the stack's type cannot be named here:
    // this is the harness, not strata's request path.
    static STACK: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

fn with_stack<S: Clone + 'static, R>(build: impl FnOnce() -> S, use_it: impl FnOnce(S) -> R) -> R {
    let stack = STACK.with(|cell| {
        let mut cell = cell.borrow_mut();
        cell.get_or_insert_with(|| Box::new(build()))
            .downcast_ref::<S>()
            .expect("one stack type per process")
            .clone()
    });
    use_it(stack)
}

/// Bytes → one HTTP request: `METHOD TARGET [HTTP/1.0|HTTP/2]`, then
/// `name: value` lines, an empty line, and the body. What `http` refuses
/// (a bad method, URI, header name or value) a server would refuse too.
fn request(data: &[u8]) -> Option<http::Request<Body>> {
    let split = data.windows(2).position(|pair| pair == b"\n\n");
    let (head, body) = match split {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|byte| *byte == b'\n');
    let mut first = lines.next()?.split(|byte| *byte == b' ');
    let method = Method::from_bytes(first.next()?).ok()?;
    let uri = Uri::try_from(first.next()?).ok()?;
    let version = match first.next() {
        Some(b"HTTP/1.0") => Version::HTTP_10,
        Some(b"HTTP/2") => Version::HTTP_2,
        _ => Version::HTTP_11,
    };
    let mut builder = http::Request::builder().method(method).uri(uri).version(version);
    for line in lines {
        let Some(colon) = line.iter().position(|byte| *byte == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            builder = builder.header(name, value);
        }
    }
    let mut request = builder.body(Body::from(body.to_vec())).ok()?;
    let peer: SocketAddr = ([127, 0, 0, 1], 40000).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    Some(request)
}

/// One request through a stack with every middleware (and no `catch_panic`:
/// a panic must reach the fuzzer): no panic, no 500, and a well-formed
/// response whose body reads to the end and matches its `Content-Length`.
pub fn http_request(data: &[u8]) {
    let Some(request) = request(data) else {
        return;
    };
    let head_request = request.method() == Method::HEAD;
    let build = || {
        temp_env::with_vars(
            [
                ("STRATA_FUZZ_SESSION", Some("fuzz-session-fuzz-session-fuzz-session")),
                ("STRATA_FUZZ_JWT", Some(JWT_SECRET)),
                ("STRATA_FUZZ_KEYS", Some("fuzz-key-1,fuzz-key-2")),
            ],
            app,
        )
    };
    with_stack(build, |stack| {
        RUNTIME.with(|runtime| {
            runtime.block_on(async move {
                let Ok(response) = stack.oneshot(request).await;
                let (parts, body) = response.into_parts();
                if std::env::var_os("STRATA_FUZZ_TRACE").is_some() {
                    eprintln!("status {}", parts.status);
                }
                assert_ne!(parts.status, StatusCode::INTERNAL_SERVER_ERROR, "{parts:?}");
                let lengths: Vec<&HeaderValue> = parts.headers.get_all(http::header::CONTENT_LENGTH).iter().collect();
                assert!(lengths.len() <= 1, "two Content-Length headers: {parts:?}");
                let body = match body.collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(error) => panic!("the response body failed: {error} ({parts:?})"),
                };
                let bodiless =
                    head_request || parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED;
                if let Some(length) = lengths.first()
                    && !bodiless
                {
                    let declared: Option<usize> = length.to_str().ok().and_then(|text| text.parse().ok());
                    assert_eq!(declared, Some(body.len()), "Content-Length vs body: {parts:?}");
                }
            })
        })
    });
}
