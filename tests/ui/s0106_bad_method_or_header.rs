use axum::Router;

#[strata::stack(cors(
    allow_origins = ["https://app.example.com"],
    allow_methods = ["GET", "PO ST"],
    allow_headers = ["content-type", "x bad"],
    expose_headers = ["x-request-id", "é"],
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
