"""Loads a data root (provisions/ and evidence/) into a checked `Dataset`, collecting every
problem in one pass: schema errors, broken references, duplicate ids, quotes not in their
article, and impossible dates."""

from __future__ import annotations

import contextlib
import hashlib
import os
import types
import typing
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import quotes
from .gcpause import collector_paused
from .models import (
    FILE_MODELS,
    Actor,
    ActorsFile,
    Agreement,
    AgreementFile,
    AliasesFile,
    Assessment,
    AssessmentsFile,
    EventsFile,
    Evidence,
    EvidenceKind,
    Provision,
    ReportedEvent,
    Source,
    SourceFile,
    Supersession,
)
from .problems import InvalidData, Problem, closest, did_you_mean, display_path
from .yamlsource import Document, KeyPath, parse_bytes, read_bytes

DATA_DIRS = ("provisions", "evidence")
# Folding an article for the quote search costs up to about 0.07 s and 6 MB of memory per MB of text
# (measured on hostile text made of whitespace runs; prose is cheaper): 16 MB keeps the worst case near
# a second and 100 MB. Articles are a few kilobytes.
MAX_ARTICLE_BYTES = 16 * 1024 * 1024


def default_root() -> Path:
    """$TRACKER_ROOT, else the repository this package lives in, else the working directory."""
    env = os.environ.get("TRACKER_ROOT")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    if (repo / "provisions").is_dir():
        return repo
    return Path.cwd()


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class EvidenceItem:
    """A piece of evidence with where it was read: a verbatim quote with its source and its place in
    the article text, or a reported event (no stored text, so no source id and no span)."""

    evidence: Evidence | ReportedEvent
    source_id: str | None
    span: quotes.Span | None
    where: Location

    @property
    def id(self) -> str:
        return self.evidence.id

    @property
    def kind(self) -> EvidenceKind:
        return EvidenceKind.EVENT if isinstance(self.evidence, ReportedEvent) else EvidenceKind.QUOTE

    @property
    def is_event(self) -> bool:
        return isinstance(self.evidence, ReportedEvent)

    @property
    def dated(self) -> bool:
        return isinstance(self.evidence.event_date, date)


@dataclass
class Dataset:
    root: Path
    actors: dict[str, Actor] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    provisions: dict[str, Provision] = field(default_factory=dict)
    provision_agreement: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    articles: dict[str, str] = field(default_factory=dict)
    article_files: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, EvidenceItem] = field(default_factory=dict)
    # Suggested passages not yet confirmed by an analyst: checked like the rest, never counted.
    unconfirmed: dict[str, EvidenceItem] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assessments: dict[str, Assessment] = field(default_factory=dict)
    where: dict[tuple[str, str], Location] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    _by_provision: dict[str, list[EvidenceItem]] = field(default_factory=dict, repr=False)
    # The status engine's per-provision timelines (tracker/status.py), made on first use.
    _timelines: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _quote_count: int | None = field(default=None, repr=False)

    def agreement_of(self, provision_id: str) -> Agreement:
        return self.agreements[self.provision_agreement[provision_id]]

    def evidence_for(self, provision_id: str) -> list[EvidenceItem]:
        if not self._by_provision and self.evidence:
            index: dict[str, list[EvidenceItem]] = defaultdict(list)
            for item in self.evidence.values():
                for pid in item.evidence.provisions:
                    index[pid].append(item)
            self._by_provision = dict(index)
        return self._by_provision.get(provision_id, [])

    def assessments_for(self, provision_id: str) -> list[Assessment]:
        return [a for a in self.assessments.values() if a.provision == provision_id]

    def actor_name(self, actor_id: str) -> str:
        actor = self.actors.get(actor_id)
        return actor.name if actor else actor_id

    def summary(self) -> str:
        return (
            f"{len(self.agreements)} agreements, {len(self.provisions)} provisions, "
            f"{len(self.sources)} sources, {self.quote_count} quoted passages, "
            f"{len(self.evidence) - self.quote_count} reported events, {len(self.assessments)} assessments"
            + (f", {len(self.unconfirmed)} unconfirmed suggestions (not counted)" if self.unconfirmed else "")
        )

    @property
    def quote_count(self) -> int:
        if self._quote_count is None:  # the dataset is not changed once loaded
            self._quote_count = sum(1 for item in self.evidence.values() if not item.is_event)
        return self._quote_count


