"""Ingesting files into the literature index: per-file results, progress, one writer at a time.

A file whose content is already indexed is recognised by its hash and skipped without
being read again. A file that cannot be read is reported with its reason and the
others go on.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alloygan.knowledge_base.literature.chunking import chunk_document
from alloygan.knowledge_base.literature.documents import find_documents, read_document
from alloygan.knowledge_base.literature.errors import DocumentError
from alloygan.knowledge_base.literature.vector_store import LiteratureIndex, writer_lock
from alloygan.knowledge_base.progress import ProgressCallback, prefixed
from alloygan.knowledge_base.table_miner import sha256_of


@dataclass
class FileResult:
    path: str
    status: str  # "added", "known" (every chunk already indexed) or "failed"
    document: str = ""
    sha256: str = ""
    pages: int = 0
    chunks_added: int = 0
    chunks_known: int = 0
    reason: str = ""
    seconds: float = 0.0


@dataclass
class IngestReport:
    index: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def totals(self) -> dict:
        return {
            "files": len(self.files),
            "added": sum(f.status == "added" for f in self.files),
            "known": sum(f.status == "known" for f in self.files),
            "failed": sum(f.status == "failed" for f in self.files),
            "chunks_added": sum(f.chunks_added for f in self.files),
            "chunks_known": sum(f.chunks_known for f in self.files),
            "pages_read": sum(f.pages for f in self.files if f.status == "added"),
        }


def _ingest_file(index: LiteratureIndex, path: Path, on_progress: ProgressCallback | None) -> FileResult:
    started = time.perf_counter()
    try:
        sha256 = sha256_of(path)
        known = index.chunk_count(sha256)
        if known:
            return FileResult(str(path), "known", path.name, sha256, chunks_known=known)
        document = read_document(path, on_progress)
    except (DocumentError, OSError) as error:
        reason = str(error).removeprefix(f"{path}: ")
        return FileResult(str(path), "failed", path.name, reason=reason, seconds=time.perf_counter() - started)
    chunks = chunk_document(document)
    added, already = index.add(document, chunks, on_progress)
    return FileResult(str(path), "added" if added else "known", document.title, document.sha256, document.n_pages,
                      added, already, seconds=time.perf_counter() - started)


def ingest_paths(
    paths: Iterable[Path | str],
    index: LiteratureIndex | None = None,
    on_progress: ProgressCallback | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Index every document under `paths`; unreadable ones are reported as failed, never fatal.

    Each file's pages read and chunks embedded are reported to `on_progress` as stages
    "file 2/5: reading paper.pdf" and "file 2/5: embedding paper.pdf"; `on_file` gets each result.
    """
    files, problems = find_documents(paths)
    owned = index is None
    index = index or LiteratureIndex()
    try:
        report = IngestReport(str(index.directory))
        for path, reason in problems:
            report.files.append(FileResult(str(path), "failed", path.name, reason=reason))
            if on_file:
                on_file(report.files[-1])
        with writer_lock(index.directory):
            for number, path in enumerate(files, start=1):
                result = _ingest_file(index, path, prefixed(on_progress, f"file {number}/{len(files)}"))
                report.files.append(result)
                if on_file:
                    on_file(result)
    finally:
        if owned:
            index.close()
    return report
