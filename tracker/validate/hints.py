"""'did you mean ...?': the one place where the hint for a misspelt name or id is built."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sized


def closest(word: str, candidates: Iterable[str], n: int = 4) -> list[str]:
    """The candidates most like `word`, best first; equally good ones in alphabetical order."""
    scored = []
    for candidate in candidates:
        matcher = difflib.SequenceMatcher(None, word, candidate)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((-round(matcher.ratio(), 6), candidate))
    return [c for _, c in sorted(scored)[:n]]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x' or 'y'?' or '' when nothing is close."""
    matches = closest(word, candidates)
    if not matches:
        return ""
    return "; did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"


def unknown(kind: str, ident: str, known: Iterable[str], *, list_up_to: int = 20) -> str:
    """ "unknown provision 'x'; did you mean 'y'?", or with the known ids when there are few and none is close."""
    # A list of up to 20 short ids still reads at a glance.
    known = list(known) if not isinstance(known, Sized) else known
    hint = did_you_mean(ident, known)
    if not hint and 0 < len(known) <= list_up_to:
        hint = f"; known {kind} ids: {', '.join(known)}"
    return f"unknown {kind} '{ident}'{hint}"
