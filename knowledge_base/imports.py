"""A user's own measured alloys: a table file read into reports, each row checked like a mined row.

The table (CSV, XLSX or JSON; `knowledge_base.table_files`) has a header row naming
its columns; their order does not matter and other columns are ignored (and listed):

    composition   the alloy in at.% (`Zr55Cu30Al10Ni5`; `composition (at.%)`, `alloy`, `formula`)
    Tg, Tx, Tl    temperatures; the unit in the header (`Tg (K)`, `Tg (°C)`, `Tg_K`, `Tg [C]`) or in a
                  `unit` column (K or °C per row); nothing stated means kelvin
    Dmax          optional critical casting diameter (`Dmax (mm)`, `Dc`, `critical diameter (cm)`; mm by default)
    source, DOI, notes   optional text (`reference`/`citation`, `comment`/`remarks`)

Every row goes through the same checks as a row mined from the published table:
`records.checked_report` (formula grammar, plausible and ordered Tg < Tx < Tl) and
`consistency.quarantine_outliers` (agreement with the composition neighbours among the
file's rows and the reports already stored). A row that fails is quarantined with its
reason; a row equal to a stored report (same composition within 0.01 at.%, same
temperatures to 0.01 K) is not added again. Equal reports are counted, not merged: a
row is new when the store holds fewer reports equal to it than the file has up to that
row, so a file imported into the store it was exported from adds nothing, and into an
empty store gives back every report (the published table prints some alloys twice). Each
report keeps its provenance: the file's SHA-256 (its source) and its row number.

What makes the whole file unusable raises `TableFileError` (one line: the file, the row,
the fix) before anything is written: missing or duplicate columns, temperature units
that disagree, an unknown unit, a composition in weight percent, bytes that are not UTF-8.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alloygan.knowledge_base.consistency import quarantine_outliers
from alloygan.knowledge_base.formula import weight_percent_notation
from alloygan.knowledge_base.literature.tables import temperature_column
from alloygan.knowledge_base.literature.units import temperature_unit, to_kelvin
from alloygan.knowledge_base.records import KnownReports, QuarantinedRow, Report, Source, checked_report
from alloygan.knowledge_base.table_files import TableFile, TableFileError, read_table_file
from alloygan.knowledge_base.table_miner import sha256_of

SOURCE_KIND = "user-import"
REPORT_METHOD = "import"
TEMPERATURES = ("Tg", "Tx", "Tl")
PLAUSIBLE_DMAX_MM = (0.0, 100.0)  # the largest bulk glasses cast are near 80 mm (Pd-Cu-Ni-P)
EXAMPLE_HEADER = "composition,Tg (K),Tx (K),Tl (K)"

# What `kb export` writes (and `kb import` reads): CSV and XLSX headers, JSON keys.
EXPORT_HEADER = ("composition", "Tg (K)", "Tx (K)", "Tl (K)", "Dmax (mm)", "source", "DOI", "notes")
EXPORT_JSON_KEYS = ("composition", "Tg_K", "Tx_K", "Tl_K", "Dmax_mm", "source", "doi", "notes")

_COMPOSITION = re.compile(r"^(?:nominal\s+)?(?:composition|alloy|formula|glass|sample)s?(?![A-Za-z0-9])(?P<rest>.*)$",
                          re.IGNORECASE)
_DMAX = re.compile(r"^(?:D\s?_?\{?(?:max|c)\}?|critical\s+(?:casting\s+)?diameter)(?![A-Za-z0-9])(?P<rest>.*)$",
                   re.IGNORECASE)
_TEXT_FIELDS = {
    "unit": re.compile(r"^(?:temperature\s+)?units?$", re.IGNORECASE),
    "citation": re.compile(r"^(?:source|reference|ref\.?|citation)s?$", re.IGNORECASE),
    "doi": re.compile(r"^doi$", re.IGNORECASE),
    "notes": re.compile(r"^(?:notes?|comments?|remarks?)$", re.IGNORECASE),
}
_DMAX_UNITS = {"": 1.0, "mm": 1.0, "cm": 10.0}
_NUMBER = re.compile(r"^[+]?(\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Columns:
    """Where each known field is in the table, and the temperature unit stated by the header (if any)."""

    composition: int
    temperatures: dict[str, int]
    header_unit: str | None
    optional: dict[str, int]  # unit, Dmax, citation, doi, notes -> column
    dmax_factor: float = 1.0  # to mm
    ignored: tuple[str, ...] = ()


@dataclass
class ImportedTable:
    """A user's table read and checked: the reports to add, the rows quarantined, the rows already known."""

    source: Source
    kind: str
    rows_read: int
    reports: list[Report] = field(default_factory=list)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (location, the stored report it repeats)
    ignored_columns: tuple[str, ...] = ()
    unit_note: str = ""
    as_written: dict[str, tuple[str, str]] = field(default_factory=dict)  # location -> (formula, "K" | "°C")
    known_from: dict[str, int] = field(default_factory=dict)  # title of a stored source -> rows repeating its reports


