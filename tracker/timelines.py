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
# Rows per block of the rules' side x row arrays: 8 sides x 2,048 rows of 4-byte positions is 64 kB,
# below the size from which the C library maps fresh memory for each array.
_BLOCK = 2048
_STATUS_OF_GRAVITY_CODE = np.array([_CODE[s] for s in _STATUS_OF_GRAVITY], dtype=np.int8)


class Columns:
    """The evidence as columns, and every provision's timeline; one per loaded dataset.

    Valid as long as the dataset's provisions, agreements and evidence are the very objects it was made
    from (`current` checks, per provision, in a few dictionary lookups).

    Built for linear growth with the evidence (issue 13): every ordering is one np.sort of unique 64-bit
    keys (see _order) instead of a stable argsort and gathers by its permutation, the arrays as long as
    the timelines use the narrowest type that holds their values (days as offsets from the first day),
    and nothing is turned into a Python list per link or per row while building: those lists (int
    objects, allocated one by one) grew 20x for 10x more evidence. Per-provision lists are cut when a
    provision is first asked for, and a date's rows for many provisions are found at once (`states_at`)."""

    def __init__(self, dataset: Dataset):
        provisions = list(dataset.provisions)
        self.provision_ids = provisions
        self.index = {pid: n for n, pid in enumerate(provisions)}
        self.made_from = [(dataset.provisions[pid], dataset.agreement_of(pid)) for pid in provisions]
        self.evidence, self.evidence_len = dataset.evidence, len(dataset.evidence)
        P = len(provisions)
        self.start = np.array([a.effective.toordinal() for _, a in self.made_from], dtype=np.int64)
        self.signed = np.array([a.date.toordinal() for _, a in self.made_from], dtype=np.int64)
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
        S = max(1, len(sides))
        self.S = S
        # Sides renumbered in alphabetical order, so that `sides_by` lists them sorted.
        rank = {name: k for k, name in enumerate(sides)}
        side_remap = np.array([rank[name] for name in columns.side_numbers] or [0], dtype=np.int32)
        side = side_remap[np.frombuffer(columns.side, dtype=np.int64)] if n else np.zeros(0, dtype=np.int32)
        ids = columns.ids
        self._ids = ids
        links = len(columns.link_item)
        link_item_all = np.frombuffer(columns.link_item, dtype=np.int64) if links else np.zeros(0, dtype=np.int64)
        # Links to a provision not in the dataset (a broken reference, already reported) count nowhere.
        remap = np.array([self.index.get(pid, -1) for pid in columns.provision_numbers] or [-1], dtype=np.int64)
        link_p_all = remap[np.frombuffer(columns.link_provision, dtype=np.int64)] if links else link_item_all
        dated = (link_p_all >= 0) & (day[link_item_all] >= 0)
        # Undated links, never counted: their ids are listed per provision when first asked for.
        unknown = np.flatnonzero(~dated & (link_p_all >= 0))
        u_order, (u_p,) = _order((link_p_all[unknown], P))
        self._undated_items = link_item_all[unknown][u_order]
        self._undated_bounds = np.searchsorted(u_p, np.arange(P + 1)).tolist()
        self._undated: dict[int, tuple[str, ...]] = {}
        lp, li = link_p_all[dated], link_item_all[dated]
        ld = day[li]
        base = int(ld.min()) if len(ld) else 0
        span = int(ld.max()) - base + 1 if len(ld) else 1
        self.base = base
        doff = ld - base  # days as offsets from the first day of evidence: 0 <= doff < span
        self._claims: list[Any] = [None] * n  # status.Claim per item, made when first cited
        self._runs: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        self.facts: list[Any] = [None] * P  # status.py's facts of each provision, made when first asked

        # ---- counted evidence (context included) per provision, by (day, id): counts and evidence ids.
        c_pos, (c_p, c_doff) = _order((lp, P), (doff, span))
        c_pos = _ids_within_ties(c_pos, c_p, c_doff, items=li, ids=ids)
        c_item = li[c_pos]
        c_grav = gravity[c_item]
        self.count_bounds = np.searchsorted(c_p, np.arange(P + 1))
        self._count_bounds = self.count_bounds.tolist()
        self._c_doff, self._c_item, self._c_grav = c_doff, c_item, c_grav
        self._counted_days: dict[int, list[int]] = {}
        self._counted_ids: dict[int, list[str]] = {}

        # ---- claims: the counted links without context, in (provision, day, id) order.
        keep = c_grav > 0
        k_p, k_doff, k_item, k_grav = c_p[keep], c_doff[keep], c_item[keep], c_grav[keep]
        k_side = side[k_item]
        # The claims other than `implemented` as (provision, day) keys, in order (deadlines: a claim after
        # the due date), so that a date's latest such claim is found for many provisions at once.
        other = k_grav != GRAVITY[Stance.IMPLEMENTED]
        self._other_key = (k_p[other].astype(np.int64) << 32) | (k_doff[other].astype(np.int64) + 1)
        self._other_doff = k_doff[other].astype(np.int64)

        # The first claim of `implemented` per provision (R3's F).
        implemented = GRAVITY[Stance.IMPLEMENTED]
        impl = np.flatnonzero(k_grav == implemented)
        first_impl_item = np.full(P, -1, dtype=np.int64)
        if len(impl):
            firsts = impl[_starts(k_p[impl])]
            first_impl_item[k_p[firsts]] = k_item[firsts]
        self.first_impl_item = first_impl_item

        # ---- rows: per (provision, day with a claim), in order; the gravest claim of that day.
        row_starts = _starts(k_p, k_doff)
        row_start = np.flatnonzero(row_starts)
        row_of_claim = np.cumsum(row_starts) - 1
        row_p, row_doff = k_p[row_start], k_doff[row_start]
        day_gravest = np.maximum.reduceat(k_grav, row_start) if len(row_start) else np.zeros(0, dtype=np.int8)
        N = len(row_start)
        row_day = row_doff + base

        # ---- side-days: per (provision, side, day) the gravest claim (then the first id): the first of each
        # group in (provision, side, day, gravest first) order; claims are in id order within those keys.
        # Gravity is 0-5 (columns.GRAVITY): 7 - gravity sorts the gravest first.
        j, (a_p, a_side, a_doff, a_inv) = _order((k_p, P), (k_side, S), (k_doff, span), (7 - k_grav, 8))
        sd = np.flatnonzero(_starts(a_p, a_side, a_doff))
        sp, sk, sdoff, sg = a_p[sd], a_side[sd], a_doff[sd], (7 - a_inv[sd]).astype(np.int8)
        s_claim = j[sd]
        self.sd_day, self.sd_grav, self.sd_item = sdoff + base, sg, k_item[s_claim]

        never = np.iinfo(np.int64).max
        # Per provision and side: the day of its first claim (for `sides`), and the day and item of its first
        # `implemented` claim (R3), the first of each (provision, side) group in the order above.
        group = np.flatnonzero(_starts(sp, sk))
        side_first = np.full((P, S), never, dtype=np.int64)
        side_first[sp[group], sk[group]] = sdoff[group] + base
        first_sd = np.full((P, S), np.iinfo(np.int32).max, dtype=np.int32)
        first_sd[sp[group], sk[group]] = group
        a_impl = np.flatnonzero(a_inv == 7 - implemented)
        g_impl = a_impl[_starts(a_p[a_impl], a_side[a_impl])]
        impl_day = np.full((P, S), never, dtype=np.int64)
        impl_item = np.full((P, S), -1, dtype=np.int64)
        impl_day[a_p[g_impl], a_side[g_impl]] = a_doff[g_impl] + base
        impl_item[a_p[g_impl], a_side[g_impl]] = k_item[j[g_impl]]
        f_first_day = impl_day.min(axis=1) if S else np.full(P, never, dtype=np.int64)

        # Each side's position as of each row: the index of its latest side-day, carried forward along the
        # rows (side-major, so that each side's row of positions is contiguous), and dropped where it is
        # about an earlier provision (before the provision's first side-day of that side).
        pos = np.full((S, N), -1, dtype=np.int32)
        pos[sk, row_of_claim[s_claim]] = np.arange(len(sd), dtype=np.int32)
        if N:
            np.maximum.accumulate(pos, axis=1, out=pos)
        self.positions = pos

        # R3's F (the first `implemented` claim) per row, and whether a second side had claimed implemented
        # by then (F2: the second side's first such claim); with one side only, the side of F.
        f_day = f_first_day[row_p]
        r3 = self.one_off[row_p] & (f_day <= row_day)
        second = np.partition(impl_day, 1, axis=1)[:, 1] if S > 1 else np.full(P, never, dtype=np.int64)
        two = second[row_p] <= row_day
        f_side = np.argmin(impl_day, axis=1).astype(np.int32)[row_p]
        f_offset = np.minimum(f_day - base, np.iinfo(np.int32).max).astype(np.int32)
        r4_disputed = np.zeros(N, dtype=bool)
        r3_disputed = np.zeros(N, dtype=bool)
        # No position (-1) reads the sentinel appended at the end: a day before every window, no gravity.
        sd_doff = np.append(sdoff.astype(np.int32), np.int32(np.iinfo(np.int32).min))
        sd_grav = np.append(sg, np.int8(0))
        # The rules over blocks of rows, so that the side x row temporaries stay small and in cache, and
        # their memory is reused from block to block: over all rows at once they were megabytes each at
        # 100k passages, freshly mapped (page faults) and read from the last-level cache.
        for lo in range(0, N, _BLOCK):
            hi = min(lo + _BLOCK, N)
            block = pos[:, lo:hi]
            block[block < first_sd[row_p[lo:hi]].T] = -1  # a position about an earlier provision
            p_doff, p_grav = sd_doff[block], sd_grav[block]
            # R4: the current positions are those within 30 days before the latest claim (this row's day).
            current = p_doff >= row_doff[lo:hi] - WINDOW_DAYS
            negative = p_grav >= NEGATIVE_MIN
            r4_disputed[lo:hi] = (current & (p_grav <= POSITIVE_MAX) & (p_grav > 0)).any(axis=0) & (
                current & negative
            ).any(axis=0)
            # R3: a one-off once reported implemented stays so, unless a side's position is negative, dated
            # on or after F, while another side has claimed implemented: any side when two sides have by
            # then, else any side but F's.
            if r3[lo:hi].any():
                contest = negative & (p_doff >= f_offset[lo:hi])
                by_any = contest.any(axis=0)
                contest[f_side[lo:hi], np.arange(hi - lo)] = False
                r3_disputed[lo:hi] = np.where(two[lo:hi], by_any, contest.any(axis=0))

        rule = np.where(
            r3, np.where(r3_disputed, R3_DISPUTED, R3_IMPLEMENTED), np.where(r4_disputed, R4_DISPUTED, R4_LATEST)
        ).astype(np.int8)
        status = np.where(rule == R4_LATEST, _STATUS_OF_GRAVITY_CODE[day_gravest], _CODE[Status.DISPUTED])
        status = np.where(rule == R3_IMPLEMENTED, _CODE[Status.IMPLEMENTED], status).astype(np.int8)

        # Since: a row starts a run when it is its provision's first or its status differs from the row
        # before; the run's first day (not before the agreement takes effect) is the date it holds since.
        change = _starts(row_p, status)
        run_start = np.maximum.accumulate(np.where(change, np.arange(N), 0)) if N else np.zeros(0, dtype=np.int64)
        since = np.maximum(row_day[run_start], self.start[row_p])

        self.row_bounds = np.searchsorted(row_p, np.arange(P + 1))
        self._row_bounds = self.row_bounds.tolist()
        self.row_day, self.row_status, self.row_rule = row_day, status, rule
        # status.py's (since, Derived) per row, kept when a history asks for it. A list by row rather than
        # a dict: a status call reads the rows of provisions in order, so it reads this list in order,
        # where a dict's entries lie in the order they were made.
        self.derived: list[Any] = [None] * len(row_day)
        self.row_since, self.row_change = since, change
        self._dates = _date_table(base, row_doff, since - base)
        # (provision, day) of each row as one sorted integer, for the rows of many provisions at one date.
        self._row_key = (row_p.astype(np.int64) << 32) | (row_doff + 1)
        self._days: dict[int, list[int]] = {}  # per provision, its rows' days, cut when first asked for
        # Small tables (provisions, or provisions x sides) as Python lists: a query reads single values.
        self._first_impl_item = first_impl_item.tolist()
        self._first_impl_day = f_first_day.tolist()
        self._impl_day, self._impl_item = impl_day.tolist(), impl_item.tolist()
        self._side_first = side_first.tolist()
        by_provision: dict[str, list[Any]] = {}
        for a in sorted(dataset.assessments.values(), key=attrgetter("date")):
            by_provision.setdefault(a.provision, []).append(a)
        self.assessments = dataset.assessments, len(dataset.assessments)
        self._assessments = [by_provision.get(pid, []) for pid in provisions]

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

    def current_for(self, dataset: Dataset, pids: Sequence[str]) -> bool:
        """`current` for each of `pids` (the dataset-wide checks once)."""
        if not (
            self.evidence is dataset.evidence
            and self.evidence_len == len(dataset.evidence)
            and self.assessments[0] is dataset.assessments
            and self.assessments[1] == len(dataset.assessments)
        ):
            return False
        index, made_from = self.index, self.made_from
        provisions, agreements, agreement_of = dataset.provisions, dataset.agreements, dataset.provision_agreement
        for pid in pids:
            n = index.get(pid)
            if n is None:
                return False
            provision, agreement = made_from[n]
            if provision is not provisions.get(pid) or agreement is not agreements.get(agreement_of.get(pid, "")):
                return False
        return True

    def days(self, p: int) -> list[int]:
        """The days (ordinals) of provision `p`'s rows, cut from the column when first asked for."""
        days = self._days.get(p)
        if days is None:
            days = self._days[p] = self.row_day[self._row_bounds[p] : self._row_bounds[p + 1]].tolist()
        return days

    def row(self, p: int, as_of: int) -> int:
        """The row of provision `p` in force at ordinal date `as_of` (its last claim day on or before it),
        or -1 when it has no claim by then."""
        k = bisect.bisect_right(self.days(p), as_of)
        return self._row_bounds[p] + k - 1 if k else -1

    def states_at(
        self, ps: Sequence[int], as_of: int
    ) -> tuple[list[int], list[int], list[int], list[date | None], list[date | None], list[int]]:
        """For each provision of `ps` at ordinal date `as_of`: its row (as `row`), and that row's status
        code, rule code, since and day (dates), and the day (ordinal) of the provision's latest claim other
        than `implemented` by then (as `last_other_day`); -1 or None in each where there is none. One
        searchsorted for all of them, where a bisect in each provision's own lists cost more at 1,000."""
        p = np.asarray(ps, dtype=np.int64)
        offset = min(max(as_of - self.base + 1, 0), (1 << 32) - 1)
        query = (p << 32) | offset
        others = self._last_other_days(p, query)
        if not len(self._row_key):
            none = [-1] * len(p)
            return none, none, none, [None] * len(p), [None] * len(p), none
        rows = np.searchsorted(self._row_key, query, "right") - 1
        found = rows >= self.row_bounds[p]
        rows = np.where(found, rows, -1)
        at = np.where(found, rows, 0)
        code = np.where(found, self.row_status[at], -1).tolist()
        rule = np.where(found, self.row_rule[at], -1).tolist()
        no_date = len(self._dates) - 1  # the table's last entry is None
        since = self._dates[np.where(found, self.row_since[at] - self.base, no_date)].tolist()
        day = self._dates[np.where(found, self.row_day[at] - self.base, no_date)].tolist()
        return rows.tolist(), code, rule, since, day, others

    def state_of(self, p: int, as_of: int) -> tuple[int, int, int, date | None, date | None, int]:
        """states_at for one provision, with bisects in its own lists: numpy's per-call cost would
        dominate a single lookup."""
        row = self.row(p, as_of)
        other = self.last_other_day(p, as_of)
        if row < 0:
            return -1, -1, -1, None, None, -1 if other is None else other
        code, rule, since = int(self.row_status[row]), int(self.row_rule[row]), self.row_date(row)
        day = self._dates[int(self.row_day[row]) - self.base]
        return row, code, rule, since, day, -1 if other is None else other

    def row_date(self, row: int) -> date:
        """The date since which the status of a row holds."""
        made: date = self._dates[int(self.row_since[row]) - self.base]
        return made

    def status_at(self, row: int) -> tuple[Status, int, date]:
        """(status, rule code, since) of a row."""
        return _STATUS_CODES[int(self.row_status[row])], int(self.row_rule[row]), self.row_date(row)

    def runs_before(self, p: int, row: int) -> list[tuple[int, int]]:
        """The runs of provision `p` before the one holding at `row`: (since ordinal, last row of the run)."""
        runs = self._runs.get(p)
        if runs is None:  # every run of the provision, once: (first row, since), in order
            lo, hi = self._row_bounds[p], self._row_bounds[p + 1]
            starts = (np.flatnonzero(self.row_change[lo:hi]) + lo).tolist()
            since = self.row_since[starts].tolist()
            runs = self._runs[p] = (starts, [(s, nxt - 1) for s, nxt in zip(since, starts[1:], strict=False)])
        starts, done = runs
        current = bisect.bisect_right(starts, row) - 1  # the run holding at `row`
        return done[:current]

    def reasons(self, p: int, row: int, claim: Any) -> tuple[Any, ...]:
        """The claims the rule of `row` cites, newest first (then by id, descending), as status.Claim
        objects made by `claim(item)`: only for the rows asked for, never for every day.
        Plain lists, not numpy, past the first reads: a call reads a handful of values, where numpy's
        per-call cost would dominate."""
        rule, day = int(self.row_rule[row]), int(self.row_day[row])
        held_sd = [(k, sd) for k, sd in enumerate(self.positions[:, row].tolist()) if sd >= 0]
        sds = [sd for _, sd in held_sd]
        # (side, day, gravity, item) of each side's position as of this row
        held = list(
            zip(
                [k for k, _ in held_sd],
                self.sd_day[sds].tolist(),
                self.sd_grav[sds].tolist(),
                self.sd_item[sds].tolist(),
                strict=True,
            )
        )
        cite = self._claim_of
        if rule in (R4_DISPUTED, R4_LATEST):
            return _ordered([cite(item, claim) for _, d, _, item in held if d >= day - WINDOW_DAYS])
        first = cite(self._first_impl_item[p], claim)
        if rule == R3_IMPLEMENTED:
            implemented = GRAVITY[Stance.IMPLEMENTED]
            confirming = [c for _, _, g, item in held if g == implemented and (c := cite(item, claim)) is not first]
            return (first, *_ordered(confirming))
        impl_day, impl_item = self._impl_day[p], self._impl_item[p]
        claimed = {k for k, d in enumerate(impl_day) if d <= day}
        first_day = self._first_impl_day[p]
        contesting = [
            (k, cite(item, claim)) for k, d, g, item in held if g >= NEGATIVE_MIN and d >= first_day and claimed - {k}
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

    def last_other_day(self, p: int, as_of: int) -> int | None:
        """The day of the latest claim other than `implemented` on or before `as_of` (for deadlines)."""
        offset = min(max(as_of - self.base + 1, 0), (1 << 32) - 1)
        (day,) = self._last_other_days(np.array([p], dtype=np.int64), np.array([(p << 32) | offset], dtype=np.int64))
        return None if day < 0 else day

    def _last_other_days(self, p: Any, query: Any) -> list[int]:
        """For provisions `p` (an int64 array) and their (provision, day) keys `query`: the day (ordinal)
        of each one's latest claim other than `implemented` by then, -1 where there is none."""
        if not len(self._other_key):
            return [-1] * len(p)
        other = np.maximum(np.searchsorted(self._other_key, query, "right") - 1, 0)
        mine = (self._other_key[other] >> 32 == p) & (self._other_key[other] <= query)
        days: list[int] = np.where(mine, self._other_doff[other] + self.base, -1).tolist()
        return days

    def counted(self, p: int, as_of: int) -> tuple[tuple[str, ...], dict[Stance, int]]:
        """The ids of the dated evidence on or before `as_of` (context included), oldest first, and the
        count of each stance among them."""
        lo, hi = self._count_bounds[p], self._count_bounds[p + 1]
        days = self._counted_days.get(p)
        if days is None:
            days = self._counted_days[p] = (self._c_doff[lo:hi] + self.base).tolist()
        k = bisect.bisect_right(days, as_of)
        if not k:
            return (), {}
        tally = np.bincount(self._c_grav[lo : lo + k], minlength=len(GRAVITY)).tolist()
        counts = {STANCE_OF[g]: n for g, n in enumerate(tally) if n}
        ids = self._counted_ids.get(p)
        if ids is None:
            ids = self._counted_ids[p] = [self._ids[i] for i in self._c_item[lo:hi].tolist()]
        return tuple(ids[:k]), counts

    def undated_ids(self, p: int) -> tuple[str, ...]:
        """The ids of the provision's undated evidence (never counted), sorted."""
        made = self._undated.get(p)
        if made is None:
            lo, hi = self._undated_bounds[p], self._undated_bounds[p + 1]
            made = self._undated[p] = tuple(sorted(self._ids[i] for i in self._undated_items[lo:hi].tolist()))
        return made

    def sides_by(self, p: int, as_of: int) -> tuple[str, ...]:
        """The sides that made a claim (not context) about provision `p` on or before `as_of`."""
        return tuple(side for side, first in zip(self.sides, self._side_first[p], strict=False) if first <= as_of)

    def assessments_for(self, p: int) -> list[Any]:
        """The provision's assessments, oldest first."""
        return self._assessments[p]


def _date_table(base: int, *offsets: Any) -> Any:
    """The dates as objects (numpy object array) indexed by day offset from `base`, for the days in
    `offsets` (integer arrays of offsets >= 0); None elsewhere, and in one more entry at the end (for
    "no date", whatever the offsets). Made once per timelines (one object per day that has a claim or
    starts a status), so that a status call reads its dates from it instead of making two or three
    date objects per status."""
    offsets = tuple(o for o in offsets if len(o))
    size = max(int(o.max()) for o in offsets) + 2 if offsets else 1
    used = np.zeros(size, dtype=bool)
    for o in offsets:
        used[o] = True
    table = np.full(size, None, dtype=object)
    days = np.flatnonzero(used)
    table[days] = [date.fromordinal(base + d) for d in days.tolist()]
    return table


def _order(*keys: tuple[Any, int]) -> tuple[Any, list[Any]]:
    """The order that sorts by `keys` (most significant first; each an integer array with values in
    range(size)), ties kept in their input order; and each key in that order.

    The keys and each entry's position are packed into one 64-bit integer when they fit (always, short
    of millions of provisions or centuries of evidence), sorted with np.sort, and read back from the
    sorted integers with shifts: the integers are unique, so no stable sort is needed, numpy's vectorised
    sort takes a fraction of a stable argsort's time, and reading the keys back is sequential where
    gathering them by the permutation reads memory out of order (a stable argsort of 64-bit keys grew
    14-21x for 10x more links, and its gathers 13-14x). Otherwise a lexsort (stable) and gathers."""
    n = len(keys[0][0])
    widths = [max(1, (size - 1).bit_length()) for _, size in keys]
    position_bits = max(1, (n - 1).bit_length())
    if sum(widths) + position_bits <= 63:
        packed = np.zeros(n, dtype=np.int64)
        for (key, _), width in zip(keys, widths, strict=True):
            packed <<= width
            packed |= key
        packed <<= position_bits
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        order = packed & ((1 << position_bits) - 1)
        read: list[Any] = []
        shift = position_bits
        for width in reversed(widths):
            read.append((packed >> shift) & ((1 << width) - 1))
            shift += width
        return order, read[::-1]
    order = np.lexsort([key for key, _ in reversed(keys)])
    return order, [key[order] for key, _ in keys]


def _ids_within_ties(order: Any, *sorted_keys: Any, items: Any, ids: Sequence[str]) -> Any:
    """`order` (sorted by `sorted_keys`, ties in input order) with each run of equal keys ordered by the
    id of its items (ids[items[order[j]]]): ties on a day are broken by id, as an analyst would list
    them. Only the entries of runs are read (at 100k passages about 2,000 runs of two or three), and a
    run already in id order (as the loader's order usually leaves it) is left alone."""
    n = len(order)
    if n < 2:
        return order
    same = np.ones(n - 1, dtype=bool)
    for key in sorted_keys:
        same &= key[1:] == key[:-1]
    tied = np.flatnonzero(same)
    if not len(tied):
        return order
    # Each run: a maximal stretch of consecutive tied positions, plus the one after it.
    begins = np.ones(len(tied), dtype=bool)
    begins[1:] = np.diff(tied) != 1
    ends = np.append(begins[1:], True)
    member = np.zeros(n, dtype=bool)
    member[tied] = True
    member[tied + 1] = True
    run_order = order[member].tolist()
    run_ids = [ids[i] for i in items[run_order].tolist()]
    fixed = None
    k = 0
    for lo, hi in zip(tied[begins].tolist(), (tied[ends] + 2).tolist(), strict=True):
        segment = run_ids[k : k + hi - lo]
        if segment != sorted(segment):
            if fixed is None:
                fixed = order.copy()
            local = sorted(range(hi - lo), key=segment.__getitem__)
            fixed[lo:hi] = [run_order[k + m] for m in local]
        k += hi - lo
    return order if fixed is None else fixed


def _by_key_then_id(first: Any, *keys: tuple[Any, int], items: Any, ids: Sequence[str]) -> Any:
    """The order that sorts by `first`, then each key (values in range(size)), then by the id of the
    item (ids[items[j]])."""
    size = int(first.max()) + 1 if len(first) else 1
    order, read = _order((first, size), *keys)
    return _ids_within_ties(order, *read, items=items, ids=ids)


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
