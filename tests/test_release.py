"""`tracker release` on a tiny data root: the tables, the data package (checked by `frictionless`), the
SQLite database (sqlite3, and Datasette when installed), the codebook, refusals, and the changes since
a previous release, which must list exactly the edits made between two releases."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tracker.cli import main
from tracker.store import load

from .helpers import edit

# Planted in titles, quotes and notes: every view must show them as text.
PAYLOAD = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>"
LINK_PAYLOAD = "javascript:window.pwned=3"
AS_OF = "2021-06-30"

ACTORS = """\
actors:
  - {id: east, name: "Eastland <b>bold</b>", kind: state, role: party}
  - {id: west, name: Westland, kind: state, role: party}
  - {id: media, name: Media, kind: generic, role: observer}
"""
AGREEMENT_TEXT = """\
# The tiny statement

1. The Parties shall cease fire along the line of contact.
2. The Parties shall exchange all prisoners within one month.
3. The Parties shall open the road.
"""
AGREEMENT = """\
agreement:
  id: tiny
  title: "The tiny statement <script>window.pwned=4</script>"
  short_title: Tiny statement
  date: 2021-01-10
  signatories:
    - {name: A, role: President, actor: east}
    - {name: B, role: President, actor: west}
  sources:
    - {id: T, title: The text, url: "https://example.org/tiny"}
  text_file: texts/tiny.md
  stages:
    - {stage: signed, date: 2021-01-10, source: "Wire <b>x</b>", url: "https://example.org/signed"}
  note: "A note with a payload: <img src=x onerror=window.pwned=5>"
provisions:
  - id: tiny-1
    point: 1
    title: Ceasefire
    text: The Parties shall cease fire along the line of contact.
    translation: T
    category: ceasefire
    parties: [east, west]
    obligation: ongoing
  - id: tiny-2
    point: 2
    title: "Prisoners <script>window.pwned=6</script>"
    text: The Parties shall exchange all prisoners within one month.
    translation: T
    category: prisoners
    parties: [east, west]
    obligation: one-off
    deadline: {within: 1 month}
  - id: tiny-3
    point: 3
    title: Road
    text: The Parties shall open the road.
    translation: T
    category: transport
    parties: [east]
    obligation: one-off
"""
ARTICLE = """\
Ceasefire holds, says Eastland

The guns fell silent on Monday. "The ceasefire is holding along the whole line," the minister said.
Officials added that <script>window.pwned=7</script> was typed into a press release by mistake.
Westland said that all prisoners were returned. Nobody else confirmed it.
"""
SOURCE = """\
source:
  id: art1
  title: "Ceasefire holds <img src=x onerror=window.pwned=8>"
  outlet: Daily
  published: 2021-02-01
  url: "https://example.org/a1"
  language: en
  text: articles/a1.txt
evidence:
  - id: E1
    quote: The ceasefire is holding along the whole line
    provisions: [tiny-1]
    stance: implemented
    claimant: the minister
    side: east
    event_date: 2021-02-01
  - id: E2
    quote: "<script>window.pwned=7</script> was typed into a press release"
    provisions: [tiny-1]
    stance: context
    claimant: officials
    side: east
    event_date: 2021-02-01
    note: "note <script>window.pwned=9</script>"
  - id: E3
    quote: all prisoners were returned
    provisions: [tiny-2]
    stance: implemented
    claimant: Westland
    side: west
    event_date: 2021-02-01
"""
EVENTS = """\
events:
  - id: EV1
    summary: "Shots reported near the line <script>window.pwned=10</script>."
    urls: ["https://example.org/ev1", 'https://example.org/ev1?a=1&b="x"<b>']
    outlet: Wire
    published: 2021-03-01
    provisions: [tiny-1]
    stance: violated
    claimant: Westland
    side: west
    concerns: [east]
    event_date: 2021-03-01
    verification: read
