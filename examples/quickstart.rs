//! The macro front door, serving a real stack on loopback.
//!
//! ```sh
//! cargo run --example quickstart          # PORT=8080 by default
//! ```

use axum::routing::{get, post};
use axum::{Json, Router};

#[strata::stack(
    trusted_host(allowed_hosts = ["localhost", "127.0.0.1", "*.example.com"]),
    cors(
        allow_origins = ["http://localhost:3000"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
        max_age = 600,
    ),
    compression(minimum_size = 500),
    request_id,
    access_log(exclude_paths = ["/health"]),
    catch_panic,
    timing,
)]
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from strata\n" }))
        .route("/health", get(|| async { "ok\n" }))
        .route("/items", get(items))
        .route(
            "/echo",
            post(|Json(body): Json<serde_json::Value>| async move { Json(body) }),
        )
        .route("/panic", get(explode))
        .route(
            "/whoami",
            get(|id: strata::RequestId| async move { format!("request {id}\n") }),
        )
}

async fn items() -> Json<serde_json::Value> {
    let items: Vec<_> = (0..40)
        .map(|i| serde_json::json!({ "id": i, "name": format!("item number {i}") }))
        .collect();
    Json(serde_json::Value::Array(items))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_target(true).init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://localhost:{port}");
    println!("strata quickstart serving on {base}");
    println!("try:");
    println!("  curl -i {base}/");
    println!("  curl -i --compressed {base}/items                          # gzip (>500 bytes), decoded by curl");
    println!("  curl --http2-prior-knowledge -i {base}/                     # HTTP/2 (h2c)");
    println!("  curl -i -H 'origin: http://localhost:3000' {base}/           # CORS headers");
    println!(
        "  curl -i -X OPTIONS -H 'origin: http://localhost:3000' -H 'access-control-request-method: POST' {base}/"
    );
    println!(
        "  curl -i -X OPTIONS -H 'origin: https://evil.example' -H 'access-control-request-method: PUT' {base}/   # 400"
    );
    println!("  curl -i -H 'host: evil.example' {base}/                     # 400 Invalid host header");
    println!("  curl -i -H 'x-request-id: my-trace-1' {base}/whoami");
    println!("  curl -i -H 'origin: http://localhost:3000' {base}/panic    # 500 JSON, still with CORS + request id");
    strata::serve(listener, app()).await
}

/// A handler with a bug: strata turns the panic into a 500.
async fn explode() -> &'static str {
    panic!("a handler bug")
}
