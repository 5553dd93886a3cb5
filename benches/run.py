#!/usr/bin/env python3
"""Runs every contender on the same files, side by side, and writes benches/RESULTS.md.

    python3 benches/run.py [--size 100MiB] [--reps 3] [--formats zeek-tsv,eve]

For each format (Zeek conn TSV and JSON, Suricata eve.json, PAN-OS CSV) it generates the
file once (benches/gen.py, seeded; kept under benches/data/), then times:

    native     the Rust core, one thread (examples/bench_native.rs, release build)
    wasm       the npm package in Node: analyzeStream over a file stream, one thread
    cli-1      the CLI, one job           cli-2   the CLI with --jobs 2
    duckdb     DuckDB from PyPI, two threads, the escu search in SQL (benches/duck.py)
    plain-js   the search written plainly in Node (benches/plain.mjs)

Every contender's findings must equal the reference (the CLI's `--profile escu --output
json`, or the native runner's while the CLI is not built); a contender whose findings
differ is reported, and its time does not count. Each time is the best of `--reps` runs;
peak RSS is the process's own (wait4), wasm linear memory is what the package reports.
A last file, Zeek TSV with 100,000 egress sources, measures memory when every source is
a finding. Each contender's own time in process (after its runtime's start) is read
beside its wall time, and benches/floor.mjs measures what Node costs before any detection:
starting, loading the package, and reading the first file as the package reads it.

`--check` makes the run exit 1 unless every contender ran and found what the reference
found, on files that have findings: `make test-bench` runs it on 4 MiB files.
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "benches", "data")
RESULTS = os.path.join(ROOT, "benches", "RESULTS.md")
NATIVE = os.path.join(ROOT, "target", "release", "examples", "bench_native")
WASM_PKG = os.path.join(ROOT, "js", "pkg", "smb_egress_bg.wasm")
CLI = os.path.join(ROOT, "js", "cli.mjs")

FORMATS = ["zeek-tsv", "zeek-json", "eve", "panos"]
FORMAT_NAMES = {
    "zeek-tsv": "Zeek conn TSV",
    "zeek-json": "Zeek conn JSON",
    "eve": "Suricata eve.json",
    "panos": "PAN-OS CSV",
    "zeek-tsv-100k": "Zeek TSV, 100k sources",
}
COLUMNS = "src_ip start_time end_time action app dest_ip dest_port sourcetype count".split()
CONTENDERS = ["native", "wasm", "cli-1", "cli-2", "duckdb", "plain-js"]


def contender_command(name, fmt, path):
    """The command of a contender, or None when it is not built."""
    node = ["node", "--max-old-space-size=4096"]
    if name == "native":
        return [NATIVE, "--profile", "escu", path] if os.path.exists(NATIVE) else None
    if name == "wasm":
        return node + [os.path.join(ROOT, "benches", "wasm.mjs"), path] if os.path.exists(CLI) else None
    if name.startswith("cli-"):
        jobs = name.split("-")[1]
        if not os.path.exists(CLI):
            return None
        return node + [CLI, "--profile", "escu", "--output", "json", "--jobs", jobs, path]
    if name == "duckdb":
        return [sys.executable, os.path.join(ROOT, "benches", "duck.py"), fmt.split("-100k")[0], path, "--threads", "2"]
    if name == "plain-js":
        return node + [os.path.join(ROOT, "benches", "plain.mjs"), fmt.split("-100k")[0], path]
    raise ValueError(name)


def measure(cmd):
    """Runs a command once: wall seconds, peak RSS in bytes, its stdout, its own time in
    process (see `inner_seconds`) or None, and the CPU seconds it used (user and system,
    all its threads).

    GNU time reports the peak RSS: a child forked from this Python process would count
    the parent's pages it started with.
    """
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name] + cmd,
                              stdout=out, stderr=subprocess.PIPE)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}: "
                               f"{proc.stderr[-2000:].decode()}")
        out.seek(0)
        stdout = out.read().decode()
        peak, user, system = rss.read().split()[-3:]
        cpu = float(user) + float(system)
        return wall, int(peak) * 1024, stdout, inner_seconds(proc.stderr, stdout), cpu


def inner_seconds(stderr, stdout):
    """The time a contender measured itself, from after its start-up (Node's start and
    the package's load, Python's start and DuckDB's import) to its result: the native and
    wasm runners print `seconds: S` on standard error, duck.py puts `seconds` in its JSON.
    """
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("seconds: "):
            return float(line.split()[1])
    try:
        return json.loads(stdout).get("seconds")
    except ValueError:
        return None


def findings(report):
    return [{k: f[k] for k in COLUMNS} for f in report["findings"]]


def first_difference(mine, theirs):
    if len(mine) != len(theirs):
        return f"{len(theirs)} findings, reference has {len(mine)}"
    for a, b in zip(mine, theirs):
        if a != b:
            keys = [k for k in COLUMNS if a[k] != b[k]]
            return f"{a['src_ip']}: {keys[0]} is {b[keys[0]]!r}, reference has {a[keys[0]]!r}"
    return None


def data_file(fmt, size, seed):
    sources = 100000 if fmt.endswith("-100k") else 0
    base = fmt.split("-100k")[0]
    path = os.path.join(DATA, f"{fmt}-{size}-s{seed}.log")
    if not os.path.exists(path):
        print(f"generating {path}", file=sys.stderr)
        cmd = [sys.executable, os.path.join(ROOT, "benches", "gen.py"), "--format", base,
               "--size", size, "--seed", str(seed), "--egress-sources", str(sources), "--out", path]
        subprocess.run(cmd, check=True)
    return path


def warm(path):
    """Reads the file once, so that every contender finds it in the page cache: the first
    to read a 1 GiB file would otherwise pay the disk alone."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run_format(fmt, path, reps, contenders):
    size = os.path.getsize(path)
    rows = {}
    reference = None
    warm(path)
    for name in contenders:
        cmd = contender_command(name, fmt, path)
        if cmd is None:
            rows[name] = {"missing": True}
            continue
        best = None
        inner, peaks = [], []
        for _ in range(reps):
            wall, rss, out, seconds, cpu = measure(cmd)
            report = json.loads(out)
            if best is None or wall < best["wall"]:
                best = {"wall": wall, "report": report, "cpu": cpu}
            peaks.append(rss)
            if seconds is not None:
                inner.append(seconds)
        best["rss"] = max(peaks)
        best["inner"] = min(inner) if inner else None
        rows[name] = best
        inner_rate = f"{size / best['inner'] / 1e6:8.1f} MB/s in process" if best["inner"] else ""
        print(f"  {fmt:14} {name:9} {size / best['wall'] / 1e6:8.1f} MB/s  "
              f"{best['rss'] / 2**20:7.1f} MiB RSS  {inner_rate}", file=sys.stderr)
    ref_name = "cli-1" if "report" in rows.get("cli-1", {}) else "native"
    reference = findings(rows[ref_name]["report"])
    lines = rows["native"]["report"]["stats"]["lines"] if "report" in rows.get("native", {}) else None
    for name, row in rows.items():
        if "report" in row:
            row["diff"] = first_difference(reference, findings(row["report"]))
            if row["diff"]:
                print(f"  {fmt:14} {name:9} differs from {ref_name}: {row['diff']}", file=sys.stderr)
            row["wasm_memory"] = row["report"].get("wasm_memory_bytes")
            del row["report"]
    return {"bytes": size, "lines": lines, "reference": ref_name, "findings": len(reference),
            "rows": rows}


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    import duckdb

    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "free": free,
        "load": os.getloadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": platform.release(),
        "node": node,
        "duckdb": duckdb.__version__,
        "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
    }


