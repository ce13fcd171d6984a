"""Parsing YAML with positions: every key and value carries its 1-based line and column, and
everything PyYAML would silently accept but the tracker must not (duplicates, aliases, tags,
deep nesting) comes back as a located problem instead of an exception."""

from __future__ import annotations

import subprocess
import sys
import weakref
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.problems import Problem
from tracker.yamlsource import MAX_DEPTH, Document, parse_text, read_file

PATH = Path("/nowhere/data.yaml")


def parse(text: str) -> tuple[Document, list[Problem]]:
    return parse_text(text, PATH)


def only_problem(text: str) -> Problem:
    _doc, problems = parse(text)
    assert len(problems) == 1, problems
    return problems[0]


SAMPLE = """\
# a comment line
source:
  id: visit
  title: "A title"
evidence:
  - id: E1
    provisions: [p-1, p-2]
    event_date: 2020-11-22
"""


# --------------------------------------------------------------------------- positions


def test_values_carry_one_based_line_and_column():
    doc, problems = parse(SAMPLE)
    assert problems == []
    assert doc.values[()] == (2, 1)
    assert doc.values[("source", "id")] == (3, 7)
    assert doc.values[("source", "title")] == (4, 10)  # the opening quote
    assert doc.values[("evidence", 0)] == (6, 5)
    assert doc.values[("evidence", 0, "provisions", 0)] == (7, 18)
    assert doc.values[("evidence", 0, "provisions", 1)] == (7, 23)


def test_keys_carry_one_based_line_and_column():
    doc, _ = parse(SAMPLE)
    assert doc.keys[("source",)] == (2, 1)
    assert doc.keys[("source", "title")] == (4, 3)
    assert doc.keys[("evidence", 0, "event_date")] == (8, 5)


def test_plain_data_is_returned_with_yaml_types():
    doc, _ = parse(SAMPLE)
    assert doc.data == {
        "source": {"id": "visit", "title": "A title"},
        "evidence": [{"id": "E1", "provisions": ["p-1", "p-2"], "event_date": date(2020, 11, 22)}],
    }


def test_position_falls_back_to_nearest_enclosing_node():
    doc, _ = parse(SAMPLE)
    # A path that does not exist (e.g. a missing field) is reported at its parent.
    assert doc.position(("evidence", 0, "stance")) == (6, 5)
    assert doc.position(("evidence", 0, "event_date"), key=True) == (8, 5)
    assert doc.problem(("source", "id"), "boom") == Problem(doc.name, 3, 7, "boom")


def test_crlf_line_endings_give_the_same_positions():
    unix, _ = parse(SAMPLE)
    windows, problems = parse(SAMPLE.replace("\n", "\r\n"))
    assert problems == []
    assert windows.values == unix.values
    assert windows.keys == unix.keys
    assert windows.data == unix.data


