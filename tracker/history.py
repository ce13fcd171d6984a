"""The status history: every provision's status at chosen dates, as a Markdown document.

`tracker history --force --output docs/status-history.md` writes the committed table; a test regenerates it,
so a change of data or rules that alters a status shows up in review as a change of that file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .models import DatePrecision, DeadlineState, ReportedEvent, Status, Verification
from .status import DEADLINE_LABELS, STATUS_LABELS, ProvisionStatus, all_statuses
from .store import Dataset, EvidenceItem

CHECKPOINTS: tuple[date, ...] = tuple(
    date.fromisoformat(d) for d in ("2020-12-31", "2021-06-30", "2022-06-30", "2022-12-31", "2023-10-01", "2024-12-31")
)
DEFAULT_PATH = "docs/status-history.md"

# Marks on evidence ids, explained in the legend of the document.
DATE_INFERRED = "†"
UNVERIFIED = "‡"
IMPRECISE = "≈"


def evidence_mark(item: EvidenceItem) -> str:
    """An evidence id as the history shows it: quotes plain, reported events in italics, with marks for
    an inferred date, an unverified report and a date not known to the day."""
    e = item.evidence
    text = f"*{e.id}*" if isinstance(e, ReportedEvent) else e.id
    if isinstance(e, ReportedEvent) and e.verification == Verification.DATE_INFERRED:
        text += DATE_INFERRED
    if isinstance(e, ReportedEvent) and e.verification == Verification.UNVERIFIED:
        text += UNVERIFIED
    if e.date_precision != DatePrecision.DAY:
        text += IMPRECISE
    return text


@dataclass(frozen=True)
class Row:
    """One provision at one date, as plain text cells."""

    provision_id: str
    title: str
    code: Status  # the status that holds (assessed, else derived)
    label: str  # its label, with '*' when an assessment set it
    status: str  # the label, and the derived status beside an assessed one
    since: str
    deadline: str
    rests_on: str
    evidence: str


def _marks(dataset: Dataset, ids: Iterable[str]) -> str:
    return ", ".join(evidence_mark(dataset.evidence[i]) for i in ids)


def _label(s: ProvisionStatus) -> str:
    return STATUS_LABELS[s.status] + ("*" if s.assessment else "")


def _status_cell(s: ProvisionStatus) -> str:
    if s.assessment is None:
        return _label(s)
    since = f" since {s.derived_since}" if s.derived_since else ""
    return f"{_label(s)} (derived: {STATUS_LABELS[s.derived.status]}{since})"


def _deadline_cell(s: ProvisionStatus) -> str:
    parts = []
    if s.due is not None:
        text = f"{s.due.date} ({DEADLINE_LABELS[s.deadline_state]})"
        if s.due.amendment is not None:
            text += f", amended from {s.due.original} on {s.due.amendment.decided}"
        parts.append(text)
    elif s.deadline_state != DeadlineState.NONE:
        parts.append(DEADLINE_LABELS[s.deadline_state])
    if s.term is not None:
        t = s.term
        if t.number == 0:
            parts.append(f"term not begun (first term {t.start} to {t.end})")
        elif t.expired:
            parts.append(f"term {t.number} ended {t.end}")
        else:
            renew = f"; renews unless notice by {t.notice_by}" if t.renews else "; does not renew"
            parts.append(f"term {t.number}: {t.start} to {t.end}{renew}")
    return "; ".join(parts) or "-"


def _rests_on(dataset: Dataset, s: ProvisionStatus) -> str:
    parts = []
    if s.assessment is not None:
        a = s.assessment
        cited = f" ({_marks(dataset, a.evidence)})" if a.evidence else ""
        parts.append(f"{a.id}{cited}")
    if s.derived.rule == "R1":
        parts.append("not yet in force (R1)")
    elif s.derived.rule == "R2":
        parts.append("no dated claim (R2)")
    else:
        claims = _marks(dataset, (c.id for c in s.reasons))
        one_side = " (one side)" if s.one_sided else ""
        prefix = "derived from " if s.assessment is not None else ""
        parts.append(f"{prefix}{claims} [{s.derived.rule}]{one_side}")
    return "; ".join(parts)


def _evidence_cell(dataset: Dataset, s: ProvisionStatus) -> str:
    items = [dataset.evidence[i] for i in s.evidence_ids]
    if not items:
        return "0"
    events = sum(1 for i in items if i.is_event)
    return f"{len(items)} ({_count(len(items) - events, 'quote')}, {_count(events, 'event')})"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def rows(dataset: Dataset, as_of: date) -> list[Row]:
    """Every provision's status as of `as_of`, as the cells of the history table."""
    return [
        Row(
            provision_id=s.provision_id,
            title=dataset.provisions[s.provision_id].title,
            code=s.status,
            label=_label(s),
            status=_status_cell(s),
            since=s.since.isoformat() if s.since else "-",
            deadline=_deadline_cell(s),
            rests_on=_rests_on(dataset, s),
            evidence=_evidence_cell(dataset, s),
        )
        for s in all_statuses(dataset, as_of)
    ]


