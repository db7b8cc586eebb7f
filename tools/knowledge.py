"""Knowledge-base operations as plain functions with typed results (the CLI, the agent's tools and the
Python API share them; each takes its argument model, the one schema of its tool)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, field_validator

from alloygan.knowledge_base.composition import Composition, element_symbols
from alloygan.knowledge_base.literature.extraction import DEFAULT_MAX_REPORTS
from alloygan.knowledge_base.file_writes import write_whole
from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.knowledge_base.store import AlloyStore
from alloygan.knowledge_base.table_files import MAX_ROWS
from alloygan.knowledge_base.table_miner import mine_table, shipped_table, table_to_csv
from alloygan.tools.arguments import Arguments
from alloygan.tools.errors import ToolInputError
from alloygan.tools.outputs import checked_output_file
from alloygan.tools.results import (
    AlloyDescription, AlloyDescriptions, AlloyQueryResult, ImportedRowIssue, KnowledgeBaseStats, KnownAlloy,
    QuarantineEntry, SourceEntry, SourceRemoval, TableExport, TableImport, rounded,
)


def open_store() -> AlloyStore:
    """The default store; on first use it is filled from the mined table shipped with the package."""
    return AlloyStore.open_default()


def build_knowledge_base(
    source: Path | None = None,
    export: Path | None = None,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
) -> KnowledgeBaseStats:
    """(Re)build the published-table source: mine `source` (a PDF, pages reported to `on_progress`) or load
    the shipped CSV; `export` (checked before any work) replaces an existing file only with `force`."""
    if source is not None:
        source = Path(source)
        if not source.exists():
            raise ToolInputError(f"--source {source}: no such file; give the path of the dataset table PDF")
    if export is not None:
        export = checked_output_file(export, "--export", force=force, inputs=[("--source", source)])
    table = mine_table(source, on_progress=on_progress) if source is not None else shipped_table()
    if export is not None:
        text = table_to_csv(table)
        try:
            write_whole(export, lambda target: target.write_text(text, encoding="utf-8"))
        except OSError as error:  # a full disk: nothing half-written is left, and the store is not touched
            raise ToolInputError(f"--export {export}: could not write ({error.strerror or error}); nothing was "
                                 f"written; free space or choose another place") from None
    with AlloyStore.open_default(fill=False) as store:
        store.replace_source(table.source, table.reports, table.quarantined)
        stats = store.stats()
    built_from = str(source) if source else "shipped table (knowledge_base/data/published_table.csv)"
    return KnowledgeBaseStats(**stats, built_from=built_from)


def kb_stats() -> KnowledgeBaseStats:
    with open_store() as store:
        return KnowledgeBaseStats(**store.stats())


class ImportArgs(Arguments):
    """Add a user's own measured alloys from a table file (CSV, XLSX or JSON with composition, Tg, Tx, Tl in K or
    °C, optional Dmax, source, DOI, notes) to the knowledge base; every row is checked like a mined row."""

    path: str = Field(min_length=1, description="The table file (.csv, .xlsx or .json)")
    dry_run: bool = Field(False, description="Check and count the rows without writing anything")
    max_reports: int = Field(DEFAULT_MAX_REPORTS, ge=1, le=MAX_ROWS,
                             description="A file that would add more reports than this is refused")


def import_alloy_table(args: ImportArgs) -> TableImport:
    """Read, check and (unless `dry_run`) store the rows of a user's table, all in one transaction; a file
    imported before (same SHA-256) adds nothing. A file that cannot be used raises `ToolInputError`."""
    from alloygan.knowledge_base.imports import read_user_table
    from alloygan.knowledge_base.table_files import TableFileError

    path = Path(args.path).expanduser()
    with open_store() as store:
        try:
            table = read_user_table(path, known=store.reports())
        except TableFileError as error:
            raise ToolInputError(str(error)) from None
        if len(table.reports) > args.max_reports:
            raise ToolInputError(f"{path}: {len(table.reports):,} reports to add, more than --max-reports "
                                 f"{args.max_reports:,}; raise --max-reports, or split the file")
        already = store.has_source(table.source.sha256)
        written = not args.dry_run and not already
        added = store.import_source(table.source, table.reports, table.quarantined).added if written else 0
        unique = store.stats()["unique_compositions"]
    issues = lambda rows: [ImportedRowIssue(location=location, raw_text=raw, reason=reason)
                           for location, raw, reason in rows]
    duplicates = [(location, "", what) for location, what in table.duplicates]
    return TableImport(
        file=str(path), sha256=table.source.sha256, format=table.kind, rows_read=table.rows_read,
        added=added if written else (0 if already else len(table.reports)),
        already_present=len(table.duplicates) + (len(table.reports) if already else 0),
        quarantined=len(table.quarantined), written=written, already_imported=already, unit_note=table.unit_note,
        ignored_columns=list(table.ignored_columns),
        quarantined_rows=issues((q.location, q.raw_text, q.reason) for q in table.quarantined),
        duplicate_rows=issues(duplicates), unique_compositions=unique,
        notes=[f"{count} report{'' if count == 1 else 's'} already known from source {title!r}; not counted twice"
               for title, count in table.known_from.items()])


class ExportArgs(Arguments):
    """Write every accepted report of the knowledge base to a table file in the format `kb import` reads."""

    path: str = Field(min_length=1, description="The file to write (.csv, .xlsx or .json)")
    force: bool = Field(False, description="Replace the file when it exists")


def export_alloy_table(args: ExportArgs) -> TableExport:
    """One row per stored report (composition, Tg, Tx, Tl in K, Dmax, source, DOI, notes), written whole or not
    at all; an existing file is replaced only with `force`, and never one of the store's own files."""
    from alloygan.knowledge_base.imports import EXPORT_HEADER, EXPORT_JSON_KEYS, export_rows
    from alloygan.knowledge_base.table_files import SUFFIXES, TableFileError, write_table_file

    path = Path(args.path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ToolInputError(f"{path}: unsupported table file {suffix or '(no suffix)'!r}; "
                             f"give a {', '.join(SUFFIXES)} file")
    path = checked_output_file(path, force=args.force)
    with open_store() as store:
        rows = export_rows(store.reports())
    try:
        write_table_file(path, EXPORT_HEADER, rows, json_keys=EXPORT_JSON_KEYS)
    except (TableFileError, OSError) as error:
        raise ToolInputError(f"{path}: cannot write ({error})") from None
    return TableExport(file=str(path), format=suffix.lstrip("."), rows=len(rows),
                       columns=list(EXPORT_JSON_KEYS if suffix == ".json" else EXPORT_HEADER))


def list_sources() -> list[SourceEntry]:
    """Every source of the knowledge base, oldest first: id, kind, title, path, reports, quarantined rows, added."""
    with open_store() as store:
        return [SourceEntry.of(summary) for summary in store.source_summaries()]


class RemoveSourceArgs(Arguments):
    """Take a source (a document, an imported table) and all its reports out of the knowledge base."""

    id: int = Field(description="The source's id, as `kb sources` lists it")
    yes: bool = Field(False, description="Remove it; without, only show what would be removed")


def remove_source(args: RemoveSourceArgs) -> SourceRemoval:
    """What removing the source takes out (its reports and quarantined rows, the alloys left with no report), and
    with `yes` the removal, in one transaction. The experiment log's source is not removed here: its results
    belong to the log's suggestions."""
    with open_store() as store:
        sources = {s["id"]: s for s in store.source_summaries()}
        if args.id not in sources:
            listed = ", ".join(str(i) for i in sources) or "none"
            raise ToolInputError(f"source {args.id}: no such source (ids: {listed}); `alloygan kb sources` lists them")
        if sources[args.id]["kind"] == "experiment":
            raise ToolInputError(f"source {args.id} is the experiment log's results; they are recorded results of "
                                 "suggestions, not a document, and are not removed here")
        plan = store.remove_source(args.id, apply=args.yes)
        unique = store.stats()["unique_compositions"]
    return SourceRemoval(source=SourceEntry.of(plan), removed=plan["removed"], alloys_removed=plan["alloys_removed"],
                         alloys_changed=plan["alloys_changed"], unique_compositions=unique)


def _element_list(value: str | Sequence[str] | None, flag: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    symbols = [s.strip() for s in items if s.strip()]
    unknown = [s for s in symbols if s not in element_symbols()]
    if unknown:
        raise ToolInputError(f"{flag} {','.join(unknown)}: not element symbols (write e.g. {flag} Cu,Al)")
    return symbols


class AlloyQuery(Arguments):
    """List measured alloys from the knowledge base by base element, required/excluded elements and conditions
    on properties, with their temperatures and sources."""

    base: str | None = Field(None, description="Base element symbol, e.g. 'Zr'")
    require: list[str] = Field(default_factory=list, description="Element symbols every alloy must contain")
    exclude: list[str] = Field(default_factory=list, description="Element symbols no alloy may contain")
    where: str | None = Field(None, description="Conditions on Tg, Tx, Tl or GFA criteria, e.g. 'Trg>=0.6, Tg<700'")
    limit: int | None = Field(None, ge=1, description="At most this many alloys (highest Trg first); default all")

    @field_validator("require", "exclude", mode="before")
    @classmethod
    def _split(cls, value):
        return value.split(",") if isinstance(value, str) else value


def query_alloys(query: AlloyQuery) -> AlloyQueryResult:
    """The matching alloys, highest Trg first (at most `limit`), and how many match in all."""
    from alloygan.models.constraints import parse_conditions
    from alloygan.models.dataset import alloy_table

    base = _element_list(query.base, "--base")
    require = _element_list(query.require, "--require")
    exclude = _element_list(query.exclude, "--exclude")
    clash = sorted(set(require) & set(exclude))
    if clash:
        raise ToolInputError(f"{','.join(clash)} both required and excluded; drop one of them")
    ranges = parse_conditions(query.where) if query.where else []
    with open_store() as store:
        table = alloy_table(store.alloys())
    selected = table.select(base=base[0] if base else None, require=require, exclude=exclude, ranges=ranges)
    order = selected.frame.sort_values(["Trg", "formula"], ascending=[False, True]).index
    return AlloyQueryResult(n_found=len(order), alloys=[KnownAlloy.of(selected.alloys[i], selected.frame.iloc[i])
                                                        for i in order[: query.limit]])


def quarantine_rows() -> list[QuarantineEntry]:
    with open_store() as store:
        return [QuarantineEntry(raw_text=q.raw_text, reason=q.reason, location=q.location, page=q.page,
                                family=q.family, document=s.title, sha256=s.sha256) for s, q in store.quarantine()]


def parse_compositions(formulas: Sequence[str]) -> list[Composition]:
    """Every formula read exactly, or the first failure as the error (naming the formula)."""
    return [Composition.parse(text) for text in formulas]


class DescribeArgs(Arguments):
    """Composition descriptors (atomic size mismatch, mixing enthalpy, electronegativity, ...) and raw-material
    cost in USD/kg of given formulas, and their measured data when known."""

    formulas: list[str] = Field(min_length=1, max_length=50,
                                description="Alloy formulas in at.%, e.g. 'Zr65Cu17.5Ni10Al7.5'")


def describe_alloys(args: DescribeArgs) -> AlloyDescriptions:
    """Composition, known data and all features when known, composition descriptors and cost."""
    from alloygan.models.dataset import alloy_table
    from alloygan.models.descriptors.elemental import describe_composition
    from alloygan.knowledge_base.prices import alloy_cost_or_none

    compositions = parse_compositions(args.formulas)
    with open_store() as store:
        alloys = {a.composition: a for a in store.alloys()}
    described = []
    for text, composition in zip(args.formulas, compositions):
        known = alloys.get(composition)
        described.append(AlloyDescription(
            input=text, composition=composition.as_dict(), formula=composition.formula,
            known=KnownAlloy.of(known, alloy_table([known]).frame.iloc[0]) if known else None,
            descriptors={k: rounded(v) for k, v in describe_composition(composition).items()},
            cost_usd_per_kg=rounded(alloy_cost_or_none(composition)[0], 4),
        ))
    return AlloyDescriptions(alloys=described)

