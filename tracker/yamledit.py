"""Edits of hand-written YAML files that keep everything else byte for byte: comments, key order,
quoting, blank lines and line endings.

Each edit is a text insertion, deletion or replacement at the place PyYAML's node marks point to;
nothing is re-serialised. After every edit the new text is parsed again (with the tracker's own
strict reader) and must give exactly the data expected — the old data with that one change — or
the edit is refused with `EditError`. `YamlFile.save` then validates the whole file against its
model and writes it atomically, refusing if the file changed on disk since it was read.

    f = YamlFile.read(path)
    text = append_item(f.text, "evidence", {"id": "E017", ...})
    text = remove_key(text, ("evidence", 16, "unconfirmed"))
    f.save(text)
"""

from __future__ import annotations

import bisect
import copy
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .atomic import ReadToken, read_with_token, write_atomic
from .errors import EditError
from .problems import InvalidData, Problem, display_path
from .yamlsource import Document, KeyPath, parse_text

# PyYAML's own line breaks (its marks count lines by these), so line numbers agree with the marks.
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_DASH_PREFIX = re.compile(r"^( *)-( +)$")


# --------------------------------------------------------------------------- rendering values


def _round_trips(snippet: str, expected: Any) -> bool:
    try:
        return yaml.safe_load(snippet) == {"k": expected}
    except (yaml.YAMLError, ValueError):  # ValueError: date-like text that is no date ('2020-02-30')
        return False


def double_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar, escaping what YAML or the reader would not keep."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or 0x7F <= code <= 0x9F or ch in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def render_scalar(value: Any, *, quote: bool = False, flow: bool = False) -> str:
    """One scalar as the files write it: plain when that reads back the same, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise EditError(f"cannot write a value of type {type(value).__name__}")
    if quote or not value or value != value.strip() or "\n" in value:
        return double_quoted(value)
    # In a flow list, these characters end a plain scalar.
    if flow and any(c in value for c in ",[]{}"):
        return double_quoted(value)
    if _round_trips(f"k: {value}", value) and not value.startswith(("-", "?", ":", "!", "&", "*", "#", "%", "@", "`")):
        return value
    return double_quoted(value)


def render_inline(value: Any, *, quote: bool = False) -> str:
    """A scalar, or a list of scalars as a flow list `[a, b]`, on one line."""
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple, dict)) for v in value):
            raise EditError("only lists of plain values can be written on one line")
        return "[" + ", ".join(render_scalar(v, quote=quote, flow=True) for v in value) + "]"
    if isinstance(value, dict):
        raise EditError("a mapping cannot be written on one line here")
    return render_scalar(value, quote=quote)


def render_mapping_lines(item: dict[str, Any], indent: int, *, quoted: Sequence[str] = ()) -> list[str]:
    """Block-style `key: value` lines at `indent` (nested mappings and lists of mappings indented by 2)."""
    lines: list[str] = []
    pad = " " * indent
    for key, value in item.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += render_mapping_lines(value, indent + 2, quoted=quoted)
        elif isinstance(value, (list, tuple)) and any(isinstance(v, dict) for v in value):
            lines.append(f"{pad}{key}:")
            for entry in value:
                lines += render_item_lines(entry, indent + 2, quoted=quoted)
        else:
            lines.append(f"{pad}{key}: {render_inline(value, quote=key in quoted)}")
    return lines


def render_item_lines(item: dict[str, Any], dash: int, gap: int = 1, *, quoted: Sequence[str] = ()) -> list[str]:
    """A list item `- key: value` with its dash at column `dash` and `gap` spaces after it."""
    if not item:
        raise EditError("cannot write an empty item")
    lines = render_mapping_lines(item, dash + 1 + gap, quoted=quoted)
    first = lines[0]
    lines[0] = " " * dash + "-" + " " * gap + first[dash + 1 + gap :]
    return lines


# --------------------------------------------------------------------------- reading structure


class _Text:
    """The text with its line starts (counted the way PyYAML counts lines) and its node tree."""

    def __init__(self, text: str):
        self.text = text
        self.starts = _line_starts(text)
        first = _BREAK.search(text)
        self.newline = first.group() if first else "\n"
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise EditError(f"the file is not valid YAML ({exc}); fix it first") from None
        if not isinstance(root, yaml.MappingNode):
            raise EditError("the file is not a mapping of keys; fix it first")
        self.root: yaml.MappingNode = root

    def line_text(self, line: int) -> str:
        """Line `line` (0-based) without its line break."""
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return _BREAK.sub("", self.text[start:end])

    def line_end(self, line: int) -> int:
        """Index just after line `line`'s line break (or the end of the text)."""
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)

    def last_index(self, node: yaml.Node) -> int:
        """Index just after the last character of `node`'s own content (never a trailing comment)."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self.last_index(node.value[-1][1])
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self.last_index(node.value[-1])
        # Scalars (block scalars run on over blank lines) and flow collections: trim white space.
        chunk = self.text[node.start_mark.index : node.end_mark.index]
        return node.start_mark.index + len(chunk.rstrip(" \t\r\n\x85\u2028\u2029"))

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def last_line(self, node: yaml.Node) -> int:
        """The line (0-based) of the last character of `node`'s content."""
        return self.line_of(max(self.last_index(node) - 1, node.start_mark.index))

    def find(self, loc: KeyPath) -> tuple[yaml.Node, yaml.Node | None]:
        """The node at `loc` and, when the last step is a key, its key node."""
        node: yaml.Node = self.root
        key_node = None
        for step in loc:
            if isinstance(step, int):
                if not isinstance(node, yaml.SequenceNode) or not 0 <= step < len(node.value):
                    raise EditError(f"no item {step} at {_loc_text(loc)}")
                node, key_node = node.value[step], None
            else:
                if not isinstance(node, yaml.MappingNode):
                    raise EditError(f"no mapping at {_loc_text(loc)}")
                for k, v in node.value:
                    if k.value == step:
                        node, key_node = v, k
                        break
                else:
                    raise KeyError(step)
        return node, key_node


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def _loc_text(loc: KeyPath) -> str:
    return ".".join(str(s) if isinstance(s, str) else f"[{s}]" for s in loc).replace(".[", "[") or "the file"