def test_byte_order_mark_is_accepted_and_does_not_shift_columns(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"))
    doc, problems = read_file(path)
    assert problems == []
    assert doc.data["source"]["id"] == "visit"
    assert doc.keys[("source",)] == (2, 1)
    assert doc.values[("source", "id")] == (3, 7)


# --------------------------------------------------------------------------- duplicates and syntax


def test_duplicate_key_is_reported_with_both_lines():
    problem = only_problem("id: a\ntitle: x\nid: b\n")
    assert (problem.line, problem.column) == (3, 1)
    assert "duplicate key 'id'" in problem.message
    assert "first defined at line 1, column 1" in problem.message


def test_duplicate_key_keeps_the_first_value_and_the_rest_of_the_file():
    doc, problems = parse("outer:\n  id: a\n  id: b\n  next: c\n")
    assert len(problems) == 1
    assert (problems[0].line, problems[0].column) == (3, 3)
    assert doc.data == {"outer": {"id": "a", "next": "c"}}


def test_duplicate_key_spelt_with_quotes_is_still_a_duplicate():
    problem = only_problem('quote: a\n"quote": b\n')
    assert (problem.line, problem.column) == (2, 1)
    assert "duplicate key 'quote'" in problem.message


def test_syntax_error_is_a_located_problem_not_an_exception():
    problem = only_problem("source:\n  title: Lavrov: we agree\n")
    assert problem.file == str(PATH)
    assert (problem.line, problem.column) == (2, 16)
    assert problem.message.startswith("YAML syntax error")
    assert "must be quoted" in problem.message


def test_unclosed_quote_is_a_located_syntax_error():
    problem = only_problem('a: 1\nb: "never closed\nc: 2\n')
    assert problem.message.startswith("YAML syntax error")
    assert problem.line >= 2


@pytest.mark.parametrize(
    "text, line",
    [
        ("a:\n\tb: 1\n", 2),  # libyaml says only "found character that cannot start any token"
        ("a:\n  b: 1\n\tc: 2\n", 3),
        ("a:\n  - x\n\t- y\n", 3),
        ("a: 1\n  \tb: 2\n", 2),
    ],
)
def test_tab_used_for_indentation_hints_at_spaces(text: str, line: int):
    problem = only_problem(text)
    assert problem.line == line
    assert problem.message.startswith("YAML syntax error")
    assert "indent with spaces" in problem.message


@pytest.mark.parametrize("before", ["a: 1\nb: x", "\u00e9t\u00e9: \u00fc\nb: x"])
def test_control_character_is_located_on_one_line(before: str):
    # libyaml gives only a byte offset; this used to be reported at 1:1, over two lines, with a tab hint
    # (because "unacceptable" contains "tab").
    problem = only_problem(before + "\x00y\n")
    assert (problem.line, problem.column) == (2, 5)
    assert problem.message == "YAML syntax error: character U+0000 is not allowed (control characters are not allowed)"


def test_syntax_error_without_tabs_gives_no_tab_hint():
    problem = only_problem("a: b: c\n")
    assert "tab" not in problem.message


# --------------------------------------------------------------------------- refused constructs


def test_alias_is_refused():
    doc, problems = parse("a: &name text\nb: *name\n")
    assert len(problems) == 1
    assert "anchors and aliases" in problems[0].message
    assert problems[0].line == 1
    assert doc.data is None


def test_anchor_without_alias_is_refused_too():
    problem = only_problem("a: &name text\nb: other\n")
    assert (problem.line, problem.column) == (1, 4)
    assert "anchors and aliases" in problem.message


def test_merge_key_is_refused():
    _doc, problems = parse("base: {a: 1}\nother:\n  <<: {a: 2}\n")
    assert len(problems) == 1
    assert "merge keys" in problems[0].message
    assert (problems[0].line, problems[0].column) == (3, 3)


def test_billion_laughs_is_refused_at_its_first_anchor():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    doc, problems = parse("\n".join(lines) + "\n")
    # Refused at the first anchor, so nothing is expanded: the work is bounded by the first line.
    assert len(problems) == 1
    assert "anchors and aliases" in problems[0].message
    assert (problems[0].line, problems[0].column) == (1, 4)
    assert doc.data is None


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo pwned']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:collections.OrderedDict {}\n",
        "a: !custom value\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
        "a: !!omap [x: 1]\n",
    ],
)
def test_non_standard_tags_are_refused(text: str):
    problem = only_problem(text)
    assert (problem.line, problem.column) == (1, 4)
    assert "is not allowed" in problem.message


def test_standard_str_tag_is_allowed():
    doc, problems = parse("point: !!str 12\n")
    assert problems == []
    assert doc.data == {"point": "12"}


def test_nesting_deeper_than_max_depth_is_refused():
    depth = MAX_DEPTH + 5
    problem = only_problem("a: " + "[" * depth + "]" * depth + "\n")
    assert "nests more than" in problem.message
    assert problem.line == 1


def test_nesting_up_to_max_depth_is_accepted():
    _doc, problems = parse("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert problems == []


def test_extreme_nesting_is_refused_without_crashing_the_interpreter():
    # libyaml's composer recursed in C and killed the process (SIGSEGV) at about 30,000 levels,
    # so run it in a child process: a crash must fail this test, not the whole run.
    code = (
        "from pathlib import Path\n"
        "from tracker.yamlsource import parse_text\n"
        "n = 200_000\n"
        "doc, problems = parse_text('a: ' + '[' * n + ']' * n, Path('deep.yaml'))\n"
        "print(len(problems), problems[0].line, problems[0].column)\n"
    )
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, timeout=60)
    assert result.returncode == 0, result.stderr
    # Refused and located on the line; which layer refuses (the project's depth check or libyaml's own cap,
    # in its own words) depends on the PyYAML build, so the wording is not pinned here.
    count, line, column = map(int, result.stdout.split())
    assert count == 1 and line == 1 and column >= 1


def test_key_that_is_a_collection_is_refused():
    problem = only_problem("? [a, b]\n: value\n")
    assert "plain name" in problem.message


# --------------------------------------------------------------------------- scalars and files


def test_empty_file_is_a_problem():
    problem = only_problem("")
    assert (problem.line, problem.column) == (1, 1)
    assert "empty" in problem.message


def test_file_with_only_comments_is_empty():
    assert "empty" in only_problem("# nothing here yet\n\n").message


def test_malformed_date_stays_a_string():
    doc, problems = parse("good: 2020-11-22\nbad: 2020-13-45\nworse: 2020-02-30\n")
    assert problems == []
    assert doc.data == {"good": date(2020, 11, 22), "bad": "2020-13-45", "worse": "2020-02-30"}


