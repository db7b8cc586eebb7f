"""HTML to plain text and table grids (the standard library's parser; no network, no scripts).

A cell spanning rows or columns (`rowspan`, `colspan`) fills every grid position it covers,
so the columns of a table stay aligned with its header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "header", "footer", "blockquote", "pre", "figcaption", "caption", "dt", "dd", "hr", "table"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
MAX_SPAN = 100  # a larger rowspan/colspan is a broken attribute, not a table


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip()), 1), MAX_SPAN)
    except ValueError:
        return 1


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    spans: dict[int, tuple[str, int]] = field(default_factory=dict)  # column -> (text, rows still covered)
    row_open: bool = False

    def _fill_spanned(self, to_end: bool = False) -> None:
        """Place the cells of rows above that span down into the open row: at its next position,
        or (`to_end`) at every spanned column still ahead, padding the gaps."""
        row = self.rows[-1]
        while True:
            ahead = [c for c in self.spans if c >= len(row)]
            column = min(ahead, default=None) if to_end else (len(row) if len(row) in self.spans else None)
            if column is None:
                return
            row.extend([""] * (column - len(row)))
            text, left = self.spans.pop(column)
            if left > 1:
                self.spans[column] = (text, left - 1)
            row.append(text)

    def start_row(self) -> None:
        self.end_row()
        self.rows.append([])
        self.row_open = True

    def add_cell(self, text: str, rows: int, columns: int) -> None:
        if not self.row_open:
            self.start_row()
        self._fill_spanned()
        row = self.rows[-1]
        for _ in range(columns):
            if rows > 1:
                self.spans[len(row)] = (text, rows - 1)
            row.append(text)

    def end_row(self) -> None:
        if self.row_open:
            self._fill_spanned(to_end=True)
            self.row_open = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.tables: list[list[list[str]]] = []
        self._skip_depth = 0
        self._in_title = False
        self._table_stack: list[_Table] = []
        self._cell: list[str] | None = None
        self._cell_span = (1, 1)  # (rows, columns) of the open cell

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip_depth += 1
        elif tag == "table":
            self._table_stack.append(_Table())
        elif tag == "tr" and self._table_stack:
            self._close_cell()
            self._table_stack[-1].start_row()
        elif tag in ("td", "th") and self._table_stack:
            self._close_cell()  # `<td>a<td>b`: a new cell closes the one left open
            self._cell = []
            values = dict(attrs)
            self._cell_span = (_span(values.get("rowspan")), _span(values.get("colspan")))
        if tag in _BLOCK or tag == "tr":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr" and self._table_stack:
            self._close_cell()
            self._table_stack[-1].end_row()
        elif tag == "table" and self._table_stack:
            self._close_cell()
            table = self._table_stack.pop()
            table.end_row()
            grid = [row for row in table.rows if row]
            if grid:
                self.tables.append(grid)
        if tag in _BLOCK or tag == "tr":
            self.parts.append("\n")

    def _close_cell(self) -> None:
        if self._cell is None or not self._table_stack:
            return
        text = " ".join("".join(self._cell).split())
        self._table_stack[-1].add_cell(text, *self._cell_span)
        self.parts.append(text + " | ")
        self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._skip_depth:
            return
        elif self._cell is not None:
            self._cell.append(data)
        else:
            self.parts.append(data)


def read_html(markup: str) -> tuple[str, str, list[list[list[str]]]]:
    """(title, text, tables): text with one line per block and table row (cells joined by ` | `)."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    lines = []
    for line in "".join(reader.parts).split("\n"):
        line = re.sub(r"[ \t\r]+", " ", line).strip().removesuffix("|").strip()
        lines.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return " ".join(reader.title.split()), text, reader.tables
