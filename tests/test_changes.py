"""What changed and why (tracker/changes.py), the monthly trend (tracker/trend.py), the Atom feed
(tracker/feed.py) and `tracker changes`, on small hand-built scenarios."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from tracker import changes, feed, trend
from tracker.cli import main
from tracker.models import Assessment, Status
from tracker.status import provision_status

D = date.fromisoformat

CLAIMS = [
    ("E1", "2020-02-01", "east", "progress"),
    ("E2", "2020-03-01", "west", "implemented"),
    ("E3", "2020-05-01", "east", "violated"),
]


def test_every_change_has_old_and_new_status_date_and_the_claims_behind_it(scenario):
    ds = scenario(CLAIMS, obligation="ongoing")
    found = changes.provision_changes(ds, "p", D("2020-12-31"))
    moves = [(c.date, c.old, c.new) for c in found]
    assert moves == [
        (D("2020-01-09"), None, Status.NOT_STARTED),  # signed; in force the next day
        (D("2020-01-10"), Status.NOT_STARTED, Status.NO_EVIDENCE),
        (D("2020-02-01"), Status.NO_EVIDENCE, Status.IN_PROGRESS),
        (D("2020-03-01"), Status.IN_PROGRESS, Status.IMPLEMENTED),
        (D("2020-05-01"), Status.IMPLEMENTED, Status.VIOLATED),
    ]
    last = found[-1]
    assert last.causes[0].id == "E3" and last.causes[0].side == "east" and last.causes[0].stance == "violated"
    assert last.causes[0].claimant == "someone" and last.causes[0].kind == "quote"
    assert last.sides == ("east",)


@pytest.mark.parametrize("obligation", ["one-off", "ongoing"])
def test_the_history_agrees_with_the_engine_on_every_day(scenario, obligation):
    a = Assessment(id="A1", provision="p", date=D("2020-04-01"), status="lapsed", rationale="r", analyst="Ana")
    ds = scenario([*CLAIMS, ("E4", "2020-01-05", "west", "stalled")], obligation=obligation, assessments=[a])
    end = D("2020-06-30")
    found = changes.provision_changes(ds, "p", end)
    day = D("2020-01-09")
    while day <= end:
        expected = provision_status(ds, "p", day).status
        in_force = [c for c in found if c.date <= day][-1]
        assert in_force.new == expected, day
        day += timedelta(days=1)


def test_an_assessment_is_the_cause_of_the_change_it_makes(scenario):
    a = Assessment(id="A1", provision="p", date=D("2020-04-01"), status="lapsed", rationale="r", analyst="Ana")
    ds = scenario(CLAIMS, assessments=[a])
    change = next(c for c in changes.provision_changes(ds, "p", D("2020-12-31")) if c.new == Status.LAPSED)
    assert change.rule == "assessment"
    assert [(c.id, c.kind, c.claimant, c.side) for c in change.causes] == [("A1", "assessment", "Ana", None)]


def test_changes_between_two_dates_newest_first_and_filtered(scenario):
    ds = scenario(CLAIMS, obligation="ongoing")
    found = changes.changes(ds, D("2020-02-01"), D("2020-04-30"))
    assert [c.date for c in found] == [D("2020-03-01"), D("2020-02-01")]
    assert changes.changes(ds, D("2020-02-01"), D("2020-04-30"), agreement="other") == []
    assert changes.changes(ds, D("2020-02-01"), D("2020-04-30"), provision=["p"]) == found
    with pytest.raises(ValueError, match="after"):
        changes.changes(ds, D("2020-05-01"), D("2020-04-30"))


def test_nothing_is_listed_before_the_agreement_is_signed(scenario):
    ds = scenario(CLAIMS)
    assert changes.provision_changes(ds, "p", D("2019-12-31")) == []
    assert trend.monthly(ds, D("2019-12-31")) == []


# --------------------------------------------------------------------------- trend


def test_month_ends_run_from_the_first_month_to_the_as_of_date():
    assert trend.month_ends(D("2020-11-10"), D("2021-02-14")) == [
        D("2020-11-30"),
        D("2020-12-31"),
        D("2021-01-31"),
        D("2021-02-14"),
    ]
    assert trend.month_ends(D("2020-11-10"), D("2020-11-30")) == [D("2020-11-30")]


def test_the_trend_counts_each_status_at_each_month_end_as_the_engine_does(scenario):
    ds = scenario(CLAIMS, obligation="ongoing")
    as_of = D("2020-07-15")
    points = trend.monthly(ds, as_of)
    months = trend.month_ends(D("2020-01-09"), as_of)
    assert {p.when for p in points} == set(months)
    for when in months:
        at = {p.status: p.provisions for p in points if p.when == when}
        assert sum(at.values()) == 1
        assert at[provision_status(ds, "p", when).status] == 1


def test_a_status_resting_on_a_claim_older_than_the_window_is_stale_as_the_engine_says(scenario):
    ds = scenario([("E1", "2020-02-01", "east", "progress")], obligation="ongoing")
    points = trend.monthly(ds, D("2021-03-31"))
    in_progress = {p.when: p.stale for p in points if p.status == Status.IN_PROGRESS}
    assert in_progress[D("2020-12-31")] == 0
    assert in_progress[D("2021-02-28")] == 1  # newest claim 2020-02-01, over 12 months before
    for when, stale in in_progress.items():
        assert stale == int(provision_status(ds, "p", when).stale), when


def test_the_trend_per_party_counts_a_shared_provision_for_each_party(scenario):
    ds = scenario(CLAIMS)
    points = trend.monthly(ds, D("2020-03-31"), by="party")
    assert {p.group for p in points} == {"east", "west"}
    assert trend.monthly(ds, D("2020-03-31"), by="party", parties=["west"])[0].group == "west"
    assert trend.monthly(ds, D("2020-03-31"), agreements=["none"]) == []


# --------------------------------------------------------------------------- feed

HOSTILE = "<script>alert(1)</script> & ]]> \x01"


def test_the_atom_feed_parses_and_carries_each_change_escaped(scenario):
    ds = scenario(CLAIMS, obligation="ongoing")
    provision = ds.provisions["p"]
    ds.provisions["p"] = provision.model_copy(update={"title": HOSTILE})
    found = changes.changes(ds, D("2020-01-01"), D("2020-12-31"))
    data = feed.atom(
        ds,
        found,
        updated=D("2020-12-31"),
        link="https://example.org/dash",
        link_for=lambda c: feed.dashboard_link("https://example.org/dash", c),
    )
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(found)
    newest = parsed.entries[0]
    assert newest.title.startswith("p <script>alert(1)</script> & ]]>")
    assert "E3" in newest.summary and "east" in newest.summary
    assert newest.link == "https://example.org/dash/provision?id=p&as_of=2020-05-01"
    assert len({e.id for e in parsed.entries}) == len(found)
    assert b"<script>" not in data


# --------------------------------------------------------------------------- the command


def test_tracker_changes_prints_text_and_writes_atom(tmp_path: Path):
    runner = CliRunner()
    text = runner.invoke(main, ["changes", "--from", "2022-01-01", "--to", "2022-12-31"])
    assert text.exit_code == 0, text.output
    assert "status change(s) from 2022-01-01 to 2022-12-31" in text.output
    out = tmp_path / "feed.xml"
    atom = runner.invoke(
        main,
        [
            "changes",
            "--from",
            "2022-01-01",
            "--to",
            "2022-12-31",
            "--format",
            "atom",
            "--agreement",
            "nov2020",
            "--output",
            str(out),
        ],
    )
    assert atom.exit_code == 0, atom.output
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo
    assert all(any(t.term == "nov2020" for t in e.tags) for e in parsed.entries)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2022-12-31", "--to", "2022-01-01"], "after --to"),
        (["--provision", "nov2020-99"], "unknown provision"),
        (["--from", "2022-13-01"], "not a date"),
    ],
)
def test_tracker_changes_refuses_bad_options_with_a_message(args, message):
    result = CliRunner().invoke(main, ["changes", *args])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_the_trend_of_the_bundled_data_matches_every_status_at_each_month_end():
    from collections import Counter

    from tracker.status import all_statuses
    from tracker.store import load_valid

    from .helpers import REPO

    ds = load_valid(REPO)
    as_of = D("2026-06-30")
    points = trend.monthly(ds, as_of)
    for when in trend.month_ends(D("2020-11-09"), as_of)[::7]:
        statuses = all_statuses(ds, when)
        expected = Counter(s.status for s in statuses)
        stale = Counter(s.status for s in statuses if s.stale)
        got = {p.status: (p.provisions, p.stale) for p in points if p.when == when}
        assert {k: v for k, v in got.items() if v[0]} == {k: (n, stale[k]) for k, n in expected.items()}, when
