"""`alloygan lit ...`: the literature: ingest documents, search passages, extract alloy records."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, err_console, fail, print_json, print_result, progress
from alloygan.knowledge_base.progress import Progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import Discovery, Extraction, IndexedDocument, Ingestion, LiteratureHit

app = typer.Typer(help="The literature: ingest documents, search passages with citations, extract alloy data.",
                  no_args_is_help=True)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PDF = REPO.parent / "shared" / "data" / "alloygan-collected-dataset.pdf"
DEFAULT_SNIPPETS = REPO / "tests" / "data" / "literature" / "snippets"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories (recursive): PDF, .txt, .md, .html."),
    json_out: bool = typer.Option(False, "--json", help="Print the per-file results as JSON."),
) -> None:
    """Add documents to the literature index (a file already indexed is recognised and skipped)."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.literature import IngestArgs, ingest_documents

    args = validated(IngestArgs, paths=[str(p) for p in paths])
    with progress("starting (loading the embedding model)") as on_progress:
        report = ingest_documents(args, on_progress=on_progress)
    print_result(report, json_out, _print_ingestion)


def _print_ingestion(report: Ingestion) -> None:
    labels = {"added": "[green]added[/]", "known": "[dim]known[/]", "failed": "[red]failed[/]"}
    for f in report.files:
        detail = (f.reason if f.status == "failed" else
                  f"{_count(f.pages, 'page')}, {_count(f.chunks_added, 'chunk')} added" if f.status == "added"
                  else f"already indexed ({_count(f.chunks_known, 'chunk')})")
        console.print(f"{labels[f.status]} {f.path}: {detail}", highlight=False, soft_wrap=True)
    t = report.totals
    console.print(f"{_count(t.files, 'file')}: {t.added} added ({_count(t.chunks_added, 'chunk')}, "
                  f"{_count(t.pages_read, 'page')}), "
                  f"{t.known} already indexed, {t.failed} failed. Index: {report.index}", soft_wrap=True)


@app.command("search")
def search(
    query: str = typer.Argument(..., help='What to look for, e.g. "Zr-based alloys with silver".'),
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many passages."),
    json_out: bool = typer.Option(False, "--json", help='Print a JSON array of {"document", "page", "score", "text"}.'),
) -> None:
    """Passages of the indexed documents closest in meaning to the query, with their citations."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.literature import SearchArgs, search_literature

    print_result(search_literature(validated(SearchArgs, query=query, k=k)).passages, json_out, _print_passages)


def _print_passages(passages: list[LiteratureHit]) -> None:
    for rank, p in enumerate(passages, start=1):
        console.print(f"[bold]{rank}.[/] {p.document}, p. {p.page}  [dim](score {p.score:.3f}, {p.path})[/]",
                      highlight=False, soft_wrap=True)
        text = " ".join(p.text.split())
        console.print(f"   {text[:400]}{'…' if len(text) > 400 else ''}", highlight=False, markup=False)


@app.command("documents")
def documents(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The documents in the literature index."""
    from alloygan.tools.literature import literature_documents

    print_result(literature_documents(), json_out, _print_documents)


def _print_documents(rows: list[IndexedDocument]) -> None:
    table = Table(title=f"{len(rows)} documents indexed", title_justify="left")
    for column in ("document", "pages", "chunks", "path"):
        table.add_column(column, justify="right" if column in ("pages", "chunks") else "left")
    for r in rows:
        table.add_row(r.document, str(r.pages), str(r.chunks), r.path)
    console.print(table)


