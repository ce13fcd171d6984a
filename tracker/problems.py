"""Located problems in the data: what `tracker validate` prints, one per line."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """A problem at `file:line:column` (both 1-based), in the style of compilers and linters."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class InvalidData(Exception):
    """Raised when the data cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def closest(word: str, candidates: Iterable[str], n: int = 4) -> list[str]:
    """The candidates most like `word`, best first; equally good ones in alphabetical order."""
    scored = []
    for candidate in candidates:
        matcher = difflib.SequenceMatcher(None, word, candidate)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((-round(matcher.ratio(), 6), candidate))
    return [c for _, c in sorted(scored)[:n]]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' or '' when nothing is close."""
    matches = closest(word, candidates)
    if not matches:
        return ""
    return "; did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
