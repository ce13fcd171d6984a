"""The status engine: each provision's status as of any date, with the evidence that produced it.

The rules are those of docs/methodology.md (v2), in the same order; an analyst can apply them by hand.
Labels and sentences for people are in tracker/present.py, not here.
"""

from __future__ import annotations

import bisect
import gc
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

from .deadlines import FRESHNESS_MONTHS, Due, TermState, deadline_state, due_as_of, stale_before, term_as_of
from .models import (
    ActorRole,
    Assessment,
    Contest,
    DatePrecision,
    DeadlineState,
    Obligation,
    Rule,
    Stance,
    Status,
)
from .present import DEADLINE_LABELS, STATUS_LABELS  # noqa: F401 - re-exported for older importers
from .store import Dataset, EvidenceItem

__all__ = [
    "FRESHNESS_MONTHS",
    "Claim",
    "Derived",
    "PartyView",
    "ProvisionStatus",
    "Rule",
    "SupersessionInEffect",
    "all_statuses",
    "derived_history",
    "party_views",
    "provision_status",
    "signed_later",
    "status_history",
    "supersedes",
]

POSITIVE = frozenset({Stance.IMPLEMENTED, Stance.PROGRESS})
NEGATIVE = frozenset({Stance.STALLED, Stance.VIOLATED, Stance.DISPUTED})
# When one side says two things on the same day, the graver claim stands.
SEVERITY = {Stance.IMPLEMENTED: 1, Stance.PROGRESS: 2, Stance.STALLED: 3, Stance.DISPUTED: 4, Stance.VIOLATED: 5}
STANCE_STATUS = {
    Stance.IMPLEMENTED: Status.IMPLEMENTED,
    Stance.PROGRESS: Status.IN_PROGRESS,
    Stance.STALLED: Status.STALLED,
    Stance.DISPUTED: Status.DISPUTED,
    Stance.VIOLATED: Status.VIOLATED,
}
CURRENT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Claim:
    """A dated, non-context passage as the engine sees it."""

    id: str
    date: date
    side: str
    stance: Stance
    precision: DatePrecision

    @classmethod
    def of(cls, item: EvidenceItem) -> Claim:
        e = item.evidence
        assert isinstance(e.event_date, date)
        return cls(e.id, e.event_date, e.side, e.stance, e.date_precision)

    def describe(self, name: Callable[[str], str] = str) -> str:
        return f"{self.id} ({name(self.side)}: {self.stance.value}, {self.date.isoformat()})"


@dataclass(frozen=True)
class Derived:
    """A status derived from the claims alone, the rule that set it and the claims it rests on."""

    status: Status
    rule: Rule
    reasons: tuple[Claim, ...] = ()


class _Positions:
    """Running state over claims in date order: enough to derive the status after each day."""

    def __init__(self, obligation: Obligation):
        self.obligation = obligation
        self.latest: dict[str, Claim] = {}
        self.first_implemented: Claim | None = None
        self.implemented_by: dict[str, Claim] = {}
        self.last_date: date | None = None

    def add(self, claim: Claim) -> None:
        old = self.latest.get(claim.side)
        if (
            old is None
            or claim.date > old.date
            or (claim.date == old.date and SEVERITY[claim.stance] > SEVERITY[old.stance])
        ):
            self.latest[claim.side] = claim
        if claim.stance == Stance.IMPLEMENTED:
            if self.first_implemented is None:
                self.first_implemented = claim
            self.implemented_by.setdefault(claim.side, claim)
        self.last_date = claim.date if self.last_date is None else max(self.last_date, claim.date)

    def derive(self) -> Derived:
        if self.last_date is None:
            return Derived(Status.NO_EVIDENCE, Rule.R2_NO_CLAIM)
        first = self.first_implemented
        if self.obligation == Obligation.ONE_OFF and first is not None:
            # R3: once done, a one-off stays done unless another side contests it since.
            contesting = [
                c
                for side, c in self.latest.items()
                if c.stance in NEGATIVE and c.date >= first.date and set(self.implemented_by) - {side}
            ]
            if contesting:
                sides = {c.side for c in contesting}
                backers = [c for s, c in self.implemented_by.items() if s not in sides]
                return Derived(Status.DISPUTED, Rule.R3_DISPUTED, _ordered(contesting + backers))
            confirming = [c for c in self.latest.values() if c.stance == Stance.IMPLEMENTED and c != first]
            return Derived(Status.IMPLEMENTED, Rule.R3_IMPLEMENTED, (first, *_ordered(confirming)))
        # R4: the current positions of each side (their latest claims within the window).
        current = [c for c in self.latest.values() if c.date >= self.last_date - CURRENT_WINDOW]
        if any(c.stance in POSITIVE for c in current) and any(c.stance in NEGATIVE for c in current):
            return Derived(Status.DISPUTED, Rule.R4_DISPUTED, _ordered(current))
        newest = max((c for c in current if c.date == self.last_date), key=lambda c: SEVERITY[c.stance])
        return Derived(STANCE_STATUS[newest.stance], Rule.R4_LATEST, _ordered(current))