# --------------------------------------------------------------------------- entry points


def load(root: Path | None = None, *, today: date | None = None) -> tuple[Dataset, list[Problem]]:
    """Load and check everything under `root`; return the dataset and every problem found."""
    loader = _Loader(Path(root) if root is not None else default_root(), today or date.today())
    with collector_paused():
        loader.run()
    return loader.dataset, sorted(set(loader.problems))


def load_valid(root: Path | None = None, *, today: date | None = None) -> Dataset:
    """Load `root`, raising InvalidData (with every problem) unless it is entirely valid."""
    dataset, problems = load(root, today=today)
    if problems:
        raise InvalidData(problems)
    return dataset


def data_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for sub in DATA_DIRS:
        folder = root / sub
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return found


# --------------------------------------------------------------------------- schema errors


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp


def _model_at(model: type[BaseModel], loc: KeyPath) -> type[BaseModel] | None:
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(step, int):
            if typing.get_origin(current) is not list:
                return None
            current = typing.get_args(current)[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        if step not in fields:
            return None
        current = fields[step].annotation
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


def _schema_problem(error: Any, doc: Document, model: type[BaseModel]) -> Problem:
    loc: KeyPath = tuple(error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    name = next((str(s) for s in reversed(loc) if isinstance(s, str)), "value")
    where = ".".join(str(s) if isinstance(s, str) else f"[{s}]" for s in loc).replace(".[", "[")
    if kind == "missing":
        return doc.problem(loc[:-1], f"missing required field '{loc[-1]}' in {where.rsplit('.', 1)[0] or 'the file'}")
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        valid = field_names(parent) if parent else []
        hint = did_you_mean(str(loc[-1]), valid) or (f"; valid fields here: {', '.join(valid)}" if valid else "")
        return doc.problem(loc, f"unknown field '{loc[-1]}'{hint}", key=True)
    if kind == "enum":
        options = [o.strip(" '") for o in ctx.get("expected", "").replace(" or ", ", ").split(",")]
        hint = did_you_mean(str(value), options)
        return doc.problem(loc, f"'{value}' is not a valid {name}; expected one of: {', '.join(options)}{hint}")
    if kind in ("string_type", "str_type"):
        return doc.problem(loc, f"'{name}' should be text, got {_kind_of(value)}; put the value in quotes")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return doc.problem(loc, f"'{name}' should be a whole number, got {_kind_of(value)}")
    if kind == "bool_type" or kind == "bool_parsing":
        return doc.problem(loc, f"'{name}' should be true or false, got {_kind_of(value)}")
    if kind == "list_type":
        return doc.problem(loc, f"'{name}' should be a list (e.g. [a, b]), got {_kind_of(value)}")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return doc.problem(loc, f"'{name}' should be a mapping of fields, got {_kind_of(value)}")
    if kind == "too_short":
        if isinstance(value, str):
            return doc.problem(loc, f"'{name}' must not be empty")
        return doc.problem(loc, f"'{name}' needs at least {ctx.get('min_length', 1)} item(s)")
    if kind == "string_pattern_mismatch":
        if name == "language":
            return doc.problem(loc, f"'{value}' is not a language code; use a two- or three-letter code such as 'en'")
        if name == "within":
            return doc.problem(loc, f"'{value}' is not a period; write e.g. '1 month' or '3 years'")
        return doc.problem(
            loc,
            f"'{value}' is not a valid {name}: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        )
    if kind in ("greater_than", "greater_than_equal"):
        return doc.problem(loc, f"'{name}' {error['msg'].lower().replace('input ', '')}")
    message = error["msg"].removeprefix("Value error, ")
    return doc.problem(loc, f"{name}: {message}" if not message.startswith("'") else message)


def _validate(doc: Document, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    # A misspelt required field shows up twice (unknown 'categroy', missing 'category'): report it once.
    misspelt = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            parent = _model_at(model, tuple(e["loc"][:-1]))
            for name in closest(str(e["loc"][-1]), field_names(parent) if parent else [], n=1):
                misspelt.add((*e["loc"][:-1], name))
    kept = [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in misspelt)]
    return None, [_schema_problem(e, doc, model) for e in kept]


def _salvage(doc: Document, model: type[BaseModel]) -> dict[str, Any]:
    """The parts of an invalid file that are valid on their own, so cross-file checks still run."""
    parts: dict[str, Any] = {}
    if not isinstance(doc.data, dict):
        return parts
    for name, info in model.model_fields.items():
        tp = _unwrap(info.annotation)
        raw = doc.data.get(name)
        if typing.get_origin(tp) is list:
            item_model = _unwrap(typing.get_args(tp)[0])
            items = []
            for i, item in enumerate(raw if isinstance(raw, list) else []):
                try:
                    items.append((i, item_model.model_validate(item)))
                except ValidationError:
                    # Keep the id of an invalid item, so that references to it are not reported too.
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        parts.setdefault("_invalid_ids", []).append(item["id"])
                    # ... and the item itself, so its other fields are still checked in the same run.
                    if isinstance(item, dict):
                        parts.setdefault("_invalid_items", []).append((name, i, item))
            parts[name] = items
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            with contextlib.suppress(ValidationError):
                parts[name] = tp.model_validate(raw)
    return parts


# --------------------------------------------------------------------------- one file, and the cache


@dataclass(frozen=True)
class _Parsed:
    """What one file yields on its own, without looking at any other file (so it can be cached)."""

    doc: Document
    problems: tuple[Problem, ...]
    model: type[BaseModel] | None  # None when nothing in the file can be used
    parts: dict[str, Any] = field(default_factory=dict)


def _parse_document(doc: Document, problems: list[Problem]) -> _Parsed:
    if problems and doc.data is None:
        return _Parsed(doc, tuple(problems), None)
    if not isinstance(doc.data, dict):
        problem = doc.problem((), "expected a mapping with one of the top-level keys: " + ", ".join(FILE_MODELS))
        return _Parsed(doc, (*problems, problem), None)
    kinds = [k for k in FILE_MODELS if k in doc.data]
    if len(kinds) != 1:
        found = ", ".join(map(str, doc.data)) or "nothing"
        hint = ""
        for key in doc.data:
            hint = hint or did_you_mean(str(key), FILE_MODELS)
        problem = doc.problem(
            (),
            f"cannot tell what this file holds: expected exactly one of the "
            f"top-level keys {', '.join(FILE_MODELS)}, found {found}{hint}",
        )
        return _Parsed(doc, (*problems, problem), None)
    model = FILE_MODELS[kinds[0]]
    parsed, schema_problems = _validate(doc, model)
    parts: dict[str, Any]
    if parsed is not None:
        parts = {name: (list(enumerate(value)) if isinstance(value, list) else value) for name, value in parsed}
    else:
        parts = _salvage(doc, model)
    # Tuples: a cached result is shared by every later load and must not be changed by one of them.
    parts = {name: tuple(value) if isinstance(value, list) else value for name, value in parts.items()}
    # Loading needs, of every file, the place of each item and of its id; any other place only when a
    # problem is found there, which is rare enough to parse the file again for it.
    doc.release(_kept_position)
    return _Parsed(doc, (*problems, *schema_problems), model, parts)


def _kept_position(loc: KeyPath) -> bool:
    return len(loc) <= 2 or (len(loc) == 3 and loc[2] == "id")


# The files of the last root loaded, parsed and validated, so that loading again (the dashboard after
# an edit, `tracker` commands in one process) parses only the files that changed.
#
# Key: the path as given and the working directory (problems name files relative to it). Value:
# the BLAKE2b digest of the file's bytes and what they yielded. Every load reads every file and
# compares digests, so an entry is used only for the very bytes it was made from: an edit that
# keeps the size and the modification time (editors, `git checkout`, coarse file-system clocks, or
# os.utime) is still seen. Reading and hashing cost a few per cent of parsing. Each load replaces
# the cache with the entries of the files it read, so deleted files and other roots drop out and
# the cache never holds more than one root. Only per-file work is cached: the dataset and every
# check across files (ids, references, quotes in articles, dates) are redone on each load.
_cache: dict[tuple[str, str], tuple[bytes, _Parsed]] = {}


# Where each quote was found in each text (or that it was not), keyed by the quote and the digest of
# the text's bytes, so that loading again searches only for new quotes or in changed texts. Replaced
# on each load by the entries that load used.
_found: dict[tuple[str, bytes], quotes.Span | str | None] = {}
_NOT_SEEN: Any = object()


class _Finder:
    """Finds quotes in one text, folding it (quotes.Article) only if some quote was not seen before."""

    def __init__(self, text: str, digest: bytes, found: dict[tuple[str, bytes], quotes.Span | str | None]):
        self.text = text
        self.digest = digest
        self.found = found
        self._article: quotes.Article | None = None

    def find(self, quote: str) -> quotes.Span | None:
        key = (quote, self.digest)
        result = _found.get(key, _NOT_SEEN)  # one lookup: another thread's load may replace _found
        if result is _NOT_SEEN:
            if self._article is None:
                self._article = quotes.Article(self.text)
            try:
                result = self._article.find(quote)
            except quotes.QuoteTooCostly as exc:
                result = str(exc)  # why it was not looked for: see refusal()
        self.found[key] = result
        return None if isinstance(result, str) else result

    def refusal(self, quote: str) -> str | None:
        """Why `quote` could not be looked for, if it could not."""
        result = self.found.get((quote, self.digest))
        return result if isinstance(result, str) else None


def clear_cache() -> None:
    """Forget every parsed file and found quote (the next load reads, parses and searches everything)."""
    _cache.clear()
    _found.clear()


# --------------------------------------------------------------------------- the loader


class _Loader:
    def __init__(self, root: Path, today: date):
        self.root = root
        self.today = today
        self.dataset = Dataset(root=root)
        self.problems: list[Problem] = []
        self.docs: dict[str, Document] = {}
        # (kind, id) -> list of (doc, loc) where defined
        self.defined: dict[tuple[str, str], list[tuple[Document, KeyPath]]] = defaultdict(list)
        self.agreement_files: list[tuple[Document, Agreement | None, Sequence[tuple[int, Provision]]]] = []
        self.source_files: list[tuple[Document, Source | None, Sequence[tuple[int, Evidence]]]] = []
        self.assessment_items: list[tuple[Document, int, Assessment]] = []
        self.actor_items: list[tuple[Document, int, Actor]] = []
        self.event_items: list[tuple[Document, int, ReportedEvent]] = []
        # Items that failed the schema (already reported): their well-formed fields are still checked.
        self.invalid_items: list[tuple[Document, str, int, dict[str, Any]]] = []
        # Ids of items that failed validation: already reported, so references to them are not.
        self.invalid_ids: dict[str, set[str]] = defaultdict(set)
        self.cache: dict[tuple[str, str], tuple[bytes, _Parsed]] = {}
        self.found: dict[tuple[str, bytes], quotes.Span | str | None] = {}

    def run(self) -> None:
        if not (self.root / "provisions").is_dir():
            self.problems.append(
                Problem(
                    display_path(self.root),
                    1,
                    1,
                    "no provisions/ folder here; point --root at a data root that has provisions/ and evidence/",
                )
            )
            return
        for path in data_files(self.root):
            self.dataset.files.append(path)
            self._read(path)
        global _cache
        _cache = self.cache  # only this root's current files: see _cache
        self._register()
        self._order_by_date()
        self._check_references()
        self._check_lineage()
        self._check_invalid_items()
        self._check_texts()
        self._check_dates()
        global _found
        _found = self.found  # only the quotes and texts of this load: see _found

    # ----- reading

    def _parsed(self, path: Path) -> _Parsed:
        try:
            inside = path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):
            inside = False
        if not inside:  # a symbolic link, to something that is then not read
            message = f"this file points outside the data root ({display_path(self.root)}); keep data files inside it"
            return _Parsed(Document(path), (Problem(display_path(path), 1, 1, message),), None)
        raw, problem = read_bytes(path)
        if raw is None:
            assert problem is not None
            return _Parsed(Document(path), (problem,), None)
        key = (str(path), os.getcwd())
        digest = hashlib.blake2b(raw).digest()
        cached = _cache.get(key)
        if cached is None or cached[0] != digest:
            cached = (digest, _parse_document(*parse_bytes(raw, path)))
        self.cache[key] = cached
        return cached[1]

    def _read(self, path: Path) -> None:
        parsed = self._parsed(path)
        self.problems += parsed.problems
        if parsed.model is None:
            return
        doc, model, parts = parsed.doc, parsed.model, parsed.parts
        self.docs[doc.name] = doc
        item_kind = {"AgreementFile": "provision", "SourceFile": "evidence", "AssessmentsFile": "assessment",
                     "ActorsFile": "actor", "EventsFile": "evidence", "AliasesFile": "alias"}[model.__name__]
        self.invalid_ids[item_kind].update(parts.get("_invalid_ids", []))
        self.invalid_items += [(doc, name, i, raw) for name, i, raw in parts.get("_invalid_items", [])]
        if model is AgreementFile:
            self.agreement_files.append((doc, parts.get("agreement"), parts.get("provisions", [])))
        elif model is SourceFile:
            self.source_files.append((doc, parts.get("source"), parts.get("evidence", [])))
        elif model is AssessmentsFile:
            self.assessment_items += [(doc, i, a) for i, a in parts.get("assessments", [])]
        elif model is ActorsFile:
            self.actor_items += [(doc, i, a) for i, a in parts.get("actors", [])]
        elif model is EventsFile:
            self.event_items += [(doc, i, e) for i, e in parts.get("events", [])]
        elif model is AliasesFile:
            for _, alias in parts.get("aliases", []):
                self.dataset.aliases[alias.term] = tuple(alias.spellings)

    # ----- ids

    def _define(self, kind: str, ident: str, doc: Document, loc: KeyPath) -> bool:
        """Record a definition; report duplicates at every place. True if this is the first."""
        places = self.defined[(kind, ident)]
        places.append((doc, loc))
        if len(places) == 2:
            first_doc, first_loc = places[0]
            self.problems.append(
                first_doc.problem(first_loc, f"duplicate {kind} id '{ident}': also defined at {self._where(doc, loc)}")
            )
        if len(places) >= 2:
            first_doc, first_loc = places[0]
            self.problems.append(
                doc.problem(loc, f"duplicate {kind} id '{ident}': first defined at {self._where(first_doc, first_loc)}")
            )
            return False
        line, column = doc.position(loc)
        self.dataset.where[(kind, ident)] = Location(doc.name, line, column)
        return True

    @staticmethod
    def _where(doc: Document, loc: KeyPath) -> str:
        line, column = doc.position(loc)
        return f"{doc.name}:{line}:{column}"

    def _register(self) -> None:
        ds = self.dataset
        for doc, i, actor in self.actor_items:
            if self._define("actor", actor.id, doc, ("actors", i, "id")):
                ds.actors[actor.id] = actor
        for doc, agreement, provisions in self.agreement_files:
            if agreement is None or not self._define("agreement", agreement.id, doc, ("agreement", "id")):
                self.invalid_ids["provision"].update(p.id for _, p in provisions)
                continue
            ds.agreements[agreement.id] = agreement
            for i, provision in provisions:
                if self._define("provision", provision.id, doc, ("provisions", i, "id")):
                    ds.provisions[provision.id] = provision
                    ds.provision_agreement[provision.id] = agreement.id
        for doc, source, evidence in self.source_files:
            if source is None or not self._define("source", source.id, doc, ("source", "id")):
                self.invalid_ids["evidence"].update(e.id for _, e in evidence)
                continue
            ds.sources[source.id] = source
            finder = self._read_article(doc, source)
            for i, item in evidence:
                if not self._define("evidence", item.id, doc, ("evidence", i, "id")):
                    continue
                span = None
                if finder is not None:
                    span = finder.find(item.quote)
                    if span is None:
                        self.problems.append(
                            self._quote_problem(
                                doc, ("evidence", i, "quote"), item.quote, finder, ds.article_files[source.id]
                            )
                        )
                line, column = doc.position(("evidence", i))
                target = ds.unconfirmed if item.unconfirmed else ds.evidence
                target[item.id] = EvidenceItem(item, source.id, span, Location(doc.name, line, column))
        for doc, i, event in self.event_items:
            if self._define("evidence", event.id, doc, ("events", i, "id")):
                line, column = doc.position(("events", i))
                ds.evidence[event.id] = EvidenceItem(event, None, None, Location(doc.name, line, column))
        for doc, i, assessment in self.assessment_items:
            if self._define("assessment", assessment.id, doc, ("assessments", i, "id")):
                ds.assessments[assessment.id] = assessment

    def _order_by_date(self) -> None:
        # Agreements in the order they were signed, each with its provisions in file order.
        ds = self.dataset
        ds.agreements = dict(sorted(ds.agreements.items(), key=lambda kv: kv[1].date))
        rank = {aid: n for n, aid in enumerate(ds.agreements)}
        ds.provisions = dict(sorted(ds.provisions.items(), key=lambda kv: rank[ds.provision_agreement[kv[0]]]))

    # ----- article texts

    def _read_text_file(self, doc: Document, loc: KeyPath, relative: str) -> _Finder | None:
        path = doc.path.parent / relative
        root = self.root.resolve()
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL character in the path
            self.problems.append(doc.problem(loc, f"cannot resolve the path '{relative}'"))
            return None
        if not resolved.is_relative_to(root):
            self.problems.append(
                doc.problem(
                    loc,
                    f"'{relative}' points outside the data root ({display_path(root)}); "
                    "keep texts inside the repository",
                )
            )
            return None
        try:
            is_file = resolved.is_file()
        except OSError as exc:  # is_file() lets e.g. "File name too long" through
            self.problems.append(doc.problem(loc, f"cannot read '{relative}': {exc.strerror}"))
            return None
        if not is_file and resolved.exists():  # a folder, a pipe, a device: nothing to read, and never read
            self.problems.append(doc.problem(loc, f"'{relative}' is not a regular file"))
            return None
        if not is_file:
            near = did_you_mean(path.name, [p.name for p in path.parent.glob("*")] if path.parent.is_dir() else [])
            self.problems.append(doc.problem(loc, f"text file '{relative}' does not exist{near}"))
            return None
        if resolved.stat().st_size > MAX_ARTICLE_BYTES:
            self.problems.append(
                doc.problem(loc, f"text file '{relative}' is larger than {MAX_ARTICLE_BYTES // 2**20} MB")
            )
            return None
        try:
            raw = resolved.read_bytes()
            return _Finder(raw.decode("utf-8"), hashlib.blake2b(raw).digest(), self.found)
        except UnicodeDecodeError as exc:
            self.problems.append(
                doc.problem(loc, f"text file '{relative}' is not valid UTF-8 (byte {exc.start}); convert it to UTF-8")
            )
        except OSError as exc:
            self.problems.append(doc.problem(loc, f"cannot read '{relative}': {exc.strerror}"))
        return None

    def _read_article(self, doc: Document, source: Source) -> _Finder | None:
        finder = self._read_text_file(doc, ("source", "text"), source.text)
        if finder is not None:
            self.dataset.articles[source.id] = finder.text
            self.dataset.article_files[source.id] = display_path(doc.path.parent / source.text)
        return finder

    def _quote_problem(self, doc: Document, loc: KeyPath, quote: str, finder: _Finder, file: str) -> Problem:
        refusal = finder.refusal(quote)
        if refusal is not None:
            return doc.problem(loc, f"quote not checked against {file}: {refusal}")
        message = f"quote not found in {file}"
        near = quotes.nearest(quote, finder.text)
        if near is not None:
            passage = near.text if len(near.text) <= 240 else near.text[:237] + "..."
            message += f'; closest passage (line {near.line}, {near.score:.0f}% similar): "{passage}"'
            if near.difference:
                message += f" — {near.difference}"
        return doc.problem(loc, message)

    def _check_texts(self) -> None:
        """Each provision's text must appear in the agreement's stored text, as evidence quotes must."""
        for doc, agreement, provisions in self.agreement_files:
            if agreement is None or not agreement.text_file:
                continue
            finder = self._read_text_file(doc, ("agreement", "text_file"), agreement.text_file)
            if finder is None:
                continue
            file = display_path(doc.path.parent / agreement.text_file)
            for i, provision in provisions:
                if finder.find(provision.text) is None:
                    self.problems.append(
                        self._quote_problem(doc, ("provisions", i, "text"), provision.text, finder, file)
                    )
                for j, variant in enumerate(provision.variants):
                    if finder.find(variant.text) is None:
                        self.problems.append(
                            self._quote_problem(
                                doc, ("provisions", i, "variants", j, "text"), variant.text, finder, file
                            )
                        )

    # ----- references

    def _ref(self, doc: Document, loc: KeyPath, kind: str, ident: str, known: dict[str, Any]) -> None:
        if ident in known or ident in self.invalid_ids.get(kind, ()):
            return
        near = closest(ident, known)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        if not near and len(known) <= 20:  # a list of up to 20 short ids still reads at a glance
            hint = f"; known {kind} ids: {', '.join(known)}"
        self.problems.append(doc.problem(loc, f"unknown {kind} '{ident}'{hint}"))

    def _check_references(self) -> None:
        ds = self.dataset
        actors = ds.actors
        for doc, agreement, provisions in self.agreement_files:
            if agreement is None:
                continue
            for i, signatory in enumerate(agreement.signatories):
                self._ref(doc, ("agreement", "signatories", i, "actor"), "actor", signatory.actor, actors)
            sources = {s.id: s for s in agreement.sources}
            for i, provision in provisions:
                for j, party in enumerate(provision.parties):
                    self._ref(doc, ("provisions", i, "parties", j), "actor", party, actors)
                self._ref(doc, ("provisions", i, "translation"), "text source", provision.translation, sources)
        for doc, _source, evidence in self.source_files:
            for i, item in evidence:
                for j, pid in enumerate(item.provisions):
                    self._ref(doc, ("evidence", i, "provisions", j), "provision", pid, ds.provisions)
                self._ref(doc, ("evidence", i, "side"), "actor", item.side, actors)
                for j, actor in enumerate(item.concerns):
                    self._ref(doc, ("evidence", i, "concerns", j), "actor", actor, actors)
        for doc, i, event in self.event_items:
            for j, pid in enumerate(event.provisions):
                self._ref(doc, ("events", i, "provisions", j), "provision", pid, ds.provisions)
            self._ref(doc, ("events", i, "side"), "actor", event.side, actors)
            for j, actor in enumerate(event.concerns):
                self._ref(doc, ("events", i, "concerns", j), "actor", actor, actors)
        for doc, i, assessment in self.assessment_items:
            self._ref(doc, ("assessments", i, "provision"), "provision", assessment.provision, ds.provisions)
            for j, eid in enumerate(assessment.evidence):
                if eid in ds.unconfirmed:
                    self.problems.append(
                        doc.problem(
                            ("assessments", i, "evidence", j),
                            f"evidence '{eid}' is an unconfirmed suggestion; confirm it (remove 'unconfirmed') first",
                        )
                    )
                    continue
                self._ref(doc, ("assessments", i, "evidence", j), "evidence", eid, ds.evidence)

    def _check_lineage(self) -> None:
        """Agreement links, provision supersessions and their contests point at things that exist."""
        ds = self.dataset
        for doc, agreement, provisions in self.agreement_files:
            if agreement is None:
                continue
            for i, link in enumerate(agreement.links):
                loc = ("agreement", "links", i, "agreement")
                if link.agreement == agreement.id:
                    self.problems.append(doc.problem(loc, f"agreement '{agreement.id}' links to itself; name another"))
                else:
                    self._ref(doc, loc, "agreement", link.agreement, ds.agreements)
            for i, stage in enumerate(agreement.stages):
                self._not_future(doc, ("agreement", "stages", i, "date"), stage.date, "stage date")
            for i, provision in provisions:
                for j, sup in enumerate(provision.superseded_by):
                    self._check_supersession(doc, ("provisions", i, "superseded_by", j), agreement, sup)

    def _check_supersession(self, doc: Document, loc: KeyPath, agreement: Agreement, sup: Supersession) -> None:
        ds = self.dataset
        later = ds.provision_agreement.get(sup.provision)
        if later is None:
            self._ref(doc, (*loc, "provision"), "provision", sup.provision, ds.provisions)
        elif later == agreement.id:
            self.problems.append(
                doc.problem(
                    (*loc, "provision"),
                    f"'{sup.provision}' is a provision of the same agreement ({agreement.id}); "
                    "a provision is superseded only by one of a later agreement",
                )
            )
        elif sup.from_ < ds.agreements[later].date:
            self.problems.append(
                doc.problem(
                    (*loc, "from"),
                    f"superseded from {sup.from_}, before {later} was signed ({ds.agreements[later].date}); "
                    f"write a date on or after {ds.agreements[later].date}",
                )
            )
        self._not_future(doc, (*loc, "from"), sup.from_, "supersession date")
        self._evidence_refs(doc, (*loc, "evidence"), sup.evidence)
        for k, contest in enumerate(sup.contested):
            where = (*loc, "contested", k)
            self._ref(doc, (*where, "actor"), "actor", contest.actor, ds.actors)
            if contest.from_ < sup.from_:
                self.problems.append(
                    doc.problem(
                        (*where, "from"),
                        f"contested from {contest.from_}, before the supersession itself ({sup.from_}); "
                        f"write a date on or after {sup.from_}",
                    )
                )
            self._not_future(doc, (*where, "from"), contest.from_, "contest date")
            self._evidence_refs(doc, (*where, "evidence"), contest.evidence)

    def _evidence_refs(self, doc: Document, loc: KeyPath, ids: list[str]) -> None:
        """Ids of counted evidence or of assessments (a supersession may rest on either)."""
        ds = self.dataset
        for j, eid in enumerate(ids):
            if eid in ds.assessments or eid in self.invalid_ids.get("assessment", ()):
                continue
            if eid in ds.unconfirmed:
                self.problems.append(
                    doc.problem(
                        (*loc, j),
                        f"evidence '{eid}' is an unconfirmed suggestion; confirm it (remove 'unconfirmed') first",
                    )
                )
                continue
            self._ref(doc, (*loc, j), "evidence", eid, ds.evidence)

    def _not_future(self, doc: Document, loc: KeyPath, when: date, what: str) -> None:
        if when > self.today:
            self.problems.append(
                doc.problem(
                    loc, f"{what} {when} is in the future (today is {self.today}); record only what has happened"
                )
            )

    def _check_invalid_items(self) -> None:
        """References and dates in items the schema refused, so one run reports every problem."""
        ds = self.dataset
        fields = {"provisions": ("provision", ds.provisions), "provision": ("provision", ds.provisions),
                  "side": ("actor", ds.actors), "concerns": ("actor", ds.actors)}
        for doc, name, i, raw in self.invalid_items:
            if name not in ("evidence", "events", "assessments"):
                continue
            for key, (kind, known) in fields.items():
                value = raw.get(key)
                if isinstance(value, str):
                    self._ref(doc, (name, i, key), kind, value, known)
                elif isinstance(value, list):
                    for j, ident in enumerate(value):
                        if isinstance(ident, str):
                            self._ref(doc, (name, i, key, j), kind, ident, known)
            for key in ("event_date", "published", "date"):
                when = raw.get(key)
                if isinstance(when, date) and not isinstance(when, datetime) and when > self.today:
                    self.problems.append(
                        doc.problem((name, i, key), f"{key.replace('_', ' ')} {when} is in the future "
                                    f"(today is {self.today}); record only what has happened")
                    )

    # ----- dates

    def _check_date(self, doc: Document, loc: KeyPath, when: date, provision_ids: list[str], what: str) -> None:
        if when > self.today:
            self.problems.append(
                doc.problem(
                    loc, f"{what} {when} is in the future (today is {self.today}); record only what has happened"
                )
            )
        for pid in provision_ids:
            agreement_id = self.dataset.provision_agreement.get(pid)
            if agreement_id is None:
                continue
            agreement = self.dataset.agreements[agreement_id]
            if when < agreement.date:
                self.problems.append(
                    doc.problem(
                        loc,
                        f"{what} {when} is before {agreement_id} was signed ({agreement.date}), "
                        f"so it cannot bear on {pid}; check the date, or link the passage to a provision in force",
                    )
                )
                break

    def _check_dates(self) -> None:
        for doc, source, evidence in self.source_files:
            if source is not None and isinstance(source.published, date) and source.published > self.today:
                self.problems.append(
                    doc.problem(
                        ("source", "published"),
                        f"publication date {source.published} is in the future (today is {self.today})",
                    )
                )
            for i, item in evidence:
                if isinstance(item.event_date, date):
                    self._check_date(doc, ("evidence", i, "event_date"), item.event_date, item.provisions, "event date")
        for doc, i, event in self.event_items:
            if isinstance(event.published, date) and event.published > self.today:
                self.problems.append(
                    doc.problem(
                        ("events", i, "published"),
                        f"publication date {event.published} is in the future (today is {self.today})",
                    )
                )
            if isinstance(event.event_date, date):
                self._check_date(doc, ("events", i, "event_date"), event.event_date, event.provisions, "event date")
        for doc, i, assessment in self.assessment_items:
            self._check_date(
                doc, ("assessments", i, "date"), assessment.date, [assessment.provision], "assessment date"
            )
