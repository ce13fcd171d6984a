"""Every dashboard page's filled first screen in a real browser, side by side with a bare Streamlit page
(one title and one 25-row table), at the bundled size and at 10k passages; and the Overview's trend
at 100k passages in Python.

    python benchmarks/bench_pages.py [--rounds 5] [--sizes bundled,10000] [--trend-100k]

What is timed. A new browser tab (a new Streamlit session, as a new reader) opens the page's URL; the
clock stops when the page is *filled*: the script run is over (the app root's data-test-script-state
is notRunning), the main block has content, every table and chart in the first screen (1400 x 1000)
has drawn its canvas or SVG, and no element in it still shows a skeleton (its code loading) or is an
empty HTML element. The bare page is timed the same way in the same round, so that
both see the same load on the machine; each round visits the bare page and then every page, and the
figures are medians over the rounds. Each server is warmed first (one visit to every page), as a
running dashboard is: the first visit after a start pays for imports and loading the data.

The trend at 100k passages: the Python time (CPU) per rerun at a new as-of date of what the Overview
does for its trend (dashboard/ui.py's trend_frame, which reads tracker.trend.monthly, and its HTML,
trend_html), overall and, apart, per party (the faceted chart's spec; drawn only when its expander is
open), on a loaded dataset whose statuses at that date are computed; and the first time after a load.
Any other rerun (a click, a new session at a date seen before) takes the frame from Streamlit's cache.

Needs Debian's Chromium (/usr/bin/chromium or $CHROMIUM) and Playwright. Generated data roots are
written under a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO))

from screenshot import CHROMIUM, CHROMIUM_ARGS, dashboard  # noqa: E402

PAGES = ["overview", "changes", "agreements", "provision", "evidence", "sources", "timeline", "suggest"]
AS_OF = "2022-12-31"
BARE = """import pandas as pd
import streamlit as st

st.title("A bare page")
st.dataframe(pd.DataFrame({"id": [f"p{i}" for i in range(25)], "title": ["A provision"] * 25,
                           "status": ["implemented"] * 25}), hide_index=True)
"""
# Filled: the run is over, every table and chart in the first screen has drawn, and no element in it is
# still waiting for its code (a skeleton) or its HTML.
FILLED = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  const main = document.querySelector('[data-testid=stMain] [data-testid=stVerticalBlock]');
  if (!main || !main.children.length) return false;
  const inView = e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; };
  for (const e of document.querySelectorAll('[data-testid=stDataFrame]'))
    if (inView(e) && !e.querySelector('canvas')) return false;
  for (const e of document.querySelectorAll('[data-testid=stVegaLiteChart]'))
    if (inView(e) && !e.querySelector('canvas, svg')) return false;
  // An element whose code is still loading shows a skeleton; HTML is set after its sanitiser has loaded.
  for (const e of document.querySelectorAll('[data-testid=stSkeleton], [data-testid=stSkeletonElement]'))
    if (inView(e)) return false;
  for (const e of document.querySelectorAll('[data-testid=stHtml]'))
    if (inView(e) && !e.childNodes.length) return false;
  return true;
}"""


def filled_after(browser: object, url: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]  # a Browser
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(FILLED, timeout=120_000, polling=20)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


def page_url(base: str, name: str) -> str:
    return f"{base}/{'' if name == 'overview' else name}?as_of={AS_OF}"