_DATE_AND_ID = attrgetter("date", "id")  # a C-level sort key: _ordered runs once per day of evidence


def _ordered(claims: Iterable[Claim]) -> tuple[Claim, ...]:
    return tuple(sorted(set(claims), key=_DATE_AND_ID, reverse=True))


@dataclass(frozen=True)
class SupersessionInEffect:
    """A supersession of a provision in effect at the as-of date, with the contests of it then in effect.
    Not a status: it is shown beside the status, which is still derived from the evidence."""

    provision_id: str  # the provision of the later agreement that supersedes this one
    agreement_id: str  # its agreement
    since: date
    evidence: tuple[str, ...]
    note: str | None
    contested: tuple[Contest, ...]  # only contests whose date is on or before the as-of date


@dataclass(frozen=True)
class ProvisionStatus:
    """One provision's status as of a date, with everything it rests on.

    A caller may rely on:
    - `status` is the status that holds: the latest assessment's on or before `as_of` if there is one
      (`assessment`), else the derived one (`derived`, always computed and kept beside it);
    - `since` and `derived_since` are never later than `as_of` (None when the agreement was not yet
      signed at `as_of`: all_statuses never returns such a status);
    - `derived.reasons` are the claims the rule used, newest first; `derived.rule` names the rule;
    - `latest_claim` is the date of the newest counting (dated, non-context) claim on or before `as_of`,
      None if none; `stale` is True when the status rests on claims older than the freshness window
      (FRESHNESS_MONTHS before `as_of`): never for lapsed, no evidence, not started, or a one-off once
      implemented (docs/methodology.md, "Freshness");
    - `one_party` is the one party (actor role `party`) the derived status rests on when its reasons hold
      claims of exactly one party and none of another party or of an observer, else None (`one_sided`);
    - `superseded_by` lists the supersessions in effect at `as_of` (not a status);
    - `term`, when the provision has one, stops renewing from the date it was assessed lapsed;
    - `evidence_ids` are every dated piece of evidence on or before `as_of` (context included), oldest
      first; `undated_ids` the undated ones, never counted.
    """

    provision_id: str
    agreement_id: str
    as_of: date
    status: Status
    since: date | None
    derived: Derived
    derived_since: date | None
    assessment: Assessment | None
    due: Due | None
    deadline_state: DeadlineState
    term: TermState | None
    counts: dict[Stance, int] = field(default_factory=dict)
    evidence_ids: tuple[str, ...] = ()
    undated_ids: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()
    latest_claim: date | None = None
    stale: bool = False
    one_party: str | None = None
    superseded_by: tuple[SupersessionInEffect, ...] = ()
    starts: date | None = None  # under R1: the date the agreement takes effect (after `as_of`)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reasons(self) -> tuple[Claim, ...]:
        return self.derived.reasons

    @property
    def one_sided(self) -> bool:
        """True when the status rests on the claims of one party only (see `one_party`)."""
        return self.one_party is not None

    def explain(self, name: Callable[[str], str] = str) -> str:
        """Why the derived status is what it is, citing evidence ids and dates (tracker.present.explain)."""
        from .present import explain  # present formats; this module only derives

        return explain(self, name)


def _claims(items: Sequence[EvidenceItem], as_of: date) -> list[Claim]:
    claims = [
        Claim.of(i)
        for i in items
        if i.dated and i.evidence.stance != Stance.CONTEXT and i.evidence.event_date <= as_of  # type: ignore[operator]
    ]
    return sorted(claims, key=lambda c: (c.date, c.id))


