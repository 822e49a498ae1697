#!/usr/bin/env bash
# Clean-build time of one small app whose stack is `cors` + `compression` +
# `request_id`, three ways:
#
#   hand        hand-app/: the stack hand-written with tower-http's layers and
#               tower's ServiceBuilder (tower-http features: cors,
#               compression-gzip, request-id)
#   strata      strata-app/: `#[strata::stack(cors, compression, request_id)]`
#               with `default-features = false, features = ["cors", "compression", "request_id"]`
#   strata-all  strata-app/ with `--features all`: strata's default features,
#               i.e. what every app built before the features existed
#
#   strata-before  strata-app/ against another checkout of strata (BEFORE=path),
#               e.g. the commit before a change, built in the same runs
#
#   bash benches/build-size/measure.sh                       # RUNS=5, all three
#   RUNS=3 VARIANTS="hand strata" bash benches/build-size/measure.sh
#   BEFORE=/path/to/old/strata RUNS=3 bash benches/build-size/measure.sh
#   BEFORE=... BEFORE_FEATURES='"compression"' ...   # the older strata's feature list
#
# Each app is copied to $WORK (default /tmp/strata-build-size) with the
# workspace's Cargo.lock (the same versions) and strata's path made absolute,
# and is built with `cargo build` (dev profile) from an empty target
# directory of its own. The variants are interleaved, in an order that
# rotates run by run: on a shared machine load drifts, and a sequential
# A-then-B comparison drifts with it. Printed: each build's wall-clock and
# CPU (user + system) seconds, then per variant the median (min–max) of
# both, the ratio of medians to `hand`, and the crates each builds.
#
# CARGO_INCREMENTAL=0: strata's crates are path dependencies here, which
# cargo would otherwise build incrementally (slower, and not what an app
# that gets them from a registry does).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${WORK:-/tmp/strata-build-size}"
RUNS="${RUNS:-5}"
read -r -a VARIANTS <<<"${VARIANTS:-hand strata strata-all${BEFORE:+ strata-before}}"
export CARGO_INCREMENTAL=0

rm -rf "$WORK"
mkdir -p "$WORK"
for app in strata-app hand-app; do
    cp -r "$ROOT/benches/build-size/$app" "$WORK/$app"
    rm -rf "$WORK/$app/target" "$WORK/$app/Cargo.lock"
    cp "$ROOT/Cargo.lock" "$WORK/$app/Cargo.lock"
done
if [[ -n "${BEFORE:-}" ]]; then
    cp -r "$WORK/strata-app" "$WORK/strata-before-app"
    sed -i "s|path = \"../../..\"|path = \"$BEFORE\"|" "$WORK/strata-before-app/Cargo.toml"
    if [[ -n "${BEFORE_FEATURES:-}" ]]; then
        # An older strata may not have the features this one's app lists
        # (before every middleware was one, `compression` alone).
        sed -i "/^strata = /s|features = \[[^]]*\]|features = [$BEFORE_FEATURES]|" "$WORK/strata-before-app/Cargo.toml"
    fi
    (cd "$WORK/strata-before-app" && cargo fetch -q)
fi
sed -i "s|path = \"../../..\"|path = \"$ROOT\"|" "$WORK/strata-app/Cargo.toml"
(cd "$WORK/strata-app" && cargo fetch -q)
(cd "$WORK/hand-app" && cargo fetch -q)

app_of() { case "$1" in hand) echo hand-app ;; strata-before) echo strata-before-app ;; *) echo strata-app ;; esac; }
flags_of() { case "$1" in strata-all) echo "--features all" ;; *) echo "" ;; esac; }

declare -A wall cpu
for ((run = 0; run < RUNS; run++)); do
    n=${#VARIANTS[@]}
    for ((i = 0; i < n; i++)); do
        variant=${VARIANTS[$(((i + run) % n))]}
        dir="$WORK/$(app_of "$variant")"
        target="$WORK/target-$variant"
        rm -rf "$target"
        # shellcheck disable=SC2046
        times=$(cd "$dir" && CARGO_TARGET_DIR="$target" /usr/bin/time -f "%e %U %S" \
            cargo build -q --offline $(flags_of "$variant") 2>&1 >/dev/null | tail -1)
        read -r elapsed user system <<<"$times"
        used=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.1f", u + s }')
        wall[$variant]+="$elapsed "
        cpu[$variant]+="$used "
        echo "run $((run + 1)): $variant ${elapsed} s wall, ${used} s CPU (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
spread() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f–%.1f", a[1], a[NR]}'; }
crates() {
    local variant="$1"
    # shellcheck disable=SC2046
    (cd "$WORK/$(app_of "$variant")" && cargo tree -q --offline -e normal,build --prefix none \
        --format '{p}' $(flags_of "$variant") | awk '{print $1 " " $2}' | sort -u | wc -l)
}

echo
echo "### Clean build, \`cors\` + \`compression\` + \`request_id\` (dev profile, $(nproc) cores, $RUNS runs interleaved)"
echo
echo "| variant | crates | wall s, median (min–max) | × hand | CPU s, median (min–max) | × hand |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
hand_wall=$(echo "${wall[hand]:-}" | median)
hand_cpu=$(echo "${cpu[hand]:-}" | median)
for variant in "${VARIANTS[@]}"; do
    w=$(echo "${wall[$variant]}" | median)
    c=$(echo "${cpu[$variant]}" | median)
    rw=$(awk -v a="$w" -v b="$hand_wall" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }')
    rc=$(awk -v a="$c" -v b="$hand_cpu" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }')
    echo "| $variant | $(crates "$variant") | $w ($(echo "${wall[$variant]}" | spread)) | $rw | $c ($(echo "${cpu[$variant]}" | spread)) | $rc |"
done

if [[ " ${VARIANTS[*]} " == *" strata "* ]]; then
    echo
    heavy=$(cd "$WORK/strata-app" && cargo tree -q --offline -e normal --prefix none --format '{p}' |
        awk '{print $1}' | sort -u | grep -E -x 'jsonwebtoken|rsa|hmac|redis|regex-automata|brotli|zstd' || true)
    echo "strata-app builds of jsonwebtoken, rsa, hmac, redis, regex-automata, brotli, zstd: ${heavy:-none}"
fi
