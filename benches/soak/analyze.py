#!/usr/bin/env python3
"""Reads what benches/soak.sh recorded in OUT and says whether the soak
passed: prints a markdown report, exits 1 on any failure.

OUT holds tally.txt (mix.lua's counts), probe.txt (probe.py's lines),
samples.tsv (time, VmRSS kB, open fds of the app), events.txt (Redis
kill / start / ready times) and wrk.txt.

usage: analyze.py OUT WARMUP_SECONDS
"""

import statistics
import sys
from collections import defaultdict

# What each kind of mix.lua may get at any time (keep in step with mix.lua),
# and what it may get only while Redis is down (from the kill until the
# probe saw the session store recover, plus a second either side: the
# tallies have one-second resolution).
EXPECTED = {
    "home": {200, 429},
    "me": {200, 429},
    "hammer": {200, 429},
    "health": {200},
    "preflight": {200},
    "echo": {200, 429},
    "blocked": {403},
    "bad_host": {400},
    "no_token": {401, 429},
    "metrics": {200},
    "slash": {307},
    "plain_http": {307},
}
DURING_OUTAGE = {"me": {503}}
MAX_RSS_GROWTH = 0.05
MAX_RECOVERY_S = 1.0


def read_events(path):
    events = {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            name, at = line.split()
            events[name] = float(at)
    return events


def read_probe(path):
    rows = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            at, kind, status, limited, latency = line.split()
            rows.append((float(at), kind, status, limited == "1", float(latency)))
    return rows


def main():
    out, warmup = sys.argv[1], float(sys.argv[2])
    failures = []
    events = read_events(f"{out}/events.txt")
    kill, start, ready = events["kill"], events["start"], events["ready"]

    # Redis-backed recovery, from the probe.
    probe = sorted(read_probe(f"{out}/probe.txt"))
    # Sent after the kill and answered before the restart: a probe sent
    # just before the restart may wait in the client's reconnect backoff and
    # be answered by the new Redis.
    down = [row for row in probe if kill + 0.05 <= row[0] and row[0] + row[4] / 1000 < start]
    limit_down = [row for row in down if row[1] == "limit"]
    session_down = [row for row in down if row[1] == "session"]
    allowed_down = [row for row in limit_down if row[2] == "200" and not row[3]]
    refused_sessions = [row for row in session_down if row[2] == "503"]
    if not limit_down or len(allowed_down) != len(limit_down):
        failures.append(
            f"on_backend_error = allow did not hold: {len(allowed_down)} of {len(limit_down)} "
            "rate-limited probes passed without X-RateLimit-* while Redis was down"
        )
    if not session_down or len(refused_sessions) != len(session_down):
        failures.append(f"session store: {len(refused_sessions)} of {len(session_down)} probes got 503 while Redis was down")
    # Recovery: when the first Redis-backed answer to a probe came back,
    # after Redis was restarted (an upper bound: the app may have recovered
    # while that probe waited in line behind wrk's connections).
    recovery = {}
    recovered = start
    for name, kind, backed in (
        ("rate_limit", "limit", lambda row: row[2] == "200" and row[3]),
        ("session", "session", lambda row: row[2] == "200"),
    ):
        first = next((row for row in probe if row[1] == kind and row[0] >= kill + 0.05 and backed(row)), None)
        if first is None:
            failures.append(f"{name}: never recovered after Redis came back")
            continue
        answered = first[0] + first[4] / 1000
        recovery[name] = (answered - start, answered - ready, first[4])
        recovered = max(recovered, answered)
        if answered - start >= MAX_RECOVERY_S:
            failures.append(f"{name}: first Redis-backed answer {answered - start:.3f} s after the restart (limit {MAX_RECOVERY_S} s)")

    # Statuses under load.
    tally = defaultdict(int)
    unexpected = []
    outage_statuses = defaultdict(int)
    summary = {}
    with open(f"{out}/tally.txt", encoding="utf-8") as file:
        for line in file:
            if line.startswith("# "):
                words = line[2:].split()
                summary[words[0]] = dict(zip(words[1::2], (int(w) for w in words[2::2])))
                continue
            words = line.split()
            kind, status, count = words[0], int(words[1]), int(words[-1])
            tally[(kind, status)] += count
            if len(words) == 3:
                if status not in EXPECTED.get(kind, set()):
                    unexpected.append((kind, status, None, count))
                continue
            second = int(words[2])
            in_outage = int(kill) - 1 <= second <= int(recovered) + 1
            if in_outage and status in DURING_OUTAGE.get(kind, set()):
                outage_statuses[(kind, status)] += count
            else:
                unexpected.append((kind, status, second, count))
    if unexpected:
        failures.append(f"unexpected statuses: {sorted(unexpected, key=str)}")
    errors = summary.get("errors", {})
    if any(errors.get(name, 0) for name in ("connect", "read", "write", "timeout")):
        failures.append(f"socket errors: {errors}")

    # Memory and file descriptors.
    samples = []
    with open(f"{out}/samples.tsv", encoding="utf-8") as file:
        for line in file:
            at, rss, fds = line.split()
            samples.append((float(at), int(rss), int(fds)))
    # Only while wrk runs: connections close when it stops.
    samples = [s for s in samples if events["wrk_start"] <= s[0] <= events["wrk_end"] - 1]
    began = events["wrk_start"]
    settled = [s for s in samples if s[0] - began >= warmup]
    if len(settled) < 6:
        failures.append(f"only {len(settled)} samples after the warm-up: run longer")
        baseline_rss = final_rss = max_rss = baseline_fds = final_fds = 0
    else:
        baseline_rss = statistics.mean(s[1] for s in settled[:3])
        final_rss = statistics.mean(s[1] for s in settled[-3:])
        max_rss = max(s[1] for s in settled)
        baseline_fds = max(s[2] for s in settled[:3])
        final_fds = min(s[2] for s in settled[-3:])
        if final_rss > baseline_rss * (1 + MAX_RSS_GROWTH):
            failures.append(f"resident memory grew {final_rss / baseline_rss - 1:+.1%} after the warm-up")
        if final_fds > baseline_fds:
            failures.append(f"open file descriptors grew from {baseline_fds} to {final_fds}")

    # The report.
    total = summary.get("requests", {})
    latency = summary.get("latency_us", {})
    duration = total.get("duration_us", 0) / 1e6
    count = sum(tally.values())
    print("| | |\n| --- | --- |")
    print(f"| requests | {count:,} in {duration:.0f} s ({count / max(duration, 1):,.0f}/s) |")
    print(f"| latency (wrk) | p50 {latency.get('p50', 0) / 1000:.2f} ms, p99 {latency.get('p99', 0) / 1000:.2f} ms, "
          f"max {latency.get('max', 0) / 1000:.1f} ms |")
    print(f"| socket errors | {errors} |")
    statuses = ", ".join(f"{kind} {status}: {n:,}" for (kind, status), n in sorted(tally.items()))
    print(f"| statuses | {statuses} |")
    print(f"| unexpected statuses | {sum(n for *_, n in unexpected)} |")
    print(f"| 503 while Redis was down (`me`, the session store) | {sum(outage_statuses.values()):,} |")
    print(f"| Redis down | {start - kill:.2f} s (SIGKILL, restarted on the same port; answered PING {ready - start:.3f} s after its start) |")
    print(f"| probes while down | rate-limited `GET /`: {len(allowed_down)} of {len(limit_down)} allowed without "
          f"`X-RateLimit-*` (`on_backend_error = \"allow\"`); `/me`: {len(refused_sessions)} of {len(session_down)} 503 |")
    latencies = [row[4] for row in down] or [0]
    print(f"| probe latency while down | median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms |")
    for name in ("rate_limit", "session"):
        if name in recovery:
            after_start, after_ready, latency = recovery[name]
            value = (f"{after_start * 1000:.0f} ms after the restart ({after_ready * 1000:.0f} ms after Redis answered PING; "
                     f"that probe took {latency:.0f} ms)")
        else:
            value = "never"
        print(f"| {name}: first Redis-backed answer received | {value} |")
    limits = [row[0] for row in probe if row[1] == "limit"]
    cadence = statistics.median(b - a for a, b in zip(limits, limits[1:])) if len(limits) > 2 else 0
    print(f"| probe cadence | a `GET /` and a `/me` every {cadence * 1000:.0f} ms (median; two threads, a new connection each) |")
    print(f"| resident memory (VmRSS) | {baseline_rss / 1024:.1f} MiB after the {warmup:.0f} s warm-up → "
          f"{final_rss / 1024:.1f} MiB at the end ({(final_rss / baseline_rss - 1) if baseline_rss else 0:+.1%}), "
          f"max {max_rss / 1024:.1f} MiB; {len(samples)} samples |")
    print(f"| open fds | {baseline_fds} after the warm-up → {final_fds} at the end |")
    print()
    if failures:
        print("FAILED:")
        for failure in failures:
            print(f"- {failure}")
        sys.exit(1)
    print("PASSED")


if __name__ == "__main__":
    main()