def test_quoted_date_stays_a_string_and_plain_scalars_get_yaml_types():
    doc, _ = parse("a: '2020-11-22'\nb: 12\nc: 1.5\nd: true\ne: null\nf: two\n")
    assert doc.data == {"a": "2020-11-22", "b": 12, "c": 1.5, "d": True, "e": None, "f": "two"}


def test_non_utf8_file_is_a_located_problem(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\nclaimant: Erdo\u011fan\n".encode("utf-8") + b"note: caf\xe9 (Latin-1)\n")
    doc, problems = read_file(path)
    assert len(problems) == 1
    assert "not valid UTF-8" in problems[0].message
    assert doc.data is None
    assert (problems[0].line, problems[0].column) == (3, 10)


def test_unreadable_file_is_a_problem(tmp_path: Path):
    _doc, problems = read_file(tmp_path / "missing.yaml")
    assert len(problems) == 1
    assert "cannot read" in problems[0].message


def test_parsing_keeps_no_nodes_alive_between_files(monkeypatch: pytest.MonkeyPatch):
    # The shared SafeConstructor used to cache every constructed node for the life of the process.
    # Each node is followed by a weak reference as it is made, rather than by walking the whole heap
    # (seconds, in a test process that has run the dashboard).
    alive: weakref.WeakSet[yaml.Node] = weakref.WeakSet()
    made = 0
    for cls in (yaml.ScalarNode, yaml.CollectionNode):

        def follow(self: yaml.Node, *args: object, _init: Any = cls.__init__, **kwargs: object) -> None:
            nonlocal made
            _init(self, *args, **kwargs)
            alive.add(self)
            made += 1

        monkeypatch.setattr(cls, "__init__", follow)
    text = "".join(f"k{i}: {i}\nd{i}: 2020-01-{1 + i % 28:02d}\nf{i}: {i}.5\n" for i in range(200))
    for _ in range(5):
        parse(text)
    assert made > 300  # enough nodes made that keeping them would show
    assert len(alive) < 100


# --------------------------------------------------------------------------- the light parse's fast path

LIGHT_CASES = [
    SAMPLE,
    "source:\n  id: s\nevidence:\n  - id: E1\n    note: |\n      two\n      lines\n"
    "    deep:\n      - id: x\n        k: [1, 2.5, true, ~]\n",
    'a: \'quoted: \\t\'\nb: "tab\\there"\nc: "esc \\e here"\n',
    "a: 1\nb: 2\na: 3\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 12\nb: !custom v\n",
    "a: 1\n<<: {b: 2}\n",
    "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",
    "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n",
    "a: 1\n---\nb: 2\n",
    "- 1\n- 2\n",
    "just text\n",
    "",
    "# only a comment\n",
    "a: [1\nb: 2\n",
    "? [a, b]\n: 1\n",
    "a: =\n",
    "a: 2020-13-45\nb: 2020-01-02\nc: 0x1F\nd: 1_000\ne: .inf\n",
    "evidence:\n  - id: E1\n    provisions:\n      - id: deeper\n",
    "a:\n  b:\n    c:\n      id: 1\n    id: 2\n  id: 3\n",
    "\ufeffa: 1\r\nb: 2\r\n",
]


@pytest.mark.parametrize("text", LIGHT_CASES)
def test_the_fast_light_parse_says_what_the_full_builder_says(text: str, monkeypatch: pytest.MonkeyPatch):
    # A light parse tries yamlsource._Fast first and hands anything it does not take to _Builder: the
    # data, the positions kept and the problems must be the same either way.
    import tracker.yamlsource as yamlsource

    raw = text.encode("utf-8")
    fast, fast_problems = yamlsource.parse_bytes(raw, PATH, light=True)
    monkeypatch.setattr(yamlsource, "_FAST", [False])
    slow, slow_problems = yamlsource.parse_bytes(raw, PATH, light=True)
    assert fast.data == slow.data
    assert list(fast.values.items()) == list(slow.values.items())
    assert fast.keys == slow.keys
    assert fast_problems == slow_problems


@pytest.mark.parametrize("text", LIGHT_CASES[:2])
def test_a_plain_valid_file_is_taken_by_the_fast_path(text: str, monkeypatch: pytest.MonkeyPatch):
    import tracker.yamlsource as yamlsource

    def not_called(*args: object) -> None:
        raise AssertionError("parsed again by _Builder")

    monkeypatch.setattr(yamlsource._Builder, "_run", not_called)
    _doc, problems = yamlsource.parse_bytes(text.encode("utf-8"), PATH, light=True)
    assert problems == []
