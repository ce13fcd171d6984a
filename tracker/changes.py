"""What changed, and why: every change of a provision's status between two dates, with its causes.

A *change* is a day on which a provision's effective status (the one `tracker status` shows: the
derived status, or an analyst's assessment from its date on) differs from the day before. Each
change carries what caused it: the assessment that set it, or the claims the new derived status
rests on (ids, claimants, sides). Everything is read from the status engine's timelines
(`tracker.status.derived_history`); no rule is applied here.

The API, for the CLI, the dashboard, the Atom feed and the static site:

- `changes(dataset, start, end, provision=..., agreement=...)` -> list[Change], newest first;
- `provision_changes(dataset, provision_id, as_of)` -> list[Change], oldest first, from the
  agreement's signature to `as_of` (the effective status history with causes).

A provision appears at its agreement's signature with `old=None` (it did not exist before); that
first entry is a change like the others, so that a reader of a feed sees new provisions arrive.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .errors import BadInput
from .models import Assessment, Status
from .status import Claim, Derived, derived_history, derived_status
from .store import Dataset

__all__ = ["Cause", "Change", "changes", "provision_changes"]


@dataclass(frozen=True)
class Cause:
    """One thing a change rests on: a piece of evidence (quote or reported event) or an assessment."""

    id: str
    kind: str  # "quote", "event" or "assessment"
    date: date
    claimant: str  # who says it; for an assessment, the analyst
    side: str | None  # the actor id the claimant speaks for; None for an assessment (not a side)
    stance: str | None  # the passage's stance; None for an assessment


@dataclass(frozen=True)
class Change:
    """A provision's effective status changed on `date` from `old` to `new` (old=None: first listed)."""

    provision_id: str
    agreement_id: str
    date: date
    old: Status | None
    new: Status
    rule: str  # the engine's rule code ("R1", "R3", "R4-disputed", ...) or "assessment"
    causes: tuple[Cause, ...]  # newest first; what the new status rests on

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides (actor ids) whose claims caused the change, in order of first mention."""
        return tuple(dict.fromkeys(c.side for c in self.causes if c.side is not None))

    @property
    def key(self) -> str:
        """A stable identifier of this change (the same on every run over the same data)."""
        return f"{self.provision_id}/{self.date.isoformat()}/{self.new.value}"


def _claim_cause(dataset: Dataset, claim: Claim) -> Cause:
    item = dataset.evidence.get(claim.id)
    claimant = item.evidence.claimant if item is not None else ""
    kind = "event" if item is not None and item.is_event else "quote"
    return Cause(claim.id, kind, claim.date, claimant, claim.side, claim.stance.value)


def _assessment_cause(a: Assessment) -> Cause:
    return Cause(a.id, "assessment", a.date, a.analyst, None, None)


def _derived_causes(dataset: Dataset, derived: Derived, day: date) -> tuple[Cause, ...]:
    """The claims behind the derived status on `day`: those dated that day first (they tipped it)."""
    reasons = derived.reasons
    fresh = [c for c in reasons if c.date == day]
    rest = [c for c in reasons if c.date != day]
    return tuple(_claim_cause(dataset, c) for c in (*fresh, *rest))


def provision_changes(dataset: Dataset, provision_id: str, as_of: date) -> list[Change]:
    """Every change of the provision's effective status from its agreement's signature to `as_of`,
    oldest first. Empty when the agreement was signed after `as_of`."""
    agreement = dataset.agreement_of(provision_id)
    if as_of < agreement.date:
        return []
    start = agreement.effective
    # (day, derived) at each change of the derived status; the engine gives the reasons as of the
    # next change, so the reasons on the day of a change are asked for that day below.
    derived_points: list[tuple[date, Derived]] = []
    if as_of >= start:
        for day, derived in derived_history(dataset, provision_id, as_of):
            if derived_points and derived_points[-1][0] == day:
                derived_points[-1] = (day, derived)  # claims before entry into force: one change on the day
            else:
                derived_points.append((day, derived))
    assessments = sorted((a for a in dataset.assessments_for(provision_id) if a.date <= as_of), key=lambda a: a.date)

    out: list[Change] = []
    first = Change(provision_id, agreement.id, agreement.date, None, Status.NOT_STARTED, "R1", ())
    if start > agreement.date:
        out.append(first)
    # Walk the days on which either the derived status or the assessment in force changes.
    days = sorted({d for d, _ in derived_points} | {max(a.date, start) for a in assessments if a.date <= as_of})
    derived_days = [d for d, _ in derived_points]
    assessed_days = [max(a.date, start) for a in assessments]
    for day in days:
        if day < start:
            continue
        i = bisect.bisect_right(assessed_days, day)
        assessment = assessments[i - 1] if i else None
        if assessment is not None:
            status, rule = assessment.status, "assessment"
        else:
            derived = derived_points[bisect.bisect_right(derived_days, day) - 1][1]
            status, rule = derived.status, derived.rule
        old = out[-1].new if out else None
        if old == status:
            continue
        causes: tuple[Cause, ...]
        if assessment is not None:
            causes = (_assessment_cause(assessment),)
        else:
            at_day = derived_status(dataset, provision_id, day)
            causes = _derived_causes(dataset, at_day, day)
        out.append(Change(provision_id, agreement.id, day, old, status, rule, causes))
    if not out:  # signed and in force on the same day, before any evidence
        out.append(Change(provision_id, agreement.id, agreement.date, None, Status.NO_EVIDENCE, "R2", ()))
    return out


def changes(
    dataset: Dataset,
    start: date,
    end: date,
    *,
    provision: str | Iterable[str] | None = None,
    agreement: str | Iterable[str] | None = None,
) -> list[Change]:
    """Every status change dated `start` <= date <= `end`, newest first (then by provision, in the
    order of the YAML files). `provision` and `agreement` narrow it to one id or several."""
    if start > end:
        raise BadInput(f"the start date {start} is after the end date {end}")
    provisions = {provision} if isinstance(provision, str) else set(provision) if provision is not None else None
    agreements = {agreement} if isinstance(agreement, str) else set(agreement) if agreement is not None else None
    found: list[tuple[int, Change]] = []
    for order, pid in enumerate(dataset.provisions):
        if provisions is not None and pid not in provisions:
            continue
        if agreements is not None and dataset.provision_agreement[pid] not in agreements:
            continue
        found.extend((order, c) for c in provision_changes(dataset, pid, end) if c.date >= start)
    found.sort(key=lambda oc: (-oc[1].date.toordinal(), oc[0]))
    return [c for _, c in found]
