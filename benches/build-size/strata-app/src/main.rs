use axum::Router;
use axum::routing::get;

#[strata::stack(
    cors(
        allow_origins = ["https://app.example.com"],
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
    ),
    compression(minimum_size = 500),
    request_id,
)]
fn app() -> Router {
    Router::new().route("/", get(|| async { "hello" }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    if std::env::var_os("SERVE").is_some() {
        strata::serve(listener, app()).await?;
    }
    Ok(())
}
