"""Every provision's status timeline at once, with numpy, from the evidence kept as columns.

The rules are those of tracker/status.py and docs/methodology.md (R2-R4; R1 and the assessments are
applied by status.py at the date asked). They are applied here to whole columns instead of one
provision-day at a time: the old engine ran the rules in Python once per provision and day of evidence
(about 108,000 days at 100k passages, 25 us each, and hundreds of thousands of small objects for the
garbage collector to walk); this module builds every timeline in a few vectorised passes and works out
the cited claims (the reasons) only for the dates asked.

Terms used below:
- a *link* is one (dated, non-context passage, provision) pair: a claim about that provision;
- a *side-day* is the position a side took on one day about one provision: the gravest of its claims
  that day (then the first by id);
- a *row* is a (provision, day with at least one claim) pair: the status can change only on such days.
  For each row the engine keeps the status, the rule and the date since which that status holds; the
  status at any date is the row of the last claim day on or before it (or no evidence before the first).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import (
    GRAVITY,
    NEGATIVE_MIN,
    POSITIVE_MAX,
    R3_DISPUTED,
    R3_IMPLEMENTED,
    R4_DISPUTED,
    R4_LATEST,
    WINDOW_DAYS,
    EvidenceColumns,
)
from .models import Obligation, Stance, Status

if TYPE_CHECKING:
    from .store import Dataset

STANCE_OF = {v: k for k, v in GRAVITY.items()}
# R4 without a dispute: the status follows the gravest claim of the latest day.
_STATUS_OF_GRAVITY = [
    Status.NO_EVIDENCE,
    Status.IMPLEMENTED,
    Status.IN_PROGRESS,
    Status.STALLED,
    Status.DISPUTED,
    Status.VIOLATED,
]
_STATUS_CODES = list(Status)
_CODE = {s: i for i, s in enumerate(_STATUS_CODES)}


class Columns:
    """The evidence as columns, and every provision's timeline; one per loaded dataset.

    Valid as long as the dataset's provisions, agreements and evidence are the very objects it was made
    from (`current` checks, per provision, in a few dictionary lookups)."""

    def __init__(self, dataset: Dataset):
        provisions = list(dataset.provisions)
        self.provision_ids = provisions
        self.index = {pid: n for n, pid in enumerate(provisions)}
        self.made_from = [(dataset.provisions[pid], dataset.agreement_of(pid)) for pid in provisions]
        self.evidence, self.evidence_len = dataset.evidence, len(dataset.evidence)
        P = len(provisions)
        self.start = np.array([a.effective.toordinal() for _, a in self.made_from], dtype=np.int64)
        self.one_off = np.array([p.obligation == Obligation.ONE_OFF for p, _ in self.made_from], dtype=bool)

        # ---- the columns: one entry per (dated item, provision), context included (it is counted).
        columns = dataset._timelines.get(EvidenceColumns)
        if columns is None or not columns.matches(dataset):
            columns = dataset._timelines[EvidenceColumns] = EvidenceColumns.of(dataset)
        items = columns.items
        self.items = items
        n = len(items)
        day = np.frombuffer(columns.day, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
        gravity = np.frombuffer(columns.gravity, dtype=np.int8) if n else np.zeros(0, dtype=np.int8)
        sides = sorted(columns.side_numbers)
        self.sides = sides
        # Sides renumbered in alphabetical order, so that `sides_by` lists them sorted.
        rank = {name: k for k, name in enumerate(sides)}
        side_remap = np.array([rank[name] for name in columns.side_numbers] or [0], dtype=np.int64)
        side = side_remap[np.frombuffer(columns.side, dtype=np.int64)] if n else np.zeros(0, dtype=np.int64)
        ids = columns.ids
        links = len(columns.link_item)
        link_item_all = np.frombuffer(columns.link_item, dtype=np.int64) if links else np.zeros(0, dtype=np.int64)
        # Links to a provision not in the dataset (a broken reference, already reported) count nowhere.
        remap = np.array([self.index.get(pid, -1) for pid in columns.provision_numbers] or [-1], dtype=np.int64)
        link_p_all = remap[np.frombuffer(columns.link_provision, dtype=np.int64)] if links else link_item_all
        dated = (link_p_all >= 0) & (day[link_item_all] >= 0)
        lp, li = link_p_all[dated], link_item_all[dated]
        undated: list[list[str]] = [[] for _ in range(P)]
        unknown = ~dated & (link_p_all >= 0)
        for p, i in zip(link_p_all[unknown].tolist(), link_item_all[unknown].tolist(), strict=True):
            undated[p].append(columns.ids[i])
        self.undated_ids = [tuple(sorted(u)) for u in undated]
        self._ids = ids
        self._claims: list[Any] = [None] * n  # status.Claim per item, made when first cited
        self.derived: dict[int, Any] = {}  # status.py's (since, Derived) per row, made when first asked
        self._runs: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}

        # ---- counted evidence (context included) per provision, by (day, id): counts and evidence ids.
        d_min = int(day[li].min()) if len(li) else 0
        d_span = int(day[li].max()) - d_min + 1 if len(li) else 1
        order = _by_key_then_id(lp, (day[li] - d_min, d_span), items=li, ids=ids)
        c_p, c_item = lp[order], li[order]
        bounds = np.searchsorted(c_p, np.arange(P + 1))
        self.count_bounds = bounds
        c_day = day[c_item]
        b = bounds.tolist()
        self.counted_days: list[list[int]] = _split(c_day.tolist(), b)
        # The ids themselves only for the provisions whose evidence ids are read (status fields are
        # made when first read): a list of 100,000 ids per build was a tenth of it.
        self._counted_items: list[list[int]] = _split(c_item.tolist(), b)
        self._counted_ids: dict[int, list[str]] = {}
        # Cumulative count of each stance along the counted order (row k: counts of the first k links).
        onehot = np.zeros((len(c_item) + 1, len(GRAVITY)), dtype=np.int32)
        onehot[np.arange(1, len(c_item) + 1), gravity[c_item]] = 1
        self.stance_cumulative = np.cumsum(onehot, axis=0)

        # ---- claims: the counted links without context.
        keep = gravity[c_item] > 0
        k_p, k_item = c_p[keep], c_item[keep]
        k_day, k_grav, k_side = day[k_item], gravity[k_item].astype(np.int64), side[k_item].astype(np.int64)
        S = max(1, len(sides))
        self.S = S

        # First claim of each side (for `sides`), first `implemented` claim per provision and per side.
        self.first_by_side = self._first(k_p, k_side, k_day, k_item, P, S, np.ones(len(k_p), dtype=bool))
        impl = k_grav == GRAVITY[Stance.IMPLEMENTED]
        self.first_impl_by_side = self._first(k_p, k_side, k_day, k_item, P, S, impl)
        first_impl_item = np.full(P, -1, dtype=np.int64)
        ip = k_p[impl]
        if len(ip):
            starts = np.flatnonzero(_starts(ip))
            first_impl_item[ip[starts]] = k_item[impl][starts]
        self.first_impl_item = first_impl_item
        # An item index of -1 (none) reads the padding: a day after every date.
        day_or_never = np.append(day, np.iinfo(np.int64).max)
        f_first_day = day_or_never[first_impl_item]
        # Claims other than `implemented`, for deadlines: the days per provision.
        other = ~impl
        ob = np.searchsorted(k_p[other], np.arange(P + 1))
        o_day = k_day[other]
        self.other_days: list[list[int]] = _split(o_day.tolist(), ob.tolist())

        # ---- side-days: per (provision, side, day) the gravest claim (then the first id).
        # Gravity is 0-5 (columns.GRAVITY): 7 - gravity sorts the gravest first.
        sd_order = _by_key_then_id(k_p, (k_side, S), (k_day - d_min, d_span), (7 - k_grav, 8), items=k_item, ids=ids)
        sp, sk, sday, sg, sitem = k_p[sd_order], k_side[sd_order], k_day[sd_order], k_grav[sd_order], k_item[sd_order]
        first_of_group = _starts(sp, sk, sday)
        sp, sk, sday, sg, sitem = (a[first_of_group] for a in (sp, sk, sday, sg, sitem))

        # ---- rows: per (provision, day with a claim), in order; the gravest claim of that day.
        row_start = np.flatnonzero(_starts(k_p, k_day))
        row_p, row_day = k_p[row_start], k_day[row_start]
        day_gravest = np.maximum.reduceat(k_grav, row_start) if len(row_start) else np.zeros(0, dtype=np.int64)
        N = len(row_p)
        span = int(max(1, k_day.max() - k_day.min() + 2)) if len(k_day) else 1
        base = int(k_day.min()) - 1 if len(k_day) else 0
        row_key = row_p * span + (row_day - base)

        # Each side's position as of each row: the index of its latest side-day, carried forward.
        pos = np.full((N, S), -1, dtype=np.int64)
        sd_row = np.searchsorted(row_key, sp * span + (sday - base))
        sd_index = np.arange(len(sp))
        for k in range(S):
            mine = sk == k
            column = np.full(N, -1, dtype=np.int64)
            column[sd_row[mine]] = sd_index[mine]
            column = np.maximum.accumulate(column) if N else column
            valid = column >= 0
            valid[valid] &= sp[column[valid]] == row_p[valid]  # not a position about another provision
            pos[:, k] = np.where(valid, column, -1)
        self.positions = pos.astype(np.int32)
        self.sd_day, self.sd_grav, self.sd_item = sday, sg, sitem

        held = pos >= 0
        # No position (-1) reads the sentinel appended at the end: no day, no gravity.
        p_day = np.append(sday, np.iinfo(np.int64).min)[pos]
        p_grav = np.append(sg, 0)[pos]

        # R4: the current positions are those within 30 days before the latest claim (this row's day).
        current = held & (p_day >= (row_day - WINDOW_DAYS)[:, None])
        r4_disputed = (current & (p_grav <= POSITIVE_MAX) & (p_grav > 0)).any(axis=1) & (
            current & (p_grav >= NEGATIVE_MIN)
        ).any(axis=1)
        # R3: a one-off once reported implemented (F: the first such claim), unless a side's position is
        # negative, dated on or after F, while another side has claimed implemented.
        f_item = first_impl_item[row_p]
        f_day = day_or_never[f_item]
        r3 = self.one_off[row_p] & (f_day <= row_day)
        impl_by = self.first_impl_by_side[0][row_p] <= row_day[:, None]  # N x S: side k claimed implemented
        others_impl = (impl_by.sum(axis=1)[:, None] - impl_by) > 0
        contest = held & (p_grav >= NEGATIVE_MIN) & (p_day >= f_day[:, None]) & others_impl
        r3_disputed = contest.any(axis=1)

        rule = np.where(
            r3, np.where(r3_disputed, R3_DISPUTED, R3_IMPLEMENTED), np.where(r4_disputed, R4_DISPUTED, R4_LATEST)
        )
        status_of_gravity = np.array([_CODE[s] for s in _STATUS_OF_GRAVITY])
        status = np.where(rule == R4_LATEST, status_of_gravity[day_gravest], _CODE[Status.DISPUTED])
        status = np.where(rule == R3_IMPLEMENTED, _CODE[Status.IMPLEMENTED], status)

        # Since: a row starts a run when it is its provision's first or its status differs from the row
        # before; the run's first day (not before the agreement takes effect) is the date it holds since.
        change = _starts(row_p, status)
        run_start = np.maximum.accumulate(np.where(change, np.arange(N), 0)) if N else np.zeros(0, dtype=np.int64)
        since = np.maximum(row_day[run_start], self.start[row_p])

        self.row_bounds = np.searchsorted(row_p, np.arange(P + 1))
        self.row_day, self.row_status, self.row_rule = row_day, status, rule
        self.row_since, self.row_change, self.row_run_start = since, change, run_start
        rb = self.row_bounds
        # Python lists per provision: a date's row is one bisect, faster than a numpy call per provision.
        self.days: list[list[int]] = _split(row_day.tolist(), rb.tolist())
        self._status_list = status.tolist()
        self._day_list = row_day.tolist()
        self._sd_day, self._sd_grav, self._sd_item = sday.tolist(), sg.tolist(), sitem.tolist()
        self._first_impl_item = first_impl_item.tolist()
        self._first_impl_day = f_first_day.tolist()
        self._impl_day, self._impl_item = (a.tolist() for a in self.first_impl_by_side)
        self._side_first = self.first_by_side[0].tolist()
        self._count_bounds = bounds.tolist()
        by_provision: dict[str, list[Any]] = {}
        for a in sorted(dataset.assessments.values(), key=attrgetter("date")):
            by_provision.setdefault(a.provision, []).append(a)
        self.assessments = dataset.assessments, len(dataset.assessments)
        self._assessments = [by_provision.get(pid, []) for pid in provisions]
        self._rule_list = rule.tolist()
        self._since_list = since.tolist()

    # ----------------------------------------------------------------- construction helpers

    @staticmethod
    def _first(k_p: Any, k_side: Any, k_day: Any, k_item: Any, P: int, S: int, mask: Any) -> tuple[Any, Any]:
        """Per provision and side, the day and item of the first claim among `mask` (links are in
        (provision, day, id) order, so the first of each group is the earliest, then the first id)."""
        first_day = np.full((P, S), np.iinfo(np.int64).max, dtype=np.int64)
        first_item = np.full((P, S), -1, dtype=np.int64)
        p, k, d, it = k_p[mask], k_side[mask], k_day[mask], k_item[mask]
        if len(p):
            order = np.lexsort((np.arange(len(p)), k, p))  # stable: keeps (day, id) order within a group
            p, k, d, it = p[order], k[order], d[order], it[order]
            firsts = _starts(p, k)
            first_day[p[firsts], k[firsts]] = d[firsts]
            first_item[p[firsts], k[firsts]] = it[firsts]
        return first_day, first_item

    # ----------------------------------------------------------------- queries

    def current(self, dataset: Dataset, pid: str) -> bool:
        """Whether this provision's timeline was made from the objects the dataset holds now."""
        n = self.index.get(pid)
        if n is None:
            return False
        provision, agreement = self.made_from[n]
        return (
            provision is dataset.provisions.get(pid)
            and agreement is dataset.agreements.get(dataset.provision_agreement.get(pid, ""))
            and self.evidence is dataset.evidence
            and self.evidence_len == len(dataset.evidence)
            and self.assessments[0] is dataset.assessments
            and self.assessments[1] == len(dataset.assessments)
        )

    def row(self, p: int, as_of: int) -> int:
        """The row of provision `p` in force at ordinal date `as_of` (its last claim day on or before it),
        or -1 when it has no claim by then."""
        k = bisect.bisect_right(self.days[p], as_of)
        return int(self.row_bounds[p]) + k - 1 if k else -1

    def status_at(self, row: int) -> tuple[Status, int, int]:
        """(status, rule code, since as an ordinal) of a row."""
        return _STATUS_CODES[self._status_list[row]], self._rule_list[row], self._since_list[row]

    def runs_before(self, p: int, row: int) -> list[tuple[int, int]]:
        """The runs of provision `p` before the one holding at `row`: (since ordinal, last row of the run)."""
        runs = self._runs.get(p)
        if runs is None:  # every run of the provision, once: (first row, since), in order
            lo, hi = int(self.row_bounds[p]), int(self.row_bounds[p + 1])
            starts = (np.flatnonzero(self.row_change[lo:hi]) + lo).tolist()
            runs = self._runs[p] = (starts, [(self._since_list[c], nxt - 1) for c, nxt in itertools.pairwise(starts)])
        starts, done = runs
        current = bisect.bisect_right(starts, row) - 1  # the run holding at `row`
        return done[:current]

    def reasons(self, p: int, row: int, claim: Any) -> tuple[Any, ...]:
        """The claims the rule of `row` cites, newest first (then by id, descending), as status.Claim
        objects made by `claim(item)`: only for the rows asked for, never for every day.
        Plain lists, not numpy, here: a call reads a handful of values, where numpy's per-call cost
        would dominate."""
        rule, day = self._rule_list[row], self._day_list[row]
        sd_day, sd_item = self._sd_day, self._sd_item
        held = [(k, sd) for k, sd in enumerate(self.positions[row].tolist()) if sd >= 0]
        cite = self._claim_of
        if rule in (R4_DISPUTED, R4_LATEST):
            return _ordered([cite(sd_item[sd], claim) for _, sd in held if sd_day[sd] >= day - WINDOW_DAYS])
        first = cite(self._first_impl_item[p], claim)
        if rule == R3_IMPLEMENTED:
            implemented = GRAVITY[Stance.IMPLEMENTED]
            confirming = [
                c for _, sd in held if self._sd_grav[sd] == implemented and (c := cite(sd_item[sd], claim)) is not first
            ]
            return (first, *_ordered(confirming))
        impl_day, impl_item = self._impl_day[p], self._impl_item[p]
        claimed = {k for k, d in enumerate(impl_day) if d <= day}
        first_day = self._first_impl_day[p]
        contesting = [
            (k, cite(sd_item[sd], claim))
            for k, sd in held
            if self._sd_grav[sd] >= NEGATIVE_MIN and sd_day[sd] >= first_day and claimed - {k}
        ]
        sides = {k for k, _ in contesting}
        backers = [cite(impl_item[k], claim) for k in sorted(claimed - sides)]
        return _ordered([c for _, c in contesting] + backers)

    def _claim_of(self, item: int, claim: Any) -> Any:
        made = self._claims[item]
        if made is None:
            made = self._claims[item] = claim(self.items[item])
        return made

    def first_implemented(self, p: int, claim: Any) -> Any:
        item = self._first_impl_item[p]
        return None if item < 0 else self._claim_of(item, claim)

    def latest_claim(self, p: int, as_of: int) -> date | None:
        """The date of the newest claim (not context) on or before `as_of`."""
        row = self.row(p, as_of)
        return date.fromordinal(self._day_list[row]) if row >= 0 else None

    def last_other_day(self, p: int, as_of: int) -> int | None:
        """The day of the latest claim other than `implemented` on or before `as_of` (for deadlines)."""
        days = self.other_days[p]
        k = bisect.bisect_right(days, as_of)
        return days[k - 1] if k else None

    def counted(self, p: int, as_of: int) -> tuple[tuple[str, ...], dict[Stance, int]]:
        """The ids of the dated evidence on or before `as_of` (context included), oldest first, and the
        count of each stance among them."""
        k = bisect.bisect_right(self.counted_days[p], as_of)
        if not k:
            return (), {}
        lo = self._count_bounds[p]
        after, before = self.stance_cumulative[lo + k].tolist(), self.stance_cumulative[lo].tolist()
        counts = {STANCE_OF[g]: n - b for g, (n, b) in enumerate(zip(after, before, strict=True)) if n - b}
        ids = self._counted_ids.get(p)
        if ids is None:
            ids = self._counted_ids[p] = [self._ids[i] for i in self._counted_items[p]]
        return tuple(ids[:k]), counts

    def sides_by(self, p: int, as_of: int) -> tuple[str, ...]:
        """The sides that made a claim (not context) about provision `p` on or before `as_of`."""
        return tuple(side for side, first in zip(self.sides, self._side_first[p], strict=False) if first <= as_of)

    def assessments_for(self, p: int) -> list[Any]:
        """The provision's assessments, oldest first."""
        return self._assessments[p]


