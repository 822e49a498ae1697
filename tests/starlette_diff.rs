//! strata against the real Starlette: the same corpus of raw HTTP/1.1
//! requests goes to each `#[strata::stack]` below and to its Starlette twin
//! (tests/starlette/app.py, same options, same handlers) under uvicorn, and
//! the answers must agree on status, the `Access-Control-*` headers, `Vary`
//! (as a case-insensitive token set), `Location`, `Content-Encoding`,
//! `Content-Length` and the body where they mean something.
//!
//! Every disagreement is either a bug or one of strata's documented decisions,
//! listed in `DECISIONS` with its reason. The test fails on any disagreement
//! the table does not cover, and on any entry of the table that no longer
//! matches anything (a decision that stopped being true must leave the table).
//!
//! The corpus ports the requests of Starlette's own middleware tests
//! (`tests/middleware/test_cors.py`, `test_trusted_host.py`, `test_gzip.py`,
//! `test_https_redirect.py` of Starlette 1.10) and adds generated
//! combinations of origins, methods, request-header lists, encodings and
//! hosts: fixed lists and a fixed-seed sample, so every run sends the same
//! requests. The `slashes` stack compares `redirect_slashes` with Starlette's
//! own `Router`.
//!
//! To look closer: `STRATA_DIFF_SHOW=<text>` prints both raw answers of every
//! request whose `[stack] description` contains `<text>` (with
//! `--nocapture`); `STRATA_DIFF_LIMIT=<n>` lists more than 60 disagreements.
//!
//! Starlette comes from a virtualenv that `bash tests/starlette/setup.sh`
//! (called by `.ci/run`) builds from the pinned, hashed
//! `tests/starlette/requirements.txt`; `STRATA_STARLETTE_VENV` overrides its
//! place. Without it the test fails, naming the command: it never skips.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, VARY};
use axum::response::AppendHeaders;
use axum::routing::{any, get};
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The handlers: byte for byte what app.py's HANDLERS answer.

const BIG_LEN: usize = 4000;

fn big() -> String {
    "x".repeat(BIG_LEN)
}

fn chunks() -> Body {
    Body::from_stream(futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::convert::Infallible>(Bytes::from(vec![b'x'; 400]))),
    ))
}

const HANDLER_BUG: &str = "a handler bug";

async fn explode() -> &'static str {
    panic!("{HANDLER_BUG}")
}

/// The `/error` panics are expected (catch_panic turns them into 500s); the
/// default hook would print a backtrace for each.
fn quiet_expected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str);
        if message != Some(HANDLER_BUG) {
            default(info);
        }
    }));
}

fn handlers() -> Router {
    Router::new()
        .route("/", any(|| async { "Homepage" }))
        .route("/big", any(|| async { big() }))
        .route("/small", any(|| async { "OK" }))
        .route(
            "/vary",
            any(|| async { (AppendHeaders([(VARY, "Accept-Language"), (VARY, "Cookie")]), big()) }),
        )
        .route("/svg", any(|| async { ([(CONTENT_TYPE, "image/svg+xml")], big()) }))
        .route("/png", any(|| async { ([(CONTENT_TYPE, "image/png")], big()) }))
        .route("/zip", any(|| async { ([(CONTENT_TYPE, "application/zip")], big()) }))
        .route(
            "/grpc",
            any(|| async { ([(CONTENT_TYPE, "application/grpc+proto")], big()) }),
        )
        .route(
            "/sse",
            any(|| async { ([(CONTENT_TYPE, "text/event-stream")], chunks()) }),
        )
        .route("/stream", any(|| async { chunks() }))
        .route("/encoded", any(|| async { ([(CONTENT_ENCODING, "text")], chunks()) }))
        .route(
            "/partial",
            any(|| async {
                (
                    StatusCode::PARTIAL_CONTENT,
                    [(CONTENT_RANGE, "bytes 0-1999/4000")],
                    "x".repeat(2000),
                )
            }),
        )
        .route("/unauthorized", any(|| async { (StatusCode::UNAUTHORIZED, "no") }))
        .route("/error", any(explode))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
}

/// The routes of the `redirect_slashes` stack (app.py's SLASH_ROUTES): one
/// declared without its slash, one with, one both ways, one with a parameter.
fn slash_routes() -> Router {
    Router::new()
        .route("/users", get(|| async { "users" }))
        .route("/dir/", get(|| async { "dir" }))
        .route("/both", get(|| async { "both" }))
        .route("/both/", get(|| async { "both/" }))
        .route("/users/{id}", get(|| async { "user" }))
}

// ---------------------------------------------------------------------------
// The strata stacks, one per Starlette twin in app.py's STACKS. `catch_panic`
// stands for the ServerErrorMiddleware every Starlette app has.

#[strata::stack(
    cors(
        allow_origins = ["https://example.org", "http://localhost:3000"],
        allow_credentials = true,
        allow_methods = ["GET", "POST", "PUT"],
        allow_headers = ["X-Example", "Content-Type"],
        expose_headers = ["X-Status", "X-Request-Id"],
        max_age = 300,
    ),
    catch_panic,
)]
fn cors_explicit() -> Router {
    handlers()
}

#[strata::stack(cors(allow_origins = ["https://example.org"]), catch_panic)]
fn cors_default() -> Router {
    handlers()
}

#[strata::stack(
    cors(allow_origins = ["*"], allow_headers = ["*"], allow_methods = ["*"], expose_headers = ["X-Status"]),
    catch_panic,
)]
fn cors_any() -> Router {
    handlers()
}

#[strata::stack(cors(allow_origins = ["*"]), catch_panic)]
fn cors_any_plain() -> Router {
    handlers()
}

#[strata::stack(
    cors(
        allow_origin_regex = "https://.*\\.example\\.org",
        allow_headers = ["X-Example", "Content-Type"],
        allow_credentials = true,
    ),
    catch_panic,
)]
fn cors_regex() -> Router {
    handlers()
}

#[strata::stack(
    cors(
        allow_origins = ["https://example.org"],
        allow_origin_regex = "https://[a-z0-9-]+\\.preview\\.example\\.com",
        allow_methods = ["*"],
        allow_headers = ["*"],
    ),
    catch_panic,
)]
fn cors_methods_star() -> Router {
    handlers()
}

#[strata::stack(cors(allow_origins = ["https://allowed.example"]), compression(minimum_size = 0), catch_panic)]
fn cors_gzip() -> Router {
    handlers()
}

#[strata::stack(
    cors(allow_origins = ["*"], allow_methods = ["*"], allow_private_network = true),
    catch_panic,
)]
fn cors_private_network() -> Router {
    handlers()
}

#[strata::stack(
    cors(
        allow_origins = ["https://example.org"],
        allow_credentials = true,
        allow_headers = ["X-Example"],
        allow_private_network = true,
    ),
    catch_panic,
)]
fn cors_private_network_credentials() -> Router {
    handlers()
}

#[strata::stack(compression(minimum_size = 500))]
fn gzip() -> Router {
    handlers()
}

#[strata::stack(compression(exclude_content_types = ["application/zip"]))]
fn gzip_exclude_zip() -> Router {
    handlers()
}

