"""Suggestions written as unconfirmed evidence stubs, ready for an analyst to check and confirm."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..models import Stance
from ..store import Dataset
from .model import PassageSuggestion, Proposal

STUB_CLAIMANT = "the article's author"
STUB_SIDE = "media"


def stub_items(
    suggestions: Sequence[PassageSuggestion],
    *,
    event_date: date | str = "unknown",
    date_precision: str = "day",
) -> list[dict[str, Any]]:
    """Unconfirmed evidence stubs: one per passage and stance guessed, with the provisions proposed
    for it, the passage as the quote, the author as claimant (to be checked), and a note giving the
    scores. Fields in schema order, without ids (add_evidence_items gives them)."""
    items = []
    for s in suggestions:
        by_stance: dict[Stance, list[Proposal]] = defaultdict(list)
        for p in s.proposals:
            by_stance[p.stance].append(p)
        for stance, proposals in by_stance.items():
            scores = "; ".join(f"{p.provision_id} {p.score:.2f} ({', '.join(p.matched_terms[:4])})" for p in proposals)
            best = max(proposals, key=lambda p: p.stance_confidence)
            item: dict[str, Any] = {
                "quote": s.passage.text,
                "provisions": [p.provision_id for p in proposals],
                "stance": stance.value,
                "claimant": STUB_CLAIMANT,
                "side": STUB_SIDE,
                "concerns": [],
                "event_date": event_date,
            }
            if date_precision != "day":
                item["date_precision"] = date_precision
            item["unconfirmed"] = True
            item["note"] = (
                f"Suggested (chars {s.passage.start}-{s.passage.end}): {scores}; stance guess {best.stance_text()}. "
                f"Check the quote, provisions, stance, claimant, side and date, then confirm."
            )
            items.append(item)
    return items


def new_stubs(dataset: Dataset, source_id: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stubs that are not already recorded for the source (the same quote, provisions and
    stance, confirmed or not), each once (an article may repeat a sentence): validation refuses
    such a duplicate, so it is never written."""
    from ..quotes import canonical

    def key(quote: str, provisions: Sequence[str], stance: str) -> tuple[str, frozenset[str], str]:
        return canonical(quote), frozenset(provisions), stance

    recorded = {
        key(item.evidence.quote, item.evidence.provisions, item.evidence.stance.value)  # type: ignore[union-attr]  # stored quotes
        for item in (*dataset.evidence.values(), *dataset.unconfirmed.values())
        if item.source_id == source_id
    }
    out = []
    for i in items:
        k = key(i["quote"], i["provisions"], i["stance"])
        if k not in recorded:
            recorded.add(k)
            out.append(i)
    return out


def stubs_yaml(
    dataset: Dataset,
    suggestions: Sequence[PassageSuggestion],
    *,
    source_id: str | None = None,
    first_id: str | None = None,
) -> str:
    """The stubs as ready-to-edit YAML: an `evidence:` list to append to the source's file (or to
    write there with `tracker suggest --source ID --write`). The event date is the source's
    publication date, marked on-or-before, when known; 'unknown' otherwise."""
    from ..add import next_evidence_id
    from ..models import default_event_date  # the one place this business default lives
    from ..yamledit import render_item_lines

    published = dataset.sources[source_id].published if source_id in dataset.sources else "unknown"
    when, precision = default_event_date(published)
    items = stub_items(suggestions, event_date=when, date_precision=precision.value)
    lines = [
        "# Suggested by `tracker suggest`" + (f" for source {source_id}" if source_id else "") + ".",
        "# Every passage is unconfirmed: validation checks it, no status counts it. Trim the quote to the",
        "# words that matter, check provisions, stance, claimant, side and date, then remove",
        "# `unconfirmed: true` (or run `tracker confirm ID` with the corrections).",
        "evidence:",
    ]
    in_file = [i for i, it in {**dataset.evidence, **dataset.unconfirmed}.items() if it.source_id == source_id]
    taken: list[str] = []
    for item in items:
        ident = first_id if first_id and not taken else next_evidence_id(dataset, in_file + taken, taken)
        taken.append(ident)
        lines += render_item_lines({"id": ident, **item}, 2, quoted=("quote",))
    if not items:
        lines[-1] = "evidence: []  # no passage bears on a provision"
    return "\n".join(lines) + "\n"
