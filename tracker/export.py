"""Status and evidence as tables (pandas) and CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, BinaryIO

from .models import EventsFile, EvidenceKind, ReportedEvent, Source, SourceFile, Stance
from .store import CheckedFile, Dataset, EvidenceItem, Location

if TYPE_CHECKING:  # pandas (about 80 MB) and numpy only where a table needs them: not the evidence CSV
    import pandas as pd

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read UTF-8 instead of the local code page


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _iso(value: date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def status_table(
    dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None
) -> pd.DataFrame:
    import pandas as pd

    from .status import all_statuses

    rows = []
    for s in all_statuses(dataset, as_of, agreement=agreement, party=party):
        p = dataset.provisions[s.provision_id]
        row = {
            "as_of": as_of.isoformat(),
            "agreement": s.agreement_id,
            "provision_id": p.id,
            "point": p.point,
            "clause": p.clause or "",
            "title": p.title,
            "category": p.category.value,
            "parties": "; ".join(p.parties),
            "obligation": p.obligation.value,
            "reading": p.reading.value,
            "status": s.status.value,
            "status_since": _iso(s.since),
            "derived_status": s.derived.status.value,
            "derived_since": _iso(s.derived_since),
            "assessed_status": s.assessment.status.value if s.assessment else "",
            "assessed_since": _iso(s.assessment.date) if s.assessment else "",
            "deadline": _iso(s.due.date) if s.due else (_iso(s.term.ended or s.term.end) if s.term else ""),
            "deadline_state": s.deadline_state.value,
            "evidence_count": len(s.evidence_ids),
            # Methodology v2: freshness and supersession, beside the status (never part of it).
            "latest_claim": _iso(s.latest_claim),
            "stale": s.stale,
            "superseded_by": "; ".join(
                f"{x.provision_id} from {x.since}"
                + "".join(f", contested by {c.actor} from {c.from_}" for c in x.contested)
                for x in s.superseded_by
            ),
        }
        for stance in Stance:
            row[f"n_{stance.value}"] = s.counts.get(stance, 0)
        row["sides"] = "; ".join(s.sides)
        row["one_sided"] = s.one_sided  # one party only, no other party and no observer (methodology v2)
        row["one_party"] = s.one_party or ""
        row["reason_evidence"] = "; ".join(c.id for c in s.reasons)
        row["explanation"] = s.explain(dataset.actor_name)
        rows.append(row)
    return pd.DataFrame(rows)


KIND_LABELS = {
    EvidenceKind.QUOTE: "verbatim quote (checked against the stored article)",
    EvidenceKind.EVENT: "reported event (summary in our words; not checked against a stored text)",
}


def evidence_rows(dataset: Dataset, as_of: date | None = None) -> Iterator[dict[str, object]]:
    """The rows of the evidence table, one at a time, ordered by event date then id."""
    items = [
        item
        for item in dataset.evidence.values()
        if as_of is None or not isinstance(item.evidence.event_date, date) or item.evidence.event_date <= as_of
    ]
    # The order evidence_table always had (pandas' stable sort on the two text columns).
    items.sort(key=lambda item: (_iso(item.evidence.event_date), item.evidence.id))
    for item in items:
        yield _evidence_row(dataset, item)


def _evidence_row(dataset: Dataset, item: EvidenceItem) -> dict[str, object]:
    if item.is_event:
        return _row(item, None, "")
    source = dataset.sources[item.source_id or ""]
    return _row(item, source, dataset.article_files.get(source.id, source.text))


def _row(item: EvidenceItem, source: Source | None, article_file: str) -> dict[str, object]:
    """One row of the evidence table; `source` and `article_file` for a quote."""
    e = item.evidence
    row: dict[str, object] = {
        "evidence_id": e.id,
        "kind": item.kind.value,
        "kind_note": KIND_LABELS[item.kind],
        "provision_ids": "; ".join(e.provisions),
        "stance": e.stance.value,
        "claimant": e.claimant,
        "side": e.side,
        "concerns": "; ".join(e.concerns),
        "event_date": _iso(e.event_date),
        "date_precision": e.date_precision.value,
    }
    if isinstance(e, ReportedEvent):
        row |= {
            "verification": e.verification.value,
            "quote": "",
            "summary": e.summary,
            "quotation": e.quotation or "",
            "note": e.note or "",
            "source_id": "",
            "source_title": "",
            "outlet": e.outlet,
            "published": _iso(e.published),
            "url": " ".join(e.urls),
            "article_file": "",
            "article_line": "",
            "article_column": "",
            "char_start": "",
            "char_end": "",
        }
    else:
        assert source is not None  # a quote always has its source
        row |= {
            "verification": "quote found in article",
            "quote": e.quote,
            "summary": "",
            "quotation": "",
            "note": e.note or "",
            "source_id": source.id,
            "source_title": source.title,
            "outlet": source.outlet,
            "published": _iso(source.published),
            "url": source.url or "",
            "article_file": article_file,
            "article_line": item.span.line if item.span else "",
            "article_column": item.span.column if item.span else "",
            "char_start": item.span.start if item.span else "",
            "char_end": item.span.end if item.span else "",
        }
    return row


def evidence_table(dataset: Dataset, as_of: date | None = None) -> pd.DataFrame:
    """Every piece of evidence (dated on or before `as_of`, and all undated ones) with its source and place."""
    import pandas as pd

    return pd.DataFrame(list(evidence_rows(dataset, as_of)))


_NOWHERE = Location("", 0, 0)  # the rows do not show where a passage is written


def write_evidence_csv_from_files(files: Iterable[CheckedFile], as_of: date | None, out: BinaryIO) -> int:
    """What write_evidence_csv writes, byte for byte, from the files of a data root known to be valid
    (store.valid_files), one at a time: only the rows, each already CSV text, are held until they are
    sorted, not the loaded dataset (at 100k passages about 40 MB instead of about 480 MB)."""
    lines: list[tuple[tuple[str, str], str]] = []
    columns: list[str] | None = None
    sink: list[str] = []
    writer = csv.writer(_Appender(sink), lineterminator="\r\n")

    def add(item: EvidenceItem, source: Source | None, article_file: str) -> None:
        nonlocal columns
        e = item.evidence
        if as_of is not None and isinstance(e.event_date, date) and e.event_date > as_of:
            return
        row = _row(item, source, article_file)
        if columns is None:
            columns = list(row)  # every row has the same columns, in the same order
        writer.writerow([neutralise(row[c]) for c in columns])
        lines.append(((_iso(e.event_date), e.id), sink.pop()))

    for file in files:
        parsed = file.parsed
        if parsed.model is SourceFile:
            source = parsed.parts["source"]
            for _, passage in parsed.parts.get("evidence", ()):
                if not passage.unconfirmed:  # suggestions not confirmed are not evidence (store.Dataset)
                    add(
                        EvidenceItem(passage, source.id, file.find(passage.quote), _NOWHERE),
                        source,
                        file.article_file or "",
                    )
        elif parsed.model is EventsFile:
            for _, event in parsed.parts.get("events", ()):
                add(EvidenceItem(event, None, None, _NOWHERE), None, "")
    lines.sort(key=lambda line: line[0])  # ids are unique in valid data: the order of evidence_rows
    text = io.TextIOWrapper(out, encoding=CSV_ENCODING, newline="", write_through=True)
    try:
        if columns is None:
            text.write("\r\n")  # what write_rows_csv writes for no rows
        else:
            csv.writer(text, lineterminator="\r\n").writerow(columns)
            for _, line in lines:
                text.write(line)
        text.flush()
    finally:
        text.detach()
    return len(lines)


class _Appender:
    """A file-like object whose writes are appended to a list (each csv row as one string)."""

    def __init__(self, sink: list[str]):
        self.write = sink.append


def write_evidence_csv(dataset: Dataset, as_of: date | None, out: BinaryIO) -> int:
    """The evidence table as CSV, byte for byte what csv_bytes(evidence_table(...)) gives, written row by
    row: at 100k passages the DataFrame and its CSV text took about 440 MB on top of the loaded data.
    Returns the number of rows."""
    return write_rows_csv(evidence_rows(dataset, as_of), out)


def write_rows_csv(rows: Iterable[Mapping[str, object]], out: BinaryIO, columns: Sequence[str] | None = None) -> int:
    """Rows (dicts) as CSV that a spreadsheet opens safely (BOM, formula-like cells neutralised), one at a
    time. The header is `columns`, else the first row's keys; None is an empty cell. Shared by the
    evidence export and `tracker release`, so that every CSV the tracker writes is written one way."""
    text = io.TextIOWrapper(out, encoding=CSV_ENCODING, newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")  # pandas' to_csv uses the csv module's minimal quoting
    count = 0
    try:
        if columns is not None:
            writer.writerow(columns)
        for row in rows:
            if count == 0 and columns is None:
                columns = list(row)
                writer.writerow(columns)
            writer.writerow([neutralise(row[c]) for c in columns])  # type: ignore[union-attr]  # set just above
            count += 1
        if columns is None:
            text.write("\r\n")  # what pandas writes for a table with no rows and no columns
        text.flush()
    finally:
        text.detach()  # leave `out` open for the caller, even on an error
    return count


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text with formula-like cells neutralised."""
    return frame.map(neutralise).to_csv(index=False, lineterminator="\r\n")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return to_csv(frame).encode(CSV_ENCODING)
