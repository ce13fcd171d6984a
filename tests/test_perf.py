"""Speed work that must not change a result: the streamed evidence CSV, and the collector pauses."""

from __future__ import annotations

import gc
import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tracker import export, store
from tracker.gcpause import collector_paused
from tracker.status import ProvisionStatus, all_statuses
from tracker.store import load_valid

from .helpers import TODAY, D, generated_root


def _streamed(dataset, as_of) -> bytes:
    out = io.BytesIO()
    export.write_evidence_csv(dataset, as_of, out)
    return out.getvalue()


@pytest.mark.parametrize("as_of", [None, D("2021-01-31"), D("2000-01-01")])
def test_the_streamed_evidence_csv_is_byte_for_byte_the_tables_csv(data_root: Path, as_of):
    # A claimant that a spreadsheet would run, and a comma and quotes that the CSV must quote.
    path = data_root / "evidence" / "events-ceasefire.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["events"][0]["claimant"] = '=HYPERLINK("http://x", "y")'
    data["events"][1]["summary"] = 'He said "no", then, later, yes\nand more'
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    dataset = load_valid(data_root, today=TODAY)
    assert _streamed(dataset, as_of) == export.csv_bytes(export.evidence_table(dataset, as_of))


@pytest.mark.parametrize("damaged", [False, True])
@pytest.mark.parametrize("as_of", [None, D("2021-01-31")])
def test_the_evidence_csv_from_one_file_at_a_time_is_the_datasets(
    data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_of, damaged: bool
):
    # `export --table evidence` on a root the disk cache knows is valid reads one file at a time; a
    # file whose entry is damaged is parsed and checked again, and its quotes looked for again.
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    assert store.valid_files(data_root, today=TODAY) is None  # nothing known yet
    store.check(data_root, today=TODAY, persistent=True)  # what `tracker validate` leaves
    if damaged:
        for entry in sorted(cache.glob("file-*"))[::2]:
            entry.write_bytes(entry.read_bytes()[:-1])
    files = store.valid_files(data_root, today=TODAY)
    assert files is not None
    out = io.BytesIO()
    export.write_evidence_csv_from_files(files, as_of, out)
    assert out.getvalue() == _streamed(load_valid(data_root, today=TODAY), as_of)


def test_evidence_is_not_read_one_file_at_a_time_unless_known_valid_as_it_is(
    data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    store.check(data_root, today=TODAY, persistent=True)
    path = data_root / "evidence" / "events-ceasefire.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("claimant:", "claimnt:", 1), encoding="utf-8")
    assert store.valid_files(data_root, today=TODAY) is None  # changed since: the load says what is wrong
    store.check(data_root, today=TODAY, persistent=True)
    assert store.valid_files(data_root, today=TODAY) is None  # known, and invalid


def test_the_collector_is_restored_after_a_pause_also_on_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("packed", [True, False])
def test_the_timelines_order_is_by_keys_then_id(seed: int, packed: bool):
    # The engine sorts claims by provision, day (and side, gravity), then id: packed into one integer
    # with ids compared only within ties, or (keys too large to pack) by lexsort over every id's rank.
    import random

    import numpy as np

    from tracker.timelines import _by_key_then_id

    rng = random.Random(seed)
    n = 500
    ids = [f"e{rng.randrange(10_000):05d}-{k}" for k in range(n)]
    items = np.array(rng.sample(range(n), n), dtype=np.int64)
    first = np.array([rng.randrange(4) for _ in range(n)], dtype=np.int64)
    size = 3 if packed else 2**61
    day = np.array([rng.randrange(3) for _ in range(n)], dtype=np.int64)
    grav = np.array([rng.randrange(2) for _ in range(n)], dtype=np.int64)
    order = _by_key_then_id(first, (day, size), (grav, 2), items=items, ids=ids)
    expected = sorted(range(n), key=lambda j: (first[j], day[j], grav[j], ids[items[j]]))
    assert order.tolist() == expected


def _python_calls(call: Callable[[], list[ProvisionStatus]]) -> tuple[int, int]:
    """(function calls made, Python's and C's alike, statuses returned) by `call`."""
    made = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal made
        if event in ("call", "c_call"):
            made += 1

    sys.setprofile(count)
    try:
        statuses = call()
    finally:
        sys.setprofile(None)
    return made, len(statuses)


def test_a_status_call_does_the_same_work_per_provision_however_much_evidence_it_has(tmp_path: Path):
    # Issue 13: the rules run over columns, not once per provision-day in Python, and a later call
    # reads each provision's row at the date where the first call built every timeline. So with the
    # same 40 provisions (one seed) and 15 times the evidence, a later call makes as many calls per
    # status, and the first grows by at most a call or two per passage (the columns filled in
    # Python). Counted, not timed: the count does not depend on the machine.
    roots = {passages: generated_root(tmp_path / str(passages), passages, seed=1) for passages in (200, 3_000)}
    all_statuses(load_valid(roots[200]), D("2025-01-01"))  # what a first call imports, imported uncounted
    work = {}
    for passages, root in roots.items():
        dataset = load_valid(root)
        first = _python_calls(lambda: all_statuses(dataset, D("2025-01-01")))  # noqa: B023 - called here
        later = _python_calls(lambda: all_statuses(dataset, D("2024-01-01")))  # noqa: B023
        work[passages] = first, later
    (first_small, n_small), (later_small, m_small) = work[200]
    (first_large, n_large), (later_large, m_large) = work[3_000]
    assert n_small == n_large == m_small == m_large == 40
    assert later_large / m_large <= 1.15 * later_small / m_small
    assert first_large - first_small <= 2 * (3_000 - 200)
