use axum::Router;

#[strata::stack(cors(allow_origin = ["https://app.example.com"], max_agee = 600))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
