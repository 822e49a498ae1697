//! Wall-clock medians of the four stacks, the depth series and the origin
//! series (divan). Run by `bash benches/run.sh`, or alone:
//! `cargo bench --bench stacks`. Each iteration is one request as
//! `axum::serve` sends it (service clone, `oneshot`, body drained) on a
//! current-thread runtime; the request is built outside the timed region.

mod common;

use std::time::Duration;

use common::{Kind, Mode, VARIANTS};
use divan::Bencher;

fn main() {
    common::install_disabled_subscriber();
    divan::Divan::from_args()
        .sample_count(200)
        .max_time(Duration::from_secs(2))
        .main();
}

fn stack(bencher: Bencher, variant: &str, kind: Kind) {
    let runtime = common::runtime();
    let ran = with_variant!(variant, |service| {
        bencher
            .with_inputs(|| kind.request())
            .bench_local_values(|request| runtime.block_on(common::send(&service, request, Mode::Full)));
    });
    assert!(ran.is_some(), "unknown variant {variant}");
}

/// The three request kinds; a row per variant.
mod request {
    use super::*;

    #[divan::bench(args = VARIANTS)]
    fn simple(bencher: Bencher, variant: &str) {
        stack(bencher, variant, Kind::Simple);
    }

    #[divan::bench(args = VARIANTS)]
    fn identity(bencher: Bencher, variant: &str) {
        stack(bencher, variant, Kind::Identity);
    }

    #[divan::bench(args = VARIANTS)]
    fn preflight(bencher: Bencher, variant: &str) {
        stack(bencher, variant, Kind::Preflight);
    }

    #[divan::bench(args = VARIANTS)]
    fn bad_host(bencher: Bencher, variant: &str) {
        stack(bencher, variant, Kind::BadHost);
    }
}

/// `simple` through 1, 4, 8, 15 levels of one trivial layer.
mod depth {
    use super::*;
    use common::depth::DEPTHS;

    fn run(bencher: Bencher, variant: &str, depth: usize) {
        let runtime = common::runtime();
        let ran = with_depth!(variant, depth, |service| {
            bencher
                .with_inputs(|| Kind::Simple.request())
                .bench_local_values(|request| runtime.block_on(common::send(&service, request, Mode::Full)));
        });
        assert!(ran.is_some(), "unknown depth stack {variant} {depth}");
    }

    #[divan::bench(args = DEPTHS)]
    fn strata(bencher: Bencher, depth: usize) {
        run(bencher, "strata", depth);
    }

    #[divan::bench(args = DEPTHS)]
    fn handwritten(bencher: Bencher, depth: usize) {
        run(bencher, "handwritten", depth);
    }

    #[divan::bench(args = DEPTHS)]
    fn boxed(bencher: Bencher, depth: usize) {
        run(bencher, "boxed", depth);
    }
}

/// A preflight against allow lists of 1, 10, 100, 1000 origins.
mod origins_preflight {
    use super::*;
    use common::origins::SIZES;

    fn run(bencher: Bencher, variant: &str, n: usize) {
        let runtime = common::runtime();
        let ran = with_origins!(variant, n, |service| {
            let mut j = 0;
            bencher
                .with_inputs(|| {
                    j += 1;
                    Kind::Preflight.request_from(common::tenant_origin(n, j))
                })
                .bench_local_values(|request| runtime.block_on(common::send(&service, request, Mode::Full)));
        });
        assert!(ran.is_some(), "unknown origins stack {variant} {n}");
    }

    #[divan::bench(args = SIZES)]
    fn strata(bencher: Bencher, n: usize) {
        run(bencher, "strata", n);
    }

    #[divan::bench(args = SIZES)]
    fn strata_cors(bencher: Bencher, n: usize) {
        run(bencher, "strata_cors", n);
    }

    #[divan::bench(args = SIZES)]
    fn handwritten(bencher: Bencher, n: usize) {
        run(bencher, "handwritten", n);
    }

    #[divan::bench(args = SIZES)]
    fn handwritten_cors(bencher: Bencher, n: usize) {
        run(bencher, "handwritten_cors", n);
    }
}
