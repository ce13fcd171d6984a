"""Quotes must be real (issue 12): word boundaries and a minimum length, articles only from the
articles folder, one Unicode normal form, no duplicates, every problem in one run, and a bounded hint."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from tracker import quotes
from tracker.quotes import find, nearest
from tracker.store import load
from tracker.validate import checks

from .helpers import TODAY

ARTICLE = "Both sides shall disarm illegal armed groups and remove them from the region, it was possible to agree.\n"


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("legal armed groups and remove them from the region", False),  # inside 'illegal': the meaning inverted
        ("illegal armed groups and remove them from the regio", False),  # ends inside a word
        ("illegal armed groups and remove them from the region", True),
        ("disarm illegal armed groups", True),
        ("region, it was possible", True),
    ],
)
def test_a_quote_starts_and_ends_on_word_boundaries(quote: str, found: bool):
    assert (find(quote, ARTICLE) is not None) is found


@pytest.mark.parametrize(
    ("article", "quote", "original"),
    [
        ("The town of Ag\u0306dam was returned.", "town of Ağdam was", "town of Ag\u0306dam was"),  # NFD vs NFC
        ("The town of Ağdam was returned.", "town of Ag\u0306dam was", "town of Ağdam was"),  # NFC vs NFD
        ("the with\u00addrawal of troops began", "the withdrawal of troops", "the with\u00addrawal of troops"),
        ("peace\u200b keeping forces are deployed", "peace keeping forces", "peace\u200b keeping forces"),
        ("Ağdam, Kəlbəcər and\u00ad Lachin were handed", "Kəlbəcər and Lachin were", "Kəlbəcər and\u00ad Lachin were"),
    ],
)
def test_unicode_forms_and_invisible_typography_do_not_matter_and_spans_point_into_the_original(
    article: str, quote: str, original: str
):
    span = find(quote, article)
    assert span is not None
    assert article[span.start : span.end] == original


def test_an_invisible_difference_is_named_by_code_point():
    near = nearest("Armenian forces left \u0410gdam district", "Armenian forces left Agdam district on time.")
    assert near is not None
    assert "U+0410 CYRILLIC CAPITAL LETTER A" in near.difference and "U+0041 LATIN CAPITAL LETTER A" in near.difference


# --------------------------------------------------------------------------- through validate


def _source(root: Path, entries: str, *, text: str = "articles/900_test.txt", article: str = ARTICLE) -> Path:
    (root / "evidence" / "articles" / "900_test.txt").write_text(article, encoding="utf-8")
    path = root / "evidence" / "integrity-test.yaml"
    path.write_text(
        "source:\n  id: integrity-test\n  title: Test\n  outlet: Test Wire\n  published: 2021-01-05\n"
        f"  language: en\n  text: {text}\nevidence:\n{entries}",
        encoding="utf-8",
    )
    return path


def _entry(ident: str, quote: str, *, stance: str = "implemented", extra: str = "") -> str:
    return (
        f'  - id: {ident}\n    quote: "{quote}"\n    provisions: [nov2020-1]\n    stance: {stance}\n'
        f"    claimant: Someone\n    side: russia\n    event_date: 2021-01-04\n{extra}"
    )


def _messages(root: Path) -> list[str]:
    return [str(p) for p in load(root, today=TODAY)[1] if "integrity-test" in p.file]


@pytest.mark.parametrize("quote", ["possible", ".", "it was"])
def test_a_quote_of_fewer_than_three_words_is_refused_located(data_root: Path, quote: str):
    _source(data_root, _entry("E990", quote))
    found = _messages(data_root)
    assert len(found) == 1 and ":10:12: the quote has" in found[0] and "at least 3 consecutive words" in found[0]


@pytest.mark.parametrize(
    "text", ["integrity-test.yaml", "../provisions/nov-2020.yaml", "../../outside.txt", "russian-ministers-visit.yaml"]
)
def test_a_source_text_must_be_a_stored_article(data_root: Path, text: str):
    (data_root.parent / "outside.txt").write_text("Armenia has fully withdrawn all its forces from the region.")
    _source(data_root, _entry("E990", "Armenia has fully withdrawn all its forces"), text=text)
    found = _messages(data_root)
    assert any("is not a stored article" in m or "points outside the data root" in m for m in found), found
    assert not any("quote not found" in m for m in found)  # nothing is checked against a non-article


def test_validate_refuses_the_same_quote_provisions_and_stance_twice(data_root: Path):
    quote = "disarm illegal armed groups"
    _source(data_root, _entry("E990", quote) + _entry("E991", quote) + _entry("E992", quote, stance="violated"))
    found = _messages(data_root)
    assert len(found) == 1 and "the same quote, provisions and stance are already E990" in found[0]


def test_a_misspelt_field_still_has_its_quote_checked(data_root: Path):
    _source(data_root, _entry("E990", "illegal armed groups and remove them from Baku", extra="    notes: typo\n"))
    found = _messages(data_root)
    assert any("unknown field 'notes'; did you mean 'note'" in m for m in found)
    assert any(":10:12: quote not found" in m for m in found)


def test_the_closest_passage_hint_is_bounded_and_the_check_never_skipped(
    data_root: Path, monkeypatch: pytest.MonkeyPatch
):
    """60 wrong quotes of 2,000 characters against a 2 MB article: the work of the hints (cells of
    fuzzy alignment) stays within the per-text budget, and every quote is still reported."""
    rng = random.Random(7)
    words = ["troops", "corridor", "border", "ceasefire", "agreement", "withdrawal", "region", "peace", "parties"]
    article = " ".join(rng.choice(words) for _ in range(2_000_000 // 8))[: quotes._MAX_HINT_ARTICLE - 10]
    spent: list[int] = []
    real = fuzz.partial_ratio_alignment

    def counting(needle: str, haystack: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        spent.append(quotes.alignment_cost(len(needle), len(haystack)))
        return real(needle, haystack, *args, **kwargs)

    monkeypatch.setattr(quotes.fuzz, "partial_ratio_alignment", counting)
    entries = ""
    for n in range(60):
        quote = " ".join(rng.choice(words) for _ in range(400))[:1990].rsplit(" ", 1)[0] + f" missing{n}"
        entries += _entry(f"E{900 + n}", quote)
    _source(data_root, entries, article=article)
    found = _messages(data_root)
    assert sum("quote not found" in m for m in found) == 60
    assert sum(spent) <= checks.HINT_BUDGET_CELLS
    assert all(cells < quotes.alignment_cost(2000, len(article)) for cells in spent)  # never the whole article
