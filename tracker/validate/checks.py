"""The checks across files, as plain functions: each takes what the data files yielded (`Files`)
and the dataset built from them, and returns its problems, located, with one wording each.

The loader (`tracker.store.load`) runs them all; a write runs the same load over its edited text
in memory (an overlay), so `tracker validate`, `add-evidence`, `confirm`, `suggest --write` and the
dashboard's Save say the same thing about the same problem."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from .. import quotes
from ..models import Actor, Agreement, Assessment, Evidence, Provision, ReportedEvent, Source, Supersession
from ..problems import Problem
from ..yamlsource import Document, KeyPath
from .hints import unknown

if TYPE_CHECKING:
    from ..store import Dataset

# The closest-passage hint is only a hint: fuzzy alignment costs about 1 ns per unit of quotes.alignment_cost
# (quote x text, plus quote squared), and 60 wrong quotes of 2,000 characters against a 2 MB article would take
# minutes. Each text gets this much (about half a second); past it a quote gets a cheaper hint (windows
# around a few of its words) or none. The check itself is never skipped.
HINT_BUDGET_CELLS = 500_000_000
# Fewer words than this can match by chance ("possible", ".") and prove nothing.
MIN_QUOTE_WORDS = 3


@dataclass
class Files:
    """What the data files yielded, gathered for the checks across files."""

    agreement_files: list[tuple[Document, Agreement | None, Sequence[tuple[int, Provision]]]] = field(
        default_factory=list
    )
    source_files: list[tuple[Document, Source | None, Sequence[tuple[int, Evidence]]]] = field(default_factory=list)
    assessment_items: list[tuple[Document, int, Assessment]] = field(default_factory=list)
    actor_items: list[tuple[Document, int, Actor]] = field(default_factory=list)
    event_items: list[tuple[Document, int, ReportedEvent]] = field(default_factory=list)
    # Items that failed the schema (already reported): their well-formed fields are still checked.
    invalid_items: list[tuple[Document, str, int, dict[str, Any]]] = field(default_factory=list)
    # Ids of items that failed the schema: already reported, so references to them are not.
    invalid_ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Data files that could not be read at all (already reported), each as (path shown, its folder under
    # the root): an id they define looks unknown, so a reference to it says where it may be instead of
    # guessing a spelling; only files of the folder that defines that kind of id are named.
    unread: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- messages


def future_date(what: str, when: date, today: date) -> str:
    return f"{what} {when} is in the future (today is {today}); record only what has happened"


def before_signature(what: str, when: date, agreement_id: str, signed: date, provision_id: str) -> str:
    return (
        f"{what} {when} is before {agreement_id} was signed ({signed}), so it cannot bear on {provision_id}; "
        "check the date, or link the passage to a provision in force"
    )


class TextLike(Protocol):
    text: str

    def refusal(self, quote: str) -> str | None: ...


@dataclass
class HintBudget:
    """The fuzzy-alignment work (cells) the closest-passage hints of one text may still spend."""

    cells: int = HINT_BUDGET_CELLS
    spent: int = 0  # the tests bound the work with it
    hints: int = 0


def quote_not_found(
    doc: Document, loc: KeyPath, quote: str, text: TextLike, file: str, budget: HintBudget | None = None
) -> tuple[Problem, quotes.NearMatch | None]:
    """'quote not found in FILE; closest passage (...)', or why it could not be looked for."""
    refusal = text.refusal(quote)
    if refusal is not None:
        return doc.problem(loc, f"quote not checked against {file}: {refusal}"), None
    message = f"quote not found in {file}"
    if budget is None:
        near = quotes.nearest(quote, text.text)
    else:
        left = budget.cells - budget.spent
        near, spent = quotes.nearest_within(quote, text.text, left)
        budget.spent += spent
        budget.hints += near is not None
        if (
            near is None
            and quotes.alignment_cost(len(quote), len(text.text)) > left
            and quotes.hint_possible(quote, text.text)
        ):
            message += " (the closest passage was not looked for: this text's time for hints is spent)"
    return doc.problem(loc, message + closest_passage(near)), near


def closest_passage(near: quotes.NearMatch | None) -> str:
    """'; closest passage (line 10, 97% similar): "..." — the quote has 'x' where the article has 'y'',
    or '' without one: the one wording of the hint, wherever a quote is not found."""
    if near is None:
        return ""
    passage = near.text if len(near.text) <= 240 else near.text[:237] + "..."
    message = f'; closest passage (line {near.line}, {near.score:.0f}% similar): "{passage}"'
    return message + (f" — {near.difference}" if near.difference else "")


def too_short(doc: Document, loc: KeyPath, quote: str) -> Problem | None:
    """A quote of fewer than MIN_QUOTE_WORDS words: located, with what would be right."""
    if quotes.has_words(quote, MIN_QUOTE_WORDS):
        return None
    words = quotes.word_count(quote, MIN_QUOTE_WORDS)
    return doc.problem(
        loc,
        f"the quote has {words} word(s); quote at least {MIN_QUOTE_WORDS} consecutive words of the article, "
        "so that it cannot match by chance",
    )


# --------------------------------------------------------------------------- references


# The folder (under the data root) whose files define each kind of id: actors, agreements, provisions and
# their text sources in provisions/; sources and evidence in evidence/.
DEFINED_IN = {"actor": "provisions", "provision": "provisions", "text source": "provisions", "evidence": "evidence"}


def _ref(files: Files, doc: Document, loc: KeyPath, kind: str, ident: str, known: Iterable[str]) -> list[Problem]:
    """A reference to an id that must be defined; one already reported as invalid is not reported again."""
    if ident in known or ident in files.invalid_ids.get(kind, ()):
        return []
    folder = DEFINED_IN.get(kind)
    unread = [name for name, where in files.unread if folder is None or where == folder]
    if unread:
        return [doc.problem(loc, unread_reference(kind, ident, unread))]
    return [doc.problem(loc, unknown(kind, ident, known))]


def unread_reference(kind: str, ident: str, unread: Sequence[str]) -> str:
    """An id not found while some data file could not be read: it may be defined there (one wording)."""
    names = ", ".join(unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
    return (
        f"unknown {kind} '{ident}', but {names} could not be read and may define it; fix the error reported there first"
    )


def references(files: Files, ds: Dataset) -> list[Problem]:
    """Every id used must be defined: actors, provisions, text sources, evidence."""
    out: list[Problem] = []
    actors = ds.actors

    def ref(doc: Document, loc: KeyPath, kind: str, ident: str, known: Any) -> None:
        out.extend(_ref(files, doc, loc, kind, ident, known))

    for doc, agreement, provisions in files.agreement_files:
        if agreement is None:
            continue
        for i, signatory in enumerate(agreement.signatories):
            ref(doc, ("agreement", "signatories", i, "actor"), "actor", signatory.actor, actors)
        sources = {s.id: s for s in agreement.sources}
        for i, provision in provisions:
            for j, party in enumerate(provision.parties):
                ref(doc, ("provisions", i, "parties", j), "actor", party, actors)
            ref(doc, ("provisions", i, "translation"), "text source", provision.translation, sources)

    def claim_refs(doc: Document, at: KeyPath, claim: Evidence | ReportedEvent) -> None:
        # A quote and a reported event name the same things: provisions, a side, actors concerned.
        for j, pid in enumerate(claim.provisions):
            ref(doc, (*at, "provisions", j), "provision", pid, ds.provisions)
        ref(doc, (*at, "side"), "actor", claim.side, actors)
        for j, actor in enumerate(claim.concerns):
            ref(doc, (*at, "concerns", j), "actor", actor, actors)

    for doc, _source, evidence in files.source_files:
        for i, item in evidence:
            claim_refs(doc, ("evidence", i), item)
    for doc, i, event in files.event_items:
        claim_refs(doc, ("events", i), event)
    for doc, i, assessment in files.assessment_items:
        ref(doc, ("assessments", i, "provision"), "provision", assessment.provision, ds.provisions)
        for j, eid in enumerate(assessment.evidence):
            if eid in ds.unconfirmed:
                out.append(
                    doc.problem(
                        ("assessments", i, "evidence", j),
                        f"evidence '{eid}' is an unconfirmed suggestion; confirm it (remove 'unconfirmed') first",
                    )
                )
                continue
            ref(doc, ("assessments", i, "evidence", j), "evidence", eid, ds.evidence)
    return out


def lineage(files: Files, ds: Dataset, today: date) -> list[Problem]:
    """Agreement links, provision supersessions and their contests point at things that exist."""
    out: list[Problem] = []
    for doc, agreement, provisions in files.agreement_files:
        if agreement is None:
            continue
        for i, link in enumerate(agreement.links):
            loc: KeyPath = ("agreement", "links", i, "agreement")
            if link.agreement == agreement.id:
                out.append(doc.problem(loc, f"agreement '{agreement.id}' links to itself; name another"))
            else:
                out += _ref(files, doc, loc, "agreement", link.agreement, ds.agreements)
        for i, stage in enumerate(agreement.stages):
            if stage.date > today:
                out.append(
                    doc.problem(("agreement", "stages", i, "date"), future_date("stage date", stage.date, today))
                )
        for i, provision in provisions:
            for j, sup in enumerate(provision.superseded_by):
                out += _supersession(files, ds, today, doc, ("provisions", i, "superseded_by", j), agreement, sup)
    return out


def _supersession(
    files: Files, ds: Dataset, today: date, doc: Document, loc: KeyPath, agreement: Agreement, sup: Supersession
) -> list[Problem]:
    out: list[Problem] = []
    later = ds.provision_agreement.get(sup.provision)
    if later is None:
        out += _ref(files, doc, (*loc, "provision"), "provision", sup.provision, ds.provisions)
    elif later == agreement.id:
        out.append(
            doc.problem(
                (*loc, "provision"),
                f"'{sup.provision}' is a provision of the same agreement ({agreement.id}); "
                "a provision is superseded only by one of a later agreement",
            )
        )
    signed = ds.agreements[later].date if later not in (None, agreement.id) else None
    before = f"superseded from {sup.from_}, before {later} was signed ({signed})"
    out += _date_between(doc, (*loc, "from"), sup.from_, signed, before, "supersession date", today)
    out += _evidence_refs(files, ds, doc, (*loc, "evidence"), sup.evidence)
    for k, contest in enumerate(sup.contested):
        where = (*loc, "contested", k)
        out += _ref(files, doc, (*where, "actor"), "actor", contest.actor, ds.actors)
        before = f"contested from {contest.from_}, before the supersession itself ({sup.from_})"
        out += _date_between(doc, (*where, "from"), contest.from_, sup.from_, before, "contest date", today)
        out += _evidence_refs(files, ds, doc, (*where, "evidence"), contest.evidence)
    return out


def _date_between(
    doc: Document, loc: KeyPath, when: date, earliest: date | None, before: str, what: str, today: date
) -> list[Problem]:
    """A date on or after `earliest` (if any; `before` says why not) and not after today."""
    out: list[Problem] = []
    if earliest is not None and when < earliest:
        out.append(doc.problem(loc, f"{before}; write a date on or after {earliest}"))
    if when > today:
        out.append(doc.problem(loc, future_date(what, when, today)))
    return out


def _evidence_refs(files: Files, ds: Dataset, doc: Document, loc: KeyPath, ids: list[str]) -> list[Problem]:
    """Ids of counted evidence or of assessments (a supersession may rest on either)."""
    out: list[Problem] = []
    for j, eid in enumerate(ids):
        if eid in ds.assessments or eid in files.invalid_ids.get("assessment", ()):
            continue
        if eid in ds.unconfirmed:
            out.append(
                doc.problem(
                    (*loc, j), f"evidence '{eid}' is an unconfirmed suggestion; confirm it (remove 'unconfirmed') first"
                )
            )
            continue
        out += _ref(files, doc, (*loc, j), "evidence", eid, ds.evidence)
    return out


def invalid_items(files: Files, ds: Dataset, today: date) -> list[Problem]:
    """References and dates in items the schema refused, so one run reports every problem."""
    out: list[Problem] = []
    fields: dict[str, tuple[str, Iterable[str]]] = {
        "provisions": ("provision", ds.provisions),
        "provision": ("provision", ds.provisions),
        "side": ("actor", ds.actors),
        "concerns": ("actor", ds.actors),
    }
    for doc, name, i, raw in files.invalid_items:
        if name not in ("evidence", "events", "assessments"):
            continue
        for key, (kind, known) in fields.items():
            value = raw.get(key)
            if isinstance(value, str):
                out += _ref(files, doc, (name, i, key), kind, value, known)
            elif isinstance(value, list):
                for j, ident in enumerate(value):
                    if isinstance(ident, str):
                        out += _ref(files, doc, (name, i, key, j), kind, ident, known)
        for key in ("event_date", "published", "date"):
            when = raw.get(key)
            if isinstance(when, date) and not isinstance(when, datetime) and when > today:
                what = "publication date" if key == "published" else key.replace("_", " ")
                out.append(doc.problem((name, i, key), future_date(what, when, today)))
    return out


# --------------------------------------------------------------------------- dates


def _date(
    ds: Dataset, doc: Document, loc: KeyPath, when: date, provision_ids: list[str], what: str, today: date
) -> list[Problem]:
    out = []
    if when > today:
        out.append(doc.problem(loc, future_date(what, when, today)))
    for pid in provision_ids:
        agreement_id = ds.provision_agreement.get(pid)
        if agreement_id is None:
            continue
        agreement = ds.agreements[agreement_id]
        if when < agreement.date:
            out.append(doc.problem(loc, before_signature(what, when, agreement_id, agreement.date, pid)))
            break
    return out


def dates(files: Files, ds: Dataset, today: date) -> list[Problem]:
    """Nothing dated in the future; nothing bearing on a provision before its agreement was signed."""
    out: list[Problem] = []
    for doc, source, evidence in files.source_files:
        if source is not None and isinstance(source.published, date) and source.published > today:
            out.append(doc.problem(("source", "published"), future_date("publication date", source.published, today)))
        for i, item in evidence:
            if isinstance(item.event_date, date):
                out += _date(
                    ds, doc, ("evidence", i, "event_date"), item.event_date, item.provisions, "event date", today
                )
    for doc, i, event in files.event_items:
        if isinstance(event.published, date) and event.published > today:
            out.append(doc.problem(("events", i, "published"), future_date("publication date", event.published, today)))
        if isinstance(event.event_date, date):
            out += _date(ds, doc, ("events", i, "event_date"), event.event_date, event.provisions, "event date", today)
    for doc, i, assessment in files.assessment_items:
        out += _date(
            ds, doc, ("assessments", i, "date"), assessment.date, [assessment.provision], "assessment date", today
        )
    return out


# --------------------------------------------------------------------------- duplicates


def passage_key(
    quote: str, provisions: Iterable[str], stance: str, canonical: Callable[[str], str] = quotes.canonical
) -> tuple[str, frozenset[str], str]:
    """Two passages are the same when quote (typography aside), provisions and stance are."""
    return canonical(quote), frozenset(provisions), str(stance)


def duplicate_passages(files: Files, canonical: Callable[[str], str] = quotes.canonical) -> list[Problem]:
    """The same quote, provisions and stance twice (in one source, confirmed or not) count one claim twice.
    `canonical`: quotes.canonical, or a memo of it (the loader made each quote's when it looked for it)."""
    out: list[Problem] = []
    for doc, _source, evidence in files.source_files:
        seen: dict[tuple[str, frozenset[str], str], str] = {}
        for i, item in evidence:
            key = passage_key(item.quote, item.provisions, item.stance.value, canonical)
            if key in seen:
                out.append(
                    doc.problem(
                        ("evidence", i, "quote"), f"the same quote, provisions and stance are already {seen[key]}"
                    )
                )
            else:
                seen[key] = item.id
    return out