def _join(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], body: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in body]
    return lines


LEGEND = f"""\
How to read it:

- **Status** is derived by the rules of [the methodology](methodology.md) from the evidence dated on or
  before the date. A status marked `*` was set by an analyst's assessment (`evidence/assessments.yaml`),
  usually *lapsed* for a provision overtaken by events; the status derived from the evidence follows in
  brackets. *No evidence yet* never means "not done".
- **Since** is the first date from which the status has not changed.
- **Deadline** is the due date in force at that date (after any amendment) and its state; for a renewing
  term, the term running at that date and the last day for notice, computed from the provision.
- **Rests on** gives the evidence behind the status: the assessment and the evidence it cites, then the
  claims the rule used, with the rule (R1-R4, see the methodology). "(one side)" means every one of those
  claims comes from the same side.
- Evidence ids: `E101` is a **verbatim quote**, checked against a stored article; *EV101* in italics is a
  **reported event**, our summary of a report at a URL whose text is not stored here: weaker evidence.
  {DATE_INFERRED} the event's date was inferred (the timeline's V*); {UNVERIFIED} the event could not be
  verified; {IMPRECISE} the date is not known to the day (approximate, a month, or "on or before").
  `tracker show PROVISION_ID --as-of DATE` prints each piece of evidence in full.
- **Evidence to date** counts every piece of evidence dated on or before the date, context included."""


def render(dataset: Dataset, dates: Sequence[date] = CHECKPOINTS) -> str:
    """The status history as Markdown: an overview, then one table per date and agreement."""
    dates = sorted(set(dates))
    tables = {d: rows(dataset, d) for d in dates}
    out = [
        "<!-- Generated by `tracker history --force --output docs/status-history.md`. Do not edit by hand: change the",
        "     data or the rules, then regenerate. tests/test_history.py checks that this file is current. -->",
        "",
        "# Status history",
        "",
        f"Every provision's status on {_join(d.isoformat() for d in dates)}, computed from the data in this",
        f"repository: {len(dataset.agreements)} agreements, {len(dataset.provisions)} provisions, "
        f"{dataset.quote_count} quotes, {len(dataset.evidence) - dataset.quote_count} reported events and "
        f"{len(dataset.assessments)} assessments.",
        "",
        LEGEND,
        "",
        "## Overview",
        "",
    ]
    overview = []
    for i, pid in enumerate(dataset.provisions):
        cells = [f"{pid}", dataset.provisions[pid].title]
        cells += [tables[d][i].label for d in dates]
        overview.append(cells)
    out += _table(["Provision", "Title", *(d.isoformat() for d in dates)], overview)
    for d in dates:
        out += ["", f"## As of {d}", ""]
        by_id = {r.provision_id: r for r in tables[d]}
        for agreement_id, agreement in dataset.agreements.items():
            pids = [pid for pid, aid in dataset.provision_agreement.items() if aid == agreement_id]
            pids = [pid for pid in dataset.provisions if pid in pids]
            out += [f"### {agreement.short_title} ({agreement_id})", ""]
            out += _table(
                ["Provision", "Status", "Since", "Deadline", "Rests on", "Evidence to date"],
                (
                    [f"{r.provision_id} {r.title}", r.status, r.since, r.deadline, r.rests_on, r.evidence]
                    for r in (by_id[pid] for pid in pids)
                ),
            )
            out.append("")
        counts = Counter(r.code for r in tables[d])
        tally = " · ".join(f"{STATUS_LABELS[c]} {counts[c]}" for c in Status if counts[c])
        out.append(f"{len(tables[d])} provisions: {tally}.")
    return "\n".join(out).rstrip("\n") + "\n"
