"""A reference implementation of the status rules of docs/methodology.md, for differential tests only.

Written to be obviously right, not fast: one provision, one date, every rule applied from scratch to
the evidence known at that date, in the words and the order of the methodology. The engine
(tracker/status.py) must give the same answer for every provision at every date; the tests in
tests/test_differential.py check it on generated and bundled data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.models import Obligation, Stance, Status
from tracker.store import Dataset, EvidenceItem

# "violated > disputed > stalled > progress > implemented"
GRAVITY = [Stance.IMPLEMENTED, Stance.PROGRESS, Stance.STALLED, Stance.DISPUTED, Stance.VIOLATED]
POSITIVE = {Stance.IMPLEMENTED, Stance.PROGRESS}
NEGATIVE = {Stance.STALLED, Stance.VIOLATED, Stance.DISPUTED}
WINDOW = timedelta(days=30)
STATUS_OF = {
    Stance.IMPLEMENTED: Status.IMPLEMENTED,
    Stance.PROGRESS: Status.IN_PROGRESS,
    Stance.STALLED: Status.STALLED,
    Stance.DISPUTED: Status.DISPUTED,
    Stance.VIOLATED: Status.VIOLATED,
}


@dataclass(frozen=True)
class Answer:
    derived: Status
    rule: str
    reasons: frozenset[str]  # evidence ids
    derived_since: date | None
    status: Status  # after assessments
    since: date | None
    latest_claim: date | None = None  # methodology v2, "Freshness"
    stale: bool = False
    one_party: str | None = None  # methodology v2, "Who is a side"
    listed: bool = True  # methodology v2: a provision exists from its agreement's signature


def claims(dataset: Dataset, pid: str, day: date) -> list[EvidenceItem]:
    """Passages linked to P, with a known event date on or before D, whose stance is not context."""
    return [
        item
        for item in dataset.evidence_for(pid)
        if item.dated and item.evidence.event_date <= day and item.evidence.stance != Stance.CONTEXT  # type: ignore[operator]
    ]


def _when(item: EvidenceItem) -> date:
    return item.evidence.event_date  # type: ignore[return-value]


def positions(found: list[EvidenceItem]) -> dict[str, EvidenceItem]:
    """A side's position is its latest claim; of several on that day, the gravest (then the first id)."""
    result: dict[str, EvidenceItem] = {}
    for side in {i.evidence.side for i in found}:
        mine = [i for i in found if i.evidence.side == side]
        latest = max(_when(i) for i in mine)
        on_day = [i for i in mine if _when(i) == latest]
        gravest = max(GRAVITY.index(i.evidence.stance) for i in on_day)
        result[side] = min((i for i in on_day if GRAVITY.index(i.evidence.stance) == gravest), key=lambda i: i.id)
    return result


def derive(dataset: Dataset, pid: str, day: date) -> tuple[Status, str, frozenset[str]]:
    """R1-R4 at one date: the derived status, the rule, and the ids of the claims it rests on."""
    provision = dataset.provisions[pid]
    if day < dataset.agreement_of(pid).effective:
        return Status.NOT_STARTED, "R1", frozenset()
    found = claims(dataset, pid, day)
    if not found:
        return Status.NO_EVIDENCE, "R2", frozenset()
    held = positions(found)
    done = [i for i in found if i.evidence.stance == Stance.IMPLEMENTED]
    if provision.obligation == Obligation.ONE_OFF and done:
        first = min(done, key=lambda i: (_when(i), i.id))
        contesting = [
            p
            for side, p in held.items()
            if p.evidence.stance in NEGATIVE and _when(p) >= _when(first) and any(i.evidence.side != side for i in done)
        ]
        if contesting:
            sides = {p.evidence.side for p in contesting}
            backers = [
                min((i for i in done if i.evidence.side == side), key=lambda i: (_when(i), i.id))
                for side in {i.evidence.side for i in done} - sides
            ]
            return Status.DISPUTED, "R3-disputed", frozenset(i.id for i in contesting + backers)
        confirming = [p for p in held.values() if p.evidence.stance == Stance.IMPLEMENTED]
        return Status.IMPLEMENTED, "R3", frozenset([first.id] + [p.id for p in confirming])
    last = max(_when(i) for i in found)
    current = [p for p in held.values() if _when(p) >= last - WINDOW]
    if any(p.evidence.stance in POSITIVE for p in current) and any(p.evidence.stance in NEGATIVE for p in current):
        return Status.DISPUTED, "R4-disputed", frozenset(p.id for p in current)
    gravest = max((i for i in found if _when(i) == last), key=lambda i: GRAVITY.index(i.evidence.stance))
    return STATUS_OF[gravest.evidence.stance], "R4", frozenset(p.id for p in current)


