"""Finding a quote in its article, tolerating typographic differences and nothing else.

Tolerated: straight vs curly quotes and apostrophes, hyphens vs en/em dashes, '...' vs '…', and any
run of whitespace (including non-breaking and thin spaces, and line breaks) vs any other. Letters,
digits, case and punctuation must match exactly.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .errors import QuoteTooCostly

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
# The same folding as _FOLD, as (character, replacement) pairs: str.translate() with a dict runs a
# Python-level lookup per character once it meets a non-ASCII one, which made folding the articles
# of a large data root take seconds; a str.replace() per character present is C-speed. Replacing
# one after the other is the same as translating, since no replacement is folded again.
_FOLD_PAIRS = tuple((chr(c), str(r)) for c, r in _FOLD.items() if chr(c) != r)
_WS = re.compile(r"\s+")
_WS_TO_FOLD = re.compile(r"\s{2,}|[^\S ]")  # what _WS.sub(" ", ...) changes; single spaces are left alone
_WS_RUN = re.compile(r"\s\s+")
_NON_SPACE = re.compile(r"\S")
_NEWLINE = re.compile("\n")

# A quote with more ellipses than this, in an article that prints both '...' and '…', is matched by a
# backtracking regex, and refused when that could take more than a second or so (_MAX_REGEX_WORK).
_MAX_ELLIPSIS_CHOICES = 6
_MAX_REGEX_WORK = 50_000_000




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


def _fold(text: str) -> str:
    """text.translate(_FOLD), faster."""
    if text.isascii():
        return text.replace("`", "'")  # the only ASCII character that folds to another
    for char, replacement in _FOLD_PAIRS:
        if char in text:
            text = text.replace(char, replacement)
    return text


def canonical(text: str) -> str:
    """Typographic variants folded to plain ASCII forms, whitespace runs collapsed."""
    # str.split() splits on exactly the characters that \s matches.
    return " ".join(_fold(text).replace("…", "...").split())


# Scanning a quote against its article used to compile one regex per quote, with a large Unicode
# class for every space: about 5 ms each, i.e. minutes for 100k passages. Instead both sides are
# folded the same way (typography to ASCII, whitespace runs to one space) and the quote is looked
# up with str.find. Quotes with an ellipsis still go through a (now small) regex, because '...' in
# a quote must match '…' in the article and a lone '.' must not. tests/test_hostile.py checks this
# against the original one-regex-per-quote matcher.


class Article:
    """An article folded like a quote, ready for many quotes to be looked up in it."""

    # The article is folded in blocks that end before a non-space character, so that no whitespace
    # run straddles two blocks. Mapping a folded offset back to the article, and finding its line,
    # needs only its block's runs and line breaks, computed the first time a quote is found there:
    # a hostile article of millions of runs or lines costs a few C-speed passes, not a Python loop
    # over each of them.
    BLOCK = 1 << 16

    def __init__(self, text: str):
        self.text = text
        self._translated = _fold(text)
        self._starts = array("q")  # where each block starts in the article
        self._folded_starts = array("q")  # and in the folded text
        self._lines_before = array("q")  # line breaks before each block
        self._line_start = array("q")  # where the line running into each block starts
        pieces: list[str] = []
        start, folded_at, lines, line_start = 0, 0, 0, 0
        while start < len(text):
            end = start + self.BLOCK
            if end < len(text):
                after = _NON_SPACE.search(self._translated, end)
                end = after.start() if after else len(text)
            else:
                end = len(text)
            pieces.append(_WS_TO_FOLD.sub(" ", self._translated[start:end]))
            self._starts.append(start)
            self._folded_starts.append(folded_at)
            self._lines_before.append(lines)
            self._line_start.append(line_start)
            folded_at += len(pieces[-1])
            lines += text.count("\n", start, end)
            line_start = max(line_start, text.rfind("\n", start, end) + 1)
            start = end
        self._folded = "".join(pieces)
        self._blocks: dict[int, tuple[array[int], array[int], array[int]]] = {}

    def _block(self, block: int) -> tuple[array[int], array[int], array[int]]:
        """For one block: the folded offset (in the block) of each whitespace run longer than one
        character, the characters removed by that run and all those before it in the block, and
        where the block's line breaks are (in the article)."""
        if block not in self._blocks:
            start = self._starts[block]
            end = self._starts[block + 1] if block + 1 < len(self._starts) else len(self.text)
            run_at, removed, breaks = array("q"), array("q"), array("q")
            total = 0
            for match in _WS_RUN.finditer(self._translated, start, end):
                run_at.append(match.start() - start - total)
                total += match.end() - match.start() - 1
                removed.append(total)
            breaks.extend(m.start() for m in _NEWLINE.finditer(self.text, start, end))
            self._blocks[block] = (run_at, removed, breaks)
        return self._blocks[block]

    def _original(self, offset: int) -> tuple[int, int]:
        """The article offset of the (non-space) character at `offset` in the folded text, and its block."""
        block = bisect.bisect_right(self._folded_starts, offset) - 1
        local = offset - self._folded_starts[block]
        run_at, removed, _ = self._block(block)
        runs_before = bisect.bisect_left(run_at, local)
        return self._starts[block] + local + (removed[runs_before - 1] if runs_before else 0), block

    def _line_col(self, offset: int, block: int) -> tuple[int, int]:
        breaks = self._block(block)[2]
        before = bisect.bisect_left(breaks, offset)  # line breaks in the block before `offset`
        line_start = breaks[before - 1] + 1 if before else self._line_start[block]
        return self._lines_before[block] + before + 1, offset - line_start + 1

    def _find_literal(self, needles: list[str]) -> tuple[int, int] | None:
        """The first and last folded offsets of the leftmost occurrence of any of `needles`."""
        best: tuple[int, int] | None = None
        for needle in needles:
            at = self._folded.find(needle)  # linear time (two-way search), whatever the text
            if at >= 0 and (best is None or at < best[0]):
                best = (at, at + len(needle) - 1)
        return best

    def _find_with_ellipses(self, needle: str) -> tuple[int, int] | None:
        # Each '...' of the quote (read left to right) matches '...' or '…' in the article. Where the
        # article prints only one of the two, or the quote has few ellipses, that is one plain search
        # per way of writing them: at most one of those ways can match at a given place, so the
        # leftmost of their first matches is the match. A regex would do the same, but it backtracks:
        # time proportional to article x quote on repetitive text.
        has_char, has_dots = "…" in self._folded, "..." in self._folded
        if not has_char:
            return self._find_literal([needle])
        if not has_dots:
            return self._find_literal([needle.replace("...", "…")])
        parts = needle.split("...")
        if len(parts) - 1 <= _MAX_ELLIPSIS_CHOICES:
            return self._find_literal(
                [
                    "".join(part + ("" if i == len(parts) - 1 else choice[i]) for i, part in enumerate(parts))
                    for choice in itertools.product(("...", "…"), repeat=len(parts) - 1)
                ]
            )
        if len(self._folded) * len(needle) > _MAX_REGEX_WORK:
            raise QuoteTooCostly(
                f"the quote has {len(parts) - 1} ellipses and the article prints both '...' and '…'; "
                "write each ellipsis as the article does"
            )
        match = _ellipsis_pattern(needle).search(self._folded)
        return None if match is None else (match.start(), match.end() - 1)

    def find(self, quote: str) -> Span | None:
        """The first place where `quote` occurs in the article, or None. Raises QuoteTooCostly in the one
        case that could take minutes on hostile text (see _find_with_ellipses)."""
        if not quote.strip():
            return None
        needle = canonical(quote)
        found = self._find_with_ellipses(needle) if "..." in needle else self._find_literal([needle])
        if found is None:
            return None
        first, last = found
        # The quote neither starts nor ends with a space, so both ends map to single characters.
        (start, block), (end, _) = self._original(first), self._original(last)
        return Span(start, end + 1, *self._line_col(start, block))


