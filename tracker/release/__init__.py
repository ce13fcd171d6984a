"""`tracker release`: a versioned, citable snapshot of validated data, in forms that need no Python to
use: CSV/JSON tables with a Frictionless data package, a SQLite database for Datasette, the codebook
and CITATION.cff, and a static site.

The release is built in a fresh folder beside OUTPUT_DIR and moved in only when complete, so a failure
leaves OUTPUT_DIR as it was. Files of a previous release there (listed in its release.json) are
replaced; any other file is left alone, and one that a release file would overwrite is refused unless
the caller passes `force`."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import OutputRefused
from ..gcpause import collector_paused
from ..store import Dataset

MANIFEST = "release.json"
TOOL = "accord-tracker"


@dataclass
class Release:
    folder: Path
    version: str
    as_of: date
    files: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a release in `folder`, or None when `folder` holds no release of this tool."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL or not isinstance(manifest.get("files"), list):
        return None
    return manifest


def _existing(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def check_output(folder: Path, *, force: bool = False) -> None:
    """Refuse before any work when `folder` is a file, or non-empty and not a release, without `force`."""
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(f"{folder}: is a file, not a folder; give a folder for the release")
    if folder.is_dir() and any(folder.iterdir()) and read_manifest(folder) is None and not force:
        raise OutputRefused(
            f"{folder}: not empty and not a previous release (no {MANIFEST}); nothing was written. "
            "Give an empty or new folder, or a previous release's, or pass --force to write the release's "
            "files there (other files are left as they are)"
        )


def _install(built: Path, folder: Path, files: list[str], *, force: bool) -> list[str]:
    """Move the built files into `folder`; return the paths replaced."""
    old = read_manifest(folder) if folder.is_dir() else None
    ours = {f for f in (old or {}).get("files", []) if isinstance(f, str)}
    present = _existing(folder)
    foreign = sorted((set(files) & present) - ours)
    if foreign and not force:
        raise OutputRefused(
            f"{folder}: the release would overwrite {len(foreign)} file(s) it did not write "
            f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); nothing was written. "
            "Move them, or pass --force to replace them"
        )
    folder.mkdir(parents=True, exist_ok=True)
    resolved = folder.resolve()
    # Files of the previous release that this one does not write any more go; nothing else does.
    for stale in sorted(ours - set(files)):
        target = (folder / stale).resolve()
        if target.is_relative_to(resolved) and target.is_file():
            target.unlink()
    replaced = sorted(set(files) & present)
    for name in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (built / name).replace(target)
    for directory in sorted({p for p in folder.rglob("*") if p.is_dir()}, key=lambda p: -len(p.parts)):
        if not any(directory.iterdir()):
            directory.rmdir()
    return replaced


def build(
    dataset: Dataset,
    folder: Path,
    *,
    as_of: date,
    version: str | None = None,
    previous: Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> Release:
    """Write a release of `dataset` (already validated) at `as_of` into `folder`."""
    with collector_paused():
        return _build(dataset, folder, as_of=as_of, version=version, previous=previous, force=force, progress=progress)


def _build(
    dataset: Dataset,
    folder: Path,
    *,
    as_of: date,
    version: str | None,
    previous: Path | None,
    force: bool,
    progress: Callable[[str], None],
) -> Release:
    from . import codebook, package, site
    from .changes import compare, read_release
    from .tables import build_tables, histories_of

    check_output(folder, force=force)
    version = version or as_of.isoformat()
    before = read_release(previous) if previous is not None else None
    progress("tables")
    histories = histories_of(dataset, as_of)
    tables = build_tables(dataset, as_of, histories)
    changes = compare(before, tables)
    tables.append(changes.table())

    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}.", dir=folder.parent) as tmp:
        built = Path(tmp)
        files: list[str] = []
        for table in tables:
            files += package.write_table_files(table, built)
        progress("database")
        package.write_sqlite(tables, built / package.DATABASE)
        files.append(package.DATABASE)
        progress("codebook")
        files += codebook.write(built, dataset, version=version, as_of=as_of)
        sources = codebook.sources(dataset)
        meta = package.datapackage(tables, version=version, as_of=as_of.isoformat(), sources=sources)
        (built / "datapackage.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
        files.append("datapackage.json")
        progress("site")
        files += site.write(built, dataset, tables, as_of=as_of, version=version, changes=changes, histories=histories)
        files.append(MANIFEST)
        manifest = {
            "tool": TOOL,
            "version": version,
            "as_of": as_of.isoformat(),
            "previous": before.version if before else None,
            "files": sorted(files),
        }
        (built / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        replaced = _install(built, folder, sorted(files), force=force)
    return Release(folder, version, as_of, sorted(files), replaced, {t.name: len(t.records) for t in tables})


__all__ = ["MANIFEST", "OutputRefused", "Release", "build", "check_output", "read_manifest"]