def _fail(table: TableFile, message: str, number: int | None = None) -> TableFileError:
    where = f": {table.where(number)}" if number is not None else ""
    return TableFileError(f"{table.path}{where}: {message}")


def find_columns(table: TableFile) -> Columns:
    """The meaning of each header cell; `TableFileError` for missing, duplicate or contradictory columns."""
    found: dict[str, list[int]] = {}
    units: dict[str, str] = {}
    dmax_factor = 1.0
    ignored = []
    for column, cell in enumerate(table.header):
        text = " ".join(cell.split())
        named = temperature_column(text)
        composition = _COMPOSITION.match(text)
        dmax = _DMAX.match(text)
        if named:
            name, unit_text = named
            unit_text = unit_text.strip("_ ")
            if unit_text:
                unit = temperature_unit(unit_text)
                if unit is None:
                    raise _fail(table, f"column {cell!r}: unit {unit_text!r} is neither K nor °C; "
                                       f"write e.g. '{name} (K)' or '{name} (°C)'")
                units[name] = unit
            found.setdefault(name, []).append(column)
        elif composition:
            if weight_percent_notation(composition.group("rest")):
                raise _fail(table, f"column {cell!r}: compositions in weight percent are not read; "
                                   "convert them to at.% and name the column 'composition'")
            found.setdefault("composition", []).append(column)
        elif dmax:
            unit_text = dmax.group("rest").strip(" _()[]/").lower()
            if unit_text not in _DMAX_UNITS:
                raise _fail(table, f"column {cell!r}: unit {unit_text!r} of the critical diameter is neither mm "
                                   "nor cm; write 'Dmax (mm)'")
            dmax_factor = _DMAX_UNITS[unit_text]
            found.setdefault("Dmax", []).append(column)
        else:
            field_name = next((f for f, pattern in _TEXT_FIELDS.items() if pattern.match(text)), None)
            if field_name:
                found.setdefault(field_name, []).append(column)
            else:
                ignored.append(cell)
    for name, columns in found.items():
        if len(columns) > 1:
            listed = " and ".join(f"{c + 1} ({table.header[c]!r})" for c in columns)
            raise _fail(table, f"columns {listed} both give {name}; keep one of them")
    repeated = sorted({c for c in table.header if c and table.header.count(c) > 1})
    if repeated:
        raise _fail(table, f"column {repeated[0]!r} appears more than once; keep one of them")
    missing = [name for name in ("composition", *TEMPERATURES) if name not in found]
    if missing:
        have = ", ".join(repr(c) for c in table.header if c) or "none"
        raise _fail(table, f"no {' / '.join(missing)} column (found {have}); the header row needs "
                           f"composition, Tg, Tx, Tl, e.g. {EXAMPLE_HEADER}")
    if len(set(units.values())) > 1:
        listed = ", ".join(f"{table.header[found[n][0]]!r}" for n in TEMPERATURES if n in units)
        raise _fail(table, f"mixed temperature units in the header ({listed}); give Tg, Tx and Tl in one unit")
    header_unit = next(iter(units.values()), None)
    if header_unit and len(units) < 3:
        without = [table.header[found[n][0]] for n in TEMPERATURES if n not in units]
        raise _fail(table, f"column {without[0]!r} states no unit while the others are in {header_unit}; "
                           f"write the unit in every temperature column")
    if header_unit and "unit" in found:
        raise _fail(table, f"the header states the unit ({header_unit}) and there is a {table.header[found['unit'][0]]!r}"
                           " column too; keep one of the two")
    optional = {name: columns[0] for name, columns in found.items() if name not in ("composition", *TEMPERATURES)}
    return Columns(found["composition"][0], {n: found[n][0] for n in TEMPERATURES}, header_unit, optional,
                   dmax_factor, tuple(ignored))


def _number(text: str) -> float | None:
    text = text.strip().replace(" ", "")
    if not _NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


