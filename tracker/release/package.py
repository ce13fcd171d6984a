"""The tables written three ways: CSV and JSON files described by a Frictionless `datapackage.json`,
and one SQLite database (keys, indexes, full-text search) that Datasette opens as it is."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import export
from .tables import DESCRIPTIONS, Table

DATA_DIR = "data"
DATABASE = "tracker.db"
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
# Our summaries, codes and statuses are ours to licence; quotes stay their authors', cited as fair use.
RIGHTS = (
    "Codes, statuses, summaries and notes: CC-BY-4.0. Quotations and agreement texts are reproduced "
    "verbatim for criticism and review and remain their authors'."
)
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}


def write_table_files(table: Table, folder: Path) -> list[str]:
    """`data/<name>.csv` (export.py's writer: BOM, formula-safe) and `data/<name>.json`; return their paths."""
    data = folder / DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    with (data / f"{table.name}.csv").open("wb") as out:
        export.write_rows_csv(table.records, out, table.columns)
    # One record per line, each encoded by json.dumps (C): json.dump to a file encodes in Python, five
    # times slower at 100k passages, and one dumps of the whole table would hold it twice in memory.
    with (data / f"{table.name}.json").open("w", encoding="utf-8") as out:
        out.write("[")
        for i, record in enumerate(table.records):
            out.write(("\n" if i == 0 else ",\n") + json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("\n]\n" if table.records else "]\n")
    return [f"{DATA_DIR}/{table.name}.csv", f"{DATA_DIR}/{table.name}.json"]


def _field(table: Table, column: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": column, "type": table.type_of(column)}
    if column in DESCRIPTIONS:
        spec["description"] = DESCRIPTIONS[column]
    if spec["type"] == "boolean":
        spec["trueValues"] = ["True", "true"]
        spec["falseValues"] = ["False", "false"]
    if column in table.primary_key:
        spec["constraints"] = {"required": True}
    return spec


def resource(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field(table, c) for c in table.columns],
        "primaryKey": list(table.primary_key),
        "missingValues": [""],
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": fk.table, "fields": list(fk.reference)}}
            for fk in table.foreign_keys
        ]
    return {
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "path": f"{DATA_DIR}/{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",  # the BOM export.py writes for spreadsheets
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        "schema": schema,
    }


def datapackage(tables: Sequence[Table], *, version: str, as_of: str, sources: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": "accord-tracker",
        "title": "Accord Tracker: implementation of the Nagorno-Karabakh statements, provision by provision",
        "description": (
            f"Statuses at {as_of}, their history, and the dated evidence they are derived from by the published "
            "rules (codebook/methodology.md). CSV cells that a spreadsheet would run as a formula start with an "
            "apostrophe; the JSON files and tracker.db hold the text as it is."
        ),
        "version": version,
        "created": f"{as_of}T00:00:00Z",
        "licenses": [LICENCE],
        "rights": RIGHTS,
        "sources": sources,
        "keywords": ["peace agreements", "Nagorno-Karabakh", "implementation", "ceasefire"],
        "resources": [resource(t) for t in tables],
    }


# --------------------------------------------------------------------------- SQLite


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_value(table: Table, column: str, value: Any) -> Any:
    if value is not None and table.type_of(column) == "boolean":
        return 1 if value in (True, "True", "true") else 0
    return value


def write_sqlite(tables: Sequence[Table], path: Path) -> None:
    """One table per resource with its keys, indexes on what readers filter by, and an FTS5 index
    (`<table>_fts`, external content) on the text columns, which Datasette finds and offers as search."""
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA journal_mode = OFF")  # built once, in a fresh file: no journal needed
        con.execute("PRAGMA synchronous = OFF")
        for t in tables:
            cols = [f"{_quote(c)} {SQL_TYPES.get(t.type_of(c), 'TEXT')}" for c in t.columns]
            cols.append(f"PRIMARY KEY ({', '.join(map(_quote, t.primary_key))})")
            for fk in t.foreign_keys:
                cols.append(
                    f"FOREIGN KEY ({', '.join(map(_quote, fk.fields))}) "
                    f"REFERENCES {_quote(fk.table)} ({', '.join(map(_quote, fk.reference))})"
                )
            con.execute(f"CREATE TABLE {_quote(t.name)} (\n  " + ",\n  ".join(cols) + "\n)")
            placeholders = ", ".join("?" for _ in t.columns)
            con.executemany(
                f"INSERT INTO {_quote(t.name)} VALUES ({placeholders})",
                ([_sql_value(t, c, r[c]) for c in t.columns] for r in t.records),
            )
            indexed = {c for fk in t.foreign_keys for c in fk.fields if len(fk.fields) == 1} | set(t.indexes)
            for column in sorted(indexed - {t.primary_key[0]} if len(t.primary_key) == 1 else indexed):
                con.execute(f"CREATE INDEX {_quote(f'idx_{t.name}_{column}')} ON {_quote(t.name)} ({_quote(column)})")
            search = [c for c in t.search if c in t.columns]
            if search:
                fts = _quote(f"{t.name}_fts")
                con.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING FTS5 ({', '.join(map(_quote, search))}, "
                    f"content={_quote(t.name)})"
                )
                con.execute(
                    f"INSERT INTO {fts} (rowid, {', '.join(map(_quote, search))}) "
                    f"SELECT rowid, {', '.join(map(_quote, search))} FROM {_quote(t.name)}"
                )
        con.commit()
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:  # the tables are made from validated data: this is a bug, not bad input
            raise AssertionError(f"foreign keys broken in the release database: {problems[:5]}")
    finally:
        con.close()
