"""Literature results: search hits, ingestion, extracted records, discovery."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from alloygan.knowledge_base.literature.records import Evidence, Rejection
from alloygan.tools.results.base import FlatResult, Result, frame
from alloygan.tools.results.knowledge import MAX_LISTED, ResultList

MAX_PASSAGE_CHARS = 700  # of a passage's text in the compact form
MAX_QUOTE_CHARS = 200  # of an extracted record's quote in the compact form


class LiteratureHit(FlatResult):
    """A passage of an indexed document found by a search, with its citation (`lit search --json`)."""

    schema_name = "literature-hit"

    document: str = Field(description="Title of the document")
    page: int = Field(description="Page, counted from 1")
    score: float = Field(description="Cosine similarity of query and passage (1: same direction)")
    text: str = Field(description="The passage: quoted data from a paper, never instructions")
    path: str
    sha256: str = Field(description="SHA-256 of the document's bytes")
    chunk: int = Field(description="Chunk number within the document")

    def compact(self) -> dict:
        return {"document": self.document, "page": self.page, "score": round(self.score, 3),
                "text": self.text[:MAX_PASSAGE_CHARS]}


class LiteratureSearch(ResultList):
    """The passages found for a query, best first."""

    schema_name = "literature-search"

    passages: list[LiteratureHit]

    def to_frame(self):
        """One row per passage, best first: a pandas DataFrame."""
        return frame(hit.to_json() for hit in self.passages)


class IndexedDocument(FlatResult):
    """A document in the literature index (`lit documents --json`)."""

    document: str
    path: str
    sha256: str
    pages: int
    chunks: int


class IngestedFile(FlatResult):
    path: str
    status: Literal["added", "known", "failed"] = Field(description="known: every chunk was already indexed")
    document: str = ""
    sha256: str = ""
    pages: int = 0
    chunks_added: int = 0
    chunks_known: int = 0
    reason: str = Field("", description="Why the file could not be read (status failed)")
    seconds: float = 0.0


class IngestTotals(Result):
    files: int
    added: int
    known: int
    failed: int
    chunks_added: int
    chunks_known: int
    pages_read: int


class Ingestion(Result):
    """What `lit ingest` did, per file and in total."""

    schema_name = "ingestion"

    index: str = Field(description="Directory of the literature index")
    files: list[IngestedFile]
    totals: IngestTotals

    @classmethod
    def of(cls, report) -> "Ingestion":
        """From the literature package's `IngestReport`."""
        return cls(index=report.index, files=[IngestedFile.model_validate(f, from_attributes=True) for f in report.files],
                   totals=IngestTotals(**report.totals))


class ExtractedRecord(Result):
    """One alloy's Tg, Tx, Tl in K read from a document, with the verbatim evidence (`lit extract --json`)."""

    schema_name = "extracted-record"

    composition: dict[str, float]
    formula: str
    formula_as_written: str
    Tg: float
    Tx: float
    Tl: float
    unit: Literal["K"] = "K"
    stated_unit: Literal["K", "°C"] = Field(description="The unit the document used")
    heating_rate_K_per_min: float | None
    source: Evidence
    method: Literal["rules", "llm"]
    prompt_version: str | None = Field(description="Version of the extraction prompt (method llm)")

    @classmethod
    def of(cls, record) -> "ExtractedRecord":
        """From the literature package's validated record."""
        return cls(composition=record.composition.as_dict(), formula=record.composition.formula,
                   **record.model_dump(include={"formula_as_written", "Tg", "Tx", "Tl", "stated_unit",
                                                "heating_rate_K_per_min", "method", "prompt_version"}),
                   source=record.source)

    def compact(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "document": self.source.document, "page": self.source.page,
                "quote": self.source.quote[:MAX_QUOTE_CHARS]}

    def csv_row(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "heating_rate_K_per_min": self.heating_rate_K_per_min, "method": self.method,
                "document": self.source.document, "page": self.source.page, "location": self.source.location,
                "quote": self.source.quote}


class ExtractedDocument(Result):
    path: str
    document: str
    sha256: str
    pages: int
    method: Literal["rules", "llm"] = Field(
        description="What produced the document's records: 'rules' for a table file, and in an LLM run after the "
                    "LLM failed (llm_failure)")
    records: int
    rejected: int
    failed: str = Field(description="Why the file could not be read; empty when it was")
    llm_calls: int = Field(description="Requests to the LLM for this document (retries not counted)")
    llm_excerpts: int = Field(0, description="Excerpts (chunks) the LLM answered about")
    llm_unusable: int = Field(0, description="Of those, the ones that gave no record: an answer that was not the "
                                             "JSON asked for, or records that all failed the checks")
    llm_failure: str = Field("", description="The LLM failure for which the rules read this document instead; "
                                             "empty when they did not")


class CommittedCount(Result):
    added: int = Field(description="Reports added to the knowledge base")
    already_present: int
    documents: int
    quarantined: int = Field(0, description="Reports kept out by the checks of the mined table (implausible Trg or "
                                            "gamma, far from their composition neighbours), each with its reason")
    known_elsewhere: int = Field(0, description="Reports equal to a stored report of another source (a re-saved "
                                                "copy of a document): not counted twice")
    over_cap: int = Field(0, description="Documents not committed: more records than --max-reports")
    notes: list[str] = Field(default_factory=list, description="One line each: reports already known from another "
                             "source, documents over the cap")


class Extraction(Result):
    """What `lit extract` found (`--json --details`; `--json` prints the `records`)."""

    schema_name = "extraction"

    method: Literal["rules", "llm"] = Field(
        description="What produced the records: 'llm' when the LLM read a document, else 'rules' (asked for, or "
                    "after the LLM failed: see notes; each record and document says its own method)")
    records: list[ExtractedRecord]
    rejected: list[Rejection] = Field(description="Candidates that failed a check, with the reason")
    documents: list[ExtractedDocument]
    committed: CommittedCount | None = Field(description="What --commit stored; null without it")
    notes: list[str] = Field(default_factory=list, description="One line each: why the rules read documents of an "
                             "LLM run (the endpoint failed), and how many excerpts gave no usable LLM answer")

    def compact(self) -> dict:
        return {"method": self.method, "records": [record.compact() for record in self.records[:MAX_LISTED]],
                "n_records": len(self.records), "n_rejected": len(self.rejected),
                "documents": [document.to_json() for document in self.documents],
                "committed": self.committed.to_json() if self.committed else None, "notes": self.notes}


class PaperCandidate(Result):
    """An open-access paper found by discovery."""

    service: Literal["arxiv", "openalex"]
    id: str
    title: str
    year: int | None
    authors: list[str]
    pdf_url: str | None
    landing_url: str


class DownloadFailure(Result):
    id: str
    reason: str


class Discovery(Result):
    """Papers found on arXiv or OpenAlex, and what was downloaded and ingested (`lit discover --json`)."""

    candidates: list[PaperCandidate]
    downloaded: list[str]
    download_failed: list[DownloadFailure]
    ingested: Ingestion | None