def _strip_bom(text: str) -> tuple[str, str]:
    return (text[1:], "\ufeff") if text.startswith("\ufeff") else (text, "")


def _data(text: str) -> Any:
    doc, problems = parse_text(text, Path("<edit>"))
    if problems:
        raise EditError("the edit would make the file unreadable: " + "; ".join(p.message for p in problems))
    return doc.data


def _verified(old: str, new: str, change: Any) -> str:
    """`new` if it parses to the data of `old` with `change(data)` applied, else EditError."""
    expected = copy.deepcopy(_data(old))
    change(expected)
    if _data(new) != expected:
        raise EditError("the edit would change more than intended; the file was left as it was")
    return new


def _get(data: Any, loc: KeyPath) -> Any:
    for step in loc:
        data = data[step]
    return data


# --------------------------------------------------------------------------- edits


def _indent_style(t: _Text) -> int:
    """The column of list dashes in this file (the files use '  - '), else that of nested keys."""
    for line in range(len(t.starts)):
        m = re.match(r"^( *)- ", t.line_text(line))
        if m:
            return len(m.group(1))
    for line in range(len(t.starts)):
        m = re.match(r"^( +)[^\s#]", t.line_text(line))
        if m:
            return len(m.group(1))
    return 2


def append_item(text: str, key: str, item: dict[str, Any], *, quoted: Sequence[str] = ("quote",)) -> str:
    """`text` with `item` appended to the top-level list `key` (created if absent or empty), in the
    file's indentation, blank-line and line-ending style. Keys in `quoted` are always double-quoted."""
    body, bom = _strip_bom(text)
    original = body
    t = _Text(body)
    nl = t.newline
    value: yaml.Node | None
    key_node: yaml.Node | None
    try:
        value, key_node = t.find((key,))
    except KeyError:
        value = key_node = None

    def change(data: dict[str, Any]) -> None:
        existing = data.get(key)
        data[key] = (existing if isinstance(existing, list) else []) + [copy.deepcopy(item)]

    if key_node is None:
        lines = render_item_lines(item, _indent_style(t), quoted=quoted)
        sep = "" if not body or body.endswith(("\n", "\r")) else nl
        new = body + sep + f"{key}:{nl}" + nl.join(lines) + nl
    elif isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
        items = value.value
        dash = value.start_mark.column
        gap = items[0].start_mark.column - dash - 1
        if not _DASH_PREFIX.match(t.line_text(items[0].start_mark.line)[: items[0].start_mark.column]):
            gap = 1
        last = t.last_line(items[-1])
        # Comment lines indented inside the last item belong to it: insert after them.
        while last + 1 < len(t.starts) and re.match(rf"^ {{{dash + 1},}}#", t.line_text(last + 1)):
            last += 1
        spaced = len(items) >= 2 and any(
            not t.line_text(n).strip() for n in range(t.last_line(items[-2]) + 1, items[-1].start_mark.line)
        )
        lines = render_item_lines(item, dash, max(gap, 1), quoted=quoted)
        at = t.line_end(last)
        lead = "" if body[:at].endswith(("\n", "\r", "\x85", "\u2028", "\u2029")) else nl
        new = body[:at] + lead + (nl if spaced else "") + nl.join(lines) + nl + body[at:]
    elif (isinstance(value, yaml.SequenceNode) and not value.value) or (
        isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")
    ):
        # `evidence: []`, `evidence: ~` or `evidence:` with nothing: drop the empty value written on
        # the key's line, then list the item on the lines below the key.
        line = key_node.start_mark.line
        start, end = value.start_mark.index, value.end_mark.index
        if end > start and value.start_mark.line == line:
            body = body[:start] + body[end:]
            t = _Text(body)
        head = t.line_text(line)
        if "#" not in head:
            stripped = head.rstrip()
            body = body[: t.starts[line] + len(stripped)] + body[t.starts[line] + len(head) :]
            t = _Text(body)
        at = t.line_end(line)
        lead = "" if body[:at].endswith(("\n", "\r", "\x85", "\u2028", "\u2029")) else nl
        lines = render_item_lines(item, _indent_style(t), quoted=quoted)
        new = body[:at] + lead + nl.join(lines) + nl + body[at:]
    else:
        raise EditError(f"'{key}' is not a block list (`- item` lines); cannot append to it safely")
    return bom + _verified(original, new, change)


