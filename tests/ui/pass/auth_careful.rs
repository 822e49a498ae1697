// No false positives near the auth, header and session rules: an identity
// provider's key with its audience (no S0603), the longest leeway (300 s,
// S0602's edge), header values with every ASCII punctuation a CSP uses and
// header names in capitals (S0302), a cookie path and domain at the edge.
//
// Key paths are relative to the crate's Cargo.toml; trybuild's crate lives
// in target/tests/trybuild/strata, four levels below the repository.
#![deny(warnings)]

use axum::{Router, routing::get};

#[strata::stack(
    request_id(header = "X-Correlation-ID"),
    security_headers(
        content_security_policy = "default-src 'self'; img-src 'self' data: https://*.example.com; script-src 'nonce-r4nd0m' 'strict-dynamic'; report-uri /csp?x=1&y=~",
        referrer_policy = "NO-REFERRER",
        frame_options = "sameorigin",
    ),
    session(secret_env = "SESSION_SECRET", path = "/app/v1", domain = "api.example.com"),
    jwt(
        public_key_file = "../../../../tests/fixtures/jwt_rs256_public.pem",
        algorithms = ["RS256", "PS256"],
        audience = "orders-api",
        issuer = "https://id.example.com/",
        leeway = 300,
        public_paths = ["/health"],
    ),
)]
fn app() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(jwt(secret_env = "JWT_SECRET", leeway = 0), api_key(keys_env = "API_KEYS", header = "X-API-Key"))]
fn shared_secret_without_audience() -> Router {
    Router::new()
}

fn main() {
    // Building the stacks needs secrets from the environment; compiling is the test.
    let _ = app;
    let _ = shared_secret_without_audience;
}
