"""Writing files so that an interruption never leaves a half-written one, and so that a file edited
by someone else since we read it is never silently overwritten.

The write goes to a temporary file in the same folder (`.<name>.<pid>.<random>.tmp`), which is
flushed and fsynced, then renamed over the target (an atomic step on POSIX and Windows), and the
folder is fsynced so the rename survives a power cut. A `ReadToken` taken when the file was read
(mtime_ns, size and SHA-256) is compared with the file on disk just before the rename; if they
differ the write is refused with `FileChanged`. Temporary files left by a process that was killed
mid-write are removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import DataBusy, FileChanged, FileSystemError, OutputRefused

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]  # the module or None; callers check

__all__ = [
    "ABSENT",
    "LOCK_NAME",
    "FileChanged",
    "ReadToken",
    "check_unchanged",
    "data_lock",
    "read_with_token",
    "write_atomic",
    "write_output",
]


@dataclass(frozen=True)
class ReadToken:
    """What a file looked like when it was read. `exists=False` means it did not exist."""

    exists: bool
    mtime_ns: int = 0
    size: int = 0
    sha256: str = ""

    @classmethod
    def of(cls, path: Path, data: bytes | None = None) -> ReadToken:
        """The token of `path` now; pass the bytes just read to avoid reading the file twice."""
        path = Path(path)
        try:
            info = path.stat()
        except FileNotFoundError:
            return cls(False)
        if data is None:
            data = path.read_bytes()
        return cls(True, info.st_mtime_ns, info.st_size, hashlib.sha256(data).hexdigest())


ABSENT = ReadToken(False)


def read_with_token(path: Path) -> tuple[bytes, ReadToken]:
    """The bytes of `path` and the token to pass to `write_atomic(expect=...)` when writing it back."""
    path = Path(path)
    # stat before and after the read: a write racing with the read shows up as a changed stat,
    # and the token then fails the later check rather than vouching for bytes we never saw.
    before = path.stat()
    data = path.read_bytes()
    after = path.stat()
    token = ReadToken(True, after.st_mtime_ns, after.st_size, hashlib.sha256(data).hexdigest())
    if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, after.st_size) or len(data) != after.st_size:
        token = ReadToken(True, -1, -1, "changed-during-read")
    return data, token


def check_unchanged(path: Path, expect: ReadToken) -> None:
    """Raise FileChanged unless `path` is still as `expect` describes it."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if expect.exists:
            raise FileChanged(path, "was deleted") from None
        return
    if not expect.exists:
        raise FileChanged(path, "was created by someone else")
    # The size and the content hash decide; mtime alone can change without an edit (touch) and
    # can stay the same across a fast edit on coarse-grained file systems.
    if info.st_size != expect.size or hashlib.sha256(path.read_bytes()).hexdigest() != expect.sha256:
        raise FileChanged(path, "changed on disk")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours, or we cannot tell: keep its file
    return True


def stale_temp_files(path: Path) -> list[Path]:
    """Temporary files of `path` left by processes that no longer run (killed mid-write)."""
    path = Path(path)
    stale = []
    folder = path.parent if str(path.parent) else Path(".")
    for candidate in folder.glob(f".{path.name}.*.tmp"):
        parts = candidate.name[len(path.name) + 2 :].split(".")
        if len(parts) == 3 and parts[0].isdigit() and not _pid_alive(int(parts[0])):
            stale.append(candidate)
    return stale


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable. Not possible on every platform (Windows): best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, expect: ReadToken | None = None) -> None:
    """Write `data` to `path` via a temporary file, fsync and rename: never a half-written file.

    `expect`: the token from when the file was read (`read_with_token`), or `ABSENT` for a file that
    must not exist yet. The file is checked against it just before the rename and FileChanged is
    raised, writing nothing, if it differs. With `ABSENT` the file is put in place with a hard link,
    which fails if the name was taken in the meantime (no check-then-write window). An error of the
    operating system is raised as FileSystemError, and leaves the file as it was.
    """
    path = Path(path)
    try:
        _write_atomic(path, data, expect)
    except OSError as exc:  # disk full, read-only or unreadable folder, no such folder: one line, not a traceback
        raise FileSystemError.of(exc, path, "write") from None


def _write_atomic(path: Path, data: bytes, expect: ReadToken | None) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    for stale in stale_temp_files(path):
        with contextlib.suppress(OSError):
            stale.unlink()
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 lets the umask decide a new file's mode, as an ordinary write would
    # (mkstemp would make it 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))  # keep the replaced file's permissions
        if expect is not None and not expect.exists:
            _link_new(tmp, path)
        else:
            if expect is not None:
                check_unchanged(path, expect)
            os.replace(tmp, path)
        _fsync_dir(folder)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _link_new(tmp: Path, path: Path) -> None:
    """Put `tmp` in place as `path`, failing if `path` exists (a hard link never overwrites)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileChanged(path, "was created by someone else") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        # No hard links on this file system: check, then rename (a short window remains).
        check_unchanged(path, ABSENT)
        os.replace(tmp, path)


# --------------------------------------------------------------------------- one writer at a time

LOCK_NAME = ".tracker.lock"
LOCK_WAIT_SECONDS = 30.0
_held = threading.local()


@contextlib.contextmanager
def data_lock(root: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the data root's write lock (an exclusive fcntl lock on `<root>/.tracker.lock`) for the
    whole check, write and rename of an edit, so that two writers (two commands, two dashboard
    sessions, a command and the dashboard) never both read the same file and one lose the other's
    change. A second writer waits up to `wait` seconds, then gets DataBusy. Re-entrant within a
    thread. Where fcntl does not exist (Windows) there is no lock, and the ReadToken check before
    the rename is the only guard."""
    key = os.path.abspath(root)
    held: set[str] = getattr(_held, "roots", set())
    _held.roots = held
    if key in held or fcntl is None:
        yield
        return
    path = Path(root) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise FileSystemError.of(exc, path, "lock") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DataBusy(
                        f"another process has been writing to {root} for over {wait:.0f} s; nothing was written. "
                        "Try again in a moment."
                    ) from None
                time.sleep(0.02)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------- outputs named by a person


def write_output(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write an output file (`--output` of export, history, changes) without clobbering anything:
    refuse (OutputRefused) a path that is a symbolic link (never followed), anything that is not a
    regular file (a device, a FIFO: never opened, so never blocked on), and an existing file unless
    `force`. The write itself is atomic; a missing folder or a full disk is a FileSystemError."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileSystemError.of(exc, path, "write") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputRefused(f"{path} is a symbolic link; give the path of a regular file (links are not followed)")
        if not stat.S_ISREG(info.st_mode):
            raise OutputRefused(f"{path} is not a regular file (a folder, device or pipe); give a file path")
        if not force:
            raise OutputRefused(f"{path} exists; add --force to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileSystemError(f"cannot write {path}: the folder {folder} does not exist")
    # A file that exists is replaced by rename (the name, never what it pointed to); a new one is
    # put in place with a hard link, which fails if something took the name in the meantime.
    write_atomic(path, data, expect=ReadToken.of(path) if info is not None else ABSENT)
