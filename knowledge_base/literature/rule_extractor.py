"""The rule-based extractor (offline): alloy records from tables and plain statements.

Per document: the two-column dataset-table layout is read by the table miner
(`knowledge_base.table_miner`, the one reader of that layout); other tables by their
header row (`tables`); sentences by the statement rules (`statements`). A statement
that repeats a table row of the same document is not a second record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from alloygan.knowledge_base.literature.documents import Document, Page
from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection, rejection
from alloygan.knowledge_base.literature.statements import heating_rates, read_text
from alloygan.knowledge_base.literature.tables import markdown_grids, read_grid, table_caption, text_grids
from alloygan.knowledge_base.table_miner import MiningError, mine_table

# The miner's layout: a header line naming the composition column twice (two table columns).
_DATASET_HEADER = re.compile(r"^.*\bComposition\b.*\bComposition\b.*$", re.MULTILINE)


@dataclass
class ExtractionResult:
    records: list[ExtractedRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, items: list[ExtractedRecord | Rejection]) -> None:
        for item in items:
            (self.records if isinstance(item, ExtractedRecord) else self.rejected).append(item)


def _evidence(document: Document, page: int | None, location: str, quote: str) -> Evidence:
    return Evidence(document=document.title, sha256=document.sha256, path=str(document.path), page=page,
                    location=location, quote=quote)


def _dataset_table(document: Document, result: ExtractionResult) -> set[int]:
    """Rows of the dataset-table layout, read by the table miner; returns the pages it covered."""
    if document.kind != "pdf" or not any(_DATASET_HEADER.search(p.text) for p in document.pages):
        return set()
    try:
        table = mine_table(document.path)
    except MiningError:
        return set()
    for report in table.reports:
        evidence = _evidence(document, report.page, report.location, report.raw_text)
        result.records.append(ExtractedRecord(
            composition=report.composition, formula_as_written="".join(report.raw_text.split()[:-3]),
            Tg=report.Tg, Tx=report.Tx, Tl=report.Tl, stated_unit="K", source=evidence, method="rules"))
    for row in table.quarantined:
        result.rejected.append(rejection(_evidence(document, row.page, row.location, row.raw_text), "rules", row.reason))
    return {r.page for r in table.reports} | {q.page for q in table.quarantined}


def _caption_rate(page: Page, grid: list[list[str]]) -> float | None:
    """The heating rate (K/min) the table's caption states, when it states exactly one."""
    rates = {rate for rate, _ in heating_rates(table_caption(page.text, grid))}
    return rates.pop() if len(rates) == 1 else None


def _page_tables(document: Document, page: Page) -> list[ExtractedRecord | Rejection]:
    marked = [(list(map(list, g)), None) for g in page.tables]
    if document.kind in ("markdown", "text"):
        marked += [(g, None) for g in markdown_grids(page.text)]
    out: list[ExtractedRecord | Rejection] = []
    number = 0
    for grids in (marked, None):
        if grids is None:  # no marked-up table with a header: look for plain-text tables
            if number:
                break
            grids = text_grids(page.text)
        for grid, printed in grids:
            items = read_grid(grid, lambda row, quote, t=number + 1: _evidence(
                document, page.number, f"p{page.number} table {t} row {row}", quote), printed,
                heating_rate=_caption_rate(page, grid))
            if items:
                number += 1
                out += items
    return out


def extract_with_rules(document: Document) -> ExtractionResult:
    """Every record the rules find in the document, and every candidate they rejected."""
    result = ExtractionResult()
    table_pages = _dataset_table(document, result)
    statements = ExtractionResult()
    for page in document.pages:
        if page.number not in table_pages:
            result.add(_page_tables(document, page))
        statements.add(read_text(page.text, lambda para, record, quote, n=page.number: _evidence(
            document, n, f"p{n} para {para} record {record}", quote)))
    in_tables = {r.key() for r in result.records}
    result.records += [r for r in statements.records if r.key() not in in_tables]
    result.rejected += statements.rejected
    return result
