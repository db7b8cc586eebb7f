"""Cutting pages into chunks for the index and the LLM extractor, with provenance.

Chunks never cross a page (every passage cites one page) and never overlap (so a
statement is extracted once). They are built from whole paragraphs where possible,
then whole lines, then sentences, then words, up to `MAX_TOKENS` word pieces of the
embedding model: what the model reads of a chunk is all of it (the model truncates
at 256 pieces, and formula-dense text has three times more pieces per character
than prose, so a length in characters would not do).

A chunk's id is `<document sha256>-p<page>-c<index>`: the same content always gives the
same ids, which is what makes ingestion idempotent.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from alloygan.knowledge_base.literature.documents import Document
from alloygan.knowledge_base.literature.model_files import MODEL_MAX_TOKENS, token_count

MAX_TOKENS = MODEL_MAX_TOKENS - 2  # the model adds its two markers
CHUNKER_VERSION = f"paragraphs-{MAX_TOKENS}-tokens-v1"


@dataclass(frozen=True)
class Chunk:
    sha256: str
    page: int
    index: int  # 1-based within the page
    text: str

    @property
    def id(self) -> str:
        return f"{self.sha256}-p{self.page}-c{self.index}"


def _split(text: str, limit: int, size: Callable[[str], int]) -> list[tuple[str, int]]:
    """(piece, size): paragraphs; a paragraph too long becomes lines, a line sentences, a sentence
    runs of words. The model's tokenizer splits at whitespace first, so sizes add up when joined."""
    out: list[tuple[str, int]] = []
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not paragraph:
            continue
        if (n := size(paragraph)) <= limit:
            out.append((paragraph, n))
            continue
        for line in (line.strip() for line in paragraph.split("\n")):
            if not line:
                continue
            if (n := size(line)) <= limit:
                out.append((line, n))
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                if (n := size(sentence)) <= limit:
                    out.append((sentence, n))
                    continue
                words: list[str] = []
                total = 0
                for word in sentence.split():
                    n = size(word)
                    if words and total + n > limit:
                        out.append((" ".join(words), total))
                        words, total = [], 0
                    words.append(word)
                    total += n
                if words:
                    out.append((" ".join(words), total))
    return out


def chunk_text(text: str, max_tokens: int = MAX_TOKENS, size: Callable[[str], int] = token_count) -> list[str]:
    """Greedy packing of the pieces of `text` into chunks of at most `max_tokens` (as `size` counts)."""
    chunks: list[str] = []
    current: list[str] = []
    total = 0
    for piece, n in _split(text, max_tokens, size):
        if current and total + n > max_tokens:
            chunks.append("\n".join(current))
            current, total = [], 0
        current.append(piece)
        total += n
    if current:
        chunks.append("\n".join(current))
    return chunks


def chunk_document(document: Document, max_tokens: int = MAX_TOKENS) -> list[Chunk]:
    return [
        Chunk(document.sha256, page.number, index, text)
        for page in document.pages
        for index, text in enumerate(chunk_text(page.text, max_tokens), start=1)
    ]
