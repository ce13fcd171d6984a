"""Finding quotes in articles: typographic differences are tolerated, nothing else is; the hint
for a quote that is not found names the closest passage, its line and the first differing word.

Typographic characters are written as escapes (\\u201c etc.) so that what is tested is visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.quotes import Span, canonical, find, nearest

ARTICLES = Path(__file__).resolve().parent.parent / "evidence" / "articles"
LDQ, RDQ, RSQ, LSQ = "\u201c", "\u201d", "\u2019", "\u2018"
NBSP, EN, EM, ELLIPSIS = "\u00a0", "\u2013", "\u2014", "\u2026"


def article(prefix: str) -> str:
    (path,) = ARTICLES.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset].split("\n")
    return len(before), len(before[-1]) + 1


# --------------------------------------------------------------------------- tolerated differences

TEXT = (
    f"Header line\n"
    f"He said: {LDQ}We{RSQ}re ready{RDQ} {EN} it{RSQ}s the 1,960{NBSP}troops{EM}and more{ELLIPSIS} later.\n"
    f"A line that is\nbroken   in  the middle.\n"
    f'Plain "straight" and it\'s - here... done.\n'
)


@pytest.mark.parametrize(
    "quote",
    [
        "\"We're ready\" - it's the 1,960 troops-and more... later.",  # all straight, plain
        f"{LDQ}We{RSQ}re ready{RDQ} {EN} it{RSQ}s the 1,960{NBSP}troops{EM}and more{ELLIPSIS} later.",  # as printed
        f"{LDQ}We{LSQ}re ready{LDQ}",  # the wrong curly quote is still a quote
        "1,960 troops",  # space for a non-breaking space
        f"1,960{NBSP}troops",
        "troops\u2015and",  # horizontal bar for an em dash
        "troops-and",
        "troops\u2013and",
        "and more... later.",  # three dots for an ellipsis
        f"and more{ELLIPSIS} later.",
        "A line that is broken in the middle.",  # single spaces for a line break and space runs
        "A line that is\n  broken\tin the middle.",
        f"Plain {LDQ}straight{RDQ} and it{RSQ}s {EN} here{ELLIPSIS} done.",  # curly for straight
        "  it's the  ",  # leading/trailing whitespace is not part of the quote
    ],
)
def test_find_tolerates_typographic_differences(quote: str):
    assert find(quote, TEXT) is not None


@pytest.mark.parametrize(
    "quote",
    [
        '"we\'re ready"',  # case
        "1,960 Troops",
        "1,961 troops",  # a changed digit
        "A line that is broken in the muddle.",  # a changed letter
        "A line that is in the middle.",  # a missing word
        "A line that is broken in the very middle.",  # an extra word
        "A line, that is broken",  # extra punctuation
        "A line that is broken in the middle!",  # changed punctuation
        "1,960 troops--and",  # two dashes are not one
        "and more.. later.",  # two dots are not an ellipsis
        "and more . . . later.",
        "1960 troops",  # a missing comma
        "Alinethat is",  # a missing space
        "A line th at is",  # an extra space
        "Header line: He said",  # extra punctuation across a line break
    ],
)
def test_find_tolerates_nothing_else(quote: str):
    assert find(quote, TEXT) is None


def test_find_returns_none_for_empty_quote():
    assert find("", TEXT) is None
    assert find(" \n ", TEXT) is None


def test_find_returns_none_in_empty_article():
    assert find("anything", "") is None


def test_regex_characters_in_quote_are_literal():
    text = "the peacekeepers [deployed in Karabakh] (1,960 of them) cost $5.5m? yes*"
    assert find("peacekeepers [deployed in Karabakh] (1,960 of them) cost $5.5m? yes*", text) is not None
    assert find("peacekeepers [deployed in Karabakh] (1,960 of them) cost $555m", text) is None
    assert find("[a-z]+", "peacekeepers") is None


def test_canonical_folds_typography_and_collapses_whitespace():
    assert canonical(f"  {LDQ}It{RSQ}s{RDQ}{NBSP}{EM}\n\tdone{ELLIPSIS} ") == '"It\'s" - done...'


# --------------------------------------------------------------------------- spans in real articles


def test_span_gives_offsets_line_and_column_in_article_with_nonbreaking_spaces():
    text = article("001")
    printed = f"Moscow is committed to guaranteeing{NBSP}the country's security"
    assert printed in text  # the article has a non-breaking space here
    span = find("Moscow is committed to guaranteeing the country's security", text)
    assert isinstance(span, Span)
    assert span.start == text.index(printed)
    assert span.end == span.start + len(printed)
    assert text[span.start : span.end] == printed
    assert (span.line, span.column) == line_and_column(text, span.start)
    assert span.line > 1 and span.column > 1


def test_span_in_article_where_nonbreaking_space_ends_a_line():
    text = article("003")
    printed = f"the Kremlin reported.{NBSP}\n\nPrior to the meeting"
    assert printed in text
    span = find("the Kremlin reported. Prior to the meeting", text)
    assert span is not None
    assert text[span.start : span.end] == printed
    assert (span.line, span.column) == line_and_column(text, text.index(printed))


def test_span_in_article_with_curly_quotes_and_ellipsis():
    text = article("000")
    printed = f"{LDQ}Turkey is our partner in a number of areas."
    assert printed in text
    span = find('"Turkey is our partner in a number of areas.', text)
    assert span is not None
    assert text[span.start : span.end] == printed
    assert (span.line, span.column) == line_and_column(text, text.index(printed))

    printed = f"geopolitical ambitions in{ELLIPSIS} first place"
    span = find("geopolitical ambitions in... first place", text)
    assert span is not None
    assert text[span.start : span.end] == printed  # the end offset is in the article, not the quote


def test_find_returns_the_first_occurrence():
    text = "one two\nthree one two"
    span = find("one two", text)
    assert span == Span(0, 7, 1, 1)
    span = find("three one", text)
    assert span == Span(8, 17, 2, 1)


# --------------------------------------------------------------------------- nearest passage


def test_nearest_names_first_differing_word_and_line():
    text = article("000")
    quote = "Shoigu stated that the ceasefire has been observed during all this time"
    assert find(quote, text) is None  # the article spells it Shoygu
    near = nearest(quote, text)
    assert near is not None
    assert near.line == line_and_column(text, text.index("Shoygu stated that"))[0]
    assert near.text.startswith("Shoygu stated that the ceasefire has been observed during all this time")
    assert near.difference == "the quote has 'Shoigu' where the article has 'Shoygu'"
    assert 90 <= near.score < 100


def test_nearest_skips_a_quotation_mark_the_quote_starts_inside_and_names_the_real_typo():
    text = 'Lavrov criticised "actions by Baku, which is manipulating the issue of the POWs," he said.\n'
    near = nearest("actions by Baku, XYZch is manipulating the issue of the POWs", text)
    assert near is not None
    assert near.difference == "the quote has 'XYZch' where the article has 'which'"


def test_nearest_reports_a_missing_word():
    text = article("000")
    quote = "Shoygu stated that the ceasefire has been observed during this time"
    near = nearest(quote, text)
    assert near is not None
    assert near.difference == "the article has 'all' here, which the quote leaves out"


def test_nearest_reports_an_extra_word_without_overshooting_into_the_previous_line():
    # The alignment is as long as the quote; it used to reach back to the end of line 2
    # ("Nagorno-Karabakh.") and name that word as the difference.
    text = article("000")
    quote = "Shoygu stated that the ceasefire has really been observed during all this time"
    near = nearest(quote, text)
    assert near is not None
    assert near.line == line_and_column(text, text.index("Shoygu stated that"))[0]
    assert near.text.startswith("Shoygu stated")
    assert near.difference == "the quote has 'really', which the article does not"


def test_nearest_gives_line_of_passage_in_article_with_nonbreaking_spaces():
    text = article("003")
    quote = "the Kremlin reported. Prior to the meeting with Presdent of Azerbaijan"
    near = nearest(quote, text)
    assert near is not None
    assert near.line == line_and_column(text, text.index("the Kremlin reported."))[0]
    assert near.difference == "the quote has 'Presdent' where the article has 'President'"


def test_nearest_ignores_typographic_differences_when_naming_the_difference():
    text = article("000")
    # Straight quotes and apostrophe against curly ones in the article; the only real change is 'Sergei'.
    quote = "On 22 November, Russia's Foreign and Defence Minister, Sergei Lavrov and Sergey Shoygu respectively"
    near = nearest(quote, text)
    assert near is not None
    assert near.difference == "the quote has 'Sergei' where the article has 'Sergey'"


def test_nearest_returns_none_for_empty_or_oversized_input():
    text = article("000")
    assert nearest("", text) is None
    assert nearest("word " * 1000, text) is None
    assert nearest("Shoygu", "x" * 2_000_001) is None
