"""Loads a data root (provisions/ and evidence/) into a checked `Dataset`, collecting every
problem in one pass: schema errors, broken references, duplicate ids, quotes not in their
article, and impossible dates."""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from . import quotes
from .columns import EvidenceColumns
from .diskcache import DiskCache
from .errors import FileChanged, InvalidData, QuoteTooCostly
from .gcpause import collector_paused, no_final_walk, promote_to_oldest
from .models import (
    Actor,
    ActorsFile,
    Agreement,
    AgreementFile,
    AliasesFile,
    Assessment,
    AssessmentsFile,
    EventsFile,
    Evidence,
    EvidenceKind,
    Provision,
    ReportedEvent,
    Source,
    SourceFile,
)
from .problems import Problem, display_path
from .validate import checks
from .validate.hints import did_you_mean
from .validate.schema import Parsed, check_file, field_names
from .yamlsource import MAX_FILE_BYTES, Document, KeyPath, parse_bytes, read_bytes

__all__ = [
    "CACHE",
    "CheckedFile",
    "Dataset",
    "EvidenceItem",
    "Location",
    "clear_cache",
    "data_files",
    "default_root",
    "field_names",
    "load",
    "load_valid",
    "valid_files",
]

DATA_DIRS = ("provisions", "evidence")
ARTICLES = "articles"  # evidence/articles/: the stored texts that quotes are checked against
# Folding an article for the quote search costs up to about 0.07 s and 6 MB of memory per MB of text
# (measured on hostile text made of whitespace runs; prose is cheaper): 16 MB keeps the worst case near
# a second and 100 MB. Articles are a few kilobytes.
MAX_ARTICLE_BYTES = 16 * 1024 * 1024


def default_root() -> Path:
    """$TRACKER_ROOT, else the repository this package lives in, else the working directory."""
    env = os.environ.get("TRACKER_ROOT")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    if (repo / "provisions").is_dir():
        return repo
    return Path.cwd()


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class EvidenceItem:
    """A piece of evidence with where it was read: a verbatim quote with its source and its place in
    the article text, or a reported event (no stored text, so no source id and no span)."""

    evidence: Evidence | ReportedEvent
    source_id: str | None
    span: quotes.Span | None
    where: Location

    @property
    def id(self) -> str:
        return self.evidence.id

    @property
    def kind(self) -> EvidenceKind:
        return EvidenceKind.EVENT if isinstance(self.evidence, ReportedEvent) else EvidenceKind.QUOTE

    @property
    def is_event(self) -> bool:
        return isinstance(self.evidence, ReportedEvent)

    @property
    def dated(self) -> bool:
        return isinstance(self.evidence.event_date, date)


@dataclass
class Dataset:
    root: Path
    actors: dict[str, Actor] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    provisions: dict[str, Provision] = field(default_factory=dict)
    provision_agreement: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)
    article_files: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, EvidenceItem] = field(default_factory=dict)
    # Suggested passages not yet confirmed by an analyst: checked like the rest, never counted.
    unconfirmed: dict[str, EvidenceItem] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assessments: dict[str, Assessment] = field(default_factory=dict)
    where: dict[tuple[str, str], Location] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    _by_provision: dict[str, list[EvidenceItem]] = field(default_factory=dict, repr=False)
    # The status engine's per-provision timelines (tracker/status.py), made on first use: keyed by the
    # class of what is kept (EvidenceColumns, timelines.Columns), each value an instance of its key.
    _timelines: dict[type, Any] = field(default_factory=dict, repr=False, compare=False)
    _quote_count: int | None = field(default=None, repr=False)

    def agreement_of(self, provision_id: str) -> Agreement:
        return self.agreements[self.provision_agreement[provision_id]]

    def evidence_for(self, provision_id: str) -> list[EvidenceItem]:
        if not self._by_provision and self.evidence:
            index: dict[str, list[EvidenceItem]] = defaultdict(list)
            for item in self.evidence.values():
                for pid in item.evidence.provisions:
                    index[pid].append(item)
            self._by_provision = dict(index)
        return self._by_provision.get(provision_id, [])

    def assessments_for(self, provision_id: str) -> list[Assessment]:
        return [a for a in self.assessments.values() if a.provision == provision_id]

    def actor_name(self, actor_id: str) -> str:
        actor = self.actors.get(actor_id)
        return actor.name if actor else actor_id

    def summary(self) -> str:
        return (
            f"{len(self.agreements)} agreements, {len(self.provisions)} provisions, "
            f"{len(self.sources)} sources, {self.quote_count} quoted passages, "
            f"{len(self.evidence) - self.quote_count} reported events, {len(self.assessments)} assessments"
            + (f", {len(self.unconfirmed)} unconfirmed suggestions (not counted)" if self.unconfirmed else "")
        )

    @property
    def quote_count(self) -> int:
        if self._quote_count is None:  # the dataset is not changed once loaded
            self._quote_count = sum(1 for item in self.evidence.values() if not item.is_event)
        return self._quote_count


