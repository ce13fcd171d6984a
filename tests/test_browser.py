"""The real dashboard in a real browser: `streamlit run` in a subprocess, driven by Playwright in
Debian's headless Chromium. Skipped when Chromium is missing, except under CI, where it must run."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tracker import export
from tracker.present import badge
from tracker.status import all_statuses
from tracker.store import load_valid

from .helpers import REPO, edit

sys.path.insert(0, str(REPO / "scripts"))
from screenshot import CHROMIUM, CHROMIUM_ARGS, dashboard

pytestmark = pytest.mark.slow

AS_OF = "2021-06-30"
HOSTILE_NOTE = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2> [click](javascript:window.pwned=3)"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test, but {CHROMIUM} is missing; .ci/run installs it", pytrace=False)
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install -y chromium); the browser test needs it", allow_module_level=True
    )

playwright = pytest.importorskip("playwright.sync_api")


def settled(page: object, timeout: float = 60_000) -> None:
    """Wait until the page's script has finished running (the app root says so) and the main block has
    content: a check made before that sees a page half drawn, or the previous one."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid=stApp][data-test-script-state=notRunning] [data-testid=stMain] [data-testid=stVerticalBlock]",
        timeout=timeout,
    )


def wait_for_query(page: object, path: str, **params: str) -> None:
    """Wait until the URL is `path` with these query parameters, in any order: Streamlit writes the
    bound widgets' parameters into the URL after the page switch, not with it."""
    try:
        page.wait_for_function(  # type: ignore[attr-defined]
            """([path, params]) => location.pathname.endsWith(path)
                && Object.entries(params).every(([k, v]) => new URLSearchParams(location.search).get(k) === v)""",
            arg=[path, params],
            timeout=30_000,
        )
    except playwright.Error:
        shown = page.evaluate("location.pathname + location.search")  # type: ignore[attr-defined]
        heading = page.locator("h1").first.inner_text(timeout=5_000)  # type: ignore[attr-defined]
        pytest.fail(f"waited for {path} with {params}; the URL is {shown}, the page shows '{heading}'")


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
    # A contested supersession and a link between agreements, so that the lineage is on the pages
    # whatever the bundled data records (planted only where the data has none of its own).
    nov = root / "provisions" / "nov-2020.yaml"
    if "superseded_by:" not in "".join(p.read_text(encoding="utf-8") for p in (root / "provisions").glob("*.yaml")):
        edit(
            nov,
            "  - id: nov2020-9a\n",
            "  - id: nov2020-9a\n    superseded_by:\n      - provision: sochi2021-2\n        from: 2021-12-01\n"
            "        contested:\n          - actor: russia\n            from: 2021-12-02\n",
        )
    return root


@pytest.fixture(scope="module")
def lineage(hostile_root: Path) -> tuple[str, date]:
    """A provision superseded in part, and the date from which it is."""
    dataset = load_valid(hostile_root)
    pid, sup = next((pid, p.superseded_by[0]) for pid, p in dataset.provisions.items() if p.superseded_by)
    return pid, sup.from_


@pytest.fixture(scope="module")
def server(hostile_root: Path) -> Iterator[str]:
    # The same server the README picture and the page benchmark use (scripts/screenshot.py).
    with dashboard(hostile_root) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def table_text(page: object, header: str) -> list[str]:
    """The cells of the HTML table (dashboard/ui.py's html_table) that has a column `header`."""
    table = page.locator("table.at-table").filter(  # type: ignore[attr-defined]
        has=page.locator("th", has_text=header)  # type: ignore[attr-defined]
    )
    return table.first.locator("td").all_inner_texts()


