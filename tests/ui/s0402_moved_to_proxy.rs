use axum::Router;

// The keys that decided who the client is, each in its own layer, moved to
// `proxy`: the error says where, with the entry to write.
#[strata::stack(
    https_redirect(trust_forwarded_proto = true),
    rate_limit(requests = 120, per = "1m", trusted_proxies = ["10.0.0.0/8", "::1/128"]),
)]
fn app() -> Router {
    Router::new()
}

// With a `proxy` already in the stack, the note points at it.
#[strata::stack(
    proxy(hops = 1),
    https_redirect(trust_forwarded_proto = false),
)]
fn with_proxy() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = with_proxy();
}