def remove_key(text: str, loc: KeyPath) -> str:
    """`text` without the key at `loc` (e.g. `("evidence", 3, "unconfirmed")`) and its value."""
    body, bom = _strip_bom(text)
    t = _Text(body)
    try:
        parent, _ = t.find(loc[:-1])
        value, key_node = t.find(loc)
    except KeyError:
        raise EditError(f"there is no '{_loc_text(loc)}' to remove") from None
    assert key_node is not None
    if not isinstance(parent, yaml.MappingNode) or parent.flow_style:
        raise EditError(f"{_loc_text(loc[:-1])} is not a block mapping; edit it by hand")
    pairs = parent.value
    if len(pairs) == 1:
        raise EditError(f"removing '{loc[-1]}' would leave {_loc_text(loc[:-1])} empty")
    first, last = key_node.start_mark.line, t.last_line(value)
    prefix = t.line_text(first)[: key_node.start_mark.column]
    if any(k.start_mark.line in range(first, last + 1) for k, _ in pairs if k is not key_node):
        raise EditError(f"'{loc[-1]}' shares a line with another key; edit it by hand")
    after_value = body[t.last_index(value) : t.line_end(last)].strip()
    if after_value and not after_value.startswith("#"):
        raise EditError(f"something follows '{loc[-1]}' on its line; edit it by hand")
    new = body[: t.starts[first]] + body[t.line_end(last) :]
    if prefix.strip():
        # The key was the first of a list item (`- unconfirmed: true`): hand the dash to the next key.
        if not _DASH_PREFIX.match(prefix):
            raise EditError(f"unexpected text before '{loc[-1]}'; edit it by hand")
        nxt = next(k for k, _ in pairs if k is not key_node)
        line = nxt.start_mark.line - (last - first + 1)
        start = _line_starts(new)[line]
        if new[start : start + len(prefix)] != " " * len(prefix):
            raise EditError(f"cannot move the list dash to the next key of {_loc_text(loc[:-1])}; edit it by hand")
        new = new[:start] + prefix + new[start + len(prefix) :]

    def change(data: Any) -> None:
        del _get(data, loc[:-1])[loc[-1]]

    return bom + _verified(body, new, change)