#[strata::stack(compression(exclude_content_types = []))]
fn gzip_exclude_nothing() -> Router {
    handlers()
}

/// Starlette's `Router(redirect_slashes=True)`, its default.
#[strata::stack(redirect_slashes)]
fn slashes() -> Router {
    slash_routes()
}

#[strata::stack(trusted_host(allowed_hosts = ["testserver", "*.testserver", "www.example.com", "localhost", "Example.net"]))]
fn trusted_host() -> Router {
    handlers()
}

/// Starlette's test_trusted_host_middleware_ipv6 list, less `[v1.foo]`: an
/// IPvFuture literal is no host strata accepts (S0501).
#[strata::stack(trusted_host(allowed_hosts = ["[::1]", "api_service", "*.example.com"]))]
fn trusted_host_literals() -> Router {
    handlers()
}

#[strata::stack(trusted_host(allowed_hosts = ["www.example.com", "*.testserver"], www_redirect = false))]
fn trusted_host_no_www() -> Router {
    handlers()
}

#[strata::stack(https_redirect)]
fn https_redirect() -> Router {
    handlers()
}

#[strata::stack(
    trusted_host(allowed_hosts = ["testserver", "*.testserver", "www.example.com"]),
    https_redirect,
)]
fn host_then_https() -> Router {
    handlers()
}

/// Every stack: its name (the key of app.py's STACKS) and the origin it
/// allows, used where the corpus needs "an allowed origin".
const STACKS: &[(&str, Option<&str>)] = &[
    ("cors_explicit", Some("https://example.org")),
    ("cors_default", Some("https://example.org")),
    ("cors_any", Some("https://example.org")),
    ("cors_any_plain", Some("https://example.org")),
    ("cors_regex", Some("https://sub.example.org")),
    ("cors_methods_star", Some("https://example.org")),
    ("cors_gzip", Some("https://allowed.example")),
    ("cors_private_network", Some("https://example.org")),
    ("cors_private_network_credentials", Some("https://example.org")),
    ("gzip", None),
    ("gzip_exclude_zip", None),
    ("gzip_exclude_nothing", None),
    ("slashes", None),
    ("trusted_host", None),
    ("trusted_host_no_www", None),
    ("trusted_host_literals", None),
    ("https_redirect", None),
    ("host_then_https", None),
];

async fn serve_strata(stack: &str) -> SocketAddr {
    match stack {
        "cors_explicit" => support::serve(cors_explicit()).await,
        "cors_default" => support::serve(cors_default()).await,
        "cors_any" => support::serve(cors_any()).await,
        "cors_any_plain" => support::serve(cors_any_plain()).await,
        "cors_regex" => support::serve(cors_regex()).await,
        "cors_methods_star" => support::serve(cors_methods_star()).await,
        "cors_gzip" => support::serve(cors_gzip()).await,
        "cors_private_network" => support::serve(cors_private_network()).await,
        "cors_private_network_credentials" => support::serve(cors_private_network_credentials()).await,
        "gzip" => support::serve(gzip()).await,
        "gzip_exclude_zip" => support::serve(gzip_exclude_zip()).await,
        "gzip_exclude_nothing" => support::serve(gzip_exclude_nothing()).await,
        "slashes" => support::serve(slashes()).await,
        "trusted_host" => support::serve(trusted_host()).await,
        "trusted_host_literals" => support::serve(trusted_host_literals()).await,
        "trusted_host_no_www" => support::serve(trusted_host_no_www()).await,
        "https_redirect" => support::serve(https_redirect()).await,
        "host_then_https" => support::serve(host_then_https()).await,
        other => panic!("no strata stack named {other}"),
    }
}

fn is_cors(stack: &str) -> bool {
    stack.starts_with("cors")
}

// ---------------------------------------------------------------------------
// The decisions: where strata knowingly answers differently from Starlette.

/// A value a decision expects on one side (normalised as in `observe`).
#[derive(Debug)]
enum Val {
    Is(&'static str),
    OneOf(&'static [&'static str]),
    StartsWith(&'static str),
    Absent,
    Any,
}

impl Val {
    fn matches(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (Val::Is(want), Some(got)) => *want == got,
            (Val::OneOf(wants), Some(got)) => wants.contains(&got),
            (Val::StartsWith(prefix), Some(got)) => got.starts_with(prefix),
            (Val::Absent, None) | (Val::Any, _) => true,
            _ => false,
        }
    }
}

/// One way strata knowingly answers differently from Starlette.
struct Decision {
    stacks: &'static [&'static str],
    /// The request shape, in words; `applies` says it in code.
    when: &'static str,
    applies: fn(&Probe) -> bool,
    /// The compared fields it covers (`status`, a header name, `body`).
    fields: &'static [&'static str],
    strata: Val,
    starlette: Val,
    why: &'static str,
}

const CORS_STACKS: &[&str] = &[
    "cors_explicit",
    "cors_default",
    "cors_any",
    "cors_any_plain",
    "cors_regex",
    "cors_methods_star",
    "cors_gzip",
    "cors_private_network",
    "cors_private_network_credentials",
];
const GZIP_STACKS: &[&str] = &["gzip", "gzip_exclude_zip", "gzip_exclude_nothing", "cors_gzip"];
const WWW_STACKS: &[&str] = &["trusted_host", "host_then_https"];
const HOST_STACKS: &[&str] = &[
    "trusted_host",
    "trusted_host_no_www",
    "trusted_host_literals",
    "https_redirect",
    "host_then_https",
];
const REDIRECT_STACKS: &[&str] = &["https_redirect", "host_then_https"];

/// Host values that are not `name[:port]` or `[IPv6][:port]` (or no Host).
const NOT_A_HOST: &[&str] = &[
    "testserver:65536",
    "api_service:65536",
    "api_service:100000",
    "[:::]",
    "[::ffff:999.999.999.999]",
    "testserver:80@evil.com",
    "[v1.foo]",
    "[::1",
    "[::1]evil.example.com",
    "[::1]@attacker",
    "[::1].",
    "[::1]:evil",
    "api_service/evil",
    "api_service?evil",
    "api_service#evil",
    "api_service@attacker",
    "api service",
    "",
];

fn accept_encoding(probe: &Probe) -> Vec<&str> {
    probe
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("accept-encoding"))
        .map(|(_, value)| value.as_str())
        .collect()
}

fn absolute_form_for_host(probe: &Probe) -> bool {
    probe.get("host") == Some("testserver")
        && (probe.target.starts_with("http://testserver/") || probe.target.starts_with("https://testserver/"))
}

const ABSOLUTE_FORM: &str = "hyper parses the absolute form (RFC 9112 §3.2.2: a server MUST accept it) and \
    strata routes its path; uvicorn (h11) hands the whole URL to the app as its path, so Starlette answers \
    404, or redirects to `https://testserver/http://testserver/`";

const EMPTY_PORT: &str = "RFC 3986 §3.2.3: `port = *DIGIT`, and an empty port means the scheme's default; \
    Starlette's Host pattern needs a digit, so it refuses the host (400) or redirects to its own socket \
    address";

