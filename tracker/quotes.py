"""Finding a quote in its article, tolerating typographic differences and nothing else.

Tolerated: straight vs curly quotes and apostrophes, hyphens vs en/em dashes, '...' vs '…', and any
run of whitespace (including non-breaking and thin spaces, and line breaks) vs any other. Letters,
digits, case and punctuation must match exactly.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

_DOUBLE = '"“”„‟«»″'
_SINGLE = "'‘’‚‛′`"
_DASH = "-‐‑‒–—―"
_SPACE_CHARS = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# One character for one, so that offsets in a folded text are offsets in the original.
_FOLD = str.maketrans(
    {
        **{c: '"' for c in _DOUBLE},
        **{c: "'" for c in _SINGLE},
        **{c: "-" for c in _DASH},
        **{c: " " for c in _SPACE_CHARS},
    }
)
_CLASS = {'"': "[" + re.escape(_DOUBLE) + "]", "'": "[" + re.escape(_SINGLE) + "]", "-": "[" + re.escape(_DASH) + "]"}
_WS = re.compile(r"\s+")

# Bounds that keep the near-match search fast on hostile input (it is only a hint).
_MAX_HINT_ARTICLE = 2_000_000
_MAX_HINT_QUOTE = 2_000


@dataclass(frozen=True)
class Span:
    """Where a quote sits in its article: character offsets and the 1-based line and column."""

    start: int
    end: int
    line: int
    column: int


@dataclass(frozen=True)
class NearMatch:
    text: str
    line: int
    score: float
    difference: str


def canonical(text: str) -> str:
    """Typographic variants folded to plain ASCII forms, whitespace runs collapsed."""
    return _WS.sub(" ", text.translate(_FOLD).replace("…", "...")).strip()


@lru_cache(maxsize=4096)
def _pattern(quote: str) -> re.Pattern[str]:
    parts: list[str] = []
    text = canonical(quote)
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("...", i):
            parts.append(r"(?:\.\.\.|…)")
            i += 3
            continue
        if ch == " ":
            parts.append(r"[\s" + _SPACE_CHARS + r"]+")
        elif ch in _CLASS:
            parts.append(_CLASS[ch])
        else:
            parts.append(re.escape(ch))
        i += 1
    return re.compile("".join(parts))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find(quote: str, article: str) -> Span | None:
    """The first place where `quote` occurs in `article`, or None."""
    if not quote.strip():
        return None
    match = _pattern(quote).search(article)
    if match is None:
        return None
    line, column = _line_col(article, match.start())
    return Span(match.start(), match.end(), line, column)


def nearest(quote: str, article: str) -> NearMatch | None:
    """The passage of `article` most like `quote`, with the first difference spelled out."""
    if len(article) > _MAX_HINT_ARTICLE or len(quote) > _MAX_HINT_QUOTE or not quote.strip():
        return None
    needle = canonical(quote).replace("...", "…")
    # translate() keeps offsets one-to-one with the article, so lines can be reported.
    haystack = article.translate(_FOLD).replace("\n", " ").replace("\t", " ").replace("\r", " ")
    found = fuzz.partial_ratio_alignment(needle, haystack)
    if found is None or found.score < 60:  # below this the "closest passage" is noise
        return None
    start, end = _widen(haystack, found.dest_start, found.dest_end)
    start, end = _trim(haystack, start, end, quote)
    passage = _WS.sub(" ", haystack[start:end]).strip()
    line, _ = _line_col(article, start)
    return NearMatch(passage, line, round(found.score, 1), _first_difference(canonical(quote), canonical(passage)))


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    # Snap the alignment outwards to whole words so the hint reads naturally.
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _trim(text: str, start: int, end: int, quote: str) -> tuple[int, int]:
    # The alignment is as long as the quote, so when the quote has extra words it overshoots into
    # the words around the passage (even the previous line), and the "first difference" would be
    # one of those. Keep only as many words before the first matching word, and after the last,
    # as the quote itself has there.
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    a = canonical(quote).split(" ")
    b = [canonical(text[s:e]) for s, e in words]
    blocks = [m for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() if m.size]
    if not blocks:
        return start, end
    first, last = blocks[0], blocks[-1]
    lead = max(0, first.b - first.a)
    tail = max(0, (len(b) - last.b - last.size) - (len(a) - last.a - last.size))
    return words[lead][0], words[len(b) - 1 - tail][1]


def _first_difference(quote: str, passage: str) -> str:
    a, b = quote.split(" "), passage.split(" ")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        ours, theirs = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "replace":
            return f"the quote has '{ours}' where the article has '{theirs}'"
        if op == "delete":
            return f"the quote has '{ours}', which the article does not"
        return f"the article has '{theirs}' here, which the quote leaves out"
    return ""
