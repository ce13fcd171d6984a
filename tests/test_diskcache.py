"""The cache on disk (tracker/diskcache.py): a new process on unchanged data parses nothing, and an entry
that is missing, truncated, corrupt, stale or signed by someone else is never trusted."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import diskcache, status, store
from tracker.cli import main

from .helpers import TODAY, D, copy_data, edit

EVIDENCE = "evidence/russian-ministers-visit.yaml"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every entry, and the signing key, under the test's own folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    return folder


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the bundled data for the tests that damage or bypass the cache but never the data."""
    return copy_data(tmp_path_factory.mktemp("diskcache") / "data")


@pytest.fixture(scope="module")
def cold(shared_root: Path) -> tuple[list[str], dict[str, object], list[object]]:
    """What a load of shared_root says without any cache."""
    return answer(shared_root, persistent=False)


def answer(root: Path, *, persistent: bool = True) -> tuple[list[str], dict[str, object], list[object]]:
    """Everything a load says, as a new process would see it (the in-memory cache emptied first)."""
    store.clear_cache()
    dataset, problems = store.load(root, today=TODAY, persistent=persistent)
    evidence = {i: (item.evidence, item.span, str(item.where)) for i, item in dataset.evidence.items()}
    statuses = [] if problems else status.all_statuses(dataset, D("2023-06-30"))
    return [str(p) for p in problems], evidence, statuses


def test_a_second_process_parses_nothing_and_says_the_same(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str]
):
    first = answer(shared_root)
    assert parses and cache_dir.is_dir()
    parses.clear()
    warm = answer(shared_root)
    assert parses == []
    assert warm == first == cold


def test_an_invalid_file_is_cached_with_its_problems(data_root: Path, cache_dir: Path, parses: list[str]):
    edit(data_root / EVIDENCE, "stance: ", "stanse: ")
    cold = answer(data_root, persistent=False)
    answer(data_root)
    parses.clear()
    assert answer(data_root) == cold and cold[0]
    assert parses == []


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.iterdir() if p.name.startswith(("file-", "found-", "root-")))


def _truncate(path: Path, others: list[Path]) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _flip(path: Path, others: list[Path]) -> None:
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0x01
    path.write_bytes(bytes(raw))


def _stale(path: Path, others: list[Path]) -> None:
    # A well-formed, correctly signed entry, but made for another file (or an older version of this one).
    path.write_bytes(next(o for o in others if o != path and o.name[:5] == path.name[:5]).read_bytes())


def _missing(path: Path, others: list[Path]) -> None:
    path.unlink()


def _empty(path: Path, others: list[Path]) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_missing, _empty, _truncate, _flip, _stale])
def test_a_damaged_entry_is_never_trusted(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str], damage: Callable[[Path, list[Path]], None]
):
    expected = cold
    answer(shared_root)
    entries = _entries(cache_dir)
    # The whole-root entries too, or they would answer before the per-file ones are read.
    damaged = [p for p in entries if p.name.startswith("file-")][::3] + [p for p in entries if "found" in p.name][:2]
    damaged += [p for p in entries if p.name.startswith("root-")]
    for path in damaged:
        damage(path, entries)
    parses.clear()
    assert answer(shared_root) == expected
    assert len(parses) == len([p for p in damaged if p.name.startswith("file-")])  # those, and only those
    parses.clear()
    assert answer(shared_root) == expected and parses == []  # and they were written again


@pytest.mark.parametrize("damage", [_missing, _truncate, _flip, _stale])
def test_a_damaged_whole_root_entry_falls_back_to_the_files_entries(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str], damage
):
    expected = cold
    answer(shared_root)
    entries = _entries(cache_dir)
    for path in [p for p in entries if p.name.startswith("root-")]:
        damage(path, entries)
    parses.clear()
    assert answer(shared_root) == expected and parses == []
    summary, _, problems = store.check(shared_root, today=TODAY, persistent=True)
    assert (summary, problems) == (store.load(shared_root, today=TODAY)[0].summary(), [])


def test_an_article_edited_in_place_is_seen(data_root: Path, cache_dir: Path):
    # The whole-root entry is keyed by the data files; the texts they cite are checked on every use.
    answer(data_root)
    article = next((data_root / "evidence" / "articles").iterdir())
    before = article.stat()
    text = article.read_text(encoding="utf-8")
    changed = "".join("x" if c.isalpha() else c for c in text)  # same size, every quote gone
    article.write_text(changed, encoding="utf-8")
    os.utime(article, ns=(before.st_atime_ns, before.st_mtime_ns))
    warm = answer(data_root)
    assert warm == answer(data_root, persistent=False)
    assert any("quote not found" in p for p in warm[0])
    assert store.check(data_root, today=TODAY, persistent=True)[2]


def test_an_entry_signed_with_another_key_is_not_trusted(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Someone who can write to the data root but not to the user's cache folder cannot plant an entry
    # (the payload is a pickle): entries made under another key are misses.
    expected = cold
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    answer(shared_root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    parses.clear()
    assert answer(shared_root) == expected
    assert len(parses) == len(store.data_files(shared_root))


def test_another_code_version_misses(
    shared_root: Path, cache_dir: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
):
    answer(shared_root)
    monkeypatch.setattr(diskcache, "CODE_VERSION", b"another version of the code")
    parses.clear()
    answer(shared_root)
    assert len(parses) == len(store.data_files(shared_root))


def test_an_edit_keeping_size_and_time_misses_for_that_file_only(data_root: Path, cache_dir: Path, parses: list[str]):
    answer(data_root)
    path = data_root / EVIDENCE
    before = path.stat()
    edit(path, "stance: implemented", "stance: progress   ")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    parses.clear()
    warm = answer(data_root)
    assert parses == [path.name]
    assert warm == answer(data_root, persistent=False)


def test_no_cache_neither_reads_nor_writes(shared_root: Path, cache_dir: Path):
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "--no-cache", "--root", str(shared_root)])
    assert result.exit_code == 0, result.output
    assert not cache_dir.exists()
    result = runner.invoke(main, ["validate", "--root", str(shared_root)])
    assert result.exit_code == 0, result.output
    assert _entries(cache_dir)


def test_the_cache_folder_in_a_data_root_is_ignored_by_git(
    data_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("TRACKER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    store.clear_cache()
    store.load(data_root, today=TODAY, persistent=True)
    folder = data_root / diskcache.FOLDER
    assert (folder / ".gitignore").read_text() == "*\n"


def test_a_problem_found_across_files_is_located_from_a_files_entry(
    data_root: Path, cache_dir: Path, parses: list[str]
):
    # An unknown provision is found only once every file is read, at a place the entry does not keep
    # (entries keep items' and ids' places): it is found again from the file's bytes, not the entry.
    path = data_root / EVIDENCE
    text = path.read_text(encoding="utf-8")
    start = text.index("provisions: [") + len("provisions: [")
    path.write_text(text[:start] + "no-such-provision, " + text[start:], encoding="utf-8")
    cold = answer(data_root, persistent=False)
    assert any("no-such-provision" in p for p in cold[0])
    answer(data_root)
    for entry in cache_dir.glob("root-*"):
        entry.unlink()
    parses.clear()
    assert answer(data_root) == cold and parses == []