def wasm_size():
    if not os.path.exists(WASM_PKG):
        return None
    with open(WASM_PKG, "rb") as f:
        raw = f.read()
    return len(raw), len(gzip.compress(raw, 9))


def fmt_rate(row, size, lines):
    if row.get("missing"):
        return "not built", "", "", ""
    mbs = size / row["wall"] / 1e6
    recs = (lines or 0) / row["wall"]
    return f"{mbs:.1f}", f"{recs / 1e6:.2f} M", f"{row['rss'] / 2**20:.0f} MiB", mbs


def mb_s(result, name, key="wall"):
    """A contender's rate in MB/s, of wall time or (`key` "inner") of its time in
    process; None where it has none or its findings differ."""
    row = result["rows"].get(name, {})
    if not row.get(key) or row.get("diff"):
        return None
    return result["bytes"] / row[key] / 1e6


def measure_floor(path, reps):
    """What Node costs before any detection (benches/floor.mjs): started, with the package
    loaded, and reading `path` as the package reads it; each the best of `reps` runs."""
    script = os.path.join(ROOT, "benches", "floor.mjs")
    rows = {}
    for what in ("start", "load", "read"):
        cmd = ["node", script, what] + ([path] if what == "read" else [])
        runs = [measure(cmd) for _ in range(reps)]
        wall, _, _, seconds, cpu = min(runs, key=lambda r: r[0])
        rows[what] = {"wall": wall, "rss": max(r[1] for r in runs), "inner": seconds, "cpu": cpu}
    return {"bytes": os.path.getsize(path), "name": os.path.basename(path), "rows": rows}


