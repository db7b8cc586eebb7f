"""Reading alloy tables that have a header row: `Alloy | Tg (K) | Tx (K) | Tl (K)`.

A table is a grid of cells: from a ruled PDF table (pdfplumber), an HTML `<table>`, a
Markdown pipe table, or plain-text lines under a header line. The header names the
composition column and the Tg, Tx, Tl columns (symbols such as `Tg`, `T_g`, `T g` or
words such as `glass transition`), each with its unit (`(K)`, `/K`, `[°C]`, `℃`...) or
a unit row right below it. Temperatures in °C are converted to kelvin. A column
without a stated unit is not guessed: its rows are rejected with that reason. Other
columns (ΔTx, Trg, Dc...) are ignored; a `heating rate` column is read when present, else
the heating rate its caption states (`Table 2. DSC data (heating rate 20 K/min).`), if one.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection, make_record, rejection
from alloygan.knowledge_base.literature.units import rate_to_K_per_min, temperature_unit, to_kelvin

_COMPOSITION = re.compile(r"^(?:nominal\s+)?(?:composition|alloy|glass|sample|material|bmg|mg)s?\b"
                          r"(?:\s*\(at\.?\s*%\))?", re.IGNORECASE)
_NAMES = {
    "Tg": re.compile(r"^(?:T\s?_?\{?g\}?(?![A-Za-z0-9])|glass[- ]transition(?:\s+temperature)?)", re.IGNORECASE),
    "Tx": re.compile(r"^(?:T\s?_?\{?x1?\}?(?![A-Za-z0-9])|(?:onset\s+of\s+)?crystalli[sz]ation(?:\s+temperature)?)",
                     re.IGNORECASE),
    "Tl": re.compile(r"^(?:T\s?_?\{?[lL]\}?(?![A-Za-z0-9])|liquidus(?:\s+temperature)?)"),
}
_RATE = re.compile(r"^(?:heating\s+rate|[βΦφ])(?![A-Za-z])", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*(?:±|\+/-)\s*\d+(?:\.\d+)?)?\s*\*?\s*$")
_MISSING = {"", "-", "–", "—", "n/a", "na", "nd", "n.d.", "/", "?"}
_CAPTION = re.compile(r"^\W*(?:Table|Tab\.)\s*[A-Z]?\d+", re.IGNORECASE)
CAPTION_LINES = 5  # a caption is looked for this many lines above its table at most
_TEXT_UNIT = re.compile(r"^[(\[]?\s*(?:K|°\s?C|℃|oC|º\s?C|K/min|K/s)\s*[)\]]?$")


@dataclass(frozen=True)
class Header:
    row: int
    composition: int
    temperatures: dict[str, tuple[int, str | None]]  # name -> (column, unit or None)
    rate: tuple[int, str] | None


def _unit_text(cell: str, name_match: re.Match) -> str:
    return cell[name_match.end():].strip(" ,/()[]")


def temperature_column(cell: str) -> tuple[str, str] | None:
    """("Tg" | "Tx" | "Tl", the unit as written after the name, may be empty) for a header cell that names
    a characteristic temperature (`Tg (K)`, `T_x [°C]`, `liquidus temperature`); None for any other cell."""
    cell = " ".join(cell.split())
    for name, pattern in _NAMES.items():
        match = pattern.match(cell)
        if match:
            return name, _unit_text(cell, match)
    return None


def find_header(grid: Sequence[Sequence[str]]) -> Header | None:
    """The first row naming a composition column and Tg, Tx and Tl columns."""
    for index, row in enumerate(grid):
        cells = [" ".join((c or "").split()) for c in row]
        composition = next((i for i, c in enumerate(cells) if _COMPOSITION.match(c)), None)
        if composition is None:
            continue
        temperatures: dict[str, tuple[int, str | None]] = {}
        rate = None
        for column, cell in enumerate(cells):
            for name, pattern in _NAMES.items():
                match = pattern.match(cell)
                if match and name not in temperatures and column != composition:
                    temperatures[name] = (column, temperature_unit(_unit_text(cell, match)))
                    break
            else:
                match = _RATE.match(cell)
                if match and column != composition:
                    rate = (column, _unit_text(cell, match) or "K/min")
        if len(temperatures) == 3:
            return _with_unit_row(Header(index, composition, temperatures, rate), grid)
    return None


def _with_unit_row(header: Header, grid: Sequence[Sequence[str]]) -> Header:
    """Units printed in a row of their own under the header (`| | (K) | (K) | (K) |`); a header cell
    spanning both rows (HTML `rowspan`) is repeated in it and is no unit."""
    if header.row + 1 >= len(grid):
        return header
    above = [(c or "").strip() for c in grid[header.row]]
    below = ["" if column < len(above) and (c or "").strip() == above[column] else (c or "").strip()
             for column, c in enumerate(grid[header.row + 1])]
    if not any(below) or not all(_TEXT_UNIT.match(c) for c in below if c):
        return header
    temperatures = {
        name: (column, unit or (temperature_unit(below[column]) if column < len(below) else None))
        for name, (column, unit) in header.temperatures.items()
    }
    return Header(header.row + 1, header.composition, temperatures, header.rate)


def _number(cell: str) -> float | None:
    match = _NUMBER.match(cell or "")
    return float(match.group(1)) if match else None


def read_grid(grid: Sequence[Sequence[str]], evidence_for: Callable[[int, str], Evidence],
              printed: Sequence[str] | None = None,
              heating_rate: float | None = None) -> list[ExtractedRecord | Rejection]:
    """Records of a table grid. `evidence_for(data_row_number, quote)` gives each row's `Evidence`;
    `printed[i]` is grid row i as printed (default: its cells joined by ` | `); `heating_rate`
    (K/min, from the caption) holds for every row of a table without a heating-rate column."""
    header = find_header(grid)
    if header is None:
        return []
    out: list[ExtractedRecord | Rejection] = []
    data_row = 0
    for grid_index in range(header.row + 1, len(grid)):
        row = grid[grid_index]
        cells = [" ".join((c or "").split()) for c in row]
        formula = cells[header.composition] if header.composition < len(cells) else ""
        values = {name: (cells[col] if col < len(cells) else "", unit)
                  for name, (col, unit) in header.temperatures.items()}
        if not formula or not any(_number(text) is not None for text, _ in values.values()):
            continue  # a section heading, a note, a blank line: not a data row
        data_row += 1
        quote = printed[grid_index] if printed else " | ".join(c for c in cells if c)
        evidence = evidence_for(data_row, quote)
        problems = []
        kelvin: dict[str, float] = {}
        for name, (text, unit) in values.items():
            number = _number(text)
            if number is None:
                problems.append(f"{name} not given" if text.lower() in _MISSING else f"{name} {text!r} is not a number")
            elif unit is None:
                problems.append(f"{name}: the table header states no unit (K or °C)")
            else:
                kelvin[name] = to_kelvin(number, unit)
        if problems:
            out.append(rejection(evidence, "rules", "; ".join(problems)))
            continue
        rate = None if header.rate else heating_rate
        if header.rate and header.rate[0] < len(cells):
            value = _number(cells[header.rate[0]])
            rate = rate_to_K_per_min(value, header.rate[1]) if value else None
        units = {unit for _, unit in values.values()}
        out.append(make_record(evidence, "rules", formula, kelvin["Tg"], kelvin["Tx"], kelvin["Tl"],
                               stated_unit="°C" if "°C" in units else "K", heating_rate_K_per_min=rate))
    return out


def table_caption(page_text: str, grid: Sequence[Sequence[str]]) -> str:
    """The caption of a table in its page's text: the lines from `Table N` down to the table's header
    line, within `CAPTION_LINES` above it (blank lines right above skipped); empty when there is none."""
    header = find_header(grid)
    if header is None:
        return ""
    lines = [" ".join(line.split()) for line in page_text.split("\n")]
    rows = [[" ".join((c or "").split()) for c in row] for row in grid[:header.row + 1]]
    at = next((i for i, line in enumerate(lines) for row in rows if _cells_in(line, row)), None)
    if at is None:
        return ""
    end = at
    while end > 0 and not lines[end - 1]:
        end -= 1
    start = end
    while start > 0 and lines[start - 1] and end - start < CAPTION_LINES:
        start -= 1
    first = max((i for i in range(start, end) if _CAPTION.match(lines[i])), default=None)
    return " ".join(lines[first:end]) if first is not None else ""


def _cells_in(line: str, cells: Sequence[str]) -> bool:
    """True when the non-empty cells occur in the line, in order."""
    position = 0
    for cell in (c for c in cells if c):
        position = line.find(cell, position)
        if position < 0:
            return False
        position += len(cell)
    return any(cells)


# --- grids from text ----------------------------------------------------------------------


def markdown_grids(text: str) -> list[list[list[str]]]:
    """Pipe tables (`| a | b |` lines; separator lines such as `|---|:--:|` are dropped)."""
    grids: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.split("\n") + [""]:
        stripped = line.strip()
        if stripped.count("|") >= 2:
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                current.append(cells)
            continue
        if current:
            grids.append(current)
            current = []
    return grids


def _split_header(line: str) -> list[str]:
    if "\t" in line or re.search(r"\S\s{2,}\S", line):
        return [c.strip() for c in re.split(r"\t+|\s{2,}", line.strip()) if c.strip()]
    cells: list[str] = []
    for token in line.split():  # single spaces: a unit token belongs to the label before it
        if cells and (_TEXT_UNIT.match(token) or token in ("/", "/K", "/°C") or re.fullmatch(r"[gxlL]", token)
                      and cells[-1] == "T"):
            cells[-1] += " " + token
        else:
            cells.append(token)
    return cells


def text_grids(text: str) -> list[tuple[list[list[str]], list[str]]]:
    """Plain-text tables: a header line starting with the composition column, then the lines that
    end in as many values as the header has columns after it. Returns (grid, rows as printed)."""
    lines = text.split("\n")
    found = []
    index = 0
    while index < len(lines):
        line = lines[index]
        header_cells = _split_header(line) if "|" not in line else []
        header = find_header([header_cells]) if header_cells else None
        if header is None or header.composition != 0:
            index += 1
            continue
        n_values = len(header_cells) - 1
        grid, printed = [header_cells], [line.strip()]
        index += 1
        while index < len(lines) and lines[index].strip():
            tokens = re.sub(r"\s*(?:±|\+/-)\s*\d+(?:\.\d+)?", "", lines[index]).split()
            if len(tokens) <= n_values or not all(_number(t) is not None or t.lower() in _MISSING
                                                  for t in tokens[-n_values:]):
                if len(grid) > 1:
                    break
                if _TEXT_UNIT.match(tokens[0] if tokens else "x"):  # a unit row under the header
                    grid.append([""] + tokens)
                    printed.append(lines[index].strip())
                    index += 1
                    continue
                break
            grid.append(["".join(tokens[:-n_values])] + tokens[-n_values:])
            printed.append(lines[index].strip())
            index += 1
        found.append((grid, printed))
    return found
