"""Figures of the literature stage: extraction precision and recall, ingestion and search speed.

Precision and recall compare extracted records with the truth as multisets of
(composition within 0.01 at.%, Tg, Tx, Tl to 0.01 K). The truth of the dataset PDF is
what the table miner accepts; that of the snippet set is `expected.json` beside it.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from alloygan.knowledge_base.composition import Composition

SEARCH_QUERIES = (
    "Zr-based alloys with silver",
    "glass transition temperature of Cu-Zr-Al glasses",
    "liquidus temperature of Pd-Ni-P",
    "Fe-based amorphous steel",
    "heating rate of the DSC measurement",
)


def _key(composition: Composition, Tg: float, Tx: float, Tl: float) -> tuple:
    return (composition, round(float(Tg), 2), round(float(Tx), 2), round(float(Tl), 2))


def precision_recall(found: list[tuple], truth: list[tuple]) -> dict:
    hits = sum((Counter(found) & Counter(truth)).values())
    return {
        "found": len(found), "expected": len(truth), "true_positives": hits,
        "precision": round(hits / len(found), 4) if found else (1.0 if not truth else 0.0),
        "recall": round(hits / len(truth), 4) if truth else 1.0,
    }


def bench_rules_on_pdf(pdf: Path) -> dict:
    """The rule extractor on the dataset table PDF against the rows the table miner accepts."""
    from alloygan.knowledge_base.literature.documents import read_document
    from alloygan.knowledge_base.literature.rule_extractor import extract_with_rules
    from alloygan.knowledge_base.table_miner import mine_table

    truth = [_key(r.composition, r.Tg, r.Tx, r.Tl) for r in mine_table(pdf).reports]
    started = time.perf_counter()
    result = extract_with_rules(read_document(pdf))
    seconds = time.perf_counter() - started
    scores = precision_recall([r.key() for r in result.records], truth)
    return {"document": str(pdf), **scores, "rejected": len(result.rejected), "seconds": round(seconds, 3)}


def snippet_truth(directory: Path) -> dict[str, list[tuple]]:
    expected = json.loads((directory.parent / "expected.json").read_text(encoding="utf-8"))
    return {name: [_key(Composition.parse(r["formula"]), r["Tg"], r["Tx"], r["Tl"]) for r in records]
            for name, records in expected.items()}


def bench_rules_on_snippets(directory: Path) -> dict:
    """The rule extractor on every snippet of `directory` against `expected.json` (one level up)."""
    from alloygan.knowledge_base.literature.documents import read_document
    from alloygan.knowledge_base.literature.rule_extractor import extract_with_rules

    truth = snippet_truth(directory)
    per_file, all_found, all_truth = {}, [], []
    for name, expected in sorted(truth.items()):
        found = [r.key() for r in extract_with_rules(read_document(directory / name)).records]
        per_file[name] = precision_recall(found, expected)
        all_found += found
        all_truth += expected
    return {"directory": str(directory), **precision_recall(all_found, all_truth), "files": per_file}


def bench_ingest_and_search(paths: list[Path], repeats: int = 3) -> dict:
    """Ingest `paths` into a throw-away index, then time searches (after one warm-up query)."""
    from alloygan.knowledge_base.literature.embeddings import MiniLMEmbedding
    from alloygan.knowledge_base.literature.ingestion import ingest_paths
    from alloygan.knowledge_base.literature.vector_store import LiteratureIndex

    embedding = MiniLMEmbedding()
    started = time.perf_counter()
    embedding(["warm up"])
    load_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="alloygan-bench-") as directory, \
            LiteratureIndex(Path(directory), embedding) as index:
        started = time.perf_counter()
        report = ingest_paths(paths, index=index)
        ingest_seconds = time.perf_counter() - started
        totals = report.totals
        index.search(SEARCH_QUERIES[0], k=5)
        latencies = []
        for _ in range(repeats):
            for query in SEARCH_QUERIES:
                started = time.perf_counter()
                index.search(query, k=5)
                latencies.append((time.perf_counter() - started) * 1000.0)
    return {
        "files": totals["files"], "pages": totals["pages_read"], "chunks": totals["chunks_added"],
        "failed": totals["failed"],
        "model_load_seconds": round(load_seconds, 3),
        "ingest_seconds": round(ingest_seconds, 3),
        "pages_per_second": round(totals["pages_read"] / ingest_seconds, 2) if ingest_seconds else None,
        "chunks_per_second": round(totals["chunks_added"] / ingest_seconds, 2) if ingest_seconds else None,
        "search_latency_ms": {"median": round(statistics.median(latencies), 2), "max": round(max(latencies), 2),
                              "queries": len(latencies), "k": 5},
    }