# --------------------------------------------------------------------------- entry points


def load(
    root: Path | None = None,
    *,
    today: date | None = None,
    overlay: Mapping[Path, bytes] | None = None,
    persistent: bool = False,
) -> tuple[Dataset, list[Problem]]:
    """Load and check everything under `root`; return the dataset and every problem found.

    `overlay`: files as a write would leave them (path -> bytes, new files included), read in place
    of the disk, so that a write is checked exactly as `tracker validate` would check its result.
    `persistent`: also use and fill the cache on disk (tracker/diskcache.py), as the CLI does."""
    return _load(root, today, overlay, persistent, keep_dataset=True)


_NO_KEY: Any = object()


def _load(
    root: Path | None,
    today: date | None,
    overlay: Mapping[Path, bytes] | None,
    persistent: bool,
    *,
    keep_dataset: bool,
    key: str | None = _NO_KEY,
    prefetched: dict[str, tuple[bytes, bytes]] | None = None,
) -> tuple[Dataset, list[Problem]]:
    """`load`; `keep_dataset`: also write the whole-root entry of the dataset (tens of MB at 100k passages,
    seconds to write) for the next command that needs the dataset, not only the answer of validate.
    `key`: the root's _root_key, when the caller has just made it (it reads and hashes every data file), and
    `prefetched` the bytes it read and their digests (see _root_key)."""
    root = Path(root) if root is not None else default_root()
    today = today or date.today()
    disk = DiskCache.for_root(root) if persistent and not overlay else None
    if disk is None:
        key = None
    elif key is _NO_KEY:
        prefetched = {}
        key = _root_key(root, today, prefetched)
    no_final_walk()  # what the load makes lives until the process ends: see there
    with collector_paused():
        if disk is not None and key is not None:
            entry = disk.get(key + "-dataset")
            if isinstance(entry, tuple) and len(entry) == 3 and _texts_state(entry[0]) == entry[0]:
                promote_to_oldest()
                return entry[1], entry[2]
        loader = _Loader(root, today, overlay, disk)
        if disk is not None and key is not None and prefetched:
            loader.prefetched = prefetched
        loader.run()
        promote_to_oldest()  # before the collector is back on, or its first pass walks all that was made
    if disk is not None and key is not None:
        _save_root(disk, key, loader, keep_dataset)
    return loader.dataset, sorted(set(loader.problems))


def check(
    root: Path | None = None, *, today: date | None = None, persistent: bool = False
) -> tuple[str, int, list[Problem]]:
    """What `tracker validate` says: the dataset's summary, the number of files read, and every problem.
    With `persistent`, unchanged data is answered from one small entry of the disk cache, unpickling
    no dataset."""
    root = Path(root) if root is not None else default_root()
    today = today or date.today()
    key = _NO_KEY
    prefetched: dict[str, tuple[bytes, bytes]] = {}
    if persistent:
        key = _root_key(root, today, prefetched)
        if key is not None:
            entry = DiskCache.for_root(root).get(key + "-result")
            if isinstance(entry, tuple) and len(entry) == 4 and _texts_state(entry[0]) == entry[0]:
                return entry[1], entry[2], entry[3]
    # Not the dataset's entry: validate alone never reads it, and writing it took longer than the checks.
    dataset, problems = _load(root, today, None, persistent, keep_dataset=False, key=key, prefetched=prefetched)
    return dataset.summary(), len(dataset.files), problems


# What one load read besides its data files (article and agreement texts), for the whole-root entries of
# the disk cache: the state of each text now, to compare with the state it had when the entry was made.
_TextsState = tuple[tuple[str, str, bytes | str], ...]


def _texts_state(texts: _TextsState) -> _TextsState:
    state: list[tuple[str, str, bytes | str]] = []
    for path, _, _ in texts:
        real = os.path.realpath(path)
        try:
            info = os.stat(real)
            if not stat.S_ISREG(info.st_mode):
                state.append((path, real, f"mode {info.st_mode:o}"))
                continue
            with open(real, "rb") as handle:
                state.append((path, real, hashlib.blake2b(handle.read()).digest()))
        except OSError as exc:
            state.append((path, real, f"error {exc.errno}"))
    return tuple(state)


