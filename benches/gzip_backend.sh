#!/usr/bin/env bash
# BENCHMARKS.md §7, the deflate backend of `compression`:
#
#   bash benches/gzip_backend.sh                 # all three parts (~6 min on 2 cores after the builds)
#   SKIP_STACK=1 bash benches/gzip_backend.sh    # parts 1 and 3 only
#
# 1. The bench build's flate2 features: no zlib backend (zlib-rs, zlib,
#    zlib-ng, cloudflare_zlib) may be on, or the hand-written stack would not
#    be on tower-http's default backend (miniz_oxide). strata's one-shot path
#    is libdeflate, a separate C library, so it leaves flate2 alone; this
#    check fails the script if anything ever changes that.
# 2. `cargo bench --bench instructions -- stack`: strata vs the hand-written
#    stack, same run, same build (section 1's table).
# 3. benches/deflate-backends (its own workspace): gzip at level 6 of 2 KB,
#    64 KB and 1 MB of JSON, instructions per body under callgrind, with
#    flate2 on miniz_oxide (tower-http's default), flate2 on zlib-rs (a
#    second build with `--features zlib-rs`), and libdeflate in one call.
#
# Honours CARGO_TARGET_DIR. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "## 1. flate2 features in the bench build"
echo
features=$(cargo tree -e features -i flate2 --edges normal,dev --prefix none | grep -o 'flate2 feature "[^"]*"' | sort -u)
echo "$features" | sed 's/^/    /'
if grep -qE '"(zlib-rs|zlib|zlib-default|zlib-ng|zlib-ng-compat|cloudflare_zlib|any_zlib)"' <<<"$features"; then
    echo "flate2 has a zlib backend in this build: the hand-written stack is not on tower-http's default" >&2
    exit 1
fi
echo
echo "flate2's backend here is miniz_oxide (rust_backend): tower-http's default."

if [[ -z "${SKIP_STACK:-}" ]]; then
    echo
    echo "## 2. The bench stacks (callgrind)"
    cargo bench -q --bench instructions -- stack
fi

echo
echo "## 3. Deflate backends alone: gzip level 6, instructions per body (callgrind)"
echo
crate=benches/deflate-backends
target="${CARGO_TARGET_DIR:-$PWD/target}/deflate-backends"
cargo build -q --release --manifest-path "$crate/Cargo.toml" --target-dir "$target/miniz"
cargo build -q --release --manifest-path "$crate/Cargo.toml" --target-dir "$target/zlib-rs" --features zlib-rs
if ! cargo tree --manifest-path "$crate/Cargo.toml" --features zlib-rs -e features -i flate2 --prefix none | grep -q 'flate2 feature "zlib-rs"'; then
    echo "the zlib-rs build does not enable flate2's zlib-rs" >&2
    exit 1
fi

# instructions per body: EXE BACKEND SIZE N
count() {
    local out
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*measured*' "$1" "$2" "$3" "$4" >/dev/null 2>&1
    local total
    total=$(grep -m1 -E '^(summary|totals):' "$out" | awk '{print $2}')
    rm -f "$out"
    echo $((total / $4))
}

size_of() { "$@" | awk '{print $4}'; }
echo "| body | flate2 + miniz_oxide (tower-http's default), new encoder per body | flate2 + zlib-rs, new encoder per body | **libdeflate, one call, compressor reused (strata)** | libdeflate / miniz_oxide | flate2 + miniz_oxide, encoder kept and reset (strata without \`compression_libdeflate\`) | kept / new | libdeflate at level 1 | gzip'd bytes: miniz_oxide / zlib-rs / libdeflate 6 / libdeflate 1 |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
miniz_exe="$target/miniz/release/deflate-backends"
zlibrs_exe="$target/zlib-rs/release/deflate-backends"
for spec in "2k 200" "64k 20" "1m 3"; do
    read -r size n <<<"$spec"
    miniz=$(count "$miniz_exe" stream "$size" "$n")
    zlibrs=$(count "$zlibrs_exe" stream "$size" "$n")
    oneshot=$(count "$miniz_exe" oneshot "$size" "$n")
    level1=$(count "$miniz_exe" oneshot-1 "$size" "$n")
    reused=$(count "$miniz_exe" reused "$size" "$n")
    ratio=$(awk -v a="$oneshot" -v b="$miniz" 'BEGIN { printf "%.3f×", a / b }')
    reused_ratio=$(awk -v a="$reused" -v b="$miniz" 'BEGIN { printf "%.3f×", a / b }')
    sizes="$(size_of "$miniz_exe" stream "$size" 1) / $(size_of "$zlibrs_exe" stream "$size" 1) / $(size_of "$miniz_exe" oneshot "$size" 1) / $(size_of "$miniz_exe" oneshot-1 "$size" 1)"
    echo "| $size ($("$miniz_exe" stream "$size" 1 | awk '{print $1}') bytes) | $miniz | $zlibrs | **$oneshot** | **$ratio** | $reused | $reused_ratio | $level1 | $sizes |"
done