def _row_unit(table: TableFile, columns: Columns, number: int, cells: Sequence[str]) -> str:
    if "unit" not in columns.optional:
        return columns.header_unit or "K"
    column = columns.optional["unit"]
    written = cells[column] if column < len(cells) else ""
    unit = temperature_unit(written) if written else None
    if unit is None:
        raise _fail(table, f"unit {written!r} is neither K nor °C; write K or °C in the unit column", number)
    return unit


def _row_entry(table: TableFile, columns: Columns, number: int, cells: Sequence[str], raw_text: str,
               source: Source, unit: str) -> Report | QuarantinedRow:
    cell = lambda column: cells[column] if column < len(cells) else ""
    location = table.where(number)
    formula = cell(columns.composition)
    if formula and weight_percent_notation(formula):
        raise _fail(table, f"composition {formula!r} is in weight percent; convert the file's compositions to "
                           "at.% (alloygan reads at.% only)", number)
    if not formula:
        return QuarantinedRow(raw_text, location, "no composition given")
    problems, kelvin = [], {}
    for name in TEMPERATURES:
        text = cell(columns.temperatures[name])
        value = _number(text)
        if value is None:
            problems.append(f"{name} not given" if not text else f"{name} {text!r} is not a number")
        else:
            kelvin[name] = to_kelvin(value, unit)
    dmax = None
    if "Dmax" in columns.optional and cell(columns.optional["Dmax"]):
        text = cell(columns.optional["Dmax"])
        value = _number(text)
        low, high = PLAUSIBLE_DMAX_MM
        if value is None:
            problems.append(f"Dmax {text!r} is not a number")
        elif not low < value * columns.dmax_factor <= high:
            problems.append(f"Dmax = {value * columns.dmax_factor:g} mm is outside the plausible range "
                            f"{low:g}-{high:g} mm")
        else:
            dmax = round(value * columns.dmax_factor, 4)
    if problems:
        return QuarantinedRow(raw_text, location, "; ".join(problems))
    details = {name: cell(columns.optional[name]) for name in ("doi", "citation", "notes") if name in columns.optional}
    return checked_report(formula, kelvin["Tg"], kelvin["Tx"], kelvin["Tl"], raw_text, location, source=source,
                          method=REPORT_METHOD, critical_diameter_mm=dmax, **details)


def read_user_table(path: Path | str, known: Sequence[Report] = ()) -> ImportedTable:
    """The table at `path` checked row by row against itself and the `known` (stored) reports."""
    table = read_table_file(path)
    columns = find_columns(table)
    source = Source(sha256_of(table.path), SOURCE_KIND, table.path.name, str(table.path.resolve()))
    result = ImportedTable(source, table.kind, len(table.rows), ignored_columns=columns.ignored)
    if columns.header_unit is None and "unit" not in columns.optional:
        result.unit_note = "no temperature unit stated: read as K"
    stored = KnownReports(known)
    candidates = []
    for row in table.rows:
        unit = _row_unit(table, columns, row.number, row.cells)
        formula_column = columns.composition
        result.as_written[table.where(row.number)] = (
            row.cells[formula_column] if formula_column < len(row.cells) else "", unit)
        entry = _row_entry(table, columns, row.number, row.cells, row.text, source, unit)
        if isinstance(entry, QuarantinedRow):
            result.quarantined.append(entry)
            continue
        repeated = stored.repeat_of(entry)
        if repeated is not None:
            result.duplicates.append((entry.location, f"already in the knowledge base ({_citation(repeated)})"))
            title = repeated.source.title if repeated.source else "unknown source"
            result.known_from[title] = result.known_from.get(title, 0) + 1
            continue
        candidates.append(entry)
    result.reports, outliers = quarantine_outliers(candidates, known)
    result.quarantined += outliers
    result.quarantined.sort(key=lambda q: int(q.location.split()[-1]))
    return result


def _citation(report: Report) -> str:
    source = report.source
    return ", ".join(part for part in (source.title if source else "", report.location) if part)


# --- export ------------------------------------------------------------------------------------


def export_rows(reports: Sequence[Report]) -> list[tuple]:
    """One row per report, in the export format (`EXPORT_HEADER`): what `read_user_table` reads back."""
    return [(r.composition.to_text(6), r.Tg, r.Tx, r.Tl, r.critical_diameter_mm,
             r.citation or (r.source.title if r.source else ""), r.doi, r.notes) for r in reports]
