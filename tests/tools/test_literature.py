"""The literature tools: pydantic arguments, JSON-able results, ToolInputError for bad input."""
from __future__ import annotations

import json
import shutil

import pytest

from alloygan.tools.arguments import validated
from alloygan.tools.errors import ToolInputError, user_errors
from alloygan.tools.literature import (
    DiscoverArgs, ExtractArgs, IngestArgs, SearchArgs, discover_papers, extract_alloy_data, extraction_method,
    ingest_documents, search_literature,
)

SNIPPETS = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "literature" / "snippets"
EXPECTED = json.loads((SNIPPETS.parent / "expected.json").read_text(encoding="utf-8"))


def test_bad_arguments_are_tool_input_errors():
    with pytest.raises(ToolInputError, match="k: Input should be greater than or equal to 1"):
        validated(SearchArgs, query="Zr", k=0)
    with pytest.raises(ToolInputError, match="^k: Input should be less than or equal to 50$"):
        validated(SearchArgs, query="Zr", k=51)
    with pytest.raises(ToolInputError, match="query: the query is blank"):
        validated(SearchArgs, query="   ")
    with pytest.raises(ToolInputError, match="paths: List should have at least 1 item"):
        validated(IngestArgs, paths=[])
    with pytest.raises(ToolInputError, match="method: Input should be 'rules' or 'llm'"):
        validated(ExtractArgs, paths=["x"], method="magic")
    with pytest.raises(ToolInputError, match="color: Extra inputs are not permitted"):
        validated(SearchArgs, query="Zr", color="red")


def test_missing_paths_are_named(fresh_home, tmp_path):
    with pytest.raises(ToolInputError) as error:
        ingest_documents(IngestArgs(paths=[str(tmp_path / "nope.pdf")]))
    assert str(tmp_path / "nope.pdf") in str(error.value) and "no such file or directory" in str(error.value)
    with pytest.raises(ToolInputError):
        extract_alloy_data(ExtractArgs(paths=[str(tmp_path / "nope.pdf")]))


def test_only_unreadable_files_is_an_error_naming_them(fresh_home, tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    with pytest.raises(ToolInputError, match=r"broken.pdf: not a readable PDF"):
        extract_alloy_data(ExtractArgs(paths=[str(tmp_path / "broken.pdf")]))
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ToolInputError, match=r"none of the 2 files could be read \(broken.pdf: not a readable PDF"):
        extract_alloy_data(ExtractArgs(paths=[str(tmp_path)]))


def test_extract_returns_json_records_and_writes_nothing_without_commit(fresh_home):
    result = extract_alloy_data(ExtractArgs(paths=[str(SNIPPETS / "pd_text_table.txt")], method="rules"))
    data = json.loads(json.dumps(result.to_json()))  # JSON-able
    assert data["method"] == "rules" and data["committed"] is None
    assert [r["formula"] for r in data["records"]] == ["Ni40Pd40P20", "Pd40Cu30P20Ni10", "Pd77.5Si16.5Cu6"]
    first = data["records"][0]
    assert list(first) == ["composition", "formula", "formula_as_written", "Tg", "Tx", "Tl", "unit", "stated_unit",
                           "heating_rate_K_per_min", "source", "method", "prompt_version"]
    assert set(first["source"]) >= {"document", "sha256", "page", "quote"}
    assert not (fresh_home / "alloygan.sqlite").exists()


def test_commit_adds_reports_with_provenance_once(fresh_home):
    from alloygan.tools.knowledge import open_store

    args = ExtractArgs(paths=[str(SNIPPETS)], method="rules", commit=True)
    records, documents = sum(map(len, EXPECTED.values())), sum(1 for records in EXPECTED.values() if records)
    counts = lambda c: {k: v for k, v in c.to_json().items() if k in ("added", "already_present", "documents",
                                                                    "known_elsewhere")}
    first = extract_alloy_data(args)
    # injection.md's genuine record is the published table's row (same alloy, same values): known, not counted twice
    assert counts(first.committed) == {"added": records - 1, "already_present": 0, "documents": documents,
                                       "known_elsewhere": 1}
    again = extract_alloy_data(args)
    assert counts(again.committed) == {"added": 0, "already_present": records - 1, "documents": documents,
                                       "known_elsewhere": 1}
    with open_store() as store:
        reports = [r for r in store.reports() if r.source.kind == "mined-rules"]
    assert len(reports) == records - 1
    zr = next(r for r in reports if r.composition.formula == "Zr65Cu17.5Ni10Al7.5")
    assert zr.method == "rules" and zr.heating_rate_K_per_min == 20.0 and zr.page == 1
    assert zr.location == "p1 para 3 record 1" and "Tg of 656 K" in zr.quote
    assert zr.source.title == "zr_statements.txt" and zr.source.path.endswith("zr_statements.txt")


def test_default_method_follows_the_llm_configuration(monkeypatch):
    for name in ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert extraction_method(None) == "rules" and extraction_method("llm") == "llm"
    monkeypatch.setenv("ALLOYGAN_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ALLOYGAN_LLM_MODEL", "m")
    assert extraction_method(None) == "llm"


def test_llm_without_configuration_is_a_user_error(monkeypatch, fresh_home):
    for name in ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(user_errors()) as error:
        extract_alloy_data(ExtractArgs(paths=[str(SNIPPETS / "negatives.txt")], method="llm"))
    assert "ALLOYGAN_LLM_BASE_URL" in str(error.value)


def test_ingest_and_search_with_an_injected_embedding(fresh_home, tmp_path, monkeypatch):
    from alloygan.knowledge_base.literature import embeddings
    from tests.knowledge_base.literature.conftest import HashEmbedding

    monkeypatch.setattr(embeddings, "MiniLMEmbedding", HashEmbedding)  # the index's default model, made instant
    shutil.copy(SNIPPETS / "fe_paper.html", tmp_path)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF broken")
    result = ingest_documents(IngestArgs(paths=[str(tmp_path)]))
    data = json.loads(json.dumps(result.to_json()))
    assert [(f["status"], f["chunks_added"]) for f in data["files"]] == [("failed", 0), ("added", 1)]
    assert data["totals"]["added"] == 1 and data["totals"]["failed"] == 1
    passages = search_literature(SearchArgs(query="Fe-based amorphous steels", k=2)).passages
    assert passages[0].document == "Fe-based amorphous steels (constructed test snippet)" and passages[0].page == 1
    assert list(passages[0].to_json()) == ["document", "page", "score", "text", "path", "sha256", "chunk"]


def test_discovery_needs_the_explicit_online_flag():
    with pytest.raises(ToolInputError, match="add --online"):
        discover_papers(DiscoverArgs(query="Zr-based metallic glass"))
    with pytest.raises(ToolInputError, match="--ingest needs --download"):
        discover_papers(DiscoverArgs(query="x", online=True, ingest=True))
