//! A real browser: headless Chromium loads a page from one loopback origin
//! and `fetch`es the API on another with `credentials: "include"`. CORS is
//! enforced by the browser, so only a browser can say whether it works.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it); set `CHROMIUM` to use
//! another binary.

mod support;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::process::Command;
use support::serve;

#[strata::stack(
    trusted_host(allowed_hosts = ["127.0.0.1", "localhost"]),
    cors(
        allow_origin_regex = "http://localhost:[0-9]+",
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["content-type"],
    ),
    request_id,
    catch_panic,
    concurrency_limit(max_in_flight = 1),
    body_limit(max = "1KB"),
)]
fn api() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
                "slow"
            }),
        )
        .route(
            "/echo",
            post(|Json(body): Json<serde_json::Value>| async move { Json(body) }),
        )
        .route("/unauthorized", get(|| async { (StatusCode::UNAUTHORIZED, "no") }))
        .route("/panic", get(explode))
}

/// The page: fetches each API path and writes what the script could see.
fn page(api: SocketAddr) -> String {
    format!(
        r#"<!doctype html><html><body><pre id="out">pending</pre><script>
const api = "http://127.0.0.1:{port}";
async function probe(label, path, init) {{
  try {{
    const response = await fetch(api + path, Object.assign({{ credentials: "include" }}, init));
    const text = await response.text();
    return label + "=" + response.status + ":" + text.slice(0, 40);
  }} catch (error) {{
    return label + "=" + error.name + ":" + error.message;
  }}
}}
(async () => {{
  const lines = [];
  lines.push(await probe("get", "/hello", {{}}));
  lines.push(await probe("post", "/echo", {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: '{{"n":1}}' }}));
  lines.push(await probe("unauthorized", "/unauthorized", {{}}));
  lines.push(await probe("panic", "/panic", {{}}));
  // A text/plain POST needs no preflight; 2000 bytes are over the 1 KB limit.
  lines.push(await probe("toolarge", "/echo", {{ method: "POST", headers: {{ "content-type": "text/plain" }}, body: "x".repeat(2000) }}));
  // One slow request holds the only slot; the next one is shed.
  const slow = probe("slow", "/slow", {{}});
  let busy = "";
  for (let i = 0; i < 20 && !busy.includes("=503:"); i++) {{
    busy = await probe("busy", "/hello", {{}});
  }}
  lines.push(busy);
  lines.push(await slow);
  document.getElementById("out").textContent = lines.join("\n");
}})();
</script></body></html>"#,
        port = api.port()
    )
}

async fn serve_page(host: &str, api: SocketAddr) -> String {
    let html = page(api);
    let pages = Router::new().route("/", get(move || async move { Html(html) }));
    let address = serve(pages).await;
    format!("http://{host}:{}/", address.port())
}

/// Runs headless Chromium on `url` and returns the text of `#out` after the
/// page's script has run.
fn browse(url: &str) -> String {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    // A fresh profile per run: two Chromiums never share one.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = std::env::temp_dir().join(format!("strata-chromium-{}-{run}", std::process::id()));
    let output = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=8000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .unwrap_or_else(|error| {
            panic!("could not run `{chromium}` ({error}); install Debian's chromium (.ci/run does)")
        });
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    let start = dom
        .find("<pre id=\"out\">")
        .unwrap_or_else(|| panic!("no #out in the DOM: {dom}\n{}", String::from_utf8_lossy(&output.stderr)));
    let rest = &dom[start + "<pre id=\"out\">".len()..];
    rest[..rest.find("</pre>").unwrap_or(rest.len())].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_on_an_allowed_origin_reads_responses_errors_included() {
    let api = serve(api()).await;
    let url = serve_page("localhost", api).await;
    let out = tokio::task::spawn_blocking(move || browse(&url)).await.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert_eq!(lines[0], "get=200:hello");
    // A JSON POST needs a preflight; the browser made one and was let through.
    assert_eq!(lines[1], r#"post=200:{"n":1}"#);
    // Error statuses are readable only because they carry CORS headers.
    assert_eq!(lines[2], "unauthorized=401:no");
    assert_eq!(lines[3], r#"panic=500:{"detail":"Internal server error"}"#);
    // The guards' answers too: a 413 and a 503 the page can read.
    assert_eq!(lines[4], r#"toolarge=413:{"detail":"Request body too large"}"#);
    assert_eq!(lines[5], r#"busy=503:{"detail":"Server busy"}"#);
    assert_eq!(lines[6], "slow=200:slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_on_a_disallowed_origin_is_refused() {
    let api = serve(api()).await;
    // 127.0.0.1 is another origin than localhost, and not allowed.
    let url = serve_page("127.0.0.1", api).await;
    let out = tokio::task::spawn_blocking(move || browse(&url)).await.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    for line in lines {
        assert!(line.ends_with("=TypeError:Failed to fetch"), "{line}");
    }
}

/// A handler with a bug: strata turns the panic into a 500.
async fn explode() -> &'static str {
    panic!("a handler bug")
}
