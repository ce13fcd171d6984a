"""The status history: every provision's status at chosen dates, as a Markdown document.

`tracker history --force --output docs/status-history.md` writes the committed table; a test regenerates it,
so a change of data or rules that alters a status shows up in review as a change of that file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from . import present
from .deadlines import FRESHNESS_MONTHS
from .models import DatePrecision, ReportedEvent, Rule, Status, Verification
from .status import ProvisionStatus, all_statuses, signed_later
from .store import Dataset, EvidenceItem

# The last two: the end of 2025 (after the Washington summit) and the latest month-end before this
# version of the data; add a new month-end when the record is brought up to date.
CHECKPOINTS: tuple[date, ...] = tuple(
    date.fromisoformat(d)
    for d in (
        "2020-12-31",
        "2021-06-30",
        "2022-06-30",
        "2022-12-31",
        "2023-10-01",
        "2024-12-31",
        "2025-12-31",
        "2026-10-31",
    )
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
    label: str  # its label, with '*' when an assessment set it, and the stale mark when stale
    status: str  # the label, and the derived status beside an assessed one
    since: str
    newest: str  # the newest claim's date, marked when stale
    deadline: str
    rests_on: str
    evidence: str


def _marks(dataset: Dataset, ids: Iterable[str]) -> str:
    return ", ".join(evidence_mark(dataset.evidence[i]) for i in ids)


def _label(s: ProvisionStatus) -> str:
    return present.status_cell(s) + (f" {present.STALE_MARK}" if s.stale else "")


def _status_cell(s: ProvisionStatus, dataset: Dataset) -> str:
    text = present.status_with_derived(s) + (f" {present.STALE_MARK}" if s.stale else "")
    # Evidence ids marked as in every other cell (reported events in italics); assessment ids plain.
    lineage = present.supersessions_text(
        s, dataset.actor_name, lambda i: evidence_mark(dataset.evidence[i]) if i in dataset.evidence else i
    )
    return f"{text}; {lineage}" if lineage else text


def _deadline_cell(s: ProvisionStatus) -> str:
    parts = [present.deadline_text(s)]
    if s.term is not None:
        parts.append(present.term_sentence(s.term))
    return "; ".join(p for p in parts if p) or "-"


def _rests_on(dataset: Dataset, s: ProvisionStatus) -> str:
    parts = []
    if s.assessment is not None:
        a = s.assessment
        cited = f" ({_marks(dataset, a.evidence)})" if a.evidence else ""
        parts.append(f"{a.id}{cited}")
    if s.derived.rule == Rule.R1_NOT_IN_FORCE:
        parts.append("not yet in force (R1)")
    elif s.derived.rule == Rule.R2_NO_CLAIM:
        parts.append("no dated claim (R2)")
    else:
        claims = _marks(dataset, (c.id for c in s.reasons))
        one_side = " (one party)" if s.one_sided else ""
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
            status=_status_cell(s, dataset),
            since=s.since.isoformat() if s.since else "-",
            newest=(s.latest_claim.isoformat() if s.latest_claim else "-")
            + (f" {present.STALE_MARK}" if s.stale else ""),
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
- **Since** is the first date from which the status has not changed. A provision of an agreement signed
  after the date is not in that date's table (it did not exist yet): "-" in the overview.
- **Newest claim** is the date of the newest claim counted by the rules. {present.STALE_MARK} marks a
  **stale** status: it rests on nothing newer than {FRESHNESS_MONTHS} months before the date (never for
  lapsed, no evidence yet, or a one-off once implemented; see the methodology's "Freshness").
- A provision superseded by one of a later agreement says so after its status, with who contests it:
  supersession is not a status.
- **Deadline** is the due date in force at that date (after any amendment) and its state; for a renewing
  term, the term running at that date and the last day for notice, computed from the provision.
- **Rests on** gives the evidence behind the status: the assessment and the evidence it cites, then the
  claims the rule used, with the rule (R1-R4, see the methodology). "(one party)" means those claims come
  from one party only, with no other party and no observer (media, courts, monitors) among them.
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
    by_date = {d: {r.provision_id: r for r in tables[d]} for d in dates}
    for pid in dataset.provisions:
        cells = [f"{pid}", dataset.provisions[pid].title]
        cells += [by_date[d][pid].label if pid in by_date[d] else "-" for d in dates]
        overview.append(cells)
    out += _table(["Provision", "Title", *(d.isoformat() for d in dates)], overview)
    for d in dates:
        out += ["", f"## As of {d}", ""]
        by_id = by_date[d]
        for agreement_id, agreement in dataset.agreements.items():
            pids = [pid for pid in dataset.provisions if dataset.provision_agreement[pid] == agreement_id]
            pids = [pid for pid in pids if pid in by_id]
            if not pids:
                continue
            out += [f"### {agreement.short_title} ({agreement_id})", ""]
            out += _table(
                ["Provision", "Status", "Since", "Newest claim", "Deadline", "Rests on", "Evidence to date"],
                (
                    [f"{r.provision_id} {r.title}", r.status, r.since, r.newest, r.deadline, r.rests_on, r.evidence]
                    for r in (by_id[pid] for pid in pids)
                ),
            )
            out.append("")
        counts: Counter[Status] = Counter(r.code for r in tables[d])
        out.append(f"{present.plural(len(tables[d]), 'provision')}: {present.counts_line(counts)}.")
        later = signed_later(dataset, d)
        if later:
            out.append(present.signed_later_line(len(later)))
    return "\n".join(out).rstrip("\n") + "\n"
