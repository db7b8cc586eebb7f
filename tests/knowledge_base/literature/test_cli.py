"""`alloygan lit ...` and `alloygan bench extract` end to end, including the acceptance scenario."""
from __future__ import annotations

import json
import shutil

import pytest


@pytest.fixture
def papers(tmp_path, shared_pdf, snippets):
    """A folder as a scientist brings it: the dataset PDF (linked, never copied into the repo) and text files."""
    folder = tmp_path / "papers"
    shutil.copytree(snippets, folder)
    (folder / "dataset.pdf").symlink_to(shared_pdf)
    return folder


@pytest.mark.slow  # end to end: the real embedding model indexes the dataset PDF
def test_acceptance_ingest_search_extract_commit(fresh_home, papers, run_cli, shared_pdf, expected):
    from alloygan.knowledge_base.table_miner import mine_table, shipped_table

    mined = len(mine_table(shared_pdf).reports)  # what the table miner accepts (the extractor reads through it)
    files = len(expected) + 1  # every snippet is one page; the PDF has 12
    in_snippets = sum(len(records) for records in expected.values())
    code, out, err = run_cli("lit", "ingest", str(papers))
    assert code == 0, err
    assert f"{files} files: {files} added" in out and f"{files + 11} pages" in out and "0 failed" in out
    assert f"added {papers / 'dataset.pdf'}: 12 pages" in out

    code, out, err = run_cli("lit", "ingest", str(papers), "--json")
    assert code == 0 and json.loads(out)["totals"]["known"] == files  # idempotent

    code, out, err = run_cli("lit", "search", "Zr-based alloys with silver", "--json")
    assert code == 0, err
    passages = json.loads(out)
    assert len(passages) == 5 and all({"document", "page", "score", "text"} <= set(p) for p in passages)
    assert passages[0]["document"] == "zr_statements.txt" and passages[0]["page"] == 1
    assert any(p["path"].endswith("dataset.pdf") and 1 <= p["page"] <= 12 for p in passages)
    code, out, _ = run_cli("lit", "search", "Zr-based alloys with silver", "--k", "2")
    assert code == 0 and "1. zr_statements.txt, p. 1" in out

    code, out, err = run_cli("lit", "extract", str(papers), "--rules", "--commit", "--json")
    assert code == 0, err
    records = json.loads(out)
    assert len(records) == mined + in_snippets
    assert all(r["method"] == "rules" and r["source"]["quote"] and r["source"]["page"] for r in records)
    code, out, _ = run_cli("kb", "stats", "--json")
    stats = json.loads(out)
    # the PDF's rows are the shipped published table's rows (same document, same locations): recognised; so is
    # injection.md's one genuine record, the table's row of the same alloy with the same values (not counted twice)
    assert stats["accepted"] == len(shipped_table().reports) + in_snippets - 1
    assert [s["kind"] for s in stats["sources"]][0] == "published-table"
    assert sorted(s["accepted"] for s in stats["sources"] if s["kind"] == "mined-rules") == sorted(
        len(records) for name, records in expected.items() if records and name != "injection.md")

    code, out, _ = run_cli("lit", "extract", str(papers), "--rules", "--commit")
    assert code == 0 and f"0 reports added, {mined + in_snippets - 1} already present" in out
    assert "1 report already known from source 'AlloyGAN collected alloy dataset" in " ".join(out.split())


def test_bad_inputs_are_one_line_and_exit_2(fresh_home, tmp_path, run_cli, monkeypatch, snippets):
    for name in ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.5 garbage")
    cases = {
        ("lit", "ingest", str(tmp_path / "missing.pdf")): "no such file or directory",
        ("lit", "ingest", str(tmp_path / "broken.pdf")): "not a readable PDF",
        ("lit", "extract", str(tmp_path / "broken.pdf")): "not a readable PDF",
        ("lit", "extract", str(snippets), "--frobnicate"): "No such option: --frobnicate",
        ("lit", "extract", str(snippets), "--llm"): "ALLOYGAN_LLM_BASE_URL",
        ("lit", "extract", str(snippets), "--llm", "--rules"): "exclude each other",
        ("lit", "search", "Zr glasses"): "no documents ingested yet",
        ("lit", "search", "Zr", "--k", "0"): "--k",
        ("lit", "discover", "Zr glass"): "add --online",
    }
    for args, expected in cases.items():
        code, out, err = run_cli(*args)
        assert code == 2, (args, out, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], (args, err)
        assert out.strip() == "", (args, out)


def test_extract_without_commit_writes_nothing(fresh_home, snippets, run_cli):
    code, out, _ = run_cli("lit", "extract", str(snippets / "cu_celsius_table.md"))
    assert code == 0 and "3 records (rules)" in out and "Nothing written" in out and "Tl not given" in out
    assert not (fresh_home / "alloygan.sqlite").exists()
    code, out, _ = run_cli("lit", "extract", str(snippets / "cu_celsius_table.md"), "--json", "--details")
    details = json.loads(out)
    assert details["rejected"][0]["reason"] == "Tl not given" and details["committed"] is None
    assert details["records"][0]["Tg"] == 675.15 and details["records"][0]["stated_unit"] == "°C"


@pytest.mark.slow  # a benchmark: extraction over the dataset PDF, ingestion and search timed
def test_bench_extract_reports_precision_recall_and_speed(fresh_home, shared_pdf, snippets, tmp_path, run_cli,
                                                         expected):
    code, out, err = run_cli("bench", "extract", "--json", "--no-speed", "--pdf", str(shared_pdf))
    assert code == 0, err
    figures = json.loads(out)
    assert (figures["pdf"]["precision"], figures["pdf"]["recall"]) == (1.0, 1.0) and figures["pdf"]["expected"] > 1200
    assert (figures["snippets"]["precision"], figures["snippets"]["recall"]) == (1.0, 1.0)
    assert figures["snippets"]["expected"] == sum(map(len, expected.values())) and "speed" not in figures
    code, out, err = run_cli("bench", "extract", "--pdf", str(tmp_path / "none.pdf"), "--snippets", str(snippets))
    assert code == 0, err
    assert "snippets" in out and "1.000" in out and "pages/s" in out and "Search: median" in out
    assert "none.pdf: not found; PDF figures skipped" in " ".join(out.split())


@pytest.mark.parametrize("width", [100, 120, 200])
def test_extract_table_shows_the_composition_beside_the_quotes(fresh_home, snippets, run_cli, monkeypatch, width):
    from alloygan.agent.cli.output import console

    monkeypatch.setattr(console, "_width", width)  # once, at 120+ columns the quote column squeezed it out
    code, out, _ = run_cli("lit", "extract", str(snippets / "zr_statements.txt"))
    assert code == 0 and "Zr65Cu17.5Ni10Al7.5" in out and ("quote" in out) == (width >= 120)
