"""Reading documents into pages with provenance; bad files are refused with the reason."""
from __future__ import annotations

import shutil

import pytest

from alloygan.knowledge_base.literature.chunking import MAX_TOKENS, Chunk, chunk_document, chunk_text
from alloygan.knowledge_base.literature.model_files import token_count
from alloygan.knowledge_base.literature.documents import find_documents, read_document
from alloygan.knowledge_base.literature.errors import DocumentError
from alloygan.knowledge_base.table_miner import sha256_of
from tests.knowledge_base.literature.conftest import text_document, write_pdf


def test_text_markdown_and_html_are_read_with_titles(snippets):
    markdown = read_document(snippets / "cu_celsius_table.md")
    assert (markdown.kind, markdown.title, markdown.n_pages) == ("markdown", "Cu-Zr-Al glasses: DSC data", 1)
    assert "| Cu50Zr50 | 402 | 450 | 935 | 48 |" in markdown.pages[0].text
    assert markdown.sha256 == sha256_of(snippets / "cu_celsius_table.md")

    html = read_document(snippets / "fe_paper.html")
    assert html.title == "Fe-based amorphous steels (constructed test snippet)"
    assert "glass transition temperature of Fe48Cr15Mo14C15B6Y2 is 843 K" in html.pages[0].text
    assert "999 K" not in html.pages[0].text  # the script is not text of the page
    assert html.pages[0].tables[0][0] == ("Composition", "Tg (K)", "Tx (K)", "Tl (K)", "Dc (mm)")
    assert html.pages[0].tables[0][2] == ("Fe72B22Y6", "882", "932", "1441", "1.5")

    text = read_document(snippets / "pd_text_table.txt")
    assert (text.kind, text.title) == ("text", "pd_text_table.txt")


def test_html_cells_spanning_rows_and_columns_keep_the_columns_aligned():
    from alloygan.knowledge_base.literature.html_reader import read_html

    markup = ("<table><tr><th rowspan=2>Alloy</th><th colspan='3'>Temperatures</th></tr>"
              "<tr><th>Tg (K)</th><th>Tx (K)</th><th>Tl (K)</th></tr>"
              "<tr><td rowspan='2'>Cu50Zr50<td>675<td>723<td>1208</tr>"  # cells left open, as browsers allow
              "<tr><td>680</td><td colspan=2>n/a</td></tr><tr><td>Cu64Zr36</td></tr></table>")
    (grid,) = read_html(markup)[2]
    assert grid == [["Alloy", "Temperatures", "Temperatures", "Temperatures"], ["Alloy", "Tg (K)", "Tx (K)", "Tl (K)"],
                    ["Cu50Zr50", "675", "723", "1208"], ["Cu50Zr50", "680", "n/a", "n/a"], ["Cu64Zr36"]]


def test_form_feeds_split_text_into_pages(tmp_path):
    path = tmp_path / "paged.txt"
    path.write_text("page one\fpage two\fpage three", encoding="utf-8")
    document = read_document(path)
    assert [(p.number, p.text) for p in document.pages] == [(1, "page one"), (2, "page two"), (3, "page three")]


def test_pdf_pages_text_and_ruled_tables(tmp_path):
    pdf = write_pdf(tmp_path / "paper.pdf", [["The Cu50Zr50 glass is studied."], ["Second page text."]],
                    table=[["Alloy", "Tg (K)", "Tx (K)", "Tl (K)"], ["Cu50Zr50", "675", "723", "1208"]])
    document = read_document(pdf)
    assert document.kind == "pdf" and document.n_pages == 2
    assert "The Cu50Zr50 glass is studied." in document.pages[0].text
    assert document.pages[1].text.strip() == "Second page text."
    assert document.pages[0].tables == ((("Alloy", "Tg (K)", "Tx (K)", "Tl (K)"), ("Cu50Zr50", "675", "723", "1208")),)


@pytest.mark.parametrize("name, content, reason", [
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
    ("empty.txt", b"", "empty file"),
    ("blank.md", b"  \n\n \f \n", "no text in the document"),
    ("binary.txt", b"\x00\x01\x02 binary", "binary content"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
])
def test_unreadable_files_are_refused_with_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as error:
        read_document(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_find_documents_recurses_and_reports_problems(tmp_path, snippets):
    shutil.copytree(snippets, tmp_path / "papers" / "nested")
    (tmp_path / "papers" / ".hidden").mkdir()
    (tmp_path / "papers" / ".hidden" / "secret.txt").write_text("Tg of 600 K")
    (tmp_path / "papers" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "papers" / "nested" / "copy.txt").symlink_to(tmp_path / "papers" / "nested" / "negatives.txt")
    files, problems = find_documents([tmp_path / "papers", tmp_path / "missing.pdf", tmp_path / "papers" / "image.png"])
    names = {p.name for p in files}
    assert len(files) == len(list(snippets.iterdir()))  # a symlink to a file already found is that file
    assert names - {"copy.txt", "negatives.txt"} == {p.name for p in snippets.iterdir()} - {"negatives.txt"}
    assert len(names & {"copy.txt", "negatives.txt"}) == 1
    assert problems == [(tmp_path / "missing.pdf", "no such file or directory"),
                        (tmp_path / "papers" / "image.png",
                         "unsupported file type '.png'; supported: .htm, .html, .markdown, .md, .pdf, .text, .txt")]


def test_chunks_stay_on_their_page_without_overlap_and_keep_every_word():
    paragraphs = [f"Paragraph {i} " + "word " * (30 + 7 * i) for i in range(12)]
    document = text_document("", pages=["\n\n".join(paragraphs[:8]), "\n\n".join(paragraphs[8:])])
    chunks = chunk_document(document)
    assert all(token_count(c.text) <= MAX_TOKENS for c in chunks) and len(chunks) == 4
    assert [c.index for c in chunks if c.page == 1] == list(range(1, 1 + sum(c.page == 1 for c in chunks)))
    for page in document.pages:
        joined = " ".join(c.text for c in chunks if c.page == page.number)
        assert joined.split() == page.text.split()
    assert len({c.id for c in chunks}) == len(chunks)
    assert chunks[0].id == f"{'f' * 64}-p1-c1"
    assert chunk_document(document) == chunks  # deterministic: the ids are stable


def test_an_overlong_line_is_cut_at_sentences_then_words():
    line = ("The alloy has Tg of 675 K. " * 60).strip()
    chunks = chunk_text(line, max_tokens=40)
    assert all(token_count(c) <= 40 for c in chunks) and " ".join(chunks).split() == line.split()
    formulas = " ".join(["Zr65Cu17.5Ni10Al7.5"] * 200)  # one "sentence" of formula-dense text
    pieces = chunk_text(formulas, max_tokens=60)
    assert all(token_count(c) <= 60 for c in pieces) and " ".join(pieces).split() == formulas.split()
    assert token_count("a b") == token_count("a") + token_count("b")  # why sizes can be added
    assert Chunk("a" * 64, 3, 2, "x").id == f"{'a' * 64}-p3-c2"
