"""Due dates, amendments, renewing terms and deadline states."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.deadlines import add_months, add_period, deadline_state, due_as_of, term_as_of
from tracker.models import Amendment, DatePrecision, Deadline, DeadlineState, Term
from tracker.status import provision_status

D = date.fromisoformat
KALBAJAR = Deadline(
    due=D("2020-11-15"),
    amendments=[Amendment(due=D("2020-11-25"), decided=D("2020-11-15"), source="postponed at Armenia's request")],
)


def test_add_months_clamps_to_the_end_of_a_short_month():
    assert add_months(D("2021-01-30"), 1) == D("2021-02-28")
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2025-11-10"), -6) == D("2025-05-10")


def test_periods_count_days_months_and_years():
    assert add_period(D("2020-11-10"), "3 years") == D("2023-11-10")
    assert add_period(D("2021-01-30"), "1 month") == D("2021-02-28")
    assert add_period(D("2021-01-30"), "10 days") == D("2021-02-09")


def test_an_amendment_moves_the_due_date_from_the_day_it_was_decided():
    agreement_date = D("2020-11-09")
    assert due_as_of(KALBAJAR, agreement_date, D("2020-11-14")).date == D("2020-11-15")
    moved = due_as_of(KALBAJAR, agreement_date, D("2020-11-15"))
    assert moved.date == D("2020-11-25")
    assert moved.original == D("2020-11-15")
    assert moved.amendment is not None


def test_a_period_is_counted_from_its_start_or_the_agreement_date():
    assert due_as_of(Deadline(within="3 years"), D("2020-11-10"), D("2021-01-01")).date == D("2023-11-10")
    assert due_as_of(
        Deadline(within="1 month", **{"from": D("2021-01-30")}), D("2021-01-11"), D("2021-01-01")
    ).date == D("2021-02-28")


def test_a_deadline_needs_exactly_one_of_due_or_within():
    with pytest.raises(ValueError, match="exactly one"):
        Deadline()
    with pytest.raises(ValueError, match="exactly one"):
        Deadline(due=D("2020-01-01"), within="1 month")


def test_renewing_term_gives_current_term_and_notice_date():
    term = Term(start=D("2020-11-10"), years=5, renewal_years=5, notice_months=6)
    first = term_as_of(term, D("2024-01-01"))
    assert (first.number, first.start, first.end, first.notice_by) == (
        1,
        D("2020-11-10"),
        D("2025-11-10"),
        D("2025-05-10"),
    )
    second = term_as_of(term, D("2025-11-10"))
    assert (second.number, second.end, second.notice_by) == (2, D("2030-11-10"), D("2030-05-10"))
    assert not second.expired


def test_a_term_without_renewal_expires():
    state = term_as_of(Term(start=D("2020-01-01"), years=1), D("2022-01-01"))
    assert state.expired and not state.renews


DUE = due_as_of(Deadline(due=D("2020-11-20")), D("2020-11-09"), D("2020-12-31"))


@pytest.mark.parametrize(
    ("done", "later", "as_of", "expected"),
    [
        ((D("2020-11-20"), DatePrecision.DAY), None, D("2020-12-31"), DeadlineState.MET),
        ((D("2020-11-21"), DatePrecision.DAY), None, D("2020-12-31"), DeadlineState.MET_LATE),
        (None, None, D("2020-11-19"), DeadlineState.PENDING),
        (None, D("2020-11-25"), D("2020-12-31"), DeadlineState.MISSED),
        (None, None, D("2020-12-31"), DeadlineState.UNKNOWN),  # passed, but no evidence either way
        ((D("2020-11-18"), DatePrecision.ON_OR_BEFORE), None, D("2020-12-31"), DeadlineState.MET),
        ((D("2021-05-08"), DatePrecision.ON_OR_BEFORE), None, D("2021-06-01"), DeadlineState.UNKNOWN),
        ((D("2020-12-01"), DatePrecision.MONTH), None, D("2021-06-01"), DeadlineState.MET_LATE),
        ((D("2020-11-01"), DatePrecision.MONTH), None, D("2021-06-01"), DeadlineState.UNKNOWN),
    ],
)
def test_deadline_states(done, later, as_of, expected):
    assert deadline_state(DUE, as_of, done, later) == expected


def test_no_deadline_is_state_none():
    assert deadline_state(None, D("2021-01-01"), None, None) == DeadlineState.NONE


def test_handover_reported_on_the_amended_date_is_met_not_late(scenario):
    ds = scenario([("E1", "2020-11-25", "east", "implemented")], deadline=KALBAJAR)
    assert provision_status(ds, "p", D("2020-12-01")).deadline_state == DeadlineState.MET
