"""Every label, cell and sentence a person reads about a status, shared by the CLI, the status history,
the dashboard and the static site: status labels and symbols, per-status count lines, dates and
evidence lines, deadlines and the renewing-term sentence, freshness, one-party warnings, supersession
and lineage phrases, and the explanation of the rule that set a status.

Everything here returns plain text. It does not escape: each view escapes for its medium (Markdown,
HTML, a terminal) what comes from the data, such as names and notes. Nothing here decides a status:
that is tracker/status.py, which this module only reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from .deadlines import FRESHNESS_MONTHS, TermState
from .models import Agreement, DatePrecision, DeadlineState, Link, LinkType, Reading, Rule, Stage, Status, Term

if TYPE_CHECKING:  # the status module imports this one for its labels
    from .status import ProvisionStatus, SupersessionInEffect
    from .store import EvidenceItem

Name = Callable[[str], str]  # an actor id to the name shown (Dataset.actor_name), or str

STATUS_LABELS: dict[Status, str] = {
    Status.IMPLEMENTED: "implemented",
    Status.IN_PROGRESS: "in progress",
    Status.NOT_STARTED: "not started",
    Status.STALLED: "stalled",
    Status.DISPUTED: "disputed",
    Status.VIOLATED: "violated",
    Status.LAPSED: "lapsed",
    Status.NO_EVIDENCE: "no evidence yet",
}
# A symbol per status, so that a status reads without colour too.
STATUS_SYMBOLS: dict[Status, str] = {
    Status.IMPLEMENTED: "✔",
    Status.IN_PROGRESS: "◐",
    Status.NOT_STARTED: "○",
    Status.STALLED: "‖",
    Status.DISPUTED: "⇄",
    Status.VIOLATED: "✖",
    Status.LAPSED: "—",
    Status.NO_EVIDENCE: "?",
}
DEADLINE_LABELS: dict[DeadlineState, str] = {
    DeadlineState.MET: "met",
    DeadlineState.MET_LATE: "met late",
    DeadlineState.MISSED: "missed",
    DeadlineState.PENDING: "pending",
    DeadlineState.UNKNOWN: "unknown",
    DeadlineState.NONE: "none",
}
PRECISION_LABELS: dict[DatePrecision, str] = {
    DatePrecision.DAY: "",
    DatePrecision.MONTH: "month",
    DatePrecision.ON_OR_BEFORE: "on or before",
    DatePrecision.APPROXIMATE: "approximate",
}
READING_LABELS: dict[Reading, str] = {
    Reading.OFFICIAL_TRANSLATION: "official translation",
    Reading.PRESS_QUOTATION: "as quoted by the press",
    Reading.CLOSE_READING: "close reading (not a verbatim official text)",
}
ASSESSED_MARK = "*"  # after a status set by an analyst's assessment
STALE_MARK = "⌛"  # after a stale status in tables
NO_EVIDENCE_NOTE = "'no evidence yet' means no passage has been linked, not that nothing was done."
ASSESSED_NOTE = f"{ASSESSED_MARK} analyst assessment; `tracker show ID` gives the derived status beside it."
STALE_NOTE = f"{STALE_MARK} stale: the newest claim is over {FRESHNESS_MONTHS} months older than the date."


# --------------------------------------------------------------------------- statuses


def status_label(status: Status) -> str:
    """'in progress'."""
    return STATUS_LABELS[status]


def badge(status: Status) -> str:
    """Symbol and words: '✔ implemented'."""
    return f"{STATUS_SYMBOLS[status]} {STATUS_LABELS[status]}"


def status_cell(s: ProvisionStatus) -> str:
    """The status as a table cell: its label, with '*' when an assessment set it."""
    return STATUS_LABELS[s.status] + (ASSESSED_MARK if s.assessment else "")


def status_with_derived(s: ProvisionStatus) -> str:
    """'lapsed* (derived: violated since 2023-09-19)' for an assessed status, else the cell."""
    if s.assessment is None:
        return status_cell(s)
    since = f" since {s.derived_since}" if s.derived_since else ""
    return f"{status_cell(s)} (derived: {STATUS_LABELS[s.derived.status]}{since})"


def status_since(s: ProvisionStatus) -> str:
    """'disputed since 2022-12-12' (or the label alone when there is no date)."""
    return STATUS_LABELS[s.status] + (f" since {s.since}" if s.since else "")


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """'1 obligation', '2 obligations'."""
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"


def counts_line(statuses: Iterable[ProvisionStatus] | Mapping[Status, int], *, symbols: bool = False) -> str:
    """'implemented 3 · in progress 1 · disputed 2', in the order of the Status vocabulary."""
    counts = statuses if isinstance(statuses, Mapping) else Counter(s.status for s in statuses)
    label = badge if symbols else status_label
    return " · ".join(f"{label(st)} {counts[st]}" for st in Status if counts.get(st))


def total_line(statuses: Iterable[ProvisionStatus], noun: str = "provision") -> str:
    """'25 provisions: implemented 3 · ...' ('1 provision: ...')."""
    statuses = list(statuses)
    return f"{plural(len(statuses), noun)}: {counts_line(statuses)}"


def signed_later_line(n: int) -> str:
    """The note under a table that leaves out provisions of agreements not yet signed at its date."""
    if n == 1:
        return "1 provision of an agreement signed later is not shown."
    return f"{n} provisions of agreements signed later are not shown."


# --------------------------------------------------------------------------- dates and evidence


def date_text(value: date | str | None, precision: DatePrecision = DatePrecision.DAY) -> str:
    """'2020-11-21', '2020-11-21 (on or before)', 'unknown', or '-' for none."""
    if value is None:
        return "-"
    text = value.isoformat() if isinstance(value, date) else str(value)
    note = PRECISION_LABELS[precision] if isinstance(value, date) else ""
    return f"{text} ({note})" if note else text


def evidence_line(item: EvidenceItem, name: Name = str) -> str:
    """'E101  2020-11-21  IMPLEMENTED  Sergey Shoigu [Russia]': id, event date, stance, claimant, side."""
    e = item.evidence
    when = date_text(e.event_date, e.date_precision)
    return f"{e.id}  {when}  {e.stance.value.upper()}  {e.claimant} [{name(e.side)}]"


def rendering_note(language: str) -> str:
    """Said with every English text we wrote ourselves for a text in another language."""
    return f"our English rendering of the {language} text, not an official translation"


# --------------------------------------------------------------------------- deadlines and terms


def deadline_text(s: ProvisionStatus) -> str:
    """'2020-11-25 (met late), amended from 2020-11-15 on 2020-11-15', or a deadline state alone, or ''."""
    if s.due is not None:
        text = f"{s.due.date} ({DEADLINE_LABELS[s.deadline_state]})"
        if s.due.amendment is not None:
            text += f", amended from {s.due.original} on {s.due.amendment.decided}"
        return text
    if s.deadline_state != DeadlineState.NONE:
        return DEADLINE_LABELS[s.deadline_state]
    return ""


def term_sentence(t: TermState, term: Term | None = None) -> str:
    """Where a renewing term stands, in one sentence: 'term 1: 2020-11-10 to 2025-11-10; renews for 5
    years unless a party gives notice by 2025-05-10'. A lapsed provision's term says it ended."""
    if t.ended is not None:
        return f"term {t.number} ({t.start} to {t.end}) ended early: lapsed on {t.ended}; does not renew"
    if t.number == 0:
        return f"term not begun (first term {t.start} to {t.end})"
    if t.expired:
        return f"term {t.number} ended {t.end}"
    if t.renews:
        years = f" for {plural(term.renewal_years, 'year')}" if term and term.renewal_years else ""
        renew = f"renews{years} unless a party gives notice by {t.notice_by}"
    else:
        renew = "does not renew"
    return f"term {t.number}: {t.start} to {t.end}; {renew}"


def term_cell(t: TermState) -> str:
    """The term in a narrow column: 'term to 2025-11-10', 'ended 2024-06-12'."""
    if t.ended is not None:
        return f"ended {t.ended}"
    return f"term to {t.end}"


# --------------------------------------------------------------------------- freshness, sides


def freshness(s: ProvisionStatus) -> str:
    """'stale: newest claim 2023-05-01, over 12 months before 2024-12-31', or '' when fresh."""
    if not s.stale:
        return ""
    if s.latest_claim is None:  # stale on an old assessment alone
        return f"stale: nothing newer than {s.since}, over {FRESHNESS_MONTHS} months before {s.as_of}"
    return f"stale: newest claim {s.latest_claim}, over {FRESHNESS_MONTHS} months before {s.as_of}"


def latest_claim_text(s: ProvisionStatus) -> str:
    """'newest claim 2024-06-01' (with ', stale' when stale), or 'no claim yet'."""
    if s.latest_claim is None:
        return "no claim yet"
    return f"newest claim {s.latest_claim}" + (" (stale)" if s.stale else "")


def one_party_warning(s: ProvisionStatus, name: Name = str) -> str:
    """'rests on claims of one party only: Armenia', or '' (observers are never a side)."""
    if s.one_party is None:
        return ""
    return f"rests on claims of one party only: {name(s.one_party)}"


def rests_on_sides(s: ProvisionStatus, name: Name = str) -> str:
    """The sides whose claims the status rests on, with '(one party)' when it is one party only."""
    sides = ", ".join(sorted({name(c.side) for c in s.reasons}))
    return sides + (" (one party)" if s.one_sided else "")


# --------------------------------------------------------------------------- supersession and lineage


def supersession_phrase(sup: SupersessionInEffect, name: Name = str, ref: Name = str) -> str:
    """'superseded by wash2025-3 (wash2025) from 2025-08-08; contested by Russia from 2025-08-09'.
    `ref` writes an evidence id (the history puts reported events in italics, as everywhere it cites them)."""
    text = f"superseded by {sup.provision_id}"
    if sup.agreement_id:
        text += f" ({sup.agreement_id})"
    text += f" from {sup.since}"
    if sup.evidence:
        text += f" [{', '.join(map(ref, sup.evidence))}]"
    for contest in sup.contested:
        text += f"; contested by {name(contest.actor)} from {contest.from_}"
        if contest.evidence:
            text += f" [{', '.join(map(ref, contest.evidence))}]"
    return text


def supersedes_phrase(older: str, sup: SupersessionInEffect, name: Name = str) -> str:
    """'supersedes nov2020-9b from 2025-08-08; contested by Russia from 2025-08-09' (seen from the newer)."""
    text = f"supersedes {older} from {sup.since}"
    for contest in sup.contested:
        text += f"; contested by {name(contest.actor)} from {contest.from_}"
    return text


def supersessions_text(s: ProvisionStatus, name: Name = str, ref: Name = str) -> str:
    """Every supersession in effect, joined: '' when none."""
    return "; ".join(supersession_phrase(sup, name, ref) for sup in s.superseded_by)


LINK_VERBS = {
    LinkType.IMPLEMENTS: "implements",
    LinkType.REFERENCES: "refers to",
    LinkType.SUPERSEDES_IN_PART: "supersedes in part",
}


def link_phrase(link: Link, title: Callable[[str], str] = str) -> str:
    """'implements Trilateral statement of 9/10 November 2020 (nov2020)'."""
    return f"{LINK_VERBS[link.type]} {title(link.agreement)} ({link.agreement})"


def stage_phrase(stage: Stage) -> str:
    """'signed 2020-11-09', 'superseded in part 2025-08-08'."""
    return f"{stage.stage.value.replace('-', ' ')} {stage.date}"


def stages_text(agreement: Agreement) -> str:
    """The agreement's stages in date order ('signed 2020-11-09 · in force 2020-11-10'), or its date."""
    if not agreement.stages:
        return f"signed {agreement.date}"
    return " · ".join(stage_phrase(s) for s in agreement.stages)


