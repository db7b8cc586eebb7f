"""`alloygan schema [NAME]`: the JSON Schemas of the results the CLI, the tools and the API return."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from alloygan.agent.cli.output import console, fail


def schema(
    name: Optional[str] = typer.Argument(None, help="A result name, e.g. known-alloy; without it, list the names."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write every schema as DIR/NAME.json (the docs: "
                                                           "`alloygan schema --out docs/schemas`)."),
) -> None:
    """The JSON Schema of a result (printed as JSON), the list of published results, or all as files."""
    from alloygan.tools.schemas import schema_names, schema_summary, schema_text, write_schema_files

    if name and out:
        fail("give a NAME to print one schema, or --out DIR to write them all, not both")
    if out is not None:
        written, stale = write_schema_files(out)
        console.print(f"{len(written)} schemas written to {out}", markup=False, soft_wrap=True)
        for path in stale:
            console.print(f"{path}: no published result has this name any more; delete the file", style="yellow",
                          markup=False, soft_wrap=True)
    elif name:
        typer.echo(schema_text(name), nl=False)
    else:
        for known in schema_names():
            console.print(f"{known:<22} {schema_summary(known)}", markup=False, highlight=False, soft_wrap=True)