def bench_browser(
    sizes: list[str], rounds: int, work: Path, pages: list[str] = PAGES
) -> list[tuple[str, str, float, float]]:
    from playwright.sync_api import sync_playwright

    bare_script = work / "bare.py"
    bare_script.write_text(BARE, encoding="utf-8")
    results = []
    for size in sizes:
        root = None
        if size != "bundled":
            root = work / f"data-{size}"
            subprocess.run(
                [sys.executable, str(REPO / "benchmarks" / "generate.py"), str(root), "--passages", size],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        with dashboard(root) as app, dashboard(app=bare_script) as bare, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            filled_after(browser, bare)  # warm both servers: imports, data, caches
            for name in pages:
                filled_after(browser, page_url(app, name))
            times: dict[str, list[float]] = {name: [] for name in ["bare", *pages]}
            for _ in range(rounds):
                times["bare"].append(filled_after(browser, bare))
                for name in pages:
                    times[name].append(filled_after(browser, page_url(app, name)))
            browser.close()
        base = statistics.median(times["bare"])
        results.append((size, "bare page", base, 1.0))
        for name in pages:
            median = statistics.median(times[name])
            results.append((size, name, median, median / base))
            # Each round's page over the same round's bare page: the spread of the ratio under the load.
            ratios = [t / b for t, b in zip(times[name], times["bare"], strict=True)]
            print(
                f"{size:>8}  {name:<11} {median * 1000:7.0f} ms (max {max(times[name]) * 1000:5.0f})  "
                f"{median / base:5.2f}x the bare page ({base * 1000:.0f} ms, max {max(times['bare']) * 1000:.0f}); "
                f"per round {min(ratios):.2f}-{max(ratios):.2f}x",
                flush=True,
            )
    return results


def bench_trend(work: Path, passages: int = 100_000, runs: int = 5, root: Path | None = None) -> None:
    sys.path.insert(0, str(REPO / "dashboard"))
    import ui  # the dashboard's own helpers: the frame and the chart spec the Overview sends

    from tracker import trend
    from tracker.status import all_statuses
    from tracker.store import load

    label = f"{passages} passages" if root is None else f"the data root {root}"
    if root is None:
        root = work / f"data-{passages}"
        if not root.exists():
            subprocess.run(
                [sys.executable, str(REPO / "benchmarks" / "generate.py"), str(root), "--passages", str(passages)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
    dataset, problems = load(root)
    assert not problems, problems[:3]
    last = max(a.date for a in dataset.agreements.values())
    first = min(a.date for a in dataset.agreements.values())
    # A new as-of date each time (a date seen before is a hit in Streamlit's cache: no Python at all).
    dates = [date.fromordinal(last.toordinal() + 400 - 31 * k) for k in range(runs + 1)]

    def trend_for(as_of: date, by: str) -> None:
        frame = ui.trend_frame(dataset, as_of, by, statuses=statuses)
        if by == "all":  # the overall trend is HTML; the per-party one a faceted chart
            ui.trend_html(frame)
        else:
            ui.trend_spec(frame["month"].min().date(), as_of, 130, legend=False)

    started = time.process_time()
    statuses = all_statuses(dataset, dates[0])  # the page has these before it draws the trend: timelines built
    trend_for(dates[0], "all")  # the first time after a load: the month-end grid of every provision is made
    first_time = time.process_time() - started
    overall, per_party = [], []
    for as_of in dates[1:]:
        statuses = all_statuses(dataset, as_of)  # as the page does, before its trend (and passes them)
        started = time.process_time()
        trend_for(as_of, "all")
        overall.append(time.process_time() - started)
        started = time.process_time()
        trend_for(as_of, "party")
        per_party.append(time.process_time() - started)
    months = len(trend.month_ends(first, dates[1]))
    print(
        f"trend at {label} ({len(dataset.provisions)} provisions, {months} months), CPU time of "
        f"Python per rerun at a new as-of date, median of {runs} (max): overall "
        f"{statistics.median(overall) * 1000:.0f} ms ({max(overall) * 1000:.0f}); per party, when its expander "
        f"is open, {statistics.median(per_party) * 1000:.0f} ms ({max(per_party) * 1000:.0f}); the first after "
        f"a load (the month-end grid made) {first_time * 1000:.0f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="bundled,10000", help="comma-separated: bundled and/or passage counts")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time (default: all)")
    parser.add_argument("--trend-100k", action="store_true", help="also time the trend at 100k passages")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--trend-root", type=Path, default=None, help="a 100k root made by generate.py, to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        work = Path(folder)
        if not args.no_browser:
            sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
            bench_browser(sizes, args.rounds, work, [p.strip() for p in args.pages.split(",") if p.strip()])
        if args.trend_100k:
            bench_trend(work, root=args.trend_root)


if __name__ == "__main__":
    main()