FLOOR_NAMES = {
    "start": "Node started and ended (`floor.mjs start`)",
    "load": "the npm package imported, its module compiled (`floor.mjs load`)",
    "read": "the file read as the package reads it, nothing else (`floor.mjs read`)",
}


def floor_table(floor):
    out = ["### What Node costs before the detection\n",
           f"`benches/floor.mjs`, each the best of the runs; the file is {floor['name']}. "
           "A wasm run cannot be faster than Node's start plus the package's load plus "
           "reading its file, nor smaller than the package loaded.\n",
           "| what | wall s | MB/s | peak RSS | CPU s |",
           "| --- | ---: | ---: | ---: | ---: |"]
    for what, row in floor["rows"].items():
        rate = f"{floor['bytes'] / row['wall'] / 1e6:.1f}" if what == "read" else ""
        out.append(f"| {FLOOR_NAMES[what]} | {row['wall']:.3f} | {rate} | "
                   f"{row['rss'] / 2**20:.0f} MiB | {row['cpu']:.2f} |")
    out.append("")
    return out


def write_results(args, results, info, wasm, floor=None):
    begin, end = markers(args.size)
    out = [begin, f"## The escu search, side by side ({args.size} files)\n"]
    out.append("The same job (profile `escu`) on the same files, side by side. Written by "
               "`benches/run.py` (`make bench`); regenerate with the command below.\n")
    out.append("```\n" + " ".join(["python3", "benches/run.py"] + sys.argv[1:]) + "\n```\n")
    out.append(f"- date: {info['date']}; load average at start: "
               f"{' '.join(f'{x:.2f}' for x in info['load'])}")
    out.append(f"- machine: {info['cpu']}, nproc {info['nproc']}, kernel {info['kernel']}")
    out.append(f"- tools: {info['rustc']}, Node {info['node']}, DuckDB {info['duckdb']} (PyPI)")
    out.append(f"- input size: {args.size} per file (seed {args.seed}); each time the best of "
               f"{args.reps} run{'s' if args.reps > 1 else ''}")
    if wasm:
        out.append(f"- npm package module: {wasm[0]:,} bytes, {wasm[1]:,} gzipped (`gzip -9`)")
    out.append("")
    out.append("```\n" + info["free"] + "\n```\n")
    out.append("MB/s is 10^6 bytes of input per second of wall time (process start to exit); "
               "records/s counts input lines; peak RSS is the process's own maximum resident "
               "set, the largest of the runs; wasm memory is the module's linear memory at "
               "the end. *In process* is the rate of the time a contender measured itself, "
               "after its start-up: the native runner from before it opens the file to its "
               "report written, the wasm runner from after the package is loaded and its "
               "module compiled (Node's start and the load take about 0.08 s) to its report "
               "written, DuckDB from its connection (after Python's start and `import "
               "duckdb`) to the query's last row, before Python makes and prints the "
               "findings' JSON; each is the best of the runs. *Cores* is CPU time over wall "
               "time, of the fastest run. A contender whose findings differ from the "
               "reference does not get a rate.\n")
    for fmt, result in results.items():
        out.append(f"### {FORMAT_NAMES[fmt]}\n")
        lines = result["lines"]
        out.append(f"{result['bytes'] / 2**20:.0f} MiB, {lines or 0:,} lines, "
                   f"{result['findings']} findings (reference: {result['reference']}).\n")
        out.append("| contender | MB/s | records/s | peak RSS | wasm memory | × DuckDB | × native "
                   "| MB/s in process | × native in process | cores | result |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        duck, native = mb_s(result, "duckdb"), mb_s(result, "native")
        for name, row in result["rows"].items():
            if row.get("missing"):
                out.append(f"| {name} | not built | | | | | | | | | |")
                continue
            rate, recs, rss, mbs = fmt_rate(row, result["bytes"], lines)
            mem = f"{row['wasm_memory'] / 2**20:.1f} MiB" if row.get("wasm_memory") else ""
            if row.get("diff"):
                out.append(f"| {name} | (not counted) | | {rss} | {mem} | | | | | | differs: {row['diff']} |")
                continue
            vs_duck = f"{mbs / duck:.2f}" if duck else ""
            vs_native = f"{mbs / native:.2f}" if native else ""
            inner, inner_native = mb_s(result, name, "inner"), mb_s(result, "native", "inner")
            inner_rate = f"{inner:.1f}" if inner else ""
            inner_vs = f"{inner / inner_native:.2f}" if inner and inner_native else ""
            cores = f"{row['cpu'] / row['wall']:.2f}"
            out.append(f"| {name} | {rate} | {recs} | {rss} | {mem} | {vs_duck} | {vs_native} "
                       f"| {inner_rate} | {inner_vs} | {cores} | equal |")
        out.append("")
    if floor:
        out.extend(floor_table(floor))
    out.append("### Targets\n")
    out.extend(targets(results, wasm))
    out.append(end)
    splice(RESULTS, "\n".join(out), begin, end)


def markers(size):
    """The comments around the block of one input size in RESULTS.md."""
    return (f"<!-- {size}: from here to the end marker, written by benches/run.py -->",
            f"<!-- end of the {size} block -->")


def splice(path, block, begin, end):
    """Puts `block` in place of the last run's of its size, keeping the rest of the file."""
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
    else:
        title, _, rest = text.partition("\n")
        head, tail = title + "\n\n", "\n\n" + rest.lstrip("\n")
    with open(path, "w") as f:
        f.write(head + block + tail)


def targets(results, wasm):
    rows = ["| target | measured | met |", "| --- | --- | --- |"]

    def add(name, value, ok):
        rows.append(f"| {name} | {value} | {'yes' if ok else 'no' if ok is not None else '?'} |")

    def ratio(fmt, a, b, key="wall"):
        if fmt not in results:
            return None
        x, y = mb_s(results[fmt], a, key), mb_s(results[fmt], b, key)
        return x / y if x and y else None

    for fmt, goal in (("zeek-tsv", 8), ("eve", 3)):
        r = ratio(fmt, "wasm", "duckdb")
        add(f"{FORMAT_NAMES[fmt]}: wasm ≥ {goal}× DuckDB (2 threads)", f"{r:.2f}×" if r else "n/a",
            r >= goal if r else None)
    for fmt in results:
        for key, how in (("wall", "wall time"), ("inner", "in process")):
            r = ratio(fmt, "wasm", "native", key)
            add(f"{FORMAT_NAMES[fmt]}: wasm ≥ 0.75 of native ({how})", f"{r:.2f}" if r else "n/a",
                r >= 0.75 if r else None)
    for fmt in results:
        r = ratio(fmt, "cli-2", "cli-1")
        add(f"{FORMAT_NAMES[fmt]}: --jobs 2 ≥ 1.7× one job", f"{r:.2f}×" if r else "n/a",
            r >= 1.7 if r else None)
    for fmt, result in results.items():
        mem = result["rows"].get("wasm", {}).get("wasm_memory")
        add(f"{FORMAT_NAMES[fmt]}: wasm linear memory ≤ 64 MiB",
            f"{mem / 2**20:.1f} MiB" if mem else "n/a", mem <= 64 * 2**20 if mem else None)
        duck = result["rows"].get("duckdb", {}).get("rss")
        for name in ("wasm", "cli-1"):
            node = result["rows"].get(name, {}).get("rss")
            ok = node * 3 <= duck if node and duck else None
            add(f"{FORMAT_NAMES[fmt]}: Node RSS ≤ ⅓ DuckDB's ({name})",
                f"{node / 2**20:.0f} / {duck / 2**20:.0f} MiB" if ok is not None else "n/a", ok)
    if wasm:
        add(".wasm ≤ 300 KiB gzipped", f"{wasm[1] / 1024:.0f} KiB ({wasm[0] / 1024:.0f} KiB raw)",
            wasm[1] <= 300 * 1024)
    rows.append("| Fluent Bit filter ≥ 1 M records/s per core | see the Fluent Bit section | |")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default=os.environ.get("BENCH_SIZE", "100MiB"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=445)
    ap.add_argument("--formats", default=",".join(FORMATS + ["zeek-tsv-100k"]))
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every contender ran and found what the reference found")
    args = ap.parse_args()
    info = machine()
    results = {}
    floor = None
    for fmt in args.formats.split(","):
        path = data_file(fmt, args.size, args.seed)
        results[fmt] = run_format(fmt, path, args.reps, args.contenders.split(","))
        if floor is None and os.path.exists(CLI):
            floor = measure_floor(path, args.reps)
    wasm = wasm_size()
    if not args.no_write:
        write_results(args, results, info, wasm, floor)
        print(f"wrote {RESULTS}", file=sys.stderr)
    if args.check:
        sys.exit(check(results))


def check(results):
    """1 when a contender is missing or its findings differ from the reference's, or a
    file gave no findings at all."""
    bad = [f"{fmt} {name}: {row.get('diff') or 'not built'}"
           for fmt, result in results.items()
           for name, row in result["rows"].items()
           if row.get("missing") or row.get("diff")]
    # Equal and empty would prove nothing: every generated file has SMB egress in it.
    bad += [f"{fmt}: no findings" for fmt, result in results.items() if not result["findings"]]
    for line in bad:
        print(f"check: {line}", file=sys.stderr)
    counts = ", ".join(f"{fmt} {result['findings']}" for fmt, result in results.items())
    print(f"check: findings per format: {counts}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    main()
