use axum::Router;

#[strata::stack(cors(allow_origins = [
    "https://app.example.com/",
    "https://app.example.com/login",
    "app.example.com",
    "https://user@app.example.com",
    "https://app.example.com?x=1",
    "https://App.Example.com",
]))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
