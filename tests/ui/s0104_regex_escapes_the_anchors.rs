use axum::Router;

// Wrapped as a string in `^(?:…)$` this would admit every origin; parsed
// alone, as strata does, it is unbalanced.
#[strata::stack(cors(allow_origin_regex = "a)|(.*", allow_credentials = true))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
