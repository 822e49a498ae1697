#!/usr/bin/env bash
# Build time of a stack with three scopes vs the same middlewares without
# scopes (BENCHMARKS.md, section 8).
#
#   bash benches/scope_build_time.sh        # prints a markdown table
#
# Two apps under $WORK (default /tmp/strata-scope-build), sharing one
# CARGO_TARGET_DIR there, so their dependencies are built once and what
# differs is the app crate. Dev profile. Measured per app, interleaved
# run by run (a sequential A-then-B run drifts on a shared machine):
#   app only     the app crate alone, dependencies built (`touch` + build, no incremental cache)
#   incremental  after editing a handler's body (a string literal), incremental cache warm

set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/strata-scope-build}"
REPEAT="${REPEAT:-5}"
rm -rf "$WORK"
mkdir -p "$WORK"
export CARGO_TARGET_DIR="$WORK/target"

make_app() { # name; the stack attribute on stdin
    local name="$1" attribute
    attribute="$(cat)"
    mkdir -p "$WORK/$name/src"
    cat >"$WORK/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
strata = { path = "$ROOT" }
axum = { version = "0.8.9", default-features = false, features = ["tokio", "http1", "json"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread", "net"] }
TOML
    cp "$ROOT/Cargo.lock" "$WORK/$name/Cargo.lock"
    cat >"$WORK/$name/src/main.rs" <<RUST
use axum::Router;
use axum::routing::get;

#[strata::stack(
$attribute
)]
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "BUILD_MARK_0" }))
        .route("/api/items", get(|| async { "items" }))
        .route("/admin/stats", get(|| async { "stats" }))
        .route("/reports/daily", get(|| async { "daily" }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    if std::env::var_os("SERVE").is_some() {
        strata::serve(listener, app()).await?;
    }
    Ok(())
}
RUST
}

make_app unscoped-app <<'ATTR'
    request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"]),
    timeout(request = "30s"),
    jwt(secret_env = "JWT_SECRET"),
    rate_limit(requests = 100, per = "1m", key = "jwt:sub"),
    api_key(keys_env = "ADMIN_KEYS"),
    timing,
ATTR

make_app scoped-app <<'ATTR'
    request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"]),
    timeout(request = "30s"),
    scope("/api/*", jwt(secret_env = "JWT_SECRET"), rate_limit(requests = 100, per = "1m", key = "jwt:sub")),
    scope("/admin/*", api_key(keys_env = "ADMIN_KEYS"), cors(allow_origins = ["https://admin.example.com"])),
    scope("/reports/*", timeout(request = "120s"), timing),
ATTR

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%s (%s–%s)", a[int((NR+1)/2)], a[1], a[NR]}'; }

declare -A clean
for name in unscoped-app scoped-app; do
    (cd "$WORK/$name" && cargo fetch -q)
    t0=$(now)
    (cd "$WORK/$name" && cargo build -q)
    clean[$name]=$(secs "$t0" "$(now)")
done

declare -A app_only incr
for ((r = 0; r < REPEAT; r++)); do
    for name in unscoped-app scoped-app; do
        dir="$WORK/$name"
        rm -rf "$CARGO_TARGET_DIR/debug/incremental/${name//-/_}-"*
        touch "$dir/src/main.rs"
        t0=$(now); (cd "$dir" && cargo build -q); app_only[$name]+="$(secs "$t0" "$(now)") "
        sed -i "s/BUILD_MARK_[0-9]*/BUILD_MARK_$((r + 1))$RANDOM/" "$dir/src/main.rs"
        t0=$(now); (cd "$dir" && cargo build -q); incr[$name]+="$(secs "$t0" "$(now)") "
    done
done

echo
echo "### Build time of a 3-scope stack (dev profile, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the end; seconds, median (min–max) of $REPEAT interleaved runs)"
echo
echo "| app | first build (the first one also builds the shared dependencies) | app crate only | incremental after editing a handler |"
echo "| --- | ---: | ---: | ---: |"
for name in unscoped-app scoped-app; do
    a=$(tr ' ' '\n' <<<"${app_only[$name]}" | grep . | median)
    i=$(tr ' ' '\n' <<<"${incr[$name]}" | grep . | median)
    echo "| $name | ${clean[$name]} | $a | $i |"
done
