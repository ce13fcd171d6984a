"""Times the tracker on generated data roots of several sizes and prints a table (not a test).

For each size (a number of quoted passages) it writes a data root with benchmarks/generate.py, then
measures in a fresh Python process, so that sizes do not share caches or memory:

- floor: parsing the same YAML files with PyYAML's C loader alone (yaml.load, CSafeLoader);
- validate: `tracker.store.load` of the whole root, cold (nothing cached);
- re-validate: `load` again after one evidence file changed (the per-file cache is warm);
- status: `all_statuses` for every provision at one date: the first call on a loaded dataset (which
  builds each provision's timeline), then any later call; and every status at 50 dates;
- CSV: both exports (`status_table` and `evidence_table` to CSV bytes);
- peak memory: the high-water mark of resident memory (VmHWM in /proc/self/status, Linux) of that
  measuring process, and of `tracker validate` and `tracker export --table evidence` run as
  commands, each in its own process. (VmHWM, not ru_maxrss: ru_maxrss also counts the pages of the
  process that forked it.)

Times are medians of --repeat runs (wall clock; CPU time is printed too, since other processes
may share the machine), and each time is also given as a multiple of the floor.

Run: python benchmarks/bench_scale.py 1000 10000 100000 [--repeat N] [--workdir DIR] [--root DATA_ROOT]
"""

from __future__ import annotations

import argparse
import gc
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
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AS_OF = date(2024, 1, 1)
DATES = [date.fromordinal(date(2015, 6, 1).toordinal() + 73 * i) for i in range(50)]  # mid-2015 to 2025


