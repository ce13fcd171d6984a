"""Every number of issue 13's targets table from one command, each beside the baseline it is judged by.

Run: python benchmarks/run_all.py --sizes 10k,100k [--repeat 20] [--workdir DIR] [--json FILE]
     python benchmarks/run_all.py --sizes 10k,100k --pairs 8   (the two in-process status rows alone)

For each size (quoted passages; the data root is written once by benchmarks/generate.py and kept in
--workdir), one measure after another, never two at once:

- baseline "bare parse": a Python process that parses the same YAML files with PyYAML's C loader and
  nothing else (start-up included), run side by side with `tracker validate` cold (the persistent
  cache emptied first) and warm (cache filled by the previous run);
- `tracker status` with the cache warm, and `tracker export --table evidence` with its peak memory
  (the maximum resident set size of that one process, from /usr/bin/time -v or getrusage);
- in a fresh interpreter: the first "every status at one date" call after load, then 20 back-to-back
  calls at 20 dates not asked before, beside the same R4 computed with pandas/numpy from an evidence
  CSV (the issue's baseline);
- the dashboard (Streamlit's AppTest, no browser): 20 reruns, each on a new as-of date;
- on the bundled data, start-up: `tracker validate` and `tracker status` beside `python -c pass`.

Every timed call is reported as the median AND the maximum of its runs. The collector is never run by
hand before a timed call (a stall in a full collection is part of what a user waits for). The load of
the machine (os.getloadavg, 1 minute) is printed before each measure: the machine is shared, so a row
measured under a load above the number of cores should be rerun. Growth is the 100k/10k ratio of a row
(10.0 is linear). A single run's growth of the in-process status rows moves by a tenth or more from one
process to the next; `--pairs N` measures those rows alone at both sizes in turn, N times, and prints
each pair's growth with the median and range over the pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
AS_OF = date(2024, 1, 1)
# 20 dates, none of them AS_OF, spread over the generated evidence (2015-2025): each later call asks a
# date not asked before, so no per-date cache could answer it.
LATER_DATES = [date(2016, 3, 1) + timedelta(days=173 * i) for i in range(20)]
TIME_V = Path("/usr/bin/time")
COMMAND_RUNS = 3  # runs of each command (each takes seconds at 100k); --command-runs
COMMAND_RUNS_SET = [COMMAND_RUNS]


# --------------------------------------------------------------------------- helpers


def load_1min() -> float:
    return os.getloadavg()[0]


def stats(samples: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "max": max(samples), "n": len(samples), "runs": samples}


def fmt(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def run_command(argv: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak resident memory (MB) of one process running `argv`."""
    full_env = {**os.environ, **(env or {})}
    if TIME_V.exists():
        start = time.perf_counter()
        proc = subprocess.run([str(TIME_V), "-v", *argv], capture_output=True, text=True, env=full_env, check=False)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        rss_kb = next(
            int(line.split(":")[1]) for line in proc.stderr.splitlines() if "Maximum resident set size" in line
        )
        return {"wall": wall, "rss_mb": rss_kb / 1024}
    # Without GNU time: a launcher process per command, so that RUSAGE_CHILDREN is that command's alone.
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "w = time.perf_counter() - t\n"
        "print(rc, w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=full_env, check=False
    )
    rc, wall_text, rss = proc.stdout.split()
    if rc != "0":
        raise SystemExit(f"{' '.join(argv)} failed ({rc}):\n{proc.stderr[-3000:]}")
    return {"wall": float(wall_text), "rss_mb": int(rss) / 1024}


def tracker(*args: str) -> list[str]:
    """The `tracker` command as a user runs it (the console script beside this interpreter)."""
    script = Path(sys.executable).parent / "tracker"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "tracker.cli", *args]


def has_option(command: str, option: str) -> bool:
    proc = subprocess.run(tracker(command, "--help"), capture_output=True, text=True, check=False)
    return option in proc.stdout


