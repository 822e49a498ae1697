// Every header value strata sends from the description must be one: a curly
// quote pasted from a web page is an error on the key, never a
// `HeaderValue::from_static` panic in the generated code.
use axum::Router;

#[strata::stack(security_headers(
    content_security_policy = "default-src ’self’",
    referrer_policy = "no-referrer\n",
    frame_options = "DÉNY",
))]
fn headers() -> Router {
    Router::new()
}

#[strata::stack(session(secret_env = "SESSION_SECRET", path = "/café", domain = "exämple.com", cookie = "sid\r"))]
fn cookie() -> Router {
    Router::new()
}

#[strata::stack(request_id(header = "x request id"), api_key(keys_env = "API_KEYS", header = "x-api-kéy"), timing(header = "x bad"))]
fn header_names() -> Router {
    Router::new()
}

fn main() {
    let _ = headers();
    let _ = cookie();
    let _ = header_names();
}
