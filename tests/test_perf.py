"""Speed work that must not change a result: the streamed evidence CSV, and the collector pauses."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest
import yaml

from tracker import export, store
from tracker.gcpause import collector_paused
from tracker.store import load_valid

from .helpers import TODAY, D


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
