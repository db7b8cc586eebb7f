"""Optional online discovery: offline tests with stand-in clients; the real services only with the network."""
from __future__ import annotations

from datetime import datetime, timezone

import arxiv
import pytest

from alloygan.knowledge_base.literature import discovery
from alloygan.knowledge_base.literature.discovery import Candidate, download, search_arxiv, search_openalex
from alloygan.knowledge_base.literature.errors import DiscoveryError


class FakeArxivClient:
    def __init__(self, results=None, error=None):
        self._results, self._error, self.searches = results or [], error, []

    def results(self, search):
        self.searches.append(search)
        if self._error:
            raise self._error
        return iter(self._results)


def test_arxiv_results_become_candidates_with_pdf_links():
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/2502.18127v1", published=datetime(2025, 2, 25, tzinfo=timezone.utc),
        title="Inverse Materials Design by Large Language\n Model-Assisted Generative Framework",
        authors=[arxiv.Result.Author("Yun Hao")],
        links=[arxiv.Result.Link("http://arxiv.org/pdf/2502.18127v1", title="pdf")],
    )
    client = FakeArxivClient([result])
    (candidate,) = search_arxiv("metallic glass inverse design", max_results=3, client=client)
    assert candidate == Candidate("arxiv", "2502.18127v1",
                                  "Inverse Materials Design by Large Language Model-Assisted Generative Framework",
                                  2025, ["Yun Hao"], "http://arxiv.org/pdf/2502.18127v1",
                                  "http://arxiv.org/abs/2502.18127v1")
    assert client.searches[0].query == "metallic glass inverse design" and client.searches[0].max_results == 3


def test_service_failures_are_discovery_errors():
    with pytest.raises(DiscoveryError, match="could not search arXiv .* check the network"):
        search_arxiv("x", client=FakeArxivClient(error=ConnectionError("no route to host")))


def test_openalex_keeps_open_access_pdf_links():
    class Works:
        def search(self, query):
            self.query = query
            return self

        def filter(self, **kwargs):
            self.filters = kwargs
            return self

        def get(self, per_page):
            return [{"id": "https://openalex.org/W123", "title": "Zr-based BMGs", "publication_year": 2020,
                     "authorships": [{"author": {"display_name": "A. Inoue"}}],
                     "best_oa_location": {"pdf_url": "https://example.org/a.pdf", "landing_page_url": "https://example.org/a"}},
                    {"id": "https://openalex.org/W456", "title": "No PDF", "publication_year": 2021, "authorships": [],
                     "best_oa_location": None}]

    works = Works()
    candidates = search_openalex("Zr-based glass", max_results=5, works=works)
    assert works.query == "Zr-based glass" and works.filters == {"is_oa": True}
    assert [(c.id, c.pdf_url) for c in candidates] == [("W123", "https://example.org/a.pdf"), ("W456", None)]
    assert candidates[0].authors == ["A. Inoue"] and candidates[0].landing_url == "https://example.org/a"


def test_download_writes_a_whole_pdf_or_nothing(tmp_path, monkeypatch):
    import httpx

    responses = {"https://example.org/a.pdf": b"%PDF-1.4 fine", "https://example.org/login": b"<html>sign in</html>"}
    monkeypatch.setattr(httpx, "get", lambda url, **kw: httpx.Response(200, content=responses[url],
                                                                       request=httpx.Request("GET", url)))
    good = Candidate("openalex", "W1", "t", 2020, [], "https://example.org/a.pdf")
    path = download(good, tmp_path / "pdfs")
    assert path.name == "openalex-W1.pdf" and path.read_bytes() == b"%PDF-1.4 fine"
    with pytest.raises(DiscoveryError, match="did not return a PDF"):
        download(Candidate("openalex", "W2", "t", 2020, [], "https://example.org/login"), tmp_path / "pdfs")
    assert sorted(p.name for p in (tmp_path / "pdfs").iterdir()) == ["openalex-W1.pdf"]
    with pytest.raises(DiscoveryError, match="no open-access PDF link"):
        download(Candidate("openalex", "W3", "t", 2020), tmp_path)


def test_unknown_service_is_named():
    with pytest.raises(DiscoveryError, match="unknown service 'scholar'"):
        discovery.search("scholar", "x")


@pytest.mark.network
def test_arxiv_really_answers():
    candidates = search_arxiv("bulk metallic glass glass-forming ability", max_results=2)
    assert 1 <= len(candidates) <= 2 and all(c.pdf_url for c in candidates)
