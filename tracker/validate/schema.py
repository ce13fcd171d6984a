"""A data file's schema errors, translated into located problems in plain English, and what the file
yields on its own (`check_file`), before any check across files."""

from __future__ import annotations

import contextlib
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from ..models import FILE_MODELS
from ..problems import Problem
from ..yamlsource import Document, KeyPath, kept_position
from .hints import closest, did_you_mean


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


def schema_problem(error: Any, doc: Document, model: type[BaseModel]) -> Problem:
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
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        why = "; the title is a short label of our own, the verbatim words belong in 'text'" if name == "title" else ""
        return doc.problem(loc, f"'{name}' is {len(str(value))} characters long; shorten it to at most {limit}{why}")
    if kind == "string_pattern_mismatch":
        if name == "language":
            return doc.problem(loc, f"'{value}' is not a language code; use a two- or three-letter code such as 'en'")
        if name == "within":
            return doc.problem(loc, f"'{value}' is not a period; write e.g. '1 month' or '3 years'")
        return doc.problem(
            loc,
            f"'{value}' is not a valid {name}: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        )
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return doc.problem(loc, f"'{name}' {error['msg'].lower().replace('input ', '')}")
    message = error["msg"].removeprefix("Value error, ")
    return doc.problem(loc, f"{name}: {message}" if not message.startswith("'") else message)


def validate_model(doc: Document, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem]]:
    """The file's data as `model`, or None and every schema problem, located, each reported once."""
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
    return None, [schema_problem(e, doc, model) for e in kept]


@dataclass
class Salvaged:
    """The parts of an invalid file that are valid on their own, so cross-file checks still run."""

    parts: dict[str, Any] = field(default_factory=dict)
    # Ids of invalid items, so that references to them are not reported too.
    invalid_ids: list[str] = field(default_factory=list)
    # The invalid items themselves (list name, index, raw mapping), so their other fields are still checked.
    invalid_items: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)


def salvage(doc: Document, model: type[BaseModel]) -> Salvaged:
    """What can be used of a file the schema refused."""
    found = Salvaged()
    parts = found.parts
    if not isinstance(doc.data, dict):
        return found
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
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        found.invalid_ids.append(item["id"])
                    if isinstance(item, dict):
                        found.invalid_items.append((name, i, item))
            parts[name] = items
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            with contextlib.suppress(ValidationError):
                parts[name] = tp.model_validate(raw)
    return found


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Parsed:
    """What one file yields on its own, without looking at any other file (so it can be cached)."""

    doc: Document
    problems: tuple[Problem, ...]
    model: type[BaseModel] | None  # None when nothing in the file can be used
    parts: dict[str, Any] = field(default_factory=dict)
    invalid_ids: tuple[str, ...] = ()
    invalid_items: tuple[tuple[str, int, dict[str, Any]], ...] = ()


def check_file(doc: Document, problems: list[Problem]) -> Parsed:
    """Check a parsed file against its model (told by its top-level key); `problems`: its parse problems."""
    if problems and doc.data is None:
        return Parsed(doc, tuple(problems), None)
    if not isinstance(doc.data, dict):
        problem = doc.problem((), "expected a mapping with one of the top-level keys: " + ", ".join(FILE_MODELS))
        return Parsed(doc, (*problems, problem), None)
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
        return Parsed(doc, (*problems, problem), None)
    model = FILE_MODELS[kinds[0]]
    parsed, schema_problems = validate_model(doc, model)
    parts: dict[str, Any]
    invalid_ids: tuple[str, ...] = ()
    invalid_items: tuple[tuple[str, int, dict[str, Any]], ...] = ()
    if parsed is not None:
        parts = {name: (list(enumerate(value)) if isinstance(value, list) else value) for name, value in parsed}
    else:
        salvaged = salvage(doc, model)
        parts, invalid_ids, invalid_items = salvaged.parts, tuple(salvaged.invalid_ids), tuple(salvaged.invalid_items)
    # Tuples: a cached result is shared by every later load and must not be changed by one of them.
    parts = {name: tuple(value) if isinstance(value, list) else value for name, value in parts.items()}
    doc.release(kept_position)
    return Parsed(doc, (*problems, *schema_problems), model, parts, invalid_ids, invalid_items)


def file_problems(doc: Document) -> list[Problem]:
    """Schema problems of a parsed data file, located, as `tracker validate` reports them."""
    if not isinstance(doc.data, dict):
        return [doc.problem((), "expected a mapping with one of the top-level keys: " + ", ".join(FILE_MODELS))]
    kinds = [k for k in FILE_MODELS if k in doc.data]
    if len(kinds) != 1:
        return [doc.problem((), "expected exactly one of the top-level keys " + ", ".join(FILE_MODELS))]
    return validate_model(doc, FILE_MODELS[kinds[0]])[1]