static DECISIONS: &[Decision] = &[
    Decision {
        stacks: CORS_STACKS,
        when: "a handler fails (panic / unhandled exception): the 500",
        applies: |probe| probe.target == "/error",
        fields: &[
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-expose-headers",
            "vary",
        ],
        strata: Val::Any,
        starlette: Val::Absent,
        why: "strata's catch_panic sits inside cors, so the page can read the 500 (DESIGN: inner error \
              responses keep their CORS headers); Starlette's ServerErrorMiddleware answers outside \
              every user middleware, so the browser hides its 500 behind a CORS error",
    },
    Decision {
        stacks: GZIP_STACKS,
        when: "Accept-Encoding: gzip;q=0 (the client refuses gzip)",
        applies: |probe| accept_encoding(probe).iter().any(|value| value.contains("gzip;q=0")),
        fields: &["content-encoding"],
        strata: Val::Absent,
        starlette: Val::Is("gzip"),
        why: "q=0 means \"not acceptable\" (RFC 9110 §12.5.3); Starlette looks for the substring `gzip`",
    },
    Decision {
        stacks: GZIP_STACKS,
        when: "Accept-Encoding: `*`, `GZIP`, or gzip on a second Accept-Encoding line",
        applies: |probe| {
            let values = accept_encoding(probe);
            values.len() > 1 || values.iter().any(|value| *value == "*" || *value == "GZIP")
        },
        fields: &["content-encoding"],
        strata: Val::Is("gzip"),
        starlette: Val::Absent,
        why: "`*` accepts any coding, coding names are case-insensitive (RFC 9110 §12.5.3) and repeated \
              field lines form one list (§5.3); Starlette searches the first line for the substring `gzip`",
    },
    Decision {
        stacks: &["slashes"],
        when: "a path whose other form (slash added or removed) is a route",
        applies: |_| true,
        fields: &["location"],
        strata: Val::StartsWith("/"),
        starlette: Val::StartsWith("http://testserver/"),
        why: "strata answers a relative reference (RFC 9110 §10.2.2): the client keeps the scheme and \
              host it used; Starlette builds an absolute URL from the Host header and the scheme the \
              server saw (`http` behind a TLS-terminating proxy)",
    },
    Decision {
        stacks: &["slashes"],
        when: "an encoded slash in the path (`/users/%2F`)",
        applies: |probe| probe.target.contains("%2F"),
        fields: &["status"],
        strata: Val::Any,
        starlette: Val::Is("307"),
        why: "axum routes on the path as sent, where `%2F` is a character of a segment (RFC 3986 \
              §2.2), so `/users/{id}` matches; the ASGI server decodes it into `/` before routing, so \
              Starlette sees `/users//` and redirects it to `/users`",
    },
    Decision {
        stacks: &["gzip_exclude_zip", "gzip_exclude_nothing"],
        when: "text/event-stream or gRPC with `exclude_content_types` replaced",
        applies: |probe| probe.target == "/sse" || probe.target == "/grpc",
        fields: &["content-encoding", "vary"],
        strata: Val::Absent,
        starlette: Val::Any,
        why: "README decision: compressing them breaks streaming (a compressor holds events back \
              until a block fills), so strata keeps them uncompressed whatever the list says; \
              Starlette skips them only through its default list",
    },
    Decision {
        stacks: WWW_STACKS,
        when: "the bare domain of an allowed www host (www redirect)",
        applies: |probe| {
            probe
                .get("host")
                .is_some_and(|host| host.to_ascii_lowercase().starts_with("example.com"))
        },
        fields: &["location"],
        strata: Val::StartsWith("//www."),
        starlette: Val::StartsWith("http://www."),
        why: "README decision: a scheme-relative Location keeps the browser's scheme, which the app \
              cannot know behind a TLS-terminating proxy",
    },
    Decision {
        stacks: HOST_STACKS,
        when: "a Host that is not a host (a port above 65535, an invalid IPv6 literal, userinfo, path, \
               query, fragment, space, IPvFuture, garbage after `]`), an empty Host, or none (HTTP/1.0)",
        applies: |probe| probe.get("host").is_none_or(|host| NOT_A_HOST.contains(&host)),
        fields: &["status"],
        strata: Val::Is("400"),
        starlette: Val::OneOf(&["200", "307"]),
        why: "README decision: a Host must look like a host, so that no redirect is ever built from \
              one; Starlette's TrustedHost ignores the port's value (200), and its HTTPSRedirect \
              falls back to the server's own socket address (307 to `https://127.0.0.1:PORT/`)",
    },
    Decision {
        stacks: HOST_STACKS,
        when: "a fully qualified host name: one trailing dot (`testserver.`, `example.com.`)",
        applies: |probe| {
            probe
                .get("host")
                .is_some_and(|host| host.ends_with('.') && !host.ends_with(".."))
        },
        fields: &["status"],
        strata: Val::OneOf(&["200", "307"]),
        starlette: Val::Is("400"),
        why: "DESIGN: one trailing dot is ignored, `testserver.` is the same host as `testserver` \
              (RFC 1034 §3.1); Starlette compares the strings, so it refuses it (400), and strata \
              serves it, redirects it to www, or on to https",
    },
    Decision {
        stacks: HOST_STACKS,
        when: "an absolute-form target whose authority is not the Host (`GET http://evil.com/` + `Host: testserver`)",
        applies: |probe| probe.target.starts_with("http://evil.com/") && probe.get("host") == Some("testserver"),
        fields: &["status"],
        strata: Val::Is("400"),
        starlette: Val::OneOf(&["404", "307"]),
        why: "DESIGN (RFC 9112 §3.2.2): the host is the target's authority, and a Host that disagrees \
              is refused, since the app and a check could each believe a different one; uvicorn takes \
              the whole URL for the path (404, or a redirect to `https://testserver/http://evil.com/`)",
    },
    Decision {
        stacks: HOST_STACKS,
        when: "an empty port (`testserver:`, `[::1]:`)",
        applies: |probe| probe.get("host").is_some_and(|host| host.ends_with(':')),
        fields: &["status"],
        strata: Val::OneOf(&["200", "307"]),
        starlette: Val::Is("400"),
        why: EMPTY_PORT,
    },
    Decision {
        stacks: REDIRECT_STACKS,
        when: "an empty port (`testserver:`, `[::1]:`)",
        applies: |probe| probe.get("host").is_some_and(|host| host.ends_with(':')),
        fields: &["location"],
        strata: Val::OneOf(&["https://testserver/", "https://[::1]/"]),
        starlette: Val::StartsWith("https://127.0.0.1:"),
        why: EMPTY_PORT,
    },
    Decision {
        stacks: &["trusted_host", "trusted_host_no_www"],
        when: "an absolute-form request target naming the Host's authority (`GET http://testserver/`)",
        applies: absolute_form_for_host,
        fields: &["status"],
        strata: Val::Is("200"),
        starlette: Val::Is("404"),
        why: ABSOLUTE_FORM,
    },
    Decision {
        stacks: REDIRECT_STACKS,
        when: "an absolute-form request target naming the Host's authority (`GET http://testserver/`)",
        applies: absolute_form_for_host,
        fields: &["location"],
        strata: Val::Is("https://testserver/"),
        starlette: Val::StartsWith("https://testserver/http"),
        why: ABSOLUTE_FORM,
    },
];