class _Timeline:
    """What one provision's evidence gives at every date, computed once per dataset so that the status
    at any date is a few binary searches (every status at one date of 100k passages in milliseconds,
    where re-running the rules up to each date took seconds). Built by applying the rules day by day,
    exactly as derived_history did for one date: the history up to a date is a prefix of it."""

    def __init__(self, dataset: Dataset, provision_id: str):
        provision = dataset.provisions[provision_id]
        agreement = dataset.agreement_of(provision_id)
        items = dataset.evidence_for(provision_id)
        # The timeline is valid as long as these are the very objects it was made from.
        self.made_from = (provision, agreement, items, len(items))
        self.start = start = agreement.effective

        claims = _claims(items, date.max)
        state = _Positions(provision.obligation)
        self.before_any = (start, state.derive())
        self.changes: list[tuple[date, Derived]] = [self.before_any]
        self.days: list[date] = []
        # After each day: how long `changes` was, and its last entry then (only the last is ever replaced).
        # Kept in flat lists, not a tuple per day: fewer objects for the garbage collector to traverse.
        self.length_after = array("l")
        self.since_after: list[date] = []
        self.derived_after: list[Derived] = []
        i = 0
        while i < len(claims):
            day = claims[i].date
            while i < len(claims) and claims[i].date == day:
                state.add(claims[i])
                i += 1
            derived = state.derive()
            when = max(day, start)
            if derived.status != self.changes[-1][1].status:
                self.changes.append((when, derived))
            else:  # same status, fresher reasons
                self.changes[-1] = (self.changes[-1][0], derived)
            self.days.append(day)
            self.length_after.append(len(self.changes))
            self.since_after.append(self.changes[-1][0])
            self.derived_after.append(derived)

        implemented = [c for c in claims if c.stance == Stance.IMPLEMENTED]
        self.first_implemented = implemented[0] if implemented else None
        self.other_dates = [c.date for c in claims if c.stance != Stance.IMPLEMENTED]
        self.side_since: dict[str, date] = {}
        for c in claims:
            self.side_since.setdefault(c.side, c.date)

        counted = sorted((i for i in items if i.dated), key=lambda i: (i.evidence.event_date, i.id))
        self.counted_dates: list[date] = [i.evidence.event_date for i in counted]  # type: ignore[misc]
        self.counted_ids = tuple(i.id for i in counted)
        self.stance_dates: dict[Stance, list[date]] = {}  # in order of first appearance, like a Counter
        for item in counted:
            self.stance_dates.setdefault(item.evidence.stance, []).append(item.evidence.event_date)  # type: ignore[arg-type]
        self.undated_ids = tuple(sorted(i.id for i in items if not i.dated))

    def history(self, as_of: date) -> list[tuple[date, Derived]]:
        """derived_history: the derived status at each date it changed, up to `as_of`."""
        if as_of < self.start:
            return [(as_of, Derived(Status.NOT_STARTED, Rule.R1_NOT_IN_FORCE))]
        days = bisect.bisect_right(self.days, as_of)
        if days == 0:
            return [self.before_any]
        return [*self.changes[: self.length_after[days - 1] - 1], self._after(days - 1)]

    def _after(self, day: int) -> tuple[date, Derived]:
        return self.since_after[day], self.derived_after[day]

    def last_change(self, as_of: date) -> tuple[date, Derived]:
        """history(as_of)[-1], without building the list."""
        if as_of < self.start:
            return as_of, Derived(Status.NOT_STARTED, Rule.R1_NOT_IN_FORCE)
        days = bisect.bisect_right(self.days, as_of)
        return self._after(days - 1) if days else self.before_any


def _timeline(dataset: Dataset, provision_id: str) -> _Timeline:
    cached = dataset._timelines.get(provision_id)
    items = dataset.evidence_for(provision_id)
    if cached is not None:
        provision, agreement, made_items, count = cached.made_from
        if (
            provision is dataset.provisions[provision_id]
            and agreement is dataset.agreement_of(provision_id)
            and made_items is items
            and count == len(items)
        ):
            return cached
    timeline = dataset._timelines[provision_id] = _Timeline(dataset, provision_id)
    return timeline


def derived_history(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[date, Derived]]:
    """The derived status at each date it changed, from the agreement's entry into force to `as_of`."""
    return _timeline(dataset, provision_id).history(as_of)


