"""One validator, one error tree (issue 10): a write is checked by the same checks as `tracker
validate`, over its edited text in memory, and says the same thing in the same words."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import add, errors, quotes
from tracker.cli import main
from tracker.errors import InvalidData, TrackerError
from tracker.store import load

from .helpers import TODAY, edit, tiny_root
from .test_add import ARTICLE, fields


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


def test_every_error_of_the_library_is_a_tracker_error_and_the_tree_is_drawn():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == "tracker.errors"]
    assert len(classes) >= 9
    for cls in classes:
        assert issubclass(cls, TrackerError)
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is missing from the tree in the docstring"
    # The old homes still work, and name the same classes.
    from tracker.atomic import FileChanged
    from tracker.problems import InvalidData as OldInvalidData
    from tracker.quotes import QuoteTooCostly
    from tracker.yamledit import EditError

    assert (FileChanged, OldInvalidData, QuoteTooCostly, EditError, add.QuoteNotFound) == (
        errors.FileChanged,
        errors.InvalidData,
        errors.QuoteTooCostly,
        errors.EditError,
        errors.QuoteNotFound,
    )


def _problem_of_validate(root: Path, needle: str) -> str:
    return next(p.message for p in load(root, today=TODAY)[1] if needle in p.message)


def _write_by_hand(root: Path, source: str, entry: str) -> bytes:
    path = root / "evidence" / f"{source}.yaml"
    before = path.read_bytes()
    path.write_text(before.decode().replace("evidence: []\n", "evidence:\n" + entry), encoding="utf-8")
    return before


ENTRY = (
    "  - id: E900\n    quote: {quote}\n    provisions: [nov2020-6a]\n    stance: implemented\n"
    "    claimant: Someone\n    side: azerbaijan\n    event_date: {when}\n"
)


@pytest.mark.parametrize(
    ("case", "quote", "when", "needle"),
    [
        ("future date", fields()["quote"], "2030-01-01", "in the future"),
        (
            "seven ellipses",
            "The ... Azerbaijani ... army ... entered ... the ... Kelbajar ... district ... on",
            "2020-11-25",
            "ellipses",
        ),
    ],
)
def test_a_write_and_validate_say_the_same_thing_in_the_same_words(
    data_root: Path, source: str, monkeypatch: pytest.MonkeyPatch, case: str, quote: str, when: str, needle: str
):
    if case == "seven ellipses":
        # An article printing both '...' and '…', and a search budget small enough to refuse the regex.
        path = data_root / "evidence" / "articles"
        article = next(p for p in path.iterdir() if p.read_text(encoding="utf-8") == ARTICLE)
        article.write_text(ARTICLE + "One... two… three.\n", encoding="utf-8")
        monkeypatch.setattr(quotes, "_MAX_REGEX_WORK", 10)
    file = data_root / "evidence" / f"{source}.yaml"
    original = _write_by_hand(data_root, source, ENTRY.format(quote=f'"{quote}"', when=when))
    by_validate = _problem_of_validate(data_root, needle)
    file.write_bytes(original)
    with pytest.raises(InvalidData) as caught:
        add.add_evidence(data_root, source, **fields(quote=quote, event_date=when))
    assert [p.message for p in caught.value.problems if needle in p.message] == [by_validate]


def test_a_refused_write_never_touches_the_file(data_root: Path, source: str):
    """Checked in memory first: the file is not written and put back (its inode would change)."""
    path = data_root / "evidence" / f"{source}.yaml"
    before = os.stat(path)
    with pytest.raises(InvalidData, match="duplicate evidence id 'E001'"):
        add.add_evidence(data_root, source, **fields(evidence_id="E001"))
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_the_cli_turns_every_tracker_error_into_one_message_without_a_traceback(data_root: Path):
    result = CliRunner().invoke(main, ["confirm", "E001", "--root", str(data_root)])
    assert result.exit_code == 1
    assert "evidence 'E001' is already confirmed" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        # A file that cannot be read defines nothing: a reference to what it defines says where to look,
        # not a guessed spelling.
        (
            ("provisions/pact.yaml", "  id: pact\n", "\tid: pact\n"),
            "', but provisions/pact.yaml could not be read and may define it; fix the error reported there first",
        ),
        # Every file read: a misspelt id gets the closest spellings.
        (("evidence/report.yaml", "provisions: [pact-1]", "provisions: [pact-l]"), "did you mean 'pact-1'"),
    ],
)
def test_an_unknown_reference_says_whether_an_unreadable_file_may_define_it(
    tmp_path: Path, broken: tuple[str, str, str], expected: str, monkeypatch: pytest.MonkeyPatch
):
    root = tiny_root(tmp_path)
    name, old, new = broken
    edit(root / name, old, new)
    monkeypatch.chdir(root)
    problems = load(root, today=TODAY)[1]
    unknown = [p for p in problems if "unknown provision" in p.message]
    assert unknown and all(expected in p.message for p in unknown)
    assert all(p.file.endswith(("report.yaml", "events-tiny.yaml")) for p in unknown)


def test_an_unreadable_evidence_file_does_not_hide_a_misspelt_provision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Provisions are defined in provisions/ only: an evidence file that cannot be read cannot define one,
    # so the misspelling gets the closest spellings, not "may be defined there".
    root = tiny_root(tmp_path)
    edit(root / "evidence" / "events-tiny.yaml", "  - id: EV1\n", "\t- id: EV1\n")
    edit(root / "evidence" / "report.yaml", "provisions: [pact-1]", "provisions: [pact-l]")
    monkeypatch.chdir(root)
    problems = load(root, today=TODAY)[1]
    assert any(p.file.endswith("events-tiny.yaml") for p in problems)  # the broken file is reported
    (unknown,) = [p for p in problems if "unknown provision" in p.message]
    assert "did you mean 'pact-1'" in unknown.message and "could not be read" not in unknown.message


@pytest.mark.parametrize(("length", "refused"), [(75, False), (76, True), (140, True)])
def test_a_provision_title_is_a_short_label_read_in_full_in_tables(tmp_path: Path, length: int, refused: bool):
    root = tiny_root(tmp_path)
    title = "Road open" + "!" * (length - len("Road open"))
    edit(root / "provisions" / "pact.yaml", "title: Road open,", f"title: '{title}',")
    problems = [p for p in load(root, today=TODAY)[1] if "'title'" in p.message]
    assert bool(problems) == refused
    if refused:  # located, with what would be right
        (p,) = problems
        assert p.file.endswith("pact.yaml") and (p.line, p.column) == (13, 35)  # the value, in the flow mapping
        assert f"'title' is {length} characters long; shorten it to at most 75" in p.message
        assert "the verbatim words belong in 'text'" in p.message
