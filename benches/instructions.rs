//! Instructions per request, counted by callgrind: stable where wall-clock
//! time on a shared 2-core machine is not.
//!
//! `cargo bench --bench instructions [-- GROUP...]` runs every measurement
//! (or those of the named groups: `stack`, `depth`, `origins`, `scopes`,
//! `observability`, `guarded`) under
//! `valgrind --tool=callgrind`, two at a time, and prints markdown tables.
//! Each measurement re-runs this binary as
//! `instructions --one GROUP VARIANT PARAM KIND MODE N`: it builds the stack,
//! warms it up with 100 requests, builds N requests, then sends them inside
//! `measured_region`, the only function callgrind counts
//! (`--toggle-collect`). Instructions per request = total / N. The raw
//! callgrind files stay in `target/release/callgrind/` for `callgrind_annotate`.
//! `cargo bench --bench instructions -- --show` prints what each variant
//! answers to each request instead (they must agree).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use axum::body::{Body, HttpBody};
use bytes::Bytes;
use common::{Kind, Mode};
use http::{Request, Response};
use tower::Service;

const WARMUP: usize = 100;
const N: usize = 1000;

#[derive(Clone, Debug)]
struct Measurement {
    group: &'static str,
    variant: &'static str,
    param: usize,
    kind: Kind,
    mode: Mode,
}

impl Measurement {
    fn mode_name(&self) -> &'static str {
        match self.mode {
            Mode::Head => "head",
            Mode::Full => "full",
        }
    }

    fn file_name(&self) -> String {
        format!(
            "{}-{}-{}-{}-{}.out",
            self.group,
            self.variant,
            self.param,
            self.kind.name(),
            self.mode_name()
        )
    }
}

fn measurements() -> Vec<Measurement> {
    let mut all = Vec::new();
    for kind in Kind::ALL {
        for mode in [Mode::Full, Mode::Head] {
            for variant in common::VARIANTS {
                all.push(Measurement {
                    group: "stack",
                    variant,
                    param: 0,
                    kind,
                    mode,
                });
            }
        }
    }
    for variant in ["strata", "handwritten", "boxed"] {
        for param in common::depth::DEPTHS {
            let (kind, mode) = (Kind::Simple, Mode::Full);
            all.push(Measurement {
                group: "depth",
                variant,
                param,
                kind,
                mode,
            });
        }
    }
    // Section 1b: the stacks with `timeout` + `body_limit`, on a runtime with
    // the timer, and the unguarded stacks again on that runtime as the
    // baseline the guards add to.
    for kind in Kind::ALL {
        for mode in [Mode::Full, Mode::Head] {
            for variant in common::GUARDED_VARIANTS {
                all.push(Measurement {
                    group: "guarded",
                    variant,
                    param: 0,
                    kind,
                    mode,
                });
            }
        }
    }
    for (kind, mode) in [(Kind::Preflight, Mode::Full), (Kind::Identity, Mode::Full)] {
        for variant in ["strata", "strata_cors", "handwritten", "handwritten_cors"] {
            for param in common::origins::SIZES {
                all.push(Measurement {
                    group: "origins",
                    variant,
                    param,
                    kind,
                    mode,
                });
            }
        }
    }
    // Section 5: the path switch of a scoped stack.
    for kind in [Kind::Identity, Kind::Simple, Kind::Preflight] {
        for variant in common::scopes::VARIANTS {
            for param in 0..common::scopes::PATHS.len() {
                all.push(Measurement {
                    group: "scopes",
                    variant,
                    param,
                    kind,
                    mode: Mode::Full,
                });
            }
        }
    }
    for param in common::observability::SUBSCRIBERS {
        for variant in common::observability::VARIANTS {
            all.push(Measurement {
                group: "observability",
                variant,
                param,
                kind: Kind::Identity,
                mode: Mode::Full,
            });
        }
    }
    all
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        std::process::exit(match run_one(&args[1..]) {
            Some(read) => {
                println!("{read}");
                0
            }
            None => {
                eprintln!("usage: instructions --one GROUP VARIANT PARAM KIND MODE N; got {args:?}");
                2
            }
        });
    }
    if args.first().map(String::as_str) == Some("--show") {
        show();
        return;
    }
    let groups: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    orchestrate(&groups);
}

/// Sends the requests; the only code callgrind counts.
#[inline(never)]
fn measured_region<S, B>(
    runtime: &tokio::runtime::Runtime,
    service: &S,
    requests: Vec<Request<Body>>,
    mode: Mode,
) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = std::convert::Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    runtime.block_on(async {
        let mut read = 0;
        for request in requests {
            read += common::send(service, request, mode).await;
        }
        read
    })
}

