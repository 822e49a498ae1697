use axum::Router;

// Trusts no one: says nothing about who its proxies are.
#[strata::stack(proxy)]
fn nobody() -> Router {
    Router::new()
}

// Both ways of saying it.
#[strata::stack(proxy(trusted_proxies = ["10.0.0.0/8"], hops = 1))]
fn both() -> Router {
    Router::new()
}

// Ranges that cannot be read, or that let any client name itself.
#[strata::stack(proxy(trusted_proxies = ["10.0.0.0/33", "proxy.internal", "0.0.0.0/0", "::/0"]))]
fn bad_ranges() -> Router {
    Router::new()
}

#[strata::stack(proxy(hops = 0))]
fn no_hops() -> Router {
    Router::new()
}

fn main() {
    let _ = nobody();
    let _ = both();
    let _ = bad_ranges();
    let _ = no_hops();
}
