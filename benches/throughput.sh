#!/usr/bin/env bash
# Throughput on loopback with `wrk` (BENCHMARKS.md section 13; issues 11 and 13).
#
#   bash benches/throughput.sh                  # tables A and B (~25 min on a quiet machine)
#   TABLES=B RUNS=7 bash benches/throughput.sh  # one table, more runs
#
# Table A: the bench stack of benches/common (`strata()` and the same
#   hand-written) vs FastAPI behind the Starlette/PyPI middlewares it
#   replaces (benches/throughput/fastapi_app.py, uvicorn), for a plain GET,
#   a GET with `Accept-Encoding: gzip` and a CORS preflight.
# Table B: request_id + access_log (request span) + metrics, strata vs
#   hand-written (benches/common/observability.rs), plain GET, with an INFO
#   subscriber formatting into `io::sink` and with a subscriber that enables
#   nothing.
#
# Every server runs on CPU 0 (`taskset -c 0`; the Rust ones on one
# current-thread tokio runtime, uvicorn on one event loop), wrk on CPU 1 with
# one thread. Variants are interleaved run by run (each run measures every
# variant of every request once, the variant order rotating from run to
# run), so a change in the machine's load hits all of them alike. Before each
# run the script waits until the 1-minute load average is below LOAD_MAX
# (polling every 15 s, at most LOAD_WAIT_MAX seconds in all); the load at the
# start and end of each wrk run is in the results.
#
# Needs: curl, taskset, wrk (installed with apt-get when missing and root),
# python3 >= 3.11 with venv (the FastAPI side, installed from PyPI into
# target/throughput-venv from benches/throughput/requirements.txt).
# Not run in CI. Honours CARGO_TARGET_DIR.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

RUNS="${RUNS:-7}"                   # measured runs per variant and request
DURATION="${DURATION:-5}"           # seconds per measured wrk run
WARMUP="${WARMUP:-1}"               # seconds of wrk before each measured run, not recorded
CONNECTIONS="${CONNECTIONS:-32}"    # wrk connections (one wrk thread)
TABLES="${TABLES:-A B}"
LOAD_MAX="${LOAD_MAX:-0.7}"
LOAD_WAIT_MAX="${LOAD_WAIT_MAX:-2400}"
BASE_PORT="${BASE_PORT:-18480}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
venv="${STRATA_THROUGHPUT_VENV:-$target_dir/throughput-venv}"
out="$target_dir/throughput/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out/wrk"

# --- tools -----------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "wrk is missing: apt-get install wrk" >&2
    exit 1
  fi
fi
for tool in curl taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "needs 2 CPUs (server on CPU 0, wrk on CPU 1); nproc says $(nproc)" >&2
  exit 1
fi

# --- build everything first --------------------------------------------------
# Its own workspace, on the root's lock file: the same crate versions as the benches.
cp Cargo.lock benches/throughput/Cargo.lock
echo "building benches/throughput (release) ..." >&2
cargo build --quiet --release --manifest-path benches/throughput/Cargo.toml --target-dir "$target_dir"
server="$target_dir/release/throughput-server"

requirements="$root/benches/throughput/requirements.txt"
stamp="$venv/.strata-requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
  echo "creating $venv ..." >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --only-binary :all: -r "$requirements"
  echo "$want" >"$stamp"
fi

# --- requests: one wrk script per kind ----------------------------------------
# `done` prints one parseable line: wrk's own latency histogram, in µs.
lua_done='
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end'
common_headers='wrk.headers["Host"] = "api.example.com"
wrk.headers["Origin"] = "https://app.example.com"'
cat >"$out/identity.lua" <<EOF
$common_headers
wrk.headers["Accept"] = "application/json"
$lua_done
EOF
cat >"$out/gzip.lua" <<EOF
$common_headers
wrk.headers["Accept"] = "application/json"
wrk.headers["Accept-Encoding"] = "gzip"
$lua_done
EOF
cat >"$out/preflight.lua" <<EOF
wrk.method = "OPTIONS"
$common_headers
wrk.headers["Access-Control-Request-Method"] = "POST"
wrk.headers["Access-Control-Request-Headers"] = "authorization, content-type"
$lua_done
EOF

# --- servers -------------------------------------------------------------------
declare -A port_of=() pid_of=()
pids=()
stop_servers() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_servers EXIT

