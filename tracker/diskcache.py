"""A cache on disk of what loading makes of each file, so that a new `tracker` process on unchanged data
does not parse, validate and search again (at 100k passages: seconds instead of half a minute).

Where: `.tracker-cache/` in the data root (ignored by git), or $TRACKER_CACHE_DIR. What: one entry per
data file (its parse and validation, the `Parsed` the loader keeps, with where each quote of each text
the file cites was found, by the text's digest: one entry, not one more per text). The entries one load
writes go into one file, a pack (`put_many`): creating a file costs 0.2-0.7 ms here, and a cold load
of 100k passages writes 2,052 entries. Key: a digest of the code version (the bytes of every module that shapes a
parse), the file's path and the working directory (problems name files relative to it), and the file's
content digest. So an entry is only ever used for the very bytes, code and place it was made from; a
new code version or an edited file simply misses.

An entry is never trusted as it is read. Each is `MAGIC | length | tag | payload`, where the tag is a
keyed BLAKE2b of the key and the payload, with a random key kept in the user's own cache folder (0600).
A missing, truncated, corrupt or stale entry (another key, another version), or one planted by someone
without the key (the payload is a pickle, which could run code), fails the check and is a miss: the file
is parsed as if there were no cache, and the entry rewritten. Writes go to a temporary file renamed in
place, so a reader never sees half an entry. The cache never changes a result: a hit returns exactly
what parsing the same bytes returned when the entry was written (tested against cold loads).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import struct
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAGIC = b"ATC1"
_HEADER = struct.Struct(">4sQ32s")  # magic, payload length, tag
# A pack: entries (each exactly as in its own file), then the index, then this trailer.
PACK_MAGIC = b"ATP1"
_TRAILER = struct.Struct(">QI4s")  # where the index starts, how many entries, magic
_INDEX_ENTRY = struct.Struct(">HQQ")  # length of the name, where the entry starts, its length (name follows)
PACK_PREFIX = "pack-"
# Packs kept at most: a load that would make more copies the entries it used into its own pack and
# deletes the others (entries of files since edited or deleted are dropped with them).
MAX_PACKS = 8
# The modules whose code decides what a file parses to; any change to them is a new version.
_VERSIONED = (
    "models.py",
    "yamlsource.py",
    "quotes.py",
    "store.py",
    "problems.py",
    "errors.py",
    "textsafe.py",
    "diskcache.py",
    "validate/__init__.py",
    "validate/schema.py",
    "validate/checks.py",
    "validate/hints.py",
)
FOLDER = ".tracker-cache"


def _code_version() -> bytes:
    digest = hashlib.blake2b(f"{sys.version_info[:2]} pickle {pickle.HIGHEST_PROTOCOL}".encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for name in _VERSIONED:
        try:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        except OSError:
            digest.update(name.encode() + b"\0missing")
    return digest.digest()


CODE_VERSION = _code_version()


def _secret() -> bytes:
    """The key that signs entries: random, made once per user, readable by that user only."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "accord-tracker"
    path = base / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        base.mkdir(parents=True, exist_ok=True)
        tmp = base / f".cache-key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        try:
            os.link(tmp, path)  # the first writer wins; others read its key
        except FileExistsError:
            key = path.read_bytes()
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass  # no writable home: entries signed with this process's key are misses for the next
    return key


