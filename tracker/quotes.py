"""Finding a quote in its article, tolerating typographic differences and nothing else.

Tolerated: straight vs curly quotes and apostrophes, hyphens vs en/em dashes, '...' vs '…', any
run of whitespace (including non-breaking and thin spaces, and line breaks) vs any other, Unicode
normal forms (both sides are compared in NFC), and soft hyphens and zero-width characters (in the
article or the quote: typography). Letters, digits, case and punctuation must match exactly, and a
quote starts and ends on word boundaries of the article: "legal armed groups" is not found in
"illegal armed groups".
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
import unicodedata
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
# Typography that carries no letter: soft hyphen, zero-width space/non-joiner/joiner, word joiner,
# and a byte-order mark inside the text. Removed from both sides before comparing.
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_ASCII_GRAPHIC = re.compile("[\x21-\x7e]")
# A quote that occurs this many times inside longer words (never on word boundaries) is not searched
# further: each such occurrence costs a comparison of the whole quote.
_MAX_CANDIDATES = 10_000
_WS = re.compile(r"\s+")
_WS_TO_FOLD = re.compile(r"\s{2,}|[^\S ]")  # what _WS.sub(" ", ...) changes; single spaces are left alone
_WS_RUN = re.compile(r"\s\s+")
_NON_SPACE = re.compile(r"\S")
_NON_SPACE_CHAR = re.compile("[^ ]")
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

    def __reduce__(self) -> tuple[type[Span], tuple[int, int, int, int]]:
        # Pickled as a call with its four numbers, not as a class and a dict of state: the disk cache
        # pickles one per quote found (100k at 100k passages), 0.8 -> 0.4 us each, and unpickles faster.
        return Span, (self.start, self.end, self.line, self.column)


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


def normal(text: str) -> str:
    """NFC, without soft hyphens and zero-width characters (what both sides are compared in)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))


def _needs_normal(text: str) -> bool:
    # One `in` per invisible character (a C search for one character) rather than the regex's class: 37 us
    # -> 5 us for a 10 kB article, 2,000 articles at 100k passages.
    return not text.isascii() and (
        any(char in text for char in _INVISIBLE_CHARS) or not unicodedata.is_normalized("NFC", text)
    )


def canonical(text: str) -> str:
    """Typographic variants folded to plain ASCII forms, whitespace runs collapsed, in NFC."""
    # For ASCII text normal() and _fold() come down to one replace: one test instead of four (101k quotes
    # at 100k passages).
    text = text.replace("`", "'") if text.isascii() else _fold(normal(text)).replace("…", "...")
    # Every whitespace character but the space is unprintable, so printable text without two spaces in a
    # row has nothing for the substitution to change: two C-speed tests instead of a regex pass.
    if "  " in text or not text.isprintable():
        # Only runs and other whitespace are substituted, not every single space: re.sub (and str.split)
        # would hold a piece per word, hundreds of MB for a quote of millions of words.
        text = _WS_TO_FOLD.sub(" ", text)
    return text.strip()


_WORD = re.compile(r"[^\W_]+")


def word_count(text: str, up_to: int) -> int:
    """Words of a quote (runs of letters and digits), counted up to `up_to` (a long quote costs no list)."""
    return sum(1 for _ in itertools.islice(_WORD.finditer(text), up_to))


def has_words(text: str, words: int) -> bool:
    """Whether `text` has at least `words` words: word_count(text, words) >= words, without an iterator."""
    at = 0
    for _ in range(words):
        found = _WORD.search(text, at)
        if found is None:
            return False
        at = found.end()
    return True