# start NAME PORT COMMAND...: on CPU 0, then wait until it answers.
start() {
  local name="$1" port="$2"
  shift 2
  taskset -c 0 "$@" >"$out/$name.log" 2>&1 &
  pids+=("$!")
  pid_of[$name]="$!" # taskset execs the server: this is its pid
  port_of[$name]="$port"
  local tries=0
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "$name did not start; its log:" >&2
      cat "$out/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
}

# Every variant must answer each request as the others do before any is timed.
expected_body="$(python3 - <<'EOF'
import hashlib
items, length, i = [], 2, 0
while length < 2048 - 60:
    item = '{"id":%d,"name":"item number %d","tags":["a","b"]}' % (i, i)
    length += len(item) + 1
    items.append(item)
    i += 1
print(hashlib.sha256(("[" + ",".join(items) + "]").encode()).hexdigest())
EOF
)"
# check NAME KIND cors|no-cors: status, body (gzip'd when asked) and CORS headers.
check() {
  local name="$1" kind="$2" cors="$3" url="http://127.0.0.1:${port_of[$1]}/" body
  local headers="$out/check-$name-$kind.headers"
  local -a args=(-s -D "$headers" -o "$out/check.body" -H 'Host: api.example.com' -H 'Origin: https://app.example.com')
  case "$kind" in
    identity) args+=(-H 'Accept: application/json') ;;
    gzip) args+=(-H 'Accept: application/json' --compressed) ;;
    preflight) args+=(-X OPTIONS -H 'Access-Control-Request-Method: POST'
      -H 'Access-Control-Request-Headers: authorization, content-type') ;;
  esac
  curl "${args[@]}" "$url"
  local problems=()
  grep -q '^HTTP/1.1 200' "$headers" || problems+=("status $(head -1 "$headers")")
  if [ "$cors" = cors ]; then
    grep -qi '^access-control-allow-origin: https://app.example.com' "$headers" || problems+=("no Access-Control-Allow-Origin")
  fi
  if [ "$kind" = preflight ]; then
    grep -qi '^access-control-allow-methods:.*POST' "$headers" || problems+=("no Access-Control-Allow-Methods")
  else
    body="$(sha256sum "$out/check.body" | cut -d' ' -f1)"
    [ "$body" = "$expected_body" ] || problems+=("body is not JSON_2KB")
    if [ "$kind" = gzip ]; then
      grep -qi '^content-encoding: gzip' "$headers" || problems+=("not gzip'd")
    else
      ! grep -qi '^content-encoding' "$headers" || problems+=("encoded without Accept-Encoding")
    fi
  fi
  if [ "${#problems[@]}" -gt 0 ]; then
    echo "$name answers $kind wrongly: ${problems[*]}" >&2
    cat "$headers" >&2
    exit 1
  fi
}

# --- load ------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
loaded_rounds=0
wait_for_quiet() {
  while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l >= m) }'; do
    if [ "$waited" -ge "$LOAD_WAIT_MAX" ]; then
      echo "  load $(load1) >= $LOAD_MAX and the ${LOAD_WAIT_MAX}s wait budget is spent: measuring anyway" >&2
      loaded_rounds=$((loaded_rounds + 1))
      return
    fi
    echo "  load $(load1) >= $LOAD_MAX: waiting (${waited}s of ${LOAD_WAIT_MAX}s spent)" >&2
    sleep 15
    waited=$((waited + 15))
  done
}

results="$out/results.tsv"
rounds="$out/rounds.tsv"   # table, run, load when the run's first wrk starts
printf 'table\trun\tload\n' >"$rounds"
printf 'table\trun\tkind\tvariant\tposition\tload_start\tload_end\trequests\tseconds\treq_s\tp50_us\tp90_us\tp99_us\terrors\tnon2xx\tcpu_s\tcpu_share\tcpu_us_per_req\tfaults_per_req\n' >"$results"

# measure TABLE RUN KIND POSITION NAME
# cpu_faults PID: the process's CPU time in clock ticks (user + system) and
# its minor page faults so far, from /proc/PID/stat (fields 14, 15 and 10,
# counted here after the ")" that ends the command name).
cpu_faults() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13, $8 }'
}
clock_ticks="$(getconf CLK_TCK)"

