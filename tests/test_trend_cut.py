"""The trend (tracker/trend.py) is made once per loaded dataset and cut at each as-of date: every cut
must count what the status engine says at each month end, whatever as-of dates came before it."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date

import pytest

from tracker import status, trend
from tracker.store import Dataset, load_valid

from .helpers import REPO

D = date.fromisoformat


def _expected(dataset: Dataset, as_of: date, by: str, parties: list[str] | None) -> Counter:
    """(month end, group, status) -> (provisions, stale), from provision_status at each month end."""
    pids = [
        pid
        for pid, p in dataset.provisions.items()
        if dataset.agreement_of(pid).date <= as_of and (parties is None or set(parties) & set(p.parties))
    ]
    counts: Counter = Counter()
    if not pids:
        return counts
    for when in trend.month_ends(min(dataset.agreement_of(pid).date for pid in pids), as_of):
        for pid in pids:
            if dataset.agreement_of(pid).date > when:
                continue
            s = status.provision_status(dataset, pid, when)
            groups = (
                ["all"]
                if by == "all"
                else [a for a in dataset.provisions[pid].parties if parties is None or a in parties]
            )
            for group in groups:
                counts[(when, group, s.status, "n")] += 1
                counts[(when, group, s.status, "stale")] += int(s.stale)
    return counts


def _got(points: list[trend.TrendPoint]) -> Counter:
    counts: Counter = Counter()
    for p in points:
        counts[(p.when, p.group, p.status, "n")] += p.provisions
        counts[(p.when, p.group, p.status, "stale")] += p.stale
    return +counts  # zero cells dropped, as in _expected


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("trend") / "root"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), str(root), "--passages", "2000", "--seed", "7"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return load_valid(root)


# Backwards, forwards, a month end, the day after one, before any signature, and after today (the
# kept month ends must then be made again, further).
AS_OF = ["2023-06-15", "2021-01-31", "2021-02-01", "2025-12-31", "2019-01-01", "2022-07-04", "2031-03-10"]


@pytest.mark.parametrize("data", ["bundled", "generated"])
def test_every_cut_of_the_trend_counts_what_the_engine_says_at_each_month_end(data, generated, monkeypatch):
    dataset = load_valid() if data == "bundled" else generated
    made = []
    original = trend._Grid.__init__

    def counting(self, *args, **kwargs):
        made.append(args[-1])
        original(self, *args, **kwargs)

    monkeypatch.setattr(trend._Grid, "__init__", counting)
    party = next(iter(dataset.actors))
    for day in map(D, AS_OF):
        for by, parties in [("all", None), ("party", None), ("all", [party])]:
            got = _got(trend.monthly(dataset, day, by=by, parties=parties))  # type: ignore[arg-type]
            assert got == _expected(dataset, day, by, parties), (day, by, parties)
    # Made once for every date up to today, and once more for the date after it.
    assert len(made) == 2


@pytest.mark.parametrize("data", ["bundled", "generated"])
def test_the_point_at_the_as_of_date_read_from_the_statuses_is_the_one_looked_up(data, generated):
    # The dashboard passes the statuses it already has; the trend must be the same as without them.
    dataset = load_valid() if data == "bundled" else generated
    for day in map(D, AS_OF[:4]):
        statuses = status.all_statuses(dataset, day)
        for by in ("all", "party", "agreement"):
            assert trend.monthly(dataset, day, by=by, statuses=statuses) == trend.monthly(dataset, day, by=by), (
                day,
                by,
            )
    with pytest.raises(ValueError, match="as of"):
        trend.monthly(dataset, D("2022-07-04"), statuses=status.all_statuses(dataset, D("2022-07-05")))
