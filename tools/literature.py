"""Literature operations as plain functions with pydantic arguments and JSON-able results.

The CLI (`alloygan lit ...`) and the agent's tools share them. Bad input raises
`ToolInputError` naming the argument and the fix; a file that exists but cannot be
read is reported in the results (and is an error only when no file could be read).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alloygan.tools.errors import ToolInputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def validated(model: type[ModelT], **values: Any) -> ModelT:
    """`model(**values)`, with pydantic's errors turned into one `ToolInputError` line."""
    try:
        return model(**values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg'].removeprefix('Value error, ')}"
                             for e in error.errors())
        raise ToolInputError(problems) from None


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathsArgs(_Args):
    paths: list[str] = Field(min_length=1, description="Files or directories (searched recursively)")

    @field_validator("paths")
    @classmethod
    def _not_blank(cls, paths: list[str]) -> list[str]:
        if any(not p.strip() for p in paths):
            raise ValueError("a path is empty")
        return paths


class IngestArgs(PathsArgs):
    """Documents (PDF, text, Markdown, HTML) to add to the literature index."""


class SearchArgs(_Args):
    """A question to find passages for."""

    query: str = Field(min_length=1, description="What to look for, in plain words")
    k: int = Field(5, ge=1, le=50, description="How many passages")

    @field_validator("query")
    @classmethod
    def _words(cls, query: str) -> str:
        if not query.strip():
            raise ValueError("the query is blank; say what to look for")
        return query.strip()


class ExtractArgs(PathsArgs):
    """Documents to extract alloy records from."""

    method: Literal["rules", "llm"] | None = Field(
        None, description="'rules' (offline) or 'llm'; default: llm when an LLM is configured, else rules")
    commit: bool = Field(False, description="Add the records to the knowledge base")


class DiscoverArgs(_Args):
    """Search arXiv or OpenAlex for open-access papers (needs the internet)."""

    query: str = Field(min_length=1)
    service: Literal["arxiv", "openalex"] = "arxiv"
    max_results: int = Field(10, ge=1, le=100)
    online: bool = Field(False, description="Must be true: discovery goes to the internet")
    download_to: str | None = Field(None, description="Directory to download the PDFs into")
    ingest: bool = Field(False, description="Ingest the downloaded PDFs (needs download_to)")


def _existing(paths: list[str], flag: str = "PATH") -> list[Path]:
    resolved = [Path(p).expanduser() for p in paths]
    missing = [str(p) for p in resolved if not p.exists()]
    if missing:
        raise ToolInputError(f"{', '.join(missing)}: no such file or directory; check the {flag} given")
    return resolved


def _all_failed(failures: list[tuple[str, str]]) -> ToolInputError:
    if len(failures) == 1:
        path, reason = failures[0]
        return ToolInputError(f"{path}: {reason}")
    listed = "; ".join(f"{Path(p).name}: {r}" for p, r in failures[:5])
    return ToolInputError(f"none of the {len(failures)} files could be read ({listed})")


def ingest_documents(args: IngestArgs, on_progress: Callable[[Path, str, int, int], None] | None = None,
                     on_file: Callable[[Any], None] | None = None) -> dict:
    """Index the documents; per file: added / known / failed with the reason, chunk counts."""
    from alloygan.knowledge_base.literature.ingestion import ingest_paths

    paths = _existing(args.paths)
    report = ingest_paths(paths, on_progress=on_progress, on_file=on_file)
    if report.files and all(f.status == "failed" for f in report.files):
        raise _all_failed([(f.path, f.reason) for f in report.files])
    return report.as_dict()


def search_literature(args: SearchArgs) -> list[dict]:
    """Passages for the query, best first: document, page, score (cosine similarity), text."""
    from alloygan.knowledge_base.literature.vector_store import LiteratureIndex

    with LiteratureIndex(create=False) as index:
        return [p.as_dict() for p in index.search(args.query, args.k)]


def literature_documents() -> list[dict]:
    """The documents in the index."""
    from alloygan.knowledge_base.literature.vector_store import LiteratureIndex

    with LiteratureIndex(create=False) as index:
        return index.documents()


def extraction_method(requested: str | None) -> str:
    """The method to use: the requested one, else llm when an LLM is configured, else rules."""
    if requested:
        return requested
    from alloygan.knowledge_base.literature.llm_settings import LLMSettings

    return "llm" if LLMSettings().configured else "rules"


def extract_alloy_data(args: ExtractArgs, chat_model: Any = None,
                       on_document: Callable[[Path, int, int], None] | None = None,
                       on_chunk: Callable[[Path, int, int], None] | None = None) -> dict:
    """Alloy records with provenance (and the rejected candidates with reasons); `commit` stores them."""
    from alloygan.knowledge_base.literature.extraction import commit_records, extract_documents

    paths = _existing(args.paths)
    method = extraction_method(args.method)
    if method == "llm" and chat_model is None:
        from alloygan.knowledge_base.literature.llm_settings import chat_model_from_settings

        chat_model = chat_model_from_settings(purpose="--llm extraction")
    extractions = extract_documents(paths, method, chat_model=chat_model, on_document=on_document, on_chunk=on_chunk)
    if extractions and all(e.failed for e in extractions):
        raise _all_failed([(e.path, e.failed) for e in extractions])
    committed = None
    if args.commit:
        from alloygan.tools.knowledge import open_store

        with open_store() as store:
            committed = commit_records(store, extractions)
    return {
        "method": method,
        "records": [r.as_json() for e in extractions for r in e.records],
        "rejected": [r.model_dump() for e in extractions for r in e.rejected],
        "documents": [e.summary() for e in extractions],
        "committed": committed,
    }


def discover_papers(args: DiscoverArgs) -> dict:
    """Open-access papers for the query; optionally downloaded and ingested."""
    if not args.online:
        raise ToolInputError("discovery searches arXiv/OpenAlex over the internet; add --online to allow it")
    if args.ingest and not args.download_to:
        raise ToolInputError("--ingest needs --download DIR (where to put the PDFs)")
    from alloygan.knowledge_base.literature.discovery import download, search
    from alloygan.knowledge_base.literature.errors import DiscoveryError

    candidates = search(args.service, args.query, args.max_results)
    downloaded, failed = [], []
    if args.download_to:
        for candidate in candidates:
            if not candidate.pdf_url:
                continue
            try:
                downloaded.append(str(download(candidate, Path(args.download_to).expanduser())))
            except DiscoveryError as error:
                failed.append({"id": candidate.id, "reason": str(error)})
    ingested = ingest_documents(IngestArgs(paths=downloaded)) if args.ingest and downloaded else None
    return {"candidates": [c.as_dict() for c in candidates], "downloaded": downloaded,
            "download_failed": failed, "ingested": ingested}
