"""Due dates as of a date (with amendments and periods), renewing terms, and deadline states."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .errors import BadInput
from .models import Amendment, DatePrecision, Deadline, DeadlineState, Term

# The type under another name, for classes with a field called `date` (which hides the type in their body).
_Date = date

# The freshness window (docs/methodology.md, "Freshness"): a status whose newest claim is older than
# this many months before the as-of date is marked stale.
FRESHNESS_MONTHS = 12


def add_months(start: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (30 Jan + 1 month = 28/29 Feb), and to
    the calendar's ends (any as-of date up to 9999-12-31 is accepted; a term renewing past it ends there)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_period(start: date, period: str) -> date:
    match = re.match(r"^(\d+) (day|month|year)s?$", period)
    if match is None:
        raise BadInput(f"not a period: {period!r}; write e.g. '3 years'")
    n, unit = int(match.group(1)), match.group(2)
    if unit == "day":
        return date.fromordinal(max(1, min(start.toordinal() + n, date.max.toordinal())))
    return add_months(start, n * (12 if unit == "year" else 1))


@lru_cache(maxsize=256)  # asked for every provision at each as-of date (26,000 calendar look-ups per 20 dates)
def stale_before(as_of: date) -> date:
    """The first day of the freshness window ending on `as_of`: a claim dated before it is old."""
    return add_months(as_of, -FRESHNESS_MONTHS)


@dataclass(frozen=True)
class Due:
    """The due date in force on a given day, and where it comes from."""

    date: _Date
    original: _Date
    amendment: Amendment | None


def due_as_of(deadline: Deadline, agreement_date: date, as_of: date) -> Due:
    """The original due date, replaced by the latest amendment announced on or before `as_of`."""
    if deadline.due is not None:
        original = deadline.due
    else:
        assert deadline.within is not None  # the model guarantees one of the two
        original = add_period(deadline.from_ or agreement_date, deadline.within)
    current = None
    for amendment in sorted(deadline.amendments, key=lambda a: a.decided):
        if amendment.decided <= as_of:
            current = amendment
    return Due(current.due if current else original, original, current)


@dataclass(frozen=True)
class TermState:
    """Where a renewing term stands on a date."""

    number: int  # 1 for the first term; 0 before it starts
    start: date
    end: date
    notice_by: date
    renews: bool
    expired: bool
    ended: date | None = None  # the provision lapsed on this date, within this term: no renewal after it


def term_as_of(term: Term, as_of: date, ended: date | None = None) -> TermState:
    """The term running on `as_of`, assuming no party gave notice (notices are recorded as assessments).

    `ended`: the date the provision was assessed lapsed, if on or before `as_of`. A lapsed provision
    does not renew: the term is the one running on that date, and it no longer renews."""
    if ended is not None and ended <= as_of:
        last = term_as_of(term, ended)
        return TermState(last.number, last.start, last.end, last.notice_by, False, True, ended)
    start, end, number = term.start, add_months(term.start, 12 * term.years), 1
    if as_of < start:
        number = 0
    while term.renewal_years and as_of >= end and end < date.max:
        start, end, number = end, add_months(end, 12 * term.renewal_years), number + 1
    expired = as_of >= end
    return TermState(number, start, end, add_months(end, -term.notice_months), bool(term.renewal_years), expired)


def deadline_state(
    due: Due | None, as_of: date, done: tuple[date, DatePrecision] | None, later_not_done: date | None
) -> DeadlineState:
    """Met, met late, missed, pending, unknown or none (rules in docs/methodology.md).

    `done` is the first claim that the provision was implemented (date and precision), if any by
    `as_of`; `later_not_done` is the latest non-implemented claim dated after the due date, if any.
    """
    if due is None:
        return DeadlineState.NONE
    if done is not None:
        when, precision = done
        if precision == DatePrecision.DAY:
            return DeadlineState.MET if when <= due.date else DeadlineState.MET_LATE
        if precision == DatePrecision.ON_OR_BEFORE and when <= due.date:
            return DeadlineState.MET
        if precision == DatePrecision.MONTH:
            first = when.replace(day=1)
            last = when.replace(day=calendar.monthrange(when.year, when.month)[1])
            if last <= due.date:
                return DeadlineState.MET
            if first > due.date:
                return DeadlineState.MET_LATE
        return DeadlineState.UNKNOWN
    if as_of <= due.date:
        return DeadlineState.PENDING
    if later_not_done is not None:
        return DeadlineState.MISSED
    return DeadlineState.UNKNOWN
