"""A cache on disk of what loading makes of each file, so that a new `tracker` process on unchanged data
does not parse, validate and search again (at 100k passages: seconds instead of half a minute).

Where: `.tracker-cache/` in the data root (ignored by git), or $TRACKER_CACHE_DIR. What: one entry per
data file (its parse and validation, the `Parsed` the loader keeps, with where each quote of each text
the file cites was found, by the text's digest: one entry, not one more per text, since creating a file
costs about a millisecond here). Key: a digest of the code version (the bytes of every module that shapes a
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

import hashlib
import hmac
import os
import pickle
import secrets
import struct
import sys
from pathlib import Path
from typing import Any

MAGIC = b"ATC1"
_HEADER = struct.Struct(">4sQ32s")  # magic, payload length, tag
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
                header = handle.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    self.misses += 1
                    return None
                magic, length, tag = _HEADER.unpack(header)
                size = os.fstat(handle.fileno()).st_size
                if magic != MAGIC or length != size - _HEADER.size:
                    self.misses += 1
                    return None
                if not hmac.compare_digest(tag, self._mac(name, handle, length)):
                    self.misses += 1
                    return None
                handle.seek(_HEADER.size)
                try:
                    value = pickle.load(handle)
                except Exception:  # signed by us yet unreadable (a class renamed since): a miss, never an error
                    self.misses += 1
                    return None
        except OSError:
            self.misses += 1
            return None
        if not (isinstance(value, tuple) and len(value) == 2 and value[0] == name):
            self.misses += 1
            return None
        self.hits += 1
        return value[1]

    def put(self, name: str, value: Any) -> None:
        """Store `value` under `name`; a failure to write is never an error (the cache is optional).
        Pickled straight into the file and signed afterwards, never held whole in memory."""
        folder = self.folder
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not (self.folder / ".gitignore").exists():
                (self.folder / ".gitignore").write_text("*\n")  # never committed, wherever the root is
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
