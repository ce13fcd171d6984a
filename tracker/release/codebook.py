"""The codebook (methodology and vocabularies) and CITATION.cff: what a reader needs to use and cite a release."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from ..store import Dataset
from .tables import vocabularies

METHODOLOGY = Path(__file__).resolve().parent.parent.parent / "docs" / "methodology.md"
TITLE = "Accord Tracker: implementation of the Nagorno-Karabakh statements, provision by provision"


def _md(text: str) -> str:
    """A table cell: pipes and line breaks would break the Markdown table."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def vocabularies_md() -> str:
    lines = [
        "# Vocabularies",
        "",
        "Generated from the tracker's model (`tracker/models.py`) by `tracker release`; the meaning of each",
        "code is defined in [methodology.md](methodology.md). The same list is the `vocabularies` table of the",
        "data package.",
    ]
    current = None
    for row in vocabularies().records:
        if row["vocabulary"] != current:
            current = row["vocabulary"]
            lines += ["", f"## {current}", ""]
            if row["description"]:
                lines += [_md(row["description"]), ""]
            lines += ["| code | label |", "|---|---|"]
        lines.append(f"| `{_md(row['code'])}` | {_md(row['label'])} |")
    return "\n".join(lines) + "\n"


def citation(version: str, as_of: date) -> str:
    data = {
        "cff-version": "1.2.0",
        "message": "If you use this data, please cite it as below.",
        "type": "dataset",
        "title": TITLE,
        "version": version,
        "date-released": as_of.isoformat(),
        "authors": [{"name": "Accord Tracker contributors"}],
        "license": "CC-BY-4.0",
        "abstract": (
            "Statuses of the provisions of the Nagorno-Karabakh statements of 2020-2021 (and later agreements), "
            "each derived by published rules from dated, quoted evidence, with the evidence and the status history."
        ),
        "keywords": ["peace agreements", "Nagorno-Karabakh", "implementation", "ceasefire"],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def readme(version: str, as_of: date) -> str:
    return f"""# Accord Tracker release {version}

Statuses at {as_of.isoformat()}, with the evidence and rules they come from.

- `site/index.html`: the static site (open it in a browser, or put `site/` on any static host).
- `tracker.db`: the SQLite database (`datasette tracker.db`), with full-text search on quotes, summaries and notes.
- `datapackage.json` and `data/`: the tables as CSV (UTF-8 with BOM) and JSON, described as a Frictionless
  Data Package (`frictionless validate datapackage.json`).
- `codebook/`: the methodology (how each status is derived) and the vocabularies of codes.
- `CITATION.cff`: how to cite this release.
"""


def sources(dataset: Dataset) -> list[dict[str, str]]:
    """The data package's `sources`: where the agreement texts were read, and the stored articles."""
    out: list[dict[str, str]] = []
    for agreement in dataset.agreements.values():
        for s in agreement.sources:
            entry = {"title": f"{agreement.short_title}: {s.title}"}
            if s.url:
                entry["path"] = s.url
            out.append(entry)
    out.append({"title": f"{len(dataset.sources)} articles stored verbatim (table 'sources')"})
    return out


def write(folder: Path, dataset: Dataset, *, version: str, as_of: date) -> list[str]:
    book = folder / "codebook"
    book.mkdir(parents=True, exist_ok=True)
    try:
        methodology = METHODOLOGY.read_text(encoding="utf-8")
    except OSError:  # an installed package without the repository's docs
        methodology = "# Methodology\n\nSee docs/methodology.md in the Accord Tracker repository.\n"
    (book / "methodology.md").write_text(methodology, encoding="utf-8")
    (book / "vocabularies.md").write_text(vocabularies_md(), encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation(version, as_of), encoding="utf-8")
    (folder / "README.md").write_text(readme(version, as_of), encoding="utf-8")
    return ["codebook/methodology.md", "codebook/vocabularies.md", "CITATION.cff", "README.md"]