def _split(values: list[Any], bounds: list[int]) -> list[list[Any]]:
    """values[bounds[p]:bounds[p + 1]] for each p: one tolist() of the whole column and Python slices,
    not a tolist() per provision (about 3,000 numpy calls per timeline build at 100k passages)."""
    return [values[lo:hi] for lo, hi in itertools.pairwise(bounds)]


def _by_key_then_id(first: Any, *keys: tuple[Any, int], items: Any, ids: Sequence[str]) -> Any:
    """The order that sorts by `first`, then each key (values in range(size)), then by the id of the
    item (ids[items[j]]): ties on a day are broken by id, as an analyst would list them.

    The keys are packed into one integer when that fits in 63 bits (else sorted with lexsort on the
    same keys), and ids compared only within the few runs of equal keys: sorting all 100,000 ids was the
    largest part of building the timelines."""
    n = len(first)
    packed = first.astype(np.int64)
    limit = int(packed.max()) + 1 if n else 1
    for key, size in keys:
        limit *= max(size, 1)
        if limit >= 2**62:
            break
        packed = packed * max(size, 1) + key
    else:
        order = np.argsort(packed, kind="stable")
        sorted_keys = packed[order]
        same = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) if n else sorted_keys[:0]
        if len(same):
            order = order.copy()
            item_of = items[order].tolist()
            # Runs of equal keys: each maximal stretch of consecutive `same` positions, plus one.
            breaks = np.flatnonzero(np.diff(same) != 1) + 1
            for run in np.split(same, breaks):
                lo, hi = int(run[0]), int(run[-1]) + 2
                local = sorted(range(lo, hi), key=lambda j: ids[item_of[j]])
                order[lo:hi] = order[local]
        return order
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(np.array(ids, dtype=str), kind="stable")] = np.arange(len(ids))
    return np.lexsort((id_rank[items], *(key for key, _ in reversed(keys)), first))


def _starts(*keys: Any) -> Any:
    """True where a group of equal consecutive keys starts (keys sorted); empty for empty input."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=bool)
    start = np.zeros(n, dtype=bool)
    start[0] = True
    for key in keys:
        start[1:] |= key[1:] != key[:-1]
    return start


_DATE_AND_ID = attrgetter("date", "id")


def _ordered(claims: Sequence[Any]) -> tuple[Any, ...]:
    """Newest first, then by id descending: the order the engine has always cited claims in. Each
    claim object is made once per item, so duplicates are the same object."""
    unique = {id(c): c for c in claims}.values()
    return tuple(sorted(unique, key=_DATE_AND_ID, reverse=True))


def ordinal(day: date) -> int:
    return day.toordinal()