def _root_key(root: Path, today: date, keep: dict[str, tuple[bytes, bytes]] | None = None) -> str | None:
    """The disk-cache name of everything a load of `root` depends on besides the texts it reads (checked
    separately, see _texts_state): every name in provisions/ and evidence/ with its kind, the bytes of
    every data file, where each really is, the working directory and today (dates in the future are
    refused). None when something there is not a plain folder of regular files (then no whole-root entry).
    `keep`: filled with each data file's bytes and digest (by str(path)), for the load that follows to parse the very
    bytes the key was made of, without reading them again."""
    parts: list[str | bytes] = [str(root), os.path.realpath(root), os.getcwd(), today.isoformat()]
    for sub in DATA_DIRS:
        folder = root / sub
        parts.append(os.path.realpath(folder))
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            parts.append(f"{sub}: {exc.errno}")
            continue
        for name in names:
            path = folder / name
            try:
                info = os.stat(path, follow_symlinks=False)
            except OSError:
                return None
            if stat.S_ISDIR(info.st_mode):
                parts.append(f"{sub}/{name}/")
                continue
            if not stat.S_ISREG(info.st_mode):
                return None  # links, pipes: take the ordinary path, which reports them
            parts.append(f"{sub}/{name}")
            if name.endswith((".yaml", ".yml")):
                if info.st_size > MAX_FILE_BYTES:
                    return None
                with open(path, "rb") as handle:
                    raw = handle.read()
                digest = hashlib.blake2b(raw).digest()
                parts.append(digest)
                if keep is not None:
                    keep[str(path)] = (raw, digest)
    return DiskCache.name("root", *parts)


def _save_root(disk: DiskCache, key: str, loader: _Loader, keep_dataset: bool) -> None:
    states = loader.text_states
    texts = tuple(states.get(path) or _texts_state(((path, "", b""),))[0] for path in loader.texts_read)
    dataset, problems = loader.dataset, sorted(set(loader.problems))
    disk.put(key + "-result", (texts, dataset.summary(), len(dataset.files), problems))
    if keep_dataset:
        disk.put(key + "-dataset", (texts, dataset, problems))


def _file_entry(
    disk: DiskCache, name: str, raw: bytes
) -> tuple[Parsed, dict[bytes, dict[str, quotes.Span | str | None]], bytes] | None:
    """A data file's entry on disk: its `Parsed`, where the quotes of each text it cites (by the text's
    digest) were found, and the entry's pickled parse (to write again as it is); None for a miss (see
    _Loader._save_files). `raw`: the file's bytes, whose digest is part of `name`; the document was
    pickled without them.

    The entry keeps the parse (the document with its plain data, and the parse's problems), not the
    checked models: the schema is checked again on reading, which costs less than unpickling the
    models (at 100k passages 0.33 s against 2 s, and pickling them cost 0.4 s of a cold validate).
    The schema's code is part of the entry's name (diskcache.CODE_VERSION), so it says what it said."""
    entry = disk.get(name)
    if not (
        isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], bytes) and isinstance(entry[1], dict)
    ):
        return None
    try:
        loaded = pickle.loads(entry[0])  # signed with the entry (tracker/diskcache.py)
        if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], Document)):
            return None
        doc, problems = loaded
        doc.source = raw  # what a position not kept is found again from
        parsed = check_file(doc, list(problems))
    except Exception:  # signed by us yet unreadable (a class renamed since): a miss, never an error
        return None
    return parsed, entry[1], entry[0]


@dataclass(frozen=True)
class CheckedFile:
    """One data file of a data root known to be valid, as `valid_files` gives it: what it yields on its
    own, and for a source file the place of its article and a way to find each quote in it."""

    parsed: Parsed
    article_file: str | None
    find: Callable[[str], quotes.Span | None]


def valid_files(root: Path | None = None, *, today: date | None = None) -> Iterator[CheckedFile] | None:
    """The data files of `root` one at a time, when the disk cache's whole-root answer says that the data
    root, exactly as it is now, is valid; else None (load it instead: that reports any problem).

    For what needs every file but not the dataset (the evidence export): holding one file at a time
    instead of the loaded dataset of 100k passages (about 480 MB) keeps the export under 400 MB. Each
    file comes from its entry on disk (or is parsed and checked again when that misses); the checks
    across files are not redone: the answer they gave is that entry. Raises FileChanged, after the
    last file, if the data changed while it was read."""
    root = Path(root) if root is not None else default_root()
    today = today or date.today()
    key = _root_key(root, today)
    if key is None:
        return None
    disk = DiskCache.for_root(root)
    entry = disk.get(key + "-result")
    if not (isinstance(entry, tuple) and len(entry) == 4 and _texts_state(entry[0]) == entry[0]) or entry[3]:
        return None
    return _valid_files(root, today, disk, key, entry[0])


def _valid_files(root: Path, today: date, disk: DiskCache, key: str, texts: _TextsState) -> Iterator[CheckedFile]:
    for path in data_files(root):
        raw, _ = read_bytes(path)
        if raw is None:
            raise FileChanged(path, "could not be read again")
        digest = hashlib.blake2b(raw).digest()
        entry = _file_entry(disk, disk.name("file", str(path), os.getcwd(), digest), raw)
        parsed, found_in = entry[:2] if entry is not None else (check_file(*parse_bytes(raw, path, light=True)), {})
        source = parsed.parts.get("source") if parsed.model is SourceFile else None
        if not isinstance(source, Source):
            yield CheckedFile(parsed, None, lambda quote: None)
            continue
        article = parsed.doc.path.parent / source.text
        text = article.read_bytes()
        found = found_in.get(hashlib.blake2b(text).digest())
        yield CheckedFile(parsed, display_path(article), _finder_for(text, found))
    if _root_key(root, today) != key or _texts_state(texts) != texts:
        raise FileChanged(root, "changed")


