"""Fixtures of the literature tests: snippets, a fast embedding, a scripted chat model, small PDFs."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from alloygan.knowledge_base.literature.documents import Document, Page

DATA = Path(__file__).resolve().parents[2] / "data" / "literature"
SNIPPETS = DATA / "snippets"


@pytest.fixture(autouse=True)
def _network_only_when_asked(request):
    """Tests marked `network` run only with ALLOYGAN_NETWORK_TESTS=1 (CI and sandboxes are offline)."""
    if request.node.get_closest_marker("network") and os.environ.get("ALLOYGAN_NETWORK_TESTS") != "1":
        pytest.skip("needs the internet; set ALLOYGAN_NETWORK_TESTS=1 to run it")


@pytest.fixture
def snippets() -> Path:
    return SNIPPETS


@pytest.fixture(scope="session")
def expected() -> dict[str, list[dict]]:
    return json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


class HashEmbedding(EmbeddingFunction[Documents]):
    """Bag-of-words hashed into 64 dimensions: instant, deterministic, good enough to rank word overlap."""

    model_name = "test/hashed-bag-of-words"

    def __init__(self, label: str = "test/hashed-bag-of-words") -> None:
        self.model_name = label
        self.calls = 0

    def __call__(self, input: Documents) -> Embeddings:
        self.calls += 1
        vectors = []
        for text in input:
            vector = np.zeros(64, dtype=np.float32)
            for word in text.lower().split():
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
            vectors.append(vector / (np.linalg.norm(vector) or 1.0))
        return vectors

    @staticmethod
    def name() -> str:
        return "test-hash"

    def get_config(self) -> dict[str, Any]:
        return {"label": self.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "HashEmbedding":
        return HashEmbedding(config.get("label", "test/hashed-bag-of-words"))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


@pytest.fixture
def hash_embedding() -> HashEmbedding:
    return HashEmbedding()


@pytest.fixture(scope="session")
def minilm():
    """The real embedding model (loaded once for the session)."""
    from alloygan.knowledge_base.literature.embeddings import MiniLMEmbedding

    embedding = MiniLMEmbedding()
    embedding(["warm up"])
    return embedding


class ScriptedChatModel(BaseChatModel):
    """A chat model that answers from a script and records every call; binding tools is a test failure."""

    replies: list[Any] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)
    call_kwargs: list[dict] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.received.append(list(messages))
        self.call_kwargs.append(dict(kwargs))
        if not self.replies:
            raise AssertionError("the script has no more replies")
        reply = self.replies.pop(0)
        message = reply if isinstance(reply, AIMessage) else AIMessage(
            reply if isinstance(reply, str) else json.dumps(reply))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, *args, **kwargs):  # pragma: no cover - reaching it is the failure
        raise AssertionError("extraction must never bind tools")


@pytest.fixture
def scripted():
    return lambda *replies: ScriptedChatModel(replies=list(replies))


def text_document(text: str, title: str = "test document", sha256: str = "f" * 64, pages: list[str] | None = None,
                  path: str = "test.txt") -> Document:
    """A document built in memory (page texts as given)."""
    texts = pages if pages is not None else [text]
    return Document(Path(path), sha256, "text", title, tuple(Page(i, t) for i, t in enumerate(texts, start=1)))


def write_pdf(path: Path, pages: list[list[str]], table: list[list[str]] | None = None) -> Path:
    """A small real PDF: each page a list of text lines; optionally a ruled table on page 1 (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.lines import Line2D

    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        for number, lines in enumerate(pages, start=1):
            figure = plt.figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines):
                figure.text(0.08, 0.92 - 0.025 * i, line, fontsize=9)
            if table and number == 1:
                top, height, width = 0.5, 0.03, 0.2
                for r, row in enumerate(table):
                    for c, cell in enumerate(row):
                        figure.text(0.1 + width * c, top - height * (r + 1) + 0.008, cell, fontsize=9)
                for r in range(len(table) + 1):
                    figure.add_artist(Line2D([0.08, 0.08 + width * len(table[0])], [top - height * r] * 2, lw=0.5))
                for c in range(len(table[0]) + 1):
                    figure.add_artist(Line2D([0.08 + width * c] * 2, [top, top - height * len(table)], lw=0.5))
            pdf.savefig(figure)
            plt.close(figure)
    return path
