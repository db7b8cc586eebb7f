"""The literature index: idempotent ingestion, one writer, the embedding model recorded, search."""
from __future__ import annotations

import os
import shutil

import pytest

from alloygan.knowledge_base.literature.chunking import chunk_document
from alloygan.knowledge_base.literature.documents import read_document
from alloygan.knowledge_base.literature.errors import EmptyIndexError, IndexBusyError, IndexMismatchError
from alloygan.knowledge_base.literature.ingestion import ingest_paths
from alloygan.knowledge_base.literature.vector_store import LiteratureIndex, index_directory, writer_lock
from alloygan.knowledge_base.progress import Progress
from tests.knowledge_base.literature.conftest import HashEmbedding, write_pdf


def _chunks_of(directory) -> int:
    return sum(len(chunk_document(read_document(path))) for path in directory.iterdir())


def test_ingesting_twice_adds_nothing(fresh_home, snippets, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    assert index.directory == fresh_home / "literature"
    first = ingest_paths([snippets], index=index)
    files, chunks = len(list(snippets.iterdir())), _chunks_of(snippets)  # every snippet is one page
    assert first.totals == {"files": files, "added": files, "known": 0, "failed": 0, "chunks_added": chunks,
                            "chunks_known": 0, "pages_read": files}
    calls = hash_embedding.calls
    second = ingest_paths([snippets], index=index)
    assert [f.status for f in second.files] == ["known"] * files
    assert second.totals["chunks_added"] == 0 and second.totals["chunks_known"] == chunks
    assert hash_embedding.calls == calls  # nothing embedded again
    assert index.count() == chunks


def test_same_content_under_another_name_is_known(fresh_home, snippets, tmp_path, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    ingest_paths([snippets / "zr_statements.txt"], index=index)
    copy = tmp_path / "renamed.txt"
    shutil.copy(snippets / "zr_statements.txt", copy)
    result = ingest_paths([copy], index=index)
    assert result.files[0].status == "known" and result.files[0].chunks_known == 1


def test_chunk_ids_come_from_content_hash_page_and_chunk(fresh_home, snippets, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    document = read_document(snippets / "negatives.txt")
    chunks = chunk_document(document)
    assert index.add(document, chunks) == (1, 0)
    assert index.add(document, chunks) == (0, 1)
    assert index.known_ids([f"{document.sha256}-p1-c1", "unknown-p1-c1"]) == {f"{document.sha256}-p1-c1"}


def test_broken_and_empty_files_are_reported_and_the_rest_go_on(fresh_home, snippets, tmp_path, hash_embedding):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    (tmp_path / "empty.txt").write_bytes(b"")
    shutil.copy(snippets / "pd_text_table.txt", tmp_path)
    seen = []
    report = ingest_paths([tmp_path], index=LiteratureIndex(embedding_function=hash_embedding), on_file=seen.append)
    status = {os.path.basename(f.path): (f.status, f.reason) for f in report.files}
    assert status["pd_text_table.txt"] == ("added", "")
    assert status["broken.pdf"][0] == "failed" and "not a readable PDF" in status["broken.pdf"][1]
    assert status["empty.txt"] == ("failed", "empty file")
    assert [f.path for f in seen] == [f.path for f in report.files]


def test_progress_reports_pages_and_chunks(fresh_home, snippets, hash_embedding):
    events = []
    ingest_paths([snippets / "fe_paper.html"], index=LiteratureIndex(embedding_function=hash_embedding),
                 on_progress=events.append)
    # HTML has no page reading step; one chunk embedded
    assert events == [Progress("file 1/1: embedding fe_paper.html", 1, 1, "chunk")]


def test_progress_reports_the_pages_of_a_pdf(fresh_home, tmp_path, hash_embedding):
    pdf = write_pdf(tmp_path / "two.pdf", [["Zr55Cu30Al10Ni5 has Tg = 680 K."], ["Cu46Zr46Al8 has Tg = 700 K."]])
    events = []
    ingest_paths([pdf], index=LiteratureIndex(embedding_function=hash_embedding), on_progress=events.append)
    assert [str(e) for e in events if e.unit == "page"] == ["file 1/1: reading two.pdf: page 1/2",
                                                             "file 1/1: reading two.pdf: page 2/2"]


def test_a_second_writer_is_told_so(fresh_home, snippets, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    with writer_lock(index.directory):
        with pytest.raises(IndexBusyError) as error:
            ingest_paths([snippets], index=index)
    assert "another process is writing the literature index" in str(error.value)
    assert index.count() == 0
    added = ingest_paths([snippets], index=index).totals["added"]  # the lock is released afterwards
    assert added == len(list(snippets.iterdir()))


def test_the_collection_records_its_embedding_model(fresh_home, hash_embedding):
    LiteratureIndex(embedding_function=hash_embedding)
    with pytest.raises(IndexMismatchError) as error:
        LiteratureIndex(embedding_function=HashEmbedding("test/another-model"))
    message = str(error.value)
    assert "'test/hashed-bag-of-words'" in message and "'test/another-model'" in message
    assert "ingest the documents again" in message


def test_opening_with_the_real_model_after_another_is_an_error(fresh_home, hash_embedding):
    from alloygan.knowledge_base.literature.embeddings import MiniLMEmbedding

    LiteratureIndex(embedding_function=hash_embedding)
    with pytest.raises(IndexMismatchError, match="vectors of two models cannot be compared"):
        LiteratureIndex(embedding_function=MiniLMEmbedding())  # Chroma's own check, reworded; nothing loaded


def test_searching_before_ingesting_says_what_to_do(fresh_home, hash_embedding):
    with pytest.raises(EmptyIndexError, match="run `alloygan lit ingest PATH...` first"):
        LiteratureIndex(embedding_function=hash_embedding, create=False)
    assert not (index_directory() / "chroma").exists()  # reading never creates the index
    with pytest.raises(EmptyIndexError):
        LiteratureIndex(embedding_function=hash_embedding).search("Tg", 3)


def test_search_returns_passages_with_citations_best_first(fresh_home, snippets, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    ingest_paths([snippets], index=index)
    passages = index.search("palladium glasses rods amorphous x-ray diffraction", k=3)
    assert len(passages) == 3
    assert passages[0].document == "pd_text_table.txt" and passages[0].page == 1 and passages[0].chunk == 1
    assert passages[0].path.endswith("pd_text_table.txt") and len(passages[0].sha256) == 64
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert -1.0 <= passages[-1].score <= passages[0].score <= 1.0
    assert len(index.search("anything", k=50)) == _chunks_of(snippets)  # never more than the index holds


def test_documents_lists_what_is_indexed(fresh_home, snippets, hash_embedding):
    index = LiteratureIndex(embedding_function=hash_embedding)
    ingest_paths([snippets / "zr_statements.txt", snippets / "fe_paper.html"], index=index)
    rows = index.documents()
    assert [(r["document"], r["pages"], r["chunks"]) for r in rows] == [
        ("Fe-based amorphous steels (constructed test snippet)", 1, 1), ("zr_statements.txt", 1, 1)]


def test_real_model_ranks_the_passage_about_zr_glasses_with_silver_first(fresh_home, snippets, minilm):
    index = LiteratureIndex(embedding_function=minilm)
    assert index._collection.metadata["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    ingest_paths([snippets], index=index)
    best = index.search("Zr-based alloys with silver", k=3)[0]
    assert (best.document, best.page) == ("zr_statements.txt", 1) and 0.3 < best.score <= 1.0
    best = index.search("palladium nickel phosphorus glass rods", k=3)[0]
    assert best.document == "pd_text_table.txt"
    vector = minilm(["Zr-based alloys with silver"])[0]
    assert vector.shape == (384,) and abs(float((vector ** 2).sum()) - 1.0) < 1e-4