def _finder_for(raw: bytes, found: dict[str, quotes.Span | str | None] | None) -> Callable[[str], quotes.Span | None]:
    text = raw.decode("utf-8")
    seen = found or {}
    article: list[quotes.Article] = []

    def find(quote: str) -> quotes.Span | None:
        result = seen.get(quote, _NOT_SEEN)
        if result is _NOT_SEEN:
            if not article:
                article.append(quotes.Article(text))
            try:
                result = article[0].find(quote)
            except QuoteTooCostly as exc:
                result = str(exc)
        return None if isinstance(result, str) else result

    return find


def load_valid(root: Path | None = None, *, today: date | None = None) -> Dataset:
    """Load `root`, raising InvalidData (with every problem) unless it is entirely valid."""
    dataset, problems = load(root, today=today)
    if problems:
        raise InvalidData(problems)
    return dataset


def data_files(root: Path, extra: Iterable[Path] = (), problems: list[Problem] | None = None) -> list[Path]:
    """The YAML files of provisions/ and evidence/, sorted; with those of `extra` (absolute paths of
    files a write is about to create) that would be there. With `problems`, every name ending in
    .yaml/.yml that is not a regular file (a folder, a pipe, a dangling symbolic link or a loop) and
    every folder that cannot be read is reported there, not skipped."""
    found: list[Path] = []
    extra = [Path(p) for p in extra]
    for sub in DATA_DIRS:
        folder = root / sub
        if not folder.is_dir():
            continue
        try:
            names = [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")]
        except OSError as exc:
            if problems is not None:
                problems.append(Problem(display_path(folder), 1, 1, f"cannot read the folder: {exc.strerror}"))
            continue
        here = set()
        for p in names:
            kind = _not_a_file(p)
            if kind is None:
                here.add(p)
            elif problems is not None:
                problems.append(Problem(display_path(p), 1, 1, f"{kind}; a data file must be a regular YAML file"))
        absolute = Path(os.path.abspath(folder))
        here |= {folder / p.name for p in extra if p.parent == absolute and p.suffix in (".yaml", ".yml")}
        found += sorted(here)
    return found


def _not_a_file(path: Path) -> str | None:
    """What `path` is when it is not a regular file (or a link to one), without opening it (a FIFO would block)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "a symbolic link to nothing (dangling)" if path.is_symlink() else "gone while being read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(info.st_mode):
        return "a named pipe (FIFO), not a file; it was not read"
    return "not a regular file (a device or socket); it was not read"


class Cache:
    """What loading again can reuse, so that it parses only the files that changed and searches only for
    new quotes or in changed texts (the dashboard after an edit, commands in one process, a write's
    check of its edited text). One object, `CACHE`; each load swaps in, in one step, the entries it
    used, so deleted files and other roots drop out and it never holds more than one root.

    `files`: key the path as given and the working directory (problems name files relative to it);
    value the BLAKE2b digest of the file's bytes and what they yielded. Every load reads every file
    and compares digests, so an entry is used only for the very bytes it was made from: an edit that
    keeps the size and the modification time (editors, `git checkout`, coarse file-system clocks, or
    os.utime) is still seen. Reading and hashing cost a few per cent of parsing. Only per-file work
    is cached: the dataset and every check across files are redone on each load.

    `found`: where each quote was found in each text (or why it was not looked for), keyed by the
    quote and the digest of the text's bytes."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], tuple[bytes, Parsed]] = {}
        self.found: dict[tuple[str, bytes], quotes.Span | str | None] = {}

    def swap(
        self,
        files: dict[tuple[str, str], tuple[bytes, Parsed]],
        found: dict[tuple[str, bytes], quotes.Span | str | None],
    ) -> None:
        # Two attribute assignments: a load in another thread reads either the old or the new dicts.
        self.files, self.found = files, found

    def clear(self) -> None:
        self.swap({}, {})


CACHE = Cache()
_NOT_SEEN: Any = object()


class _Finder:
    """Finds quotes in one text, folding it (quotes.Article) only if some quote was not seen before."""

    def __init__(
        self,
        text: str,
        digest: bytes,
        seen: dict[tuple[str, bytes], quotes.Span | str | None],
        found: dict[tuple[str, bytes], quotes.Span | str | None],
        canonical: dict[str, str] | None = None,
    ):
        self.text = text
        self.digest = digest
        self.seen = seen  # the previous load's results (read only)
        self.found = found  # this load's
        # Each quote's canonical form, made once per load: the duplicate check needs it too.
        self.canonical = canonical if canonical is not None else {}
        self._article: quotes.Article | None = None

    def find(self, quote: str) -> quotes.Span | None:
        key = (quote, self.digest)
        result = self.seen.get(key, _NOT_SEEN)
        if result is _NOT_SEEN:
            if self._article is None:
                self._article = quotes.Article(self.text)
            needle = self.canonical.get(quote)
            if needle is None:
                needle = self.canonical[quote] = quotes.canonical(quote)
            try:
                result = self._article.find(quote, needle)
            except QuoteTooCostly as exc:
                result = str(exc)  # why it was not looked for: see refusal()
        self.found[key] = result
        return None if isinstance(result, str) else result

    def refusal(self, quote: str) -> str | None:
        """Why `quote` could not be looked for, if it could not."""
        result = self.found.get((quote, self.digest))
        return result if isinstance(result, str) else None


def clear_cache() -> None:
    """Forget every parsed file and found quote (the next load reads, parses and searches everything)."""
    CACHE.clear()


# --------------------------------------------------------------------------- the loader


class _Loader:
    def __init__(
        self, root: Path, today: date, overlay: Mapping[Path, bytes] | None = None, disk: DiskCache | None = None
    ):
        self.root = root
        self.disk = disk
        self.today = today
        # Files as a write would leave them (absolute path -> bytes), read instead of the disk.
        self.overlay = {Path(os.path.abspath(p)): data for p, data in (overlay or {}).items()}
        self.dataset = Dataset(root=root)
        self.problems: list[Problem] = []
        self.docs: dict[str, Document] = {}
        # (kind, id) -> where it was first defined (a tuple per id, not a list: 103k ids at 100k passages),
        # and the ids defined more than once
        self.defined: dict[tuple[str, str], tuple[Document, KeyPath]] = {}
        self.duplicated: set[tuple[str, str]] = set()
        self.files = checks.Files()
        self.cache: dict[tuple[str, str], tuple[bytes, Parsed]] = {}
        self.seen = CACHE.found if disk is None else dict(CACHE.found)  # the disk's entries are added to a copy
        self.found: dict[tuple[str, bytes], quotes.Span | str | None] = {}
        # The disk cache's entry of each data file: its name, its pickled parse (see _file_entry; made
        # before the schema check drops the document's data) and whether it missed. Written at the end of
        # the load, with where the quotes of each text the file cites were found, all in one pack.
        self.entries: dict[str, tuple[str, bytes, bool]] = {}
        self.cites: dict[str, set[bytes]] = defaultdict(set)  # data file -> digests of the texts it cites
        self.texts_read: list[str] = []  # every text file this load looked for (for the whole-root entries)
        # The state (_texts_state) of each text read from disk, as read: its real path and the digest of
        # the very bytes the quotes were looked for in (reading them all again took 0.1 s at 100k passages).
        self.text_states: dict[str, tuple[str, str, bytes]] = {}
        self.folders: dict[Path, Path] = {}  # folder -> its real path (see _resolve)
        # Data files' bytes and digests from _root_key (by path), each used once instead of reading it again.
        self.prefetched: dict[str, tuple[bytes, bytes]] = {}
        self.canonical: dict[str, str] = {}  # quote -> quotes.canonical(quote), shared by the finders

    def _canonical(self, quote: str) -> str:
        found = self.canonical.get(quote)
        return quotes.canonical(quote) if found is None else found

    @cached_property
    def resolved_root(self) -> Path:
        # Once per load, not once per file and text: each resolve() is a system call per path component.
        return self.root.resolve()

    @cached_property
    def resolved_articles(self) -> Path:
        return (self.root / "evidence" / ARTICLES).resolve()

    def _resolve(self, path: Path) -> Path:
        """path.resolve(), with each folder resolved once per load: resolve() reads every component of a path
        (a Python loop of lstat calls, about 50 us a path), and a load resolves every data file and every
        text (4,000 paths in two folders at 100k passages). The real path of a name that is not a symbolic
        link is its folder's real path and that name; anything else is resolved in full, as before."""
        name = path.name
        if name in ("", ".", ".."):
            return path.resolve()
        try:
            folder = self.folders.get(path.parent)
            if folder is None:
                folder = self.folders[path.parent] = path.parent.resolve()
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return path.resolve()
        except (OSError, RuntimeError, ValueError):  # gone, a loop, a NUL: as resolve() says
            return path.resolve()
        return folder / name

    def run(self) -> None:
        if not (self.root / "provisions").is_dir():
            self.problems.append(
                Problem(
                    display_path(self.root),
                    1,
                    1,
                    "no provisions/ folder here; point --root at a data root that has provisions/ and evidence/",
                )
            )
            return
        previous = CACHE.files
        for path in data_files(self.root, extra=self.overlay, problems=self.problems):
            self.dataset.files.append(path)
            self._read(path, previous)
        if not any(p.parent.name == "provisions" for p in self.dataset.files):
            self.problems.append(
                Problem(
                    display_path(self.root / "provisions"),
                    1,
                    1,
                    "no agreement files in provisions/; a data root needs at least one (provisions/<agreement>.yaml)",
                )
            )
        self._register()
        self._order_by_date()
        files, ds, today = self.files, self.dataset, self.today
        self.problems += checks.references(files, ds)
        self.problems += checks.lineage(files, ds, today)
        self.problems += checks.invalid_items(files, ds, today)
        self._check_texts()
        self.problems += checks.dates(files, ds, today)
        self.problems += checks.duplicate_passages(files, self._canonical)
        CACHE.swap(self.cache, self.found)
        if self.disk is not None:
            self._save_files()

    # ----- reading

    def _parsed(self, path: Path, previous: dict[tuple[str, str], tuple[bytes, Parsed]]) -> Parsed:
        try:
            inside = self._resolve(path).is_relative_to(self.resolved_root)
        except (OSError, RuntimeError):
            inside = False
        if not inside:  # a symbolic link, to something that is then not read
            message = f"this file points outside the data root ({display_path(self.root)}); keep data files inside it"
            return Parsed(Document(path), (Problem(display_path(path), 1, 1, message),), None)
        raw = self.overlay.get(Path(os.path.abspath(path))) if self.overlay else None
        digest = None
        if raw is None and self.prefetched:
            raw, digest = self.prefetched.pop(str(path), (None, None))
        if raw is None:
            raw, problem = read_bytes(path)
            if raw is None:
                assert problem is not None
                return Parsed(Document(path), (problem,), None)
        key = (str(path), os.getcwd())
        digest = digest or hashlib.blake2b(raw).digest()
        cached = previous.get(key)
        if cached is None or cached[0] != digest:
            cached = (digest, self._parse(path, raw, digest))
        self.cache[key] = cached
        return cached[1]

    def _parse(self, path: Path, raw: bytes, digest: bytes) -> Parsed:
        """Parse and check one file, or take what that did from the disk cache (same bytes, same place,
        same code: see tracker/diskcache.py)."""
        disk = self.disk
        if disk is None or (self.overlay and Path(os.path.abspath(path)) in self.overlay):
            return check_file(*parse_bytes(raw, path, light=True))
        name = disk.name("file", str(path), os.getcwd(), digest)
        entry = _file_entry(disk, name, raw)
        if entry is not None:
            parsed, found_in, blob = entry
            self.entries[str(path)] = (name, blob, False)
            for text, found in found_in.items():
                self.seen.update({(quote, text): result for quote, result in found.items()})
            return parsed
        doc, problems = parse_bytes(raw, path, light=True)
        # Pickled now: the schema check drops the document's data (and a later check may restore every
        # position, making it larger).
        self.entries[str(path)] = (name, pickle.dumps((doc, tuple(problems)), pickle.HIGHEST_PROTOCOL), True)
        return check_file(doc, problems)

    def _save_files(self) -> None:
        """Write the entry of each data file that missed, or whose texts held a quote not found before
        (a text edited, a new quote): its parse, and where each quote of each text it cites was found."""
        assert self.disk is not None
        by_text: dict[bytes, dict[str, quotes.Span | str | None]] = defaultdict(dict)
        for (quote, text), result in self.found.items():
            by_text[text][quote] = result

        def entries() -> Iterator[tuple[str, Any]]:  # made one at a time, as the pack is written
            for path, (name, blob, missed) in self.entries.items():
                texts = self.cites.get(path, ())
                if missed or any((quote, text) not in self.seen for text in texts for quote in by_text.get(text, ())):
                    yield name, (blob, {text: by_text.get(text, {}) for text in texts})

        # One pack for all (tracker/diskcache.py): creating 2,052 files took 0.4-1.4 s at 100k passages.
        self.disk.put_many(entries())

    def _read(self, path: Path, previous: dict[tuple[str, str], tuple[bytes, Parsed]]) -> None:
        parsed = self._parsed(path, previous)
        self.problems += parsed.problems
        if parsed.model is None:
            folder = path.relative_to(self.root).parts[0] if path.is_relative_to(self.root) else ""
            self.files.unread.append((display_path(path), folder))
            return
        doc, model, parts, files = parsed.doc, parsed.model, parsed.parts, self.files
        self.docs[doc.name] = doc
        item_kind = {
            "AgreementFile": "provision",
            "SourceFile": "evidence",
            "AssessmentsFile": "assessment",
            "ActorsFile": "actor",
            "EventsFile": "evidence",
            "AliasesFile": "alias",
        }[model.__name__]
        files.invalid_ids[item_kind].update(parsed.invalid_ids)
        files.invalid_items += [(doc, name, i, raw) for name, i, raw in parsed.invalid_items]
        if model is AgreementFile:
            files.agreement_files.append((doc, parts.get("agreement"), parts.get("provisions", [])))
        elif model is SourceFile:
            files.source_files.append((doc, parts.get("source"), parts.get("evidence", [])))
        elif model is AssessmentsFile:
            files.assessment_items += [(doc, i, a) for i, a in parts.get("assessments", [])]
        elif model is ActorsFile:
            files.actor_items += [(doc, i, a) for i, a in parts.get("actors", [])]
        elif model is EventsFile:
            files.event_items += [(doc, i, e) for i, e in parts.get("events", [])]
        elif model is AliasesFile:
            for _, alias in parts.get("aliases", []):
                self.dataset.aliases[alias.term] = tuple(alias.spellings)

    # ----- ids

    def _define(self, kind: str, ident: str, doc: Document, loc: KeyPath) -> bool:
        """Record a definition; report duplicates at every place. True if this is the first."""
        key = (kind, ident)
        first = self.defined.get(key)
        if first is not None:
            first_doc, first_loc = first
            if key not in self.duplicated:  # the first place is reported once, at the second definition
                self.duplicated.add(key)
                self.problems.append(
                    first_doc.problem(
                        first_loc, f"duplicate {kind} id '{ident}': also defined at {self._where(doc, loc)}"
                    )
                )
            self.problems.append(
                doc.problem(loc, f"duplicate {kind} id '{ident}': first defined at {self._where(first_doc, first_loc)}")
            )
            return False
        self.defined[key] = (doc, loc)
        # The place of every id is kept by the parse (yamlsource.kept_position): read it straight from
        # the table, as position() would, without its call (103k ids at 100k passages).
        line, column = doc.values.get(loc) or doc.position(loc)
        self.dataset.where[key] = Location(doc.name, line, column)
        return True

    @staticmethod
    def _where(doc: Document, loc: KeyPath) -> str:
        line, column = doc.position(loc)
        return f"{doc.name}:{line}:{column}"

    def _register(self) -> None:
        ds = self.dataset
        # The status engine's columns, filled here as each piece of evidence is registered (tracker/columns.py).
        columns = ds._timelines[EvidenceColumns] = EvidenceColumns()
        for doc, i, actor in self.files.actor_items:
            if self._define("actor", actor.id, doc, ("actors", i, "id")):
                ds.actors[actor.id] = actor
        for doc, agreement, provisions in self.files.agreement_files:
            if agreement is None or not self._define("agreement", agreement.id, doc, ("agreement", "id")):
                self.files.invalid_ids["provision"].update(p.id for _, p in provisions)
                continue
            ds.agreements[agreement.id] = agreement
            for i, provision in provisions:
                if self._define("provision", provision.id, doc, ("provisions", i, "id")):
                    ds.provisions[provision.id] = provision
                    ds.provision_agreement[provision.id] = agreement.id
        for doc, source, evidence in self.files.source_files:
            if source is None or not self._define("source", source.id, doc, ("source", "id")):
                self.files.invalid_ids["evidence"].update(e.id for _, e in evidence)
                continue
            ds.sources[source.id] = source
            finder = self._read_article(doc, source)
            budget = checks.HintBudget()
            if finder is not None:
                # A passage the schema refused (a misspelt field) still has its quote checked, in the same run.
                for _, name, i, raw in (x for x in self.files.invalid_items if x[0] is doc):
                    quote = raw.get("quote")
                    if name == "evidence" and isinstance(quote, str):
                        self._check_quote(doc, ("evidence", i, "quote"), quote, finder, source.id, budget)
            for i, item in evidence:
                if not self._define("evidence", item.id, doc, ("evidence", i, "id")):
                    continue
                span = self._check_quote(doc, ("evidence", i, "quote"), item.quote, finder, source.id, budget)
                line, column = doc.values.get(("evidence", i)) or doc.position(("evidence", i))
                made = EvidenceItem(item, source.id, span, Location(doc.name, line, column))
                if item.unconfirmed:
                    ds.unconfirmed[item.id] = made
                else:
                    ds.evidence[item.id] = made
                    columns.add(made)
        for doc, i, event in self.files.event_items:
            if self._define("evidence", event.id, doc, ("events", i, "id")):
                line, column = doc.position(("events", i))
                made = EvidenceItem(event, None, None, Location(doc.name, line, column))
                ds.evidence[event.id] = made
                columns.add(made)
        for doc, i, assessment in self.files.assessment_items:
            if self._define("assessment", assessment.id, doc, ("assessments", i, "id")):
                ds.assessments[assessment.id] = assessment

    def _check_quote(
        self, doc: Document, loc: KeyPath, quote: str, finder: _Finder | None, source_id: str, budget: checks.HintBudget
    ) -> quotes.Span | None:
        """Where an evidence quote is in its article, or None with the problem recorded: too short to
        prove anything, or not in the article (on word boundaries)."""
        short = checks.too_short(doc, loc, quote)
        if short is not None:
            self.problems.append(short)
            return None
        if finder is None:
            return None
        span = finder.find(quote)
        if span is None:
            file = self.dataset.article_files[source_id]
            self.problems.append(checks.quote_not_found(doc, loc, quote, finder, file, budget)[0])
        return span

    def _order_by_date(self) -> None:
        # Agreements in the order they were signed, each with its provisions in file order.
        ds = self.dataset
        ds.agreements = dict(sorted(ds.agreements.items(), key=lambda kv: kv[1].date))
        rank = {aid: n for n, aid in enumerate(ds.agreements)}
        ds.provisions = dict(sorted(ds.provisions.items(), key=lambda kv: rank[ds.provision_agreement[kv[0]]]))

    # ----- article texts

    def _read_text_file(
        self, doc: Document, loc: KeyPath, relative: str, resolved: Path | None = None
    ) -> _Finder | None:
        """The finder of the text `relative` to `doc`'s folder (`resolved`: its real path, if known)."""
        self.texts_read.append(str(doc.path.parent / relative))
        path = doc.path.parent / relative
        root = self.resolved_root
        try:
            resolved = resolved or self._resolve(path)
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL character in the path
            self.problems.append(doc.problem(loc, f"cannot resolve the path '{relative}'"))
            return None
        if not resolved.is_relative_to(root):
            self.problems.append(
                doc.problem(
                    loc,
                    f"'{relative}' points outside the data root ({display_path(root)}); "
                    "keep texts inside the repository",
                )
            )
            return None
        pending = self.overlay.get(Path(os.path.abspath(path))) if self.overlay else None
        if pending is not None:  # a text a write is about to store
            return self._finder(doc, loc, relative, pending)
        try:
            is_file = resolved.is_file()
        except OSError as exc:  # is_file() lets e.g. "File name too long" through
            self.problems.append(doc.problem(loc, f"cannot read '{relative}': {exc.strerror}"))
            return None
        if not is_file and resolved.exists():  # a folder, a pipe, a device: nothing to read, and never read
            self.problems.append(doc.problem(loc, f"'{relative}' is not a regular file"))
            return None
        if not is_file:
            near = did_you_mean(path.name, [p.name for p in path.parent.glob("*")] if path.parent.is_dir() else [])
            self.problems.append(doc.problem(loc, f"text file '{relative}' does not exist{near}"))
            return None
        if resolved.stat().st_size > MAX_ARTICLE_BYTES:
            self.problems.append(
                doc.problem(loc, f"text file '{relative}' is larger than {MAX_ARTICLE_BYTES // 2**20} MB")
            )
            return None
        try:
            raw = resolved.read_bytes()
        except OSError as exc:
            self.problems.append(doc.problem(loc, f"cannot read '{relative}': {exc.strerror}"))
            return None
        finder = self._finder(doc, loc, relative, raw)
        if finder is not None:
            where = str(path)  # as in texts_read
            self.text_states.setdefault(where, (where, str(resolved), finder.digest))
        return finder

    def _finder(self, doc: Document, loc: KeyPath, relative: str, raw: bytes) -> _Finder | None:
        try:
            text = raw.decode("utf-8")
            digest = hashlib.blake2b(raw).digest()
            self.cites[str(doc.path)].add(digest)
            return _Finder(text, digest, self.seen, self.found, self.canonical)
        except UnicodeDecodeError as exc:
            self.problems.append(
                doc.problem(loc, f"text file '{relative}' is not valid UTF-8 (byte {exc.start}); convert it to UTF-8")
            )
        return None

    def _read_article(self, doc: Document, source: Source) -> _Finder | None:
        articles = self.resolved_articles
        try:
            place = self._resolve(doc.path.parent / source.text)
        except (OSError, RuntimeError, ValueError):
            place = None
        if (
            place is not None
            and place.is_relative_to(self.resolved_root)  # else: "points outside" below
            and (not place.is_relative_to(articles) or place.suffix.lower() in (".yaml", ".yml", ".json"))
        ):
            # A source quoting its own YAML file (or any data file) would validate any fabricated quote.
            self.problems.append(
                doc.problem(
                    ("source", "text"),
                    f"'{source.text}' is not a stored article: a source's text must be a text file in "
                    f"evidence/{ARTICLES}/ (where `tracker add-source` stores it), e.g. '{ARTICLES}/000_....txt'",
                )
            )
            return None
        finder = self._read_text_file(doc, ("source", "text"), source.text, place)
        if finder is not None:
            self.dataset.articles[source.id] = finder.text
            self.dataset.article_files[source.id] = display_path(doc.path.parent / source.text)
        return finder

    def _check_texts(self) -> None:
        """Each provision's text must appear in the agreement's stored text, as evidence quotes must."""
        for doc, agreement, provisions in self.files.agreement_files:
            if agreement is None or not agreement.text_file:
                continue
            finder = self._read_text_file(doc, ("agreement", "text_file"), agreement.text_file)
            if finder is None:
                continue
            file = display_path(doc.path.parent / agreement.text_file)
            budget = checks.HintBudget()
            for i, provision in provisions:
                if finder.find(provision.text) is None:
                    self.problems.append(
                        checks.quote_not_found(doc, ("provisions", i, "text"), provision.text, finder, file, budget)[0]
                    )
                for j, variant in enumerate(provision.variants):
                    if finder.find(variant.text) is None:
                        self.problems.append(
                            checks.quote_not_found(
                                doc, ("provisions", i, "variants", j, "text"), variant.text, finder, file, budget
                            )[0]
                        )
