//! One stack of `benches/common` served on loopback, for `wrk`
//! (`benches/throughput.sh`, BENCHMARKS.md section 13).
//!
//! ```sh
//! throughput-server <variant> <port> [off|info]
//! ```
//!
//! Variants: `strata` and `handwritten` (the bench stack of section 1),
//! `obs-strata` and `obs-handwritten` (request ID + access log with its
//! request span + Prometheus metrics, section 6). The last argument picks
//! the `tracing` subscriber: `off` (installed, enables nothing: production
//! above `info`; the default) or `info` (INFO `fmt` formatting every span and
//! event into `io::sink`).
//!
//! One thread: a current-thread tokio runtime, as the script pins the server
//! to one core (and uvicorn, its Python counterpart, is one event loop).

#![forbid(unsafe_code)]

// Each bench target uses a part of `common`; this one uses no `boxed`.
#[allow(unused_imports)]
#[path = "../../common/mod.rs"]
mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use common::handwritten::into_axum;
use common::observability;
use tower::ServiceExt;

const USAGE: &str = "usage: throughput-server <strata|handwritten|obs-strata|obs-handwritten> <port> [off|info]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(variant), Some(port)) = (args.first(), args.get(1).and_then(|port| port.parse::<u16>().ok())) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match args.get(2).map_or("off", String::as_str) {
        "off" => common::install_disabled_subscriber(),
        "info" => observability::install_subscriber(1),
        other => {
            eprintln!("unknown subscriber {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("a tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(variant, port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("throughput-server {variant}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(variant: &str, port: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    // `strata::serve` is `axum::serve` with `ConnectInfo<SocketAddr>`, which
    // both rate limits key on and both access logs print.
    match variant {
        "strata" => strata::serve(listener, common::strata()).await,
        "handwritten" => strata::serve(listener, common::handwritten()).await,
        "obs-strata" => strata::serve(listener, observability::strata()).await,
        // `axum::serve` wants axum's `Body`: one box per response around
        // `TraceLayer`'s body, as in any app that serves this stack.
        "obs-handwritten" => strata::serve(listener, observability::handwritten().map_response(into_axum)).await,
        other => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("unknown variant {other:?}\n{USAGE}"),
        )),
    }
}
