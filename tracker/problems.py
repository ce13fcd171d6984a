"""Located problems in the data: what `tracker validate` prints, one per line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Re-exported: they used to live here, and callers import them from here.
from .errors import InvalidData
from .validate.hints import closest, did_you_mean

__all__ = ["InvalidData", "Problem", "closest", "did_you_mean", "display_path"]


@dataclass(frozen=True, order=True)
class Problem:
    """A problem at `file:line:column` (both 1-based), in the style of compilers and linters."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
