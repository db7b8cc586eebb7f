"""Extraction of whole documents (rules or LLM) and committing the records to the store.

Committing turns every record into a `Report` of the source `(document sha256,
mined-rules|mined-llm, title, path)` at the record's location. Reports already in the
store (same document, same location) are recognised and counted, never duplicated; so
is a report equal to a stored report of another file (same alloy, same values: a
re-saved copy of a document), named by its source. The rest pass the mined table's
checks (`consistency.screen_reports`) or are quarantined with the reason; a document
with more records than the cap (`DEFAULT_MAX_REPORTS`, `--max-reports`) is not
committed. Each document is written in one transaction.

An LLM run survives its endpoint: when the model or its endpoint fails (`LLMEndpointError`:
refused, timed out, an HTTP error), the LLM is asked nothing more in the run (the extractor's
circuit breaker), and that document and every later one are read by the rule extractor instead;
their records are the rules' (`method` "rules", committed as `mined-rules`, exactly what `--rules`
gives), and `extraction_notes` says why in one line. Documents the LLM finished before keep its records.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from alloygan.knowledge_base.literature.documents import find_documents, read_document
from alloygan.knowledge_base.literature.errors import DocumentError, LLMEndpointError
from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection, rejection
from alloygan.knowledge_base.progress import ProgressCallback, prefixed, report
from alloygan.knowledge_base.records import Source
from alloygan.knowledge_base.store import AlloyStore

if TYPE_CHECKING:
    from alloygan.knowledge_base.literature.llm_settings import LLMSettings

ExtractionMethod = Literal["rules", "llm"]
SOURCE_KIND = {"rules": "mined-rules", "llm": "mined-llm"}


@dataclass
class DocumentExtraction:
    path: str
    method: ExtractionMethod  # what produced the records: "rules" for a table file or after an LLM failure
    document: str = ""
    sha256: str = ""
    pages: int = 0
    records: list[ExtractedRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    failed: str = ""  # why the file could not be read; empty when it was
    llm_calls: int = 0
    llm_excerpts: int = 0  # chunks the LLM answered about
    llm_unusable: int = 0  # of those, the ones that gave no record (an invalid answer, or every record rejected)
    llm_failure: str = ""  # the endpoint failure for which the rules read this document instead of the LLM

    def summary(self) -> dict:
        return {"path": self.path, "document": self.document, "sha256": self.sha256, "pages": self.pages,
                "method": self.method, "records": len(self.records), "rejected": len(self.rejected),
                "failed": self.failed, "llm_calls": self.llm_calls, "llm_excerpts": self.llm_excerpts,
                "llm_unusable": self.llm_unusable, "llm_failure": self.llm_failure}


def extract_documents(
    paths: Iterable[Path | str],
    method: ExtractionMethod = "rules",
    chat_model: Any = None,
    on_progress: ProgressCallback | None = None,
    llm_settings: LLMSettings | None = None,
) -> list[DocumentExtraction]:
    """Extract every document under `paths`; a file that cannot be read is reported, not fatal; an LLM that fails
    is asked no more, and the rules read the documents instead (the module's docstring).

    `llm_settings`: the endpoint's settings when `chat_model` was built from them (requests then go through
    `llm_client.call_llm`: timeouts, retries of connection failures). Reported to `on_progress`: each file read
    ("extracting", file number/total), and for the LLM each chunk it was asked about ("file 2/5: asking the LLM
    about <file>", chunks done/total)."""
    from alloygan.knowledge_base.table_files import is_table_file

    paths = [Path(p).expanduser() for p in paths]
    tables = [p for p in paths if p.is_file() and is_table_file(p)]
    files, problems = find_documents([p for p in paths if p not in tables])
    out = [DocumentExtraction(str(path), method, document=path.name, failed=reason) for path, reason in problems]
    out += [extract_table_file(path) for path in tables]
    extractor = None
    if method == "llm":
        from alloygan.knowledge_base.literature.llm_extractor import LLMExtractor

        if chat_model is None:
            raise ValueError("the LLM extractor needs a chat model")
        extractor = LLMExtractor(chat_model, settings=llm_settings)
    for number, path in enumerate(files, start=1):
        try:
            document = read_document(path)
        except DocumentError as error:
            out.append(DocumentExtraction(str(path), method, document=path.name,
                                          failed=str(error).removeprefix(f"{path}: ")))
            continue
        report(on_progress, "extracting", number, len(files), "file")
        calls = 0
        if extractor is not None and extractor.failure is None:
            before = (extractor.calls, extractor.excerpts, extractor.unusable)
            try:
                result = extractor.extract(document, prefixed(on_progress, f"file {number}/{len(files)}"))
            except LLMEndpointError:
                calls = extractor.calls - before[0]  # its LLM records so far are dropped: the rules read it whole
            else:
                out.append(DocumentExtraction(
                    str(path), "llm", document.title, document.sha256, document.n_pages, result.records,
                    result.rejected, llm_calls=extractor.calls - before[0],
                    llm_excerpts=extractor.excerpts - before[1], llm_unusable=extractor.unusable - before[2]))
                continue
        from alloygan.knowledge_base.literature.rule_extractor import extract_with_rules

        result = extract_with_rules(document)
        failure = str(extractor.failure) if extractor is not None and extractor.failure is not None else ""
        out.append(DocumentExtraction(str(path), "rules", document.title, document.sha256, document.n_pages,
                                      result.records, result.rejected, llm_calls=calls, llm_failure=failure))
    return out


def extraction_notes(extractions: Iterable[DocumentExtraction]) -> list[str]:
    """What a reader of an LLM run's records must know, one line each: that the rules read documents because the
    endpoint failed (and why), and for how many excerpts the LLM gave no usable answer."""
    extractions = list(extractions)
    notes = []
    fallback = [e for e in extractions if e.llm_failure]
    if fallback:
        documents = f"{len(fallback)} document{'' if len(fallback) == 1 else 's'}"
        notes.append(f"{fallback[0].llm_failure}; the LLM was not asked again: the records of {documents} were "
                     "extracted by the rules instead")
    unusable = sum(e.llm_unusable for e in extractions)
    if unusable:
        excerpts = sum(e.llm_excerpts for e in extractions)
        notes.append(f"the LLM gave no usable answer for {unusable} of {excerpts} excerpts (an answer that was not "
                     "the JSON asked for, or records failing the checks against the text); the reasons are among "
                     "the rejected candidates")
    return notes


def extract_table_file(path: Path) -> DocumentExtraction:
    """A user's table file (CSV, XLSX, JSON) read by the reader of `kb import` (`knowledge_base.imports`):
    its accepted rows as records, its quarantined and repeated rows as rejections (with the reason).
    A table needs no LLM: its records are always rule-read."""
    from alloygan.knowledge_base.imports import read_user_table
    from alloygan.knowledge_base.table_files import TableFileError

    try:
        table = read_user_table(path)
    except TableFileError as error:
        return DocumentExtraction(str(path), "rules", document=path.name,
                                  failed=str(error).removeprefix(f"{path}: "))
    source = table.source
    evidence = lambda location, text: Evidence(document=path.name, sha256=source.sha256, path=str(path),
                                                location=location, quote=text)
    records = [ExtractedRecord(composition=r.composition, formula_as_written=table.as_written[r.location][0],
                               Tg=r.Tg, Tx=r.Tx, Tl=r.Tl, stated_unit=table.as_written[r.location][1],
                               source=evidence(r.location, r.raw_text), method="rules") for r in table.reports]
    rejected = [rejection(evidence(q.location, q.raw_text), "rules", q.reason) for q in table.quarantined]
    rejected += [rejection(evidence(location, ""), "rules", what) for location, what in table.duplicates]
    return DocumentExtraction(str(path), "rules", path.name, source.sha256, 0, records, rejected)


DEFAULT_MAX_REPORTS = 5_000  # reports one document may add; the published table (12 pages) gives about 1,300


def commit_records(store: AlloyStore, extractions: Iterable[DocumentExtraction],
                   max_reports: int = DEFAULT_MAX_REPORTS) -> dict:
    """Add the records as reports, each document in one transaction, after the checks of the mined table
    (`consistency.screen_reports`: what fails is quarantined with the reason). A record equal to a stored report of
    another source (a re-saved copy of a document) is not counted twice; a document with more than `max_reports`
    records is not committed. Returns {"added", "already_present", "documents", "quarantined", "known_elsewhere",
    "over_cap", "notes"} (notes: one line each, for the repeats and the documents over the cap)."""
    from alloygan.knowledge_base.consistency import screen_reports
    from alloygan.knowledge_base.records import KnownReports

    added = present = documents = quarantined = elsewhere = over_cap = 0
    notes: list[str] = []
    for extraction in extractions:
        if not extraction.records:
            continue
        name = extraction.document or Path(extraction.path).name
        if len(extraction.records) > max_reports:
            over_cap += 1
            notes.append(f"{name}: {len(extraction.records):,} records, more than the cap of {max_reports:,} reports "
                         "per document; none committed (raise --max-reports to commit them)")
            continue
        source = Source(extraction.sha256, SOURCE_KIND[extraction.method], extraction.document, extraction.path)
        known = store.reports()
        stored = KnownReports(known)
        new, repeats = [], {}
        for entry in (record.to_report(source) for record in extraction.records):
            repeated = stored.repeat_of(entry)
            if repeated is None:
                new.append(entry)
            elif repeated.source is not None and repeated.source.sha256 != source.sha256:
                repeats[repeated.source.title] = repeats.get(repeated.source.title, 0) + 1
            else:
                present += 1
        kept, rejected = screen_reports(new, known)
        if kept or rejected:  # a document all of whose reports are known adds no empty source
            result = store.add_reports(source, kept, rejected)
            added += result.added
            present += result.already_present
            quarantined += result.quarantined
        elsewhere += sum(repeats.values())
        notes += [f"{name}: {count} report{'' if count == 1 else 's'} already known from source {title!r}; "
                  "not counted twice" for title, count in repeats.items()]
        documents += 1
    return {"added": added, "already_present": present, "documents": documents, "quarantined": quarantined,
            "known_elsewhere": elsewhere, "over_cap": over_cap, "notes": notes}
