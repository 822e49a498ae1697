use axum::Router;

// `.*` after the host lets `https://app.example.com.evil.invalid` through.
#[strata::stack(cors(allow_origin_regex = "https://app\\.example\\.com.*", allow_credentials = true))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