@app.command("extract")
def extract(
    paths: list[Path] = typer.Argument(..., help="Files or directories: PDF, .txt, .md, .html; tables: .csv, .xlsx, "
                                                 ".json (read like `kb import`)."),
    rules: bool = typer.Option(False, "--rules", help="Rule-based extraction (offline; the default without an LLM)."),
    llm: bool = typer.Option(False, "--llm", help="LLM extraction (needs ALLOYGAN_LLM_BASE_URL and ALLOYGAN_LLM_MODEL)."),
    commit: bool = typer.Option(False, "--commit", help="Add the records to the knowledge base (else nothing is written)."),
    max_reports: int = typer.Option(5_000, "--max-reports", min=1,
                                    help="With --commit: a document with more records than this is not committed."),
    json_out: bool = typer.Option(False, "--json", help="Print the records as a JSON array (temperatures in K)."),
    details: bool = typer.Option(False, "--details", help="With --json: also the rejected candidates and per-file results."),
) -> None:
    """Alloy records (composition, Tg, Tx, Tl in K) with provenance: document, page, quote.

    With --llm, an LLM that cannot be reached, refuses or times out is asked no more: the rules read the documents
    instead (a one-line note says so; --commit then stores the rule records)."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.literature import ExtractArgs, extract_alloy_data

    if rules and llm:
        fail("--rules and --llm exclude each other; give one of them")
    args = validated(ExtractArgs, paths=[str(p) for p in paths], method="rules" if rules else "llm" if llm else None,
                     commit=commit, max_reports=max_reports)
    with progress("extracting") as on_progress:
        result = extract_alloy_data(args, on_progress=on_progress)
    print_result(result if details else result.records, json_out, lambda _: _print_extraction(result))
    if json_out:  # stdout is the JSON; the notes (also in --details' JSON) go to the screen
        for note in result.notes + (result.committed.notes if result.committed else []):
            err_console.print(f"note: {note}", style="yellow", highlight=False, markup=False, soft_wrap=True)


def _print_extraction(result: Extraction) -> None:
    records = result.records
    table = Table(title=f"{len(records)} records ({result.method})", title_justify="left")
    table.add_column("composition (at.%)", overflow="fold", max_width=30)
    for column in ("Tg K", "Tx K", "Tl K", "K/min"):
        table.add_column(column, justify="right", no_wrap=True, min_width=7 if column.endswith("K") else 5)
    table.add_column("where", overflow="fold", min_width=12)
    with_quote = console.width >= 120  # on a narrow terminal the quotes would squeeze the numbers out
    if with_quote:  # bounded: an unbounded no-wrap column squeezes the composition out of the table
        table.add_column("quote", overflow="ellipsis", no_wrap=True, min_width=10, max_width=console.width - 100)
    for r in records:
        source = r.source
        row = [r.formula, f"{r.Tg:g}", f"{r.Tx:g}", f"{r.Tl:g}",
               f"{r.heating_rate_K_per_min:g}" if r.heating_rate_K_per_min else "–",
               f"{Path(source.path).name} {source.location}"]
        table.add_row(*row, *([source.quote] if with_quote else []))
    console.print(table)
    for document in result.documents:
        if document.failed:
            console.print(f"[red]failed[/] {document.path}: {document.failed}", highlight=False, soft_wrap=True)
    rejected = result.rejected
    if rejected:
        console.print(f"{len(rejected)} candidates rejected (first 10; all with --json --details):")
        for r in rejected[:10]:
            console.print(f"  {r.location}: {r.reason}", highlight=False, markup=False)
    for note in result.notes:
        console.print(f"note: {note}", style="yellow", highlight=False, markup=False, soft_wrap=True)
    if result.committed is None:
        console.print("Nothing written (add --commit to store the records).", style="dim")
    else:
        c = result.committed
        by_rules = any(d.llm_failure for d in result.documents)
        console.print(f"Knowledge base: {c.added} reports added, {c.already_present} already present"
                      f"{f', {c.quarantined} quarantined (alloygan kb quarantine)' if c.quarantined else ''}"
                      f"{' (the rule records of the documents the LLM did not read, as --rules stores them)' if by_rules else ''}.",
                      highlight=False)
        for note in c.notes:
            console.print(f"note: {note}", style="yellow", highlight=False, markup=False, soft_wrap=True)


@app.command("discover")
def discover(
    query: str = typer.Argument(..., help="What to search for."),
    service: str = typer.Option("arxiv", "--service", help="arxiv or openalex."),
    max_results: int = typer.Option(10, "--max", min=1, max=100, help="At most N papers."),
    online: bool = typer.Option(False, "--online", help="Allow the search to go to the internet (required)."),
    download_to: Optional[Path] = typer.Option(None, "--download", help="Download the open-access PDFs here."),
    ingest_them: bool = typer.Option(False, "--ingest", help="Ingest the downloaded PDFs."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find open-access papers on arXiv or OpenAlex (needs --online), optionally download and ingest them."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.literature import DiscoverArgs, discover_papers

    result = discover_papers(validated(DiscoverArgs, query=query, service=service, max_results=max_results,
                                       online=online, download_to=str(download_to) if download_to else None,
                                       ingest=ingest_them))
    print_result(result, json_out, lambda found: _print_discovery(found, download_to))


def _print_discovery(result: Discovery, download_to: Path | None) -> None:
    for c in result.candidates:
        console.print(f"{c.year or '?'}  {c.title}  [dim]{c.pdf_url or c.landing_url}[/]", highlight=False)
    if result.downloaded:
        console.print(f"Downloaded {len(result.downloaded)} PDFs to {download_to}")


def bench_extract(
    pdf: Path = typer.Option(DEFAULT_PDF, "--pdf", help="The dataset table PDF (truth: the rows the miner accepts)."),
    snippets: Path = typer.Option(DEFAULT_SNIPPETS, "--snippets", help="Snippet directory (truth: ../expected.json)."),
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Also time ingestion and search."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Precision and recall of the rule extractor; ingestion throughput and search latency."""
    from alloygan.knowledge_base.literature import benchmark

    figures: dict = {}
    notes = []
    with progress("benchmarking the literature stage") as on_progress:
        if pdf.is_file():
            on_progress(Progress(f"rule extraction on {pdf.name}"))
            figures["pdf"] = benchmark.bench_rules_on_pdf(pdf)
        else:
            notes.append(f"{pdf}: not found; PDF figures skipped (give --pdf)")
        if (snippets.parent / "expected.json").is_file():
            on_progress(Progress(f"rule extraction on the snippets in {snippets.name}"))
            figures["snippets"] = benchmark.bench_rules_on_snippets(snippets)
        else:
            notes.append(f"{snippets}: no expected.json beside it; snippet figures skipped (give --snippets)")
        corpus = [p for p in (pdf, snippets) if p.exists()]
        if speed and corpus:
            on_progress(Progress("timing ingestion and search"))
            figures["speed"] = benchmark.bench_ingest_and_search(corpus)
    figures["notes"] = notes
    if json_out:
        print_json(figures)
        return
    table = Table(title="Rule extractor", title_justify="left")
    for column in ("corpus", "expected", "found", "correct", "precision", "recall"):
        table.add_column(column, justify="left" if column == "corpus" else "right")
    for name in ("pdf", "snippets"):
        if name in figures:
            f = figures[name]
            table.add_row("dataset PDF" if name == "pdf" else "snippets", str(f["expected"]), str(f["found"]),
                          str(f["true_positives"]), f"{f['precision']:.3f}", f"{f['recall']:.3f}")
    console.print(table)
    if "speed" in figures:
        s = figures["speed"]
        console.print(f"Ingestion: {s['pages']} pages, {s['chunks']} chunks in {s['ingest_seconds']:.2f} s = "
                      f"[bold]{s['pages_per_second']:.1f} pages/s[/] (model load {s['model_load_seconds']:.1f} s, not counted)")
        latency = s["search_latency_ms"]
        console.print(f"Search: median [bold]{latency['median']:.1f} ms[/], max {latency['max']:.1f} ms "
                      f"over {latency['queries']} queries (k={latency['k']})")
    for note in notes:
        console.print(note, style="yellow")
