"""The published JSON Schemas of the typed results (`alloygan schema`, and the files in docs/schemas/).

Every result model that sets `schema_name` is published under that name (`RESULT_MODELS`).
A schema file is exactly what `alloygan schema NAME` prints, so `alloygan schema --out
docs/schemas` regenerates the documentation and a test checks that it is current.
"""
from __future__ import annotations

import json
from pathlib import Path

from alloygan.knowledge_base.file_writes import write_whole
from alloygan.tools.errors import ToolInputError
from alloygan.tools.outputs import checked_output_directory
from alloygan.tools.results import RESULT_MODELS

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_names() -> list[str]:
    """The published result names, sorted."""
    return sorted(RESULT_MODELS)


def schema_summary(name: str) -> str:
    """The first sentence of the model's description: what the result is."""
    doc = " ".join((RESULT_MODELS[name].__doc__ or "").split())
    return doc.split(". ")[0].rstrip(".")


def json_schema(name: str) -> dict:
    """The JSON Schema of the result published as `name` (what its JSON form validates against)."""
    model = RESULT_MODELS.get(name)
    if model is None:
        raise ToolInputError(f"schema {name}: no result of that name; use one of {', '.join(schema_names())}")
    return {"$schema": JSON_SCHEMA_DIALECT, **model.model_json_schema()}


def schema_text(name: str) -> str:
    """The schema as a file holds it (and as `alloygan schema NAME` prints it)."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name -> text, for every published result."""
    return {f"{name}.json": schema_text(name) for name in schema_names()}


def write_schema_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """Write every schema into `directory` (each file whole or not at all); return (written, stale): stale
    files are `*.json` there that no published result has any more (named, not deleted)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ToolInputError(f"--out {directory}: no such directory; create it or give another")
    checked_output_directory(directory, "--out")  # its own schema files are what it replaces
    files = schema_files()
    written = []
    for file_name, text in files.items():
        path = directory / file_name
        write_whole(path, lambda target, text=text: target.write_text(text, encoding="utf-8"))
        written.append(path)
    stale = sorted(path for path in directory.glob("*.json") if path.name not in files)
    return written, stale