def set_key(text: str, loc: KeyPath, value: Any, *, order: Sequence[str] = (), quote: bool = False) -> str:
    """`text` with the key at `loc` set to `value` (a scalar or a list of scalars, written on one
    line). An absent key is inserted after the nearest key that precedes it in `order` (the model's
    field order), else after the last key."""
    body, bom = _strip_bom(text)
    t = _Text(body)
    rendered = render_inline(value, quote=quote)
    parent, _ = t.find(loc[:-1])
    if not isinstance(parent, yaml.MappingNode) or parent.flow_style:
        raise EditError(f"{_loc_text(loc[:-1])} is not a block mapping; edit it by hand")
    pairs = {k.value: (k, v) for k, v in parent.value}
    name = str(loc[-1])
    if name in pairs:
        key_node, old = pairs[name]
        colon = body.index(":", key_node.end_mark.index)
        new = body[: colon + 1] + " " + rendered + body[t.last_index(old) :]
    else:
        before = list(order[: list(order).index(name)]) if name in order else []
        present = [k for k in before if k in pairs] or [k.value for k, _ in parent.value]
        _, anchor_value = pairs[present[-1]]
        column = parent.value[0][0].start_mark.column
        at = t.line_end(t.last_line(anchor_value))
        lead = "" if body[:at].endswith(("\n", "\r")) else t.newline
        new = body[:at] + lead + " " * column + f"{name}: {rendered}" + t.newline + body[at:]

    def change(data: Any) -> None:
        _get(data, loc[:-1])[name] = list(value) if isinstance(value, tuple) else value

    return bom + _verified(body, new, change)


# --------------------------------------------------------------------------- the file


def model_problems(doc: Document) -> list[Problem]:
    """Schema problems of a parsed data file, located, as `tracker validate` reports them."""
    from .validate.schema import file_problems  # late: it imports the models, and only saving needs this

    return file_problems(doc)


class YamlFile:
    """A data file as read, with the token that lets `save` refuse if it changed on disk since."""

    def __init__(self, path: Path, text: str, token: ReadToken):
        self.path = Path(path)
        self.text = text
        self.token = token

    @classmethod
    def read(cls, path: Path) -> YamlFile:
        data, token = read_with_token(Path(path))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EditError(f"{display_path(Path(path))} is not valid UTF-8; save it as UTF-8 first") from None
        return cls(Path(path), text, token)

    def check(self, text: str) -> Document:
        """Parse `text` as this file and validate it against its model; InvalidData if it is not valid."""
        doc, problems = parse_text(text, self.path)
        if not problems:
            problems = model_problems(doc)
        if problems:
            raise InvalidData(problems)
        return doc

    def save(self, text: str) -> None:
        """Validate `text` and write it atomically, unless the file changed on disk since it was read
        (atomic.FileChanged) or the text is not valid (InvalidData); either way nothing is written."""
        self.check(text)
        write_atomic(self.path, text.encode("utf-8"), expect=self.token)
        self.text = text
        self.token = ReadToken.of(self.path, text.encode("utf-8"))
