"""The literature index: a Chroma persistent collection under ALLOYGAN_HOME/literature.

The collection records the embedding model it was built with (`embedding_model` in its
metadata); opening it with another model is an `IndexMismatchError`, since vectors of
two models cannot be compared. Chunk ids come from the document hash, page and chunk
(`chunking.Chunk.id`), so adding known chunks again adds nothing. One writer at a time:
`writer_lock` holds a file lock beside the collection, and a second writer is told so.
"""
from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alloygan.knowledge_base.literature.chunking import CHUNKER_VERSION, Chunk
from alloygan.knowledge_base.literature.documents import Document
from alloygan.knowledge_base.literature.errors import (
    EmptyIndexError,
    IndexBusyError,
    IndexMismatchError,
    LiteratureError,
)
from alloygan.knowledge_base.paths import alloygan_home
from alloygan.knowledge_base.progress import ProgressCallback, report

COLLECTION = "papers"
EMBED_BATCH = 32


def index_directory() -> Path:
    return alloygan_home() / "literature"


@contextmanager
def writer_lock(directory: Path | None = None) -> Iterator[None]:
    """Exclusive right to write the index; a second writer gets `IndexBusyError` at once."""
    from filelock import FileLock, Timeout

    directory = Path(directory or index_directory())
    directory.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(directory / "writer.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError(
            f"{directory}: another process is writing the literature index (lock {lock.lock_file}); "
            "wait until its `alloygan lit ingest` finishes, then run this again"
        ) from None
    try:
        yield
    finally:
        lock.release()


class IndexUnusableError(LiteratureError):
    """The literature index cannot be opened: corrupt files, a read-only home, a full disk (the message says which)."""


def unusable_index(directory: Path, error: BaseException) -> str:
    """Why the index in `directory` cannot be opened, and what to do (a corrupt one is moved aside, not deleted)."""
    text = " ".join(str(error).split()) or type(error).__name__
    lowered = text.lower()
    if "disk is full" in lowered or getattr(error, "errno", None) == errno.ENOSPC:
        return f"{directory}: the literature index cannot be written, the disk is full ({text}); free some space"
    if "readonly" in lowered or "read-only" in lowered or getattr(error, "errno", None) in (errno.EROFS, errno.EACCES):
        return (f"{directory}: the literature index is read-only here ({text}); make {directory} writable to use it")
    return (f"{directory}: the literature index is corrupt ({text}); move the directory aside (keep it) and "
            "run `alloygan lit ingest PATH...` again to rebuild it from the documents")


@dataclass(frozen=True)
class Passage:
    """A chunk found by a search, with its citation."""

    document: str
    path: str
    sha256: str
    page: int
    chunk: int
    score: float  # cosine similarity of query and passage, 1 = same direction
    text: str


def _model_name(embedding) -> str:
    return str(getattr(embedding, "model_name", None) or embedding.name())


