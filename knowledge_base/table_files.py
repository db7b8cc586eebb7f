"""A user's table files (CSV, XLSX, JSON) as rows of cells, and writing rows back in the same formats.

Reading gives a `TableFile`: the header (column names) and the data rows, each with the
number a person sees (the spreadsheet or CSV line number, the header being row 1; for
JSON the record number) and its cells as text. Blank rows are skipped. A file that
cannot be read as a table raises `TableFileError`, one line naming the file, the row
where it applies, and what to do. Nothing here knows what the columns mean
(`knowledge_base.imports` does).
"""
from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alloygan.knowledge_base.file_writes import write_whole

MAX_ROWS = 100_000  # data rows per file; a larger file is refused (split it)
SUFFIXES = (".csv", ".xlsx", ".json")
_DELIMITERS = (",", ";", "\t")


class TableFileError(ValueError):
    """A file that cannot be used as a table; the message names the file, the row and the fix."""


@dataclass(frozen=True)
class TableRow:
    number: int  # as a person finds it: the line or sheet row (header = 1), or the JSON record number
    cells: tuple[str, ...]

    @property
    def text(self) -> str:
        """The row as read, cells joined by ` | ` (stored as the report's raw text)."""
        return " | ".join(self.cells)


@dataclass(frozen=True)
class TableFile:
    path: Path
    kind: str  # "csv", "xlsx" or "json"
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    row_word: str = "row"  # "record" for JSON

    def where(self, number: int) -> str:
        return f"{self.row_word} {number}"


def is_table_file(path: Path | str) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def read_table_file(path: Path | str) -> TableFile:
    """The header and data rows of a CSV, XLSX or JSON file (at most `MAX_ROWS` data rows)."""
    path = Path(path)
    if path.is_dir():
        raise TableFileError(f"{path}: is a directory; give one table file (.csv, .xlsx or .json)")
    if not path.is_file():
        raise TableFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = " (save it as .xlsx)" if suffix in (".xls", ".ods") else ""
        raise TableFileError(f"{path}: unsupported table file {suffix or '(no suffix)'!r}{hint}; "
                             f"give a {', '.join(SUFFIXES)} file")
    if path.stat().st_size == 0:
        raise TableFileError(f"{path}: empty file; the first row must name the columns")
    reader = {".csv": _read_csv, ".xlsx": _read_xlsx, ".json": _read_json}[suffix]
    table = reader(path)
    if not table.rows:
        raise TableFileError(f"{path}: no data rows under the header; add one alloy per row")
    return table


def _too_many(path: Path) -> TableFileError:
    return TableFileError(f"{path}: more than {MAX_ROWS:,} data rows; split the file and import the parts")


def _decode(path: Path, data: bytes) -> str:
    from alloygan.knowledge_base.text_files import TextFileError, decode_text

    try:
        return decode_text(data, str(path))
    except TextFileError as error:
        raise TableFileError(f"{error} (in Excel: 'CSV UTF-8')") from None


def _read_csv(path: Path) -> TableFile:
    text = _decode(path, path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[TableRow] = []
    try:
        for cells in reader:
            number = reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if header is None:
                header = tuple(cells)
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many(path)
            rows.append(TableRow(number, tuple(cells)))
    except csv.Error as error:
        raise TableFileError(f"{path}: row {reader.line_num}: not valid CSV ({error}); check its quotes") from None
    if header is None:
        raise TableFileError(f"{path}: no header row; the first row must name the columns")
    return TableFile(path, "csv", header, tuple(rows))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, "g") if value.is_integer() else repr(value)
    return str(value).strip()


def _read_xlsx(path: Path) -> TableFile:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise TableFileError(f"{path}: not a readable XLSX workbook ({type(error).__name__}); "
                             "save it again from the spreadsheet as .xlsx") from None
    try:
        sheet = workbook.worksheets[0]  # the first sheet holds the table
        header: tuple[str, ...] | None = None
        rows: list[TableRow] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell_text(v) for v in values)
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many(path)
            rows.append(TableRow(number, cells))
    finally:
        workbook.close()
    if header is None:
        raise TableFileError(f"{path}: the first sheet is empty; put the table on the first sheet")
    return TableFile(path, "xlsx", header, tuple(rows))


def _read_json(path: Path) -> TableFile:
    try:
        data = json.loads(_decode(path, path.read_bytes()))
    except json.JSONDecodeError as error:
        raise TableFileError(f"{path}: row {error.lineno}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise TableFileError(f"{path}: nested too deeply; give a list of flat records") from None
    if isinstance(data, dict) and isinstance(data.get("alloys"), list):
        data = data["alloys"]
    if not isinstance(data, list):
        raise TableFileError(f"{path}: expected a list of records (or {{\"alloys\": [...]}}), "
                             f"got a JSON {type(data).__name__}")
    if len(data) > MAX_ROWS:
        raise _too_many(path)
    header: list[str] = []
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise TableFileError(f"{path}: record {number}: not an object; give each alloy as "
                                 '{"composition": ..., "Tg_K": ..., "Tx_K": ..., "Tl_K": ...}')
        for key, value in record.items():
            if isinstance(value, (dict, list)):
                raise TableFileError(f"{path}: record {number}: {key!r} holds a nested value; give a number or text")
            if key not in header:
                header.append(key)
    rows = tuple(TableRow(number, tuple(_cell_text(record.get(key)) for key in header))
                 for number, record in enumerate(data, start=1) if any(v not in (None, "") for v in record.values()))
    return TableFile(path, "json", tuple(header), rows, row_word="record")


# --- writing ---------------------------------------------------------------------------------


def write_table_file(path: Path | str, header: Sequence[str], rows: Sequence[Sequence[object]],
                     json_keys: Sequence[str] | None = None) -> None:
    """`rows` under `header` as CSV, XLSX or JSON (by the suffix; JSON records keyed by `json_keys`),
    written whole or not at all (`file_writes.write_whole`: a temporary file renamed into place; a device in place)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableFileError(f"{path}: unsupported table file {suffix or '(no suffix)'!r}; "
                             f"give a {', '.join(SUFFIXES)} file")

    def write(tmp: Path) -> None:
        if suffix == ".csv":
            with open(tmp, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(["" if v is None else v for v in row] for row in rows)
        elif suffix == ".json":
            keys = list(json_keys or header)
            records = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in zip(keys, row)}
                       for row in rows]
            tmp.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("alloys")
            sheet.append(list(header))
            for row in rows:
                sheet.append(list(row))
            workbook.save(tmp)

    write_whole(path, write)
