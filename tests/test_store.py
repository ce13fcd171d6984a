"""Loading a data root: every kind of mistake is reported as `file:line:col: message`, all of them
in one run, and loading never raises. Expected positions are computed from the edited file's text,
so the tests do not depend on where things happen to sit in the bundled data."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import REPO, TODAY, edit, messages, problems_in
from tracker.problems import InvalidData, display_path
from tracker.store import Dataset, load, load_valid

EVIDENCE = "evidence/russian-ministers-visit.yaml"
ARTICLE = "articles/000_6b2447b7a3177c8d.txt"
NOV = "provisions/nov-2020.yaml"
JAN = "provisions/jan-2021.yaml"
ACTORS = "provisions/actors.yaml"


# --------------------------------------------------------------------------- helpers


def position(path: Path, before: str, target: str = "", *, nth: int = 1) -> tuple[int, int]:
    """1-based line and column of `target`, in the `nth` occurrence of `before + target` in the file."""
    text = path.read_text(encoding="utf-8")
    offset = -1
    for _ in range(nth):
        offset = text.index(before + target, offset + 1)
    offset += len(before)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def prefix(path: Path, line: int, column: int) -> str:
    return f"{display_path(path)}:{line}:{column}: "


def at(path: Path, before: str, target: str = "", *, nth: int = 1) -> str:
    """The `file:line:col: ` prefix a problem at `target` must have."""
    return prefix(path, *position(path, before, target, nth=nth))


def only(root: Path, *words: str) -> str:
    """The single problem in `root`; it must contain every one of `words`."""
    found = messages(root)
    assert len(found) == 1, "\n".join(found)
    for word in words:
        assert word in found[0], f"{word!r} not in {found[0]!r}"
    return found[0]


def first_line(path: Path, pattern: str) -> re.Match[str]:
    match = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{pattern!r} not in {path}"
    return match


def edit_last(path: Path, old: str, new: str) -> None:
    """Like `edit`, on the last occurrence (in another passage than the first)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 2, f"{old!r} not twice in {path}"
    head, _, tail = text.rpartition(old)
    path.write_text(head + new + tail, encoding="utf-8")


def first_evidence_id(path: Path) -> str:
    return first_line(path, r"^  - id: (\S+)$").group(1)


# --------------------------------------------------------------------------- the bundled data


def test_bundled_data_loads_without_problems():
    dataset, problems = load(REPO, today=TODAY)
    assert [str(p) for p in problems] == []
    assert dataset.provisions and dataset.evidence and dataset.actors


def test_copied_data_root_loads_without_problems(data_root: Path):
    assert messages(data_root) == []


def test_load_valid_returns_dataset_for_valid_data(data_root: Path):
    dataset = load_valid(data_root, today=TODAY)
    assert isinstance(dataset, Dataset)
    assert "russian-ministers-visit" in dataset.sources


def test_load_valid_raises_invalid_data_carrying_every_problem(data_root: Path):
    edit(data_root / EVIDENCE, "    stance: implemented", "    stance: implemnted")
    edit_last(data_root / EVIDENCE, "    side: russia", "    side: rusia")
    expected = problems_in(data_root)
    assert len(expected) == 2
    with pytest.raises(InvalidData) as caught:
        load_valid(data_root, today=TODAY)
    assert caught.value.problems == sorted(expected)
    assert str(caught.value) == "\n".join(str(p) for p in sorted(expected))


def test_missing_provisions_folder_is_a_problem_not_an_exception(tmp_path: Path):
    (problem,) = messages(tmp_path)
    assert "no provisions/ folder" in problem


# --------------------------------------------------------------------------- YAML level


