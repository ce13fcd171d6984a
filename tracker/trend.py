"""The trend at a glance: how many provisions stood at each status, month by month.

For each month end from the earliest signature among the agreements asked for up to the as-of date
(the last point is the as-of date itself), the number of provisions at each status, and how many of
them were *stale* (as `ProvisionStatus.stale` says: their newest counting claim or assessment older than the
published freshness window, tracker.deadlines.FRESHNESS_MONTHS, before that point). A
provision counts from its agreement's signature on; before that it did not exist.

Read from the status engine's timelines (tracker/timelines.py): every provision's effective status
(derived, or the analyst's assessment in force) and freshness at every month end is looked up at once
with numpy, once per loaded dataset, up to the later of today and the as-of date; a trend at any as-of
date is that grid cut at the as-of date, plus the point at the as-of date itself, looked up the same
way. The status at a month end does not depend on the as-of date (what is dated after it is ignored),
so the cut is exactly what a trend built afresh for that as-of date would count. Before, each as-of
date rebuilt every provision's status history (`tracker.changes.provision_changes`, with the causes
of every change): 1.2 s of a 1.9 s dashboard rerun at 100k passages.

The API, for the dashboard and the static site:

- `monthly(dataset, as_of, by=..., agreements=..., parties=...)` -> list[TrendPoint], by month, then
  group, then status in the order of `Status`; every (month, group, status) is present, with 0s.
- `month_ends(first, as_of)` -> the dates of the points.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np

from .changes import Change
from .gcpause import collector_paused
from .models import Status
from .status import ProvisionStatus, _engine, is_stale
from .store import Dataset

if TYPE_CHECKING:
    from .timelines import Columns

__all__ = ["TrendPoint", "month_ends", "monthly"]

Grouping = Literal["all", "agreement", "party"]


@dataclass(frozen=True)
class TrendPoint:
    """At `when`, `provisions` provisions of `group` stood at `status`; `stale` of them were stale."""

    when: date
    group: str  # "all", an agreement id, or a party's actor id
    status: Status
    provisions: int
    stale: int


def month_ends(first: date, as_of: date) -> list[date]:
    """The last day of each month from `first`'s month to the month before `as_of`, then `as_of`."""
    points: list[date] = []
    year, month = first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end >= as_of:
            break
        points.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    points.append(as_of)
    return points


# A (provision, ordinal day) key as one integer: days are ordinals below 2**22 (year 11,000).
_DAY_BITS = 22
_CODES = list(Status)
_CODE = {status: n for n, status in enumerate(_CODES)}
_NOT_COUNTED = -1  # the provision did not exist yet (before its agreement's signature)


