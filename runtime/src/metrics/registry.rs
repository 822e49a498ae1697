//! The counters behind the exposition: atomics in fixed shapes, one
//! [`RouteSeries`] per route template the app declared (plus `"unmatched"`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use http::Method;

use crate::route::UNMATCHED;

/// The `method` label values; anything else counts as `other`.
pub(crate) const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other",
];

/// The index of `method`'s label in [`METHODS`].
pub(crate) fn method_index(method: &Method) -> usize {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN.iter().position(|known| known == method).unwrap_or(KNOWN.len())
}

/// Status codes are 100..=999 (`http::StatusCode`): nine classes of 100.
const STATUS_CLASSES: usize = 9;

/// The series of one (route, method): the duration histogram and the
/// request count per status. A status class's 100 counters are allocated
/// the first time one of its codes is seen.
#[derive(Debug)]
struct MethodSeries {
    /// Non-cumulative: `buckets[i]` counts durations in `(bound[i-1], bound[i]]`;
    /// the last one counts those over every bound (`+Inf`).
    buckets: Box<[AtomicU64]>,
    sum_nanos: AtomicU64,
    statuses: [OnceLock<Box<[AtomicU64; 100]>>; STATUS_CLASSES],
}

impl MethodSeries {
    fn new(bounds: usize) -> Self {
        Self {
            buckets: (0..=bounds).map(|_| AtomicU64::new(0)).collect(),
            sum_nanos: AtomicU64::new(0),
            statuses: Default::default(),
        }
    }
}

/// Every series of one route template.
#[derive(Debug, Default)]
struct RouteSeries {
    methods: [OnceLock<Box<MethodSeries>>; METHODS.len()],
}

impl RouteSeries {
    fn record(&self, bounds: &[u64], method: usize, status: u16, nanos: u64) {
        let Some(slot) = self.methods.get(method) else {
            return;
        };
        let series = slot.get_or_init(|| Box::new(MethodSeries::new(bounds.len())));
        let bucket = bounds.partition_point(|&bound| bound < nanos);
        if let Some(count) = series.buckets.get(bucket) {
            count.fetch_add(1, Relaxed);
        }
        series.sum_nanos.fetch_add(nanos, Relaxed);
        let (class, code) = (usize::from(status / 100), usize::from(status % 100));
        if let Some(slot) = class.checked_sub(1).and_then(|class| series.statuses.get(class)) {
            let counters = slot.get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
            counters[code].fetch_add(1, Relaxed);
        }
    }
}

/// FxHash (rustc's): the keys are the app's own route templates, never
/// client input, so a fast non-keyed hash is safe here.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(SEED);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Routes = HashMap<Box<str>, Arc<RouteSeries>, BuildHasherDefault<FxHasher>>;

/// Every counter of one `metrics` layer (shared by its clones).
#[derive(Debug)]
pub(crate) struct Registry {
    /// The histogram's bounds as configured (seconds), for `le`.
    bounds: &'static [f64],
    /// The same in nanoseconds, for the bucket search.
    bound_nanos: Box<[u64]>,
    in_flight: AtomicI64,
    unmatched: RouteSeries,
    routes: RwLock<Routes>,
}

impl Registry {
    pub(crate) fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            // Bounds are positive and finite (checked at compile time); a
            // hand-built layer's odd value saturates instead of panicking.
            bound_nanos: bounds.iter().map(|&seconds| (seconds * 1e9).round() as u64).collect(),
            in_flight: AtomicI64::new(0),
            unmatched: RouteSeries::default(),
            routes: RwLock::new(Routes::default()),
        }
    }

    pub(crate) fn enter(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    pub(crate) fn leave(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// Counts one answered request.
    pub(crate) fn record(&self, route: Option<&str>, method: usize, status: u16, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let Some(template) = route else {
            self.unmatched.record(&self.bound_nanos, method, status, nanos);
            return;
        };
        if let Some(series) = self.routes.read().unwrap_or_else(PoisonError::into_inner).get(template) {
            series.record(&self.bound_nanos, method, status, nanos);
            return;
        }
        // The first request of this route: its series is created once. The
        // templates are the app's, so the map is as big as its route table.
        let series = self
            .routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(template.into())
            .or_default()
            .clone();
        series.record(&self.bound_nanos, method, status, nanos);
    }

    /// The Prometheus text exposition (format 0.0.4) of every series.
    pub(crate) fn expose(&self) -> String {
        let mut routes: Vec<(Box<str>, Arc<RouteSeries>)> = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(template, series)| (template.clone(), series.clone()))
            .collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        let all: Vec<(&str, &RouteSeries)> = routes
            .iter()
            .map(|(template, series)| (&**template, &**series))
            .chain([(UNMATCHED, &self.unmatched)])
            .collect();

        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP http_requests_total Requests answered, by method, matched route template and status.\n\
             # TYPE http_requests_total counter\n",
        );
        for (route, method, series) in each_method(&all) {
            for (class, counters) in series.statuses.iter().enumerate() {
                let Some(counters) = counters.get() else { continue };
                for (code, count) in counters.iter().enumerate() {
                    let count = count.load(Relaxed);
                    if count > 0 {
                        let status = (class + 1) * 100 + code;
                        let _ = writeln!(
                            out,
                            "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                            Escaped(route)
                        );
                    }
                }
            }
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to the response head, by method and matched route template.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        for (route, method, series) in each_method(&all) {
            let labels = format!("method=\"{method}\",route=\"{}\"", Escaped(route));
            let mut cumulative = 0;
            for (index, count) in series.buckets.iter().enumerate() {
                cumulative += count.load(Relaxed);
                match self.bounds.get(index) {
                    Some(bound) => {
                        let _ = writeln!(
                            out,
                            "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}"
                        );
                    }
                }
            }
            let sum = series.sum_nanos.load(Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "http_request_duration_seconds_count{{{labels}}} {cumulative}");
        }
        let _ = write!(
            out,
            "# HELP http_requests_in_flight Requests inside the metrics layer, waiting for their response head.\n\
             # TYPE http_requests_in_flight gauge\n\
             http_requests_in_flight {}\n",
            self.in_flight.load(Relaxed)
        );
        out
    }
}

/// Every (route, method label, series) that has counted a request.
fn each_method<'a>(
    routes: &'a [(&'a str, &'a RouteSeries)],
) -> impl Iterator<Item = (&'a str, &'static str, &'a MethodSeries)> {
    routes.iter().flat_map(|&(route, series)| {
        series
            .methods
            .iter()
            .zip(METHODS)
            .filter_map(move |(slot, method)| slot.get().map(|series| (route, method, &**series)))
    })
}

/// A label value with `\`, `"` and line feeds escaped, as the format requires.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                '\n' => f.write_str("\\n")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}