fn exercise<S, B>(
    runtime: tokio::runtime::Runtime,
    service: &S,
    make: impl Fn(usize) -> Request<Body>,
    mode: Mode,
    n: usize,
) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = std::convert::Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    let warm: Vec<_> = (0..WARMUP).map(&make).collect();
    std::hint::black_box(warm_up_region(&runtime, service, warm, mode));
    let requests: Vec<_> = (WARMUP..WARMUP + n).map(&make).collect();
    std::hint::black_box(measured_region(&runtime, service, requests, mode))
}

/// The same loop, not counted.
#[inline(never)]
fn warm_up_region<S, B>(
    runtime: &tokio::runtime::Runtime,
    service: &S,
    requests: Vec<Request<Body>>,
    mode: Mode,
) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = std::convert::Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    runtime.block_on(async {
        let mut read = 0;
        for request in requests {
            read += common::send(service, request, mode).await;
        }
        read
    })
}

/// Prints what each variant answers to each request: the variants must
/// agree on status, headers and body before their costs are compared.
fn show() {
    common::install_disabled_subscriber();
    let runtime = common::runtime_with_timer();
    for kind in Kind::ALL {
        for variant in common::VARIANTS {
            with_variant!(variant, |service| show_answer(&runtime, service, kind, variant));
        }
        for variant in ["strata_guarded", "handwritten_guarded"] {
            with_guarded!(variant, |service| show_answer(&runtime, service, kind, variant));
        }
    }
}

fn show_answer<S, B>(runtime: &tokio::runtime::Runtime, service: S, kind: Kind, variant: &str)
where
    S: Service<Request<Body>, Response = Response<B>, Error = std::convert::Infallible>,
    B: HttpBody<Data = Bytes>,
{
    let response = runtime.block_on(tower::ServiceExt::oneshot(service, kind.request()));
    let Ok(response) = response;
    let (parts, body) = response.into_parts();
    let body = runtime
        .block_on(http_body_util::BodyExt::collect(body))
        .map(|b| b.to_bytes().len());
    let mut headers: Vec<String> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("?");
            match name.as_str() {
                "x-request-id" | "x-process-time" | "x-ratelimit-remaining" => format!("{name}"),
                _ => format!("{name}: {value}"),
            }
        })
        .collect();
    headers.sort();
    println!(
        "{:<10} {:<19} {} body {:?} bytes; {}",
        kind.name(),
        variant,
        parts.status,
        body.ok(),
        headers.join(" | ")
    );
}

fn run_one(args: &[String]) -> Option<usize> {
    let [group, variant, param, kind, mode, n] = args else {
        return None;
    };
    let param: usize = param.parse().ok()?;
    let kind = Kind::parse(kind)?;
    let mode = Mode::parse(mode)?;
    let n: usize = n.parse().ok()?;
    if group == "observability" {
        common::observability::install_subscriber(param);
    } else {
        common::install_disabled_subscriber();
    }
    let variant = variant.as_str();
    match group.as_str() {
        "observability" => {
            use common::observability as o;
            match variant {
                "strata" => Some(exercise(common::runtime(), &o::strata(), |_| kind.request(), mode, n)),
                "strata_no_span" => Some(exercise(
                    common::runtime(),
                    &o::strata_no_span(),
                    |_| kind.request(),
                    mode,
                    n,
                )),
                "strata_no_route" => Some(exercise(
                    common::runtime(),
                    &o::strata_no_route(),
                    |_| kind.request(),
                    mode,
                    n,
                )),
                "handwritten" => Some(exercise(
                    common::runtime(),
                    &o::handwritten(),
                    |_| kind.request(),
                    mode,
                    n,
                )),
                _ => None,
            }
        }
        "stack" => with_variant!(variant, |service| exercise(
            common::runtime(),
            &service,
            |_| kind.request(),
            mode,
            n
        )),
        "guarded" => with_guarded!(variant, |service| exercise(
            common::runtime_with_timer(),
            &service,
            |_| kind.request(),
            mode,
            n
        )),
        "scopes" => with_scopes!(variant, |service| exercise(
            common::runtime(),
            &service,
            |_| common::scopes::request(kind, param),
            mode,
            n
        )),
        "depth" => with_depth!(variant, param, |service| exercise(
            common::runtime(),
            &service,
            |_| kind.request(),
            mode,
            n
        )),
        "origins" => with_origins!(variant, param, |service| exercise(
            common::runtime(),
            &service,
            |j| kind.request_from(common::tenant_origin(param, j)),
            mode,
            n
        )),
        _ => None,
    }
}

