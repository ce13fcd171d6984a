"""What changed since a previous release: statuses, evidence and assessments added, corrected or removed.

Compared table to table (the previous release's JSON files against the new tables), not by reloading
old data: a previous release is all a reader has, and it is what they saw."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TrackerError
from .tables import Record, Table

COLUMNS = ["change", "item_id", "provision_ids", "before", "after", "fields"]
# Compared item by item: the table, its key, and the change names (added, corrected, removed).
COMPARED = (("evidence", "evidence_id", "evidence"), ("assessments", "assessment_id", "assessment"))
# Columns that name the provisions an item bears on, per table.
PROVISION_COLUMN = {"evidence": "provision_ids", "assessments": "provision_id", "statuses": "provision_id"}


class NotARelease(TrackerError):
    """--previous names a folder that holds no release of this tool."""


@dataclass
class Previous:
    folder: Path
    version: str
    as_of: str
    tables: dict[str, list[Record]]


def read_release(folder: Path) -> Previous:
    from . import MANIFEST, read_manifest

    manifest = read_manifest(folder)
    if manifest is None:
        raise NotARelease(f"{folder}: not a release of this tool (no {MANIFEST} written by `tracker release`)")
    tables: dict[str, list[Record]] = {}
    for name in ("statuses", "evidence", "assessments"):
        path = folder / "data" / f"{name}.json"
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotARelease(f"{path}: cannot be read as a release table ({exc})") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise NotARelease(f"{path}: not a list of records; is this folder a release?")
        tables[name] = rows
    return Previous(folder, str(manifest.get("version", "")), str(manifest.get("as_of", "")), tables)


@dataclass(frozen=True)
class Change:
    change: str
    item_id: str
    provision_ids: str
    before: str | None
    after: str | None
    fields: str | None = None


@dataclass
class Changes:
    previous: Previous | None
    items: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.items if c.change == kind]

    def table(self) -> Table:
        records = [{c: getattr(ch, c) for c in COLUMNS} for ch in self.items]
        since = f" since release {self.previous.version} ({self.previous.as_of})" if self.previous else ""
        return Table(
            "changes",
            "Changes since the previous release",
            f"Statuses changed, and evidence and assessments added, corrected or removed{since}. Empty when the "
            "release was made without --previous.",
            COLUMNS,
            records,
            ("change", "item_id"),
        )


def _provisions(table: str, row: Record) -> str:
    return str(row.get(PROVISION_COLUMN[table]) or "")


def _value(value: Any) -> str | None:
    return None if value is None else str(value)


def compare(before: Previous | None, tables: Sequence[Table]) -> Changes:
    changes = Changes(before)
    if before is None:
        return changes
    now = {t.name: t.records for t in tables}
    old_status = {r.get("provision_id"): r for r in before.tables["statuses"]}
    new_status = {r["provision_id"]: r for r in now["statuses"]}
    for pid, row in new_status.items():
        old = old_status.get(pid)
        if old is None:
            changes.items.append(Change("provision-added", pid, pid, None, row["status"]))
        elif old.get("status") != row["status"]:
            changes.items.append(Change("status-changed", pid, pid, _value(old.get("status")), row["status"]))
    for pid, old in old_status.items():
        if pid not in new_status:
            changes.items.append(Change("provision-removed", str(pid), str(pid), _value(old.get("status")), None))

    for name, key, word in COMPARED:
        old_rows = {r.get(key): r for r in before.tables[name]}
        new_rows = {r[key]: r for r in now[name]}
        for ident, row in new_rows.items():
            old = old_rows.get(ident)
            if old is None:
                changes.items.append(Change(f"{word}-added", ident, _provisions(name, row), None, None))
                continue
            # Only columns both releases have: a column added to the tables is not a correction.
            differ = [c for c in row if c in old and old[c] != row[c]]
            if differ:
                changes.items.append(
                    Change(
                        f"{word}-corrected",
                        ident,
                        _provisions(name, row),
                        "; ".join(f"{c}={old[c]}" for c in differ if c in ("stance", "status", "event_date")) or None,
                        "; ".join(f"{c}={row[c]}" for c in differ if c in ("stance", "status", "event_date")) or None,
                        "; ".join(differ),
                    )
                )
        for ident, old in old_rows.items():
            if ident not in new_rows:
                changes.items.append(Change(f"{word}-removed", str(ident), _provisions(name, old), None, None))
    order = {k: i for i, k in enumerate(KINDS)}
    changes.items.sort(key=lambda c: (order.get(c.change, len(order)), c.item_id))
    return changes


KINDS = (
    "status-changed",
    "provision-added",
    "provision-removed",
    "evidence-added",
    "evidence-corrected",
    "evidence-removed",
    "assessment-added",
    "assessment-corrected",
    "assessment-removed",
)