// ---------------------------------------------------------------------------
// The corpus.

#[derive(Clone, Debug)]
struct Probe {
    stack: &'static str,
    /// Where the request comes from: a Starlette test, or `generated`.
    source: &'static str,
    method: String,
    target: String,
    version: &'static str,
    /// Sent as written, in this order, after the request line. A `Host`
    /// (`testserver`, as Starlette's TestClient) is added unless
    /// `no_host` or the probe sets its own.
    headers: Vec<(String, String)>,
    no_host: bool,
}

impl Probe {
    fn new(stack: &'static str, source: &'static str, method: &str, target: &str) -> Self {
        Probe {
            stack,
            source,
            method: method.into(),
            target: target.into(),
            version: "HTTP/1.1",
            headers: Vec::new(),
            no_host: false,
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn maybe(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn wire(&self) -> Vec<u8> {
        let mut head = format!("{} {} {}\r\n", self.method, self.target, self.version);
        if !self.no_host && !self.has("host") {
            head.push_str("Host: testserver\r\n");
        }
        for (name, value) in &self.headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str("Connection: close\r\n\r\n");
        head.into_bytes()
    }

    fn describe(&self) -> String {
        let mut text = format!("{} {}", self.method, self.target);
        if self.version != "HTTP/1.1" {
            let _ = write!(text, " {}", self.version);
        }
        if self.no_host {
            text.push_str(" (no Host)");
        }
        for (name, value) in &self.headers {
            let _ = write!(text, " | {name}: {value:?}");
        }
        text
    }
}

/// A tiny deterministic generator (xorshift64*), so the sampled part of the
/// corpus is the same on every run.
struct Seeded(u64);

impl Seeded {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        &items[(value >> 33) as usize % items.len()]
    }
}

const ORIGINS: &[&str] = &[
    "https://example.org",
    "https://EXAMPLE.org",
    "HTTPS://example.org",
    "https://example.org/",
    "https://example.org:443",
    "https://example.org:8443",
    "http://example.org",
    "https://another.org",
    "https://sub.example.org",
    "https://a.b.example.org",
    "https://sub.example.org.hacker.com",
    "https://x.preview.example.com",
    "https://preview.example.com",
    "https://allowed.example",
    "http://localhost:3000",
    "http://localhost:3001",
    "null",
    "",
];

const PREFLIGHT_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "QUERY", "CUSTOM", "PROPFIND", "get", "post", "",
];

const REQUEST_METHODS: &[&str] = &["GET", "POST", "QUERY", "PROPFIND", "get", "DELETE"];

const REQUEST_HEADER_LISTS: &[Option<&str>] = &[
    None,
    Some(""),
    Some("X-Example"),
    Some("x-example"),
    Some("X-EXAMPLE"),
    Some("X-Example, Content-Type"),
    Some("content-type,x-example"),
    Some(" X-Example ,  Content-Type "),
    Some("X-Example,,Content-Type"),
    Some("Accept, Accept-Language, Content-Language"),
    Some("Content-Type"),
    Some("Authorization"),
    Some("X-Nope"),
    Some("X-Nope-1, X-Nope-2"),
    Some("X-Example, X-Nope"),
    Some("*"),
];

const PRIVATE_NETWORK: &[Option<&str>] = &[None, Some("true"), Some("false"), Some("")];

const ACCEPT_ENCODINGS: &[Option<&str>] = &[
    None,
    Some("gzip"),
    Some("identity"),
    Some("gzip, deflate, br"),
    Some("br"),
    Some("deflate"),
    Some("*"),
    Some("gzip;q=0"),
    Some("gzip;q=0, identity"),
    Some("identity;q=0"),
    Some("GZIP"),
    Some("x-gzip"),
    Some("gzip;q=0.5, br;q=1"),
    Some("deflate, gzip;q=1.0"),
    Some("br;q=1.0, gzip;q=0.8, *;q=0.1"),
    Some("text"),
    Some("gzip, text"),
    Some(""),
];

const GZIP_PATHS: &[&str] = &[
    "/big",
    "/small",
    "/vary",
    "/svg",
    "/png",
    "/zip",
    "/grpc",
    "/sse",
    "/stream",
    "/encoded",
    "/partial",
    "/unauthorized",
    "/",
];

const HOSTS: &[&str] = &[
    "testserver",
    "TestServer",
    "testserver.",
    "testserver..",
    "testserver:8000",
    "testserver:80",
    "testserver:443",
    "testserver:123",
    "testserver:000080",
    "testserver:65535",
    "testserver:65536",
    "testserver:",
    "testserver:80@evil.com",
    "sub.testserver",
    "a.b.testserver",
    "SUB.TestServer",
    "sub.testserver.",
    "evil-testserver",
    "testserver.evil.com",
    "invalidhost",
    "example.com",
    "EXAMPLE.com",
    "example.com:8080",
    "example.com.",
    "www.example.com",
    "WWW.example.com:443",
    "sub.example.com",
    "example.net",
    "EXAMPLE.NET",
    "localhost",
    "localhost:3000",
    "127.0.0.1",
    "127.0.0.1:8000",
    "[::1]",
    "[::1]:8000",
    "[v1.foo]",
    "[:::]",
    "[::ffff:999.999.999.999]",
    "[2001:db8::1]",
    "[::1",
    "[::1]evil.example.com",
    "[::1]@attacker",
    "[::1].",
    "[::1]:evil",
    "[::1]:",
    "api_service",
    "api_service:000080",
    "api_service:65535",
    "api_service:65536",
    "api_service:100000",
    "api_service/evil",
    "api_service?evil",
    "api_service#evil",
    "api_service@attacker",
    "api service",
    "",
];

fn preflight(stack: &'static str, source: &'static str, origin: &str, method: &str) -> Probe {
    Probe::new(stack, source, "OPTIONS", "/")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
}

/// Starlette's own test_cors.py, request by request, on the stack that has
/// the options of each test. Starlette's `*`-origins-with-credentials tests
/// have no twin: strata refuses that configuration at compile time (S0101).
fn ported_cors() -> Vec<Probe> {
    const ALL: &str = "test_cors.py::test_cors_allow_all_except_credentials";
    const SPECIFIC: &str = "test_cors.py::test_cors_allow_specific_origin";
    const DISALLOWED: &str = "test_cors.py::test_cors_disallowed_preflight";
    const ALL_METHODS: &str = "test_cors.py::test_cors_preflight_allow_all_methods";
    const CUSTOM: &str = "test_cors.py::test_cors_preflight_rejects_custom_method_with_wildcard";
    const ALLOW_ALL_METHODS: &str = "test_cors.py::test_cors_allow_all_methods";
    const REGEX: &str = "test_cors.py::test_cors_allow_origin_regex";
    const FULLMATCH: &str = "test_cors.py::test_cors_allow_origin_regex_fullmatch";
    const VARY: &str = "test_cors.py::test_cors_vary_header_*";
    const LEAK: &str = "test_cors.py::test_cors_allowed_origin_does_not_leak_between_requests";
    const PNA: &str = "test_cors.py::test_cors_private_network_access_*";
    const WITH_GZIP: &str = "test_cors.py::test_cors_vary_origin_with_gzip";
    const PNA_ALLOWED: &str = "test_cors.py::test_cors_private_network_access_allowed";
    let mut probes = vec![
        preflight("cors_any", ALL, "https://example.org", "GET").header("Access-Control-Request-Headers", "X-Example"),
        Probe::new("cors_any", ALL, "OPTIONS", "/")
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "X-Example"),
        Probe::new("cors_any", ALL, "GET", "/").header("Origin", "https://example.org"),
        Probe::new("cors_any", ALL, "GET", "/")
            .header("Origin", "https://example.org")
            .header("Cookie", "star_cookie=sugar"),
        Probe::new("cors_any", ALL, "GET", "/"),
        preflight("cors_explicit", SPECIFIC, "https://example.org", "GET")
            .header("Access-Control-Request-Headers", "X-Example, Content-Type"),
        Probe::new("cors_explicit", SPECIFIC, "GET", "/").header("Origin", "https://example.org"),
        Probe::new("cors_explicit", SPECIFIC, "GET", "/"),
        preflight("cors_explicit", DISALLOWED, "https://another.org", "PATCH")
            .header("Access-Control-Request-Headers", "X-Nope"),
        preflight("cors_explicit", DISALLOWED, "https://example.org", "GET")
            .header("Access-Control-Request-Headers", "X-Nope-1, X-Nope-2"),
        preflight("cors_default", DISALLOWED, "https://another.org", "POST")
            .header("Access-Control-Request-Headers", "X-Nope"),
        preflight("cors_any", CUSTOM, "https://example.org", "CUSTOM"),
        Probe::new("cors_any", ALLOW_ALL_METHODS, "OPTIONS", "/").header("Access-Control-Request-Method", "GET"),
        Probe::new("cors_regex", REGEX, "GET", "/").header("Origin", "https://sub.example.org"),
        Probe::new("cors_regex", REGEX, "GET", "/")
            .header("Origin", "https://sub.example.org")
            .header("Cookie", "star_cookie=sugar"),
        Probe::new("cors_regex", REGEX, "GET", "/").header("Origin", "http://sub.example.org"),
        preflight("cors_regex", REGEX, "https://another.example.org", "GET")
            .header("Access-Control-Request-Headers", "X-Example, content-type"),
        preflight("cors_regex", REGEX, "http://another.example.org", "GET")
            .header("Access-Control-Request-Headers", "X-Example"),
        Probe::new("cors_regex", FULLMATCH, "GET", "/").header("Origin", "https://subdomain.example.org"),
        Probe::new("cors_regex", FULLMATCH, "GET", "/").header("Origin", "https://subdomain.example.org.hacker.com"),
        Probe::new("cors_default", VARY, "GET", "/").header("Origin", "https://example.org"),
        Probe::new("cors_default", VARY, "GET", "/vary").header("Origin", "https://example.org"),
        Probe::new("cors_any_plain", VARY, "GET", "/vary").header("Origin", "https://someplace.org"),
        Probe::new("cors_default", LEAK, "GET", "/").header("Origin", "https://example.org"),
        Probe::new("cors_default", LEAK, "GET", "/").header("Origin", "https://other.org"),
        Probe::new("cors_default", LEAK, "GET", "/").header("Origin", "https://example.org"),
        preflight("cors_any", PNA, "https://example.org", "GET")
            .header("Access-Control-Request-Private-Network", "true"),
        preflight("cors_any", PNA, "https://example.org", "GET"),
        Probe::new("cors_any", PNA, "GET", "/")
            .header("Origin", "https://example.org")
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Private-Network", "true"),
        preflight("cors_private_network", PNA_ALLOWED, "https://example.org", "GET")
            .header("Access-Control-Request-Private-Network", "true"),
        preflight("cors_private_network", PNA_ALLOWED, "https://example.org", "GET"),
        Probe::new("cors_private_network", PNA_ALLOWED, "GET", "/")
            .header("Origin", "https://example.org")
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Private-Network", "true"),
        Probe::new("cors_gzip", WITH_GZIP, "GET", "/vary")
            .header("Origin", "https://allowed.example")
            .header("Accept-Encoding", "gzip"),
    ];
    for method in ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"] {
        probes.push(preflight("cors_any", ALL_METHODS, "https://example.org", method));
    }
    for method in ["PATCH", "POST", "PUT", "DELETE", "GET", "HEAD", "OPTIONS"] {
        probes.push(Probe::new("cors_any", ALLOW_ALL_METHODS, method, "/").header("Origin", "https://example.org"));
    }
    probes
}

