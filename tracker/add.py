"""Adding an article and the passages quoted from it, from code: the library behind
`tracker add-source`, `tracker add-evidence`, `tracker confirm` and `suggest --write`, and what the
dashboard calls. This module only builds edits; checking them is `tracker.validate`'s.

Every write holds the data root's lock (`atomic.data_lock`) from the first read to the last rename;
builds the new text by insertion that keeps the file's comments and layout (`tracker.yamledit`);
loads the whole data root with the edited text in memory in place of the file (an overlay), exactly
as `tracker validate` would load the result, and refuses the edit if that shows a problem the data
did not have before; only then writes, atomically, refusing if the file changed on disk since it
was read. Problems are raised as `tracker.errors.InvalidData`, located at `file:line:column` (for a
new passage, where it will be).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypedDict, Unpack

from . import quotes
from .atomic import ABSENT, ReadToken, data_lock, write_atomic
from .errors import BadInput, EditError, FileChanged, FileSystemError, InvalidData, QuoteNotFound
from .models import DatePrecision, Evidence, Stance
from .problems import Problem, display_path
from .store import Dataset, load
from .validate.hints import unknown
from .yamledit import YamlFile, append_item, remove_key, render_mapping_lines, set_key
from .yamlsource import parse_text

__all__ = [
    "EVIDENCE_FIELDS",
    "FileChanged",
    "QuoteNotFound",
    "SourceFields",
    "add_evidence",
    "add_evidence_items",
    "add_source",
    "add_source_with_evidence",
    "confirm_evidence",
    "decode_article",
    "evidence_item",
    "next_evidence_id",
    "source_file",
]

EVIDENCE_FIELDS = [f.alias or name for name, f in Evidence.model_fields.items()]
_SOURCE_SCHEMA = "# yaml-language-server: $schema=../schemas/source.schema.json"
_STOP = {"a", "an", "the", "of", "to", "in", "on", "and", "for", "at", "by", "with", "is", "are", "as"}


# --------------------------------------------------------------------------- sources


def decode_article(data: bytes | str, encoding: str | None = None) -> str:
    """The article as text. Bytes are read as `encoding`, else as UTF-8 (UTF-16/32 with a byte-order
    mark too); a leading byte-order mark is dropped. Nothing else changes, line breaks included."""
    if isinstance(data, str):
        text = data
    elif encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise BadInput(f"unknown encoding '{encoding}'; give one such as utf-8 or cp1252") from None
        except UnicodeDecodeError as exc:
            raise BadInput(f"the text is not {encoding} (byte {exc.start}); give its encoding") from None
    else:
        for bom, name in (
            (codecs.BOM_UTF32_LE, "utf-32"),
            (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF8, "utf-8"),
            (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"),
        ):
            if data.startswith(bom):
                text = data.decode(name)
                break
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadInput(
                    f"the text is not UTF-8 (byte {exc.start}); give its encoding, e.g. --encoding cp1252"
                ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise BadInput("the article text is empty")
    return text


def slug(title: str, max_words: int = 6) -> str:
    """A source id from a title: 'Lavrov Says Russia “Committed”…' -> 'lavrov-says-russia-committed'."""
    folded = unicodedata.normalize("NFKD", title.replace("\u0259", "e").replace("\u0131", "i"))
    words = re.findall(r"[a-z0-9]+", "".join(c for c in folded if not unicodedata.combining(c)).lower())
    kept = [w for w in words if w not in _STOP][:max_words] or ["source"]
    return "-".join(kept)[:60].strip("-")


def _article_name(folder: Path, data: bytes) -> str:
    numbers = [int(m.group(1)) for p in folder.glob("*.txt") if (m := re.match(r"^(\d+)_", p.name))]
    return f"{max(numbers, default=-1) + 1:03d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"


def _parse_date(value: date | str) -> date | str:
    if isinstance(value, date) or value == "unknown":
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return str(value)  # left for validation to report, located


def _root_problem(root: Path, message: str) -> InvalidData:
    return InvalidData([Problem(display_path(root / "evidence"), 1, 1, message)])


class _SourceRequired(TypedDict):
    # Required keys in a base class rather than Required[...]: this module's annotations are strings,
    # in which the runtime cannot see Required (and __required_keys__ is checked below).
    title: str
    outlet: str
    published: date | str


class SourceFields(_SourceRequired, total=False):
    """What describes a new source, for add_source and add_source_with_evidence (the CLI's
    add-source options). Left out: no url, byline or note; language "en"; the id made from the
    title; the text read as UTF-8; `today` the real date."""

    url: str | None
    language: str
    source_id: str | None
    byline: str | None
    note: str | None
    encoding: str | None
    today: date | None


def add_source(root: Path, text: str | bytes, **fields: Unpack[SourceFields]) -> str:
    """Store an article and its metadata; return the new source id.

    Writes `evidence/articles/NNN_<sha256 prefix>.txt` (the text in UTF-8, otherwise exactly as
    given) and `evidence/<id>.yaml` (the source, with an empty `evidence:` list). The id is
    `source_id`, else made from the title. Refuses (InvalidData) an invalid field, an id already
    used, a text already stored, or a publication date in the future; BadInput for text that
    cannot be decoded.
    """
    return add_source_with_evidence(root, text, [], **fields)[0]


def add_source_with_evidence(
    root: Path, text: str | bytes, items: Sequence[dict[str, Any]], **fields: Unpack[SourceFields]
) -> tuple[str, list[str]]:
    """Store an article with passages quoted from it, all or nothing: the article is stored only if
    its source and every passage validate (the dashboard stores a pasted article only when a passage
    from it is saved). Returns the source id and the passages' ids. See add_source and add_evidence_items."""
    # What a signature with these keyword arguments would refuse (mypy checks typed callers; this, the rest).
    known = SourceFields.__required_keys__ | SourceFields.__optional_keys__
    if wrong := sorted(set(fields) - known) + sorted(SourceFields.__required_keys__ - set(fields)):
        raise TypeError(f"add_source: unexpected or missing field(s): {', '.join(wrong)}")
    title, source_id, today = fields["title"], fields.get("source_id"), fields.get("today")
    root = Path(root)
    body = decode_article(text, fields.get("encoding")).encode("utf-8")
    with data_lock(root):
        dataset, problems = load(root, today=today)
        for sid, stored in dataset.articles.items():
            if stored.encode("utf-8") == body:
                raise _root_problem(
                    root, f"this text is already stored as source '{sid}' ({dataset.article_files[sid]})"
                )
        evidence_dir = root / "evidence"
        taken = set(dataset.sources) | {p.stem for p in _glob(evidence_dir, "*.y*ml")}
        if source_id is None:
            base = slug(title)
            source_id, n = base, 2
            while source_id in taken:
                source_id, n = f"{base}-{n}", n + 1
        elif source_id in taken:
            raise _root_problem(root, f"source id '{source_id}' is already used; choose another with --id")
        articles = evidence_dir / "articles"
        article = articles / _article_name(articles, body)
        entry: dict[str, Any] = {
            "id": source_id,
            "title": title,
            "outlet": fields["outlet"],
            "published": _parse_date(fields["published"]),
        }
        for optional in ("byline", "url"):
            if fields.get(optional):
                entry[optional] = fields.get(optional)
        entry |= {"language": fields.get("language", "en"), "text": f"articles/{article.name}"}
        if fields.get("note"):
            entry["note"] = fields.get("note")
        yaml_path = evidence_dir / f"{source_id}.yaml"
        lines = [
            _SOURCE_SCHEMA,
            f"# Added with `tracker add-source`. Quotes must be verbatim from articles/{article.name}.",
            "source:",
            *render_mapping_lines(entry, 2),
            "evidence: []",
        ]
        yaml_text = "\n".join(lines) + "\n"
        ids: list[str] = []
        if items:
            yaml_text, ids = _append_items(yaml_text, yaml_path, dataset, [], items, root)
        writes = {article: (body, ABSENT), yaml_path: (yaml_text.encode("utf-8"), ABSENT)}
        _check(root, dataset, problems, writes, today, _quotes_of(items), body.decode("utf-8"))
        try:
            articles.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileSystemError.of(exc, articles, "create") from None
        write_atomic(article, body, expect=ABSENT)
        try:
            write_atomic(yaml_path, writes[yaml_path][0], expect=ABSENT)
        except BaseException:
            article.unlink(missing_ok=True)
            raise
    return source_id, ids


