"""HTML to plain text and table grids (the standard library's parser; no network, no scripts)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "header", "footer", "blockquote", "pre", "figcaption", "caption", "dt", "dd", "hr", "table"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.tables: list[list[list[str]]] = []
        self._skip_depth = 0
        self._in_title = False
        self._table_stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip_depth += 1
        elif tag == "table":
            self._table_stack.append([])
        elif tag == "tr" and self._table_stack:
            self._table_stack[-1].append([])
        elif tag in ("td", "th") and self._table_stack:
            self._cell = []
        if tag in _BLOCK or tag == "tr":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in ("td", "th") and self._cell is not None and self._table_stack:
            text = " ".join("".join(self._cell).split())
            if not self._table_stack[-1]:
                self._table_stack[-1].append([])
            self._table_stack[-1][-1].append(text)
            self.parts.append(text + " | ")
            self._cell = None
        elif tag == "table" and self._table_stack:
            grid = [row for row in self._table_stack.pop() if row]
            if grid:
                self.tables.append(grid)
        if tag in _BLOCK or tag == "tr":
            self.parts.append("\n")

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