# Words cut at the page's width, listed: (1) a box of HTML or markdown whose content is wider than the
# box (a cell whose words do not wrap, a line hidden by overflow or an ellipsis); (2) a cell of a data
# grid, which draws on a canvas with fixed column widths and cuts what does not fit, as it cut "Media,
# Organization for S…" in the Overview at 1400 px: the widest text of each column (its accessible cells
# carry the text), measured in the grid's own font, against the column's width (its edges are the lines
# drawn across the header).
CUT_WORDS = """() => {
  const cut = [];
  const main = document.querySelector('[data-testid=stMain]');
  for (const e of main.querySelectorAll('[data-testid=stHtml], [data-testid=stHtml] *, '
      + '[data-testid=stMarkdownContainer], [data-testid=stMarkdownContainer] *')) {
    if (!(e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)) continue;
    // What overflows a box it hides, or the element itself (wider than the page's column); a mark drawn a
    // few pixels past a line's end, inside the element, cuts no words.
    const css = getComputedStyle(e);
    const element = e.matches('[data-testid=stHtml], [data-testid=stMarkdownContainer]');
    if (element || css.overflowX !== 'visible' || css.textOverflow === 'ellipsis')
      cut.push(`${e.tagName} ${e.scrollWidth} > ${e.clientWidth} px: ${e.textContent.slice(0, 80)}`);
  }
  for (const grid of main.querySelectorAll('[data-testid=stDataFrame]')) {
    const css = getComputedStyle(grid.querySelector('.stDataFrameGlideDataEditor'));
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = css.getPropertyValue('--gdg-base-font-style').trim() + ' '
      + css.getPropertyValue('--gdg-font-family').trim();
    const pad = 2 * parseFloat(css.getPropertyValue('--gdg-cell-horizontal-padding') || '8');
    const widest = {}, text = {};
    for (const c of grid.querySelectorAll('[role=gridcell], [role=columnheader]')) {
      const i = Number(c.getAttribute('aria-colindex')), w = ctx.measureText(c.textContent).width + pad;
      if (w > (widest[i] || 0)) { widest[i] = w; text[i] = c.textContent; }
    }
    // The columns' edges: the lines across the top of the header row, where no text is drawn.
    const canvas = grid.querySelector('canvas[data-testid=data-grid-canvas]');
    const scale = canvas.width / canvas.clientWidth;
    const line = canvas.getContext('2d').getImageData(0, Math.round(3 * scale), canvas.width, 1).data;
    const colour = x => line.slice(4 * x, 4 * x + 3).join();
    const counts = {};
    for (let x = 0; x < canvas.width; x++) counts[colour(x)] = (counts[colour(x)] || 0) + 1;
    const background = Object.keys(counts).reduce((a, b) => counts[a] >= counts[b] ? a : b);
    const edges = [0];
    for (let x = 2; x < canvas.width - 2; x++)
      if (colour(x) !== background && colour(x - 1) === background) edges.push(x / scale);
    edges.push(canvas.clientWidth);
    const columns = Object.keys(widest).map(Number).sort((a, b) => a - b);
    if (edges.length - 1 === columns.length) {
      columns.forEach((i, k) => {
        const room = edges[k + 1] - edges[k];
        if (widest[i] > room + 1)
          cut.push(`a data grid's column ${i} is ${Math.round(room)} px wide, and cuts '${text[i].slice(0, 80)}' `
            + `(${Math.round(widest[i])} px)`);
      });
    } else {  // the edges not found: at least, the widest words of every column must fit side by side
      const need = Object.values(widest).reduce((a, b) => a + b, 0);
      if (need > canvas.clientWidth + 1)
        cut.push(`a data grid needs ${Math.round(need)} px for its words and has ${canvas.clientWidth}; its `
          + 'widest: ' + Object.values(text).map(t => t.slice(0, 60)).join(' | '));
    }
  }
  return cut;
}"""


