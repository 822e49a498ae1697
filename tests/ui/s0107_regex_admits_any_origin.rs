use axum::Router;

// `.*` admits every https origin; with credentials, any site reads the user's data.
#[strata::stack(cors(allow_origin_regex = "https://.*", allow_credentials = true))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
