"""Reading documents (PDF, text, Markdown, HTML) into pages with provenance.

A `Document` is keyed by the SHA-256 of its bytes, so the same content under another
name is the same document. Its pages are numbered from 1 as printed in the file (a
text or Markdown file is split into pages at form feeds; HTML is one page). Tables
that the format marks up (ruled PDF tables, HTML `<table>`) are kept as grids of cells
beside the page text, for the table reader of the rule extractor.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alloygan.knowledge_base.literature.errors import DocumentError
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.knowledge_base.table_miner import sha256_of

KINDS = {".pdf": "pdf", ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
         ".html": "html", ".htm": "html"}
# pdfplumber joins words closer than this (pt); the default (3) glues words of tightly set
# LaTeX text together ("SupplementaryInformation"), 1.5 keeps them apart.
PDF_X_TOLERANCE = 1.5

Grid = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    tables: tuple[Grid, ...] = ()


@dataclass(frozen=True)
class Document:
    path: Path
    sha256: str
    kind: str
    title: str
    pages: tuple[Page, ...] = field(default=())

    @property
    def n_pages(self) -> int:
        return len(self.pages)


def supported_suffixes() -> str:
    return ", ".join(sorted(KINDS))


def find_documents(paths: Iterable[Path | str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The readable files under `paths` (directories recursively, hidden files skipped),
    and the paths that cannot be used, each with the reason."""
    found: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KINDS
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not files:
                problems.append((path, f"no documents in this directory (looked for {supported_suffixes()})"))
            found.extend(files)
        elif path.is_file():
            if path.suffix.lower() in KINDS:
                found.append(path)
            else:
                problems.append((path, f"unsupported file type {path.suffix or '(none)'!r}; "
                                       f"supported: {supported_suffixes()}"))
        else:
            problems.append((path, "no such file or directory"))
    unique = list({p.resolve(): p.absolute() for p in reversed(found)}.values())[::-1]  # one file, one entry
    return unique, problems


def read_document(path: Path | str, on_progress: ProgressCallback | None = None) -> Document:
    """Read one file into pages (a PDF's pages reported to `on_progress` as "reading <file>");
    `DocumentError` names the file and what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"{path}: unsupported file type {path.suffix!r}; supported: {supported_suffixes()}")
    if path.stat().st_size == 0:
        raise DocumentError(f"{path}: empty file")
    if kind == "pdf":
        title, pages = _read_pdf(path, on_progress)
    else:
        title, pages = _read_markup(path, kind)
    if not any(page.text.strip() for page in pages):
        hint = "a scanned PDF without a text layer? run OCR on it first" if kind == "pdf" else "nothing to index"
        raise DocumentError(f"{path}: no text in the document ({hint})")
    return Document(path, sha256_of(path), kind, title or path.name, tuple(pages))


def _read_pdf(path: Path, on_progress: ProgressCallback | None) -> tuple[str, list[Page]]:
    import pdfplumber

    pages: list[Page] = []
    try:
        with pdfplumber.open(path) as pdf:
            title = str((pdf.metadata or {}).get("Title") or "").strip()
            total = len(pdf.pages)
            for number, page in enumerate(pdf.pages, start=1):
                text = page.extract_text(x_tolerance=PDF_X_TOLERANCE) or ""
                tables = tuple(
                    tuple(tuple(" ".join((cell or "").split()) for cell in row) for row in table)
                    for table in page.extract_tables() if table
                )
                pages.append(Page(number, text, tables))
                report(on_progress, f"reading {path.name}", number, total, "page")
    except DocumentError:
        raise
    except Exception as error:  # pdfminer raises many types for damaged files
        raise DocumentError(f"{path}: not a readable PDF ({type(error).__name__}: {error}); "
                            "re-export it or check that the download finished") from None
    return title, pages


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{path}: binary content, not a {path.suffix} text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path}: not UTF-8 or Windows-1252 text; convert it to UTF-8")


def _read_markup(path: Path, kind: str) -> tuple[str, list[Page]]:
    text = _decode(path)
    if kind == "html":
        from alloygan.knowledge_base.literature.html_reader import read_html

        title, body, tables = read_html(text)
        grids = tuple(tuple(tuple(row) for row in table) for table in tables)
        return title, [Page(1, body, grids)]
    title = ""
    if kind == "markdown":
        heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else ""
    return title, [Page(n, chunk.strip("\n")) for n, chunk in enumerate(text.split("\f"), start=1)]