/// Generated CORS requests for one stack: every origin, method, header list
/// and Private Network Access value against the stack's allowed origin and a
/// foreign one, the error paths, odd header spellings, and a seeded sample
/// of full combinations.
fn generated_cors(stack: &'static str, allowed: &'static str) -> Vec<Probe> {
    const SOURCE: &str = "generated";
    let foreign = "https://another.org";
    let mut probes = Vec::new();
    for origin in ORIGINS {
        probes.push(preflight(stack, SOURCE, origin, "GET"));
        probes.push(Probe::new(stack, SOURCE, "GET", "/").header("Origin", origin));
        probes.push(
            Probe::new(stack, SOURCE, "GET", "/")
                .header("Origin", origin)
                .header("Cookie", "session=1"),
        );
        probes.push(Probe::new(stack, SOURCE, "POST", "/").header("Origin", origin));
    }
    for method in PREFLIGHT_METHODS {
        probes.push(preflight(stack, SOURCE, allowed, method));
        probes.push(preflight(stack, SOURCE, foreign, method));
    }
    for headers in REQUEST_HEADER_LISTS {
        for method in ["GET", "POST"] {
            probes.push(preflight(stack, SOURCE, allowed, method).maybe("Access-Control-Request-Headers", *headers));
        }
    }
    for method in REQUEST_METHODS {
        probes.push(Probe::new(stack, SOURCE, method, "/").header("Origin", allowed));
        probes.push(Probe::new(stack, SOURCE, method, "/"));
    }
    for private_network in PRIVATE_NETWORK {
        for origin in [allowed, foreign] {
            probes.push(
                preflight(stack, SOURCE, origin, "GET")
                    .maybe("Access-Control-Request-Private-Network", *private_network),
            );
        }
    }
    for path in ["/unauthorized", "/error", "/big", "/vary", "/missing"] {
        probes.push(Probe::new(stack, SOURCE, "GET", path).header("Origin", allowed));
        probes.push(Probe::new(stack, SOURCE, "GET", path).header("Origin", foreign));
        probes.push(Probe::new(stack, SOURCE, "GET", path));
    }
    probes.extend([
        Probe::new(stack, SOURCE, "GET", "/").header("ORIGIN", allowed),
        Probe::new(stack, SOURCE, "GET", "/")
            .header("Origin", allowed)
            .header("Origin", foreign),
        Probe::new(stack, SOURCE, "GET", "/")
            .header("Origin", foreign)
            .header("Origin", allowed),
        preflight(stack, SOURCE, allowed, "GET").header("Access-Control-Request-Method", "POST"),
        Probe::new(stack, SOURCE, "OPTIONS", "/").header("Origin", allowed),
        Probe::new(stack, SOURCE, "POST", "/")
            .header("Origin", allowed)
            .header("Access-Control-Request-Method", "GET"),
        Probe::new(stack, SOURCE, "HEAD", "/").header("Origin", allowed),
    ]);
    let mut random = Seeded(0x5EED_C0A5 ^ stack.len() as u64);
    for _ in 0..40 {
        let origin = *random.pick(&[
            allowed,
            foreign,
            "null",
            "https://sub.example.org",
            "http://localhost:3000",
        ]);
        let method = *random.pick(PREFLIGHT_METHODS);
        let headers = *random.pick(REQUEST_HEADER_LISTS);
        let private_network = *random.pick(PRIVATE_NETWORK);
        probes.push(
            preflight(stack, SOURCE, origin, method)
                .maybe("Access-Control-Request-Headers", headers)
                .maybe("Access-Control-Request-Private-Network", private_network),
        );
    }
    if stack == "cors_gzip" {
        for encoding in ACCEPT_ENCODINGS {
            for path in ["/", "/big", "/vary"] {
                probes.push(
                    Probe::new(stack, SOURCE, "GET", path)
                        .header("Origin", allowed)
                        .maybe("Accept-Encoding", *encoding),
                );
            }
            probes.push(preflight(stack, SOURCE, allowed, "GET").maybe("Accept-Encoding", *encoding));
        }
    }
    probes
}

