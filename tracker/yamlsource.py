"""Reads YAML keeping the line and column of every key and value, so that every problem can be
reported as `file:line:column`. Duplicate keys, anchors/aliases and non-standard tags are refused
here: PyYAML would silently keep the last duplicate and happily expand alias bombs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, display_path

# The C loader is about ten times faster; composing with it still gives node marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()

MAX_DEPTH = 64
MAX_NODES = 2_000_000

KeyPath = tuple[str | int, ...]
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class Document:
    """Plain Python data from one YAML file, with the position of every key and value."""

    path: Path
    data: Any = None
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def position(self, loc: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `loc`, or of its nearest enclosing node that has one."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))

    def problem(self, loc: KeyPath, message: str, *, key: bool = False) -> Problem:
        line, column = self.position(loc, key=key)
        return Problem(self.name, line, column, message)


class _Stop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _syntax_problem(name: str, exc: yaml.YAMLError, text: str = "") -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # A control character: no mark, only an offset (in UTF-8 bytes when libyaml reads), and a
        # multi-line str(exc); report it like the others, on one line at the right place.
        offset = exc.position
        if _Loader is not yaml.SafeLoader:
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return Problem(
            name, line, column, f"YAML syntax error: character U+{exc.character:04X} is not allowed ({exc.reason})"
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {what}"
    if context:
        message += f" ({context})"
    # libyaml does not always name the tab ("found character that cannot start any token"),
    # so also look at the indentation of the offending line itself.
    lines = text.split("\n")
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    tab_indent = "\t" in source_line[: len(source_line) - len(source_line.lstrip())]
    # A whole word: "unacceptable character" contains "tab" too.
    if "'\\t'" in what or re.search(r"\btab\b", what) or tab_indent:
        message += "; indent with spaces, YAML does not allow tabs here"
    elif "mapping values are not allowed" in what:
        message += "; a value containing ': ' must be quoted"
    elif "could not find expected ':'" in what or "simple key" in what:
        message += "; check the indentation and that every key ends with ':'"
    return Problem(name, line, column, message)


def _prescan(text: str, name: str) -> Problem | None:
    """Refuse, from the event stream, what must not reach the composer: libyaml's composer recurses
    in C and crashes the interpreter (no RecursionError) on a few tens of thousands of nested
    brackets; and an anchor never used by an alias leaves no trace in the nodes."""
    open_collections = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            return Problem(
                name,
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                "anchors and aliases (&name, *name) are not supported; write the value out in full",
            )
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            open_collections -= 1
        elif isinstance(event, yaml.NodeEvent):
            # The same depth as _Builder counts: the number of enclosing collections.
            if open_collections > MAX_DEPTH:
                return Problem(
                    name,
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                    f"the data nests more than {MAX_DEPTH} levels deep",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                open_collections += 1
    return None


def parse_text(text: str, path: Path) -> tuple[Document, list[Problem]]:
    """Parse YAML text; return the document and any problems (never raises for bad input)."""
    doc = Document(path)
    if text.startswith("\ufeff"):  # a BOM written by some Windows editors is harmless
        text = text[1:]
    try:
        refused = _prescan(text, doc.name)
        if refused is not None:
            return doc, [refused]
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        return doc, [_syntax_problem(doc.name, exc, text)]
    except RecursionError:
        return doc, [Problem(doc.name, 1, 1, f"the file nests too deeply (more than {MAX_DEPTH} levels)")]
    if node is None:
        return doc, [Problem(doc.name, 1, 1, "the file is empty; expected a mapping of fields")]
    builder = _Builder(doc)
    try:
        doc.data = builder.build(node, (), 0)
    except _Stop as stop:
        return doc, [stop.problem]
    return doc, builder.problems


def read_file(path: Path) -> tuple[Document, list[Problem]]:
    doc = Document(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return doc, [Problem(doc.name, 1, 1, f"cannot read the file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return doc, [Problem(doc.name, line, column, "the file is not valid UTF-8; save it as UTF-8")]
    return parse_text(text, path)


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.count = 0

    def build(self, node: yaml.Node, loc: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Stop(Problem(self.doc.name, *_mark(node), f"the file has more than {MAX_NODES} values"))
        if depth > MAX_DEPTH:
            raise _Stop(Problem(self.doc.name, *_mark(node), f"the data nests more than {MAX_DEPTH} levels deep"))
        if id(node) in self.seen:
            # Only an alias can make the composer hand us the same node twice.
            raise _Stop(
                Problem(
                    self.doc.name,
                    *_mark(node),
                    "anchors and aliases (&name, *name) are not supported; write the value out in full",
                )
            )
        self.seen.add(id(node))
        self.doc.values.setdefault(loc, _mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_TAG}seq":
                self._bad_tag(node)
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _bad_tag(self, node: yaml.Node) -> None:
        raise _Stop(Problem(self.doc.name, *_mark(node), f"the tag '{node.tag}' is not allowed; remove it"))

    def _mapping(self, node: yaml.MappingNode, loc: KeyPath, depth: int) -> dict[str, Any]:
        if node.tag != f"{_TAG}map":
            self._bad_tag(node)
        result: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Stop(
                    Problem(self.doc.name, *_mark(key_node), "a key must be a plain name, not a list or mapping")
                )
            key = str(key_node.value)
            if key == "<<":
                raise _Stop(Problem(self.doc.name, *_mark(key_node), "merge keys ('<<') are not supported"))
            kloc = (*loc, key)
            if key in first_seen:
                line, column = first_seen[key]
                self.problems.append(
                    Problem(
                        self.doc.name,
                        *_mark(key_node),
                        f"duplicate key '{key}' (first defined at line {line}, column {column}); "
                        "YAML would silently keep only the last one",
                    )
                )
                continue
            first_seen[key] = _mark(key_node)
            self.doc.keys[kloc] = _mark(key_node)
            result[key] = self.build(value_node, kloc, depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._bad_tag(node)
        if node.tag == f"{_TAG}str":
            return node.value
        try:
            # Call the tag's constructor directly: construct_object() would cache every node in the
            # shared constructor, keeping all parsed files in memory for the life of the process.
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            # e.g. 2020-13-45 looks like a date to YAML; keep the text so validation can say why.
            return node.value
        return value
