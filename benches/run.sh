#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md and prints its tables:
#
#   bash benches/run.sh                 # all: wall clock, instructions, compile time
#   SKIP_COMPILE_TIME=1 bash benches/run.sh
#
# 1. `cargo bench --bench stacks`: wall-clock medians (divan), `bench` profile.
# 2. `cargo bench --bench instructions`: instructions per request under
#    callgrind (needs valgrind), the figures the claims rest on (sections 1,
#    1b with timeout + body_limit, 2, 3); then
#    `cargo bench --bench guards`, each guard against its tower equivalent.
# 3. `bash benches/compile_time.sh`: clean and incremental builds of one app,
#    macro vs hand-written, in its own target dir under /tmp.
#
# Honours CARGO_TARGET_DIR. Takes about 10 minutes on 2 cores, plus the
# compile-time runs (two clean builds of an axum app).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "## Machine"
echo
echo "- nproc: $(nproc)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "- $(rustc --version)"
echo "- $(valgrind --version 2>/dev/null || echo 'valgrind: not installed')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "## Wall clock (divan; per request; fastest / slowest / median / mean of the samples)"
echo
cargo bench -q --bench stacks 2>/dev/null

echo
echo "## Instructions (callgrind)"
cargo bench -q --bench instructions

echo
echo "## Guards (callgrind)"
cargo bench -q --bench guards

if [[ -z "${SKIP_COMPILE_TIME:-}" ]]; then
    echo
    echo "## Compile time"
    bash benches/compile_time.sh
fi
