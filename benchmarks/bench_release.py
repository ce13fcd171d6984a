"""Times `tracker release` beside `tracker validate` on the same data, and the static site's weight and
page loads in Chromium (not a test; figures go to docs/performance.md, section "Releases").

1. For each size (generated passages, benchmarks/generate.py) and for the bundled data: the wall time
   and peak resident memory of `tracker validate --root R` and of `tracker release OUT --root R`, each
   a command in its own process (bench_scale's launcher), median of --repeat runs, and their ratio;
   both cold (--no-cache) and with the cache on disk warm.
2. The release's weight: the whole folder, the site, the database.
3. Page loads: every page of the bundled release's site (or --pages of them, the largest first, for a
   generated one) served by a static server on 127.0.0.1 and opened in Debian's Chromium (Playwright);
   the navigation's duration (request start to the load event), median of --repeat loads per page.

Run: python benchmarks/bench_release.py [100000 ...] [--bundled] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_scale import _command  # noqa: E402  (the launcher that reports a command's peak memory)

REPO = HERE.parent
sys.path.insert(0, str(REPO / "scripts"))
from screenshot import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (Chromium's path and flags, set in one place)

AS_OF = "2025-06-30"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def commands(root: Path, workdir: Path, repeat: int) -> dict[str, Any]:
    """Both commands cold (--no-cache: every file parsed, as `validate` was measured before the cache on
    disk) and warm (the cache filled by a first, untimed run of each)."""
    out = workdir / "release"
    result: dict[str, Any] = {}
    for mode, extra in (("cold", ["--no-cache"]), ("warm", [])):
        if mode == "warm":  # fill the cache, untimed
            _command(["validate", "--root", str(root)])
        validate, release = [], []
        for _ in range(repeat):
            validate.append(_command(["validate", "--root", str(root), *extra]))
            if out.exists():
                shutil.rmtree(out)  # untimed: each run writes a fresh release
            release.append(_command(["release", str(out), "--root", str(root), "--as-of", AS_OF, *extra]))
        result[mode] = {
            "validate_s": statistics.median(r["wall"] for r in validate),
            "release_s": statistics.median(r["wall"] for r in release),
            "validate_mb": max(r["rss_mb"] for r in validate),
            "release_mb": max(r["rss_mb"] for r in release),
        }
        result[mode]["ratio"] = result[mode]["release_s"] / result[mode]["validate_s"]
    result |= {
        "release_bytes": _size(out),
        "site_bytes": _size(out / "site"),
        "db_bytes": _size(out / "tracker.db"),
        "pages": sum(1 for _ in (out / "site").rglob("*.html")),
        "largest_page_bytes": max(p.stat().st_size for p in (out / "site").rglob("*.html")),
    }
    return result


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def page_loads(site: Path, repeat: int, limit: int | None) -> dict[str, Any]:
    """Median load time of each page (ms) from a local static server, in Chromium."""
    from playwright.sync_api import sync_playwright

    pages = sorted(site.rglob("*.html"), key=lambda p: -p.stat().st_size)
    if limit:
        pages = pages[:limit]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    times: dict[str, float] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(base + "index.html")  # warm the browser process once (not the pages measured)
                for path in pages:
                    url = base + path.relative_to(site).as_posix()
                    runs = []
                    for _ in range(repeat):
                        page.goto("about:blank")
                        page.goto(url, wait_until="load")
                        runs.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].duration"))
                    times[path.relative_to(site).as_posix()] = statistics.median(runs)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    slowest = max(times, key=times.__getitem__)
    return {
        "pages_measured": len(times),
        "median_ms": statistics.median(times.values()),
        "max_ms": times[slowest],
        "slowest": slowest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, help="generated passages (e.g. 100000)")
    parser.add_argument("--bundled", action="store_true", help="measure the bundled data too")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=20, help="pages loaded for a generated release (largest first)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-release-"))
    rows = []
    targets: list[tuple[str, Path]] = [("bundled", REPO)] if args.bundled else []
    for size in args.sizes:
        root = workdir / f"data-{size}"
        if not root.exists():
            subprocess.run(
                [sys.executable, str(HERE / "generate.py"), str(root), "--passages", str(size)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        targets.append((f"{size:,} passages", root))
    for label, root in targets:
        w = workdir / label.split()[0].replace(",", "")
        w.mkdir(parents=True, exist_ok=True)
        result = commands(root, w, args.repeat)
        if Path(CHROMIUM).exists():
            result |= page_loads(w / "release" / "site", args.repeat, None if label == "bundled" else args.pages)
        rows.append((label, result))
        print(label, result, flush=True)
    print()
    print("| data | cache | validate | release | release / validate | peak MB validate / release |")
    print("|---|---|---|---|---|---|")
    for label, r in rows:
        for mode in ("cold", "warm"):
            m = r[mode]
            print(
                f"| {label} | {mode} | {m['validate_s']:.2f} s | {m['release_s']:.2f} s | {m['ratio']:.2f}x | "
                f"{m['validate_mb']:.0f} / {m['release_mb']:.0f} |"
            )
    print()
    print("| data | release size | site | database | pages | largest page | page load median / max |")
    print("|---|---|---|---|---|---|---|")
    for label, r in rows:
        load = f"{r['median_ms']:.0f} / {r['max_ms']:.0f} ms ({r['pages_measured']} pages)" if "max_ms" in r else "-"
        print(
            f"| {label} | {r['release_bytes'] / 1e6:.1f} MB | {r['site_bytes'] / 1e6:.2f} MB | "
            f"{r['db_bytes'] / 1e6:.1f} MB | {r['pages']} | {r['largest_page_bytes'] / 1e3:.0f} kB | {load} |"
        )


if __name__ == "__main__":
    main()