def test_overview_then_provision_in_a_real_browser(
    server: str, browser: object, hostile_root: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    started = time.perf_counter()
    page.goto(f"{server}/?as_of={AS_OF}")
    page.get_by_text("Is the agreement being carried out?").wait_for(timeout=60_000)
    page.locator("table.at-table").first.wait_for(timeout=60_000)
    print(f"overview, first session after the server started: {time.perf_counter() - started:.2f} s")
    second = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    started = time.perf_counter()
    second.goto(f"{server}/?as_of={AS_OF}")
    second.locator("table.at-table").first.wait_for(timeout=60_000)
    print(f"overview, a new visitor on a running server: {time.perf_counter() - started:.2f} s")
    second.close()

    # Every provision is listed with the status the engine gives it.
    dataset = load_valid(hostile_root)
    expected = {s.provision_id: badge(s.status) for s in all_statuses(dataset, date.fromisoformat(AS_OF))}
    page.wait_for_function("n => document.querySelectorAll('table.at-table td').length > n", arg=len(expected))
    cells = table_text(page, "title")
    for pid, label in expected.items():
        assert pid in cells, f"{pid} not listed on the overview"
        row = cells[cells.index(pid) :]
        assert any(c.startswith(label) for c in row[:4]), f"{pid}: '{label}' not shown next to it"

    # The status CSV the page offers is byte for byte `tracker export`. Clicked once the run is over: a
    # click during a run may be lost (1 run in 20 waited for a download that never started).
    settled(page)
    opener = page.get_by_role("button", name="Download CSV")  # the popover in the sidebar
    button = page.get_by_role("button", name="Status CSV")
    for _ in range(3):
        # A click on a button the popover has only just drawn, or one the run redraws, can be lost (1 run
        # in about 15 under load waited a minute for a download that never started): click it once it
        # is visible and the run is over, and, if no download starts, open the popover and click again.
        if not button.is_visible():
            opener.click()
        button.wait_for(state="visible", timeout=30_000)
        settled(page)
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            break
        except playwright.Error:
            continue
    else:
        pytest.fail("three clicks on Status CSV started no download")
    saved = tmp_path / "status.csv"
    download.value.save_as(saved)
    # Close the popover (a click on the page would only close it), and see it closed: a key pressed
    # while the download's rerun redraws the sidebar may be lost, so press again until it is.
    for _ in range(10):
        page.keyboard.press("Escape")
        try:
            page.get_by_role("button", name="Status CSV").wait_for(state="hidden", timeout=3_000)
            break
        except playwright.Error:
            continue
    else:
        pytest.fail("the Download CSV popover stays open after Escape")
    assert saved.read_bytes() == export.csv_bytes(export.status_table(dataset, date.fromisoformat(AS_OF)))

    # A click on the title of a row opens that provision, at the same date. The download may have rerun
    # the page: wait until that run is over, or the click may land on a table about to be replaced.
    settled(page)
    third = list(expected)[2]
    table = page.locator("table.at-table").filter(has=page.locator("th", has_text="title")).first
    row = table.locator("tr").filter(has=page.locator("td", has_text=third)).first
    row.locator("td").nth(1).click()  # the title, not the id
    wait_for_query(page, "/provision", id=third, as_of=AS_OF)
    settled(page)
    page.get_by_text("Status as of").wait_for(timeout=30_000)

    # Navigate through the UI to a provision and open the one with the planted note.
    page.locator("[data-testid=stSidebarNav] a", has_text="Provision").click()
    wait_for_query(page, "/provision", as_of=AS_OF)
    settled(page)
    page.get_by_text("Status as of").wait_for(timeout=30_000)
    page.locator("[data-testid=stSelectbox]").first.click()
    page.keyboard.type("nov2020-1 ")
    page.keyboard.press("Enter")
    page.get_by_text("Complete ceasefire", exact=False).first.wait_for(timeout=30_000)
    wait_for_query(page, "/provision", id="nov2020-1", as_of=AS_OF)
    settled(page)
    # The first ten pieces of evidence are shown; E001, an early one, is among all of them.
    page.get_by_text("Show all", exact=False).first.click()
    page.get_by_text("E001", exact=False).first.wait_for(timeout=30_000)
    settled(page)
    page.get_by_text(HOSTILE_NOTE[:20], exact=False).first.wait_for(timeout=30_000)

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


PAGES = ["overview", "changes", "agreements", "provision", "evidence", "sources", "timeline", "suggest"]
# Widths of the page and of every data grid, content against box: wider content scrolls sideways.
WIDTHS = """() => ({
    main: [document.querySelector('[data-testid=stMain]').scrollWidth,
           document.querySelector('[data-testid=stMain]').clientWidth],
    grids: Array.from(document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller'))
        .map(e => [e.scrollWidth, e.clientWidth]),
})"""


@pytest.mark.parametrize("as_of", ["2020-12-31", "2022-12-31", "today"])
def test_every_page_reads_at_1400_px_without_scrolling_sideways(
    server: str, browser: object, lineage: tuple[str, date], as_of: str
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    day = date.today() if as_of == "today" else date.fromisoformat(as_of)
    superseded, since = lineage
    for name in PAGES:
        query = {} if as_of == "today" else {"as_of": as_of}
        if name == "provision":
            query["id"] = superseded
        search = "&".join(f"{k}={v}" for k, v in query.items())
        page.goto(f"{server}/{'' if name == 'overview' else name}" + (f"?{search}" if search else ""))
        settled(page)
        assert page.locator("[data-testid=stException]").count() == 0, f"{name} at {as_of}: an exception"
        widths = page.evaluate(WIDTHS)
        assert widths["main"][0] <= widths["main"][1], f"{name} at {as_of}: the page scrolls sideways"
        for content, box in widths["grids"]:
            assert content <= box + 1, f"{name} at {as_of}: a table scrolls sideways ({content} > {box} px)"
        # Every data grid drawn, with its cells (a grid mounts after the run is over).
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame]'))
                .every(g => g.querySelector('canvas[data-testid=data-grid-canvas] [role=gridcell]'))"""
        )
        page.wait_for_timeout(300)  # and painted
        cut = page.evaluate(CUT_WORDS)
        assert not cut, f"{name} at {as_of}: words cut at 1400 px: {cut}"
        text = page.locator("[data-testid=stMain]").inner_text()
        if name == "overview":
            assert "Over time" in text and "stale" in text
            # The trend is HTML: a column of parts per month, each saying what it is when hovered.
            assert page.locator("[data-testid=stHtml] div[title*=': ✔ implemented, current: ']").count() > 0
            # The trend per party, a chart, is drawn when its expander is opened.
            page.get_by_text("Over time, by party obliged").click()
            page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg").first.wait_for()
        elif name == "changes":
            assert "status change" in text
            if "0 status changes" not in text:
                assert "Rests on" in text or "was signed" in text
        elif name == "provision":
            assert ("Lineage" in text and "superseded by" in text) == (day >= since), f"lineage at {as_of}"
        elif name == "agreements":
            assert "stage as of" in text
    assert not errors, errors
    page.close()
