"""The dashboard, run in-process with Streamlit's AppTest: every page, at several dates, with
filters, invalid data, edits on disk and hostile text."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tracker.export import evidence_table
from tracker.status import STATUS_LABELS, all_statuses, provision_status
from tracker.store import load, load_valid

from .helpers import REPO, edit, generated_root, open_dashboard

PAGES = [
    "views/overview.py",
    "views/changes.py",
    "views/agreements.py",
    "views/provision.py",
    "views/evidence.py",
    "views/sources.py",
    "views/timeline.py",
    "views/suggest.py",
]


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """Start the app on a data root with the given query parameters (the URL a user opened). The Add
    evidence page saves; read-only is tested in test_integrity_dashboard.py."""
    return functools.partial(open_dashboard, monkeypatch)


class _Tables(HTMLParser):
    """The tables of an HTML element made by ui.html_table: each a list of rows, each row its cells' text
    and the link the row opens (None if none)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[tuple[list[str], str | None]]] = []
        self.cell: list[str] | None = None
        self.row: list[str] = []
        self.href: str | None = None
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.inside = dict(attrs).get("class") == "at-table"
            if self.inside:
                self.tables.append([])
        elif not self.inside:
            return
        elif tag == "tr":
            self.row, self.href = [], None
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "a" and self.cell is not None and dict(attrs).get("href", "").startswith("provision?"):
            self.href = dict(attrs)["href"]

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr":
            self.tables[-1].append((self.row, self.href))

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def html_tables(at: AppTest) -> list[tuple[pd.DataFrame, list[str | None]]]:
    """Every table drawn in HTML on the page, as a frame, with the link each row opens."""
    found = []
    for element in at.get("html"):
        parser = _Tables()
        parser.feed(element.proto.body)
        for table in parser.tables:
            (header, _), *rows = table
            found.append((pd.DataFrame([cells for cells, _ in rows], columns=header), [href for _, href in rows]))
    return found


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The table (a data grid or an HTML table) that has a column `column`."""
    frames = [f.value for f in at.dataframe] + [frame for frame, _ in html_tables(at)]
    for frame in frames:
        if column in frame.columns:
            return frame
    raise AssertionError(f"no table with a '{column}' column; tables: {[list(f.columns) for f in frames]}")


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [c.value for c in at.code]
    parts += [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.style = False
        if tag in ("p", "div", "li", "tr", "h3", "details", "summary"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.style:
            self.parts.append(data)


def html_text(at: AppTest) -> str:
    """The text of the page's HTML elements, as a reader sees it (markup and styles left out)."""
    parser = _Text()
    for element in at.get("html"):
        parser.feed(element.proto.body)
    return "".join(parser.parts)


def expected_badges(as_of: date) -> dict[str, str]:
    import sys

    sys.path.insert(0, str(REPO / "dashboard"))
    import ui

    dataset = load_valid(REPO)
    return {s.provision_id: ui.badge(s.status) for s in all_statuses(dataset, as_of)}


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("as_of", ["2020-12-31", "2022-12-31", "today"])
def test_every_page_renders_without_exception_at_three_dates(
    open_app: Callable[..., AppTest], page: str, as_of: str
) -> None:
    at = open_app(page=page) if as_of == "today" else open_app(page=page, as_of=as_of)
    assert not at.error
    expected = date.today() if as_of == "today" else date.fromisoformat(as_of)
    assert at.date_input(key="as_of").value == expected


@pytest.mark.parametrize("as_of", ["2021-06-30", "2026-11-22"])
def test_overview_lists_every_provision_with_the_engines_status(open_app: Callable[..., AppTest], as_of: str) -> None:
    at = open_app(as_of=as_of)
    table = table_with(at, "status")
    shown = dict(zip(table["provision"], table["status"], strict=True))
    expected = expected_badges(date.fromisoformat(as_of))
    assert set(shown) == set(expected)
    assert all(shown[pid].split(" since ")[0].rstrip("*") == badge for pid, badge in expected.items())