fn ported_gzip() -> Vec<Probe> {
    let source = "test_gzip.py";
    let get = |path: &str, encoding: &str| Probe::new("gzip", source, "GET", path).header("accept-encoding", encoding);
    vec![
        get("/big", "gzip"),
        get("/vary", "gzip"),
        get("/big", "identity"),
        get("/small", "gzip"),
        get("/stream", "gzip"),
        get("/stream", "identity"),
        get("/encoded", "gzip, text"),
        get("/sse", "gzip"),
        get("/partial", "gzip").header("range", "bytes=0-1999"),
        get("/png", "gzip"),
        get("/zip", "gzip"),
        get("/svg", "gzip"),
    ]
}

/// test_gzip.py's exclude_content_types cases: every path, compressible or
/// not, on the stacks with their own list.
fn exclude_gzip() -> Vec<Probe> {
    let mut probes = Vec::new();
    for stack in ["gzip_exclude_zip", "gzip_exclude_nothing"] {
        for path in GZIP_PATHS {
            for encoding in ["gzip", "identity"] {
                probes.push(
                    Probe::new(stack, "test_gzip.py::test_gzip_*_exclude_content_types*", "GET", path)
                        .header("Accept-Encoding", encoding),
                );
            }
        }
    }
    probes
}

fn generated_gzip() -> Vec<Probe> {
    let mut probes = Vec::new();
    for encoding in ACCEPT_ENCODINGS {
        for path in GZIP_PATHS {
            probes.push(Probe::new("gzip", "generated", "GET", path).maybe("Accept-Encoding", *encoding));
        }
        for path in ["/big", "/small", "/stream"] {
            probes.push(Probe::new("gzip", "generated", "HEAD", path).maybe("Accept-Encoding", *encoding));
        }
    }
    probes.push(
        Probe::new("gzip", "generated", "GET", "/big")
            .header("Accept-Encoding", "br")
            .header("Accept-Encoding", "gzip"),
    );
    probes
}

fn ported_hosts() -> Vec<Probe> {
    let host = |stack, source, host: &str| Probe::new(stack, source, "GET", "/").header("Host", host);
    let mut probes = vec![
        host(
            "trusted_host",
            "test_trusted_host.py::test_trusted_host_middleware",
            "testserver",
        ),
        host(
            "trusted_host",
            "test_trusted_host.py::test_trusted_host_middleware",
            "subdomain.testserver",
        ),
        host(
            "trusted_host",
            "test_trusted_host.py::test_trusted_host_middleware",
            "invalidhost",
        ),
        host("trusted_host", "test_trusted_host.py::test_www_redirect", "example.com"),
        host(
            "trusted_host",
            "test_trusted_host.py::test_trusted_host_middleware_is_case_insensitive",
            "example.NET",
        ),
    ];
    for name in [
        "testserver",
        "testserver:80",
        "testserver:443",
        "testserver:123",
        "testserver:000080",
        "testserver:65536",
        "[:::]",
        "[::1]",
    ] {
        probes.push(host("https_redirect", "test_https_redirect.py", name));
    }
    probes
}

fn generated_hosts() -> Vec<Probe> {
    let stacks = [
        "trusted_host",
        "trusted_host_no_www",
        "trusted_host_literals",
        "https_redirect",
        "host_then_https",
    ];
    let mut probes = Vec::new();
    for stack in stacks {
        for host in HOSTS {
            probes.push(Probe::new(stack, "generated", "GET", "/").header("Host", host));
        }
        for host in ["example.com", "testserver", "example.com:8080", "[::1]:8000"] {
            probes.push(Probe::new(stack, "generated", "POST", "/a/b?x=1&y=%2F").header("Host", host));
            probes.push(Probe::new(stack, "generated", "HEAD", "//evil.com/path").header("Host", host));
        }
        let mut http10 = Probe::new(stack, "generated", "GET", "/");
        http10.version = "HTTP/1.0";
        http10.no_host = true;
        probes.push(http10.clone());
        probes.push(http10.header("Host", "testserver"));
        let mut missing = Probe::new(stack, "generated", "GET", "/");
        missing.no_host = true;
        probes.extend([
            missing,
            Probe::new(stack, "generated", "GET", "/")
                .header("Host", "testserver")
                .header("Host", "evil.com"),
            Probe::new(stack, "generated", "GET", "http://testserver/").header("Host", "testserver"),
            Probe::new(stack, "generated", "GET", "https://testserver/").header("Host", "testserver"),
            Probe::new(stack, "generated", "GET", "http://evil.com/").header("Host", "testserver"),
            Probe::new(stack, "generated", "GET", "/")
                .header("Host", "testserver")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.com"),
        ]);
    }
    probes
}

/// Paths against routes declared with and without their slash (Starlette
/// has no test of its router's redirect_slashes to port).
fn slash_paths() -> Vec<Probe> {
    let mut probes = Vec::new();
    for path in [
        "/users",
        "/users/",
        "/users//",
        "/users/?page=2",
        "/dir",
        "/dir/",
        "/dir?x=1",
        "/dir//",
        "/both",
        "/both/",
        "/users/7",
        "/users/7/",
        "/missing",
        "/missing/",
        "/",
        "//users/",
        "/Users/",
        "/users/%2F",
    ] {
        for method in ["GET", "HEAD", "POST"] {
            probes.push(Probe::new("slashes", "generated", method, path));
        }
    }
    probes
}

