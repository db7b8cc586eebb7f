"""Rule-based miner of the published AlloyGAN dataset table (a two-column PDF).

Layout of the document: every page carries a header (`Composition Tg Tx Tl` twice),
then lines holding two table entries side by side, each `composition Tg Tx Tl`.
Section headings (`Zr-basedAlloys`, `OtherAlloys`) span both columns and set the
family of the entries below them until the next heading, across pages.

Words are placed in a column by their x position (the second `Composition` header
marks the split), so an entry whose neighbour is missing is still read correctly.
Every entry becomes a `Report` or a `QuarantinedRow` with its reason: the formula
could not be read exactly, the temperatures are not three numbers, they fail the
physics checks, or they contradict every close neighbour in composition
(`knowledge_base.consistency`: rows printed in °C, misprints). Nothing is dropped:
rows read = accepted + quarantined.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.consistency import quarantine_outliers
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.knowledge_base.records import QuarantinedRow, Report, Source, checked_report

SECTION = re.compile(r"^(?:(?P<element>[A-Z][a-z]?)-based|Other)\s*Alloys$")
HEADER_SUBSCRIPTS = {"g", "x", "l"}
NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
SHIPPED_TABLE = "published_table.csv"
CSV_COLUMNS = ("source_sha256", "location", "page", "family", "raw_text", "status", "reason", "formula", "Tg", "Tx", "Tl")
TITLE = "AlloyGAN collected alloy dataset (Table I, supplementary information of arXiv 2502.18127)"


class MiningError(RuntimeError):
    """The document could not be mined at all (not a PDF, no table in it)."""


@dataclass
class MinedTable:
    source: Source
    reports: list[Report]
    quarantined: list[QuarantinedRow]

    @property
    def rows_read(self) -> int:
        return len(self.reports) + len(self.quarantined)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_entry(
    raw_text: str, location: str, page: int | None, family: str, source: Source | None = None
) -> Report | QuarantinedRow:
    """One table entry (`composition Tg Tx Tl`) as a report, or quarantined with the reason."""
    tokens = raw_text.split()
    temperatures = tokens[-3:]
    if len(tokens) < 4 or not all(NUMBER.match(t) for t in temperatures):
        return QuarantinedRow(raw_text, location, "not a composition followed by three temperatures", page, family)
    Tg, Tx, Tl = (float(t) for t in temperatures)
    return checked_report("".join(tokens[:-3]), Tg, Tx, Tl, raw_text, location, page, family, source)


def _page_lines(page) -> Iterator[list[dict]]:
    """The words of a page grouped into printed lines (tops within 2 pt), each sorted by x."""
    words = sorted(page.extract_words(), key=lambda w: (w["top"], w["x0"]))
    line: list[dict] = []
    for word in words:
        if line and word["top"] - line[0]["top"] > 2.0:
            yield sorted(line, key=lambda w: w["x0"])
            line = []
        line.append(word)
    if line:
        yield sorted(line, key=lambda w: w["x0"])


def iter_table_rows(pdf_path: Path, on_progress: ProgressCallback | None = None):
    """Yield (page, column, line_in_column, family, raw_text) for every entry, in document order;
    each page read is reported to `on_progress` ("mining <file>", pages done/total)."""
    import pdfplumber

    try:
        document = pdfplumber.open(pdf_path)
    except Exception as error:  # pdfplumber raises several types for broken files
        raise MiningError(f"{pdf_path}: not a readable PDF ({type(error).__name__}: {error})") from None
    family = ""
    with document:
        pages = document.pages
        for page_number, page in enumerate(pages, start=1):
            split_x = None
            counters = {"left": 0, "right": 0}
            for line in _page_lines(page):
                text = " ".join(w["text"] for w in line)
                headers = [w for w in line if w["text"] == "Composition"]
                if len(headers) == 2:
                    split_x = headers[1]["x0"] - 1.0
                    continue
                section = SECTION.match(text.replace(" ", ""))
                if section:
                    family = section.group("element") or "Other"
                    continue
                if split_x is None or not family or {w["text"] for w in line} <= HEADER_SUBSCRIPTS:
                    continue  # page furniture: title, page number, the header's subscripts (g x l)
                halves = {
                    "left": [w["text"] for w in line if w["x0"] < split_x],
                    "right": [w["text"] for w in line if w["x0"] >= split_x],
                }
                for column, tokens in halves.items():
                    if tokens:
                        counters[column] += 1
                        yield page_number, column, counters[column], family, " ".join(tokens)
            report(on_progress, f"mining {Path(pdf_path).name}", page_number, len(pages), "page")


def mine_table(pdf_path: Path, on_progress: ProgressCallback | None = None) -> MinedTable:
    """Mine the dataset table PDF into reports and quarantined rows."""
    pdf_path = Path(pdf_path)
    if not pdf_path.is_file():
        raise MiningError(f"{pdf_path}: no such file")
    source = Source(sha256_of(pdf_path), "published-table", TITLE, str(pdf_path))
    reports: list[Report] = []
    quarantined: list[QuarantinedRow] = []
    for page, column, line, family, raw_text in iter_table_rows(pdf_path, on_progress):
        entry = read_entry(raw_text, f"p{page} {column} line {line}", page, family, source)
        (reports if isinstance(entry, Report) else quarantined).append(entry)
    if not reports and not quarantined:
        raise MiningError(f"{pdf_path}: no table rows found; is this the AlloyGAN dataset table?")
    reports, outliers = quarantine_outliers(reports)
    return MinedTable(source, reports, quarantined + outliers)


# --- the shipped CSV ------------------------------------------------------------------


def _row_order(location: str) -> tuple[int, int, int]:
    match = re.match(r"p(\d+) (left|right) line (\d+)", location)
    if not match:
        return (0, 0, 0)
    return (int(match.group(1)), 0 if match.group(2) == "left" else 1, int(match.group(3)))


def table_to_csv(table: MinedTable) -> str:
    """Every row read, accepted or quarantined, with provenance, as CSV text (stable order)."""
    rows = []
    for r in table.reports:
        rows.append([table.source.sha256, r.location, r.page, r.family, r.raw_text, "accepted", "",
                     r.composition.to_text(6), f"{r.Tg:g}", f"{r.Tx:g}", f"{r.Tl:g}"])
    for q in table.quarantined:
        rows.append([table.source.sha256, q.location, q.page, q.family, q.raw_text, "quarantined", q.reason,
                     "", "", "", ""])
    rows.sort(key=lambda row: _row_order(row[1]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def table_from_csv(text: str, path: str = "") -> MinedTable:
    """The inverse of `table_to_csv`."""
    rows = list(csv.DictReader(io.StringIO(text)))
    shas = {row["source_sha256"] for row in rows}
    if len(shas) != 1:
        raise MiningError(f"{path or 'table CSV'}: expected rows of one source, found {len(shas)}")
    source = Source(shas.pop(), "published-table", TITLE, path)
    reports: list[Report] = []
    quarantined: list[QuarantinedRow] = []
    for row in rows:
        page = int(row["page"]) if row["page"] else None
        if row["status"] == "accepted":
            reports.append(Report(Composition.parse(row["formula"]), float(row["Tg"]), float(row["Tx"]),
                                  float(row["Tl"]), row["raw_text"], row["location"], page, row["family"],
                                  method="table", source=source))
        else:
            quarantined.append(QuarantinedRow(row["raw_text"], row["location"], row["reason"], page, row["family"]))
    return MinedTable(source, reports, quarantined)


def shipped_table_text() -> str:
    return resources.files("alloygan.knowledge_base").joinpath("data", SHIPPED_TABLE).read_text(encoding="utf-8")


def shipped_table() -> MinedTable:
    """The mined facts shipped with the package, so a fresh install needs no PDF."""
    return table_from_csv(shipped_table_text(), path=f"knowledge_base/data/{SHIPPED_TABLE}")
