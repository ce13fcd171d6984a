"""Fixtures: a writable copy of the bundled data, and small hand-built scenarios (see helpers.py)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tracker import gcpause, store
from tracker.store import Dataset

from .helpers import build_scenario, copy_data


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A copy of the bundled data root that a test may edit freely."""
    return copy_data(tmp_path / "data")


@pytest.fixture
def scenario() -> Callable[..., Dataset]:
    """Build a dataset with one agreement (in force 2020-01-10) and one provision 'p'."""
    return build_scenario


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the files store.load parses (rather than takes from its memory or disk cache)."""
    parsed: list[str] = []
    real = store.parse_bytes

    def counting(raw: bytes, path: Path, **options):  # type: ignore[no-untyped-def]
        parsed.append(path.name)
        return real(raw, path, **options)

    monkeypatch.setattr(store, "parse_bytes", counting)
    store.clear_cache()
    yield parsed
    store.clear_cache()


@pytest.fixture(autouse=True)
def collector_as_in_a_new_process() -> Iterator[None]:
    """A test that runs the dashboard freezes what it loads out of the cyclic collector for good, as the
    long-lived dashboard process does; the tests after it get the collector as a new process has it
    (else every later load is frozen too, and none of it is ever collected)."""
    yield
    if gcpause._frozen_for_good:
        gcpause._frozen_for_good = False
        gc.unfreeze()
