"""Reading local course files into clean, structured text (quizgen.content.files/html/clean)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from quizgen.content.clean import clean_text, drop_repeated_lines
from quizgen.content.files import SUPPORTED_SUFFIXES, extract_file, read_sources
from quizgen.content.html import html_to_text
from quizgen.errors import ContentError

FIXTURES = Path(__file__).parent / "fixtures"

CELL_BIOLOGY_TEXT = (
    "Chapter 1: The Cell\n"
    "All living things are made of cells.\n"
    "The cell membrane controls what enters and leaves the cell.\n"
    "\n"
    "Energy\n"
    "Cellular respiration takes place in the mitochondria, which release energy stored in "
    "glucose.\n"
    "\n"
    "Genetic material\n"
    "The nucleus holds the DNA of the cell.\n"
    "Ribosomes build proteins from amino acids."
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- clean_text ------------------------------------------------------------------------------


def test_clean_text_tidies_whitespace_but_keeps_structure() -> None:
    raw = "# Title  \r\n\r\n\r\n\r\nSome   text\t\there.\r- one\n  - nested   item\n\n\n"
    assert clean_text(raw) == "# Title\n\nSome text here.\n- one\n  - nested item"


def test_clean_text_removes_soft_hyphens_and_zero_width_characters() -> None:
    assert clean_text("mito\u00adchon\u200bdria\u200d and\ufeff more") == "mitochondria and more"


def test_clean_text_joins_only_lowercase_words_split_across_lines() -> None:
    text = "the mito-\nchondria of COVID-\n19 and Smith-\nJones, a well-\n  known case"
    assert clean_text(text) == (
        "the mitochondria of COVID-\n19 and Smith-\nJones, a wellknown case"
    )


def test_clean_text_is_idempotent() -> None:
    once = clean_text("a  b\n\n\n\nc-\nd\u00ad\n")
    assert clean_text(once) == once


# -- drop_repeated_lines ---------------------------------------------------------------------


def test_running_header_and_page_numbers_are_dropped() -> None:
    pages = [f"Course Notes\nAbout topic {n}.\nFigure {n}: a cell\n{n}" for n in range(1, 5)]
    assert drop_repeated_lines(pages) == [
        f"About topic {n}.\nFigure {n}: a cell" for n in range(1, 5)
    ]


def test_footer_with_changing_page_number_counts_as_repeated() -> None:
    bodies = ["Cells are small.\nThey divide.", "Energy.\nFrom food.", "DNA.\nGenes."]
    pages = [f"{n + 7} Cell Biology\n{body}\nChapter 2 · page {n}" for n, body in enumerate(bodies)]
    assert drop_repeated_lines(pages) == bodies


def test_page_number_styles_are_dropped_only_at_page_edges() -> None:
    pages = ["Page 3 of 9\nCount\n12\n42\nTotal\n- 4 -", "Text\n17"]
    assert drop_repeated_lines(pages) == ["Count\n12\n42\nTotal", "Text"]


def test_short_documents_keep_lines_that_repeat() -> None:
    pages = ["Course Notes\nFirst", "Course Notes\nSecond"]
    assert drop_repeated_lines(pages) == pages


def test_line_on_fewer_than_sixty_percent_of_pages_is_kept() -> None:
    pages = ["Note\nA", "Note\nB", "C", "D", "E"]  # 2 of 5 pages = 40%
    assert drop_repeated_lines(pages) == ["Note\nA", "Note\nB", "C", "D", "E"]


# -- html_to_text ----------------------------------------------------------------------------


def test_html_blocks_never_fuse_words() -> None:
    html = "<p>The end.</p><p>Start</p><div>one</div><div>two</div>a<br>b<li>x</li><li>y</li>"
    assert html_to_text(html) == "The end.\n\nStart\n\none\ntwo\na\nb\n- x\n- y"


def test_html_page_chrome_and_comments_are_dropped() -> None:
    html = """<!DOCTYPE html><html><head><title>Week 1</title>
    <style>p { color: red }</style><script>var s = "</p>Not content";</script></head>
    <body><header>Site header</header><nav><ul><li>Home</li></ul></nav>
    <aside>Related</aside><!-- draft: remove this -->
    <main><p>Real content.</p>
    <form><button>Submit</button><input name=q></form><noscript>Enable JS</noscript>
    <template><p>Hidden template</p></template><svg><text>Logo</text></svg>
    <p>See <a href="https://example.org">the lab<span class="screenreader-only">Links to an
    external site.</span></a>.</p><div hidden>secret</div></main>
    <footer>Copyright 2024</footer></body></html>"""
    assert html_to_text(html) == "Real content.\n\nSee the lab."


def test_html_structure_becomes_markdown() -> None:
    html = """
    <h1>Cells &amp; organelles</h1>
    <p>Every   cell
       has a&nbsp;membrane.</p>
    <h2>Parts</h2>
    <ul><li>Nucleus<ul><li>holds <b>DNA</b></li></ul></li><li><p>Ribosome</p></li></ul>
    <ol><li>Glycolysis<li>Krebs cycle</ol>
    <table><tr><th>Organelle</th><th>Role</th></tr>
           <tr><td><p>Mito<em>chondrion</em></p></td><td><p>energy</p>ATP<br>heat</td></tr></table>
    <pre>