fn corpus() -> Vec<Probe> {
    let mut probes = ported_cors();
    for (stack, allowed) in STACKS {
        if let (true, Some(allowed)) = (is_cors(stack), allowed) {
            probes.extend(generated_cors(stack, allowed));
        }
    }
    probes.extend(ported_gzip());
    probes.extend(generated_gzip());
    probes.extend(exclude_gzip());
    probes.extend(slash_paths());
    probes.extend(ported_hosts());
    probes.extend(generated_hosts());
    probes
}

// ---------------------------------------------------------------------------
// The wire: raw HTTP/1.1 over a fresh connection, read to EOF.

#[derive(Debug)]
struct Wire {
    status: u16,
    /// Lower-case names, in order, repeated names kept.
    headers: Vec<(String, String)>,
    /// De-chunked, not decompressed.
    body: Vec<u8>,
}

impl Wire {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    fn joined(&self, name: &str) -> Option<String> {
        let values = self.all(name);
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// Blocking std I/O on tokio's blocking pool: the dev-dependencies' tokio has
/// no `io-util`, and raw bytes are the point here.
async fn exchange(address: SocketAddr, probe: &Probe) -> Result<Wire, String> {
    let request = probe.wire();
    let head_only = probe.method.eq_ignore_ascii_case("HEAD");
    tokio::task::spawn_blocking(move || {
        let timeout = Some(Duration::from_secs(10));
        let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(10))
            .map_err(|error| error.to_string())?;
        stream.set_read_timeout(timeout).map_err(|error| error.to_string())?;
        stream.set_write_timeout(timeout).map_err(|error| error.to_string())?;
        stream.write_all(&request).map_err(|error| error.to_string())?;
        let mut raw = Vec::new();
        // A server may close without reading all we sent (or reset the
        // connection); what it answered before that still counts.
        let _ = stream.read_to_end(&mut raw);
        parse(&raw, head_only)
    })
    .await
    .map_err(|error| error.to_string())?
}

fn parse(raw: &[u8], head_only: bool) -> Result<Wire, String> {
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete response head in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked"));
    let body = if head_only {
        Vec::new()
    } else if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Wire { status, headers, body })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

// ---------------------------------------------------------------------------
// What is compared.

/// The compared fields of one answer, normalised: `Vary` and the list-valued
/// `Access-Control-*` headers as sorted, lower-cased token sets; the body
/// inflated when gzip-encoded and shown as text.
type Observed = BTreeMap<String, Option<String>>;

/// A marker in `Observed`, not a header: this answer's length is compared.
const LENGTH_MEANS_SOMETHING: &str = "(length compared)";

const TOKEN_LISTS: &[&str] = &["vary", "access-control-allow-headers", "access-control-expose-headers"];

fn token_set(value: &str, lowercase: bool) -> String {
    let tokens: BTreeSet<String> = value
        .split(',')
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(|token| {
            if lowercase {
                token.to_ascii_lowercase()
            } else {
                token.to_string()
            }
        })
        .collect();
    tokens.into_iter().collect::<Vec<_>>().join(", ")
}

fn inflate(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .map_err(|error| format!("<not gzip: {error}>"))?;
    Ok(out)
}

fn show_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() > 48 && text.bytes().all(|byte| byte == b'x') {
        format!("x*{}", text.len())
    } else if text.len() > 80 {
        format!("{}… ({} bytes)", &text[..80], text.len())
    } else {
        format!("{text:?}")
    }
}

fn observe(probe: &Probe, wire: &Wire) -> Observed {
    let mut fields = Observed::new();
    fields.insert("status".into(), Some(wire.status.to_string()));
    for (name, _) in &wire.headers {
        if name.starts_with("access-control-") && !fields.contains_key(name) {
            let value = wire.joined(name).unwrap_or_default();
            let value = if name == "access-control-allow-methods" {
                token_set(&value, false)
            } else if TOKEN_LISTS.contains(&name.as_str()) {
                token_set(&value, true)
            } else {
                value
            };
            fields.insert(name.clone(), Some(value));
        }
    }
    fields.insert("vary".into(), wire.joined("vary").map(|value| token_set(&value, true)));
    fields.insert("location".into(), wire.joined("location"));
    let encoding = wire.joined("content-encoding");
    fields.insert("content-encoding".into(), encoding.clone());
    fields.insert("content-length".into(), wire.joined("content-length"));
    let head = probe.method.eq_ignore_ascii_case("HEAD");
    // 2xx bodies prove the handlers and the compression right; a CORS 400
    // names what failed. Other error bodies (and so their lengths) are each
    // framework's own prose, or the HTTP server's.
    let body_compared = (200..300).contains(&wire.status) || (wire.status == 400 && is_cors(probe.stack));
    if body_compared {
        fields.insert(LENGTH_MEANS_SOMETHING.into(), Some(String::new()));
    }
    if body_compared && !head {
        let body = match encoding.as_deref() {
            Some("gzip") => inflate(&wire.body).unwrap_or_else(|error| error.into_bytes()),
            _ => wire.body.clone(),
        };
        fields.insert("body".into(), Some(show_body(&body)));
    }
    fields
}

#[derive(Debug)]
struct Disagreement {
    field: String,
    strata: Option<String>,
    starlette: Option<String>,
}

