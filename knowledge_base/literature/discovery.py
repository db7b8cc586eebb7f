"""Optional online discovery of open-access papers (arXiv, OpenAlex) to download and ingest.

Nothing else depends on this module and nothing calls it unless asked explicitly
(`alloygan lit discover --online`). Network failures become `DiscoveryError`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from alloygan.knowledge_base.file_writes import write_whole
from alloygan.knowledge_base.literature.errors import DiscoveryError

SERVICES = ("arxiv", "openalex")


@dataclass(frozen=True)
class Candidate:
    service: str
    id: str
    title: str
    year: int | None
    authors: list[str] = field(default_factory=list)
    pdf_url: str | None = None
    landing_url: str = ""


def search_arxiv(query: str, max_results: int = 10, client=None) -> list[Candidate]:
    """arXiv papers for the query (every arXiv paper is open access)."""
    import arxiv

    client = client or arxiv.Client(page_size=max_results, delay_seconds=3.0, num_retries=2)
    search = arxiv.Search(query=query, max_results=max_results, sort_by=arxiv.SortCriterion.Relevance)
    try:
        results = list(client.results(search))
    except Exception as error:  # the arxiv client raises requests' and its own errors
        raise DiscoveryError(f"could not search arXiv for {query!r} ({type(error).__name__}: {error}); "
                             "check the network connection and try again") from None
    return [
        Candidate("arxiv", r.get_short_id(), " ".join(r.title.split()), r.published.year if r.published else None,
                  [a.name for a in r.authors], r.pdf_url, r.entry_id)
        for r in results
    ]


def search_openalex(query: str, max_results: int = 10, works=None) -> list[Candidate]:
    """Open-access works in OpenAlex for the query, with a PDF link where OpenAlex knows one."""
    if works is None:
        from pyalex import Works

        works = Works()
    try:
        found = works.search(query).filter(is_oa=True).get(per_page=max_results)
    except Exception as error:
        raise DiscoveryError(f"could not search OpenAlex for {query!r} ({type(error).__name__}: {error}); "
                             "check the network connection and try again") from None
    out = []
    for work in found[:max_results]:
        location = work.get("best_oa_location") or {}
        out.append(Candidate(
            "openalex", str(work.get("id", "")).rsplit("/", 1)[-1], " ".join(str(work.get("title") or "").split()),
            work.get("publication_year"),
            [a.get("author", {}).get("display_name", "") for a in work.get("authorships", [])],
            location.get("pdf_url"), location.get("landing_page_url") or str(work.get("id", "")),
        ))
    return out


def search(service: str, query: str, max_results: int = 10) -> list[Candidate]:
    if service not in SERVICES:
        raise DiscoveryError(f"unknown service {service!r}; use one of {', '.join(SERVICES)}")
    return (search_arxiv if service == "arxiv" else search_openalex)(query, max_results)


def download(candidate: Candidate, directory: Path, timeout: float = 60.0) -> Path:
    """Download the candidate's PDF into `directory` (written whole or not at all)."""
    import httpx

    if not candidate.pdf_url:
        raise DiscoveryError(f"{candidate.title!r}: no open-access PDF link")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / (re.sub(r"[^A-Za-z0-9._-]+", "_", f"{candidate.service}-{candidate.id}") + ".pdf")
    try:
        response = httpx.get(candidate.pdf_url, follow_redirects=True, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise DiscoveryError(f"could not download {candidate.pdf_url} ({type(error).__name__}: {error})") from None
    if not response.content.startswith(b"%PDF"):
        raise DiscoveryError(f"{candidate.pdf_url}: the server did not return a PDF (a login or landing page?)")
    write_whole(target, lambda path: path.write_bytes(response.content))
    return target