def _glob(folder: Path, pattern: str) -> list[Path]:
    try:
        return list(folder.glob(pattern))
    except OSError as exc:
        raise FileSystemError.of(exc, folder, "read") from None


def source_file(dataset: Dataset, source_id: str) -> Path:
    """The YAML file that defines `source_id` (InvalidData if there is none)."""
    where = dataset.where.get(("source", source_id))
    if where is None:
        raise _root_problem(dataset.root, unknown("source", source_id, dataset.sources))
    path = Path(where.file)
    return path if path.is_absolute() else Path.cwd() / path


# --------------------------------------------------------------------------- evidence


def next_evidence_id(dataset: Dataset, in_file: Sequence[str] = (), taken: Iterable[str] = ()) -> str:
    """The next id in the file's block (E015 -> E016), or the first of a new hundred (E501) for a
    file with none yet, skipping every id already used anywhere."""
    used = {ident for kind, ident in dataset.where if kind == "evidence"} | set(dataset.evidence)
    used |= set(dataset.unconfirmed) | set(taken)
    mine = [int(m.group(1)) for i in in_file if (m := re.fullmatch(r"E(\d+)", i))]
    if mine:
        n = max(mine) + 1
    else:
        every = [int(m.group(1)) for i in used if (m := re.fullmatch(r"E(\d+)", i))]
        n = (max(every, default=0) // 100 + 1) * 100 + 1
    while f"E{n:03d}" in used:
        n += 1
    return f"E{n:03d}"


def evidence_item(
    *,
    evidence_id: str,
    quote: str,
    provisions: Sequence[str],
    stance: str,
    claimant: str,
    side: str,
    concerns: Sequence[str] = (),
    event_date: date | str,
    date_precision: str = "day",
    note: str | None = None,
    unconfirmed: bool = False,
) -> dict[str, Any]:
    """A passage as the YAML files write it: fields in schema order, defaults left out."""
    item: dict[str, Any] = {
        "id": evidence_id,
        "quote": quote,
        "provisions": list(provisions),
        "stance": str(stance),
        "claimant": claimant,
        "side": side,
        "concerns": list(concerns),
        "event_date": _parse_date(event_date),
    }
    if str(date_precision) != DatePrecision.DAY.value:
        item["date_precision"] = str(date_precision)
    if unconfirmed:
        item["unconfirmed"] = True
    if note:
        item["note"] = note
    return item


def _quotes_of(items: Sequence[dict[str, Any]]) -> list[str]:
    return [str(item.get("quote", "")) for item in items]


def _problem_set(problems: Iterable[Problem]) -> set[tuple[str, str]]:
    # Compared without line numbers: an insertion moves the lines of problems below it.
    return {(p.file, p.message) for p in problems}


def _check(
    root: Path,
    dataset: Dataset,
    problems: list[Problem],
    writes: dict[Path, tuple[bytes, ReadToken]],
    today: date | None,
    new_quotes: Sequence[str] = (),
    article: str | None = None,
) -> None:
    """Load the root with `writes` in place of the disk (an overlay) and refuse the edit if that shows
    a problem the data did not have: InvalidData, or QuoteNotFound (with the closest passage to the
    first quote not found) when every new problem is a quote not in its article."""
    before = _problem_set(problems)
    _, after = load(root, today=today, overlay={path: data for path, (data, _) in writes.items()})
    new = [p for p in after if (p.file, p.message) not in before]
    if not new:
        return
    if all(p.message.startswith("quote not found") for p in new):
        near = None
        if article is not None:
            missing = next((q for q in new_quotes if quotes.find(q, article) is None), None)
            near = quotes.nearest(missing, article) if missing else None
        raise QuoteNotFound(new, near)
    raise InvalidData(new)


def _target(dataset: Dataset, problems: list[Problem], source_id: str) -> tuple[Path, YamlFile]:
    path = source_file(dataset, source_id)
    name = display_path(path)
    own = [p for p in problems if p.file == name]
    if own:
        raise InvalidData(own)  # fix the file first: an edit on top of a broken file could hide why
    try:
        return path, YamlFile.read(path)
    except OSError as exc:
        raise FileSystemError.of(exc, path, "read") from None


def _append_items(
    text: str, path: Path, dataset: Dataset, in_file: list[str], items: Sequence[dict[str, Any]], root: Path
) -> tuple[str, list[str]]:
    """`text` with `items` appended to its `evidence:` list (a missing id given the next free one)."""
    ids: list[str] = []
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = next_evidence_id(dataset, in_file + ids, ids)
        elif item["id"] in ids:
            raise _root_problem(root, f"evidence id '{item['id']}' is given twice")
        ids.append(item["id"])
        ordered = {k: item[k] for k in EVIDENCE_FIELDS if k in item}
        ordered |= {k: v for k, v in item.items() if k not in ordered}  # unknown keys: validation says so
        try:
            text = append_item(text, "evidence", ordered)
        except EditError as exc:
            raise InvalidData([Problem(display_path(path), 1, 1, str(exc))]) from None
    return text, ids


def _save(
    root: Path,
    dataset: Dataset,
    problems: list[Problem],
    path: Path,
    yfile: YamlFile,
    text: str,
    today: date | None,
    new_quotes: Sequence[str],
    source_id: str,
) -> None:
    data = text.encode("utf-8")
    writes = {path: (data, yfile.token)}
    _check(root, dataset, problems, writes, today, new_quotes, dataset.articles.get(source_id))
    write_atomic(path, data, expect=yfile.token)


def add_evidence_items(
    root: Path, source_id: str, items: Sequence[dict[str, Any]], *, today: date | None = None
) -> list[str]:
    """Append passages (dicts of Evidence fields; a missing `id` is given the next free one) to the
    file of `source_id` in one atomic write; return their ids. All or nothing: InvalidData with
    every problem (QuoteNotFound when the only problems are quotes not in the article)."""
    root = Path(root)
    with data_lock(root):
        dataset, problems = load(root, today=today)
        path, yfile = _target(dataset, problems, source_id)
        doc, parse_problems = parse_text(yfile.text, path)
        if parse_problems:
            raise InvalidData(parse_problems)
        existing = doc.data.get("evidence") or []
        in_file = [e.get("id", "") for e in existing if isinstance(e, dict)]
        text, ids = _append_items(yfile.text, path, dataset, in_file, items, root)
        _save(root, dataset, problems, path, yfile, text, today, _quotes_of(items), source_id)
    return ids


def add_evidence(
    root: Path,
    source_id: str,
    *,
    quote: str,
    provisions: Sequence[str],
    stance: Stance | str,
    claimant: str,
    side: str,
    concerns: Sequence[str] = (),
    event_date: date | str,
    date_precision: DatePrecision | str = "day",
    note: str | None = None,
    unconfirmed: bool = False,
    evidence_id: str | None = None,
    today: date | None = None,
) -> str:
    """Append one quoted passage to the YAML file of `source_id`; return its id (the next free one
    unless `evidence_id` is given).

    Validated before it is written, as `tracker validate` would check it; written atomically,
    keeping the file's comments and layout; refused if the file changed on disk meanwhile
    (atomic.FileChanged). Raises InvalidData with located problems — QuoteNotFound, carrying the
    closest passage in its message and in `.nearest`, when the quote is not in the article.
    """
    item = evidence_item(
        evidence_id=evidence_id or "",
        quote=quote,
        provisions=provisions,
        stance=str(stance),
        claimant=claimant,
        side=side,
        concerns=concerns,
        event_date=event_date,
        date_precision=str(date_precision),
        note=note,
        unconfirmed=unconfirmed,
    )
    return add_evidence_items(root, source_id, [item], today=today)[0]


def confirm_evidence(root: Path, evidence_id: str, *, today: date | None = None, **changes: Any) -> None:
    """Confirm an unconfirmed (suggested) passage: set any of its fields given in `changes`
    (quote, provisions, stance, claimant, side, concerns, event_date, date_precision, note), then
    remove its `unconfirmed: true`, so that it counts toward statuses. Checked and written like
    add_evidence; InvalidData if it is not unconfirmed, or if the result is invalid."""
    root = Path(root)
    unknown_fields = sorted(set(changes) - (set(EVIDENCE_FIELDS) - {"id", "unconfirmed"}))
    if unknown_fields:
        raise BadInput(f"cannot set {', '.join(unknown_fields)} when confirming")
    with data_lock(root):
        dataset, problems = load(root, today=today)
        item = dataset.unconfirmed.get(evidence_id)
        if item is None:
            if evidence_id in dataset.evidence:
                raise _root_problem(root, f"evidence '{evidence_id}' is already confirmed")
            raise _root_problem(root, "no " + unknown("unconfirmed evidence", evidence_id, dataset.unconfirmed)[8:])
        assert item.source_id is not None
        path, yfile = _target(dataset, problems, item.source_id)
        doc, _ = parse_text(yfile.text, path)
        index = next(
            i for i, e in enumerate(doc.data["evidence"]) if isinstance(e, dict) and e.get("id") == evidence_id
        )
        text = yfile.text
        try:
            for name, value in changes.items():
                if value is None:
                    continue
                if name == "event_date":
                    value = _parse_date(value)
                elif isinstance(value, (tuple, list)):
                    value = [str(v) for v in value]
                elif not isinstance(value, date):
                    value = str(value)
                text = set_key(text, ("evidence", index, name), value, order=EVIDENCE_FIELDS, quote=name == "quote")
            text = remove_key(text, ("evidence", index, "unconfirmed"))
        except EditError as exc:
            raise InvalidData([Problem(display_path(path), *doc.position(("evidence", index)), str(exc))]) from None
        new_quotes = [str(changes["quote"])] if changes.get("quote") else []
        _save(root, dataset, problems, path, yfile, text, today, new_quotes, item.source_id)
