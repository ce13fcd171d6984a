"""The real dashboard in a real browser: `streamlit run` in a subprocess, driven by Playwright in
Debian's headless Chromium. Skipped when Chromium is missing, except under CI, where it must run."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tracker import export
from tracker.status import STATUS_LABELS, all_statuses
from tracker.store import load_valid

from .helpers import REPO

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AS_OF = "2021-06-30"
HOSTILE_NOTE = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2> [click](javascript:window.pwned=3)"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test, but {CHROMIUM} is missing; .ci/run installs it", pytrace=False)
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium); the browser test needs it",
                allow_module_level=True)

playwright = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data, with HTML and a javascript: link planted in one evidence note."""
    root = tmp_path_factory.mktemp("browser") / "data"
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    # E001's note, whatever its current wording (a folded note spans several lines), so that a correction
    # of the data never breaks this test.
    path = root / "evidence" / "russian-ministers-visit.yaml"
    text = path.read_text(encoding="utf-8")
    planted, count = re.subn(
        r"(  - id: E001\n(?:    (?!note:).*\n)*)    note: .*\n(?:      .*\n)*",
        lambda m: f"{m.group(1)}    note: '{HOSTILE_NOTE}'\n",
        text,
        count=1,
    )
    assert count == 1, "E001 has no note to replace"
    path.write_text(planted, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(hostile_root: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TRACKER_ROOT": str(hostile_root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"streamlit did not answer on {url}:\n{output}")
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def grid_text(page: object, header: str) -> list[str]:
    """The cells of the table that has a column `header`: the grid draws on a canvas, and its
    accessible cells carry the text."""
    table = page.locator("[data-testid=stDataFrame]").filter(  # type: ignore[attr-defined]
        has=page.locator("th[role=columnheader]", has_text=header)  # type: ignore[attr-defined]
    )
    return table.first.locator("[role=gridcell]").all_inner_texts()


def test_overview_then_provision_in_a_real_browser(
    server: str, browser: object, hostile_root: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    started = time.perf_counter()
    page.goto(f"{server}/?as_of={AS_OF}")
    page.get_by_text("Is the agreement being carried out?").wait_for(timeout=60_000)
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
    print(f"overview, first session after the server started: {time.perf_counter() - started:.2f} s")
    second = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    started = time.perf_counter()
    second.goto(f"{server}/?as_of={AS_OF}")
    second.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
    print(f"overview, a new visitor on a running server: {time.perf_counter() - started:.2f} s")
    second.close()

    # Every provision is listed with the status the engine gives it.
    dataset = load_valid(hostile_root)
    expected = {s.provision_id: STATUS_LABELS[s.status] for s in all_statuses(dataset, date.fromisoformat(AS_OF))}
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]').length > n", arg=len(expected)
    )
    cells = grid_text(page, "title")
    for pid, label in expected.items():
        assert pid in cells, f"{pid} not listed on the overview"
        row = cells[cells.index(pid) :]
        assert any(c.endswith(label) for c in row[:6]), f"{pid}: '{label}' not shown next to it"

    # The status CSV the page offers is byte for byte `tracker export`.
    with page.expect_download() as download:
        page.get_by_role("button", name="Status CSV").click()
    saved = tmp_path / "status.csv"
    download.value.save_as(saved)
    assert saved.read_bytes() == export.csv_bytes(export.status_table(dataset, date.fromisoformat(AS_OF)))

    # Selecting a row of the overview opens that provision, at the same date.
    table = page.locator("[data-testid=stDataFrame]").filter(
        has=page.locator("th[role=columnheader]", has_text="title")
    ).first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    third = list(expected)[2]
    page.mouse.click(box["x"] + 15, box["y"] + 35 * 3 + 17)  # the row's selection box (rows are 35 px)
    page.wait_for_url(f"**/provision?id={third}*", timeout=30_000)
    assert f"as_of={AS_OF}" in page.url
    page.get_by_text("Status as of").wait_for(timeout=30_000)

    # Navigate through the UI to a provision and open the one with the planted note.
    page.locator("[data-testid=stSidebarNav] a", has_text="Provision").click()
    page.get_by_text("Status as of").wait_for(timeout=30_000)
    assert f"as_of={AS_OF}" in page.url
    page.locator("[data-testid=stSelectbox]").first.click()
    page.keyboard.type("nov2020-1 ")
    page.keyboard.press("Enter")
    page.get_by_text("Complete ceasefire", exact=False).first.wait_for(timeout=30_000)
    page.get_by_text("E001", exact=False).first.wait_for(timeout=30_000)
    assert "id=nov2020-1" in page.url

    # The planted HTML is shown as text and runs nothing; the javascript: link is not a link.
    body = page.locator("[data-testid=stMain]").inner_text()
    assert "<script>window.pwned=1</script>" in body
    assert page.evaluate("window.pwned") is None
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("[data-testid=stMain] img[src=x]").count() == 0
    assert not errors, errors

    page.screenshot(path=str(tmp_path / "provision.png"), full_page=True)
    assert (tmp_path / "provision.png").stat().st_size > 10_000
    page.close()