def atp():
    return "energy"
</pre>
    <h3></h3><p>3 &lt; 5 &#8212; &quot;done&quot;</p>
    """
    assert html_to_text(html) == (
        "# Cells & organelles\n"
        "\n"
        "Every cell has a membrane.\n"
        "\n"
        "## Parts\n"
        "\n"
        "- Nucleus\n"
        "  - holds DNA\n"
        "- Ribosome\n"
        "\n"
        "1. Glycolysis\n"
        "2. Krebs cycle\n"
        "\n"
        "Organelle | Role\n"
        "Mitochondrion | energy ATP heat\n"
        "\n"
        "```\n"
        "def atp():\n"
        '    return "energy"\n'
        "```\n"
        "\n"
        '3 < 5 — "done"'
    )


# -- extract_file: each format ---------------------------------------------------------------


def test_markdown_file_is_kept_as_markdown(tmp_path: Path) -> None:
    path = write(tmp_path / "week1.md", "# Week 1\n\n\n\nCells  are\tsmall.  \n\n- one\n- two\n")
    section = extract_file(path)
    assert section.text == "# Week 1\n\nCells are small.\n\n- one\n- two"
    assert section.source == str(path)


def test_text_file_with_byte_order_mark_and_display_name(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.TXT"
    path.write_bytes("\ufeffOsmosis moves water.\r\n".encode())
    section = extract_file(path, display_name="Lecture notes")
    assert section == type(section)(source="Lecture notes", text="Osmosis moves water.")


def test_html_file_extracts_content_only(tmp_path: Path) -> None:
    path = write(
        tmp_path / "page.htm",
        "<nav>Menu</nav><h2>Osmosis</h2><p>Water moves.</p><p>Salt stays.</p>",
    )
    assert extract_file(path).text == "## Osmosis\n\nWater moves.\n\nSalt stays."


def test_pdf_drops_running_header_and_page_footer() -> None:
    section = extract_file(FIXTURES / "cell_biology.pdf", display_name="cell_biology.pdf")
    assert section.text == CELL_BIOLOGY_TEXT
    assert "BIO 101" not in section.text
    assert "Page" not in section.text


# -- extract_file: errors --------------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.md"
    with pytest.raises(ContentError, match="file not found") as caught:
        extract_file(path)
    assert str(path) in caught.value.message


def test_display_name_and_path_both_named_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.md"
    with pytest.raises(ContentError) as caught:
        extract_file(path, display_name="Week 1")
    assert caught.value.message == f"Week 1 ({path}): file not found."


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="is a directory"):
        extract_file(tmp_path)


def test_unsupported_extension_lists_supported_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "grades.xlsx", "not really")
    with pytest.raises(ContentError, match=r"unsupported file type '\.xlsx'") as caught:
        extract_file(path)
    assert all(suffix in caught.value.message for suffix in SUPPORTED_SUFFIXES)


def test_file_without_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="without an extension"):
        extract_file(write(tmp_path / "README", "text"))


def test_unreadable_file_says_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "secret.md", "text")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ContentError, match="permission denied") as caught:
        extract_file(path)
    assert str(path) in caught.value.message


def test_non_utf8_text_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café au lait".encode("latin-1"))
    with pytest.raises(ContentError, match=r"not valid UTF-8 text \(byte 0xe9 at offset 3\)"):
        extract_file(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.md", ""),
        ("blank.txt", "  \n\n\t\n\u200b"),
        ("chrome.html", "<script>x()</script><nav>Menu</nav><!-- nothing -->"),
    ],
)
def test_file_with_no_text_is_refused(tmp_path: Path, name: str, content: str) -> None:
    with pytest.raises(ContentError, match="contains no text"):
        extract_file(write(tmp_path / name, content))


def test_scanned_pdf_says_it_has_no_text_layer() -> None:
    with pytest.raises(ContentError, match="text layer") as caught:
        extract_file(FIXTURES / "scanned.pdf")
    assert "no OCR" in caught.value.message


def test_corrupt_pdf_is_refused_with_its_name() -> None:
    with pytest.raises(ContentError, match="cannot be read as a PDF") as caught:
        extract_file(FIXTURES / "corrupt.pdf")
    assert "corrupt.pdf" in caught.value.message


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=FIXTURES / "cell_biology.pdf")
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(ContentError, match="password-protected"):
        extract_file(path)


# -- read_sources ----------------------------------------------------------------------------


def test_read_sources_offsets_map_back_to_their_source(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.md", "# Notes\n\nDiffusion is passive.")
    page = write(tmp_path / "page.html", "<p>Active transport uses ATP.</p>")
    content = read_sources(
        [
            (notes, "notes.md"),
            (page, "Transport page"),
            (FIXTURES / "cell_biology.pdf", "cell_biology.pdf"),
        ]
    )
    assert content.text.startswith("# Notes\n\nDiffusion is passive.\n\nActive transport")
    for quote, source in [
        ("Diffusion is passive", "notes.md"),
        ("uses ATP", "Transport page"),
        ("mitochondria", "cell_biology.pdf"),
    ]:
        assert content.source_at(content.text.index(quote)) == source
    assert content.warnings == ()


def test_read_sources_reports_every_bad_file_at_once(tmp_path: Path) -> None:
    good = write(tmp_path / "good.md", "Fine.")
    empty = write(tmp_path / "empty.txt", "")
    odd = write(tmp_path / "deck.key", "x")
    missing = tmp_path / "missing.md"
    with pytest.raises(ContentError) as caught:
        read_sources(
            [
                (good, "good.md"),
                (empty, str(empty)),
                (missing, str(missing)),
                (odd, str(odd)),
                (FIXTURES / "scanned.pdf", "scanned.pdf"),
            ]
        )
    lines = caught.value.message.splitlines()
    assert lines[0] == "4 source files cannot be used:"
    assert lines[1:] == [
        f"  {empty}: contains no text (empty after cleaning).",
        f"  {missing}: file not found.",
        f"  {odd}: unsupported file type '.key'; supported types are "
        ".md, .markdown, .txt, .text, .html, .htm, .pdf, .docx, .pptx.",
        f"  scanned.pdf ({FIXTURES / 'scanned.pdf'}): has no text layer (scanned?); "
        "quizgen does no OCR.",
    ]


def test_read_sources_with_one_bad_file_raises_its_own_message(tmp_path: Path) -> None:
    missing = tmp_path / "missing.md"
    with pytest.raises(ContentError) as caught:
        read_sources([(missing, str(missing))])
    assert caught.value.message == f"{missing}: file not found."


def test_read_sources_warns_about_pdf_pages_without_text() -> None:
    content = read_sources([(FIXTURES / "partly_scanned.pdf", "handout.pdf")])
    assert "All living things are made of cells." in content.text
    assert content.warnings == (
        f"handout.pdf ({FIXTURES / 'partly_scanned.pdf'}): no text layer (scanned?) on page 2 "
        "of 2; left out, as quizgen does no OCR.",
    )


def test_read_sources_needs_at_least_one_file() -> None:
    with pytest.raises(ContentError, match="No source files"):
        read_sources([])
