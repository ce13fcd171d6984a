"""Adding an article and the passages quoted from it, from code: the library behind
`tracker add-source`, `tracker add-evidence`, `tracker confirm` and `suggest --write`, and what the
dashboard calls.

Every write is checked first the way `tracker validate` checks (schema, ids, references, the quote
against its article, dates), is made by text insertion that keeps the file's comments and layout
(`tracker.yamledit`), is atomic, and is refused if the file changed on disk since it was read. After
the write the whole data root is loaded again; should that reveal a problem the write introduced,
the file is put back as it was and the problem raised. Problems are raised as
`tracker.problems.InvalidData`, located at `file:line:column` (for a new passage, where it would be).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from . import quotes
from .atomic import ABSENT, FileChanged, ReadToken, write_atomic
from .models import DatePrecision, Evidence, Stance
from .problems import InvalidData, Problem, closest, display_path
from .store import Dataset, load
from .yamledit import EditError, YamlFile, append_item, model_problems, remove_key, render_mapping_lines, set_key
from .yamlsource import Document, KeyPath, parse_text

__all__ = [
    "EVIDENCE_FIELDS",
    "FileChanged",
    "QuoteNotFound",
    "add_evidence",
    "add_evidence_items",
    "add_source",
    "confirm_evidence",
    "decode_article",
    "evidence_item",
    "next_evidence_id",
    "source_file",
]

EVIDENCE_FIELDS = [f.alias or name for name, f in Evidence.model_fields.items()]
_SOURCE_SCHEMA = "# yaml-language-server: $schema=../schemas/source.schema.json"
_STOP = {"a", "an", "the", "of", "to", "in", "on", "and", "for", "at", "by", "with", "is", "are", "as"}


class QuoteNotFound(InvalidData):
    """The quote is not in the article; `nearest` is the closest passage, if any is close."""

    def __init__(self, problems: list[Problem], nearest: quotes.NearMatch | None):
        self.nearest = nearest
        super().__init__(problems)


# --------------------------------------------------------------------------- sources


def decode_article(data: bytes | str, encoding: str | None = None) -> str:
    """The article as text. Bytes are read as `encoding`, else as UTF-8 (UTF-16/32 with a byte-order
    mark too); a leading byte-order mark is dropped. Nothing else changes, line breaks included."""
    if isinstance(data, str):
        text = data
    elif encoding:
        text = data.decode(encoding)
    else:
        for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
            if data.startswith(bom):
                text = data.decode(name)
                break
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"the text is not UTF-8 (byte {exc.start}); give its encoding, e.g. --encoding cp1252"
                ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValueError("the article text is empty")
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


def add_source(
    root: Path,
    text: str | bytes,
    *,
    title: str,
    outlet: str,
    published: date | str,
    url: str | None = None,
    language: str = "en",
    source_id: str | None = None,
    byline: str | None = None,
    note: str | None = None,
    encoding: str | None = None,
    today: date | None = None,
) -> str:
    """Store an article and its metadata; return the new source id.

    Writes `evidence/articles/NNN_<sha256 prefix>.txt` (the text in UTF-8, otherwise exactly as
    given) and `evidence/<id>.yaml` (the source, with an empty `evidence:` list). The id is
    `source_id`, else made from the title. Refuses (InvalidData) an invalid field, an id already
    used, a text already stored, or a publication date in the future; ValueError for text that
    cannot be decoded.
    """
    root = Path(root)
    body = decode_article(text, encoding).encode("utf-8")
    dataset, _ = load(root, today=today)
    for sid, stored in dataset.articles.items():
        if stored.encode("utf-8") == body:
            raise _root_problem(root, f"this text is already stored as source '{sid}' ({dataset.article_files[sid]})")
    evidence_dir = root / "evidence"
    taken = set(dataset.sources) | {p.stem for p in evidence_dir.glob("*.y*ml")}
    if source_id is None:
        base = slug(title)
        source_id, n = base, 2
        while source_id in taken:
            source_id, n = f"{base}-{n}", n + 1
    elif source_id in taken:
        raise _root_problem(root, f"source id '{source_id}' is already used; choose another with --id")
    articles = evidence_dir / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    article = articles / _article_name(articles, body)
    fields: dict[str, Any] = {"id": source_id, "title": title, "outlet": outlet, "published": _parse_date(published)}
    if byline:
        fields["byline"] = byline
    if url:
        fields["url"] = url
    fields |= {"language": language, "text": f"articles/{article.name}"}
    if note:
        fields["note"] = note
    yaml_path = evidence_dir / f"{source_id}.yaml"
    lines = [
        _SOURCE_SCHEMA,
        f"# Added with `tracker add-source`. Quotes must be verbatim from articles/{article.name}.",
        "source:",
        *render_mapping_lines(fields, 2),
        "evidence: []",
    ]
    yaml_text = "\n".join(lines) + "\n"
    new_file = YamlFile(yaml_path, "", ABSENT)
    doc = new_file.check(yaml_text)  # schema: located InvalidData before anything is written
    when = fields["published"]
    today = today or date.today()
    if isinstance(when, date) and when > today:
        raise InvalidData([doc.problem(("source", "published"), f"publication date {when} is in the future")])
    before = _problem_set(load(root, today=today)[1])
    write_atomic(article, body, expect=ABSENT)
    try:
        new_file.save(yaml_text)
    except BaseException:
        article.unlink(missing_ok=True)
        raise
    written = [(yaml_path, new_file.token), (article, ReadToken.of(article, body))]
    _verify_or_undo(root, before, written, {yaml_path: None, article: None}, today)
    return source_id


def source_file(dataset: Dataset, source_id: str) -> Path:
    """The YAML file that defines `source_id` (InvalidData if there is none)."""
    where = dataset.where.get(("source", source_id))
    if where is None:
        near = closest(source_id, dataset.sources)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        known = "" if near or not dataset.sources else f"; known sources: {', '.join(dataset.sources)}"
        raise _root_problem(dataset.root, f"unknown source '{source_id}'{hint}{known}")
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


def _quote_problem(doc: Document, loc: KeyPath, quote: str, article: str, file: str) -> tuple[Problem, Any]:
    # The same wording as `tracker validate`, so an analyst sees one message in both places.
    message = f"quote not found in {file}"
    near = quotes.nearest(quote, article)
    if near is not None:
        passage = near.text if len(near.text) <= 240 else near.text[:237] + "..."
        message += f'; closest passage (line {near.line}, {near.score:.0f}% similar): "{passage}"'
        if near.difference:
            message += f" — {near.difference}"
    return doc.problem(loc, message), near


def _ref_problem(doc: Document, loc: KeyPath, kind: str, ident: str, known: Iterable[str]) -> Problem | None:
    known = list(known)
    if ident in known:
        return None
    near = closest(ident, known)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    if not near and len(known) <= 12:
        hint = f"; known {kind} ids: {', '.join(known)}"
    return doc.problem(loc, f"unknown {kind} '{ident}'{hint}")


def check_item(
    dataset: Dataset, source_id: str, doc: Document, index: int, *, today: date | None = None, new_id: bool = True
) -> tuple[list[Problem], Any]:
    """Problems of passage `index` of `doc` (a source file whose schema is valid), checked as
    `tracker validate` would; and the nearest passage when its quote is not in the article."""
    today = today or date.today()
    problems: list[Problem | None] = []
    loc: KeyPath = ("evidence", index)
    item = Evidence.model_validate(doc.data["evidence"][index])
    used = {ident for kind, ident in dataset.where if kind == "evidence"}
    if new_id and item.id in used:
        where = dataset.where[("evidence", item.id)]
        problems.append(doc.problem((*loc, "id"), f"duplicate evidence id '{item.id}': already defined at {where}"))
    for j, pid in enumerate(item.provisions):
        problems.append(_ref_problem(doc, (*loc, "provisions", j), "provision", pid, dataset.provisions))
    problems.append(_ref_problem(doc, (*loc, "side"), "actor", item.side, dataset.actors))
    for j, actor in enumerate(item.concerns):
        problems.append(_ref_problem(doc, (*loc, "concerns", j), "actor", actor, dataset.actors))
    near = None
    article = dataset.articles.get(source_id)
    if article is not None and quotes.find(item.quote, article) is None:
        problem, near = _quote_problem(doc, (*loc, "quote"), item.quote, article, dataset.article_files[source_id])
        problems.append(problem)
    if isinstance(item.event_date, date):
        if item.event_date > today:
            problems.append(
                doc.problem((*loc, "event_date"), f"event date {item.event_date} is in the future (today is {today})")
            )
        for pid in item.provisions:
            agreement_id = dataset.provision_agreement.get(pid)
            if agreement_id and item.event_date < dataset.agreements[agreement_id].date:
                signed = dataset.agreements[agreement_id].date
                problems.append(
                    doc.problem(
                        (*loc, "event_date"),
                        f"event date {item.event_date} is before {agreement_id} was signed ({signed}), "
                        f"so it cannot bear on {pid}",
                    )
                )
                break
    return [p for p in problems if p is not None], near


def _problem_set(problems: Iterable[Problem]) -> set[tuple[str, str]]:
    # Compared without line numbers: an insertion moves the lines of problems below it.
    return {(p.file, p.message) for p in problems}


def _verify_or_undo(
    root: Path,
    before: set[tuple[str, str]],
    written: list[tuple[Path, ReadToken]],
    originals: dict[Path, str | None],
    today: date | None,
) -> None:
    """Load the root again; if the write introduced a problem, restore the files and raise it."""
    after = load(root, today=today)[1]
    new = [p for p in after if (p.file, p.message) not in before]
    if not new:
        return
    for path, token in written:
        original = originals.get(path)
        try:
            if original is None:
                if ReadToken.of(path) == token:
                    path.unlink()
            else:
                write_atomic(path, original.encode("utf-8"), expect=token)
        except (OSError, FileChanged):
            pass  # someone else changed it since: leave their version and report
    raise InvalidData(new)


def _save_checked(
    root: Path,
    path: Path,
    yfile: YamlFile,
    text: str,
    found: list[Problem],
    nearest: Any,
    problems: list[Problem],
    today: date | None,
) -> None:
    """Refuse the edit if its check `found` problems; else write it, and undo it if the reloaded
    root has a problem it did not have before."""
    if found:
        if all(p.message.startswith("quote not found") for p in found):
            raise QuoteNotFound(found, nearest)
        raise InvalidData(found)
    before = _problem_set(problems)
    original = yfile.text
    yfile.save(text)
    _verify_or_undo(root, before, [(path, yfile.token)], {path: original}, today)


def _target(dataset: Dataset, problems: list[Problem], source_id: str) -> tuple[Path, YamlFile]:
    path = source_file(dataset, source_id)
    name = display_path(path)
    own = [p for p in problems if p.file == name]
    if own:
        raise InvalidData(own)  # fix the file first: an edit on top of a broken file could hide why
    return path, YamlFile.read(path)


def add_evidence_items(root: Path, source_id: str, items: Sequence[dict[str, Any]], *,
                       today: date | None = None) -> list[str]:
    """Append passages (dicts of Evidence fields; a missing `id` is given the next free one) to the
    file of `source_id` in one atomic write; return their ids. All or nothing: InvalidData with
    every problem (QuoteNotFound when the only problems are quotes not in the article)."""
    root = Path(root)
    dataset, problems = load(root, today=today)
    path, yfile = _target(dataset, problems, source_id)
    doc, parse_problems = parse_text(yfile.text, path)
    if parse_problems:
        raise InvalidData(parse_problems)
    existing = doc.data.get("evidence") or []
    in_file = [e.get("id", "") for e in existing if isinstance(e, dict)]
    text = yfile.text
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
    new_doc = _parsed_and_valid(text, path)
    found: list[Problem] = []
    nearest = None
    for index in range(len(existing), len(existing) + len(items)):
        item_problems, near = check_item(dataset, source_id, new_doc, index, today=today)
        found += item_problems
        nearest = nearest or near
    duplicates = _duplicates(new_doc, len(existing))
    found += duplicates
    _save_checked(root, path, yfile, text, found, nearest, problems, today)
    return ids


def _parsed_and_valid(text: str, path: Path) -> Document:
    """The edited file parsed; InvalidData with its schema problems (the file was valid before the
    edit, so they are the new passage's)."""
    doc, problems = parse_text(text, path)
    if not problems:
        problems = model_problems(doc)
    if problems:
        raise InvalidData(problems)
    return doc


def _duplicates(doc: Document, first_new: int) -> list[Problem]:
    """A new passage identical to one already in the file (same quote, provisions and stance)."""
    entries = doc.data.get("evidence") or []

    def key(e: dict[str, Any]) -> tuple[str, frozenset[str], str]:
        return quotes.canonical(str(e.get("quote", ""))), frozenset(map(str, e.get("provisions") or [])), str(
            e.get("stance")
        )

    seen = {key(e): e.get("id") for e in entries[:first_new] if isinstance(e, dict)}
    problems = []
    for i in range(first_new, len(entries)):
        k = key(entries[i])
        if k in seen:
            problems.append(
                doc.problem(("evidence", i, "quote"), f"the same quote, provisions and stance are already {seen[k]}")
            )
        seen.setdefault(k, entries[i].get("id"))
    return problems


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
    unknown = sorted(set(changes) - (set(EVIDENCE_FIELDS) - {"id", "unconfirmed"}))
    if unknown:
        raise TypeError(f"cannot set {', '.join(unknown)} when confirming")
    dataset, problems = load(root, today=today)
    item = dataset.unconfirmed.get(evidence_id)
    if item is None:
        if evidence_id in dataset.evidence:
            raise _root_problem(root, f"evidence '{evidence_id}' is already confirmed")
        near = closest(evidence_id, dataset.unconfirmed)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise _root_problem(root, f"no unconfirmed evidence '{evidence_id}'{hint}")
    assert item.source_id is not None
    path, yfile = _target(dataset, problems, item.source_id)
    doc, _ = parse_text(yfile.text, path)
    index = next(i for i, e in enumerate(doc.data["evidence"]) if isinstance(e, dict) and e.get("id") == evidence_id)
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
    new_doc = _parsed_and_valid(text, path)
    found, nearest = check_item(dataset, item.source_id, new_doc, index, today=today, new_id=False)
    _save_checked(root, path, yfile, text, found, nearest, problems, today)