def status_history(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[date, Status]]:
    """The effective status (assessments applied) at each date it changed, up to `as_of`."""
    points: dict[date, Status] = {d: derived.status for d, derived in derived_history(dataset, provision_id, as_of)}
    assessments = sorted((a for a in dataset.assessments_for(provision_id) if a.date <= as_of), key=lambda a: a.date)
    merged: list[tuple[date, Status]] = []
    for day in sorted(set(points) | {a.date for a in assessments}):
        latest = [a for a in assessments if a.date <= day]
        status = latest[-1].status if latest else [s for d, s in sorted(points.items()) if d <= day][-1]
        if not merged or merged[-1][1] != status:
            merged.append((day, status))
    return merged


def provision_status(dataset: Dataset, provision_id: str, as_of: date) -> ProvisionStatus:
    """The status of one provision as of `as_of`, by the rules of docs/methodology.md.

    Evidence, assessments, supersessions and contests dated after `as_of` are ignored, so the result
    is what the record said on that day. Before the agreement's date of signature the provision does
    not exist yet: the status is not started (R1) with no `since`; all_statuses leaves it out."""
    provision = dataset.provisions[provision_id]
    agreement = dataset.agreement_of(provision_id)
    timeline = _timeline(dataset, provision_id)
    derived_since: date | None
    derived_since, derived = timeline.last_change(as_of)
    starts = None
    if derived.rule == Rule.R1_NOT_IN_FORCE:
        # Not started since signature; before signature it has no "since" (nothing exists yet).
        derived_since = agreement.date if agreement.date <= as_of else None
        starts = agreement.effective
    assessment = None
    for a in sorted(dataset.assessments_for(provision_id), key=lambda a: a.date):
        if a.date <= as_of:
            assessment = a
    if derived.rule == Rule.R1_NOT_IN_FORCE or assessment is None:
        status, since = derived.status, derived_since
        assessment = None
    else:
        status, since = assessment.status, assessment.date

    due = due_as_of(provision.deadline, agreement.date, as_of) if provision.deadline else None
    # The first claim of implementation on or before `as_of`, and the last other claim after the due date.
    first_done = timeline.first_implemented
    if first_done is not None and first_done.date > as_of:
        first_done = None
    others = bisect.bisect_right(timeline.other_dates, as_of)
    later = timeline.other_dates[others - 1] if due and others and timeline.other_dates[others - 1] > due.date else None
    state = deadline_state(due, as_of, (first_done.date, first_done.precision) if first_done else None, later)
    counted = bisect.bisect_right(timeline.counted_dates, as_of)
    counts = {stance: n for stance, dates in timeline.stance_dates.items() if (n := bisect.bisect_right(dates, as_of))}
    days = bisect.bisect_right(timeline.days, as_of)
    latest_claim = timeline.days[days - 1] if days else None
    ended = assessment.date if assessment is not None and assessment.status == Status.LAPSED else None
    return ProvisionStatus(
        provision_id=provision_id,
        agreement_id=agreement.id,
        as_of=as_of,
        status=status,
        since=since,
        derived=derived,
        derived_since=derived_since,
        assessment=assessment,
        due=due,
        deadline_state=state,
        term=term_as_of(provision.term, as_of, ended) if provision.term else None,
        counts=counts,
        evidence_ids=timeline.counted_ids[:counted],
        undated_ids=timeline.undated_ids,
        sides=tuple(sorted(side for side, since in timeline.side_since.items() if since <= as_of)),
        latest_claim=latest_claim,
        stale=_stale(status, derived, assessment, provision.obligation, latest_claim, as_of),
        one_party=_one_party(dataset, derived.reasons),
        superseded_by=_supersessions(dataset, provision_id, as_of),
        starts=starts,
    )


# Statuses that do not decay with time: an end (lapsed), an absence (no evidence), a provision not yet
# in force. A one-off once implemented stays implemented (R3), so its old first report is not stale.
_NEVER_STALE = frozenset({Status.LAPSED, Status.NO_EVIDENCE, Status.NOT_STARTED})


def _stale(
    status: Status,
    derived: Derived,
    assessment: Assessment | None,
    obligation: Obligation,
    latest_claim: date | None,
    as_of: date,
) -> bool:
    """Freshness (docs/methodology.md): True when the status rests on nothing newer than the window.
    An assessment is a dated judgement, so its date counts as fresh as a claim of that day."""
    if status in _NEVER_STALE:
        return False
    if status == Status.IMPLEMENTED and obligation == Obligation.ONE_OFF:
        return False  # done stays done (R3), whether derived or assessed
    newest = [d for d in (latest_claim, assessment.date if assessment else None) if d is not None]
    return bool(newest) and max(newest) < stale_before(as_of)