measure() {
  local table="$1" run="$2" kind="$3" position="$4" name="$5"
  local url="http://127.0.0.1:${port_of[$name]}/" log="$out/wrk/$table-$run-$kind-$name.txt"
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$out/$kind.lua" "$url" >/dev/null
  local load_start load_end before after
  load_start="$(load1)"
  before="$(cpu_faults "${pid_of[$name]}")"
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$out/$kind.lua" "$url" >"$log"
  after="$(cpu_faults "${pid_of[$name]}")"
  load_end="$(load1)"
  local line
  line="$(grep '^RESULT ' "$log")" || { echo "no RESULT line in $log" >&2; exit 1; }
  python3 - "$line" "$table" "$run" "$kind" "$name" "$position" "$load_start" "$load_end" \
    "$before" "$after" "$clock_ticks" >>"$results" <<'EOF'
import sys
line, table, run, kind, name, position, load_start, load_end, before, after, ticks = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
requests = int(f["requests"])
seconds = int(f["duration_us"]) / 1e6
(cpu0, faults0), (cpu1, faults1) = (map(int, x.split()) for x in (before, after))
cpu_s = (cpu1 - cpu0) / int(ticks)
print("\t".join([table, run, kind, name, position, load_start, load_end, str(requests), f"{seconds:.3f}",
                 f"{requests / seconds:.0f}", f["p50_us"], f["p90_us"], f["p99_us"], f["errors"], f["non2xx"],
                 f"{cpu_s:.2f}", f"{cpu_s / seconds:.3f}", f"{cpu_s * 1e6 / requests:.2f}",
                 f"{(faults1 - faults0) / requests:.3f}"]))
EOF
  tail -1 "$results" | awk -F'\t' '{ printf "  %s run %s %-9s %-20s %7s req/s  p99 %6s us  CPU %5.1f%% %6s us/req  %s faults/req  load %s -> %s%s\n",
    $1, $2, $3, $4, $10, $13, $17 * 100, $18, $19, $6, $7, ($14 + $15 > 0 ? "  ERRORS " $14 "/" $15 : "") }' >&2
}

# table NAME KINDS VARIANTS: RUNS rounds, each every kind x variant once.
table() {
  local name="$1" run kind i n
  read -r -a kinds <<<"$2"
  read -r -a variants <<<"$3"
  n="${#variants[@]}"
  for run in $(seq 1 "$RUNS"); do
    wait_for_quiet
    printf '%s\t%s\t%s\n' "$name" "$run" "$(load1)" >>"$rounds"
    for kind in "${kinds[@]}"; do
      for i in $(seq 0 $((n - 1))); do
        measure "$name" "$run" "$kind" "$i" "${variants[$(((i + run - 1) % n))]}"
      done
    done
  done
}

# --- the machine --------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "rustc: $(rustc --version)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "python: $("$venv/bin/python" --version 2>&1)"
  "$venv/bin/python" - <<'EOF'
from importlib.metadata import version
for package in ["fastapi", "starlette", "uvicorn", "uvloop", "httptools", "slowapi", "limits", "asgi-correlation-id"]:
    print(f"{package}: {version(package)}")
EOF
  echo "runs: $RUNS x ${DURATION}s (+${WARMUP}s warm-up), wrk -t1 -c$CONNECTIONS, server on CPU 0, wrk on CPU 1"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt" >&2

port="$BASE_PORT"
for t in $TABLES; do
  case "$t" in
    A)
      start a-strata "$port" "$server" strata "$port"
      start a-handwritten $((port + 1)) "$server" handwritten $((port + 1))
      start a-fastapi $((port + 2)) "$venv/bin/python" benches/throughput/fastapi_app.py $((port + 2))
      for variant in a-strata a-handwritten a-fastapi; do
        for kind in identity gzip preflight; do check "$variant" "$kind" cors; done
      done
      echo "table A: bench stack, strata vs hand-written vs FastAPI" >&2
      table A "identity gzip preflight" "a-strata a-handwritten a-fastapi"
      ;;
    B)
      start b-strata-info "$((port + 3))" "$server" obs-strata "$((port + 3))" info
      start b-handwritten-info "$((port + 4))" "$server" obs-handwritten "$((port + 4))" info
      start b-strata-off "$((port + 5))" "$server" obs-strata "$((port + 5))" off
      start b-handwritten-off "$((port + 6))" "$server" obs-handwritten "$((port + 6))" off
      for variant in b-strata-info b-handwritten-info b-strata-off b-handwritten-off; do check "$variant" identity no-cors; done
      echo "table B: request_id + access_log(span) + metrics, strata vs hand-written" >&2
      table B "identity" "b-strata-info b-handwritten-info b-strata-off b-handwritten-off"
      ;;
    *) echo "unknown table $t (A or B)" >&2; exit 1 ;;
  esac
  stop_servers
done

