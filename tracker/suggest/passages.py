"""Passages of an article: sentences, a short sentence joined to its neighbour, quotations whole.

Every passage is an exact span of the article (`text == article[start:end]`), so a stub's quote is
always found in the stored text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A quotation longer than this is split at its own sentence ends (a whole speech is no passage).
MAX_QUOTATION = 600
# A sentence shorter than this many words is joined to its neighbour ("There can be no doubt.").
MIN_WORDS = 5
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "no",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "prof",
    "jr",
    "sr",
    "vs",
    "etc",
    "approx",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "fig",
    "art",
    "para",
    "pp",
    "vol",
    "inc",
    "ltd",
    "co",
    "corp",
    "govt",
    "dept",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
}
_OPEN = "\u201c\u201e\u00ab\u2039"  # curly, low and angle opening quotes
_CLOSE = "\u201d\u00bb\u203a"  # their closing forms
_ENDS = ".!?…"
_TRAIL = "\"'\u201d\u2019\u00bb)]"
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]+")


@dataclass(frozen=True)
class Passage:
    """A passage of an article: its exact text and its character span (`text == article[start:end]`)."""

    text: str
    start: int
    end: int


def _sentence_spans(para: str) -> list[tuple[int, int]]:
    """Sentence spans in one paragraph; no break inside a quotation unless it runs too long."""
    spans: list[tuple[int, int]] = []
    start = 0
    depth = 0
    straight_open = False
    quote_start = 0
    i = 0
    n = len(para)
    while i < n:
        ch = para[i]
        if ch in _OPEN:
            if depth == 0:
                quote_start = i
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
            straight_open = False if depth == 0 else straight_open
        elif ch == '"':
            if straight_open or (depth > 0 and i > 0 and not para[i - 1].isspace()):
                depth, straight_open = max(0, depth - 1), False
            elif i == 0 or para[i - 1].isspace() or para[i - 1] in "([":
                if depth == 0:
                    quote_start = i
                depth, straight_open = depth + 1, True
        elif ch in _ENDS:
            j = i + 1
            while j < n and (para[j] in _ENDS or para[j] in _TRAIL):
                if para[j] in _CLOSE or (para[j] == '"' and straight_open):
                    depth = max(0, depth - 1)
                    straight_open = False
                j += 1
            if j < n and not para[j].isspace():
                i = j
                continue
            k = j
            while k < n and para[k].isspace():
                k += 1
            nxt = para[k] if k < n else ""
            quoted_too_long = depth > 0 and i - quote_start > MAX_QUOTATION
            starts_sentence = not nxt or nxt.isupper() or nxt.isdigit() or nxt in _OPEN + '"('
            if (depth == 0 or quoted_too_long) and starts_sentence and (ch != "." or not _abbreviation(para, start, i)):
                spans.append((start, j))
                start = k
                if quoted_too_long:
                    quote_start = k
            i = j
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return [(s, e) for s, e in spans if para[s:e].strip()]


def _abbreviation(para: str, start: int, dot: int) -> bool:
    m = re.search(r"([\w.]+)$", para[start:dot])
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():
        return True  # an initial: "I. Aliyev", "S. Lavrov"
    if word.isdigit() and len(word) <= 2 and not para[start : dot - len(word)].strip():
        return True  # a list number opening the sentence: "1. Preventing ..."
    return word.lower() in _ABBREVIATIONS


def split_passages(text: str) -> list[Passage]:
    """The passages of `text`: each line (paragraph) split into sentences, with quotations kept
    whole (up to MAX_QUOTATION characters) and a sentence of fewer than MIN_WORDS words joined to
    the one before it (or after it, when it opens the paragraph). Spans index into `text`."""
    passages: list[Passage] = []
    for line in _LINE.finditer(text):
        para = line.group()
        spans = _sentence_spans(para)
        merged: list[list[int]] = []
        for s, e in spans:
            words = len(para[s:e].split())
            if merged and (words < MIN_WORDS or len(para[merged[-1][0] : merged[-1][1]].split()) < MIN_WORDS):
                merged[-1][1] = e
            else:
                merged.append([s, e])
        for s, e in merged:
            chunk = para[s:e]
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk.rstrip())
            if trail > lead:
                start = line.start() + s + lead
                passages.append(Passage(text[start : line.start() + s + trail], start, line.start() + s + trail))
    return passages
