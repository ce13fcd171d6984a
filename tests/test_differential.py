"""Differential tests: the status engine against the reference implementation of the rules
(tests/reference_rules.py), for every provision, on generated data of several sizes and seeds and on
the bundled data at every date where anything changes."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, timedelta

import pytest

from tracker.models import Obligation
from tracker.status import ProvisionStatus, all_statuses, provision_status
from tracker.store import Dataset, load_valid

from . import reference_rules as ref
from .helpers import REPO, generated_root


def _engine(dataset: Dataset, pid: str, day: date, listed: bool) -> ref.Answer:
    s = provision_status(dataset, pid, day)
    return ref.Answer(
        s.derived.status,
        s.derived.rule,
        frozenset(c.id for c in s.reasons),
        s.derived_since,
        s.status,
        s.since,
        s.latest_claim,
        s.stale,
        s.one_party,
        listed,
    )


def _compare(dataset: Dataset, days: list[date], pids: list[str] | None = None) -> None:
    pids = pids if pids is not None else list(dataset.provisions)
    mismatches = []
    for day in days:
        listed = {s.provision_id for s in all_statuses(dataset, day)}
        for pid in pids:
            got, want = _engine(dataset, pid, day, pid in listed), ref.answer(dataset, pid, day)
            if got != want:
                mismatches.append(f"{pid} at {day}: engine {got}, reference {want}")
    assert not mismatches, f"{len(mismatches)} mismatch(es), first ones:\n" + "\n".join(mismatches[:10])


def _generated(tmp_path_factory: pytest.TempPathFactory, passages: int, seed: int) -> Dataset:
    return load_valid(generated_root(tmp_path_factory.mktemp(f"gen-{passages}-{seed}") / "root", passages, seed))


def _dates(dataset: Dataset, count: int, seed: int) -> list[date]:
    """Dates where things change (and the day before), sampled, plus a few arbitrary ones."""
    rng = random.Random(seed)
    changes = ref.change_dates(dataset)
    picked = rng.sample(changes, min(count, len(changes)))
    return sorted(set(picked) | {date(2000, 1, 1), date(2030, 1, 1)})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_equals_reference_on_generated_data(tmp_path_factory, seed):
    dataset = _generated(tmp_path_factory, 1000, seed)
    _compare(dataset, _dates(dataset, 12, seed))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_status_at_once_equals_each_status_alone(tmp_path_factory, seed):
    # all_statuses finds every provision's row at a date at once (Columns.states_at) and builds the
    # statuses without their dataclass's __init__: the same statuses, field by field, as provision_status
    # on timelines made again.
    from tracker.timelines import Columns

    dataset = _generated(tmp_path_factory, 1000, seed)
    names = {f.name for f in fields(ProvisionStatus)}
    for day in _dates(dataset, 8, seed):
        at_once = all_statuses(dataset, day)
        assert {s.provision_id for s in at_once} == {
            pid for pid in dataset.provisions if dataset.agreement_of(pid).date <= day
        }
        for s in at_once:
            assert set(vars(s)) - {"_deferred"} | set(s._deferred_fields) == names
        dataset._timelines.pop(Columns, None)
        assert at_once == [provision_status(dataset, s.provision_id, day) for s in at_once]


def test_every_status_at_once_follows_a_replaced_provision(tmp_path_factory):
    from tracker.timelines import Columns

    dataset = _generated(tmp_path_factory, 1000, 7)
    day = date(2024, 1, 1)
    all_statuses(dataset, day)
    engine = dataset._timelines[Columns]
    pid = next(pid for pid, p in dataset.provisions.items() if p.obligation == Obligation.ONE_OFF)
    dataset.provisions[pid] = dataset.provisions[pid].model_copy(update={"obligation": Obligation.ONGOING})
    after = {s.provision_id: s for s in all_statuses(dataset, day)}
    assert dataset._timelines[Columns] is not engine
    dataset._timelines.pop(Columns)
    assert after[pid] == provision_status(dataset, pid, day)


def test_engine_equals_reference_across_blocks_of_rows(tmp_path_factory, monkeypatch):
    # The engine applies the rules to blocks of rows (timelines._BLOCK, 2,048): with blocks of 7 rows, a
    # provision's rows and the positions carried along them span many blocks at 1k passages.
    from tracker import timelines

    monkeypatch.setattr(timelines, "_BLOCK", 7)
    dataset = _generated(tmp_path_factory, 1000, 6)
    _compare(dataset, _dates(dataset, 12, 6))


@pytest.mark.slow
@pytest.mark.parametrize(("passages", "seed", "dates", "provisions"), [(10_000, 4, 8, None), (100_000, 5, 3, 150)])
def test_engine_equals_reference_on_large_generated_data(tmp_path_factory, passages, seed, dates, provisions):
    dataset = _generated(tmp_path_factory, passages, seed)
    pids = list(dataset.provisions)
    if provisions is not None:  # the reference is quadratic per provision: a random sample at 100k
        pids = random.Random(seed).sample(pids, provisions)
    _compare(dataset, _dates(dataset, dates, seed), pids)


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return load_valid(REPO)


@pytest.mark.slow
def test_engine_equals_reference_on_the_bundled_data_at_every_change(bundled):
    days = ref.change_dates(bundled)
    assert len(days) > 10
    _compare(bundled, days)


def test_the_reference_sees_a_change_the_engine_must_follow(scenario):
    # The differential test would pass vacuously if both always answered "no evidence": a minimal case.
    ds = scenario([("E1", "2020-02-01", "east", "implemented"), ("E2", "2020-02-10", "west", "violated")])
    day = date(2020, 2, 10)
    assert ref.answer(ds, "p", day).derived.value == "disputed"
    _compare(ds, [day - timedelta(days=1), day])
