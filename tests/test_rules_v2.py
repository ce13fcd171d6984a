"""Methodology v2, one rule at a time, on tiny hand-built datasets (never the bundled data): denials
meet accusations as disputes, freshness, observers are never a side, nothing before it exists, lapsed
means ended, and supersession beside the status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker import present
from tracker.deadlines import FRESHNESS_MONTHS, stale_before
from tracker.models import (
    Contest,
    Rule,
    Status,
    Supersession,
    Term,
)
from tracker.status import all_statuses, provision_status, signed_later

from .rules_helpers import add_later_agreement, assessment, replace_provision, scenario

D = date.fromisoformat


# --------------------------------------------------------------------------- 1. denials


@pytest.mark.parametrize(
    ("obligation", "accusation", "denial", "rule"),
    [
        # Ongoing: the accusation and the denial are current positions within 30 days (R4).
        ("ongoing", "2020-03-01", "2020-03-05", Rule.R4_DISPUTED),
        ("ongoing", "2020-03-05", "2020-03-01", Rule.R4_DISPUTED),
        # One-off: the denial ("it is done") and an accusation on the same day or after it (R3).
        ("one-off", "2020-03-01", "2020-03-01", Rule.R3_DISPUTED),
        ("one-off", "2020-03-09", "2020-03-01", Rule.R3_DISPUTED),
    ],
)
def test_an_accusation_and_a_denial_meet_as_a_dispute(obligation, accusation, denial, rule):
    # Methodology v2: a denial of a breach is a claim of compliance, coded `implemented`.
    ds = scenario(
        [("ACC", accusation, "east", "violated"), ("DEN", denial, "west", "implemented")], obligation=obligation
    )
    s = provision_status(ds, "p", D("2020-04-01"))
    assert (s.status, s.derived.rule) == (Status.DISPUTED, rule)
    assert {c.id for c in s.reasons} == {"ACC", "DEN"}
    assert not s.one_sided


def test_rule_codes_are_an_enum():
    s = provision_status(scenario([("E1", "2020-02-01", "east", "implemented")]), "p", D("2020-03-01"))
    assert s.derived.rule is Rule.R3_IMPLEMENTED and s.derived.rule == "R3"  # the published code


# --------------------------------------------------------------------------- 2. freshness


def test_the_freshness_window_is_published_in_the_methodology():
    from .helpers import REPO

    text = (REPO / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert f"{FRESHNESS_MONTHS} months" in text
    assert stale_before(D("2024-02-29")) == D("2023-02-28")


@pytest.mark.parametrize(
    ("as_of", "stale"),
    [("2020-06-01", False), ("2021-02-01", False), ("2021-02-02", True), ("2025-01-01", True)],
)
def test_a_status_resting_on_claims_older_than_the_window_is_stale(as_of, stale):
    ds = scenario(
        [("E0", "2020-01-20", "west", "context"), ("E1", "2020-02-01", "east", "stalled")], obligation="ongoing"
    )
    s = provision_status(ds, "p", D(as_of))
    assert s.latest_claim == D("2020-02-01")  # context never counts, so never refreshes
    assert s.stale is stale
    assert s.status == Status.STALLED  # freshness is shown beside the status, it does not change it
    assert ("stale: newest claim 2020-02-01, over 12 months before" in present.freshness(s)) is stale


@pytest.mark.parametrize(
    ("claims", "obligation", "assessments", "expected"),
    [
        ([], "ongoing", [], Status.NO_EVIDENCE),  # nothing to be stale
        ([("E1", "2020-02-01", "east", "implemented")], "one-off", [], Status.IMPLEMENTED),  # done stays done
        ([("E1", "2020-02-01", "east", "violated")], "ongoing", [assessment("2020-03-01", "lapsed")], Status.LAPSED),
        (
            [("E1", "2020-02-01", "east", "progress")],
            "one-off",
            [assessment("2020-03-01", "implemented")],
            Status.IMPLEMENTED,
        ),
    ],
)
def test_ends_absences_and_completed_one_offs_are_never_stale(claims, obligation, assessments, expected):
    s = provision_status(scenario(claims, obligation=obligation, assessments=assessments), "p", D("2026-01-01"))
    assert s.status == expected
    assert not s.stale and present.freshness(s) == ""


def test_an_assessment_counts_as_fresh_as_a_claim_of_its_day():
    ds = scenario(
        [("E1", "2020-02-01", "east", "violated")],
        obligation="ongoing",
        assessments=[assessment("2021-06-01", "stalled")],
    )
    assert not provision_status(ds, "p", D("2022-05-31")).stale
    s = provision_status(ds, "p", D("2022-06-02"))
    assert s.stale and s.latest_claim == D("2020-02-01")


def test_a_contested_one_off_can_go_stale():
    ds = scenario([("E1", "2020-02-01", "east", "implemented"), ("E2", "2020-02-03", "west", "violated")])
    s = provision_status(ds, "p", D("2022-01-01"))
    assert (s.derived.rule, s.stale) == (Rule.R3_DISPUTED, True)


# --------------------------------------------------------------------------- 3. observers


@pytest.mark.parametrize(
    ("sides", "one_party"),
    [
        (["east"], "east"),
        (["east", "east"], "east"),
        (["east", "media"], None),  # an independent report: not one side only
        (["east", "court"], None),
        (["east", "west"], None),
        (["media"], None),  # media are never a side, so never "one side only: Media"
        (["media", "court"], None),
    ],
)
def test_one_side_only_means_one_party_and_no_other_party_or_observer(sides, one_party):
    claims = [(f"E{i}", f"2020-02-0{i + 1}", side, "progress") for i, side in enumerate(sides)]
    s = provision_status(scenario(claims, obligation="ongoing"), "p", D("2020-03-01"))
    assert s.one_party == one_party
    assert s.one_sided is (one_party is not None)
    warning = present.one_party_warning(s, lambda a: a.title())
    assert "Media" not in warning and "Court" not in warning
    assert (warning == f"rests on claims of one party only: {one_party.title()}") if one_party else warning == ""


# --------------------------------------------------------------------------- 4. nothing before it exists


def test_provisions_of_an_agreement_signed_later_are_left_out():
    ds = scenario([("E1", "2020-02-01", "east", "implemented")])
    add_later_agreement(ds, "2021-06-01")
    assert [s.provision_id for s in all_statuses(ds, D("2021-05-31"))] == ["p"]
    assert signed_later(ds, D("2021-05-31")) == ["b-1"]
    assert signed_later(ds, D("2021-05-31"), agreement="a") == []
    assert [s.provision_id for s in all_statuses(ds, D("2021-06-01"))] == ["p", "b-1"]
    assert signed_later(ds, D("2021-06-01")) == []
    before = provision_status(ds, "b-1", D("2021-05-31"))  # asked for directly: exists nowhere yet
    assert (before.status, before.since, before.derived_since) == (Status.NOT_STARTED, None, None)
    assert "not yet signed on 2021-05-31" in present.explain(before)
    assert present.signed_later_line(1) == "1 provision of an agreement signed later is not shown."
    assert present.signed_later_line(3) == "3 provisions of agreements signed later are not shown."


def test_between_signature_and_entry_into_force_not_started_since_signature():
    s = provision_status(scenario(), "p", D("2020-01-09"))  # signed 01-09, in force 01-10
    assert (s.status, s.since, s.derived.rule) == (Status.NOT_STARTED, D("2020-01-09"), Rule.R1_NOT_IN_FORCE)
    assert "takes effect on 2020-01-10" in present.explain(s)


def test_no_status_is_ever_since_a_date_after_its_as_of_date():
    ds = scenario(
        [
            ("E1", "2020-01-09", "east", "progress"),
            ("E2", "2020-03-01", "west", "implemented"),
            ("E3", "2020-03-20", "east", "violated"),
            ("E4", "2021-07-01", "media", "stalled"),
            ("E5", "unknown", "west", "violated"),
        ],
        obligation="ongoing",
        assessments=[assessment("2021-01-01", "stalled"), assessment("2022-01-01", "lapsed", "A2")],
    )
    add_later_agreement(ds, "2021-06-01")
    day = D("2019-12-01")
    checked = 0
    while day <= D("2022-06-30"):
        for s in [*all_statuses(ds, day), *(provision_status(ds, pid, day) for pid in ds.provisions)]:
            assert s.since is None or s.since <= day, (s.provision_id, day, s.since)
            assert s.derived_since is None or s.derived_since <= day, (s.provision_id, day)
            assert s.latest_claim is None or s.latest_claim <= day
            checked += 1
        day += timedelta(days=3)
    assert checked > 500


# --------------------------------------------------------------------------- 5. lapsed means ended


def test_a_lapsed_provision_stops_renewing_its_term():
    ds = scenario(
        [("E1", "2020-02-01", "east", "implemented")],
        obligation="ongoing",
        assessments=[assessment("2021-03-01", "lapsed")],
    )
    replace_provision(ds, term=Term(start=D("2020-01-10"), years=2, renewal_years=2, notice_months=6))
    running = provision_status(ds, "p", D("2021-02-01")).term
    assert running is not None and (running.number, running.renews, running.ended) == (1, True, None)
    for when in ("2021-03-01", "2023-06-01", "2030-01-01"):
        t = provision_status(ds, "p", D(when)).term
        assert t is not None and (t.number, t.end, t.renews, t.ended) == (1, D("2022-01-10"), False, D("2021-03-01"))
        sentence = "term 1 (2020-01-10 to 2022-01-10) ended early: lapsed on 2021-03-01; does not renew"
        assert present.term_sentence(t) == sentence
        assert present.term_cell(t) == "ended 2021-03-01"


def test_a_provision_with_only_context_never_says_no_dated_evidence():
    ds = scenario([("E1", "2020-02-01", "east", "context")], assessments=[assessment("2020-03-01", "lapsed")])
    s = provision_status(ds, "p", D("2020-04-01"))
    assert s.evidence_ids == ("E1",)
    text = present.explain(s)
    assert "no dated evidence" not in text
    assert "1 passage of context only" in text


# --------------------------------------------------------------------------- 6. supersession


def test_supersessions_and_contests_in_effect_at_the_date_are_listed_beside_the_status():
    ds = scenario([("E1", "2020-02-01", "east", "progress")], obligation="ongoing")
    add_later_agreement(ds, "2021-06-01")
    contest = Contest(actor="north", from_=D("2021-08-01"), evidence=["E1"])
    replace_provision(
        ds, superseded_by=[Supersession(provision="b-1", from_=D("2021-07-01"), evidence=["E1"], contested=[contest])]
    )
    assert provision_status(ds, "p", D("2021-06-30")).superseded_by == ()
    july = provision_status(ds, "p", D("2021-07-15"))
    assert [(x.provision_id, x.agreement_id, x.since, x.contested) for x in july.superseded_by] == [
        ("b-1", "b", D("2021-07-01"), ())
    ]
    assert july.status == Status.IN_PROGRESS  # not a status: the derived status still holds
    later = provision_status(ds, "p", D("2021-09-01"))
    assert later.superseded_by[0].contested == (contest,)
    assert present.supersessions_text(later, lambda a: a.title()) == (
        "superseded by b-1 (b) from 2021-07-01 [E1]; contested by North from 2021-08-01 [E1]"
    )


# --------------------------------------------------------------------------- presentation


@pytest.mark.parametrize(("n", "text"), [(1, "1 obligation"), (2, "2 obligations"), (0, "0 obligations")])
def test_counts_are_worded_for_their_number(n, text):
    assert present.plural(n, "obligation") == text


def test_count_lines_follow_the_status_vocabulary():
    counts = {Status.DISPUTED: 2, Status.IMPLEMENTED: 1, Status.LAPSED: 0}
    assert present.counts_line(counts) == "implemented 1 · disputed 2"
    assert present.counts_line(counts, symbols=True) == "✔ implemented 1 · ⇄ disputed 2"
    assert set(present.STATUS_SYMBOLS) == set(Status) == set(present.STATUS_LABELS)


@pytest.mark.parametrize(
    ("published", "expected"),
    [(D("2021-03-04"), (D("2021-03-04"), "on-or-before")), ("unknown", ("unknown", "day"))],
)
def test_an_event_date_defaults_to_the_publication_marked_on_or_before(published, expected):
    from tracker.models import default_event_date

    when, precision = default_event_date(published)
    assert (when, precision.value) == expected


def test_every_reading_has_a_label():
    from tracker.models import Reading

    assert set(present.READING_LABELS) == set(Reading)
    assert "not an official translation" in present.rendering_note("ru")


def test_the_newer_provision_knows_what_it_supersedes():
    from tracker.status import supersedes

    ds = scenario([("E1", "2020-02-01", "east", "progress")], obligation="ongoing")
    add_later_agreement(ds, "2021-06-01")
    contest = Contest(actor="north", from_=D("2021-08-01"))
    replace_provision(ds, superseded_by=[Supersession(provision="b-1", from_=D("2021-07-01"), contested=[contest])])
    assert supersedes(ds, "b-1", D("2021-06-30")) == []
    [(older, sup)] = supersedes(ds, "b-1", D("2021-09-01"))
    assert older == "p"
    expected = "supersedes p from 2021-07-01; contested by North from 2021-08-01"
    assert present.supersedes_phrase(older, sup, str.title) == expected
