"""Reads YAML keeping the line and column of every key and value, so that every problem can be
reported as `file:line:column`. Duplicate keys, anchors/aliases and non-standard tags are refused
here: PyYAML would silently keep the last duplicate and happily expand alias bombs."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, display_path
from .textsafe import CONTROL

# libyaml (the C loader) is about ten times faster, and its events carry line and column marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()

# Limits that bound the time and memory one file can cost (docs/performance.md states the bounds):
# at worst about 15 µs and 1.3 kB per value. A hand-edited file is far below them.
MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_FILE_BYTES = 16 * 2**20

KeyPath = tuple[str | int, ...]
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR = f"{_TAG}str"


@dataclass
class Document:
    """Plain Python data from one YAML file, with the position of every key and value."""

    path: Path
    data: Any = None
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    # The bytes parsed (set by parse_bytes), from which `release` lets positions be found again.
    source: bytes | None = field(default=None, repr=False, compare=False)
    released: bool = field(default=False, repr=False, compare=False)

    @cached_property
    def name(self) -> str:
        # Computed once: every problem and every location in the file asks for it (os.path.relpath).
        return display_path(self.path)

    def release(self, keep: Callable[[KeyPath], bool]) -> None:
        """Drop the data and every position but those of the locations `keep` accepts, to hold a parsed
        file for long in little memory (a key path and a position per value cost several times the
        file's size). Any other position is found again, from `source`, when it is asked for."""
        if self.source is None:
            return
        if not self.released:  # a light parse (parse_bytes) kept only these already
            self.values = {loc: pos for loc, pos in self.values.items() if keep(loc)}
        self.keys = {}
        self.data = None
        self.released = True

    def __getstate__(self) -> dict[str, Any]:
        # Pickled without its bytes (the disk cache's entries, tracker/store.py): the reader has just read
        # them, and checked them against the entry's name, and hands them back; a third of each entry.
        state = dict(self.__dict__)
        state["source"] = None
        return state

    def _restore(self) -> None:
        restored, _ = parse_bytes(self.source or b"", self.path)
        self.data, self.keys, self.values = restored.data, restored.keys, restored.values
        self.released = False

    def position(self, loc: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `loc`, or of its nearest enclosing node that has one."""
        loc = tuple(loc)
        if self.released:
            if not key and loc in self.values:
                return self.values[loc]
            self._restore()
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


def kept_position(loc: KeyPath) -> bool:
    """The positions a load keeps of every file: each item's and each id's (the places of definitions
    and of evidence). Any other is needed only when a problem is found there, which is rare enough to
    parse the file again for it."""
    return len(loc) <= 2 or (len(loc) == 3 and loc[2] == "id")


class _Stop(Exception):
    def __init__(self, problem: Problem, *, final: bool = False):
        self.problem = problem
        self.final = final  # refused before reading further (anchors, depth); else look for a syntax error


def _mark(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    assert mark is not None  # both parsers mark every event; the stubs allow None for events made by hand
    return mark.line + 1, mark.column + 1


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


def parse_text(text: str, path: Path, *, light: bool = False) -> tuple[Document, list[Problem]]:
    """Parse YAML text; return the document and any problems (never raises for bad input).

    `light`: record only the positions a valid file's load needs (see `kept_position`), not those of
    every key and value: at 100k passages that is a million positions fewer, a quarter of the parse.
    Any other position is found by parsing again when asked for (`Document.position`), which needs the
    bytes: only `parse_bytes` passes it."""
    doc = Document(path)
    if text.startswith("\ufeff"):  # a BOM written by some Windows editors is harmless
        text = text[1:]
    builder = _Builder(doc, light=light)
    try:
        data = builder.run(text)
    except yaml.YAMLError as exc:
        return doc, [_syntax_problem(doc.name, exc, text)]
    except _Stop as stop:
        return doc, [stop.problem]
    except UnicodeEncodeError as exc:  # only from a str, e.g. a command-line argument that was not UTF-8
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        message = f"character U+{ord(text[exc.start]):04X} is not allowed (it cannot be written in UTF-8)"
        return doc, [Problem(doc.name, line, column, message)]
    if data is _EMPTY:
        return doc, [Problem(doc.name, 1, 1, "the file is empty; expected a mapping of fields")]
    doc.data = data
    return doc, builder.problems


def read_bytes(path: Path) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or the problem that stops it being read (unreadable, or too large)."""
    try:
        with path.open("rb") as handle:
            # Never read more than the limit, even from a file that grows while it is read.
            raw = handle.read(MAX_FILE_BYTES + 1)
            size = max(len(raw), os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        return None, Problem(display_path(path), 1, 1, f"cannot read the file: {exc.strerror}")
    if size > MAX_FILE_BYTES:
        return None, Problem(
            display_path(path),
            1,
            1,
            f"the file is {size / 2**20:.1f} MB; YAML files over {MAX_FILE_BYTES // 2**20} MB are refused, "
            "split it into several files",
        )
    return raw, None


def parse_bytes(raw: bytes, path: Path, *, light: bool = False) -> tuple[Document, list[Problem]]:
    """Decode (UTF-8) and parse the bytes of a file; return the document and any problems. `light`: see
    parse_text; the document then finds any position it did not record by parsing `raw` again."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc = Document(path)
        return doc, [Problem(doc.name, line, column, "the file is not valid UTF-8; save it as UTF-8")]
    doc, problems = parse_text(text, path, light=light)
    doc.source = raw
    doc.released = light  # positions not recorded are found again from `source`
    return doc, problems


def read_file(path: Path) -> tuple[Document, list[Problem]]:
    raw, problem = read_bytes(path)
    if raw is None:
        assert problem is not None
        return Document(path), [problem]
    return parse_bytes(raw, path)


_EMPTY = object()  # a stream without a document, as opposed to one holding null
_MAP, _SEQ = f"{_TAG}map", f"{_TAG}seq"
_ANCHORS = "anchors and aliases (&name, *name) are not supported; write the value out in full"
_resolver = yaml.resolver.Resolver()
# Plain scalars resolve (by regex) to a tag, and non-text tags construct to an immutable value
# (a date, a number, true/false, null); both repeat a lot across files, so both are memoised.
_CACHE_LIMIT = 100_000
_values: dict[tuple[str, str], Any] = {}
# What a plain scalar (no tag, not quoted) makes, by its text: its tag and value in one lookup.
_plain: dict[str, Any] = {}


def _second_document(root: yaml.Event, second: yaml.Event | None) -> yaml.YAMLError:
    # The ignores: the stubs give ComposerError only the pure-Python Mark, but libyaml's events carry
    # yaml._yaml.Mark, which has the same fields (all the error reads to say where).
    return yaml.composer.ComposerError(
        "expected a single document in the stream",
        root.start_mark,  # type: ignore[arg-type]
        "but found another document",
        second.start_mark if second is not None else None,  # type: ignore[arg-type]
    )


class _Builder:
    """Plain data and positions straight from libyaml's event stream, in one pass.

    There is no composer: it would hold the whole node graph in memory, recurse (in C, crashing
    the interpreter on a few tens of thousands of nested brackets), and expand aliases. Here,
    anchors, aliases and nesting deeper than MAX_DEPTH are refused at the event that opens them;
    tags, keys and duplicates are checked on the way, exactly as a composed document would be."""

    def __init__(self, doc: Document, *, light: bool = False):
        self.doc = doc
        self.problems: list[Problem] = []
        self.light = light

    def run(self, text: str) -> Any:
        if self.light and _FAST[0]:
            parser = _Loader(text)
            try:
                return _Fast(self, parser.get_event).run()
            except Exception:  # anything but a plain, valid file: parsed again below, which says what is wrong
                self.doc.values.clear()
            finally:
                parser.dispose()
        parser = _Loader(text)
        try:
            return self._run(parser)
        finally:
            parser.dispose()

    def _scan_rest(self, parser: Any, open_collections: int, second_document: yaml.Event | None) -> yaml.Event | None:
        """Read the rest of the stream once the document cannot be built, so that what would have been
        reported first when the whole stream was checked before building still is: a syntax error,
        an anchor or deep nesting anywhere, then a second document. Returns that second document."""
        while True:
            event = parser.get_event()
            cls = event.__class__
            if cls is yaml.StreamEndEvent:
                return second_document
            if cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                open_collections -= 1
            elif cls is yaml.DocumentStartEvent:
                second_document = second_document or event
            elif isinstance(event, yaml.NodeEvent):
                self._check_node(event, open_collections)
                if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                    open_collections += 1

    def _check_node(self, event: yaml.NodeEvent, open_collections: int) -> None:
        if event.anchor is not None:  # an alias event carries its anchor's name too
            raise self._stop(event, _ANCHORS, final=True)
        if open_collections > MAX_DEPTH:
            raise self._stop(event, f"the data nests more than {MAX_DEPTH} levels deep", final=True)

    def _stop(self, event: yaml.Event, message: str, *, final: bool = False) -> _Stop:
        return _Stop(Problem(self.doc.name, *_mark(event), message), final=final)

    def _run(self, parser: Any) -> Any:
        doc, get_event, light = self.doc, parser.get_event, self.light
        values, keys = doc.values, doc.keys
        # The event classes and the memo as locals: this loop runs once per event (two and a half million
        # at 100k passages), and a local is one lookup where `yaml.ScalarEvent` is two.
        scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        plain = _plain
        # One frame per open collection: [container, location, is_mapping, key or None, first keys, depth].
        stack: list[list[Any]] = []
        # The value of a duplicate key is dropped unread: `drop_next` until it starts, then `dropping`
        # counts the collections open inside it.
        drop_next, dropping = False, 0
        open_collections = count = 0
        root: Any = _EMPTY
        root_event: yaml.Event | None = None
        try:
            while True:
                # Any: the loop tells events apart by their exact class (the parser makes no subclasses),
                # which is cheaper than isinstance(); scalars, most of the events, are tested first.
                event: Any = get_event()
                cls = event.__class__
                if cls is scalar_event:
                    is_collection = False
                    if event.anchor is not None or open_collections > MAX_DEPTH:
                        self._check_node(event, open_collections)
                elif cls is mapping_end or cls is sequence_end:
                    open_collections -= 1
                    if dropping:
                        dropping -= 1
                    else:
                        stack.pop()
                    continue
                elif cls is mapping_start or cls is sequence_start:
                    is_collection = True
                    if event.anchor is not None or open_collections > MAX_DEPTH:
                        self._check_node(event, open_collections)
                    open_collections += 1
                elif cls is yaml.StreamEndEvent:
                    return root
                elif cls is yaml.DocumentStartEvent:
                    if root_event is not None:
                        raise _second_document(root_event, self._scan_rest(parser, open_collections, event))
                    continue
                elif cls is yaml.AliasEvent:  # it carries its anchor's name: refused here
                    self._check_node(event, open_collections)
                    continue
                else:  # stream start, document end
                    continue
                if dropping or drop_next:
                    drop_next = False
                    dropping += is_collection
                    continue

                # Where does this node go?
                frame = stack[-1] if stack else None
                name: str | int = ""
                loc: KeyPath = ()
                if frame is None:
                    root_event = event
                elif frame[2]:
                    key = frame[3]
                    if key is None:  # this node is a key
                        if is_collection:
                            raise self._stop(event, "a key must be a plain name, not a list or mapping")
                        key = event.value  # text, whatever it looks like: keys are never resolved
                        if not key.isprintable():
                            self._check_control(event, key)
                        if key == "<<":
                            raise self._stop(event, "merge keys ('<<') are not supported")
                        if key in frame[4]:  # `in`, not get(): no method call on the common path
                            first = frame[4][key]
                            line, column = _mark(first) if light else first
                            self.problems.append(
                                Problem(
                                    doc.name,
                                    *_mark(event),
                                    f"duplicate key '{key}' (first defined at line {line}, column {column}); "
                                    "YAML would silently keep only the last one",
                                )
                            )
                            drop_next = True
                            continue
                        if light:  # the key's event, for a duplicate's message; no position kept
                            frame[4][key] = event
                        else:
                            frame[4][key] = keys[(*frame[1], key)] = _mark(event)
                        frame[3] = key
                        continue
                    name = key
                    frame[3] = None
                else:
                    name = len(frame[0])

                count += 1
                if count > MAX_NODES:  # final: reading on to the end would cost what the limit saves
                    raise self._stop(
                        event, f"the file has more than {MAX_NODES:,} values; split it into several files", final=True
                    )
                if frame is None:
                    values[loc] = _mark(event)
                    depth = 0
                elif not light:
                    loc = (*frame[1], name)
                    if loc not in values:
                        values[loc] = _mark(event)
                    depth = frame[5] + 1
                else:
                    # Light: the positions of kept_position only; a location for every collection (its
                    # children's), none for the other values (most of them, at depth 3 and more).
                    depth = frame[5] + 1
                    if depth <= 2 or (depth == 3 and name == "id"):
                        loc = (*frame[1], name)
                        values[loc] = _mark(event)
                    elif is_collection:
                        loc = (*frame[1], name)
                if cls is scalar_event:
                    value = event.value
                    if event.tag is not None:
                        value = self._scalar(event)
                        if value.__class__ is str and not value.isprintable():
                            self._check_control(event, value)
                    elif event.implicit[0]:
                        # A plain scalar: resolved (a date, a number, true/false, null or text) by its text
                        # alone, so memoised by it; only printable text is memoised (_scalar), so a value
                        # found there needs no check for control characters.
                        try:
                            value = plain[value]
                        except KeyError:
                            value = self._scalar(event)
                            if value.__class__ is str and not value.isprintable():
                                self._check_control(event, value)
                    elif not value.isprintable():  # quoted, or a block scalar: always text, as it is
                        self._check_control(event, value)
                elif cls is mapping_start:
                    if event.tag not in (None, "!", _MAP):
                        raise self._bad_tag(event, event.tag)
                    value = {}
                    stack.append([value, loc, True, None, {}, depth])
                else:
                    if event.tag not in (None, "!", _SEQ):
                        raise self._bad_tag(event, event.tag)
                    value = []
                    stack.append([value, loc, False, None, None, depth])
                if frame is None:
                    root = value
                elif frame[2]:
                    frame[0][name] = value
                else:
                    frame[0].append(value)
        except _Stop as stop:
            if stop.final or root_event is None:
                raise
            second = self._scan_rest(parser, open_collections, None)
            if second is not None:
                raise _second_document(root_event, second) from None
            raise

    def _check_control(self, event: yaml.ScalarEvent, text: str) -> None:
        """Control characters (C0 but tab and line feed, DEL, C1; ESC among them) written as escapes
        ("\\e", "\\x1b") would reach a terminal or a page from here: refused, located."""
        if text.isprintable():  # the common case, at C speed
            return
        found = CONTROL.search(text)
        if found is not None:
            self.problems.append(
                Problem(
                    self.doc.name,
                    *_mark(event),
                    f"control character U+{ord(found.group()):04X} in the value (at character {found.start() + 1}); "
                    "remove it: control characters such as ESC are not allowed in the data",
                )
            )

    def _bad_tag(self, event: yaml.Event, tag: str) -> _Stop:
        return self._stop(event, f"the tag '{tag}' is not allowed; remove it")

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        tag, value = event.tag, event.value
        plain_key = False
        if tag is None or tag == "!":
            implicit = event.implicit
            if not implicit[0]:  # quoted, or a block scalar: always text
                return value
            # A plain scalar's tag depends on its text alone (the resolver reads implicit[1] only when
            # implicit[0] is false), so what it makes is memoised by its text (_plain).
            plain_key = tag is None
            tag = _resolver.resolve(yaml.ScalarNode, value, implicit)
        if tag == _STR:
            result: Any = value
        elif tag not in _SCALAR_TAGS:
            raise self._bad_tag(event, tag)
        else:
            key = (tag, value)
            if key in _values:
                return _values[key]
            try:
                # Call the tag's constructor directly: construct_object() would cache every node in the
                # shared constructor, keeping all parsed files in memory for the life of the process.
                result = _constructor.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, value))
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                # e.g. 2020-13-45 looks like a date to YAML; keep the text so validation can say why.
                result = value
            if len(_values) >= _CACHE_LIMIT:
                _values.clear()
            _values[key] = result
        if plain_key and (result.__class__ is not str or result.isprintable()):
            if len(_plain) >= _CACHE_LIMIT:
                _plain.clear()
            _plain[value] = result
        return result


# Whether a light parse tries _Fast first (the tests turn it off to compare both).
_FAST = [True]
# _Fast hands a file over to _Builder well before the limits, which _Builder then reports.
_FAST_MAX_DEPTH = MAX_DEPTH // 2


class _Fallback(Exception):
    """Raised by _Fast at anything it does not take: the file is parsed again by _Builder."""


class _Fast:
    """A light parse (see kept_position) of a plain, valid file, in fewer steps per event than _Builder.

    One function call per collection instead of a frame per event, and a mapping's key and value read in
    one turn of its loop: about 0.4 us less per event, a second at 100k passages (2.4 million events).
    It takes only what a valid file holds: a mapping at the top, untagged plain or quoted scalars without
    control characters, no anchor, alias, duplicate or merge key, a key that is text, one document, far
    from the nesting and size limits. At anything else it raises _Fallback and _Builder parses the file
    again from its start, so a file with any problem gets exactly _Builder's problems and places; what it
    makes of a file it takes is what _Builder makes (tests/test_yamlsource.py compares both)."""

    def __init__(self, builder: _Builder, get_event: Callable[[], Any]):
        self.values = builder.doc.values
        self.get = get_event
        self.resolve = builder._scalar  # a plain scalar not memoised yet (raises at a tag not allowed)
        self.count = 0  # values read (keys are not counted), as _Builder counts them

    def run(self) -> Any:
        get = self.get
        if get().__class__ is not yaml.StreamStartEvent or get().__class__ is not yaml.DocumentStartEvent:
            raise _Fallback
        event = get()
        if event.__class__ is not yaml.MappingStartEvent or event.anchor is not None or event.tag is not None:
            raise _Fallback
        self.values[()] = _mark(event)
        root = self._mapping((), 0)
        if get().__class__ is not yaml.DocumentEndEvent or get().__class__ is not yaml.StreamEndEvent:
            raise _Fallback
        if self.count + 1 > MAX_NODES:
            raise _Fallback
        return root

    def _scalar(self, event: Any) -> Any:
        """The value of a plain scalar not in the memo (`event`: untagged, no anchor)."""
        value = self.resolve(event)
        if value.__class__ is str and not value.isprintable() and CONTROL.search(value) is not None:
            raise _Fallback
        return value

    def _mapping(self, loc: KeyPath | None, depth: int) -> dict[str, Any]:
        """The mapping whose start event was just read, at `depth`; `loc`: its location when positions
        are kept below it (depth 2 and less), else None."""
        get, values = self.get, self.values
        scalar_event, mapping_start, sequence_start, mapping_end = (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
            yaml.MappingEndEvent,
        )
        child = depth + 1
        if child > _FAST_MAX_DEPTH:
            raise _Fallback
        plain = _plain
        out: dict[str, Any] = {}
        while True:
            event: Any = get()
            cls = event.__class__
            if cls is mapping_end:
                break
            if cls is not scalar_event or event.anchor is not None or event.tag is not None:
                raise _Fallback
            key = event.value
            if key in out or not key.isprintable() or key == "<<":
                raise _Fallback
            event = get()
            cls = event.__class__
            if event.anchor is not None or event.tag is not None:  # an alias event has an anchor too
                raise _Fallback
            if loc is not None and (child <= 2 or (child == 3 and key == "id")):
                values[(*loc, key)] = _mark(event)
            if cls is scalar_event:
                value = event.value
                if event.implicit[0]:
                    try:
                        value = plain[value]
                    except KeyError:
                        value = self._scalar(event)
                elif not value.isprintable() and CONTROL.search(value) is not None:
                    raise _Fallback
            elif cls is mapping_start:
                value = self._mapping((*loc, key) if loc is not None and child <= 2 else None, child)
            elif cls is sequence_start:
                value = self._sequence((*loc, key) if loc is not None and child <= 2 else None, child)
            else:
                raise _Fallback
            out[key] = value
            if len(out) > MAX_NODES:  # one huge mapping: handed over at once, as _Builder stops there
                raise _Fallback
        self.count += len(out)
        if self.count > MAX_NODES:
            raise _Fallback
        return out

    def _sequence(self, loc: KeyPath | None, depth: int) -> list[Any]:
        """The sequence whose start event was just read (see _mapping)."""
        get, values = self.get, self.values
        scalar_event, mapping_start, sequence_start, sequence_end = (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
            yaml.SequenceEndEvent,
        )
        child = depth + 1
        if child > _FAST_MAX_DEPTH:
            raise _Fallback
        keep = loc is not None and child <= 2
        plain = _plain
        out: list[Any] = []
        while True:
            event: Any = get()
            cls = event.__class__
            if cls is sequence_end:
                break
            if event.anchor is not None or event.tag is not None:
                raise _Fallback
            at = (*loc, len(out)) if keep and loc is not None else None
            if at is not None:
                values[at] = _mark(event)
            # A value is read as in _mapping, written out again on purpose: a shared helper would cost a
            # call per value (1.2 million at 100k passages), the very cost this path exists to avoid.
            if cls is scalar_event:
                value = event.value
                if event.implicit[0]:
                    try:
                        value = plain[value]
                    except KeyError:
                        value = self._scalar(event)
                elif not value.isprintable() and CONTROL.search(value) is not None:
                    raise _Fallback
            elif cls is mapping_start:
                value = self._mapping(at, child)
            elif cls is sequence_start:
                value = self._sequence(at, child)
            else:
                raise _Fallback
            out.append(value)
            if len(out) > MAX_NODES:
                raise _Fallback
        self.count += len(out)
        if self.count > MAX_NODES:
            raise _Fallback
        return out
