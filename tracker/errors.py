"""Every error the library raises on purpose, in one tree, so that a caller catches `TrackerError`
once and shows its message (the CLI turns it into a `click.ClickException` in one place, the
dashboard into one message component, `dashboard/ui.py: show_error`).

    TrackerError                 the root: its str() is a complete sentence for a person
    ├── InvalidData              the data (or an edit of it) has problems; .problems, each located
    │   └── QuoteNotFound        ... only quotes not in their article; .nearest is the closest passage
    ├── FileChanged              a file changed on disk since it was read; nothing was written
    ├── DataBusy                 another writer held the data root's lock for too long
    ├── EditError                an edit cannot be made safely by inserting text; edit by hand
    ├── BadInput (ValueError)    a value given to the library cannot be used (an undecodable article,
    │                            a period that is no period, a start after an end)
    │   └── QuoteTooCostly       a quote that cannot be looked for in bounded time
    ├── OutputRefused            --output names something that must not be written (a device, a
    │                            symbolic link, an existing file without --force)
    └── FileSystemError          the operating system refused (disk full, read-only, no permission);
                                 one line naming the path and the cause; .errno

A module may add a leaf of its own under TrackerError (`tracker.release.changes.NotARelease`); the
CLI and the dashboard show it like the rest. Anything else that escapes the library is a bug, and is
shown as one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problems import Problem
    from .quotes import NearMatch

__all__ = [
    "BadInput",
    "DataBusy",
    "EditError",
    "FileChanged",
    "FileSystemError",
    "InvalidData",
    "OutputRefused",
    "QuoteNotFound",
    "QuoteTooCostly",
    "TrackerError",
]


class TrackerError(Exception):
    """The root of every error the library raises on purpose; str() is the message for a person."""


class InvalidData(TrackerError):
    """The data cannot be used; carries every problem found, sorted by place."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class QuoteNotFound(InvalidData):
    """The only problems are quotes not in their article; `nearest` is the closest passage, if any is close."""

    def __init__(self, problems: list[Problem], nearest: NearMatch | None):
        self.nearest = nearest
        super().__init__(problems)


class FileChanged(TrackerError):
    """The file changed on disk (or appeared, or vanished) since it was read; nothing was written."""

    def __init__(self, path: Path, reason: str):
        self.path = Path(path)
        super().__init__(f"{path} {reason} since it was read; nothing was written. Read it again and redo the change.")


class DataBusy(TrackerError):
    """Another process held the data root's write lock longer than we wait; nothing was written."""


class EditError(TrackerError):
    """An edit cannot be made by text insertion without risk; the file is left as it was."""


class BadInput(TrackerError, ValueError):
    """A value given to the library cannot be used (also a ValueError, as it was before the tree)."""


class QuoteTooCostly(BadInput):
    """The quote cannot be looked for in this article in bounded time; the message says what to do."""


class OutputRefused(TrackerError):
    """An output path that must not be written: not a regular file, a symbolic link, or an existing
    file without --force."""


class FileSystemError(TrackerError):
    """The operating system refused a read or a write: one line, naming the path and the cause."""

    def __init__(self, message: str, errno: int | None = None):
        self.errno = errno
        super().__init__(message)

    @classmethod
    def of(cls, exc: OSError, path: Path | str | None = None, doing: str = "write") -> FileSystemError:
        """'cannot write docs/x.md: No space left on device' from an OSError."""
        from .problems import display_path

        where = path if path is not None else exc.filename
        cause = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
        name = display_path(Path(where)) if where is not None else "a file"
        return cls(f"cannot {doing} {name}: {cause}", exc.errno)


def message_of(exc: BaseException) -> str:
    """The sentence to show for `exc`: its message for a TrackerError, else a short note that it is a bug."""
    if isinstance(exc, TrackerError):
        return str(exc)
    return f"unexpected error ({type(exc).__name__}: {exc}); this is a bug, please report it"
