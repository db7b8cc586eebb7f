"""Stage (I) of the method: the literature.

Documents (PDF, text, Markdown, HTML) are read page by page with provenance
(`documents`), cut into chunks (`chunking`) and indexed in a Chroma collection embedded
by a local sentence-transformers model (`embeddings`, `vector_store`, `ingestion`).
Alloy data are extracted by rules (`rule_extractor`: tables and plain statements) or by
an LLM whose every record carries a verbatim quote that code verifies (`llm_extractor`,
`evidence`). Extraction records (`records`) become knowledge-base reports
(`extraction.commit_records`).

Importing this package is cheap: torch, sentence-transformers, chromadb and the LLM
client are imported only by the functions that need them.
"""
