use axum::Router;

#[strata::stack(cors(allow_origin_regex = "https://(app|admin\\.example\\.com"))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
