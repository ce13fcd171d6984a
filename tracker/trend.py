"""The trend at a glance: how many provisions stood at each status, month by month.

For each month end from the earliest signature among the agreements asked for up to the as-of date
(the last point is the as-of date itself), the number of provisions at each status, and how many of
them were *stale* (as `ProvisionStatus.stale` says: their newest counting claim or assessment older than the
published freshness window, tracker.deadlines.FRESHNESS_MONTHS, before that point). A
provision counts from its agreement's signature on; before that it did not exist.

Read from the engine: each provision's effective status history (`tracker.changes.provision_changes`,
itself read from the status engine's timelines) is computed once, and every month is a binary search
in it, so the whole trend costs about one status computation per provision, not one per month.

The API, for the dashboard and the static site:

- `monthly(dataset, as_of, by=..., agreements=..., parties=...)` -> list[TrendPoint], by month, then
  group, then status in the order of `Status`; every (month, group, status) is present, with 0s.
- `month_ends(first, as_of)` -> the dates of the points.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .changes import Change, provision_changes
from .models import Stance, Status
from .status import _stale
from .store import Dataset

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


def _claim_dates(dataset: Dataset, provision_id: str) -> list[date]:
    """Dates of the provision's counting claims (dated, not context), sorted: the newest on or
    before a date is its `latest_claim`."""
    return sorted(
        item.evidence.event_date  # type: ignore[misc]
        for item in dataset.evidence_for(provision_id)
        if item.dated and item.evidence.stance != Stance.CONTEXT
    )


def monthly(
    dataset: Dataset,
    as_of: date,
    *,
    by: Grouping = "all",
    agreements: Iterable[str] | None = None,
    parties: Iterable[str] | None = None,
    histories: Mapping[str, list[Change]] | None = None,
) -> list[TrendPoint]:
    """Provisions by status at each month end up to `as_of`, for the agreements asked for (default:
    all) and the provisions obliging any of `parties` (default: all), grouped `by` all, agreement
    or party obliged (a provision obliging two parties counts once for each). Empty when no
    agreement asked for was signed by `as_of`. `histories` (provision id -> provision_changes at
    `as_of`) lets a caller that already has them (the release) spare their making a second time."""
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
    statuses = list(Status)
    column = {s: i for i, s in enumerate(statuses)}
    groups: dict[str, list[list[int]]] = {}  # group -> per point, per status: [count..., stale...]

    def cells(group: str) -> list[list[int]]:
        if group not in groups:
            groups[group] = [[0] * (2 * len(statuses)) for _ in points]
        return groups[group]

    for pid in pids:
        known = histories.get(pid) if histories is not None else None
        history = known if known is not None else provision_changes(dataset, pid, as_of)
        days = [c.date for c in history]
        claims = _claim_dates(dataset, pid)
        obligation = dataset.provisions[pid].obligation
        start = dataset.agreement_of(pid).effective
        assessments = sorted(dataset.assessments_for(pid), key=lambda a: a.date)
        assessed_from = [max(a.date, start) for a in assessments]  # in force from entry into force at the earliest
        if by == "all":
            targets = [cells("all")]
        elif by == "agreement":
            targets = [cells(dataset.provision_agreement[pid])]
        else:
            parties_here = dataset.provisions[pid].parties
            targets = [cells(a) for a in parties_here if obliged is None or a in obliged]
        first = bisect.bisect_left(points, days[0])
        for k in range(first, len(points)):
            when = points[k]
            status = history[bisect.bisect_right(days, when) - 1].new
            n = bisect.bisect_right(claims, when)
            a = bisect.bisect_right(assessed_from, when)
            # The engine's own freshness rule (one definition), fed from the timelines read above.
            stale = _stale(status, None, assessments[a - 1] if a else None, obligation,  # type: ignore[arg-type]
                           claims[n - 1] if n else None, when)
            col = column[status]
            for target in targets:
                row = target[k]
                row[col] += 1
                if stale:
                    row[len(statuses) + col] += 1

    order = list(groups)
    if by == "party":  # in the order of actors.yaml, like every other list of parties
        order = [a for a in dataset.actors if a in groups] + [g for g in groups if g not in dataset.actors]
    elif by == "agreement":
        order = [a for a in dataset.agreements if a in groups]
    out: list[TrendPoint] = []
    for k, when in enumerate(points):
        for group in order:
            row = groups[group][k]
            for status in statuses:
                col = column[status]
                out.append(TrendPoint(when, group, status, row[col], row[len(statuses) + col]))
    return out
