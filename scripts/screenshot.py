"""Screenshots of the running dashboard in headless Chromium: the README picture in one command.

    python scripts/screenshot.py                      # docs/dashboard-overview.png, /?as_of=2022-12-31
    python scripts/screenshot.py --page evidence --as-of 2020-12-31 --output /tmp/evidence.png
    python scripts/screenshot.py --all --as-of 2022-12-31 --output /tmp/shots   # every page, one file each

It starts `streamlit run dashboard/app.py` on a free local port, opens the page at 1400 x 1350 in
Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) through Playwright, waits until the page has
finished running, and saves a PNG. The server is stopped afterwards.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGES = ["overview", "provision", "evidence", "changes", "agreements", "sources", "timeline", "suggest"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(root: Path | None = None, app: Path = REPO / "dashboard" / "app.py") -> Iterator[str]:
    """A running dashboard (or any Streamlit script): yields its URL, stops it on exit."""
    port = free_port()
    env = {**os.environ}
    if root is not None:
        env["TRACKER_ROOT"] = str(root)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(app),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"streamlit did not answer on {url}:\n{output}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def settled(page: object, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the page's script (the app root says so in its
    data-test-script-state attribute) and the main block has content, then let the charts draw."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid=stApp][data-test-script-state=notRunning] [data-testid=stMain] [data-testid=stVerticalBlock]",
        timeout=timeout,
    )
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # vega draws after the run ends


def shoot(url: str, output: Path, *, width: int = 1400, height: int = 1000, full_page: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        settled(page)
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output), full_page=full_page)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", default="overview", choices=PAGES)
    parser.add_argument("--all", action="store_true", help="every page; --output is then a folder")
    parser.add_argument("--as-of", default="2022-12-31")
    parser.add_argument("--query", default="", help="more query parameters, e.g. 'id=nov2020-6c'")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "dashboard-overview.png")
    parser.add_argument("--root", type=Path, default=None, help="data root (default: the bundled data)")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1350, help="the README picture: down to the trend chart")
    args = parser.parse_args()
    with dashboard(args.root) as url:
        pages = PAGES if args.all else [args.page]
        for name in pages:
            path = "" if name == "overview" else name
            query = f"as_of={args.as_of}" + (f"&{args.query}" if args.query else "")
            output = args.output / f"{name}-{args.as_of}.png" if args.all else args.output
            shoot(f"{url}/{path}?{query}", output, width=args.width, height=args.height, full_page=args.full_page)
            print(f"wrote {output}")


if __name__ == "__main__":
    main()