{
  echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "waited for a quiet machine: ${waited}s; runs started above LOAD_MAX after the wait budget: $loaded_rounds"
} | tee -a "$out/machine.txt" >&2

# --- the tables ------------------------------------------------------------------------
python3 - "$results" "$LOAD_MAX" "$rounds" <<'EOF' | tee "$out/summary.md"
import csv, statistics, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
load_max = float(sys.argv[2])
cells = defaultdict(list)
for row in rows:
    cells[(row["table"], row["kind"], row["variant"])].append(row)

def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"

def n(v):
    return f"{v:,.0f}"

def ms(us):
    return f"{us / 1000:.2f}"

def ratio(v):
    return f"{v:.3f}×"

def table(name, title, kinds, variants, pairs):
    print(f"### Table {name}: {title}\n")
    print("Median (min–max) of the runs. req/s and p99 from wrk; the server's CPU share and CPU time per request")
    print("from /proc/PID/stat (user + system) over the same seconds; minor page faults per request likewise.\n")
    print("| request | variant | req/s | p99 ms | server CPU share | server CPU µs / request | faults / request | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        for variant in variants:
            runs = cells[(name, kind, variant)]
            if not runs:
                continue
            req = [float(r["req_s"]) for r in runs]
            p99 = [float(r["p99_us"]) for r in runs]
            share = [float(r["cpu_share"]) for r in runs]
            cpu = [float(r["cpu_us_per_req"]) for r in runs]
            faults = [float(r["faults_per_req"]) for r in runs]
            errors = sum(int(r["errors"]) + int(r["non2xx"]) for r in runs)
            print(f"| {kind} | {variant} | {spread(req, n)} | {spread(p99, ms)} | {statistics.median(share):.0%} "
                  f"| {spread(cpu, lambda v: f'{v:.2f}')} | {statistics.median(faults):.2f} | {errors} |")
    print()
    print("Ratios a / b: of the medians, and the median (min–max) of the per-run ratios (a and b measured in the")
    print("same run). Requests per server CPU-second is b's CPU per request over a's: the throughput of a core")
    print("the server had to itself, which the machine's other load changes least.\n")
    print("| request | a / b | req/s: ratio of medians | req/s: per-run | req per CPU-second: per-run | p99: per-run |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        for a, b in pairs:
            ra = {r["run"]: r for r in cells[(name, kind, a)]}
            rb = {r["run"]: r for r in cells[(name, kind, b)]}
            both = sorted(set(ra) & set(rb), key=int)
            if not both:
                continue
            def med(runs, key):
                return statistics.median(float(r[key]) for r in runs.values())
            def per_run(key, invert=False):
                values = [float(ra[k][key]) / float(rb[k][key]) for k in both]
                return [1 / v for v in values] if invert else values
            print(f"| {kind} | {a} / {b} | {ratio(med(ra, 'req_s') / med(rb, 'req_s'))} | {spread(per_run('req_s'), ratio)} "
                  f"| {spread(per_run('cpu_us_per_req', invert=True), ratio)} | {spread(per_run('p99_us'), ratio)} |")
    print()

tables = {row["table"] for row in rows}
if "A" in tables:
    table("A", "the bench stack: strata vs hand-written vs FastAPI",
          ["identity", "gzip", "preflight"], ["a-strata", "a-handwritten", "a-fastapi"],
          [("a-strata", "a-handwritten"), ("a-strata", "a-fastapi"), ("a-handwritten", "a-fastapi")])
if "B" in tables:
    table("B", "request_id + access_log(span) + metrics", ["identity"],
          ["b-strata-info", "b-handwritten-info", "b-strata-off", "b-handwritten-off"],
          [("b-strata-info", "b-handwritten-info"), ("b-strata-off", "b-handwritten-off")])

starts = defaultdict(list)
for r in csv.DictReader(open(sys.argv[3]), delimiter="\t"):
    starts[r["table"]].append(r["load"])
for name, values in sorted(starts.items()):
    print(f"Load average (1 min) when each run of table {name} started: {', '.join(values)} (the script waits for < {load_max}).")
loads = [float(r[k]) for r in rows for k in ("load_start", "load_end")]
print(f"At the start and end of each of the {len(rows)} wrk runs: median {statistics.median(loads):.2f}, "
      f"min {min(loads):.2f}, max {max(loads):.2f} (the server and wrk themselves keep two CPUs busy, "
      "so within a run it climbs towards 2; above that, something else ran).")
EOF
echo >&2
echo "raw results: $results; wrk outputs: $out/wrk/" >&2
