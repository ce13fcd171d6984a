"""Times the core operations on the bundled data and prints the numbers (not a test).

Run: python benchmarks/bench_bundled.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from tracker import export
from tracker.status import all_statuses
from tracker.store import clear_cache, data_files, load_valid

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time in milliseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    files = data_files(ROOT)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    ds = load_valid(ROOT)
    dates = [date.fromordinal(date(2020, 11, 10).toordinal() + 30 * i) for i in range(50)]

    def cold() -> None:
        clear_cache()
        load_valid(ROOT)

    rows = [
        (
            "parse YAML only (C loader, the floor)",
            timed(lambda: [yaml.load(p.read_text(), Loader=loader) for p in files], args.repeat),
        ),
        # Cold: the per-file cache emptied first; warm: every file unchanged since the last load.
        ("load + validate everything, cold", timed(cold, args.repeat)),
        ("load + validate everything, warm", timed(lambda: load_valid(ROOT), args.repeat)),
        ("every status at one date", timed(lambda: all_statuses(ds, date(2024, 1, 1)), args.repeat)),
        ("every status at 50 dates", timed(lambda: [all_statuses(ds, d) for d in dates], max(1, args.repeat // 4))),
        ("status CSV export", timed(lambda: export.csv_bytes(export.status_table(ds, date(2024, 1, 1))), args.repeat)),
        ("evidence CSV export", timed(lambda: export.csv_bytes(export.evidence_table(ds)), args.repeat)),
    ]
    print(f"bundled data: {ds.summary()} in {len(files)} files; median of {args.repeat} runs")
    for name, ms in rows:
        print(f"  {name:<40} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