class LiteratureIndex:
    """Chunks of documents with their embeddings; search by meaning with page citations."""

    def __init__(self, directory: Path | None = None, embedding_function=None, create: bool = True):
        import chromadb
        from chromadb.config import Settings

        if embedding_function is None:
            from alloygan.knowledge_base.literature.embeddings import MiniLMEmbedding

            embedding_function = MiniLMEmbedding()
        self.directory = Path(directory or index_directory())
        self.embedding = embedding_function
        self.model_name = _model_name(embedding_function)
        chroma_dir = self.directory / "chroma"
        if not create and not chroma_dir.is_dir():
            raise EmptyIndexError(self._empty_message())
        try:
            self._client = chromadb.PersistentClient(path=str(chroma_dir),
                                                     settings=Settings(anonymized_telemetry=False))
        except Exception as error:  # noqa: BLE001 - Chroma raises its own errors, sqlite's, or OSError
            raise IndexUnusableError(unusable_index(self.directory, error)) from None
        try:
            self._collection = self._open(embedding_function, create)
        except BaseException as error:
            self.close()
            if isinstance(error, Exception) and not isinstance(error, (LiteratureError, ValueError)):
                raise IndexUnusableError(unusable_index(self.directory, error)) from None
            raise

    def _open(self, embedding_function, create: bool):
        from chromadb.errors import NotFoundError

        try:
            collection = self._client.get_collection(COLLECTION, embedding_function=embedding_function)
        except NotFoundError:
            if not create:
                raise EmptyIndexError(self._empty_message()) from None
            collection = self._client.create_collection(
                COLLECTION, embedding_function=embedding_function,
                metadata={"embedding_model": self.model_name, "chunker": CHUNKER_VERSION},
            )
        except ValueError as error:  # Chroma's own check: another embedding function is persisted
            if "conflict" not in str(error).lower():
                raise
            raise IndexMismatchError(self._mismatch_message(str(error).rsplit("persisted:", 1)[-1].strip())) from None
        stored = (collection.metadata or {}).get("embedding_model")
        if stored != self.model_name:
            raise IndexMismatchError(self._mismatch_message(stored))
        return collection

    def close(self) -> None:
        """Release the Chroma client (its files can then be moved or deleted safely)."""
        close = getattr(self._client, "close", None)  # Chroma < 1.1 has no close(): nothing to release then
        if close:
            close()

    def __enter__(self) -> "LiteratureIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _empty_message(self) -> str:
        return f"{self.directory}: no documents ingested yet; run `alloygan lit ingest PATH...` first"

    def _mismatch_message(self, stored: str | None) -> str:
        return (f"{self.directory}: this literature index was built with the embedding model {stored!r}, "
                f"but it is being opened with {self.model_name!r}; vectors of two models cannot be compared. "
                "Move the directory aside and ingest the documents again")

    # writing ------------------------------------------------------------------------
    def known_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        return set(self._collection.get(ids=list(ids), include=[])["ids"])

    def chunk_count(self, sha256: str) -> int:
        """How many chunks of the document with this content hash the index holds."""
        return len(self._collection.get(where={"sha256": sha256}, include=[])["ids"])

    def add(self, document: Document, chunks: Sequence[Chunk],
            on_progress: ProgressCallback | None = None) -> tuple[int, int]:
        """Embed and add the chunks not yet known (reported to `on_progress` as "embedding <file>");
        returns (added, already known).

        Embeddings are computed first and written together, so a failure adds nothing.
        """
        known = self.known_ids([c.id for c in chunks])
        new = [c for c in chunks if c.id not in known]
        vectors = []
        for start in range(0, len(new), EMBED_BATCH):
            vectors.extend(self.embedding([c.text for c in new[start:start + EMBED_BATCH]]))
            report(on_progress, f"embedding {Path(document.path).name}", min(start + EMBED_BATCH, len(new)), len(new),
                   "chunk")
        limit = self._client.get_max_batch_size()
        for start in range(0, len(new), limit):
            part = new[start:start + limit]
            self._collection.add(
                ids=[c.id for c in part],
                embeddings=vectors[start:start + limit],
                documents=[c.text for c in part],
                metadatas=[{"sha256": document.sha256, "document": document.title, "path": str(document.path),
                            "kind": document.kind, "page": c.page, "chunk": c.index} for c in part],
            )
        return len(new), len(known)

    # reading ------------------------------------------------------------------------
    @contextmanager
    def _damage_named(self) -> Iterator[None]:
        """Chroma's errors from damaged files (found only when read) as one IndexUnusableError saying what to do."""
        from chromadb.errors import ChromaError, NotFoundError

        try:
            yield
        except (ChromaError, sqlite3.DatabaseError) as error:
            if isinstance(error, NotFoundError):
                raise
            raise IndexUnusableError(unusable_index(self.directory, error)) from None

    def count(self) -> int:
        with self._damage_named():
            return self._collection.count()

    def search(self, query: str, k: int = 5) -> list[Passage]:
        total = self.count()
        if total == 0:
            raise EmptyIndexError(self._empty_message())
        vector = self.embedding.embed_query([query])
        with self._damage_named():
            result = self._collection.query(query_embeddings=vector, n_results=min(k, total),
                                            include=["documents", "metadatas", "distances"])
        return [
            Passage(meta.get("document", ""), meta.get("path", ""), meta.get("sha256", ""), int(meta.get("page", 0)),
                    int(meta.get("chunk", 0)), round(1.0 - float(distance), 4), text)
            for text, meta, distance in zip(result["documents"][0], result["metadatas"][0], result["distances"][0])
        ]

    def documents(self) -> list[dict]:
        """Every document in the index: title, path, sha256, pages and chunks."""
        by_sha: dict[str, dict] = {}
        with self._damage_named():
            stored = self._collection.get(include=["metadatas"])["metadatas"]
        for meta in stored:
            entry = by_sha.setdefault(meta["sha256"], {"document": meta.get("document", ""), "path": meta.get("path", ""),
                                                       "sha256": meta["sha256"], "pages": set(), "chunks": 0})
            entry["pages"].add(int(meta.get("page", 0)))
            entry["chunks"] += 1
        return [{**entry, "pages": len(entry["pages"])} for entry in sorted(by_sha.values(), key=lambda e: e["path"])]
