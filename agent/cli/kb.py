"""`alloygan kb ...`: build, inspect and query the alloy knowledge base."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fmt, print_result, progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import (
        KnowledgeBaseStats,
        KnownAlloy,
        QuarantineEntry,
        SourceEntry,
        SourceRemoval,
        TableExport,
        TableImport,
    )

app = typer.Typer(help="Build, inspect and query the alloy knowledge base.", no_args_is_help=True)


@app.command("build")
def build(
    source: Optional[Path] = typer.Option(None, "--source", help="Re-mine this dataset-table PDF (default: the shipped mined table)."),
    export: Optional[Path] = typer.Option(None, "--export", help="Also write the mined rows as CSV (the shipped-file format)."),
    force: bool = typer.Option(False, "--force", help="Replace the --export file if it exists."),
    json_out: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Fill the store from the published dataset table (shipped, or re-mined from a PDF).

    Only the table's reports are replaced: records added from papers and experiments stay."""
    from alloygan.tools.knowledge import build_knowledge_base

    with progress("building the knowledge base") as on_progress:
        stats = build_knowledge_base(source, export, on_progress, force=force)
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
    console.print("By source (reports accepted / quarantined):")
    for source in data.sources:
        console.print(f"  {source.accepted:>5} / {source.quarantined:<4} {source.kind}: {source.title} "
                      f"[dim]({source.sha256[:12]})[/]", highlight=False, soft_wrap=True)
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


@app.command("import")
def import_table(
    path: Path = typer.Argument(..., help="Your table: .csv, .xlsx or .json with composition, Tg, Tx, Tl "
                                          "(K, or °C in the header or a unit column); optional Dmax, source, DOI, notes."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count the rows; write nothing."),
    max_reports: int = typer.Option(5_000, "--max-reports", min=1,
                                    help="Refuse a file that would add more reports than this."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add your own measured alloys; each row is checked like a mined row (formula, Tg < Tx < Tl, plausible
    ranges, agreement with neighbours) and quarantined with its reason when it fails. Importing a file twice adds
    nothing; `alloygan train` then retrains on everything."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.knowledge import ImportArgs, import_alloy_table

    result = import_alloy_table(validated(ImportArgs, path=str(path), dry_run=dry_run, max_reports=max_reports))
    print_result(result, json_out, _print_import)


def _print_import(result: TableImport) -> None:
    verb = "would add" if not result.written and not result.already_imported else "added"
    console.print(f"{result.file}: {result.rows_read} rows read: [green]{result.added}[/] {verb}, "
                  f"{result.already_present} already present, [yellow]{result.quarantined}[/] quarantined",
                  highlight=False, soft_wrap=True)
    if result.already_imported:
        console.print("This file (same SHA-256) was imported before; nothing written.")
    for note in filter(None, [result.unit_note, result.ignored_columns and
                              "columns not read: " + ", ".join(result.ignored_columns), *result.notes]):
        console.print(note, style="dim", highlight=False)
    for row in result.quarantined_rows[:20]:
        console.print(f"  quarantined {row.location}: {row.reason}", highlight=False, markup=False, soft_wrap=True)
    if len(result.quarantined_rows) > 20:
        console.print(f"  ... {len(result.quarantined_rows) - 20} more (`--json`, or `alloygan kb quarantine`)")
    if result.written:
        console.print(f"Knowledge base: {result.unique_compositions} alloys; source sha256 {result.sha256[:12]}. "
                      "Run `alloygan train` to retrain on them.", highlight=False)
    elif not result.already_imported:
        console.print("Nothing written (--dry-run).", style="dim")


@app.command("export")
def export_table(
    path: Path = typer.Argument(..., help="File to write: .csv, .xlsx or .json (the format `kb import` reads)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write every accepted report (composition, Tg, Tx, Tl in K, Dmax, source, DOI, notes), one row each."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.knowledge import ExportArgs, export_alloy_table

    result = export_alloy_table(validated(ExportArgs, path=str(path), force=force))
    print_result(result, json_out, _print_export)


def _print_export(result: TableExport) -> None:
    console.print(f"{result.rows} reports written to {result.file} ({result.format}: {', '.join(result.columns)})",
                  highlight=False, soft_wrap=True)


@app.command("sources")
def sources(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every source of the knowledge base (id, kind, title, path, reports, added), oldest first."""
    from alloygan.tools.knowledge import list_sources

    print_result(list_sources(), json_out, _print_sources)


def _print_sources(rows: list[SourceEntry]) -> None:
    table = Table(title=f"{len(rows)} sources (`alloygan kb remove-source ID` takes one out)", title_justify="left")
    for column in ("id", "kind", "title", "path", "reports", "quarantined", "added (UTC)"):
        table.add_column(column, justify="right" if column in ("id", "reports", "quarantined") else "left",
                         overflow="fold")
    for r in rows:
        table.add_row(str(r.id), r.kind, r.title, r.path, str(r.reports), str(r.quarantined), r.added_at[:19])
    console.print(table)


@app.command("remove-source")
def remove_source(
    source_id: int = typer.Argument(..., help="The source's id (from `alloygan kb sources`)."),
    yes: bool = typer.Option(False, "--yes", help="Remove it (without: only show what would be removed)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Take a source and all its reports and quarantined rows out of the knowledge base, in one transaction; shows
    first what goes (add --yes to remove it). `alloygan train` then retrains without them."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.knowledge import RemoveSourceArgs
    from alloygan.tools.knowledge import remove_source as remove

    result = remove(validated(RemoveSourceArgs, id=source_id, yes=yes))
    print_result(result, json_out, _print_removal)


def _print_removal(result: SourceRemoval) -> None:
    s = result.source
    verb = "Removed" if result.removed else "Would remove"
    console.print(f"{verb} source {s.id} ({s.kind}: {s.title}): {s.reports} reports, {s.quarantined} quarantined "
                  f"rows; {len(result.alloys_removed)} alloys lose all their reports, {len(result.alloys_changed)} keep "
                  "reports of other sources.", highlight=False, markup=False, soft_wrap=True)
    if result.alloys_removed:
        shown = ", ".join(result.alloys_removed[:20])
        more = f" ... {len(result.alloys_removed) - 20} more (--json)" if len(result.alloys_removed) > 20 else ""
        console.print(f"  leaving: {shown}{more}", highlight=False, markup=False, soft_wrap=True)
    if s.kind == "published-table":
        console.print("The published table comes back with `alloygan kb build` (and by itself when no report is left).",
                      style="dim")
    if result.removed:
        console.print(f"Knowledge base: {result.unique_compositions} alloys. Run `alloygan train` to retrain without "
                      "them.", highlight=False)
    else:
        console.print("Nothing removed: add --yes to remove it.", style="yellow")
