#!/usr/bin/env bash
# Compile time of one small app, twice: its stack from `#[strata::stack]`
# vs the same stack written by hand (benches/common/handwritten.rs).
#
#   bash benches/compile_time.sh            # prints a markdown table
#
# Each app is a fresh crate under $WORK (default /tmp/strata-compile-time)
# with its own CARGO_TARGET_DIR there, so the workspace's target/ is not
# touched. Both use the workspace's Cargo.lock, so the same versions.
# Measured, in the dev profile (`cargo build`):
#   clean        `cargo build` from an empty target dir (all dependencies)
#   app only     the app crate alone, dependencies built (`touch` + build, no incremental cache)
#   incremental  after editing the handler's body (a string literal), with the incremental cache
#   expansion    rustc's `macro_expand_crate` pass for the app crate
#                (`-Z time-passes`, via RUSTC_BOOTSTRAP=1 on stable)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/strata-compile-time}"
REPEAT="${REPEAT:-3}"
rm -rf "$WORK"
mkdir -p "$WORK"

common_main() { # the router and the server, the same in both apps
    cat <<'RUST'
use axum::Router;
use axum::routing::get;

pub const APP_ORIGIN: &str = "https://app.example.com";

pub fn router() -> Router {
    Router::new().route("/", get(handler))
}

async fn handler() -> ([(http::HeaderName, &'static str); 1], &'static str) {
    ([(http::header::CONTENT_TYPE, "application/json")], "{\"build\":\"BUILD_MARK_0\"}")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(app());
    if std::env::var_os("SERVE").is_some() {
        axum::serve(listener, service).await?;
    }
    Ok(())
}
RUST
}

make_app() { # name, extra deps; the app() source on stdin
    local name="$1" deps="$2" app
    app="$(cat)"
    mkdir -p "$WORK/$name/src"
    cat >"$WORK/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
axum = { version = "0.8.9", default-features = false, features = ["tokio", "http1", "json"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread", "net"] }
http = "1"
$deps
TOML
    cp "$ROOT/Cargo.lock" "$WORK/$name/Cargo.lock"
    { common_main; echo; echo "$app"; } >"$WORK/$name/src/main.rs"
}

make_app strata-app 'strata = { path = "'"$ROOT"'" }' <<'RUST'
#[strata::stack(
    trusted_host(allowed_hosts = ["api.example.com", "*.example.com", "localhost"]),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
        max_age = 600,
    ),
    compression(minimum_size = 500),
    request_id,
    access_log,
    rate_limit(requests = 1000000, per = "1s"),
    timing,
)]
fn app() -> Router {
    router()
}
RUST

make_app handwritten-app 'tower = { version = "0.5", features = ["util"] }
tower-http = { version = "0.7.1", features = ["cors", "compression-gzip", "request-id"] }
governor = { version = "0.10", default-features = false, features = ["std", "dashmap", "quanta"] }
bytes = "1"
futures-util = { version = "0.3", default-features = false }
pin-project-lite = "0.2"
tracing = "0.1"' <<'RUST'
#[allow(dead_code)]
mod handwritten;

fn app() -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl std::future::Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send + 'static,
> + Clone + Send + 'static {
    handwritten::handwritten()
}
RUST
# The bench module as is (`boxed` and the helpers are dead code here).
cp "$ROOT/benches/common/handwritten.rs" "$WORK/handwritten-app/src/handwritten.rs"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

declare -A clean app_only incr expand
for name in strata-app handwritten-app; do
    dir="$WORK/$name"
    export CARGO_TARGET_DIR="$dir/target"
    (cd "$dir" && cargo fetch -q)
    t0=$(now)
    (cd "$dir" && cargo build -q)
    clean[$name]=$(secs "$t0" "$(now)")
    runs_app=() runs_incr=()
    for ((r = 0; r < REPEAT; r++)); do
        # App crate alone, no incremental cache.
        rm -rf "$CARGO_TARGET_DIR/debug/incremental"
        touch "$dir/src/main.rs"
        t0=$(now); (cd "$dir" && cargo build -q); runs_app+=("$(secs "$t0" "$(now)")")
        # Edit the handler; incremental cache warm.
        sed -i "s/BUILD_MARK_[0-9]*/BUILD_MARK_$((r + 1))$RANDOM/" "$dir/src/main.rs"
        t0=$(now); (cd "$dir" && cargo build -q); runs_incr+=("$(secs "$t0" "$(now)")")
    done
    app_only[$name]=$(printf '%s\n' "${runs_app[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%s (%s–%s)", a[int((NR+1)/2)], a[1], a[NR]}')
    incr[$name]=$(printf '%s\n' "${runs_incr[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%s (%s–%s)", a[int((NR+1)/2)], a[1], a[NR]}')
    # rustc's own pass timings for the app crate (a separate fingerprint, so
    # this neither uses nor spoils the builds above).
    touch "$dir/src/main.rs"
    expand[$name]=$(cd "$dir" && RUSTC_BOOTSTRAP=1 cargo rustc -q -- -Z time-passes 2>&1 |
        awk '/macro_expand_crate/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+;$/) { sub(";", "", $i); print $i; exit } }')
    crates=$(cd "$dir" && cargo tree -e normal,build --prefix none 2>/dev/null | sort -u | wc -l)
    echo "$name: clean ${clean[$name]} s, app only ${app_only[$name]} s, incremental ${incr[$name]} s, macro_expand_crate ${expand[$name]:-?} s, $crates crates" >&2
done

echo
echo "### Compile time (dev profile, $(nproc) cores, seconds; app-only and incremental: median (min–max) of $REPEAT)"
echo
echo "| app | clean \`cargo build\` | app crate only | incremental after editing the handler | rustc \`macro_expand_crate\` | expansion / clean |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for name in strata-app handwritten-app; do
    share=$(awk -v e="${expand[$name]:-0}" -v c="${clean[$name]}" 'BEGIN { printf "%.1f%%", 100 * e / c }')
    echo "| $name | ${clean[$name]} | ${app_only[$name]} | ${incr[$name]} | ${expand[$name]:-?} | $share |"
done