def clear_persistent_cache(root: Path) -> None:
    """Empty the persistent cache of `root`, whatever its place (asked of the tracker itself)."""
    code = (
        "import sys\nfrom pathlib import Path\n"
        "try:\n from tracker.diskcache import clear\nexcept ImportError:\n sys.exit(0)\n"
        "clear(Path(sys.argv[1]))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(root)], check=True)


BARE_PARSE = (
    "import sys, yaml\n"
    "from pathlib import Path\n"
    "root = Path(sys.argv[1])\n"
    "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
    "for sub in ('provisions', 'evidence'):\n"
    "    for p in sorted((root / sub).iterdir()):\n"
    "        if p.suffix in ('.yaml', '.yml'):\n"
    "            yaml.load(p.read_bytes(), Loader=loader)\n"
)


# --------------------------------------------------------------------------- in-process worker


def _r4_baseline(csv_path: Path, as_of: date) -> Any:
    """R4 for every provision from the evidence CSV with pandas/numpy: the issue's baseline."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(csv_path)
    day = (as_of - date(1970, 1, 1)).days
    frame = frame[frame["day"] <= day]
    frame = frame.sort_values(["provision", "side", "day", "severity"])
    positions = frame.groupby(["provision", "side"], sort=False).tail(1)
    last = positions.groupby("provision")["day"].transform("max")
    current = positions[positions["day"] >= last - 30]
    positive = current["severity"] <= 2
    by = current.assign(pos=positive, neg=~positive).groupby("provision")
    disputed = by["pos"].any() & by["neg"].any()
    on_last = current[current["day"] == current.groupby("provision")["day"].transform("max")]
    gravest = on_last.groupby("provision")["severity"].max()
    return np.where(disputed.reindex(gravest.index).to_numpy(), 4, gravest.to_numpy())


def worker(root: Path, repeat: int) -> dict[str, Any]:
    """In a fresh interpreter: load, the first status call, 20 later calls, and the pandas baseline."""
    from tracker import status as status_module
    from tracker import store

    result: dict[str, Any] = {}
    start = time.perf_counter()
    dataset = store.load_valid(root)
    result["load_seconds"] = time.perf_counter() - start
    result["summary"] = dataset.summary()
    result["provisions"] = len(dataset.provisions)

    start = time.perf_counter()
    status_module.all_statuses(dataset, AS_OF)
    first = [time.perf_counter() - start]
    # More first calls: forget what the engine keeps on the dataset and ask again.
    for _ in range(min(repeat, 5) - 1):
        # The timelines only: the evidence columns were filled by the load, and stay.
        dataset._timelines = {k: v for k, v in dataset._timelines.items() if getattr(k, "__name__", "") != "Columns"}
        start = time.perf_counter()
        status_module.all_statuses(dataset, AS_OF)
        first.append(time.perf_counter() - start)
    result["status_first"] = stats(first)

    later = []
    for day in LATER_DATES[:repeat]:
        start = time.perf_counter()
        status_module.all_statuses(dataset, day)
        later.append(time.perf_counter() - start)
    result["status_later"] = stats(later)

    # The baseline's input: one row per (claim, provision), as an analyst would export it. Not timed.
    severity = {"implemented": 1, "progress": 2, "stalled": 3, "disputed": 4, "violated": 5}
    csv_path = Path(tempfile.mkdtemp(prefix="r4-")) / "claims.csv"
    with csv_path.open("w") as out:
        out.write("provision,side,day,severity\n")
        for item in dataset.evidence.values():
            e = item.evidence
            when = e.event_date
            if isinstance(when, date) and e.stance.value in severity:
                days = (when - date(1970, 1, 1)).days
                for pid in e.provisions:
                    out.write(f"{pid},{e.side},{days},{severity[e.stance.value]}\n")
    _r4_baseline(csv_path, AS_OF)  # pandas' own first-call costs are not the baseline's
    baseline = []
    for _ in range(repeat):
        start = time.perf_counter()
        _r4_baseline(csv_path, AS_OF)
        baseline.append(time.perf_counter() - start)
    result["r4_baseline"] = stats(baseline)
    shutil.rmtree(csv_path.parent, ignore_errors=True)
    return result


DASHBOARD = """
import json, os, sys, time
from datetime import date, timedelta
from streamlit.testing.v1 import AppTest
app, runs = sys.argv[1], int(sys.argv[2])
at = AppTest.from_file(app, default_timeout=900)
at.query_params["as_of"] = "2024-01-01"
t = time.perf_counter(); at.run(); first = time.perf_counter() - t
assert not at.exception, at.exception
reruns = []
for i in range(runs):
    at.date_input(key="as_of").set_value(date(2021, 1, 3) + timedelta(days=37 * i))
    t = time.perf_counter(); at.run(); reruns.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(json.dumps({"first": first, "reruns": reruns}))
"""


# --------------------------------------------------------------------------- measures


def note(results: dict[str, Any], key: str, what: str) -> None:
    results.setdefault("machine_load", {})[key] = load_1min()
    print(f"  [{time.strftime('%H:%M:%S')} load {load_1min():.2f}] {what}", flush=True)


def run_worker(root: Path, repeat: int) -> dict[str, Any]:
    """The in-process measures (worker) on `root`, in a fresh interpreter: what a new process pays."""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the worker failed on {root}:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure_size(size: int, workdir: Path, repeat: int, dashboard: bool) -> dict[str, Any]:
    root = workdir / f"root-{size}"
    if not (root / "provisions").is_dir():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(root), "--passages", str(size)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    r: dict[str, Any] = {"size": size}
    commands = COMMAND_RUNS_SET[0]  # the commands take seconds each at 100k

    note(r, "validate", "bare parse / validate cold / validate warm, side by side")
    parse, cold, warm, cold_rss, bypass = [], [], [], [], []
    run_command(tracker("validate", "--root", str(root)))  # fill the cache for the first warm run
    for _ in range(commands):
        parse.append(run_command([sys.executable, "-c", BARE_PARSE, str(root)])["wall"])
        clear_persistent_cache(root)
        c = run_command(tracker("validate", "--root", str(root)))
        cold.append(c["wall"])
        cold_rss.append(c["rss_mb"])
        warm.append(run_command(tracker("validate", "--root", str(root)))["wall"])
        bypass.append(run_command(tracker("validate", "--no-cache", "--root", str(root)))["wall"])
    r["bare_parse"], r["validate_cold"], r["validate_warm"] = stats(parse), stats(cold), stats(warm)
    r["validate_no_cache"] = stats(bypass)
    r["validate_rss"] = max(cold_rss)

    note(r, "status_cmd", "`tracker status`, cache warm")
    run_command(tracker("status", "--root", str(root), "--as-of", AS_OF.isoformat()))
    r["status_cmd"] = stats(
        [
            run_command(tracker("status", "--root", str(root), "--as-of", AS_OF.isoformat()))["wall"]
            for _ in range(commands)
        ]
    )

    note(r, "export", "`tracker export --table evidence`: peak memory")
    out = workdir / f"evidence-{size}.csv"
    exports = []
    for _ in range(2):
        out.unlink(missing_ok=True)  # export refuses to overwrite a file
        exports.append(
            run_command(
                tracker(
                    "export",
                    "--root",
                    str(root),
                    "--table",
                    "evidence",
                    "--as-of",
                    AS_OF.isoformat(),
                    "--output",
                    str(out),
                )
            )
        )
    out.unlink(missing_ok=True)
    r["export_rss"] = max(e["rss_mb"] for e in exports)
    r["export_wall"] = stats([e["wall"] for e in exports])

    note(r, "worker", "first status call after load, 20 later calls, pandas R4 baseline")
    r |= run_worker(root, repeat)

    if dashboard:
        note(r, "dashboard", "dashboard: reruns on new as-of dates")
        proc = subprocess.run(
            [sys.executable, "-c", DASHBOARD, str(REPO / "dashboard" / "app.py"), str(repeat)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TRACKER_ROOT": str(root)},
        )
        if proc.returncode != 0:
            raise SystemExit(f"the dashboard run failed at {size}:\n{proc.stderr[-3000:]}")
        dash = json.loads(proc.stdout.strip().splitlines()[-1])
        r["dashboard_first"] = dash["first"]
        r["dashboard_rerun"] = stats(dash["reruns"])
    r["load_after"] = load_1min()
    return r


def measure_startup(repeat: int) -> dict[str, Any]:
    """Start-up on the bundled data, interleaved with `python -c pass` so that both see the same load."""
    r: dict[str, Any] = {}
    note(r, "startup", "bundled data: `tracker validate` / `tracker status` beside `python -c pass`")
    bare, validate, status = [], [], []
    run_command(tracker("validate"))  # the persistent cache, if any, is warm as a user finds it
    for _ in range(repeat):
        bare.append(run_command([sys.executable, "-c", "pass"])["wall"])
        validate.append(run_command(tracker("validate"))["wall"])
        status.append(run_command(tracker("status", "--as-of", AS_OF.isoformat()))["wall"])
    r["python_pass"], r["validate"], r["status"] = stats(bare), stats(validate), stats(status)
    return r


# --------------------------------------------------------------------------- report


def report(sizes: list[dict[str, Any]], startup: dict[str, Any] | None, repeat: int) -> str:
    lines = []
    head = "| measure | target | " + " | ".join(f"{r['size']:,} passages" for r in sizes)
    head += " | growth |" if len(sizes) > 1 else " |"
    lines += [head, "|---" * (3 + (len(sizes) > 1) + len(sizes) - 1) + "|"]

    def row(label: str, target: str, cell: Callable[[dict[str, Any]], str], value: Callable[[dict[str, Any]], float]):
        cells = [cell(r) for r in sizes]
        growth = ""
        if len(sizes) > 1:
            a, b = value(sizes[0]), value(sizes[-1])
            growth = f" | {b / a:.1f}x for {sizes[-1]['size'] / sizes[0]['size']:.0f}x" if a else " | -"
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + growth + " |")

    def med_max(key: str, base: str | None = None) -> Callable[[dict[str, Any]], str]:
        def cell(r: dict[str, Any]) -> str:
            m = r[key]
            text = f"{fmt(m['median'])} (max {fmt(m['max'])})"
            if base:
                text += f"; {m['median'] / r[base]['median']:.2f}x {base.replace('_', ' ')}"
            return text

        return cell

    row(
        "every status at one date, first call after load",
        "<= 0.2 s",
        med_max("status_first", "r4_baseline"),
        lambda r: r["status_first"]["median"],
    )
    row(
        "any later call (20 new dates), median and max",
        "max <= 20 ms",
        med_max("status_later", "r4_baseline"),
        lambda r: r["status_later"]["max"],
    )
    row(
        "baseline: R4 with pandas/numpy from the evidence CSV",
        "-",
        med_max("r4_baseline"),
        lambda r: r["r4_baseline"]["median"],
    )
    row(
        "`tracker status` command, cache warm",
        "<= 3 s",
        med_max("status_cmd", "bare_parse"),
        lambda r: r["status_cmd"]["median"],
    )
    row("baseline: bare C-loader parse (a process)", "-", med_max("bare_parse"), lambda r: r["bare_parse"]["median"])
    row(
        "`tracker validate`, cold",
        "<= 1.3x parse",
        med_max("validate_cold", "bare_parse"),
        lambda r: r["validate_cold"]["median"],
    )
    row(
        "`tracker validate --no-cache` (neither reads nor writes the cache)",
        "-",
        med_max("validate_no_cache", "bare_parse"),
        lambda r: r["validate_no_cache"]["median"],
    )
    row(
        "`tracker validate`, warm cache",
        "<= 0.25x parse",
        med_max("validate_warm", "bare_parse"),
        lambda r: r["validate_warm"]["median"],
    )
    row(
        "`export --table evidence` peak memory",
        "<= 400 MB",
        lambda r: f"{r['export_rss']:.0f} MB ({fmt(r['export_wall']['median'])})",
        lambda r: r["export_rss"],
    )
    row(
        "`tracker validate` peak memory (cold)",
        "-",
        lambda r: f"{r['validate_rss']:.0f} MB",
        lambda r: r["validate_rss"],
    )
    if all("dashboard_rerun" in r for r in sizes):
        row(
            "dashboard rerun on a new as-of date",
            "<= 150 ms",
            med_max("dashboard_rerun"),
            lambda r: r["dashboard_rerun"]["median"],
        )
        row(
            "dashboard first run (fresh process: imports, load)",
            "-",
            lambda r: fmt(r["dashboard_first"]),
            lambda r: r["dashboard_first"],
        )
    loads = "; ".join(
        f"{r['size']:,}: " + ", ".join(f"{k} {v:.2f}" for k, v in r["machine_load"].items()) for r in sizes
    )
    lines.append("")
    lines.append(f"machine load (1-minute average) before each measure: {loads}")
    if startup:
        s = startup
        lines.append("")
        lines.append(
            f"start-up on the bundled data (median / max of {s['python_pass']['n']}, interleaved; "
            f"load {s['machine_load']['startup']:.2f}):"
        )
        for key, label in (
            ("python_pass", "python -c pass"),
            ("validate", "tracker validate"),
            ("status", "tracker status"),
        ):
            m = s[key]
            extra = (
                ""
                if key == "python_pass"
                else (
                    f"; {(m['median'] - s['python_pass']['median']) * 1000:.0f} ms more than python -c pass;"
                    " target < 0.3 s"
                )
            )
            lines.append(f"  {label:<18} {fmt(m['median'])} (max {fmt(m['max'])}){extra}")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = 1000 if part.endswith("k") else 1
        sizes.append(int(float(part.rstrip("k")) * scale))
    return sizes


def measure_pairs(sizes: list[int], workdir: Path, repeat: int, pairs: int) -> str:
    """The two in-process status rows alone, at the smallest and the largest size in turn, `pairs` times:
    one pair's growth moves by a tenth or more from process to process (a 10k call is a third of a
    millisecond), so the growth is read as the median over pairs, with their range."""
    small, large = min(sizes), max(sizes)
    for size in (small, large):
        if not (workdir / f"root-{size}" / "provisions").is_dir():
            measure_size(size, workdir, repeat, dashboard=False)  # makes the root (and measures it)

    lines = [
        f"| pair | first call (median of 5) | later calls, median of {repeat} | later calls, max of {repeat} "
        f"| later call at {small:,} / {large:,}, median (max) |",
        "|---|---|---|---|---|",
    ]
    growth: list[tuple[float, float, float]] = []
    for n in range(1, pairs + 1):
        print(f"  [{time.strftime('%H:%M:%S')} load {load_1min():.2f}] pair {n}", flush=True)
        a, b = (run_worker(workdir / f"root-{size}", repeat) for size in (small, large))
        first = b["status_first"]["median"] / a["status_first"]["median"]
        median = b["status_later"]["median"] / a["status_later"]["median"]
        most = b["status_later"]["max"] / a["status_later"]["max"]
        growth.append((first, median, most))
        ms = {k: {s: r["status_later"][s] * 1e3 for s in ("median", "max")} for k, r in (("a", a), ("b", b))}
        lines.append(
            f"| {n} | {first:.1f}x | {median:.1f}x | {most:.1f}x | {ms['a']['median']:.2f} ({ms['a']['max']:.2f}) / "
            f"{ms['b']['median']:.2f} ({ms['b']['max']:.2f}) ms |"
        )
    cells = []
    for k in range(3):
        xs = sorted(g[k] for g in growth)
        cells.append(f"**{statistics.median(xs):.1f}x** ({xs[0]:.1f}-{xs[-1]:.1f}x)")
    lines.append("| **median (range)** | " + " | ".join(cells) + " | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated passages, e.g. 10k,100k")
    parser.add_argument("--repeat", type=int, default=20, help="calls per in-process measure and dashboard reruns")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tracker-bench",
        help="where the generated roots are kept between runs",
    )
    parser.add_argument("--command-runs", type=int, default=COMMAND_RUNS, help="runs of each command (default 3)")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the dashboard measure")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up measure on the bundled data")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--pairs",
        type=int,
        metavar="N",
        help="instead: only the two in-process status rows, smallest and largest size in turn, N times",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return
    COMMAND_RUNS_SET[0] = args.command_runs
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{machine()}; {time.strftime('%Y-%m-%d %H:%M')}; sizes {args.sizes}; repeat {args.repeat}", flush=True)
    if args.pairs:
        print(measure_pairs(parse_sizes(args.sizes), args.workdir, args.repeat, args.pairs))
        return
    results = []
    for size in parse_sizes(args.sizes):
        print(f"{size:,} passages:", flush=True)
        results.append(measure_size(size, args.workdir, args.repeat, not args.no_dashboard))
        print(f"  {results[-1]['summary']}", flush=True)
    startup = None if args.no_startup else measure_startup(args.repeat)
    print()
    print(report(results, startup, args.repeat))
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "startup": startup, "machine": machine()}, indent=1))
    print(f"\n(peak memory self: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