def test_overview_before_the_agreement_shows_every_provision_not_started(open_app: Callable[..., AppTest]) -> None:
    # Signed on 9 November 2020, in force the next day. Methodology v2: agreements signed later are not listed.
    at = open_app(as_of="2020-11-09")
    table = table_with(at, "status")
    dataset = load_valid(REPO)
    signed = {p for p in dataset.provisions if dataset.agreement_of(p).date <= date(2020, 11, 9)}
    assert set(table["provision"]) == signed
    assert all(cell.startswith("○ not started") for cell in table["status"])


def test_overview_status_reads_without_colour_and_matches_a_known_handover(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2021-06-30")
    table = table_with(at, "status")
    row = table[table["provision"] == "nov2020-2"].iloc[0]
    assert row["status"].startswith("✔ implemented since ")  # symbol and word: legible in greyscale and dark mode


def test_overview_filters_narrow_the_table(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2021-06-30")
    everything = table_with(at, "status")
    at.multiselect(key="agreement").set_value(["jan2021"]).run()
    only_jan = table_with(at, "status")
    assert set(only_jan["provision"]) == {p for p in everything["provision"] if p.startswith("jan2021")}
    assert 0 < len(only_jan) < len(everything)

    at.multiselect(key="agreement").set_value([]).run()
    at.multiselect(key="status").set_value(["implemented"]).run()
    implemented = table_with(at, "status")
    assert len(implemented) and all(c.startswith("✔ implemented") for c in implemented["status"])

    at.multiselect(key="status").set_value([]).run()
    at.selectbox(key="party").set_value("russia").run()
    russia = table_with(at, "status")
    dataset = load_valid(REPO)
    assert set(russia["provision"]) == {
        pid
        for pid, p in dataset.provisions.items()
        if "russia" in p.parties and dataset.agreement_of(pid).date <= date(2021, 6, 30)  # signed by then (v2)
    }


def test_overview_filters_are_read_from_the_url(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2021-06-30", agreement="jan2021")
    assert set(table_with(at, "status")["provision"]) <= {f"jan2021-{n}" for n in range(1, 10)}


def test_overview_per_party_view_gives_counts_not_a_score(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2021-06-30")
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Armenia — ") and "obligations" in label for label in labels)
    assert any(label.startswith("Azerbaijan — ") for label in labels)
    assert not any("%" in label or "score" in label.lower() for label in labels)


# --------------------------------------------------------------------------- provision


def test_provision_page_shows_text_reasons_and_quote_in_context(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/provision.py", as_of="2021-06-30", id="nov2020-6c")
    text = all_text(at)
    assert "nov2020\\-6c" in at.title[0].value
    assert "Lachin Corridor" in text
    # Whatever the data says at that date (corrections of the data must not break this test).
    status = provision_status(load_valid(REPO), "nov2020-6c", date(2021, 6, 30))
    assert f"{STATUS_LABELS[status.status]} since" in text
    # The quote is highlighted inside its sentences.
    assert "<mark " in "".join(e.proto.body for e in at.get("html"))
    assert at.selectbox(key="provision_pick").value == "nov2020-6c"


def test_provision_page_picking_another_provision_changes_the_page(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/provision.py", as_of="2021-06-30", id="nov2020-6c")
    at.selectbox(key="provision_pick").set_value("nov2020-2").run()
    assert "nov2020\\-2" in at.title[0].value
    assert at.query_params["id"] == ["nov2020-2"] or at.query_params["id"] == "nov2020-2"


def test_provision_page_shows_assessed_status_beside_the_derived_one(
    open_app: Callable[..., AppTest], data_root: Path
) -> None:
    (data_root / "evidence" / "assessments.yaml").write_text(
        "assessments:\n"
        "  - id: ATEST\n"
        "    provision: nov2020-2\n"
        "    date: 2021-03-01\n"
        "    status: lapsed\n"
        "    rationale: Test rationale.\n"
        "    analyst: Tester\n",
        encoding="utf-8",
    )
    at = open_app(data_root, page="views/provision.py", as_of="2021-06-30", id="nov2020-2")
    text = all_text(at)
    assert "Assessed: — lapsed" in text
    assert "Derived from the evidence: ✔ implemented" in text
    assert "Test rationale" in text


# --------------------------------------------------------------------------- evidence, sources, timeline


def test_evidence_page_search_and_filters(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/evidence.py", as_of="2021-06-30", layout="table")
    everything = table_with(at, "evidence_id")
    at.text_input(key="q").input("Kalbajar").run()
    found = table_with(at, "evidence_id")
    assert 0 < len(found) < len(everything)
    full = evidence_table(load_valid(REPO), date(2021, 6, 30))
    matching = {r.evidence_id for r in full.itertuples() if "kalbajar" in " ".join(map(str, r)).casefold()}
    assert set(found["evidence_id"]) <= matching

    at.text_input(key="q").input("").run()
    at.multiselect(key="stance").set_value(["violated"]).run()
    assert set(table_with(at, "evidence_id")["stance"]) == {"violated"}


def test_evidence_page_date_range_excludes_later_evidence(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/evidence.py", as_of="2021-06-30", to="2020-11-30", layout="table")
    table = table_with(at, "evidence_id")
    dated = table[table["event_date"].str.match(r"\d{4}-")]
    assert len(dated) and (dated["event_date"] <= "2020-11-30").all()


def test_sources_page_counts_passages_and_warns_on_one_sided_statuses(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/sources.py", as_of="2021-06-30")
    articles = table_with(at, "passages")
    dataset = load_valid(REPO)
    on_or_before = [
        i
        for i in dataset.evidence.values()
        if not i.is_event and (not i.dated or i.evidence.event_date <= date(2021, 6, 30))
    ]
    assert articles["passages"].astype(int).sum() == len(on_or_before)
    rests = table_with(at, "rests on")
    one_sided = [s.provision_id for s in all_statuses(dataset, date(2021, 6, 30)) if s.one_sided and s.reasons]
    assert set(rests[rests["warning"] != ""]["provision"]) == set(one_sided)
    if one_sided:
        assert any("one party only" in w.value for w in at.warning)


def test_timeline_draws_a_chart(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/timeline.py", as_of="2024-12-31")
    drawn = "".join(e.proto.body for e in at.get("html"))
    marks = re.findall(r'<i class="([qe]) [^"]*" style="left:([\d.]+)%" title="([^"]+)"', drawn)
    assert marks, "no mark on the timeline page"
    # Every mark is inside the axis (signature to the as-of date) and says what it is.
    assert all(0 <= float(at_) <= 100 and re.match(r"E|EV", tip) for _, at_, tip in marks)
    assert {kind for kind, *_ in marks} == {"q", "e"}  # quotes and reported events, drawn apart
    assert "dated pieces of evidence" in all_text(at)


# --------------------------------------------------------------------------- data problems and edits


@pytest.mark.parametrize("page", PAGES)
def test_invalid_data_shows_the_located_errors_on_every_page(
    open_app: Callable[..., AppTest], data_root: Path, page: str
) -> None:
    edit(data_root / "evidence" / "russian-ministers-visit.yaml", "stance: implemented", "stance: implemnted")
    at = open_app(data_root, page=page)
    assert at.error and "problem" in at.error[0].value
    assert any("russian-ministers-visit.yaml:" in c.value and "implemnted" in c.value for c in at.code)
    assert not at.dataframe


def test_an_edit_on_disk_shows_on_the_next_rerun(open_app: Callable[..., AppTest], data_root: Path) -> None:
    at = open_app(data_root, as_of="2021-06-30")
    path = data_root / "provisions" / "nov-2020.yaml"
    edit(path, "title: Aghdam district returned to Azerbaijan by 20 November 2020", "title: Aghdam handed back")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # coarse file-system clocks
    at.run()
    table = table_with(at, "title")
    assert "Aghdam handed back" in set(table["title"])


# --------------------------------------------------------------------------- hostile text

PAYLOADS = [
    "<script>window.pwned=1</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "![x](https://example.invalid/x.png)",
    ":red[styled] $x^2$ **bold**",
]


def test_text_from_yaml_is_escaped_on_the_provision_page(open_app: Callable[..., AppTest], data_root: Path) -> None:
    note = " ".join(PAYLOADS)
    # E001's note, whatever its current wording (a folded note spans several lines).
    path = data_root / "evidence" / "russian-ministers-visit.yaml"
    planted, count = re.subn(
        r"(  - id: E001\n(?:    (?!note:).*\n)*)    note: .*\n(?:      .*\n)*",
        lambda m: m.group(1) + f"    note: {note!r}\n".replace("'", '"'),
        path.read_text(encoding="utf-8"),
        count=1,
    )
    assert count == 1, "E001 has no note to replace"
    path.write_text(planted, encoding="utf-8")
    at = open_app(data_root, page="views/provision.py", as_of="2021-06-30", id="nov2020-1", all_evidence="true")
    # The cards are HTML: every markup character escaped, so markdown's syntax is plain text there.
    rendered = "".join(e.proto.body for e in at.get("html"))
    assert "&lt;script&gt;" in rendered and "<script>" not in rendered
    assert "<img" not in rendered
    assert 'href="javascript' not in rendered and "[click me](javascript:" in rendered
    assert "<a " not in rendered.split("Note: ", 1)[1].split("</p>", 1)[0]  # no link made of the note


def test_a_hostile_title_stays_text_in_tables_and_headings(open_app: Callable[..., AppTest], data_root: Path) -> None:
    edit(
        data_root / "provisions" / "nov-2020.yaml",
        "title: Aghdam district returned to Azerbaijan by 20 November 2020",
        'title: "<script>alert(1)</script> [x](javascript:alert(1))"',
    )
    at = open_app(data_root, page="views/provision.py", as_of="2021-06-30", id="nov2020-2")
    assert "&lt;script&gt;" in at.title[0].value and "<script>" not in at.title[0].value
    at = open_app(data_root, as_of="2021-06-30")
    # Tables show the raw string, which Streamlit's data grid renders as text, never as markup.
    assert "<script>alert(1)</script> [x](javascript:alert(1))" in set(table_with(at, "title")["title"])


def test_article_text_around_a_quote_is_escaped(open_app: Callable[..., AppTest], data_root: Path) -> None:
    article = data_root / "evidence" / "articles" / "000_6b2447b7a3177c8d.txt"
    text = article.read_text(encoding="utf-8")
    text = text.replace(
        "Shoygu stated that the ceasefire",
        "<img src=x onerror=alert(1)> [x](javascript:alert(1)). Shoygu stated that the ceasefire",
        1,
    )
    article.write_text(text, encoding="utf-8")
    at = open_app(data_root, page="views/provision.py", as_of="2021-06-30", id="nov2020-1", all_evidence="true")
    cards = "".join(e.proto.body for e in at.get("html"))
    context = next(p for p in cards.split("<p>") if "<mark " in p and "Shoygu stated" in p)
    assert "&lt;img src=x onerror=alert(1)&gt;" in context
    assert "<img" not in context and 'href="javascript' not in context


# --------------------------------------------------------------------------- suggest and save

ARTICLE = (
    "Azerbaijani troops entered the Kalbajar district on 25 November, the Defence Ministry said. "
    "The weather in Baku was mild all week."
)


def test_suggest_page_highlights_passages_and_saves_an_accepted_one(
    open_app: Callable[..., AppTest], data_root: Path
) -> None:
    at = open_app(data_root, page="views/suggest.py")
    at.text_area(key="suggest_text").input(ARTICLE).run()
    assert "1 of 2 passages bear on a provision" in [s.value for s in at.subheader]
    assert any(":orange-background[Azerbaijani troops" in m.value for m in at.markdown)

    at.checkbox(key="accept_0").check().run()
    assert "nov2020-6a" in at.multiselect(key="provisions_0").value
    at.text_input(key="suggest_title").input("Troops enter Kalbajar")
    at.text_input(key="suggest_outlet").input("Test Wire")
    at.date_input(key="suggest_published").set_value(date(2020, 11, 26))
    at.text_input(key="claimant_0").input("Test Wire defence correspondent")
    at.selectbox(key="side_0").set_value("azerbaijan")
    at.date_input(key="date_0").set_value(date(2020, 11, 25))
    at.button(key="suggest_save").click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error] + [c.value for c in at.code]

    dataset, problems = load(data_root)
    assert not problems
    new = [i for i in dataset.evidence.values() if i.evidence.claimant == "Test Wire defence correspondent"]
    assert len(new) == 1 and new[0].evidence.provisions[0] == "nov2020-6a"
    assert new[0].evidence.quote.startswith("Azerbaijani troops entered the Kalbajar district")
    assert not new[0].evidence.unconfirmed


def test_suggest_page_refuses_to_save_without_claimant_and_writes_nothing(
    open_app: Callable[..., AppTest], data_root: Path
) -> None:
    before = {p: p.read_bytes() for p in (data_root / "evidence").rglob("*") if p.is_file()}
    at = open_app(data_root, page="views/suggest.py")
    at.text_area(key="suggest_text").input(ARTICLE).run()
    at.checkbox(key="accept_0").check().run()
    at.button(key="suggest_save").click().run()
    assert at.error and "Nothing was saved" in at.error[0].value
    after = {p: p.read_bytes() for p in (data_root / "evidence").rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    ("page", "table_key", "marker", "id_column"),
    [("views/evidence.py", "evidence_table", "evidence_id", "provision_ids")],
)
def test_a_click_on_any_cell_of_a_row_opens_its_provision_at_the_same_date(
    open_app: Callable[..., AppTest], page: str, table_key: str, marker: str, id_column: str
) -> None:
    at = open_app(page=page, as_of="2022-12-31", layout="table")
    table = table_with(at, marker)
    expected = str(table.iloc[2][id_column]).split("; ")[0]
    column = str(table.columns[1])  # not the id: a click anywhere on the row
    at.session_state[table_key] = {"selection": {"rows": [], "columns": [], "cells": [(2, column)]}}
    at.run()
    assert not at.exception
    assert at.selectbox(key="provision_pick").value == expected
    assert at.date_input(key="as_of").value == date(2022, 12, 31)


@pytest.mark.parametrize(("page", "marker"), [("views/overview.py", "title"), ("views/overview.py", "due")])
@pytest.mark.parametrize("as_of", ["2022-12-31", "today"])
def test_every_row_of_an_html_table_opens_its_provision_at_the_same_date(
    open_app: Callable[..., AppTest], page: str, marker: str, as_of: str
) -> None:
    at = open_app(page=page) if as_of == "today" else open_app(page=page, as_of=as_of)
    frame, hrefs = next((frame, hrefs) for frame, hrefs in html_tables(at) if marker in frame.columns)
    assert len(frame)
    # Every cell of a row is a link to the provision (a click anywhere on the row); the date goes along,
    # except today's, which the page takes when the URL has none.
    date_part = "" if as_of == "today" else f"&as_of={as_of}"
    assert hrefs == [f"provision?id={pid}{date_part}" for pid in frame["provision"]]


# --------------------------------------------------------------------------- trend, changes, lineage


def test_overview_draws_the_trend_overall_and_per_party(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2022-12-31")
    assert "Over time" in [s.value for s in at.subheader]
    # The overall trend is HTML (ui.trend_html), one column per month; no chart until per party is opened.
    assert not at.get("vega_lite_chart")
    assert "stale" in all_text(at) and "2022-12-31: ✔ implemented, current: " in "".join(
        e.proto.body for e in at.get("html")
    )
    # The small charts per party obliged (one faceted chart), drawn when their expander is opened (its
    # state is kept in the URL, so a link reopens it).
    at = open_app(as_of="2022-12-31", party_trend="true")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    assert "facet" in charts[0].proto.spec


@pytest.mark.parametrize("stale", [0, 3])
def test_trend_html_stacks_each_months_counts_as_tall_as_their_share(stale: int) -> None:
    import sys

    sys.path.insert(0, str(REPO / "dashboard"))
    import ui

    from tracker.models import Status

    months = pd.to_datetime(["2021-01-31", "2021-02-28", "2021-03-15"])
    implemented, disputed = Status.IMPLEMENTED, Status.DISPUTED
    counts = [(implemented, 4), (disputed, 6)]
    rows = [(m, "all", ui.badge(s), "current", n, i * 2) for m in months for i, (s, n) in enumerate(counts)]
    if stale:
        rows.append((months[-1], "all", ui.badge(disputed), "stale", stale, 3))
    frame = pd.DataFrame(rows, columns=["month", "group", "status", "freshness", "provisions", "order"])
    out = ui.trend_html(frame, height=200)
    parts = re.findall(r'title="([^"]+)" style="height:([\d.]+)px', out)
    assert len(parts) == 6 + (1 if stale else 0)
    tallest = 10 + stale
    for tip, height in parts:
        n = int(tip.rsplit(": ", 1)[1])
        assert abs(float(height) - 200 * n / tallest) < 0.1
    assert ("opacity:0.35" in out.split("</div></div></div>")[0]) == bool(stale)  # stale parts faded


def test_timeline_shows_thirty_provisions_a_page(open_app: Callable[..., AppTest], tmp_path: Path) -> None:
    root = generated_root(tmp_path / "data", 200)  # two generated agreements of 20 provisions each
    at = open_app(root, page="views/timeline.py")

    def provisions_drawn() -> list[str]:
        drawn = "".join(e.proto.body for e in at.get("html"))
        return re.findall(r'<span class="pid" title="([^"]+)"', drawn)

    first = provisions_drawn()
    assert len(first) == 30
    at.number_input(key="timeline_page").set_value(2).run()
    second = provisions_drawn()
    assert len(second) == 10 and not set(first) & set(second)


def test_overview_party_lists_are_made_when_opened(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2021-06-30")
    assert not any("of evidence on its conduct" in c.value for c in at.caption)
    at.session_state["party_list_armenia"] = True
    at.run()
    armenia = next(e for e in at.expander if e.label.startswith("Armenia — "))
    assert any("of evidence on its conduct" in c.value for c in armenia.caption)
    assert any("since" in m.value for m in armenia.markdown)


def test_overview_deadlines_list_missed_and_pending_first(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2022-12-31")
    states = list(table_with(at, "due")["state"])
    rank = {"missed": 0, "pending": 1, "unknown": 2, "met late": 3, "met": 4}
    assert [rank[s] for s in states] == sorted(rank[s] for s in states)


def test_overview_says_one_obligation_not_one_obligations(open_app: Callable[..., AppTest]) -> None:
    at = open_app(as_of="2022-12-31")
    labels = [e.label for e in at.expander if " — " in e.label]  # each party's list
    assert labels
    assert not any(" 1 obligations" in label for label in labels)
    assert all(" obligation" in label for label in labels)


def test_changes_page_lists_the_librarys_changes_and_follows_the_url(open_app: Callable[..., AppTest]) -> None:
    from tracker.changes import changes

    at = open_app(page="views/changes.py", as_of="2022-12-31", changed_from="2022-01-01", provision="nov2020-6c")
    expected = changes(load_valid(REPO), date(2022, 1, 1), date(2022, 12, 31), provision="nov2020-6c")
    assert expected
    assert f"{len(expected)} status change" in all_text(at)
    text = html_text(at)
    for change in expected:
        assert f"{change.date} · nov2020-6c" in text
        for cause in change.causes:
            assert cause.id in text
    assert at.multiselect(key="provision").value == ["nov2020-6c"]


def test_agreements_page_shows_stages_links_and_provision_statuses(
    open_app: Callable[..., AppTest], data_root: Path
) -> None:
    # The agreement's own stages and links, whatever the bundled file has (it may have some already).
    sochi = data_root / "provisions" / "sochi-2021.yaml"
    bare = re.sub(r"^  (stages|links):\n(?:    .*\n)*", "", sochi.read_text(encoding="utf-8"), flags=re.M)
    sochi.write_text(bare, encoding="utf-8")
    edit(
        sochi,
        "  date: 2021-11-26\n",
        "  date: 2021-11-26\n  stages:\n    - stage: signed\n      date: 2021-11-26\n"
        "  links:\n    - type: references\n      agreement: nov2020\n      note: Reaffirms the statement.\n",
    )
    at = open_app(data_root, page="views/agreements.py", as_of="2022-12-31")
    text = html_text(at)
    assert "refers to Trilateral statement of 9/10 November 2020 (nov2020)" in text
    assert "Sochi" in text and "refers to this agreement" in text
    assert "signed 2021-11-26" in text
    assert re.search(r"\d+ provisions?: ", text)  # the box that opens on the provisions' statuses
    # Nothing before it exists: at the end of 2020 the 2021 statements are not listed.
    early_at = open_app(data_root, page="views/agreements.py", as_of="2020-12-31")
    early = all_text(early_at) + html_text(early_at)
    assert "sochi2021" not in early and "of a later date not shown" in early


def test_provision_page_shows_a_contested_supersession(open_app: Callable[..., AppTest], data_root: Path) -> None:
    edit(
        data_root / "provisions" / "nov-2020.yaml",
        "  - id: nov2020-9a\n    point: 9\n",
        "  - id: nov2020-9a\n    superseded_by:\n      - provision: sochi2021-2\n        from: 2021-12-01\n"
        "        contested:\n          - actor: russia\n            from: 2021-12-02\n    point: 9\n",
    )
    at = open_app(data_root, page="views/provision.py", as_of="2022-12-31", id="nov2020-9a")
    lineage = next(i.value for i in at.info if "Lineage" in i.value)
    assert "nov2020\\-9a superseded by sochi2021\\-2 \\(sochi2021\\) from 2021\\-12\\-01" in lineage
    assert "contested by Russia from 2021\\-12\\-02" in lineage
    before = open_app(data_root, page="views/provision.py", as_of="2021-11-30", id="nov2020-9a")
    assert not any("Lineage" in i.value for i in before.info)


def test_evidence_page_shows_the_words_first_as_cards(open_app: Callable[..., AppTest]) -> None:
    at = open_app(page="views/evidence.py", as_of="2021-06-30", stance="violated")
    frame = evidence_table(load_valid(REPO), date(2021, 6, 30))
    violated = frame[frame["stance"] == "violated"].sort_values(["event_date", "evidence_id"], ascending=False)
    first_words = (violated["quote"].where(violated["kind"] == "quote", violated["summary"])).str.split().str[0]
    text = html_text(at)
    assert all(word in text for word in first_words.head(5))  # the newest, on the first page
    assert not at.dataframe  # no table unless asked for


def test_sources_page_honours_the_as_of_date(open_app: Callable[..., AppTest]) -> None:
    dataset = load_valid(REPO)
    at = open_app(page="views/sources.py", as_of="2020-12-31")
    listed = set(table_with(at, "passages")["source"])
    for src in dataset.sources.values():
        if src.published != "unknown" and src.published > date(2020, 12, 31):
            assert src.id not in listed


def test_suggest_page_saves_an_article_whose_publication_date_is_unknown(
    open_app: Callable[..., AppTest], data_root: Path
) -> None:
    at = open_app(data_root, page="views/suggest.py")
    at.text_area(key="suggest_text").input(ARTICLE).run()
    at.checkbox(key="accept_0").check().run()
    at.text_input(key="suggest_title").input("Troops enter Kalbajar")
    at.text_input(key="suggest_outlet").input("Test Wire")
    at.checkbox(key="suggest_published_unknown").check()
    at.text_input(key="claimant_0").input("Test Wire defence correspondent")
    at.selectbox(key="side_0").set_value("azerbaijan")
    at.date_input(key="date_0").set_value(date(2020, 11, 25))
    at.button(key="suggest_save").click().run()
    assert at.success, [e.value for e in at.error]
    dataset, problems = load(data_root)
    assert not problems
    assert [s.published for s in dataset.sources.values() if s.title == "Troops enter Kalbajar"] == ["unknown"]


# --------------------------------------------------------------------------- status over time (HTML)


D = date.fromisoformat


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (  # one line: a past period (its last day said) and the current one
            [
                ("status", "2020-11-10", "2020-11-17", "no-evidence"),
                ("status", "2020-11-17", "2022-01-01", "implemented"),
            ],
            ["status, newest first: {implemented} 2020-11-17 · {no-evidence} 2020-11-10 to 2020-11-16"],
        ),
        (  # assessed: the derived line too, starting later than the band
            [
                ("status", "2020-11-10", "2022-01-01", "violated"),
                ("derived from evidence", "2021-01-01", "2022-01-01", "disputed"),
            ],
            [
                "status, newest first: {violated} 2020-11-10",
                "derived from evidence, newest first: {disputed} 2021-01-01",
            ],
        ),
    ],
)
def test_provision_status_bands_are_as_wide_as_their_days_and_say_their_periods(
    segments: list[tuple[str, str, str, str]], expected: list[str]
) -> None:
    import html
    import sys

    sys.path.insert(0, str(REPO / "dashboard"))
    import ui

    from tracker.models import Status

    rows = [{"line": line, "start": D(a), "end": D(b), "status": Status(s)} for line, a, b, s in segments]
    out = ui.status_bands_html(rows, D("2020-11-10"), D("2021-12-31"))  # `end` of the last: the day after
    badges = {s.value: ui.badge(s) for s in Status}
    for words in expected:
        assert words.format(**badges) in html.unescape(out)
    for row in rows:
        assert f"flex:{(row['end'] - row['start']).days} 0 0;background:{ui.STATUS_COLOURS[row['status']]}" in out


# --------------------------------------------------------------------------- counts per status (HTML)


@pytest.mark.parametrize(
    "counts",
    [
        {"implemented": 9, "in-progress": 3, "violated": 0},
        {"disputed": 1},
        {"no-evidence": 0},
    ],
)
def test_overview_counts_are_bars_in_the_charts_colours_as_long_as_their_share(counts: dict[str, int]) -> None:
    import html
    import sys

    sys.path.insert(0, str(REPO / "dashboard"))
    import ui

    from tracker.models import Status

    counted = {Status(s): n for s, n in counts.items()}
    out = ui.status_counts_html(counted)
    widest = max(counted.values()) or 1
    for status, n in counted.items():
        row = out.split(html.escape(ui.badge(status)), 1)[1].split("</tr>", 1)[0]
        assert f"<b>{n}</b>" in row  # the count in figures, read without colour
        bar = f"width:{round(100 * n / widest)}px;height:0.8em;background:{ui.STATUS_COLOURS[status]}"
        assert (bar in row) == bool(n)  # no bar for none; else the trend's own colour


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> " onmouseover="alert(3)'


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://example.org/a?b=1&c=2"])
def test_html_tables_and_cards_escape_the_data_and_link_only_http(url: str) -> None:
    import sys

    sys.path.insert(0, str(REPO / "dashboard"))
    import ui

    table = ui.html_table(
        [{"title": HOSTILE, "link": url, "provision": "p<1>"}],
        href=lambda row: ui.provision_href(date(2022, 12, 31), row["provision"]),
        links=("link",),
        notes={"title": HOSTILE},
    )
    links = ui.provision_links_html(date(2022, 12, 31), ["p&q"])
    card = ui.cards_html([ui.h(HOSTILE) + ui.html_link(HOSTILE, url) + links])
    for out in (table, card):
        body = out.split("</style>", 1)[1]
        assert "<script" not in body and "<img" not in body and 'onmouseover="' not in body
        assert "javascript:" not in body and "data:" not in body
        assert ("https://example.org/a?b=1&amp;c=2" in body) == url.startswith("https")
    assert 'href="provision?id=p%3C1%3E&amp;as_of=2022-12-31"' in table
    assert 'href="provision?id=p%26q&amp;as_of=2022-12-31"' in card


@pytest.mark.parametrize("page", PAGES)
def test_reruns_on_other_dates_leave_no_view_for_the_cyclic_collector(
    open_app: Callable[..., AppTest], page: str
) -> None:
    # A function defined in a page (its namespace and the function refer to each other) or a download's
    # callable holding the View put a date's View and statuses into reference cycles: they outlived their
    # rerun until a full collection, which then walked and freed tens of thousands of objects in one rerun
    # (0.1-0.3 s at 100k passages). Reference counting alone must free them.
    import gc

    gc.collect()  # what earlier tests left
    at = open_app(page=page, as_of="2022-12-31")
    views = {id(at.session_state["_view"])}  # ids only: a reference would keep them alive
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage instead of freed
    try:
        for day in (date(2021, 6, 30), date(2020, 12, 31), date(2023, 3, 1)):
            at.date_input(key="as_of").set_value(day)
            at.run()
            assert not at.exception
            views.add(id(at.session_state["_view"]))
        gc.collect()
        kept = [o for o in gc.garbage if id(o) in views and type(o).__qualname__ == "View"]
        assert not kept, f"{len(kept)} of this page's views were freed only by the cyclic collector"
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
