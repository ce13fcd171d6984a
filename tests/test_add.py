"""Adding articles and passages (library and CLI), and unconfirmed suggestions kept apart."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import add
from tracker.atomic import FileChanged
from tracker.cli import main
from tracker.problems import InvalidData
from tracker.status import all_statuses
from tracker.store import load, load_valid
from tracker.yamledit import append_item

from .helpers import REPO, TODAY

# An invented article, used only inside the temporary data roots of these tests.
ARTICLE = (
    "Kelbajar handover completed, says Baku\n"
    "Baku, 26 November. The Azerbaijani army entered the Kelbajar district on Wednesday after Armenian troops "
    "withdrew, the defence ministry said. Yerevan said that 40 prisoners of war were still held by Azerbaijan.\n"
    "The weather in the mountains was cold.\n"
)


def fields(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "quote": "The Azerbaijani army entered the Kelbajar district on Wednesday after Armenian troops withdrew",
        "provisions": ["nov2020-6a"],
        "stance": "implemented",
        "claimant": "Azerbaijani Defence Ministry",
        "side": "azerbaijan",
        "concerns": ["armenia"],
        "event_date": "2020-11-25",
        "today": TODAY,
    }
    return base | changes


@pytest.fixture
def source(data_root: Path) -> str:
    return add.add_source(
        data_root,
        ARTICLE,
        title="Kelbajar handover completed, says Baku",
        outlet="Test Wire",
        published="2020-11-26",
        today=TODAY,
    )


# --------------------------------------------------------------------------- add_source


def test_add_source_stores_the_text_and_a_valid_yaml_file(data_root: Path, source: str):
    assert source == "kelbajar-handover-completed-says-baku"
    yaml_text = (data_root / "evidence" / f"{source}.yaml").read_text(encoding="utf-8")
    assert yaml_text.startswith("# yaml-language-server: $schema=../schemas/source.schema.json\n")
    assert "  published: 2020-11-26\n" in yaml_text and yaml_text.endswith("evidence: []\n")
    ds = load_valid(data_root, today=TODAY)
    assert ds.articles[source] == ARTICLE
    stored = data_root / "evidence" / ds.sources[source].text
    number = len(list((REPO / "evidence" / "articles").glob("*.txt")))  # numbered after the bundled ones
    assert stored.name.startswith(f"{number:03d}_") and stored.read_bytes() == ARTICLE.encode("utf-8")


def test_add_source_normalises_to_utf8_and_keeps_everything_else(data_root: Path):
    text = "Line one\r\nLíne two — “quoted”\r\n"
    sid = add.add_source(
        data_root,
        b"\xff\xfe" + text.encode("utf-16-le"),
        title="UTF-16 piece",
        outlet="unknown",
        published="unknown",
        today=TODAY,
    )
    assert load_valid(data_root, today=TODAY).articles[sid] == text  # CRLF kept, BOM dropped
    sid = add.add_source(
        data_root,
        "Café crème, Ağdam".encode("cp1252", "replace"),
        title="Legacy",
        outlet="x",
        published="2021-01-01",
        encoding="cp1252",
        today=TODAY,
    )
    assert load_valid(data_root, today=TODAY).articles[sid] == "Café crème, A?dam"
    with pytest.raises(ValueError, match=r"not UTF-8.*encoding"):
        add.add_source(data_root, "Café".encode("cp1252"), title="Bad", outlet="x", published="unknown")


def test_add_source_refuses_duplicates_bad_fields_and_future_dates(data_root: Path, source: str):
    with pytest.raises(InvalidData, match=f"already stored as source '{source}'"):
        add.add_source(data_root, ARTICLE, title="Again", outlet="x", published="unknown", today=TODAY)
    with pytest.raises(InvalidData, match="already used"):
        add.add_source(data_root, "Other text here.", title="t", outlet="x", published="unknown", source_id=source)
    with pytest.raises(InvalidData, match="not an http"):
        add.add_source(data_root, "Other text here.", title="t", outlet="x", published="unknown", url="ftp://x")
    with pytest.raises(InvalidData, match="in the future"):
        add.add_source(data_root, "Other text here.", title="t", outlet="x", published="2030-01-01", today=TODAY)
    # The fields are keyword arguments checked as a signature would: a misspelt or missing one is refused.
    with pytest.raises(TypeError, match="byine"):
        add.add_source(data_root, "Other text here.", title="t", outlet="x", published="unknown", byine="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="outlet"):
        add.add_source(data_root, "Other text here.", title="t", published="unknown")  # type: ignore[call-arg]
    stored = len(list((data_root / "evidence" / "articles").glob("*.txt")))
    assert stored == len(list((REPO / "evidence" / "articles").glob("*.txt"))) + 1  # nothing else was stored
    assert load(data_root, today=TODAY)[1] == []


# --------------------------------------------------------------------------- add_evidence


def test_add_evidence_appends_a_checked_passage_keeping_the_file(data_root: Path, source: str):
    path = data_root / "evidence" / f"{source}.yaml"
    before = path.read_text(encoding="utf-8").removesuffix("evidence: []\n")
    first = add.add_evidence(data_root, source, **fields())
    second = add.add_evidence(
        data_root,
        source,
        **fields(
            quote="40 prisoners of war were still held",
            provisions=["nov2020-8"],
            stance="stalled",
            claimant="Government of Armenia",
            side="armenia",
            date_precision="on-or-before",
            note="Said in Yerevan.",
        ),
    )
    assert (first, second) == ("E501", "E502")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(before + 'evidence:\n  - id: E501\n    quote: "The Azerbaijani army')
    ds = load_valid(data_root, today=TODAY)
    assert ds.evidence["E502"].evidence.date_precision.value == "on-or-before"
    assert ds.evidence["E501"].span is not None
    # The next passage of an existing file continues its block.
    assert (
        add.add_evidence(
            data_root,
            "russian-ministers-visit",
            **fields(
                quote="Pautov stated that the process would take several months to be completed.",
                provisions=["nov2020-3"],
                stance="progress",
            ),
        )
        == "E017"
    )


def test_a_quote_not_in_the_article_is_refused_with_the_closest_passage(data_root: Path, source: str):
    path = data_root / "evidence" / f"{source}.yaml"
    before = path.read_bytes()
    with pytest.raises(add.QuoteNotFound) as caught:
        add.add_evidence(data_root, source, **fields(quote="40 prisoners of war are still held"))
    message = str(caught.value)
    assert f"{source}.yaml:" in message and "quote not found" in message
    assert "closest passage (line 2" in message and "the quote has 'are' where the article has 'were'" in message
    assert caught.value.nearest is not None and caught.value.nearest.text == "40 prisoners of war were still held"
    assert path.read_bytes() == before


def test_every_problem_of_a_passage_is_reported_located_and_nothing_written(data_root: Path, source: str):
    path = data_root / "evidence" / f"{source}.yaml"
    before = path.read_bytes()
    with pytest.raises(InvalidData) as caught:
        add.add_evidence(
            data_root, source, **fields(provisions=["nov2020-6x"], side="azerbajan", event_date="2020-11-01")
        )
    messages = [p.message for p in caught.value.problems]
    assert any("unknown provision 'nov2020-6x'" in m and "nov2020-6a" in m for m in messages)
    assert any("unknown actor 'azerbajan'; did you mean 'azerbaijan'" in m for m in messages)
    with pytest.raises(InvalidData, match="'implmented' is not a valid stance"):
        add.add_evidence(data_root, source, **fields(stance="implmented"))
    with pytest.raises(InvalidData, match="in the future"):
        add.add_evidence(data_root, source, **fields(event_date="2027-01-01"))
    with pytest.raises(InvalidData, match="before nov2020 was signed"):
        add.add_evidence(data_root, source, **fields(event_date="2020-11-01"))
    with pytest.raises(InvalidData, match="duplicate evidence id 'E001'"):
        add.add_evidence(data_root, source, **fields(evidence_id="E001"))
    with pytest.raises(InvalidData, match="unknown source 'kelbajar-handover'"):
        add.add_evidence(data_root, "kelbajar-handover", **fields())
    assert path.read_bytes() == before
    add.add_evidence(data_root, source, **fields())
    with pytest.raises(InvalidData, match="already E501"):
        add.add_evidence(data_root, source, **fields())


def test_a_file_edited_meanwhile_is_not_overwritten(monkeypatch, data_root: Path, source: str):
    path = data_root / "evidence" / f"{source}.yaml"

    def edited_meanwhile(text: str, key: str, item: dict) -> str:
        # An analyst saves the file in an editor while add_evidence is preparing its edit.
        path.write_text(path.read_text(encoding="utf-8") + "# the analyst's edit\n", encoding="utf-8")
        return append_item(text, key, item)

    monkeypatch.setattr(add, "append_item", edited_meanwhile)
    with pytest.raises(FileChanged, match="changed on disk"):
        add.add_evidence(data_root, source, **fields())
    assert path.read_text(encoding="utf-8").endswith("evidence: []\n# the analyst's edit\n")


# --------------------------------------------------------------------------- unconfirmed


def test_unconfirmed_passages_are_checked_but_never_counted(data_root: Path, source: str):
    as_of = date(2021, 6, 30)
    before = {s.provision_id: (s.status, s.since) for s in all_statuses(load_valid(data_root, today=TODAY), as_of)}
    eid = add.add_evidence(
        data_root, source, **fields(stance="violated", provisions=["nov2020-6a", "nov2020-1"], unconfirmed=True)
    )
    ds = load_valid(data_root, today=TODAY)
    assert eid in ds.unconfirmed and eid not in ds.evidence
    assert eid not in [i.id for i in ds.evidence_for("nov2020-6a")]
    assert "1 unconfirmed suggestions (not counted)" in ds.summary()
    assert {s.provision_id: (s.status, s.since) for s in all_statuses(ds, as_of)} == before
    # Checked like the rest: a broken quote, reference or date in an unconfirmed passage is a problem.
    path = data_root / "evidence" / f"{source}.yaml"
    text = path.read_text(encoding="utf-8")
    broken = (
        text.replace("on Wednesday after", "on Tuesday after")
        .replace("[nov2020-6a, nov2020-1]", "[nov2020-6x]")
        .replace("event_date: 2020-11-25", "event_date: 2026-12-25")
    )
    path.write_text(broken, encoding="utf-8")
    messages = [p.message for p in load(data_root, today=TODAY)[1]]
    assert any("quote not found" in m for m in messages)
    assert any("unknown provision 'nov2020-6x'" in m for m in messages)
    assert any("is in the future" in m for m in messages)


def test_an_assessment_citing_an_unconfirmed_passage_is_reported(data_root: Path, source: str):
    eid = add.add_evidence(data_root, source, **fields(unconfirmed=True))
    path = data_root / "evidence" / "assessments.yaml"
    item = {
        "id": "A999",
        "provision": "nov2020-6a",
        "date": date(2021, 1, 1),
        "status": "implemented",
        "rationale": "test",
        "analyst": "test",
        "evidence": [eid],
    }
    path.write_text(append_item(path.read_text(encoding="utf-8"), "assessments", item), encoding="utf-8")
    problems = [p.message for p in load(data_root, today=TODAY)[1]]
    assert problems == [f"evidence '{eid}' is an unconfirmed suggestion; confirm it (remove 'unconfirmed') first"]


def test_confirming_applies_corrections_removes_the_mark_and_then_counts(data_root: Path, source: str):
    eid = add.add_evidence(data_root, source, **fields(stance="context", unconfirmed=True))
    add.confirm_evidence(data_root, eid, stance="implemented", date_precision="on-or-before", today=TODAY)
    text = (data_root / "evidence" / f"{source}.yaml").read_text(encoding="utf-8")
    assert "unconfirmed" not in text and "    stance: implemented\n" in text
    assert "    event_date: 2020-11-25\n    date_precision: on-or-before\n" in text
    ds = load_valid(data_root, today=TODAY)
    assert eid in ds.evidence and eid in [i.id for i in ds.evidence_for("nov2020-6a")]
    with pytest.raises(InvalidData, match="already confirmed"):
        add.confirm_evidence(data_root, eid, today=TODAY)
    with pytest.raises(add.QuoteNotFound):
        other = add.add_evidence(
            data_root,
            source,
            **fields(stance="context", unconfirmed=True, quote="The weather in the mountains was cold."),
        )
        add.confirm_evidence(data_root, other, quote="The weather in the mountains is cold.", today=TODAY)


def test_the_bundled_aliases_are_loaded():
    ds = load_valid()
    assert "Kelbajar" in ds.aliases["Kalbajar"] and "Stepanakert" in ds.aliases["Khankendi"]
    assert "Berdzor" in ds.aliases["Lachin"] and "Nakhichevan" in ds.aliases["Nakhchivan"]


# --------------------------------------------------------------------------- the command line


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def _add_source(article: Path, title: str, root: list[str]):
    """`tracker add-source` of an article published by Test Wire on 2020-11-26."""
    args = ["--title", title, "--outlet", "Test Wire", "--published", "2020-11-26"]
    return cli("add-source", str(article), *args, *root)


def test_suggest_write_names_one_stub_in_the_singular(data_root: Path, tmp_path: Path):
    article = tmp_path / "article.txt"
    article.write_text(
        "The Azerbaijani army entered the Kelbajar district on 25 November after Armenian troops withdrew.\n",
        encoding="utf-8",
    )
    root = ["--root", str(data_root)]
    added = _add_source(article, "One passage", root)
    result = cli("suggest", "--source", added.stdout.strip(), "--write", *root)
    assert re.search(r"appended 1 unconfirmed passage \(E\d+\) to ", result.stdout), result.stdout


def test_from_a_new_article_to_confirmed_evidence_with_the_cli_alone(data_root: Path, tmp_path: Path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    root = ["--root", str(data_root)]
    result = _add_source(article, "Kelbajar handover", root)
    assert result.exit_code == 0, result.output
    sid = result.stdout.strip()
    assert sid == "kelbajar-handover"
    listed = json.loads(cli("suggest", "--source", sid, "--json", *root).stdout)
    assert [p["text"] for p in listed][-1] == "The weather in the mountains was cold."
    assert listed[-1]["proposals"] == []
    assert any(q["provision_id"] == "nov2020-6a" for p in listed for q in p["proposals"])
    result = cli("suggest", "--source", sid, "--write", *root)
    assert result.exit_code == 0 and "unconfirmed passages (E501 to" in result.stdout
    assert cli("validate", *root).exit_code == 0
    ds = load_valid(data_root, today=TODAY)
    stub = next(i for i in ds.unconfirmed.values() if "nov2020-6a" in i.evidence.provisions)
    result = cli(
        "confirm",
        stub.id,
        "--quote",
        "The Azerbaijani army entered the Kelbajar district",
        "--claimant",
        "Azerbaijani Defence Ministry",
        "--side",
        "azerbaijan",
        "--concern",
        "armenia",
        "--stance",
        "implemented",
        "--event-date",
        "2020-11-25",
        "--date-precision",
        "day",
        *root,
    )
    assert result.exit_code == 0, result.output
    result = cli("validate", *root)
    assert result.exit_code == 0 and "unconfirmed suggestions (not counted)" in result.stdout
    assert stub.id in load_valid(data_root, today=TODAY).evidence
    result = cli(
        "add-evidence",
        "--source",
        sid,
        "--quote",
        "40 prisoners of war were still held",
        "--provision",
        "nov2020-8",
        "--stance",
        "stalled",
        "--claimant",
        "Government of Armenia",
        "--side",
        "armenia",
        *root,
    )
    assert result.exit_code == 0, result.output
    new = load_valid(data_root, today=TODAY).evidence[result.stdout.strip()].evidence
    assert str(new.event_date) == "2020-11-26" and new.date_precision.value == "on-or-before"


def test_add_evidence_cli_reports_problems_and_exits_one(data_root: Path, source: str):
    result = CliRunner().invoke(
        main,
        [
            "add-evidence",
            "--source",
            source,
            "--quote",
            "prisoners are held",
            "--provision",
            "nov2020-8",
            "--stance",
            "stalled",
            "--claimant",
            "x",
            "--side",
            "armenia",
            "--root",
            str(data_root),
        ],
    )
    assert result.exit_code == 1
    assert "quote not found" in result.stderr and "nothing was written" in result.stderr
    result = CliRunner().invoke(main, ["add-evidence", "--source", source, "--root", str(data_root)])
    assert result.exit_code == 2 and "missing --quote, --provision, --stance, --claimant, --side" in result.output


def test_add_evidence_interactive_asks_for_each_field(data_root: Path, source: str):
    answers = (
        "\n".join(
            [
                "40 prisoners of war are still held",  # not in the article: shown the closest passage, asked again
                "40 prisoners of war were still held",
                "",  # provisions: accept the suggestion
                "stalled",
                "Government of Armenia",
                "armenai",  # a typo: refused with the closest id
                "armenia",
                "azerbaijan",
                "",  # event date: the publication date
                "",  # precision: on-or-before
                "Said in Yerevan.",
            ]
        )
        + "\n"
    )
    result = cli("add-evidence", "--source", source, "--interactive", "--root", str(data_root), input=answers)
    assert result.exit_code == 0, result.output
    assert "closest passage" in result.output and "suggested: nov2020-8" in result.output
    assert "unknown id 'armenai'; did you mean 'armenia'?" in result.output
    item = load_valid(data_root, today=TODAY).evidence[result.stdout.strip().splitlines()[-1]].evidence
    assert item.provisions == ["nov2020-8"] and item.side == "armenia" and item.concerns == ["azerbaijan"]
    assert item.date_precision.value == "on-or-before" and item.note == "Said in Yerevan."


def test_add_source_cli_takes_standard_input_or_the_text_itself(data_root: Path):
    result = cli(
        "add-source",
        "-",
        "--title",
        "From stdin",
        "--outlet",
        "x",
        "--published",
        "unknown",
        "--root",
        str(data_root),
        input="Typed straight in.\n",
    )
    assert result.exit_code == 0 and result.stdout.strip() == "from-stdin"
    result = cli(
        "add-source",
        "A text given as it is.",
        "--title",
        "Inline",
        "--outlet",
        "x",
        "--published",
        "unknown",
        "--id",
        "inline-text",
        "--root",
        str(data_root),
    )
    assert result.stdout.strip() == "inline-text"
    result = CliRunner().invoke(
        main,
        [
            "add-source",
            "missing.txt",
            "--title",
            "t",
            "--outlet",
            "x",
            "--published",
            "unknown",
            "--root",
            str(data_root),
        ],
    )
    assert result.exit_code == 2 and "no file 'missing.txt'" in result.output