fn orchestrate(groups: &[&str]) {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: `apt-get install valgrind`");
        std::process::exit(1);
    }
    let exe = std::env::current_exe().expect("own path");
    let out_dir = exe
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("callgrind"), |profile| profile.join("callgrind"));
    std::fs::create_dir_all(&out_dir).expect("callgrind output dir");
    let todo: Vec<Measurement> = measurements()
        .into_iter()
        .filter(|m| groups.is_empty() || groups.contains(&m.group))
        .collect();
    eprintln!(
        "callgrind: {} measurements of {N} requests each, files in {}",
        todo.len(),
        out_dir.display()
    );
    let queue = Mutex::new(todo.clone().into_iter().enumerate().collect::<Vec<_>>());
    let results: Mutex<BTreeMap<usize, f64>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let Some((index, m)) = queue.lock().expect("queue").pop() else {
                        break;
                    };
                    let per_request = callgrind(&exe, &out_dir, &m);
                    eprintln!("  {:<60} {per_request:>12.0}", m.file_name());
                    results.lock().expect("results").insert(index, per_request);
                }
            });
        }
    });
    let results = results.into_inner().expect("results");
    let get = |group: &str, variant: &str, param: usize, kind: Kind, mode: Mode| -> Option<f64> {
        todo.iter()
            .position(|m| {
                m.group == group && m.variant == variant && m.param == param && m.kind == kind && m.mode == mode
            })
            .and_then(|i| results.get(&i).copied())
    };
    print_tables(&get);
}

fn callgrind(exe: &Path, out_dir: &Path, m: &Measurement) -> f64 {
    let file = out_dir.join(m.file_name());
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg("--toggle-collect=*measured_region*")
        .arg(exe)
        .args(["--one", m.group, m.variant])
        .arg(m.param.to_string())
        .args([m.kind.name(), m.mode_name()])
        .arg(N.to_string())
        .output()
        .expect("valgrind runs");
    if !output.status.success() {
        panic!("{} failed: {}", m.file_name(), String::from_utf8_lossy(&output.stderr));
    }
    let text = std::fs::read_to_string(&file).expect("callgrind output");
    let total: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("totals:").or_else(|| line.strip_prefix("summary:")))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("a totals line");
    total as f64 / N as f64
}

/// Instructions per request of one measurement: group, variant, param, kind, mode.
type Lookup<'a> = &'a dyn Fn(&str, &str, usize, Kind, Mode) -> Option<f64>;

