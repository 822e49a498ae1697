use axum::Router;

// The dots are unescaped: `https://fooxexample.com` matches, and anyone can register it.
#[strata::stack(cors(
    allow_origins = ["https://app.example.com"],
    allow_origin_regex = "https://[a-z]+.example.com",
    allow_credentials = true,
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