/// The fields where the two answers differ. A different status makes every
/// other field differ too, so it is reported alone. `Content-Length` is
/// compared only where it means something: for the answers whose body is
/// compared (and their HEAD twins), unless compressed (the length depends on
/// the compressor, Starlette's level 9 against strata's 6, and whether it is
/// sent at all on how the body is framed) or the bodies already differ.
fn compare(strata: &Observed, starlette: &Observed) -> Vec<Disagreement> {
    let get = |fields: &Observed, name: &str| fields.get(name).cloned().flatten();
    if strata["status"] != starlette["status"] {
        return vec![Disagreement {
            field: "status".into(),
            strata: get(strata, "status"),
            starlette: get(starlette, "status"),
        }];
    }
    let compressed = get(strata, "content-encoding").is_some() || get(starlette, "content-encoding").is_some();
    let bodies_differ = get(strata, "body") != get(starlette, "body");
    let length_compared = !compressed && !bodies_differ && get(strata, LENGTH_MEANS_SOMETHING).is_some();
    let names: BTreeSet<&String> = strata.keys().chain(starlette.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        if name == LENGTH_MEANS_SOMETHING || (name == "content-length" && !length_compared) {
            continue;
        }
        let (ours, theirs) = (get(strata, name), get(starlette, name));
        if ours != theirs {
            out.push(Disagreement {
                field: name.clone(),
                strata: ours,
                starlette: theirs,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Starlette under uvicorn.

/// The child Python process; killed when the test ends, however it ends.
struct Starlette {
    child: Child,
    ports: BTreeMap<String, u16>,
}

impl Drop for Starlette {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `name==version` pins of requirements.txt.
fn pinned(name: &str) -> String {
    let requirements = std::fs::read_to_string(repo().join("tests/starlette/requirements.txt"))
        .expect("tests/starlette/requirements.txt is readable");
    requirements
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}==")))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("requirements.txt pins no {name}"))
}

fn start_starlette(stacks: &[&str]) -> Starlette {
    let venv = std::env::var_os("STRATA_STARLETTE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/starlette-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "\n\nThe Starlette virtualenv is missing ({}).\n\
         This test compares strata with the real Starlette and never skips.\n\
         Install the pinned Starlette + uvicorn with:\n\n    bash tests/starlette/setup.sh\n\n\
         (.ci/run does this; STRATA_STARLETTE_VENV points the test at another venv.)\n",
        python.display()
    );
    let mut child = Command::new(&python)
        .arg(repo().join("tests/starlette/app.py"))
        .args(stacks)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    let read = BufReader::new(stdout).read_line(&mut line);
    let mut guard = Starlette {
        child,
        ports: BTreeMap::new(),
    };
    assert!(
        matches!(read, Ok(n) if n > 0),
        "app.py exited before serving (see its stderr above); is the venv complete? re-run `bash tests/starlette/setup.sh`"
    );
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|error| panic!("app.py said {line:?}: {error}"));
    for name in ["starlette", "uvicorn"] {
        assert_eq!(
            ready[name].as_str(),
            Some(pinned(name).as_str()),
            "the venv's {name} is not the pinned one: re-run `bash tests/starlette/setup.sh`"
        );
    }
    guard.ports = ready["ports"]
        .as_object()
        .expect("ports")
        .iter()
        .map(|(stack, port)| (stack.clone(), port.as_u64().expect("a port") as u16))
        .collect();
    guard
}

// ---------------------------------------------------------------------------
// The test.

/// How many disagreeing requests the failure message spells out, unless
/// `STRATA_DIFF_LIMIT` says otherwise.
const SHOWN: usize = 60;

struct Outcome {
    probe: Probe,
    result: Result<Vec<Disagreement>, String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strata_answers_as_starlette_does_or_as_a_listed_decision() {
    let started = Instant::now();
    quiet_expected_panics();
    let names: Vec<&str> = STACKS.iter().map(|(name, _)| *name).collect();
    let starlette = start_starlette(&names);
    let mut addresses = BTreeMap::new();
    for name in &names {
        let theirs = SocketAddr::from(([127, 0, 0, 1], starlette.ports[*name]));
        addresses.insert(*name, (serve_strata(name).await, theirs));
    }
    let addresses = Arc::new(addresses);

    let probes = corpus();
    // A few requests in flight at once: uvicorn is the slow side, and the
    // machine is shared.
    let limit = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    // STRATA_DIFF_SHOW=<text> prints both raw answers of every request whose
    // `[stack] description` contains <text> (run with --nocapture).
    let show = std::env::var("STRATA_DIFF_SHOW").ok();
    for probe in probes {
        let show = show.clone();
        let addresses = addresses.clone();
        let limit = limit.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore");
            let (ours, theirs) = addresses[probe.stack];
            let (strata, starlette) = tokio::join!(exchange(ours, &probe), exchange(theirs, &probe));
            if let Some(filter) = &show
                && format!("[{}] {}", probe.stack, probe.describe()).contains(filter.as_str())
            {
                println!(
                    "[{}] {}\n  strata:    {strata:?}\n  starlette: {starlette:?}",
                    probe.stack,
                    probe.describe()
                );
            }
            let result = match (strata, starlette) {
                (Ok(strata), Ok(starlette)) => Ok(compare(&observe(&probe, &strata), &observe(&probe, &starlette))),
                (strata, starlette) => Err(format!(
                    "strata: {:?}\n      starlette: {:?}",
                    strata.map(|wire| wire.status),
                    starlette.map(|wire| wire.status)
                )),
            };
            Outcome { probe, result }
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a probe task"));
    }
    drop(starlette);

    let mut used = vec![0usize; DECISIONS.len()];
    let mut report = String::new();
    let mut reported = 0;
    let shown = std::env::var("STRATA_DIFF_LIMIT")
        .ok()
        .and_then(|limit| limit.parse().ok())
        .unwrap_or(SHOWN);
    // (stack, field) → how many answers disagree there, for the overview.
    let mut overview: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut undecided = 0;
    let mut decided = 0;
    let mut per_stack: BTreeMap<&str, usize> = BTreeMap::new();
    for Outcome { probe, result } in &outcomes {
        *per_stack.entry(probe.stack).or_default() += 1;
        let disagreements = match result {
            Ok(disagreements) => disagreements,
            Err(error) => {
                undecided += 1;
                *overview.entry((probe.stack, "(no answer)".into())).or_default() += 1;
                let _ = writeln!(
                    report,
                    "\n[{}] {}  ({})\n      {error}",
                    probe.stack,
                    probe.describe(),
                    probe.source
                );
                continue;
            }
        };
        let mut open = Vec::new();
        for disagreement in disagreements {
            let decision = DECISIONS.iter().position(|decision| {
                decision.stacks.contains(&probe.stack)
                    && decision.fields.contains(&disagreement.field.as_str())
                    && (decision.applies)(probe)
                    && decision.strata.matches(disagreement.strata.as_deref())
                    && decision.starlette.matches(disagreement.starlette.as_deref())
            });
            match decision {
                Some(index) => {
                    used[index] += 1;
                    decided += 1;
                }
                None => open.push(disagreement),
            }
        }
        if open.is_empty() {
            continue;
        }
        undecided += open.len();
        for disagreement in &open {
            *overview.entry((probe.stack, disagreement.field.clone())).or_default() += 1;
        }
        reported += 1;
        if reported > shown {
            continue;
        }
        let _ = writeln!(report, "\n[{}] {}  ({})", probe.stack, probe.describe(), probe.source);
        for Disagreement {
            field,
            strata,
            starlette,
        } in open
        {
            let _ = writeln!(
                report,
                "      {field}:\n          strata:    {strata:?}\n          starlette: {starlette:?}"
            );
        }
    }
    let mut stale = String::new();
    for (decision, count) in DECISIONS.iter().zip(&used) {
        if *count == 0 {
            let _ = writeln!(
                stale,
                "  {:?} / {} / {:?}: strata {:?} vs starlette {:?}\n      ({})",
                decision.stacks, decision.when, decision.fields, decision.strata, decision.starlette, decision.why
            );
        }
    }
    let summary = format!(
        "{} requests in {:.1} s ({per_stack:?}); {decided} disagreements covered by {} decisions, {undecided} not covered",
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        DECISIONS.len(),
    );
    println!("{summary}");
    if reported > shown {
        let _ = writeln!(
            report,
            "\n… and {} more requests (STRATA_DIFF_LIMIT=<n> lists more; STRATA_DIFF_SHOW=<text> prints raw answers)",
            reported - shown
        );
    }
    let overview: String = overview
        .iter()
        .map(|((stack, field), count)| format!("  {stack:<36} {field:<36} {count}\n"))
        .collect();
    assert!(
        undecided == 0 && stale.is_empty(),
        "\n{summary}\n\nDisagreements with Starlette {} that no decision covers \
         (fix strata, or add a decision with its reason to DECISIONS), per stack and field:\n{overview}\
         \nThe requests:\n{report}\n\
         Decisions that matched nothing (remove them):\n{stale}",
        pinned("starlette"),
    );
}
