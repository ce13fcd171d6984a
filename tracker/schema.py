"""JSON Schemas for the YAML files, generated from the pydantic models (the one source of truth).

Editors with the YAML language server read them through the `# yaml-language-server: $schema=`
line at the top of each data file, and complete and check fields as the analyst types."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .atomic import write_atomic
from .models import ActorsFile, AgreementFile, AliasesFile, AssessmentsFile, EventsFile, SourceFile

SCHEMAS: dict[str, type[BaseModel]] = {
    "agreement.schema.json": AgreementFile,
    "actors.schema.json": ActorsFile,
    "source.schema.json": SourceFile,
    "assessments.schema.json": AssessmentsFile,
    "events.schema.json": EventsFile,
    "aliases.schema.json": AliasesFile,
}


def schema_text(model: type[BaseModel]) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema(by_alias=True)}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; return the files that changed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, model in SCHEMAS.items():
        path = folder / name
        text = schema_text(model)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text.encode("utf-8"))
            changed.append(path)
    return changed