def test_yaml_syntax_error_reports_line_and_column(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    stance: implemented\n", "    stance: implemented: yes\n")
    message = only(data_root, "YAML syntax error", "must be quoted")
    assert message.startswith(at(path, "    stance: implemented", ": yes"))


def test_yaml_syntax_error_in_one_file_does_not_hide_the_others(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    stance: implemented\n", "    stance: implemented: yes\n")
    dataset, problems = load(data_root, today=TODAY)
    assert len(problems) == 1
    assert "russian-ministers-visit" not in dataset.sources
    assert dataset.provisions and dataset.actors


def test_tab_indentation_reports_line_and_hint(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    stance: implemented\n", "\tstance: implemented\n")
    message = only(data_root, "YAML syntax error", "indent with spaces")
    assert message.startswith(prefix(path, position(path, "\tstance: implemented")[0], 1))


def test_duplicate_key_reports_both_lines(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    stance: implemented\n", "    stance: implemented\n    stance: violated\n")
    first_line_no, first_col = position(path, "    ", "stance: implemented")
    message = only(data_root, "duplicate key 'stance'", f"first defined at line {first_line_no}, column {first_col}")
    assert message.startswith(at(path, "    ", "stance: violated"))


def test_file_that_is_not_utf8_is_reported(data_root: Path):
    path = data_root / "evidence" / "latin1.yaml"
    path.write_bytes(b"source:\n  title: caf\xe9\n")
    message = only(data_root, "not valid UTF-8")
    assert message.startswith(prefix(path, 2, 13))


def test_empty_data_file_is_reported(data_root: Path):
    path = data_root / "evidence" / "empty.yaml"
    path.write_text("# to be written\n", encoding="utf-8")
    assert only(data_root, "empty").startswith(prefix(path, 1, 1))


def test_file_without_a_recognised_top_level_key_is_reported(data_root: Path):
    path = data_root / "evidence" / "stray.yaml"
    path.write_text("sauce:\n  id: stray\n", encoding="utf-8")
    message = only(data_root, "cannot tell what this file holds", "found sauce", "did you mean 'source'")
    assert message.startswith(prefix(path, 1, 1))


def test_file_that_is_a_list_is_reported(data_root: Path):
    path = data_root / "evidence" / "list.yaml"
    path.write_text("- source\n- evidence\n", encoding="utf-8")
    assert only(data_root, "expected a mapping", "source").startswith(prefix(path, 1, 1))


# --------------------------------------------------------------------------- schema


def test_unknown_field_suggests_the_closest_valid_name(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    quote: ", "    qoute: ")
    found = messages(data_root)
    unknown = [m for m in found if "unknown field" in m]
    assert len(unknown) == 1
    assert unknown[0].startswith(at(path, "    ", "qoute: "))  # at the key, not the value
    assert "unknown field 'qoute'; did you mean 'quote'" in unknown[0]
    # The quote is now missing too, but that is the same mistake: it is not reported twice.
    assert [m for m in found if m not in unknown] == []


def test_unknown_field_without_close_match_lists_valid_fields(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "  outlet: unknown\n", "  outlet: unknown\n  zzz: 1\n")
    message = only(data_root, "unknown field 'zzz'", "valid fields here:", "outlet", "published")
    assert message.startswith(at(path, "  ", "zzz: 1"))


def test_text_where_a_number_is_expected_is_reported(data_root: Path):
    path = data_root / JAN
    value = first_line(path, r"^    point: (\d+)$").group(1)
    edit(path, f"    point: {value}\n", "    point: two\n")
    message = only(data_root, "'point' should be a whole number, got 'two'")
    assert message.startswith(at(path, "    point: ", "two"))


def test_list_where_text_is_expected_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    claimant = first_line(path, r"^    claimant: (.+)$").group(0)
    edit(path, claimant + "\n", "    claimant: [Lavrov, Shoigu]\n")
    message = only(data_root, "'claimant' should be text, got a list")
    assert message.startswith(at(path, "    claimant: ", "[Lavrov"))


def test_invalid_calendar_date_is_reported_at_the_value(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    event_date: .+$").group(0)
    edit(path, line + "\n", "    event_date: 2020-13-45\n")
    message = only(data_root, "'2020-13-45' is not a valid date", "YYYY-MM-DD")
    assert message.startswith(at(path, "    event_date: ", "2020-13-45"))


def test_invalid_agreement_date_is_reported_at_the_value(data_root: Path):
    path = data_root / JAN
    line = first_line(path, r"^  date: .+$").group(0)
    edit(path, line + "\n", "  date: 2021-02-30\n")
    found = messages(data_root)
    bad = [m for m in found if "2021-02-30" in m]
    assert len(bad) == 1
    assert bad[0].startswith(at(path, "  date: ", "2021-02-30"))
    assert "is not a valid date" in bad[0]


def test_date_and_time_where_a_date_is_expected_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    event_date: .+$").group(0)
    edit(path, line + "\n", "    event_date: 2020-11-22 10:30:00\n")
    message = only(data_root, "not a date and time", "YYYY-MM-DD")
    assert message.startswith(at(path, "    event_date: ", "2020-11-22 10:30"))


def test_missing_required_field_is_reported_at_its_item(data_root: Path):
    path = data_root / EVIDENCE
    text = path.read_text(encoding="utf-8")
    first_item = text.index("\n  - id: ", text.index("\nevidence:"))
    stance = re.compile(r"^    stance: .+\n", re.MULTILINE).search(text, first_item)
    assert stance
    path.write_text(text[: stance.start()] + text[stance.end() :], encoding="utf-8")
    message = only(data_root, "missing required field 'stance' in evidence[0]")
    assert message.startswith(at(path, "  - ", "id: " + first_evidence_id(path)))


def test_unknown_stance_suggests_the_closest(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    stance: implemented", "    stance: implemnted")
    message = only(data_root, "'implemnted' is not a valid stance", "expected one of:", "did you mean 'implemented'")
    assert message.startswith(at(path, "    stance: ", "implemnted"))


def test_non_http_url_is_refused(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "  outlet: unknown\n", '  outlet: unknown\n  url: "javascript:alert(1)"\n')
    message = only(data_root, "'javascript:alert(1)' is not an http(s) URL", "http://", "https://")
    assert message.startswith(at(path, "  url: ", '"javascript'))


def test_invalid_id_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    ident = first_evidence_id(path)
    edit(path, f"  - id: {ident}\n", "  - id: E 1\n")
    message = only(data_root, "'E 1' is not a valid id")
    assert message.startswith(at(path, "  - id: ", "E 1"))


# --------------------------------------------------------------------------- ids and references


def test_evidence_id_duplicated_across_files_reports_both_locations(data_root: Path):
    original = data_root / EVIDENCE
    ident = first_evidence_id(original)
    copy = data_root / "evidence" / "zz-second-report.yaml"  # sorts after the original
    copy.write_text(
        "source:\n"
        "  id: second-report\n"
        "  title: The same article, filed twice\n"
        "  outlet: unknown\n"
        "  published: unknown\n"
        "  language: en\n"
        f"  text: {ARTICLE}\n"
        "evidence:\n"
        f"  - id: {ident}\n"
        '    quote: "Shoygu stated that the ceasefire has been observed"\n'
        "    provisions: [nov2020-1]\n"
        "    stance: implemented\n"
        "    claimant: Sergey Shoigu\n"
        "    side: russia\n"
        "    event_date: 2020-11-22\n",
        encoding="utf-8",
    )
    first = position(original, "  - id: ", ident)
    second = position(copy, "  - id: ", ident)
    first_where = f"{display_path(original)}:{first[0]}:{first[1]}"
    second_where = f"{display_path(copy)}:{second[0]}:{second[1]}"
    assert messages(data_root) == [
        f"{first_where}: duplicate evidence id '{ident}': also defined at {second_where}",
        f"{second_where}: duplicate evidence id '{ident}': first defined at {first_where}",
    ]


def test_provision_id_duplicated_reports_both_locations(data_root: Path):
    path = data_root / JAN
    ids = re.findall(r"^  - id: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(ids) >= 2
    first_id, second_id = ids[0], ids[1]
    edit(path, f"  - id: {second_id}\n", f"  - id: {first_id}\n")
    first = position(path, "  - id: ", first_id, nth=1)
    second = position(path, "  - id: ", first_id, nth=2)
    where = display_path(path)
    found = [m for m in messages(data_root) if "duplicate provision id" in m]
    assert found == [
        f"{where}:{first[0]}:{first[1]}: duplicate provision id '{first_id}': also defined at "
        f"{where}:{second[0]}:{second[1]}",
        f"{where}:{second[0]}:{second[1]}: duplicate provision id '{first_id}': first defined at "
        f"{where}:{first[0]}:{first[1]}",
    ]


def test_reference_to_missing_provision_suggests_closest_ids(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    provisions: \[.+\]$").group(0)
    edit(path, line + "\n", "    provisions: [nov2020-6x]\n")
    message = only(data_root, "unknown provision 'nov2020-6x'", "did you mean 'nov2020-6a'")
    assert message.startswith(at(path, "    provisions: [", "nov2020-6x"))


def test_unknown_actor_in_side_suggests_the_closest(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    side: russia", "    side: rusia")
    message = only(data_root, "unknown actor 'rusia'", "did you mean 'russia'")
    assert message.startswith(at(path, "    side: ", "rusia"))


def test_unknown_actor_without_close_match_lists_known_actors(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, "    side: russia", "    side: xq")
    message = only(data_root, "unknown actor 'xq'", "known actor ids:", "russia", "armenia")
    assert message.startswith(at(path, "    side: ", "xq"))


# --------------------------------------------------------------------------- quotes and texts


def test_quote_not_in_article_reports_line_and_closest_match(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    quote: .+$").group(0)
    edit(path, line + "\n", '    quote: "Shoigu stated that the ceasefire has been observed during all this time"\n')
    article_path = data_root / "evidence" / ARTICLE
    article = article_path.read_text(encoding="utf-8")
    article_line = article.count("\n", 0, article.index("Shoygu stated that")) + 1
    message = only(
        data_root,
        f"quote not found in {display_path(article_path)}",
        f"closest passage (line {article_line},",
        '"Shoygu stated that the ceasefire has been observed during all this time',
        "the quote has 'Shoigu' where the article has 'Shoygu'",
    )
    assert message.startswith(at(path, "    quote: ", '"Shoigu'))


def test_quote_with_typographic_differences_is_found(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    quote: .+$").group(0)
    # The article prints a curly apostrophe in "Turkey\u2019s" and a line break in the YAML folds to a space.
    edit(
        path,
        line + "\n",
        "    quote: >-\n      the important role which Turkey's\n      President Recep Tayyip Erdogan played\n",
    )
    assert messages(data_root) == []


def test_provision_text_not_in_agreement_text_is_reported(data_root: Path):
    path = data_root / NOV
    match = first_line(path, r'^    text: "(\S+) ')
    edit(path, match.group(0), f'    text: "{match.group(1)} NOT ')
    text_file = data_root / "provisions" / "texts" / "nov-2020.md"
    message = only(
        data_root,
        f"quote not found in {display_path(text_file)}",
        "closest passage",
        "the quote has 'NOT', which the article does not",
    )
    assert message.startswith(at(path, "    text: ", f'"{match.group(1)} NOT'))


def test_article_path_escaping_data_root_is_refused(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: ../../etc/passwd")
    message = only(data_root, "'../../etc/passwd' points outside the data root")
    assert message.startswith(at(path, "  text: ", "../../etc/passwd"))


def test_absolute_article_path_outside_data_root_is_refused(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: /etc/hostname")
    message = only(data_root, "points outside the data root")
    assert message.startswith(at(path, "  text: ", "/etc/hostname"))


def test_article_symlink_escaping_data_root_is_refused(data_root: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Shoygu stated that the ceasefire has been observed during all this time\n", encoding="utf-8")
    link = data_root / "evidence" / "articles" / "link.txt"
    try:
        link.symlink_to(secret)
    except OSError:
        pytest.skip("symlinks are not available here")
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: articles/link.txt")
    message = only(data_root, "'articles/link.txt' points outside the data root")
    assert message.startswith(at(path, "  text: ", "articles/link.txt"))


def test_missing_article_file_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: articles/000_missing.txt")
    message = only(data_root, "text file 'articles/000_missing.txt' does not exist")
    assert message.startswith(at(path, "  text: ", "articles/000_missing.txt"))


def test_article_path_with_nul_character_is_reported_not_raised(data_root: Path):
    # Path.resolve() raises ValueError for a NUL; loading used to crash on it.
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", '  text: "articles/\\0.txt"')
    found = messages(data_root)  # the NUL is also a control character, refused as such
    assert len(found) == 2 and all(m.startswith(at(path, "  text: ", '"articles/')) for m in found)
    assert any("cannot resolve the path" in m for m in found) and any("control character U+0000" in m for m in found)


def test_article_path_too_long_is_reported_not_raised(data_root: Path):
    # Path.is_file() lets ENAMETOOLONG through; loading used to crash on it.
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: articles/" + "x" * 5000 + ".txt")
    message = only(data_root, "cannot read")
    assert message.startswith(at(path, "  text: ", "articles/xxx"))


def test_article_that_is_not_utf8_is_reported(data_root: Path):
    article = data_root / "evidence" / "articles" / "latin1.txt"
    article.write_bytes(b"caf\xe9\n")
    path = data_root / EVIDENCE
    edit(path, f"  text: {ARTICLE}", "  text: articles/latin1.txt")
    message = only(data_root, "text file 'articles/latin1.txt' is not valid UTF-8")
    assert message.startswith(at(path, "  text: ", "articles/latin1.txt"))


# --------------------------------------------------------------------------- dates


def test_event_date_before_agreement_signed_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    event_date: .+$").group(0)
    edit(path, line + "\n", "    event_date: 2019-01-01\n")
    message = only(data_root, "event date 2019-01-01 is before", "was signed", "cannot bear on")
    assert re.search(r"before (nov2020|jan2021) was signed \((2020-11-09|2021-01-11)\)", message)
    assert message.startswith(at(path, "    event_date: ", "2019-01-01"))


def test_event_date_after_today_is_reported(data_root: Path):
    tomorrow = TODAY + timedelta(days=1)
    path = data_root / EVIDENCE
    line = first_line(path, r"^    event_date: .+$").group(0)
    edit(path, line + "\n", f"    event_date: {tomorrow}\n")
    message = only(data_root, f"event date {tomorrow} is in the future (today is {TODAY})")
    assert message.startswith(at(path, "    event_date: ", str(tomorrow)))


def test_event_date_today_is_accepted(data_root: Path):
    path = data_root / EVIDENCE
    line = first_line(path, r"^    event_date: .+$").group(0)
    edit(path, line + "\n", f"    event_date: {TODAY}\n")
    assert messages(data_root) == []


def test_publication_date_after_today_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    tomorrow = TODAY + timedelta(days=1)
    edit(path, "  published: unknown", f"  published: {tomorrow}")
    message = only(data_root, f"publication date {tomorrow} is in the future")
    assert message.startswith(at(path, "  published: ", str(tomorrow)))


# --------------------------------------------------------------------------- many at once


def test_three_mistakes_in_three_files_are_all_reported_sorted(data_root: Path):
    actors = data_root / ACTORS
    actor_kind = first_line(actors, r"^    kind: .+$").group(0)
    edit(actors, actor_kind + "\n", actor_kind + "\n" + actor_kind + "\n")  # a duplicate key

    jan = data_root / JAN
    match = first_line(jan, r'^    text: "(\S+) ')
    edit(jan, match.group(0), f'    text: "{match.group(1)} NOT ')  # a provision text not in texts/

    evidence = data_root / EVIDENCE
    tomorrow = TODAY + timedelta(days=1)
    line = first_line(evidence, r"^    event_date: .+$").group(0)
    edit(evidence, line + "\n", f"    event_date: {tomorrow}\n")  # a date in the future

    problems = problems_in(data_root)
    found = [str(p) for p in problems]
    assert len(found) == 3, "\n".join(found)
    assert problems == sorted(problems, key=lambda p: (p.file, p.line, p.column))
    # Sorted by file: evidence/ before provisions/.
    assert found[0].startswith(at(evidence, "    event_date: ", str(tomorrow)))
    assert "in the future" in found[0]
    assert found[1].startswith(at(actors, "    ", "kind:", nth=2))
    assert "duplicate key 'kind'" in found[1]
    assert found[2].startswith(at(jan, "    text: ", f'"{match.group(1)} NOT'))
    assert "quote not found" in found[2]


def test_every_problem_in_one_file_is_reported(data_root: Path):
    path = data_root / EVIDENCE
    # In three different places: a passage that fails the schema is not checked for references.
    edit(path, "    stance: implemented", "    stance: implemnted")
    edit_last(path, "    side: russia", "    side: rusia")
    edit(path, "  outlet: unknown\n", '  outlet: unknown\n  url: "ftp://example.org"\n')
    problems = problems_in(data_root)
    found = [str(p) for p in problems]
    assert len(found) == 3, "\n".join(found)
    assert [p.line for p in problems] == sorted(p.line for p in problems)  # by line number, not as text
    assert found[0].startswith(at(path, "  url: ", '"ftp'))
    assert found[1].startswith(at(path, "    stance: ", "implemnted"))
    assert found[2].startswith(at(path, "    side: ", "rusia"))


@pytest.mark.parametrize(
    "content",
    [
        b"source: null\n",
        b"source: []\nevidence: 5\n",
        b"source: {id: s, text: 5}\nevidence: [1, [2], {id: x}]\n",
        b"1: x\nnull: y\n",
        b"agreement: {}\nprovisions: {}\n",
        b"actors: [{id: x}, 5]\n",
        b"assessments: [{id: a, provision: nope, date: 2020-13-45}]\n",
        b"\x00\x01\x02",
        b"\xff\xfe\x00a",
        b"---\na: 1\n---\nb: 2\n",
        b"a: " + b"[" * 1_000 + b"]" * 1_000,  # far deeper nesting is in test_yamlsource (in a subprocess)
        b"source: &a {}\nevidence: *a\n",
    ],
)
def test_loading_never_raises_on_hostile_files(data_root: Path, content: bytes):
    path = data_root / "evidence" / "hostile.yaml"
    path.write_bytes(content)
    found = problems_in(data_root)
    assert found
    assert all(p.file == display_path(path) and p.line >= 1 and p.column >= 1 for p in found)


# --------------------------------------------------------------------------- reported events

EVENTS = "evidence/events-handovers.yaml"


def test_an_event_with_a_link_that_is_not_http_is_reported_at_the_link(data_root: Path):
    path = data_root / EVENTS
    edit(path, "      - https://www.aljazeera.com/", "      - ftp://www.aljazeera.com/")
    message = only(data_root, "is not an http(s) URL")
    assert message.startswith(at(path, "      - ", "ftp://www.aljazeera.com/"))


def test_an_event_linked_to_an_unknown_provision_is_reported_with_the_closest_id(data_root: Path):
    path = data_root / EVENTS
    edit(path, "    provisions: [nov2020-2]\n", "    provisions: [nov2020-22]\n")
    message = only(data_root, "unknown provision 'nov2020-22'", "nov2020-2")
    assert message.startswith(at(path, "    provisions: [", "nov2020-22"))


def test_an_event_dated_in_the_future_is_reported_at_its_date(data_root: Path):
    path = data_root / EVENTS
    tomorrow = TODAY + timedelta(days=1)
    edit(path, "    event_date: 2020-11-20\n", f"    event_date: {tomorrow}\n")
    message = only(data_root, f"event date {tomorrow} is in the future")
    assert message.startswith(at(path, "    event_date: ", str(tomorrow)))


def test_an_event_without_a_verification_is_reported(data_root: Path):
    path = data_root / EVENTS
    edit(path, "    event_date: 2020-11-20\n    verification: read\n", "    event_date: 2020-11-20\n")
    only(data_root, "missing required field 'verification'")


def test_events_are_evidence_and_count_toward_statuses():
    from tracker.models import EvidenceKind
    from tracker.status import provision_status

    from .helpers import D

    dataset = load_valid(REPO, today=TODAY)
    item = dataset.evidence["EV203"]
    assert item.kind == EvidenceKind.EVENT and item.is_event
    assert item.source_id is None and item.span is None
    assert item.where.file.endswith("events-handovers.yaml")
    assert "EV203" in {i.id for i in dataset.evidence_for("nov2020-6a")}
    s = provision_status(dataset, "nov2020-6a", D("2020-12-31"))
    assert "EV203" in s.evidence_ids and s.reasons[0].id == "EV203"
    assert dataset.quote_count + sum(1 for i in dataset.evidence.values() if i.is_event) == len(dataset.evidence)


def test_an_item_refused_by_the_schema_still_has_its_references_and_dates_checked(data_root: Path) -> None:
    (data_root / "evidence" / "events-bad.yaml").write_text(
        "events:\n"
        "  - id: EVBAD\n"
        "    summary: A report.\n"
        "    urls: [https://example.org/report]\n"
        "    outlet: Example\n"
        "    published: 2030-01-01\n"
        "    provisions: [nov2020-99]\n"
        "    stance: implementd\n"
        "    claimant: Someone\n"
        "    side: russa\n"
        "    event_date: 2020-11-22\n"
        "    verification: read\n",
        encoding="utf-8",
    )
    found = [m for m in messages(data_root) if "events-bad.yaml" in m]
    assert any(":8:13: 'implementd' is not a valid stance" in m for m in found)
    assert any(":7:18: unknown provision 'nov2020-99'" in m for m in found)
    assert any(":10:11: unknown actor 'russa'; did you mean 'russia'" in m for m in found)
    assert any(":6:16: publication date 2030-01-01 is in the future" in m for m in found)
    assert len(found) == 4, found