class _Normalised:
    """An article in `normal` form, with the way back to offsets in the original text. Normalised in
    blocks that start at an ASCII character (never a combining mark, so no character composes across
    two blocks); an offset is mapped back by a binary search over prefixes of its block."""

    BLOCK = 1 << 16

    def __init__(self, text: str):
        self.original = text
        self.starts = array("q")  # where each block starts in the original
        self.normal_starts = array("q")  # and in the normal text
        pieces: list[str] = []
        start, at = 0, 0
        while start < len(text):
            end = start + self.BLOCK
            if end < len(text):
                after = _ASCII_GRAPHIC.search(text, end)
                end = after.start() if after else len(text)
            else:
                end = len(text)
            pieces.append(normal(text[start:end]))
            self.starts.append(start)
            self.normal_starts.append(at)
            at += len(pieces[-1])
            start = end
        self.text = "".join(pieces)

    def to_original(self, offset: int) -> int:
        """Where the character at `offset` of the normal text starts in the original (len for the end)."""
        if offset >= len(self.text):
            return len(self.original)
        block = bisect.bisect_right(self.normal_starts, offset) - 1
        begin = self.starts[block]
        end = self.starts[block + 1] if block + 1 < len(self.starts) else len(self.original)
        local = offset - self.normal_starts[block]
        # The smallest prefix whose normal form is longer than `local` ends just after that character;
        # the length of a normal form never shrinks as the prefix grows.
        lo, hi = begin, end
        while lo < hi:
            mid = (lo + hi) // 2
            if len(normal(self.original[begin:mid])) > local:
                hi = mid
            else:
                lo = mid + 1
        return lo - 1


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
        self.original = text
        self._normal = _Normalised(text) if _needs_normal(text) else None
        text = self._normal.text if self._normal is not None else text
        self.text = text
        self._translated = _fold(text)
        self._starts = array("q")  # where each block starts in the article
        self._folded_starts = array("q")  # and in the folded text
        self._lines_before = array("q")  # line breaks before each block
        self._line_start = array("q")  # where the line running into each block starts
        pieces: list[str] = []
        self._no_runs: set[int] = set()  # blocks without a whitespace run (folded as long as they are)
        self._spaces_only: set[int] = set()  # blocks whose whitespace is spaces and line breaks only
        start, folded_at, lines, line_start = 0, 0, 0, 0
        while start < len(text):
            end = start + self.BLOCK
            if end < len(text):
                after = _NON_SPACE.search(self._translated, end)
                end = after.start() if after else len(text)
            else:
                end = len(text)
            chunk = self._translated[start:end]
            flat = chunk.replace("\n", " ")
            if flat.isprintable():
                # Its only whitespace characters are spaces and line breaks (any other is unprintable): the
                # runs are runs of spaces once the breaks are spaces, collapsed by replaces at C speed (as
                # many as halvings of the longest run) instead of a regex pass (0.4 ms for a 10 kB article,
                # 2,000 articles at 100k passages).
                self._spaces_only.add(len(pieces))
                if "  " in flat:
                    while "  " in flat:
                        flat = flat.replace("  ", " ")
                else:
                    self._no_runs.add(len(pieces))
            else:
                flat = _WS_TO_FOLD.sub(" ", chunk)
            pieces.append(flat)
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
            if block in self._no_runs:
                pass
            elif block in self._spaces_only:  # the runs are those of spaces once the breaks are spaces
                flat = self._translated[start:end].replace("\n", " ")
                at = flat.find("  ")
                while at >= 0:
                    after = _NON_SPACE_CHAR.search(flat, at)
                    stop = after.start() if after else len(flat)
                    run_at.append(at - total)
                    total += stop - at - 1
                    removed.append(total)
                    at = flat.find("  ", stop)
            else:
                for match in _WS_RUN.finditer(self._translated, start, end):
                    run_at.append(match.start() - start - total)
                    total += match.end() - match.start() - 1
                    removed.append(total)
            breaks.extend([m.start() for m in _NEWLINE.finditer(self.text, start, end)])
            self._blocks[block] = (run_at, removed, breaks)
        return self._blocks[block]

    def _original(self, offset: int, near: int | None = None) -> tuple[int, int]:
        """The article offset of the (non-space) character at `offset` in the folded text, and its block.
        `near`: a block `offset` is likely in (a quote's two ends nearly always share one), tried first."""
        starts = self._folded_starts
        block = near
        if block is None or offset < starts[block] or (block + 1 < len(starts) and offset >= starts[block + 1]):
            block = bisect.bisect_right(starts, offset) - 1
        local = offset - starts[block]
        run_at, removed, _ = self._blocks.get(block) or self._block(block)
        runs_before = bisect.bisect_left(run_at, local)
        return self._starts[block] + local + (removed[runs_before - 1] if runs_before else 0), block

    def _line_col(self, offset: int, block: int) -> tuple[int, int]:
        breaks = self._block(block)[2]
        before = bisect.bisect_left(breaks, offset)  # line breaks in the block before `offset`
        line_start = breaks[before - 1] + 1 if before else self._line_start[block]
        return self._lines_before[block] + before + 1, offset - line_start + 1

    def _bounded(self, at: int, end: int) -> bool:
        """Whether folded[at:end] starts and ends on word boundaries (where its edge is a letter or digit)."""
        folded = self._folded
        if at > 0 and folded[at].isalnum() and folded[at - 1].isalnum():
            return False
        return not (end < len(folded) and folded[end - 1].isalnum() and folded[end].isalnum())

    def _find_literal(self, needles: list[str]) -> tuple[int, int] | None:
        """The first and last folded offsets of the leftmost occurrence of any of `needles` on word boundaries."""
        best: tuple[int, int] | None = None
        for needle in needles:
            at, tried = self._folded.find(needle), 0  # linear time (two-way search), whatever the text
            while at >= 0 and not self._bounded(at, at + len(needle)):
                tried += 1
                if tried > _MAX_CANDIDATES:
                    raise QuoteTooCostly(
                        f"the quote occurs more than {_MAX_CANDIDATES:,} times inside longer words of the article; "
                        "quote a longer passage"
                    )
                at = self._folded.find(needle, at + 1)
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
        while match is not None and not self._bounded(match.start(), match.end()):
            match = _ellipsis_pattern(needle).search(self._folded, match.start() + 1)
        return None if match is None else (match.start(), match.end() - 1)

    def find(self, quote: str, needle: str | None = None) -> Span | None:
        """The first place where `quote` occurs in the article, or None. Raises QuoteTooCostly in the one
        case that could take minutes on hostile text (see _find_with_ellipses). `needle`: canonical(quote),
        if the caller has it already."""
        if not quote or quote.isspace():  # not quote.strip(), without copying the quote
            return None
        if needle is None:
            needle = canonical(quote)
        found = self._find_with_ellipses(needle) if "..." in needle else self._find_literal([needle])
        if found is None:
            return None
        first, last = found
        # The quote neither starts nor ends with a space, so both ends map to single characters.
        start, block = self._original(first)
        end, _ = self._original(last, block)
        if self._normal is None:
            return Span(start, end + 1, *self._line_col(start, block))
        start, stop = self._normal.to_original(start), self._normal.to_original(end + 1)
        return Span(start, stop, *_line_col(self.original, start))


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
    return nearest_within(quote, article, None)[0]


