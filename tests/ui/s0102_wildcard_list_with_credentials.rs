use axum::Router;

#[strata::stack(cors(
    allow_origins = ["https://app.example.com"],
    allow_credentials = true,
    allow_headers = ["*"],
    allow_methods = ["GET", "*"],
    expose_headers = ["*"],
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