class DiskCache:
    """Entries on disk under `folder`, each signed; see the module docstring."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._key: bytes | None = None
        self.hits = self.misses = self.writes = 0
        # Name -> the places (pack, offset, length) of the entries of that name in packs, newest pack
        # first; read on the first lookup that finds no file of its own.
        self._packed: dict[str, list[tuple[Path, int, int]]] | None = None
        self._packs: list[Path] = []
        self._used: dict[str, tuple[Path, int, int]] = {}  # entries this process read from packs

    @classmethod
    def for_root(cls, root: Path) -> DiskCache:
        override = os.environ.get("TRACKER_CACHE_DIR")
        return cls(Path(override) if override else Path(root) / FOLDER)

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = _secret()
        return self._key

    @staticmethod
    def name(kind: str, *parts: str | bytes) -> str:
        """The entry name for `kind` ('file' or 'found') and what identifies it."""
        digest = hashlib.blake2b(CODE_VERSION + kind.encode(), digest_size=20)
        for part in parts:
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return f"{kind}-{digest.hexdigest()}"

    def _mac(self, name: str, handle: Any, length: int) -> bytes:
        """The tag of the `length` bytes of payload at `handle`'s position, read in chunks: a whole
        dataset's entry is tens of MB, which need not all be in memory at once."""
        mac = hmac.new(self.key, name.encode(), hashlib.blake2b)  # ascii name, then the payload
        left = length
        while left > 0:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                break
            mac.update(chunk)
            left -= len(chunk)
        return mac.digest()[:32]

    def get(self, name: str) -> Any | None:
        """The value stored under `name`, or None when missing or not to be trusted."""
        try:
            with open(self.folder / name, "rb") as handle:
                found, value = self._read_entry(name, handle, 0, os.fstat(handle.fileno()).st_size)
        except FileNotFoundError:
            found, value = self._get_packed(name)
        except OSError:
            found, value = False, None
        if not found:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def _read_entry(self, name: str, handle: Any, offset: int, size: int) -> tuple[bool, Any]:
        """(True, value) for a trusted entry of `size` bytes at `offset` in `handle`, else (False, None)."""
        handle.seek(offset)
        header = handle.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return False, None
        magic, length, tag = _HEADER.unpack(header)
        if magic != MAGIC or length != size - _HEADER.size:
            return False, None
        if not hmac.compare_digest(tag, self._mac(name, handle, length)):
            return False, None
        handle.seek(offset + _HEADER.size)
        try:
            value = pickle.load(handle)
        except Exception:  # signed by us yet unreadable (a class renamed since): a miss, never an error
            return False, None
        if not (isinstance(value, tuple) and len(value) == 2 and value[0] == name):
            return False, None
        return True, value[1]

    def _get_packed(self, name: str) -> tuple[bool, Any]:
        if self._packed is None:
            self._read_packs()
        assert self._packed is not None
        for place in self._packed.get(name, ()):
            pack, offset, length = place
            try:
                with open(pack, "rb") as handle:
                    found, value = self._read_entry(name, handle, offset, length)
            except OSError:  # a pack deleted meanwhile by another process: a miss
                continue
            if found:
                self._used[name] = place
                return True, value
        return False, None

    def _read_packs(self) -> None:
        """The index of every pack in the folder. A pack whose trailer or index does not hold together
        (cut short, overwritten) gives what of its index can be read, or nothing; never an error."""
        self._packed, packs = {}, []
        try:
            names = [n for n in os.listdir(self.folder) if n.startswith(PACK_PREFIX)]
        except OSError:
            names = []
        for entry in names:
            path = self.folder / entry
            try:
                with open(path, "rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    packs.append((os.fstat(handle.fileno()).st_mtime_ns, path))
                    if size < _TRAILER.size:
                        continue
                    handle.seek(size - _TRAILER.size)
                    start, count, magic = _TRAILER.unpack(handle.read(_TRAILER.size))
                    if magic != PACK_MAGIC or start > size - _TRAILER.size:
                        continue
                    handle.seek(start)
                    index = handle.read(size - _TRAILER.size - start)
            except OSError:
                continue
            at = 0
            for _ in range(count):
                if at + _INDEX_ENTRY.size > len(index):
                    break
                name_length, offset, length = _INDEX_ENTRY.unpack_from(index, at)
                at += _INDEX_ENTRY.size
                name = index[at : at + name_length].decode("ascii", "replace")
                at += name_length
                if offset + length <= start:
                    self._packed.setdefault(name, []).append((path, offset, length))
        # Newest first: an entry written again (its older copy damaged, say) is tried in its newest pack.
        order = {path: rank for rank, (_, path) in enumerate(sorted(packs, reverse=True))}
        for places in self._packed.values():
            places.sort(key=lambda place: order[place[0]])
        self._packs = [path for _, path in packs]

    def _record(self, name: str, value: Any) -> bytes:
        """An entry's bytes: header and pickled (name, value), signed."""
        payload = pickle.dumps((name, value), protocol=pickle.HIGHEST_PROTOCOL)
        mac = hmac.new(self.key, name.encode(), hashlib.blake2b)
        mac.update(payload)
        return _HEADER.pack(MAGIC, len(payload), mac.digest()[:32]) + payload

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        """Store several entries in one new pack (one file created instead of one per entry). When the
        folder would then hold more than MAX_PACKS packs, the entries this process read from packs are
        copied into the new one and every pack it knew of is deleted. A failure to write is never an error."""
        if self._packed is None:
            self._read_packs()
        compact = len(self._packs) + 1 > MAX_PACKS
        folder = self.folder
        tmp = folder / f".{PACK_PREFIX}{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            self._ensure_folder()
            index: list[bytes] = []
            at = 0
            with open(tmp, "wb") as handle:

                def add(name: str, record: bytes) -> None:
                    nonlocal at
                    handle.write(record)
                    encoded = name.encode("ascii")
                    index.append(_INDEX_ENTRY.pack(len(encoded), at, len(record)) + encoded)
                    at += len(record)

                written: set[str] = set()
                try:
                    for name, value in items:  # one entry in memory at a time
                        written.add(name)
                        add(name, self._record(name, value))
                except OSError:
                    raise
                except Exception:  # not picklable, say: no pack rather than an error
                    raise OSError("cannot write the entries") from None
                if not written:
                    raise OSError("nothing to write")
                if compact:
                    for name, (pack, offset, length) in self._used.items():
                        if name in written:
                            continue
                        try:
                            with open(pack, "rb") as old:
                                old.seek(offset)
                                record = old.read(length)
                        except OSError:
                            continue
                        add(name, record)  # copied as it is: still checked when read
                handle.write(b"".join(index))
                handle.write(_TRAILER.pack(at, len(index), PACK_MAGIC))
            os.replace(tmp, folder / f"{PACK_PREFIX}{secrets.token_hex(10)}")
            self.writes += len(written)
        except OSError:
            tmp.unlink(missing_ok=True)
            return
        if compact:
            for pack in self._packs:
                with contextlib.suppress(OSError):
                    pack.unlink()
        self._packed = None  # read again when next asked

    def _ensure_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / ".gitignore").exists():
            (self.folder / ".gitignore").write_text("*\n")  # never committed, wherever the root is

    def put(self, name: str, value: Any) -> None:
        """Store `value` under `name`; a failure to write is never an error (the cache is optional).
        Pickled straight into the file and signed afterwards, never held whole in memory."""
        folder = self.folder
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            self._ensure_folder()
            with open(tmp, "w+b") as handle:
                handle.write(b"\0" * _HEADER.size)
                try:
                    pickle.dump((name, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:
                    raise OSError("not picklable") from None
                length = handle.tell() - _HEADER.size
                handle.seek(_HEADER.size)
                tag = self._mac(name, handle, length)
                handle.seek(0)
                handle.write(_HEADER.pack(MAGIC, length, tag))
            os.replace(tmp, folder / name)
            self.writes += 1
        except OSError:
            tmp.unlink(missing_ok=True)


def clear(root: Path) -> None:
    """Remove the cache of the data root `root` (the benchmark's cold runs, and `tracker` users who ask)."""
    import shutil

    shutil.rmtree(DiskCache.for_root(root).folder, ignore_errors=True)
