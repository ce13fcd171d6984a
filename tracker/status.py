"""The status engine: each provision's status as of any date, with the evidence that produced it.

The rules are those of docs/methodology.md, in the same order; an analyst can apply them by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .deadlines import Due, TermState, deadline_state, due_as_of, term_as_of
from .models import Assessment, DatePrecision, DeadlineState, Obligation, Stance, Status
from .store import Dataset, EvidenceItem

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

STATUS_LABELS = {
    Status.IMPLEMENTED: "implemented",
    Status.IN_PROGRESS: "in progress",
    Status.NOT_STARTED: "not started",
    Status.STALLED: "stalled",
    Status.DISPUTED: "disputed",
    Status.VIOLATED: "violated",
    Status.LAPSED: "lapsed",
    Status.NO_EVIDENCE: "no evidence yet",
}
DEADLINE_LABELS = {
    DeadlineState.MET: "met",
    DeadlineState.MET_LATE: "met late",
    DeadlineState.MISSED: "missed",
    DeadlineState.PENDING: "pending",
    DeadlineState.UNKNOWN: "unknown",
    DeadlineState.NONE: "none",
}


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
    status: Status
    rule: str
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
            return Derived(Status.NO_EVIDENCE, "R2")
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
                return Derived(Status.DISPUTED, "R3-disputed", _ordered(contesting + backers))
            confirming = [c for c in self.latest.values() if c.stance == Stance.IMPLEMENTED and c != first]
            return Derived(Status.IMPLEMENTED, "R3", (first, *_ordered(confirming)))
        # R4: the current positions of each side (their latest claims within the window).
        current = [c for c in self.latest.values() if c.date >= self.last_date - CURRENT_WINDOW]
        if any(c.stance in POSITIVE for c in current) and any(c.stance in NEGATIVE for c in current):
            return Derived(Status.DISPUTED, "R4-disputed", _ordered(current))
        newest = max((c for c in current if c.date == self.last_date), key=lambda c: SEVERITY[c.stance])
        return Derived(STANCE_STATUS[newest.stance], "R4", _ordered(current))


def _ordered(claims: Iterable[Claim]) -> tuple[Claim, ...]:
    return tuple(sorted(set(claims), key=lambda c: (c.date, c.id), reverse=True))


@dataclass(frozen=True)
class ProvisionStatus:
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

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reasons(self) -> tuple[Claim, ...]:
        return self.derived.reasons

    @property
    def one_sided(self) -> bool:
        """True when the status rests on claims from a single side."""
        return len({c.side for c in self.derived.reasons}) == 1

    def explain(self, name: Callable[[str], str] = str) -> str:
        """Why the derived status is what it is, citing evidence ids and dates."""
        d, since = self.derived, self.derived_since
        label = STATUS_LABELS[d.status]
        cited = ", ".join(c.describe(name) for c in d.reasons)
        if d.rule == "R1":
            return f"{label}: the agreement takes effect on {since}"
        if d.rule == "R2":
            text = f"{label}: no dated evidence on or before {self.as_of}"
            if self.undated_ids:
                text += f" ({len(self.undated_ids)} undated passage(s) not counted: {', '.join(self.undated_ids)})"
            return text
        if d.rule == "R3":
            return f"{label} since {since}: first reported by {cited}"
        if d.rule == "R3-disputed":
            return f"{label} since {since}: implementation is contested; {cited}"
        if d.rule == "R4-disputed":
            return f"{label} since {since}: sides disagree within {CURRENT_WINDOW.days} days; {cited}"
        return f"{label} since {since}: latest evidence {cited}"


def _claims(items: Sequence[EvidenceItem], as_of: date) -> list[Claim]:
    claims = [
        Claim.of(i)
        for i in items
        if i.dated and i.evidence.stance != Stance.CONTEXT and i.evidence.event_date <= as_of  # type: ignore[operator]
    ]
    return sorted(claims, key=lambda c: (c.date, c.id))


def derived_history(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[date, Derived]]:
    """The derived status at each date it changed, from the agreement's entry into force to `as_of`."""
    provision = dataset.provisions[provision_id]
    start = dataset.agreement_of(provision_id).effective
    if as_of < start:
        return [(as_of, Derived(Status.NOT_STARTED, "R1"))]
    state = _Positions(provision.obligation)
    changes: list[tuple[date, Derived]] = [(start, state.derive())]
    claims = _claims(dataset.evidence_for(provision_id), as_of)
    i = 0
    while i < len(claims):
        day = claims[i].date
        while i < len(claims) and claims[i].date == day:
            state.add(claims[i])
            i += 1
        derived = state.derive()
        when = max(day, start)
        if derived.status != changes[-1][1].status:
            changes.append((when, derived))
        else:  # same status, fresher reasons
            changes[-1] = (changes[-1][0], derived)
    return changes


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
    provision = dataset.provisions[provision_id]
    agreement = dataset.agreement_of(provision_id)
    items = dataset.evidence_for(provision_id)
    history = derived_history(dataset, provision_id, as_of)
    derived_since, derived = history[-1]
    if derived.rule == "R1":
        derived_since = agreement.effective
    assessment = None
    for a in sorted(dataset.assessments_for(provision_id), key=lambda a: a.date):
        if a.date <= as_of:
            assessment = a
    if derived.rule == "R1" or assessment is None:
        status, since = derived.status, derived_since
        assessment = None if derived.rule == "R1" else assessment
    else:
        status, since = assessment.status, assessment.date

    claims = _claims(items, as_of)
    due = due_as_of(provision.deadline, agreement.date, as_of) if provision.deadline else None
    implemented = [c for c in claims if c.stance == Stance.IMPLEMENTED]
    first_done = min(implemented, key=lambda c: c.date) if implemented else None
    later = [c for c in claims if due and c.stance != Stance.IMPLEMENTED and c.date > due.date]
    state = deadline_state(
        due, as_of, (first_done.date, first_done.precision) if first_done else None, later[-1].date if later else None
    )
    counted = [i for i in items if i.dated and i.evidence.event_date <= as_of]  # type: ignore[operator]
    counted.sort(key=lambda i: (i.evidence.event_date, i.id))
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
        term=term_as_of(provision.term, as_of) if provision.term else None,
        counts=dict(Counter(i.evidence.stance for i in counted)),
        evidence_ids=tuple(i.id for i in counted),
        undated_ids=tuple(sorted(i.id for i in items if not i.dated)),
        sides=tuple(sorted({c.side for c in claims})),
    )


def all_statuses(
    dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None
) -> list[ProvisionStatus]:
    """Every provision's status as of `as_of`, in the order of the YAML files."""
    return [
        provision_status(dataset, pid, as_of)
        for pid, provision in dataset.provisions.items()
        if (agreement is None or dataset.provision_agreement[pid] == agreement)
        and (party is None or party in provision.parties)
    ]


@dataclass(frozen=True)
class PartyView:
    """One party's obligations and how they stand: counts and evidence, never a bare score."""

    actor_id: str
    statuses: tuple[ProvisionStatus, ...]
    counts: dict[Status, int]
    evidence_concerning: tuple[str, ...]


def party_views(dataset: Dataset, as_of: date) -> list[PartyView]:
    statuses = all_statuses(dataset, as_of)
    views = []
    for actor_id in dataset.actors:
        mine = tuple(s for s in statuses if actor_id in dataset.provisions[s.provision_id].parties)
        if not mine:
            continue
        concerning = tuple(
            item.id
            for item in dataset.evidence.values()
            if actor_id in item.evidence.concerns and item.dated and item.evidence.event_date <= as_of  # type: ignore[operator]
        )
        views.append(PartyView(actor_id, mine, dict(Counter(s.status for s in mine)), concerning))
    return views