def _timed(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> dict[str, float]:
    """Median wall and CPU seconds of `fn` over `repeat` runs (`before` runs untimed before each)."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()  # do not charge one run with the garbage of the previous one
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "spread": max(walls) - min(walls)}


def peak_mb() -> float:
    """This process's peak resident memory since it started (exec), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# `tracker ARGS`, printing its peak memory on exit.
LAUNCHER = (
    "import atexit, sys\n"
    "sys.path.insert(0, sys.argv.pop(1))\n"
    "from bench_scale import peak_mb\n"
    "atexit.register(lambda: sys.stderr.write(f'PEAK_MB {peak_mb()}\\n'))\n"
    "from tracker.cli import main\n"
    "sys.argv = ['tracker', *sys.argv[1:]]\n"
    "main()\n"
)


def _command(args: list[str]) -> dict[str, float]:
    """Wall seconds (start-up included) and peak memory (MB) of `tracker ARGS` in its own process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(HERE), *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"tracker {' '.join(args)} failed:\n{proc.stderr}")
    return {"wall": wall, "rss_mb": float(proc.stderr.rsplit("PEAK_MB ", 1)[1])}


def worker(root: Path, repeat: int) -> dict[str, Any]:
    """All the in-process measurements for one data root; runs in a fresh interpreter."""
    import yaml

    from tracker import export, store
    from tracker.status import all_statuses

    files = store.data_files(root)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    result: dict[str, Any] = {"files": len(files), "yaml_mb": sum(p.stat().st_size for p in files) / 2**20}

    def floor() -> None:
        for path in files:  # each result dropped at once: the floor should not pay for holding them all
            yaml.load(path.read_text(encoding="utf-8"), Loader=loader)

    result["floor"] = _timed(floor, repeat)

    def validate() -> None:
        dataset, problems = store.load(root)
        if problems:
            raise SystemExit("the generated root has problems:\n" + "\n".join(map(str, problems[:20])))
        result["summary"] = dataset.summary()

    result["validate"] = _timed(validate, repeat, before=store.clear_cache)

    # Change one evidence file (a comment, so the data stays valid) before each timed re-validation.
    changed = next(p for p in files if p.parent.name == "evidence")
    original = changed.read_bytes()
    edits = iter(range(10**6))
    result["revalidate"] = _timed(
        validate, repeat, before=lambda: changed.write_bytes(original + f"# edit {next(edits)}\n".encode())
    )
    changed.write_bytes(original)

    dataset = store.load_valid(root)
    # The first call on a loaded dataset builds every provision's timeline; later calls reuse them.
    result["status_first"] = _timed(lambda: all_statuses(dataset, AS_OF), repeat, before=dataset._timelines.clear)
    result["status_1"] = _timed(lambda: all_statuses(dataset, AS_OF), repeat)
    result["status_50"] = _timed(lambda: [all_statuses(dataset, d) for d in DATES], max(1, repeat // 2))
    result["csv"] = _timed(
        lambda: (
            export.csv_bytes(export.status_table(dataset, AS_OF)),
            export.csv_bytes(export.evidence_table(dataset)),
        ),
        max(1, repeat // 2),
    )
    result["rss_mb"] = peak_mb()
    return result


def measure(size: int | Path, workdir: Path, repeat: int) -> dict[str, Any]:
    """Measure a generated root of `size` passages, or a copy of the data root `size`."""
    if isinstance(size, Path):
        root = workdir / f"copy-{size.resolve().name}"
        shutil.rmtree(root, ignore_errors=True)
        for sub in ("provisions", "evidence"):  # a copy: re-validating edits a file
            shutil.copytree(size / sub, root / sub)
    else:
        root = workdir / f"root-{size}"
    if not (root / "provisions").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(root), "--passages", str(size)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"measuring {size} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["cli_validate"] = _command(["validate", "--root", str(root)])
    result["cli_export"] = _command(
        [
            "export",
            "--root",
            str(root),
            "--table",
            "evidence",
            "--as-of",
            AS_OF.isoformat(),
            "--output",
            str(workdir / f"evidence-{size}.csv"),
        ]
    )
    result["size"] = size if isinstance(size, int) else size.resolve().name
    return result


def _fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        ("floor: YAML parse only (C loader)", "floor"),
        ("validate (`load`, cold)", "validate"),
        ("re-validate after one file changed", "revalidate"),
        ("every status, 1 date: first call (builds the timelines)", "status_first"),
        ("every status, 1 date: any later call", "status_1"),
        ("every status, 50 dates", "status_50"),
        ("CSV export (status + evidence)", "csv"),
    ]
    head = (
        "| measure | "
        + " | ".join(f"{r['size']:,} passages" if isinstance(r["size"], int) else f"`{r['size']}`" for r in results)
        + " |"
    )
    lines = [head, "|---" * (len(results) + 1) + "|"]
    for label, key in rows:
        cells = []
        for r in results:
            m, floor = r[key], r["floor"]["wall"]
            ratio = "" if key == "floor" else f" ({m['wall'] / floor:.2f}x)"
            cells.append(f"{_fmt_time(m['wall'])}{ratio}; cpu {_fmt_time(m['cpu'])}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for label, key in (("`tracker validate`", "cli_validate"), ("`tracker export --table evidence`", "cli_export")):
        lines.append(
            f"| {label} command (wall, start-up included) | "
            + " | ".join(_fmt_time(r[key]["wall"]) for r in results)
            + " |"
        )
    lines.append(
        "| peak memory: `tracker validate` | "
        + " | ".join(f"{r['cli_validate']['rss_mb']:.0f} MB" for r in results)
        + " |"
    )
    lines.append(
        "| peak memory: `tracker export --table evidence` | "
        + " | ".join(f"{r['cli_export']['rss_mb']:.0f} MB" for r in results)
        + " |"
    )
    lines.append(
        "| peak memory: the measuring process (all of the above in one process) | "
        + " | ".join(f"{r['rss_mb']:.0f} MB" for r in results)
        + " |"
    )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import yaml

    return (
        f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()} on {platform.system()}; "
        f"PyYAML {yaml.__version__} (libyaml: {getattr(yaml, '__with_libyaml__', False)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "sizes", nargs="*", type=int, help="numbers of passages (default: 1000 10000 100000, or none with --root)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure; the median is reported")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated roots here (default: a temporary folder, deleted afterwards)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        action="append",
        default=[],
        help="also measure (a copy of) this data root, e.g. the bundled data: --root .",
    )
    parser.add_argument("--json", action="store_true", help="also print the raw results as JSON")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return
    if not args.sizes and not args.root:
        args.sizes = [1_000, 10_000, 100_000]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        for size in [*args.root, *args.sizes]:
            results.append(measure(size, workdir, args.repeat))
            name = f"{size:,} passages" if isinstance(size, int) else f"`{size.resolve().name}`"
            print(
                f"{name}: {results[-1]['summary']}; {results[-1]['files']} YAML files, "
                f"{results[-1]['yaml_mb']:.1f} MB of YAML",
                flush=True,
            )
        print(f"\n{machine()}; median of {args.repeat} runs\n")
        print(table(results))
        if args.json:
            print(json.dumps(results, indent=1))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