# --------------------------------------------------------------------------- why


def explain(s: ProvisionStatus, name: Name = str) -> str:
    """Why the derived status is what it is, citing evidence ids and dates."""
    d, since = s.derived, s.derived_since
    label = STATUS_LABELS[d.status]
    cited = ", ".join(c.describe(name) for c in d.reasons)
    if d.rule == Rule.R1_NOT_IN_FORCE:
        if since is None:
            return f"{label}: the agreement was not yet signed on {s.as_of}"
        return f"{label}: the agreement takes effect on {s.starts}"
    if d.rule == Rule.R2_NO_CLAIM:
        text = f"{label}: no claim dated on or before {s.as_of}"
        if s.evidence_ids:
            text += f" ({plural(len(s.evidence_ids), 'passage')} of context only, which never count)"
        if s.undated_ids:
            text += f" ({len(s.undated_ids)} undated, not counted: {', '.join(s.undated_ids)})"
        return text
    if d.rule == Rule.R3_IMPLEMENTED:
        return f"{label} since {since}: first reported by {cited}"
    if d.rule == Rule.R3_DISPUTED:
        return f"{label} since {since}: implementation is contested; {cited}"
    if d.rule == Rule.R4_DISPUTED:
        from .status import CURRENT_WINDOW  # imported here: the status module imports this one

        return f"{label} since {since}: sides disagree within {CURRENT_WINDOW.days} days; {cited}"
    return f"{label} since {since}: latest evidence {cited}"
