"""The release's tables: one list of records per table, with the field types and keys that the data
package and the SQLite database declare. The status and evidence rows are export.py's (one definition
of each column for `tracker export`, the release and the site); the others are made here."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .. import export, present
from ..changes import Change, provision_changes
from ..models import Agreement, Assessment, Provision
from ..status import provision_status
from ..store import Dataset

Record = dict[str, Any]

# Frictionless field types of the columns whose type is not "string" (a column of any table that is not
# named here is a string). Kept by name, not per table, so that a column export.py adds later is typed
# the same way everywhere and a new string column needs no entry.
TYPES: dict[str, str] = {
    "date": "date",
    "in_force": "date",
    "point": "integer",
    "as_of": "date",
    "status_since": "date",
    "derived_since": "date",
    "assessed_since": "date",
    "deadline": "date",
    "deadline_due": "date",
    "deadline_from": "date",
    "term_start": "date",
    "term_years": "integer",
    "term_renewal_years": "integer",
    "term_notice_months": "integer",
    "evidence_count": "integer",
    "one_sided": "boolean",
    "stale": "boolean",
    "latest_claim": "date",
    "article_line": "integer",
    "article_column": "integer",
    "char_start": "integer",
    "char_end": "integer",
    "position": "integer",
    "from": "date",
}
# n_<stance> counts, whatever the stances are.
COUNT_PREFIX = "n_"

DESCRIPTIONS: dict[str, str] = {
    "agreement_id": "The agreement's id.",
    "provision_id": "The provision's id (agreement id, point and clause).",
    "evidence_id": "The evidence id: E... for verbatim quotes, EV... for reported events.",
    "source_id": "The stored article a verbatim quote is read from (empty for reported events).",
    "assessment_id": "The analyst assessment's id.",
    "status": "The status that holds at the date: the assessed one where an assessment applies, else the derived.",
    "derived_status": "The status derived from the evidence by the published rules (docs/methodology.md).",
    "stance": "What the passage says about the provision (vocabulary 'stance').",
    "quote": "The exact words of the stored article (verbatim quotes only).",
    "summary": "What was reported, in our own words (reported events only).",
    "note": "Our note.",
    "event_date": "Date of the event reported (not of publication), or 'unknown'.",
    "published": "Publication date, or 'unknown'.",
    "explanation": "Why the derived status is what it is, citing evidence ids and dates.",
    "reason_evidence": "The evidence ids the derived status rests on.",
}


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass
class Table:
    name: str
    title: str
    description: str
    columns: list[str]
    records: list[Record]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    # Columns searched in full text (SQLite FTS5).
    search: tuple[str, ...] = ()
    # Columns indexed in SQLite besides the keys (what readers filter on).
    indexes: tuple[str, ...] = ()
    types: dict[str, str] = field(default_factory=dict)

    def type_of(self, column: str) -> str:
        if column in self.types:
            return self.types[column]
        if column.startswith(COUNT_PREFIX):
            return "integer"
        return TYPES.get(column, "string")


def _clean(value: Any) -> Any:
    """One spelling of 'no value' for JSON and SQLite: None (the CSV writes it as an empty cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars from a pandas frame
        return value.item()
    return value


def _records(rows: Iterable[Record], columns: Sequence[str]) -> list[Record]:
    return [{c: _clean(row.get(c)) for c in columns} for row in rows]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _from_frame(frame: Any) -> tuple[list[str], list[Record]]:
    columns = [str(c) for c in frame.columns]
    return columns, _records(frame.to_dict("records"), columns)


# --------------------------------------------------------------------------- what is in a release


def agreements_in(dataset: Dataset, as_of: date) -> list[Agreement]:
    """The agreements that exist at `as_of` (signed or initialled by then), in file order."""
    return [a for a in dataset.agreements.values() if a.date <= as_of]


def provisions_in(dataset: Dataset, as_of: date) -> list[Provision]:
    present = {a.id for a in agreements_in(dataset, as_of)}
    return [p for pid, p in dataset.provisions.items() if dataset.provision_agreement[pid] in present]


def assessments_in(dataset: Dataset, as_of: date) -> list[Assessment]:
    return sorted((a for a in dataset.assessments.values() if a.date <= as_of), key=lambda a: (a.date, a.id))


# --------------------------------------------------------------------------- the tables


def _agreements(dataset: Dataset, as_of: date) -> list[Table]:
    rows, stages, links = [], [], []
    for a in agreements_in(dataset, as_of):
        rows.append(
            {
                "agreement_id": a.id,
                "title": a.title,
                "short_title": a.short_title,
                "date": a.date,
                "in_force": a.in_force,
                "place": a.place,
                "signatories": "; ".join(f"{s.name} ({s.role}; {s.actor})" for s in a.signatories),
                "text_sources": "; ".join(f"{s.id}: {s.title}" + (f" <{s.url}>" if s.url else "") for s in a.sources),
                "note": a.note,
            }
        )
        for i, stage in enumerate(a.stages):
            stages.append(
                {
                    "agreement_id": a.id,
                    "position": i + 1,
                    "stage": stage.stage.value,
                    "date": stage.date,
                    "source": stage.source,
                    "url": stage.url,
                    "note": stage.note,
                }
            )
        for i, link in enumerate(a.links):
            links.append(
                {
                    "agreement_id": a.id,
                    "position": i + 1,
                    "type": link.type.value,
                    "other_agreement_id": link.agreement,
                    "note": link.note,
                }
            )
    present = {r["agreement_id"] for r in rows}
    links = [link for link in links if link["other_agreement_id"] in present]
    columns = (
        list(rows[0])
        if rows
        else [
            "agreement_id",
            "title",
            "short_title",
            "date",
            "in_force",
            "place",
            "signatories",
            "text_sources",
            "note",
        ]
    )
    stage_cols = ["agreement_id", "position", "stage", "date", "source", "url", "note"]
    link_cols = ["agreement_id", "position", "type", "other_agreement_id", "note"]
    key = (ForeignKey(("agreement_id",), "agreements", ("agreement_id",)),)
    return [
        Table(
            "agreements",
            "Agreements",
            "Each agreement tracked, with its date of signature.",
            columns,
            _records(rows, columns),
            ("agreement_id",),
            search=("title", "note"),
        ),
        Table(
            "agreement_stages",
            "Agreement stages",
            "Signature, initialling, entry into force, partial supersession or end of each agreement, in date order.",
            stage_cols,
            _records(stages, stage_cols),
            ("agreement_id", "position"),
            key,
        ),
        Table(
            "agreement_links",
            "Agreement links",
            "How agreements relate: implements, references, supersedes-in-part.",
            link_cols,
            _records(links, link_cols),
            ("agreement_id", "position"),
            (*key, ForeignKey(("other_agreement_id",), "agreements", ("agreement_id",))),
        ),
    ]


def _provisions(dataset: Dataset, as_of: date) -> list[Table]:
    rows, supersessions = [], []
    for p in provisions_in(dataset, as_of):
        d, t = p.deadline, p.term
        rows.append(
            {
                "provision_id": p.id,
                "agreement_id": dataset.provision_agreement[p.id],
                "point": p.point,
                "clause": p.clause,
                "title": p.title,
                "text": p.text,
                "language": p.language,
                "english": p.english,
                "translation": p.translation,
                "reading": p.reading.value,
                "reading_note": p.reading_note,
                "category": p.category.value,
                "parties": "; ".join(p.parties),
                "obligation": p.obligation.value,
                "deadline_due": d.due if d else None,
                "deadline_within": d.within if d else None,
                "deadline_from": d.from_ if d else None,
                "term_start": t.start if t else None,
                "term_years": t.years if t else None,
                "term_renewal_years": t.renewal_years if t else None,
                "term_notice_months": t.notice_months if t else None,
                "note": p.note,
            }
        )
        for i, sup in enumerate(p.superseded_by):
            supersessions.append(
                {
                    "provision_id": p.id,
                    "position": i + 1,
                    "by_provision_id": sup.provision,
                    "from": sup.from_,
                    "evidence_ids": "; ".join(sup.evidence),
                    # Who says the older provision still stands, from when, on what evidence.
                    "contested_by": "; ".join(
                        f"{c.actor} from {c.from_}" + (f" [{', '.join(c.evidence)}]" if c.evidence else "")
                        for c in sup.contested
                    ),
                    "note": sup.note,
                }
            )
    present = {r["provision_id"] for r in rows}
    supersessions = [s for s in supersessions if s["by_provision_id"] in present]
    columns = list(rows[0]) if rows else ["provision_id", "agreement_id", "point", "title", "text"]
    sup_cols = ["provision_id", "position", "by_provision_id", "from", "evidence_ids", "contested_by", "note"]
    return [
        Table(
            "provisions",
            "Provisions",
            "Each obligation tracked, with its verbatim text.",
            columns,
            _records(rows, columns),
            ("provision_id",),
            (ForeignKey(("agreement_id",), "agreements", ("agreement_id",)),),
            search=("title", "text", "english", "note"),
            indexes=("agreement_id", "category"),
        ),
        Table(
            "supersessions",
            "Supersessions",
            "Provisions superseded by a provision of a later agreement "
            "(not a status: the derived status is still computed).",
            sup_cols,
            _records(supersessions, sup_cols),
            ("provision_id", "position"),
            (
                ForeignKey(("provision_id",), "provisions", ("provision_id",)),
                ForeignKey(("by_provision_id",), "provisions", ("provision_id",)),
            ),
        ),
    ]


def _sources(dataset: Dataset) -> Table:
    cols = ["source_id", "title", "outlet", "published", "byline", "url", "language", "article_file", "note"]
    rows = [
        {
            "source_id": s.id,
            "title": s.title,
            "outlet": s.outlet,
            "published": s.published.isoformat() if isinstance(s.published, date) else s.published,
            "byline": s.byline,
            "url": s.url,
            "language": s.language,
            "article_file": dataset.article_files.get(s.id, s.text),
            "note": s.note,
        }
        for s in dataset.sources.values()
    ]
    return Table(
        "sources",
        "Sources",
        "The articles stored verbatim that quotes are checked against.",
        cols,
        _records(rows, cols),
        ("source_id",),
        search=("title",),
    )


def _evidence(dataset: Dataset, as_of: date, provisions: set[str]) -> list[Table]:
    rows = export.evidence_rows(dataset, as_of)  # a generator: the rows are cleaned one at a time
    first = next(rows, None)
    columns = list(first) if first is not None else ["evidence_id", "provision_ids", "source_id"]
    records = _records(([first] if first is not None else []), columns) + _records(rows, columns)
    links = [
        {"evidence_id": r["evidence_id"], "provision_id": pid}
        for r in records
        for pid in (r["provision_ids"] or "").split("; ")
        if pid in provisions
    ]
    return [
        Table(
            "evidence",
            "Evidence",
            "Verbatim quotes (checked against the stored article) and reported events "
            "(summarised in our words), dated on or before the release date, or undated.",
            columns,
            records,
            ("evidence_id",),
            (ForeignKey(("source_id",), "sources", ("source_id",)),),
            search=("quote", "summary", "quotation", "note"),
            indexes=("event_date", "stance", "side"),
        ),
        Table(
            "evidence_provisions",
            "Evidence by provision",
            "Which provisions each piece of evidence bears on.",
            ["evidence_id", "provision_id"],
            links,
            ("evidence_id", "provision_id"),
            (
                ForeignKey(("evidence_id",), "evidence", ("evidence_id",)),
                ForeignKey(("provision_id",), "provisions", ("provision_id",)),
            ),
            indexes=("provision_id",),
        ),
    ]


def _assessments(dataset: Dataset, as_of: date) -> Table:
    cols = ["assessment_id", "provision_id", "date", "status", "rationale", "analyst", "evidence_ids"]
    rows = [
        {
            "assessment_id": a.id,
            "provision_id": a.provision,
            "date": a.date,
            "status": a.status.value,
            "rationale": a.rationale,
            "analyst": a.analyst,
            "evidence_ids": "; ".join(a.evidence),
        }
        for a in assessments_in(dataset, as_of)
    ]
    return Table(
        "assessments",
        "Assessments",
        "Analysts' dated judgements; each overrides the derived status of its provision from its date on.",
        cols,
        _records(rows, cols),
        ("assessment_id",),
        (ForeignKey(("provision_id",), "provisions", ("provision_id",)),),
        search=("rationale",),
        indexes=("provision_id",),
    )


def _statuses(dataset: Dataset, as_of: date, provisions: set[str]) -> Table:
    columns, records = _from_frame(export.status_table(dataset, as_of))
    records = [r for r in records if r["provision_id"] in provisions]
    return Table(
        "statuses",
        "Statuses at the release date",
        "Every provision's status at the release date, with the rule's explanation.",
        columns,
        records,
        ("provision_id",),
        (
            ForeignKey(("provision_id",), "provisions", ("provision_id",)),
            ForeignKey(("agreement",), "agreements", ("agreement_id",)),
        ),
        indexes=("status",),
    )


HISTORY_COLUMNS = [
    "provision_id",
    "date",
    "status",
    "previous_status",
    "rule",
    "assessment_id",
    "reason_evidence",
    "explanation",
]


def histories_of(dataset: Dataset, as_of: date) -> dict[str, list[Change]]:
    """Each provision's effective status history (tracker/changes.py: the one the dashboard and the feed
    show), made once per release for the history table and the site's trend."""
    return {p.id: provision_changes(dataset, p.id, as_of) for p in provisions_in(dataset, as_of)}


def _history(dataset: Dataset, as_of: date, histories: Mapping[str, list[Change]]) -> Table:
    """The status history table, with the engine's explanation of the derived status on each day."""
    rows = []
    for pid, changes in histories.items():
        p = dataset.provisions[pid]
        for change in changes:
            assessment = next((c.id for c in change.causes if c.kind == "assessment"), None)
            if change.rule == "assessment":
                explanation = f"{present.status_label(change.new)} since {change.date}: set by assessment {assessment}"
            elif change.rule == "R1" and change.old is None:
                explanation = f"{present.status_label(change.new)}: signed {change.date}, not yet in force"
            else:
                explanation = present.explain(provision_status(dataset, p.id, change.date), dataset.actor_name)
            rows.append(
                {
                    "provision_id": p.id,
                    "date": change.date,
                    "status": change.new.value,
                    "previous_status": change.old.value if change.old else None,
                    "rule": change.rule,
                    "assessment_id": assessment,
                    "reason_evidence": "; ".join(c.id for c in change.causes if c.kind != "assessment"),
                    "explanation": explanation,
                }
            )
    return Table(
        "status_history",
        "Status history",
        "Every change of each provision's status up to the release "
        "date, with its date and reasons (the assessment, or the claims the new status rests on).",
        HISTORY_COLUMNS,
        _records(rows, HISTORY_COLUMNS),
        ("provision_id", "date"),
        (
            ForeignKey(("provision_id",), "provisions", ("provision_id",)),
            ForeignKey(("assessment_id",), "assessments", ("assessment_id",)),
        ),
        indexes=("date", "status"),
    )


def vocabularies() -> Table:
    """The coded values of the tables, generated from the model's enums so that they cannot drift."""
    from ..models import DatePrecision, DeadlineState, EvidenceKind, Obligation, Reading, Stance, Status, Verification

    rows: list[Record] = []
    # Any: each vocabulary's labels are keyed by its own enum.
    vocabularies: tuple[tuple[str, type[StrEnum], Mapping[Any, str]], ...] = (
        ("status", Status, present.STATUS_LABELS),
        ("stance", Stance, {}),
        ("deadline_state", DeadlineState, {}),
        ("obligation", Obligation, {}),
        ("reading", Reading, {}),
        ("date_precision", DatePrecision, {}),
        ("verification", Verification, {}),
        ("kind", EvidenceKind, export.KIND_LABELS),
    )
    for vocab, enum, labels in vocabularies:
        for member in enum:
            rows.append(
                {
                    "vocabulary": vocab,
                    "code": member.value,
                    "label": labels.get(member, member.value.replace("-", " ")),
                    "description": (enum.__doc__ or "").strip().splitlines()[0] if enum.__doc__ else None,
                }
            )
    cols = ["vocabulary", "code", "label", "description"]
    return Table(
        "vocabularies",
        "Vocabularies",
        "The codes used in the tables and their labels (meanings in codebook/methodology.md).",
        cols,
        _records(rows, cols),
        ("vocabulary", "code"),
    )


def build_tables(dataset: Dataset, as_of: date, histories: Mapping[str, list[Change]] | None = None) -> list[Table]:
    """Every table of a release at `as_of`, parents before children (the order SQLite loads them in)."""
    provisions = provisions_in(dataset, as_of)
    if histories is None:
        histories = histories_of(dataset, as_of)
    present = {p.id for p in provisions}
    return [
        *_agreements(dataset, as_of),
        *_provisions(dataset, as_of),
        _sources(dataset),
        *_evidence(dataset, as_of, present),
        _assessments(dataset, as_of),
        _statuses(dataset, as_of, present),
        _history(dataset, as_of, histories),
        vocabularies(),
    ]