"""
ASSESSMENTS = """\
assessments: []
"""


def make_root(root: Path) -> Path:
    """The tiny data root: one agreement, three provisions, one article with three quotes, one event."""
    (root / "provisions" / "texts").mkdir(parents=True)
    (root / "evidence" / "articles").mkdir(parents=True)
    (root / "provisions" / "actors.yaml").write_text(ACTORS, encoding="utf-8")
    (root / "provisions" / "tiny.yaml").write_text(AGREEMENT, encoding="utf-8")
    (root / "provisions" / "texts" / "tiny.md").write_text(AGREEMENT_TEXT, encoding="utf-8")
    (root / "evidence" / "articles" / "a1.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "evidence" / "art1.yaml").write_text(SOURCE, encoding="utf-8")
    (root / "evidence" / "events-tiny.yaml").write_text(EVENTS, encoding="utf-8")
    (root / "evidence" / "assessments.yaml").write_text(ASSESSMENTS, encoding="utf-8")
    return root


def release(root: Path, out: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["release", str(out), "--root", str(root), "--as-of", AS_OF, *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="module")
def made(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "r1"
    release(tiny, out, "--version", "1.0")
    return out


def rows(out: Path, table: str) -> list[dict[str, str]]:
    with (out / "data" / f"{table}.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_fixture_is_valid(tiny: Path) -> None:
    assert load(tiny, today=date(2026, 1, 1))[1] == []


def test_tables_as_csv_with_bom_and_json(made: Path) -> None:
    raw = (made / "data" / "evidence.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_rows = rows(made, "evidence")
    json_rows = json.loads((made / "data" / "evidence.json").read_text(encoding="utf-8"))
    assert [r["evidence_id"] for r in csv_rows] == [r["evidence_id"] for r in json_rows] == ["E1", "E2", "E3", "EV1"]
    # The CSV is formula-safe; JSON keeps the text as is.
    statuses = {r["provision_id"]: r for r in rows(made, "statuses")}
    assert set(statuses) == {"tiny-1", "tiny-2", "tiny-3"}
    assert statuses["tiny-3"]["status"] == "no-evidence"
    history = rows(made, "status_history")
    assert {(r["provision_id"], r["status"]) for r in history} >= {("tiny-1", "disputed"), ("tiny-2", "implemented")}


def test_formula_cells_neutralised_in_csv_only(tiny: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    import shutil

    shutil.copytree(tiny, root)
    edit(root / "evidence" / "art1.yaml", 'note: "note <script>', 'note: "=HYPERLINK(1) <script>')
    out = tmp_path / "r"
    release(root, out)
    assert rows(out, "evidence")[1]["note"].startswith("'=HYPERLINK")
    assert json.loads((out / "data" / "evidence.json").read_text("utf-8"))[1]["note"].startswith("=HYPERLINK")


def test_datapackage_validates_with_frictionless(made: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(made / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    meta = json.loads((made / "datapackage.json").read_text("utf-8"))
    assert meta["version"] == "1.0" and meta["licenses"] and meta["sources"]
    resources = {r["name"]: r for r in meta["resources"]}
    assert resources["evidence"]["schema"]["primaryKey"] == ["evidence_id"]
    assert {"fields": ["provision_id"], "reference": {"resource": "provisions", "fields": ["provision_id"]}} in (
        resources["statuses"]["schema"]["foreignKeys"]
    )
    types = {f["name"]: f["type"] for f in resources["statuses"]["schema"]["fields"]}
    assert types["status_since"] == "date" and types["evidence_count"] == "integer"


def test_datapackage_catches_a_broken_foreign_key(made: Path, tmp_path: Path) -> None:
    """The test above is only worth something if frictionless checks the keys: break one and see."""
    frictionless = pytest.importorskip("frictionless")
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(made, copy)
    path = copy / "data" / "evidence_provisions.csv"
    path.write_text(path.read_text("utf-8-sig").replace("tiny-2", "nowhere-9"), encoding="utf-8-sig")
    assert not frictionless.validate(str(copy / "datapackage.json")).valid


def test_sqlite_keys_indexes_and_full_text_search(made: Path) -> None:
    con = sqlite3.connect(made / "tracker.db")
    try:
        hits = con.execute(
            "SELECT e.evidence_id FROM evidence_fts JOIN evidence e ON e.rowid = evidence_fts.rowid "
            "WHERE evidence_fts MATCH ? ORDER BY e.evidence_id",
            ("prisoners",),
        ).fetchall()
        assert hits == [("E3",)]
        assert con.execute(
            "SELECT evidence_id FROM evidence_fts JOIN evidence e ON e.rowid = evidence_fts.rowid "
            "WHERE evidence_fts MATCH 'shots'"
        ).fetchall() == [("EV1",)]
        assert con.execute("SELECT status FROM statuses WHERE provision_id = 'tiny-2'").fetchone() == ("implemented",)
        fks = con.execute("PRAGMA foreign_key_list(evidence_provisions)").fetchall()
        assert {fk[2] for fk in fks} == {"evidence", "provisions"}
        indexes = {r[1] for r in con.execute("PRAGMA index_list(evidence_provisions)")}
        assert "idx_evidence_provisions_provision_id" in indexes
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # Joins a reader would write: each provision's evidence.
        joined = con.execute(
            "SELECT p.provision_id, count(*) FROM provisions p JOIN evidence_provisions ep USING (provision_id) "
            "GROUP BY p.provision_id ORDER BY 1"
        ).fetchall()
        assert joined == [("tiny-1", 3), ("tiny-2", 1)]
    finally:
        con.close()


def test_datasette_opens_the_database_as_is(made: Path) -> None:
    app = pytest.importorskip("datasette.app")

    async def fetch() -> tuple[list[dict], list[dict]]:
        ds = app.Datasette([str(made / "tracker.db")])
        found = await ds.client.get("/tracker/evidence.json?_search=ceasefire&_shape=array")
        assert found.status_code == 200, found.text
        table = await ds.client.get("/tracker/statuses.json?_shape=array")
        return found.json(), table.json()

    found, statuses = asyncio.run(fetch())
    assert [r["evidence_id"] for r in found] == ["E1"]
    assert {r["provision_id"] for r in statuses} == {"tiny-1", "tiny-2", "tiny-3"}


def test_codebook_and_citation(made: Path) -> None:
    cff = yaml.safe_load((made / "CITATION.cff").read_text("utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["version"] == "1.0"
    assert str(cff["date-released"]) == AS_OF and cff["authors"]
    vocab = (made / "codebook" / "vocabularies.md").read_text("utf-8")
    from tracker.models import Stance, Status

    for member in [*Status, *Stance]:
        assert f"`{member.value}`" in vocab
    assert (made / "codebook" / "methodology.md").read_text("utf-8").startswith("# Methodology")


def test_refuses_invalid_data_with_the_located_list(tiny: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    edit(root / "evidence" / "art1.yaml", "stance: implemented", "stance: done")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["release", str(out), "--root", str(root), "--as-of", AS_OF])
    assert result.exit_code == 1
    assert "art1.yaml:" in result.output and "stance" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("content", ["notes.txt", "data/evidence.csv"])
def test_refuses_a_non_empty_folder_that_is_not_a_release(tiny: Path, tmp_path: Path, content: str) -> None:
    out = tmp_path / "out"
    (out / content).parent.mkdir(parents=True, exist_ok=True)
    (out / content).write_text("mine", encoding="utf-8")
    before = sorted(out.rglob("*"))
    result = CliRunner().invoke(main, ["release", str(out), "--root", str(tiny), "--as-of", AS_OF])
    assert result.exit_code == 1 and "not a previous release" in result.output
    assert (out / content).read_text("utf-8") == "mine" and sorted(out.rglob("*")) == before
    assert not list(tmp_path.glob(".out.*"))  # no half-built release left beside it
    # --force writes the release there and leaves unrelated files alone.
    release(tiny, out, "--force")
    assert (out / "datapackage.json").exists()
    if content == "notes.txt":
        assert (out / content).read_text("utf-8") == "mine"


def test_rewrites_a_previous_release_and_keeps_other_files(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    release(tiny, out, "--version", "1")
    (out / "CNAME").write_text("tracker.example.org", encoding="utf-8")  # a host's file, added by hand
    (out / "data" / "old-table.csv").write_text("x", encoding="utf-8")  # not the release's: stays
    manifest = json.loads((out / "release.json").read_text("utf-8"))
    manifest["files"].append("data/gone.csv")  # a file of the earlier release that this one no longer writes
    (out / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "data" / "gone.csv").write_text("x", encoding="utf-8")
    release(tiny, out, "--version", "2")
    assert json.loads((out / "release.json").read_text("utf-8"))["version"] == "2"
    assert (out / "CNAME").exists() and (out / "data" / "old-table.csv").exists()
    assert not (out / "data" / "gone.csv").exists()


def test_refuses_a_file_of_the_release_it_did_not_write(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    release(tiny, out)
    manifest = json.loads((out / "release.json").read_text("utf-8"))
    manifest["files"].remove("CITATION.cff")  # as if the user had put their own CITATION.cff there
    (out / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "CITATION.cff").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["release", str(out), "--root", str(tiny), "--as-of", AS_OF])
    assert result.exit_code == 1 and "CITATION.cff" in result.output
    assert (out / "CITATION.cff").read_text("utf-8") == "mine"


# --------------------------------------------------------------------------- changes since a previous release


def test_previous_release_lists_exactly_the_edits_made(tiny: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    first = tmp_path / "r1"
    release(root, first, "--version", "1")
    # The known edits: one passage corrected, one added, one removed, one assessment added.
    edit(
        root / "evidence" / "art1.yaml",
        "    stance: implemented\n    claimant: Westland",
        "    stance: progress\n    claimant: Westland",
    )
    edit(
        root / "evidence" / "art1.yaml",
        "  - id: E2\n",
        "  - id: E4\n    quote: Nobody else confirmed it\n"
        "    provisions: [tiny-2]\n    stance: context\n    claimant: the author\n    side: media\n"
        "    event_date: 2021-02-01\n  - id: E2\n",
    )
    text = (root / "evidence" / "art1.yaml").read_text("utf-8")
    start = text.index("  - id: E2\n")
    end = text.index("  - id: E3\n")
    (root / "evidence" / "art1.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    (root / "evidence" / "assessments.yaml").write_text(
        "assessments:\n  - {id: A1, provision: tiny-3, date: 2021-05-01, status: lapsed, rationale: Overtaken, "
        "analyst: Test}\n",
        encoding="utf-8",
    )
    second = tmp_path / "r2"
    release(root, second, "--version", "2", "--previous", str(first))

    found = [(r["change"], r["item_id"], r["before"], r["after"], r["fields"]) for r in rows(second, "changes")]
    assert found == [
        ("status-changed", "tiny-2", "implemented", "in-progress", ""),
        ("status-changed", "tiny-3", "no-evidence", "lapsed", ""),
        ("evidence-added", "E4", "", "", ""),
        ("evidence-corrected", "E3", "stance=implemented", "stance=progress", "stance"),
        ("evidence-removed", "E2", "", "", ""),
        ("assessment-added", "A1", "", "", ""),
    ]
    page = (second / "site" / "changes.html").read_text("utf-8")
    assert "Changes since release 1" in page
    for ident in ("tiny-2", "tiny-3", "E4", "E3", "E2", "A1"):
        assert ident in page
    frictionless = pytest.importorskip("frictionless")
    assert frictionless.validate(str(second / "datapackage.json")).valid
    # The same data again: nothing changed. And a release may replace the one it is compared with.
    release(root, second, "--version", "3", "--previous", str(second))
    assert rows(second, "changes") == []
    assert "Nothing changed" in (second / "site" / "changes.html").read_text("utf-8")


def test_previous_must_be_a_release(tiny: Path, tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    result = CliRunner().invoke(
        main, ["release", str(tmp_path / "out"), "--root", str(tiny), "--previous", str(tmp_path / "junk")]
    )
    assert result.exit_code == 1 and "not a release" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_refuses_a_file_as_output_folder(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["release", str(out), "--root", str(tiny), "--as-of", AS_OF])
    assert result.exit_code == 1 and "is a file" in result.output and "Traceback" not in result.output
    assert out.read_text("utf-8") == "mine"
