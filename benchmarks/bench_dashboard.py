"""Time the dashboard's script runs with Streamlit's AppTest (no browser): the first run in a fresh
process (imports included), a new session on a warm process, a rerun, and a rerun after a filter
changes. Usage: python benchmarks/bench_dashboard.py [--root DATA_ROOT] [--runs N]

Each number is the median of N runs except the first, which happens once per process."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboard" / "app.py"


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="data root (default: the bundled data)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--as-of", default="2021-06-30")
    args = parser.parse_args()
    if args.root:
        os.environ["TRACKER_ROOT"] = str(args.root.resolve())

    from streamlit.testing.v1 import AppTest  # imported here so the first run counts only the app

    def session() -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=600)
        at.query_params["as_of"] = args.as_of
        return at

    first_app = session()
    first = timed(first_app.run)
    assert not first_app.exception, first_app.exception
    new_sessions, reruns, filter_changes, date_changes, page_switches = [], [], [], [], []
    other_dates = iter(date(2022, month, 15) for month in range(1, 13))
    for _ in range(args.runs):
        at = session()
        new_sessions.append(timed(at.run))
        reruns.append(timed(at.run))
        at.multiselect(key="status").set_value(["implemented"])
        filter_changes.append(timed(at.run))
        at.multiselect(key="status").set_value([])
        at.run()
        # A date not seen before: every status is computed afresh (no per-date cache hit).
        at.date_input(key="as_of").set_value(next(other_dates))
        date_changes.append(timed(at.run))
        at.switch_page("views/provision.py")
        page_switches.append(timed(at.run))
        assert not at.exception, at.exception

    root = args.root or REPO
    rows = [
        ("first run in a fresh process (imports, parse, statuses)", first),
        ("new session, warm process", statistics.median(new_sessions)),
        ("rerun, nothing changed", statistics.median(reruns)),
        ("rerun after a filter change (status = implemented)", statistics.median(filter_changes)),
        ("rerun after the as-of date changes to a new date", statistics.median(date_changes)),
        ("switch to the provision page", statistics.median(page_switches)),
    ]
    print(f"dashboard on {root} as of {args.as_of} (AppTest, no browser; median of {args.runs})")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
