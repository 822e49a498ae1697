use axum::Router;

// The body limit written outside decompression would count compressed bytes:
// a 1 MB zip bomb would inflate to gigabytes under it.
#[strata::stack(
    order = "as-written",
    cors(allow_origins = ["https://app.example.com"]),
    body_limit(max = "2MB"),
    decompression,
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