def derived_since(dataset: Dataset, pid: str, day: date, status: Status) -> date | None:
    """The first date from which the derived status has not changed, re-applying the rules at every date
    a claim appears (and at the agreement's entry into force, where R1 ends)."""
    start = dataset.agreement_of(pid).effective
    if day < start:
        return day  # R1: not started "as of" the date asked
    dates = sorted({start} | {_when(i) for i in claims(dataset, pid, day) if _when(i) >= start})
    since = day
    for when in reversed(dates):
        if derive(dataset, pid, when)[0] != status:
            break
        since = when
    return since


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end (31 May - 3 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def freshness(
    dataset: Dataset, pid: str, day: date, status: Status, assessed_on: date | None
) -> tuple[date | None, bool]:
    """The newest claim on or before D, and whether the status is stale: resting on nothing newer than
    12 months before D (an assessment's date counts as a claim's), never for lapsed, no evidence, not
    started, or a one-off once implemented."""
    found = claims(dataset, pid, day)
    newest = max((_when(i) for i in found), default=None)
    if status in (Status.LAPSED, Status.NO_EVIDENCE, Status.NOT_STARTED):
        return newest, False
    if status == Status.IMPLEMENTED and dataset.provisions[pid].obligation == Obligation.ONE_OFF:
        return newest, False
    dates = [d for d in (newest, assessed_on) if d is not None]
    return newest, bool(dates) and max(dates) < _months_before(day, 12)


def one_party(dataset: Dataset, reasons: frozenset[str]) -> str | None:
    """The one party the reasons come from, if no other party and no observer is among them."""
    sides = {dataset.evidence[i].evidence.side for i in reasons}
    roles = {dataset.actors[s].role.value if s in dataset.actors else "party" for s in sides}
    return next(iter(sides)) if len(sides) == 1 and roles == {"party"} else None


def answer(dataset: Dataset, pid: str, day: date) -> Answer:
    listed = dataset.agreement_of(pid).date <= day
    status, rule, reasons = derive(dataset, pid, day)
    since = derived_since(dataset, pid, day, status)
    if rule == "R1":  # methodology v2: not started since signature; before it, nothing exists (no since)
        signed = dataset.agreement_of(pid).date
        since = signed if signed <= day else None
    # A: the latest assessment dated on or before D sets the status from its date on (not before R1 ends).
    assessed = [a for a in dataset.assessments_for(pid) if a.date <= day]
    party = one_party(dataset, reasons)
    if assessed and rule != "R1":
        latest = max(assessed, key=lambda a: a.date)
        newest, stale = freshness(dataset, pid, day, latest.status, latest.date)
        return Answer(status, rule, reasons, since, latest.status, latest.date, newest, stale, party, listed)
    newest, stale = freshness(dataset, pid, day, status, None)
    return Answer(status, rule, reasons, since, status, since, newest, stale, party, listed)


def change_dates(dataset: Dataset) -> list[date]:
    """Every date at which some status could change, with the day before it (to see both sides)."""
    days: set[date] = set()
    for agreement in dataset.agreements.values():
        days |= {agreement.date, agreement.effective}
    for item in dataset.evidence.values():
        if item.dated:
            days.add(_when(item))
            days.add(_when(item) + WINDOW + timedelta(days=1))  # the day a claim leaves the 30-day window
            days |= {_when(item) + timedelta(days=n) for n in (365, 366, 367)}  # about when it grows stale
    days |= {a.date for a in dataset.assessments.values()}
    return sorted(days | {d - timedelta(days=1) for d in days})