@lru_cache(maxsize=4)  # callers look up many quotes in one article in a row
def _article(text: str) -> Article:
    return Article(text)


@lru_cache(maxsize=1024)
def _ellipsis_pattern(needle: str) -> re.Pattern[str]:
    # Split left to right, like reading the quote: '....' is an ellipsis and then a dot.
    return re.compile(r"(?:\.\.\.|…)".join(re.escape(part) for part in needle.split("...")))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find(quote: str, article: str) -> Span | None:
    """The first place where `quote` occurs in `article`, or None (also when it cannot be checked in
    reasonable time: see Article.find)."""
    try:
        return _article(article).find(quote)
    except QuoteTooCostly:
        return None


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


_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{},.;:!?"


def _first_difference(quote: str, passage: str) -> str:
    a, b = quote.split(" "), passage.split(" ")
    # Words are compared without the punctuation around them: a quote that starts inside a quotation
    # mark ('actions' in '"actions by Baku') is not different there, and the real difference is later.
    ka = [w.strip(_EDGE_PUNCTUATION) for w in a]
    kb = [w.strip(_EDGE_PUNCTUATION) for w in b]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        ours, theirs = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "replace":
            return f"the quote has '{ours}' where the article has '{theirs}'"
        if op == "delete":
            return f"the quote has '{ours}', which the article does not"
        return f"the article has '{theirs}' here, which the quote leaves out"
    return ""
