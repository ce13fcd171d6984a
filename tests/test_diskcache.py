"""The cache on disk (tracker/diskcache.py): a new process on unchanged data parses nothing, and an entry
that is missing, truncated, corrupt, stale or signed by someone else is never trusted."""

from __future__ import annotations

import hashlib
import os
import struct
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
    """The entries that have a file of their own (the whole-root ones) and the packs (the files' entries)."""
    return sorted(p for p in cache_dir.iterdir() if p.name.startswith(("file-", "root-", diskcache.PACK_PREFIX)))


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


# The files' entries are in packs (tracker/diskcache.py): an entry there is damaged in place, each of the
# ways above, by writing into the pack (its bytes) or into the pack's index (where it says the entry is).


class Packed:
    """One entry of a pack: its name, where it is, and where its line of the index is."""

    def __init__(self, pack: Path, name: str, offset: int, length: int, line: int):
        self.pack, self.name, self.offset, self.length, self.line = pack, name, offset, length, line

    def write(self, at: int, data: bytes) -> None:
        raw = bytearray(self.pack.read_bytes())
        raw[at : at + len(data)] = data
        self.pack.write_bytes(bytes(raw))

    def point_at(self, offset: int, length: int) -> None:
        """Make the index say the entry is at `offset`, `length` bytes long."""
        self.write(self.line + 2, struct.pack(">QQ", offset, length))


def packed(cache_dir: Path) -> list[Packed]:
    found = []
    for pack in sorted(cache_dir.glob(diskcache.PACK_PREFIX + "*")):
        raw = pack.read_bytes()
        start, count, magic = struct.unpack(">QI4s", raw[-16:])
        assert magic == diskcache.PACK_MAGIC
        at = start
        for _ in range(count):
            size, offset, length = struct.unpack_from(">HQQ", raw, at)
            found.append(Packed(pack, raw[at + 18 : at + 18 + size].decode(), offset, length, at))
            at += 18 + size
    return found


def _packed_missing(entry: Packed, others: list[Packed]) -> None:
    entry.write(entry.line + 18, b"gone".ljust(len(entry.name), b"-"))  # the index names another entry


def _packed_empty(entry: Packed, others: list[Packed]) -> None:
    entry.write(entry.offset, bytes(entry.length))


def _packed_truncate(entry: Packed, others: list[Packed]) -> None:
    entry.point_at(entry.offset, entry.length // 2)


def _packed_flip(entry: Packed, others: list[Packed]) -> None:
    at = entry.offset + entry.length - 10
    entry.write(at, bytes([entry.pack.read_bytes()[at] ^ 0x01]))


def _packed_stale(entry: Packed, others: list[Packed]) -> None:
    other = next(o for o in others if o.name != entry.name)
    entry.point_at(other.offset, other.length)


@pytest.mark.parametrize(
    ("damage", "damage_packed"),
    [
        (_missing, _packed_missing),
        (_empty, _packed_empty),
        (_truncate, _packed_truncate),
        (_flip, _packed_flip),
        (_stale, _packed_stale),
    ],
)
def test_a_damaged_entry_is_never_trusted(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str], damage, damage_packed
):
    expected = cold
    answer(shared_root)
    entries, files = _entries(cache_dir), packed(cache_dir)
    assert len(files) == len(store.data_files(shared_root))
    # The whole-root entries too, or they would answer before the per-file ones are read.
    for path in [p for p in entries if p.name.startswith("root-")]:
        damage(path, entries)
    damaged = files[::3]
    for entry in damaged:
        damage_packed(entry, files)
    parses.clear()
    assert answer(shared_root) == expected
    names = _parsed_names(shared_root, damaged)
    assert len(names) == len(damaged) and sorted(parses) == sorted(Path(p).name for p in names)  # those only
    parses.clear()
    assert answer(shared_root) == expected and parses == []  # and they were written again


def _parsed_names(root: Path, damaged: list[Packed]) -> list[str]:
    """The data files whose entries are `damaged` (an entry's name is a digest of its file's path and bytes)."""
    names = {entry.name for entry in damaged}
    return [
        str(path)
        for path in store.data_files(root)
        if diskcache.DiskCache.name("file", str(path), os.getcwd(), hashlib.blake2b(path.read_bytes()).digest())
        in names
    ]


@pytest.mark.parametrize("cut", [0.5, 0.99, 0.0])
def test_a_pack_cut_short_or_overwritten_is_never_trusted(
    shared_root: Path, cold: tuple, cache_dir: Path, parses: list[str], cut: float
):
    answer(shared_root)
    for path in [p for p in _entries(cache_dir) if p.name.startswith("root-")]:
        path.unlink()
    (pack,) = cache_dir.glob(diskcache.PACK_PREFIX + "*")
    raw = pack.read_bytes()
    pack.write_bytes(raw[: int(len(raw) * cut)] if cut else b"\xff" * len(raw))
    parses.clear()
    assert answer(shared_root) == cold
    assert len(parses) == len(store.data_files(shared_root))


def test_packs_are_compacted_and_keep_what_is_used(data_root: Path, cache_dir: Path, parses: list[str]):
    # Each load after an edit writes a pack of its own; past MAX_PACKS, a load copies the entries it
    # used into its pack and deletes the rest, so that the folder does not grow with every edit.
    answer(data_root)
    path = data_root / EVIDENCE
    packs = []
    for n in range(diskcache.MAX_PACKS + 2):
        edit(path, f"stance: implemented{' ' * n}", f"stance: implemented{' ' * (n + 1)}")
        parses.clear()
        warm = answer(data_root)
        assert parses == [path.name]  # the other files' entries are found, compacted or not
        assert warm == answer(data_root, persistent=False)
        packs.append(len(list(cache_dir.glob(diskcache.PACK_PREFIX + "*"))))
    assert max(packs) == diskcache.MAX_PACKS and packs[-1] < diskcache.MAX_PACKS
    parses.clear()
    answer(data_root)
    assert parses == []
    for entry in cache_dir.glob("root-*"):
        entry.unlink()
    parses.clear()
    answer(data_root)
    assert parses == []  # every file's entry survived the compactions


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


def test_the_texts_a_load_records_are_their_state_as_read_again(data_root: Path, cache_dir: Path):
    # The whole-root answer records each text's real path and digest as the load read it (not by reading
    # every text again): the same as _texts_state makes now, for a plain article and one behind a link.
    articles = data_root / "evidence" / "articles"
    article = sorted(articles.iterdir())[0]
    moved = articles / "behind-a-link.txt"
    article.rename(moved)
    article.symlink_to(os.path.relpath(moved, articles))
    store.clear_cache()
    loader = store._Loader(data_root, TODAY)
    loader.run()
    assert loader.text_states, "no text recorded as read"
    recorded = tuple(loader.text_states.values())
    assert recorded == store._texts_state(recorded)
    assert any(real == str(moved.resolve()) for _, real, _ in recorded)