def _states(dataset: Dataset, engine: Columns, days: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """Every provision's effective status (code in `Status` order; -1 before it exists) and whether it
    was stale, at each of `days`: provision x day arrays, provisions in the engine's order.

    The derived status at a day is the engine's row of the provision's last claim day on or before it
    (no evidence without one), as tracker.status reads it; before the agreement takes effect, not
    started (R1); from an assessment's date on, the assessment's status. Freshness is the engine's own
    rule (tracker.status.is_stale), fed with the newest claim day (the row's day) and assessment."""
    P, D = len(engine.provision_ids), len(days)
    ords = np.array([d.toordinal() for d in days], dtype=np.int64)
    bounds = np.asarray(engine.row_bounds, dtype=np.int64)
    row_p = np.repeat(np.arange(P, dtype=np.int64), np.diff(bounds))
    keys = (row_p << _DAY_BITS) + engine.row_day
    rows = np.searchsorted(keys, (np.arange(P, dtype=np.int64)[:, None] << _DAY_BITS) + ords[None, :], "right") - 1
    has_row = rows >= bounds[:-1, None]
    rows = np.where(has_row, rows, 0)
    codes = np.where(has_row, engine.row_status[rows] if len(keys) else 0, _CODE[Status.NO_EVIDENCE])
    latest = np.where(has_row, engine.row_day[rows] if len(keys) else 0, -1)
    assessed = np.full((P, D), -1, dtype=np.int64)  # index of the assessment in force, -1 for none
    start = engine.start
    signed = np.array([a.date.toordinal() for _, a in engine.made_from], dtype=np.int64)
    for p in range(P):
        found = engine.assessments_for(p)
        if found:
            k = np.searchsorted([a.date.toordinal() for a in found], ords, "right") - 1
            k[ords < start[p]] = -1
            assessed[p] = k
            held = k >= 0
            codes[p, held] = [_CODE[found[n].status] for n in k[held].tolist()]
    codes = np.where(ords[None, :] < start[:, None], _CODE[Status.NOT_STARTED], codes)
    codes = np.where(ords[None, :] < np.minimum(signed, start)[:, None], _NOT_COUNTED, codes)

    stale = np.zeros((P, D), dtype=bool)
    obligations = [provision.obligation for provision, _ in engine.made_from]
    code_list, latest_list, assessed_list = codes.tolist(), latest.tolist(), assessed.tolist()
    for p in range(P):
        found, obligation = engine.assessments_for(p), obligations[p]
        for col, (code, newest, a) in enumerate(zip(code_list[p], latest_list[p], assessed_list[p], strict=True)):
            if code < 0:
                continue
            # The engine's own freshness rule (one definition), fed from the timelines read above.
            stale[p, col] = is_stale(
                _CODES[code],
                found[a] if a >= 0 else None,
                obligation,
                date.fromordinal(newest) if newest >= 0 else None,
                days[col],
            )
    return codes, stale


def _read(engine: Columns, statuses: Sequence[ProvisionStatus], as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """_states at `as_of` alone, read from every status at that date (all_statuses: provisions of an
    agreement not yet signed are absent, and not counted)."""
    codes = np.full((len(engine.provision_ids), 1), _NOT_COUNTED, dtype=np.int64)
    stale = np.zeros((len(engine.provision_ids), 1), dtype=bool)
    for s in statuses:
        if s.as_of != as_of:
            raise ValueError(f"a status as of {s.as_of} given for a trend as of {as_of}")
        row = engine.index[s.provision_id]
        codes[row, 0], stale[row, 0] = _CODE[s.status], s.stale
    return codes, stale


class _Grid:
    """Every provision's status and freshness at each month end from the first signature to `last`'s
    month end, made once per loaded dataset (kept in its `_timelines`, beside the engine it reads)."""

    def __init__(self, dataset: Dataset, engine: Columns, last: date):
        self.engine = engine
        first = min(a.date for _, a in engine.made_from)
        self.first = (first.year, first.month)
        end = date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
        self.ends = month_ends(first, end)  # ends with `end` itself, a month end
        self.codes, self.stale = _states(dataset, engine, self.ends)

    def covers(self, engine: Columns, as_of: date) -> bool:
        return engine is self.engine and as_of <= self.ends[-1]

    def offset(self, day: date) -> int:
        """The column of `day`'s month end."""
        return (day.year - self.first[0]) * 12 + day.month - self.first[1]


def _engine_for(dataset: Dataset) -> Columns:
    """The status engine, current for every provision (made again once if one was not)."""
    for _ in range(2):
        engines = {id(e): e for e in (_engine(dataset, pid)[0] for pid in dataset.provisions)}
        if len(engines) == 1:
            return next(iter(engines.values()))
    raise AssertionError("the status engine keeps being made again")  # never: a second pass finds it current


def _grid(dataset: Dataset, as_of: date) -> _Grid:
    engine = _engine_for(dataset)
    grid: _Grid | None = dataset._timelines.get(_Grid)
    if grid is None or not grid.covers(engine, as_of):
        with collector_paused():
            grid = dataset._timelines[_Grid] = _Grid(dataset, engine, max(as_of, date.today()))
    return grid


def monthly(
    dataset: Dataset,
    as_of: date,
    *,
    by: Grouping = "all",
    agreements: Iterable[str] | None = None,
    parties: Iterable[str] | None = None,
    histories: Mapping[str, list[Change]] | None = None,
    statuses: Sequence[ProvisionStatus] | None = None,
) -> list[TrendPoint]:
    """Provisions by status at each month end up to `as_of`, for the agreements asked for (default:
    all) and the provisions obliging any of `parties` (default: all), grouped `by` all, agreement
    or party obliged (a provision obliging two parties counts once for each). Empty when no
    agreement asked for was signed by `as_of`. `histories` (provision id -> provision_changes at
    `as_of`) lets a caller that already has them (the release) spare their making a second time.
    `statuses` (all_statuses at `as_of`), when the caller has them (the dashboard), give the point at
    `as_of` itself instead of its being looked up again: the same status and freshness, by definition."""
    wanted = set(agreements) if agreements is not None else None
    obliged = set(parties) if parties is not None else None
    pids = [
        pid
        for pid, p in dataset.provisions.items()
        if (wanted is None or dataset.provision_agreement[pid] in wanted)
        and (obliged is None or obliged & set(p.parties))
        and dataset.agreement_of(pid).date <= as_of
    ]
    if not pids:
        return []
    points = month_ends(min(dataset.agreement_of(pid).date for pid in pids), as_of)
    grid = _grid(dataset, as_of)
    engine = grid.engine
    # The month ends before `as_of` from the grid; `as_of` itself looked up now.
    cut = grid.offset(points[0])
    now_codes, now_stale = _states(dataset, engine, [as_of]) if statuses is None else _read(engine, statuses, as_of)
    codes = np.concatenate([grid.codes[:, cut : cut + len(points) - 1], now_codes], axis=1)
    stale = np.concatenate([grid.stale[:, cut : cut + len(points) - 1], now_stale], axis=1)
    assert grid.ends[cut : cut + len(points) - 1] == points[:-1]

    members: dict[str, list[int]] = {}  # group -> engine rows of its provisions, in order of first member
    for pid in pids:
        row = engine.index[pid]
        if by == "all":
            targets = ["all"]
        elif by == "agreement":
            targets = [dataset.provision_agreement[pid]]
        else:
            targets = [a for a in dataset.provisions[pid].parties if obliged is None or a in obliged]
        for group in targets:
            members.setdefault(group, []).append(row)

    in_order = list(Status)
    counted: dict[str, tuple[list[list[int]], list[list[int]]]] = {}  # group -> per status: per point
    for group, rows in members.items():
        mine, mine_stale = codes[rows], stale[rows]
        counted[group] = (
            [(mine == _CODE[s]).sum(axis=0).tolist() for s in in_order],
            [((mine == _CODE[s]) & mine_stale).sum(axis=0).tolist() for s in in_order],
        )

    order = list(members)
    if by == "party":  # in the order of actors.yaml, like every other list of parties
        order = [a for a in dataset.actors if a in members] + [g for g in members if g not in dataset.actors]
    elif by == "agreement":
        order = [a for a in dataset.agreements if a in members]
    out: list[TrendPoint] = []
    for k, when in enumerate(points):
        for group in order:
            count, count_stale = counted[group]
            for n, status in enumerate(in_order):
                out.append(TrendPoint(when, group, status, count[n][k], count_stale[n][k]))
    return out
