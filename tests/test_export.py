"""CSV export: the columns analysts paste into reports, and cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tracker import export
from tracker.store import load_valid

from .helpers import REPO, TODAY, D, edit

STATUS_COLUMNS = [
    "as_of",
    "agreement",
    "provision_id",
    "point",
    "title",
    "category",
    "parties",
    "status",
    "status_since",
    "deadline",
    "deadline_state",
    "evidence_count",
    "n_implemented",
    "n_progress",
    "n_stalled",
    "n_disputed",
    "n_violated",
    "n_context",
    "latest_claim",
    "stale",
    "superseded_by",
]


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://x","y")',
        "@SUM(A1)",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "\tleading tab",
        "\rcarriage",
        "\uff1dfullwidth",
    ],
)
def test_formula_like_cells_are_neutralised(payload):
    assert export.neutralise(payload) == "'" + payload


def test_ordinary_text_and_numbers_are_untouched():
    assert export.neutralise("Aghdam returned") == "Aghdam returned"
    assert export.neutralise(-3) == -3


def test_status_table_has_one_row_per_provision_with_the_documented_columns():
    ds = load_valid(REPO, today=TODAY)
    frame = export.status_table(ds, D("2021-06-30"))
    # Methodology v2: provisions of agreements signed after the date are not rows.
    assert len(frame) == len([p for p in ds.provisions if ds.agreement_of(p).date <= D("2021-06-30")])
    assert set(STATUS_COLUMNS) <= set(frame.columns)
    row = frame.set_index("provision_id").loc["nov2020-6a"]
    assert row["status"] == "implemented" and row["status_since"] == "2020-11-25"
    assert row["deadline"] == "2020-11-25" and row["deadline_state"] == "met"  # entered on the amended date
    assert row["parties"] == "armenia"
    assert row["evidence_count"] == row[[c for c in frame.columns if c.startswith("n_")]].sum()


def test_status_counts_only_evidence_up_to_the_date():
    ds = load_valid(REPO, today=TODAY)
    early = export.status_table(ds, D("2020-11-21")).set_index("provision_id")
    late = export.status_table(ds, D("2024-01-01")).set_index("provision_id")
    assert early.loc["nov2020-1", "evidence_count"] < late.loc["nov2020-1", "evidence_count"]


def test_evidence_table_records_where_each_quote_sits_in_its_article():
    ds = load_valid(REPO, today=TODAY)
    rows = read_csv(export.csv_bytes(export.evidence_table(ds)))
    assert len(rows) == len(ds.evidence)
    for row in rows:
        if row["kind"] == "event":  # reported events have no stored article, only URLs and a summary
            assert row["url"].startswith("http") and row["summary"] and not row["article_file"]
            continue
        article = (REPO / row["article_file"]).read_text(encoding="utf-8")
        start, end = int(row["char_start"]), int(row["char_end"])
        assert article[start:end].split()[0].strip("“\"'") == row["quote"].split()[0].strip("“\"'")
        assert row["kind"] == "quote"


def test_a_quote_written_as_a_formula_is_neutralised_in_the_csv(data_root: Path):
    article = data_root / "evidence" / "articles" / "000_6b2447b7a3177c8d.txt"
    article.write_bytes(article.read_bytes() + b'\n=HYPERLINK("http://evil","click")\n')
    edit(
        data_root / "evidence" / "russian-ministers-visit.yaml",
        "evidence:\n",
        """evidence:
  - id: E099
    quote: "=HYPERLINK(\\"http://evil\\",\\"click\\")"
    provisions: [nov2020-1]
    stance: context
    claimant: "@SUM(1)"
    side: media
    event_date: 2020-11-22
""",
    )
    ds = load_valid(data_root, today=TODAY)
    rows = {r["evidence_id"]: r for r in read_csv(export.csv_bytes(export.evidence_table(ds)))}
    assert rows["E099"]["quote"].startswith("'=HYPERLINK")
    assert rows["E099"]["claimant"] == "'@SUM(1)"


def test_status_csv_has_freshness_and_supersession_columns():
    from tracker.models import Supersession

    from .rules_helpers import add_later_agreement, replace_provision, scenario

    ds = scenario([("E1", "2020-02-01", "east", "stalled")], obligation="ongoing")
    add_later_agreement(ds, "2021-06-01")
    replace_provision(ds, superseded_by=[Supersession(provision="b-1", from_=D("2021-07-01"))])
    frame = export.status_table(ds, D("2022-01-01")).set_index("provision_id")
    assert frame.loc["p", "latest_claim"] == "2020-02-01" and bool(frame.loc["p", "stale"])
    assert frame.loc["p", "superseded_by"] == "b-1 from 2021-07-01"
    assert frame.loc["b-1", "latest_claim"] == "" and not frame.loc["b-1", "stale"]
