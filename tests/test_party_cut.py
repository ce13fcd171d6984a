"""party_views keeps, per loaded dataset, each actor's dated evidence and cuts it at each as-of date:
every cut must list what one pass over the evidence at that date lists, whatever dates came before."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from tracker.status import party_views
from tracker.store import Dataset, load_valid

D = date.fromisoformat


def _concerning(dataset: Dataset, as_of: date) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in dataset.evidence.values():
        e = item.evidence
        if e.concerns and item.dated and e.event_date <= as_of:
            for actor_id in e.concerns:
                found[actor_id].append(item.id)
    return {a: tuple(ids) for a, ids in found.items()}


@pytest.mark.parametrize("as_of", ["2024-06-30", "2021-01-01", "2030-01-01", "2020-11-10", "2023-03-15"])
def test_each_party_lists_the_evidence_on_its_conduct_up_to_the_date(bundled_once, as_of):
    day = D(as_of)
    want = _concerning(bundled_once, day)
    for view in party_views(bundled_once, day):
        assert view.evidence_concerning == want.get(view.actor_id, ()), (view.actor_id, day)


def test_new_evidence_is_seen(bundled_once):
    dataset = load_valid()
    day = D("2030-01-01")
    party_views(dataset, day)
    dropped = next(k for k, item in dataset.evidence.items() if item.evidence.concerns)
    dataset.evidence = {k: v for k, v in dataset.evidence.items() if k != dropped}
    for view in party_views(dataset, day):
        assert dropped not in view.evidence_concerning


@pytest.fixture(scope="module")
def bundled_once() -> Dataset:
    return load_valid()
