#!/usr/bin/env python3
"""The tables of benches/compile_budget.sh (BENCHMARKS.md, section 12).

    python3 benches/compile_budget/report.py DIR [REPEAT]

DIR holds runs.tsv, names.tsv, load.txt and apps.tsv (the script's $WORK,
apps.tsv under apps/ there, or the copy it keeps). Ratios to the
hand-written app are paired run by run (run r of one app over run r of the
other, measured minutes apart at most), then summarised as median
(min–max): on a shared machine that is what holds, not a ratio of medians
taken at different times.
"""

import csv
import os
import statistics
import sys

MEASURES = ["check", "check_incr", "build_incr"]
TITLES = {
    "check": "`cargo check` after `touch` (no incremental cache)",
    "check_incr": "`cargo check` after editing the handler (incremental)",
    "build_incr": "`cargo build` after editing the handler (incremental)",
}


def read(directory):
    def path(name):
        for candidate in (os.path.join(directory, name), os.path.join(directory, "apps", name)):
            if os.path.exists(candidate):
                return candidate
        raise SystemExit(f"no {name} in {directory}")

    with open(path("runs.tsv")) as handle:
        runs = list(csv.DictReader(handle, delimiter="\t"))
    apps = []
    with open(path("apps.tsv")) as handle:
        for line in handle:
            name, stack, variant, entries = line.rstrip("\n").split("\t")
            apps.append({"name": name, "stack": stack, "variant": variant, "entries": entries})
    names = {}
    with open(path("names.tsv")) as handle:
        for line in handle:
            app, lengths = line.rstrip("\n").split("\t")
            service, future = lengths.split()
            names[app] = (int(service), int(future))
    with open(path("load.txt")) as handle:
        load = handle.read().strip()
    return runs, apps, names, load


def spread(values, digits=2):
    if not values:
        return "–"
    values = sorted(values)
    return f"{statistics.median(values):.{digits}f} ({values[0]:.{digits}f}–{values[-1]:.{digits}f})"


def main():
    directory = sys.argv[1]
    runs, apps, names, load = read(directory)
    repeat = max((int(r["run"]) for r in runs), default=0)

    def values(app, measure, column):
        # Run 0 is the first check, made once before the timed runs.
        return {
            int(r["run"]): float(r[column])
            for r in runs
            if r["app"] == app and r["measure"] == measure and int(r["run"]) > 0
        }

    def once(app, measure):
        found = [r for r in runs if r["app"] == app and r["measure"] == measure]
        if not found:
            return "–"
        r = found[0]
        text = f"{float(r['wall']):.1f}"
        return text if r["ok"] == "ok" else f"**FAILED** ({text})"

    print(f"### Seconds, wall clock (median (min–max) of {repeat} interleaved runs; `build` and `release` once)")
    print()
    print("| stack | variant | type name: service / future (chars) | check | check, incremental | build, incremental | build | release |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for app in apps:
        service, future = names.get(app["name"], (0, 0))
        cells = [spread(list(values(app["name"], m, "wall").values())) for m in MEASURES]
        label = f"{app['stack']}: {app['entries']}" if app["variant"] == "strata" else ""
        print(
            f"| {label} | {app['variant']} | {service:,} / {future:,} | {' | '.join(cells)} | "
            f"{once(app['name'], 'build')} | {once(app['name'], 'release')} |"
        )
    print()

    print(f"### Ratio to the hand-written app, paired run by run (median (min–max) of {repeat})")
    print()
    print("| stack | variant | check: wall | CPU | check, incremental: wall | CPU | build, incremental: wall | CPU |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    by_stack = {}
    for app in apps:
        by_stack.setdefault(app["stack"], {})[app["variant"]] = app["name"]
    worst = {}
    for stack, variants in by_stack.items():
        hand = variants.get("hand")
        if not hand:
            continue
        for variant in ("strata", "boxed"):
            name = variants.get(variant)
            if not name:
                continue
            cells = []
            for measure in MEASURES:
                for column in ("wall", "cpu"):
                    ours, theirs = values(name, measure, column), values(hand, measure, column)
                    ratios = [ours[r] / theirs[r] for r in ours if r in theirs and theirs[r] > 0]
                    if ratios and variant == "strata":
                        key = (measure, column)
                        worst[key] = max(worst.get(key, 0), statistics.median(ratios))
                    cells.append(spread(ratios, 2) + "×" if ratios else "–")
            print(f"| {stack} | {variant} | {' | '.join(cells)} |")
    print()
    if worst:
        summary = ", ".join(f"{m} {c} {v:.2f}×" for (m, c), v in sorted(worst.items()))
        print(f"Worst median strata / hand-written ratio over the stacks: {summary}.")
        print()

    deps = [r for r in runs if r["app"] == "dependencies"]
    if deps:
        text = ", ".join(f"`{r['measure']}` {float(r['wall']):.0f} s" for r in deps)
        print(f"Dependencies, built once before the apps (wall): {text}.")
        print()
    loads = [float(r[c]) for r in runs for c in ("load_start", "load_end") if r[c]]
    if loads:
        print(
            f"Load average (1 min) at the start and end of each measurement: "
            f"{min(loads):.2f}–{max(loads):.2f}, median {statistics.median(loads):.2f}; {os.cpu_count()} cores."
        )
    for line in load.splitlines():
        print(f"{line}  ")


if __name__ == "__main__":
    main()
