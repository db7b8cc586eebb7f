"""`alloygan kb ...`: build, inspect and query the alloy knowledge base."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fmt, print_result, progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import KnowledgeBaseStats, KnownAlloy, QuarantineEntry

app = typer.Typer(help="Build, inspect and query the alloy knowledge base.", no_args_is_help=True)


@app.command("build")
def build(
    source: Optional[Path] = typer.Option(None, "--source", help="Re-mine this dataset-table PDF (default: the shipped mined table)."),
    export: Optional[Path] = typer.Option(None, "--export", help="Also write the mined rows as CSV (the shipped-file format)."),
    json_out: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Fill the store from the published dataset table (shipped, or re-mined from a PDF).

    Only the table's reports are replaced: records added from papers and experiments stay."""
    from alloygan.tools.knowledge import build_knowledge_base

    with progress("building the knowledge base") as on_progress:
        stats = build_knowledge_base(source, export, on_progress)
    print_result(stats, json_out, lambda built: _print_stats(built, export))


@app.command("stats")
def stats(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Rows read, accepted, quarantined, unique compositions, alloys per base element."""
    from alloygan.tools.knowledge import kb_stats

    print_result(kb_stats(), json_out, _print_stats)


def _print_stats(data: KnowledgeBaseStats, export: Path | None = None) -> None:
    if data.built_from:
        console.print(f"Built from {data.built_from}")
    console.print(
        f"[bold]{data.rows_read}[/] rows read = [green]{data.accepted}[/] accepted + "
        f"[yellow]{data.quarantined}[/] quarantined; [bold]{data.unique_compositions}[/] unique compositions "
        f"({data.conflicting_alloys} with reports differing by more than 10 K)"
    )
    families = ", ".join(f"{k} {v}" for k, v in data.families.items())
    console.print(f"Alloys by base element: {families}")
    console.print(f"Store: {data.store} (schema v{data.schema_version})", style="dim")
    if export:
        console.print(f"Mined rows written to {export}")


@app.command("query")
def query(
    base: Optional[str] = typer.Option(None, "--base", help="Base element, e.g. Zr."),
    require: Optional[str] = typer.Option(None, "--require", help="Elements that must be present, e.g. Cu,Al."),
    exclude: Optional[str] = typer.Option(None, "--exclude", help="Elements that must be absent, e.g. Ag,Be."),
    where: Optional[str] = typer.Option(None, "--where", help='Conditions, e.g. "Trg>=0.6, Tg<700".'),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N alloys."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array of alloy records."),
) -> None:
    """Known alloys matching elements and property conditions (highest Trg first)."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.knowledge import AlloyQuery, query_alloys

    query = validated(AlloyQuery, base=base, require=require or [], exclude=exclude or [], where=where, limit=limit)
    print_result(query_alloys(query).alloys, json_out, _print_alloys)


def _print_alloys(alloys: list[KnownAlloy]) -> None:
    table = Table(title=f"{len(alloys)} known alloys (n: reports; ⚠: reports differ by more than 10 K; "
                        f"`--json` for every source)", title_justify="left")
    for column in ("composition (at.%)", "Tg/Tx/Tl K", "Trg", "γ", "ΔTx K", "n", "source"):
        table.add_column(column, justify="left" if column in ("composition (at.%)", "source") else "right",
                         overflow="fold", min_width=18 if column.startswith("composition") else None)
    for a in alloys:
        first = a.sources[0]
        table.add_row(a.formula, f"{fmt(a.Tg, 0)}/{fmt(a.Tx, 0)}/{fmt(a.Tl, 0)}", fmt(a.Trg), fmt(a.gamma),
                      fmt(a.dTx, 0), str(a.n_reports) + (" ⚠" if a.conflicting else ""),
                      f"p{first.page}" if first.page else first.kind)
    console.print(table)


@app.command("quarantine")
def quarantine(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Rows that could not be read exactly or failed a check, with the reason."""
    from alloygan.tools.knowledge import quarantine_rows

    print_result(quarantine_rows(), json_out, _print_quarantine)


def _print_quarantine(rows: list[QuarantineEntry]) -> None:
    table = Table(title=f"{len(rows)} quarantined rows", title_justify="left")
    table.add_column("where")
    table.add_column("row as printed")
    table.add_column("reason")
    for r in rows:
        table.add_row(r.location, r.raw_text, r.reason)
    console.print(table)
