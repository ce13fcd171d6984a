"""Fixtures: a writable copy of the bundled data, and small hand-built scenarios (see helpers.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tracker.store import Dataset

from .helpers import REPO, build_scenario


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A copy of the bundled data root that a test may edit freely."""
    root = tmp_path / "data"
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    return root


@pytest.fixture
def scenario() -> Callable[..., Dataset]:
    """Build a dataset with one agreement (in force 2020-01-10) and one provision 'p'."""
    return build_scenario
