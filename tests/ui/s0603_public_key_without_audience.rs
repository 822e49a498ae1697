// S0603 is a warning; denying `deprecated` (how a stable proc macro warns)
// turns it into an error so that the snapshot shows it.
//
// Key paths are relative to the crate's Cargo.toml; trybuild's crate lives
// in target/tests/trybuild/strata, four levels below the repository.
#![deny(deprecated)]

use axum::Router;

#[strata::stack(jwt(
    public_key_file = "../../../../tests/fixtures/jwt_rs256_public.pem",
    algorithms = ["RS256"],
    issuer = "https://id.example.com",
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