# How many windows around anchor words a bounded search aligns, at most, per quote.
_ANCHORS = 3


def alignment_cost(quote_len: int, text_len: int) -> int:
    """The work of one fuzzy alignment, in about nanoseconds on a 2020s core (measured with rapidfuzz
    3: 2,000 characters against 8 kB takes 0.25 s, against 2 MB 3.4 s; 200 against 2 MB 0.11 s)."""
    return quote_len * text_len + 64 * quote_len * quote_len


def nearest_within(quote: str, article: str, cells: int | None) -> tuple[NearMatch | None, int]:
    """`nearest`, spending at most `cells` of work (see alignment_cost) on fuzzy alignment, and how
    much it spent. When aligning against the whole article would cost more,
    only windows around a few words of the quote found in the article are aligned (a cheaper, rougher
    hint); when even that would cost more, no hint (None)."""
    if len(article) > _MAX_HINT_ARTICLE or len(quote) > _MAX_HINT_QUOTE or not quote.strip():
        return None, 0
    needle = canonical(quote).replace("...", "…")
    # translate() keeps offsets one-to-one with the (normal) article, so lines can be reported.
    text = normal(article) if _needs_normal(article) else article
    haystack = text.translate(_FOLD).replace("\n", " ").replace("\t", " ").replace("\r", " ")
    spent = 0
    if cells is None or alignment_cost(len(needle), len(haystack)) <= cells:
        found = fuzz.partial_ratio_alignment(needle, haystack)
        spent = alignment_cost(len(needle), len(haystack))
        best = None if found is None else (found.score, found.dest_start, found.dest_end)
    else:
        best = None
        width = 3 * len(needle)
        for anchor in _anchor_words(needle):
            at = re.search(r"(?<!\w)" + re.escape(anchor) + r"(?!\w)", haystack)
            if at is None:
                continue
            begin = max(0, at.start() - width)
            window = haystack[begin : at.end() + width]
            if spent + alignment_cost(len(needle), len(window)) > cells:
                break
            spent += alignment_cost(len(needle), len(window))
            found = fuzz.partial_ratio_alignment(needle, window)
            if found is not None and (best is None or found.score > best[0]):
                best = (found.score, begin + found.dest_start, begin + found.dest_end)
    if best is None or best[0] < 60:  # below this the "closest passage" is noise
        return None, spent
    score, start, end = best
    start, end = _widen(haystack, start, end)
    start, end = _trim(haystack, start, end, quote)
    passage = _WS.sub(" ", haystack[start:end]).strip()
    line, _ = _line_col(text, start)
    near = NearMatch(passage, line, round(score, 1), _first_difference(canonical(quote), canonical(passage)))
    return near, spent


def hint_possible(quote: str, article: str) -> bool:
    """Whether a closest passage is looked for at all (quote and article under the hint's size limits)."""
    return len(article) <= _MAX_HINT_ARTICLE and len(quote) <= _MAX_HINT_QUOTE and bool(quote.strip())


def _anchor_words(needle: str) -> list[str]:
    """A few of the quote's longest words (the rarest, likely), to look for in the article first."""
    words = sorted({w for w in re.findall(r"\w{4,}", needle)}, key=lambda w: (-len(w), w))
    return words[:_ANCHORS]


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
            return f"the quote has '{ours}' where the article has '{theirs}'" + _code_points(ours, theirs)
        if op == "delete":
            return f"the quote has '{ours}', which the article does not"
        return f"the article has '{theirs}' here, which the quote leaves out"
    return ""


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')}"


def _code_points(ours: str, theirs: str) -> str:
    """Where two words differ in a character that is not plain ASCII, name both code points: the
    difference may be invisible (a Cyrillic A, U+0410, for a Latin one), and the words alone would not show it."""
    for x, y in itertools.zip_longest(ours, theirs):
        if x == y:
            continue
        if (x is None or x.isascii()) and (y is None or y.isascii()):
            return ""
        if x is None:
            return f" (the article has {_name(y)} here)"
        if y is None:
            return f" (the quote has {_name(x)} here)"
        return f" (the quote has {_name(x)} where the article has {_name(y)})"
    return ""
