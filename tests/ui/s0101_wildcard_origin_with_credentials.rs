use axum::Router;

#[strata::stack(cors(allow_origins = ["*"], allow_credentials = true))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