fn print_tables(get: Lookup<'_>) {
    let fmt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.3}×", a / b),
        _ => "–".to_string(),
    };

    if get("stack", "strata", 0, Kind::Simple, Mode::Full).is_some() {
        println!("\n### Instructions per request, by request kind (callgrind, N = {N})\n");
        println!(
            "| request | measured to | bare | strata | handwritten | boxed | strata / handwritten | boxed / handwritten | strata − bare | handwritten − bare | (strata − bare) / (handwritten − bare) |"
        );
        println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for kind in Kind::ALL {
            for mode in [Mode::Full, Mode::Head] {
                let [bare, strata, hand, boxed] = common::VARIANTS.map(|v| get("stack", v, 0, kind, mode));
                let minus = |a: Option<f64>| a.zip(bare).map(|(a, b)| a - b);
                println!(
                    "| {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} | {} |",
                    kind.name(),
                    if mode == Mode::Full { "body end" } else { "head" },
                    fmt(bare),
                    fmt(strata),
                    fmt(hand),
                    fmt(boxed),
                    ratio(strata, hand),
                    ratio(boxed, hand),
                    fmt(minus(strata)),
                    fmt(minus(hand)),
                    ratio(minus(strata), minus(hand)),
                );
            }
        }
    }

    if get("observability", "strata", 0, Kind::Identity, Mode::Full).is_some() {
        println!(
            "\n### Observability: request ID + access log with span + metrics, `identity` GET (instructions per request)\n"
        );
        println!(
            "| subscriber | strata | strata, `span = false` | strata, not a `Router` | handwritten (TraceLayer + metrics-exporter-prometheus) | strata / handwritten | span (strata − no span) | route layer (strata − not a Router) |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (param, name) in [(0, "installed, enables nothing"), (1, "INFO, formatted into a sink")] {
            let [strata, no_span, no_route, hand] =
                common::observability::VARIANTS.map(|v| get("observability", v, param, Kind::Identity, Mode::Full));
            let minus = |a: Option<f64>, b: Option<f64>| fmt(a.zip(b).map(|(a, b)| a - b));
            println!(
                "| {name} | {} | {} | {} | {} | **{}** | {} | {} |",
                fmt(strata),
                fmt(no_span),
                fmt(no_route),
                fmt(hand),
                ratio(strata, hand),
                minus(strata, no_span),
                minus(strata, no_route),
            );
        }
    }

    if get("guarded", "strata_guarded", 0, Kind::Simple, Mode::Full).is_some() {
        println!(
            "\n### With `timeout` + `body_limit`: instructions per request (callgrind, N = {N}, runtime with timer)\n"
        );
        println!(
            "| request | measured to | strata | handwritten | strata + guards | handwritten + guards | **strata / handwritten, with guards** | strata / handwritten, without | guards add to strata | guards add to handwritten |"
        );
        println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for kind in Kind::ALL {
            for mode in [Mode::Full, Mode::Head] {
                let [strata, hand, strata_g, hand_g] =
                    common::GUARDED_VARIANTS.map(|v| get("guarded", v, 0, kind, mode));
                let added = |with: Option<f64>, without: Option<f64>| fmt(with.zip(without).map(|(a, b)| a - b));
                println!(
                    "| {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} |",
                    kind.name(),
                    if mode == Mode::Full { "body end" } else { "head" },
                    fmt(strata),
                    fmt(hand),
                    fmt(strata_g),
                    fmt(hand_g),
                    ratio(strata_g, hand_g),
                    ratio(strata, hand),
                    added(strata_g, strata),
                    added(hand_g, hand),
                );
            }
        }
    }

    if get("scopes", "scoped", 0, Kind::Identity, Mode::Full).is_some() {
        println!("\n### Scopes: the path switch (instructions per request, to the body's end)\n");
        println!(
            "| request | `/`: unscoped | `/`: scoped, split high | **switch cost** | `/`: scoped, split deep | **switch cost** | `/admin`: flat | `/admin`: scoped, split high | **switch cost** |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for kind in [Kind::Identity, Kind::Simple, Kind::Preflight] {
            let at = |variant: &str, param: usize| get("scopes", variant, param, kind, Mode::Full);
            let minus = |a: Option<f64>, b: Option<f64>| fmt(a.zip(b).map(|(a, b)| a - b));
            println!(
                "| {} | {} | {} | **{}** | {} | **{}** | {} | {} | **{}** |",
                kind.name(),
                fmt(at("unscoped", 0)),
                fmt(at("scoped", 0)),
                minus(at("scoped", 0), at("unscoped", 0)),
                fmt(at("scoped_deep", 0)),
                minus(at("scoped_deep", 0), at("unscoped", 0)),
                fmt(at("flat_admin", 1)),
                fmt(at("scoped", 1)),
                minus(at("scoped", 1), at("flat_admin", 1)),
            );
        }
    }

    if get("depth", "strata", 1, Kind::Simple, Mode::Full).is_some() {
        println!("\n### Stack depth: `simple` through N levels of one trivial layer (instructions per request)\n");
        println!("| composition | 1 | 4 | 8 | 15 | per added level (15 − 1) / 14 |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for variant in ["strata", "handwritten", "boxed"] {
            let at = common::depth::DEPTHS.map(|d| get("depth", variant, d, Kind::Simple, Mode::Full));
            let slope = at[3].zip(at[0]).map(|(a, b)| (a - b) / 14.0);
            println!(
                "| {variant} | {} | {} | {} | {} | {} |",
                fmt(at[0]),
                fmt(at[1]),
                fmt(at[2]),
                fmt(at[3]),
                fmt(slope)
            );
        }
    }

    if get("origins", "strata", 1, Kind::Preflight, Mode::Full).is_some() {
        for (kind, mode, what) in [
            (Kind::Preflight, Mode::Full, "preflight"),
            (Kind::Identity, Mode::Full, "`identity` GET (no gzip)"),
        ] {
            println!("\n### CORS allow-list size: {what} (instructions per request)\n");
            println!("| stack | 1 | 10 | 100 | 1000 | 1000 / 1 |");
            println!("| --- | ---: | ---: | ---: | ---: | ---: |");
            for variant in ["strata", "strata_cors", "handwritten", "handwritten_cors"] {
                let at = common::origins::SIZES.map(|n| get("origins", variant, n, kind, mode));
                println!(
                    "| {variant} | {} | {} | {} | {} | **{}** |",
                    fmt(at[0]),
                    fmt(at[1]),
                    fmt(at[2]),
                    fmt(at[3]),
                    ratio(at[3], at[0])
                );
            }
        }
    }
}