def role_of(dataset: Dataset, actor_id: str) -> ActorRole:
    """An actor's role; an id missing from actors.yaml (only in hand-built datasets, since loading
    refuses unknown actors) counts as a party, so that it is never taken for an independent report."""
    actor = dataset.actors.get(actor_id)
    return actor.role if actor is not None else ActorRole.PARTY


def _one_party(dataset: Dataset, reasons: Sequence[Claim]) -> str | None:
    """The one party whose claims the status rests on, when no other party and no observer is among
    the reasons (methodology v2: media, courts and monitors are never a side)."""
    parties = set()
    for claim in reasons:
        if role_of(dataset, claim.side) == ActorRole.OBSERVER:
            return None
        parties.add(claim.side)
    return parties.pop() if len(parties) == 1 else None


def _supersessions(dataset: Dataset, provision_id: str, as_of: date) -> tuple[SupersessionInEffect, ...]:
    return tuple(
        SupersessionInEffect(
            provision_id=sup.provision,
            agreement_id=dataset.provision_agreement.get(sup.provision, ""),
            since=sup.from_,
            evidence=tuple(sup.evidence),
            note=sup.note,
            contested=tuple(c for c in sup.contested if c.from_ <= as_of),
        )
        for sup in dataset.provisions[provision_id].superseded_by
        if sup.from_ <= as_of
    )


def supersedes(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[str, SupersessionInEffect]]:
    """The other side of the lineage: the older provisions that `provision_id` supersedes at `as_of`,
    each with its supersession (and the contests then in effect), in the order of the YAML files."""
    found = []
    for pid in dataset.provisions:
        for sup in _supersessions(dataset, pid, as_of):
            if sup.provision_id == provision_id:
                found.append((pid, sup))
    return found


def _selected(dataset: Dataset, agreement: str | None, party: str | None) -> Iterator[str]:
    for pid, provision in dataset.provisions.items():
        if (agreement is None or dataset.provision_agreement[pid] == agreement) and (
            party is None or party in provision.parties
        ):
            yield pid


def all_statuses(
    dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None
) -> list[ProvisionStatus]:
    """The status of every provision that exists at `as_of` (its agreement signed on or before it),
    optionally of one agreement or of the provisions obliging one party, in the order of the agreements'
    dates and then of the YAML files. Provisions of agreements signed later are left out (count them
    with signed_later); every status returned has `since` on or before `as_of`."""
    with _collector_paused():
        return [
            provision_status(dataset, pid, as_of)
            for pid in _selected(dataset, agreement, party)
            if dataset.agreement_of(pid).date <= as_of
        ]


def signed_later(
    dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None
) -> list[str]:
    """Ids of the provisions all_statuses leaves out at `as_of`: their agreements were signed later."""
    return [pid for pid in _selected(dataset, agreement, party) if dataset.agreement_of(pid).date > as_of]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building the timelines allocates hundreds of thousands of objects, none of them garbage; the
    cyclic collector would walk the whole loaded dataset again and again meanwhile (1.1 of 2.7 s for
    the first call at 100k passages). Its state is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class PartyView:
    """One party's obligations and how they stand: counts and evidence, never a bare score."""

    actor_id: str
    statuses: tuple[ProvisionStatus, ...]
    counts: dict[Status, int]
    evidence_concerning: tuple[str, ...]


def party_views(
    dataset: Dataset, as_of: date, statuses: Sequence[ProvisionStatus] | None = None
) -> list[PartyView]:
    """Each obliged party's statuses, counts and the evidence about its conduct up to `as_of`.
    Pass `statuses` (every provision's, at `as_of`) when they are already computed."""
    if statuses is None:
        statuses = all_statuses(dataset, as_of)
    # One pass over the evidence for all actors: per actor it would be actors x evidence.
    concerning: dict[str, list[str]] = defaultdict(list)
    for item in dataset.evidence.values():
        e = item.evidence
        if e.concerns and item.dated and e.event_date <= as_of:  # type: ignore[operator]
            for actor_id in e.concerns:
                concerning[actor_id].append(item.id)
    views = []
    for actor_id in dataset.actors:
        mine = tuple(s for s in statuses if actor_id in dataset.provisions[s.provision_id].parties)
        if not mine:
            continue
        views.append(PartyView(actor_id, mine, dict(Counter(s.status for s in mine)), tuple(concerning[actor_id])))
    return views
