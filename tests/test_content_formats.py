"""Word, PowerPoint and HTML files, folders and glob patterns, and the content budget."""

from __future__ import annotations

import builtins
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from pptx import Presentation
from pptx.util import Inches

from quizgen.content import Section
from quizgen.content.files import extract_file, read_file
from quizgen.content.sources import fit_budget
from quizgen.errors import ContentError
from quizgen.spec import ContentSpec
from tests.conftest import invoke, invoke_json, write_spec

FIXTURES = Path(__file__).parent / "fixtures"
NOTES = (Path(__file__).parents[1] / "examples" / "biology" / "content" / "cells.md").read_text()


def make_docx(path: Path) -> Path:
    document = Document()
    document.add_heading("Cell Biology", level=1)
    document.add_paragraph("All living things are made of cells.")
    document.add_heading("Organelles", level=2)
    document.add_paragraph("Mitochondria release energy.", style="List Bullet")
    document.add_paragraph("Ribosomes build proteins.", style="List Bullet")
    document.add_paragraph("Free ribosomes float in the cytoplasm.", style="List Bullet 2")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Organelle"
    table.cell(0, 1).text = "Job"
    table.cell(1, 0).text = "Nucleus"
    table.cell(1, 1).text = "Holds DNA"
    document.add_paragraph("The end.")
    document.sections[0].header.paragraphs[0].text = "BIO 101 — Confidential"
    document.sections[0].footer.paragraphs[0].text = "Page footer"
    document.save(str(path))
    return path


def make_pptx(path: Path, *, picture_slide: bool = True) -> Path:
    deck = Presentation()
    title_and_content = deck.slide_layouts[1]
    for number, (title, bullets) in enumerate(
        [
            ("Photosynthesis", [("Plants make glucose from light.", 0), ("In chloroplasts.", 1)]),
            ("Respiration", [("Cells release energy from glucose.", 0)]),
            ("Summary", [("Energy flows through ecosystems.", 0)]),
        ],
        start=1,
    ):
        slide = deck.slides.add_slide(title_and_content)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0][0]
        for text, level in bullets[1:]:
            paragraph = body.add_paragraph()
            paragraph.text = text
            paragraph.level = level
        banner = slide.shapes.add_textbox(Inches(0.2), Inches(7.0), Inches(4), Inches(0.4))
        banner.text_frame.text = "Department of Biology"  # on every slide: boilerplate
        if number == 2:
            slide.notes_slide.notes_text_frame.text = "Mention ATP here."
    if picture_slide:
        deck.slides.add_slide(deck.slide_layouts[6])  # blank: a picture-only slide
    deck.save(str(path))
    return path


# --- Word -------------------------------------------------------------------------------------


def test_docx_keeps_headings_lists_and_tables_and_skips_headers(tmp_path: Path) -> None:
    section = extract_file(make_docx(tmp_path / "cells.docx"))
    assert section.text == (
        "# Cell Biology\n"
        "\n"
        "All living things are made of cells.\n"
        "\n"
        "## Organelles\n"
        "\n"
        "- Mitochondria release energy.\n"
        "- Ribosomes build proteins.\n"
        "- Free ribosomes float in the cytoplasm.\n"
        "\n"
        "Organelle | Job\n"
        "Nucleus | Holds DNA\n"
        "\n"
        "The end."
    )


def test_damaged_docx_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not a real zip")
    with pytest.raises(ContentError, match=r"broken\.docx: cannot be read as a Word document"):
        extract_file(path)


def test_old_doc_files_get_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ContentError, match=r"save it as \.docx"):
        extract_file(path)


# --- PowerPoint -------------------------------------------------------------------------------


def test_pptx_keeps_titles_bullets_and_notes(tmp_path: Path) -> None:
    section, warnings = read_file(make_pptx(tmp_path / "energy.pptx"))
    assert section.text == (
        "## Slide 1: Photosynthesis\n"
        "- Plants make glucose from light.\n"
        "  - In chloroplasts.\n"
        "\n"
        "## Slide 2: Respiration\n"
        "- Cells release energy from glucose.\n"
        "Speaker notes: Mention ATP here.\n"
        "\n"
        "## Slide 3: Summary\n"
        "- Energy flows through ecosystems."
    )
    assert "Department of Biology" not in section.text
    assert warnings == (
        f"{tmp_path / 'energy.pptx'}: no text on slide 4 of 4 (pictures only?); left out, as "
        "quizgen does no OCR.",
    )


def test_pptx_notes_can_be_left_out(tmp_path: Path) -> None:
    section, _ = read_file(make_pptx(tmp_path / "energy.pptx"), slide_notes=False)
    assert "Speaker notes" not in section.text
    assert "Mention ATP" not in section.text


def test_pptx_with_only_pictures_is_an_error(tmp_path: Path) -> None:
    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[6])
    deck.save(str(tmp_path / "photos.pptx"))
    with pytest.raises(ContentError, match="no slide has any text"):
        extract_file(tmp_path / "photos.pptx")


def test_missing_office_extra_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_pptx(tmp_path / "energy.pptx")
    real_import = builtins.__import__

    def without_pptx(name: str, *args: object, **kwargs: object) -> object:
        if name == "pptx" or name.startswith("pptx."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", without_pptx)
    monkeypatch.delitem(__import__("sys").modules, "pptx")
    with pytest.raises(ContentError) as caught:
        extract_file(path)
    assert "python-pptx" in caught.value.message
    assert "pip install 'quizgen[office]'" in caught.value.message


# --- HTML with page chrome --------------------------------------------------------------------


def test_html_page_with_navigation_keeps_only_the_content() -> None:
    section = extract_file(FIXTURES / "lecture_page.html")
    assert section.text == (
        "# Cell Membranes\n"
        "\n"
        "The membrane is a phospholipid bilayer.\n"
        "\n"
        "- Proteins carry molecules across it.\n"
        "- Cholesterol keeps it fluid.\n"
        "\n"
        "See the textbook, chapter 3."
    )


# --- folders and patterns through the CLI -----------------------------------------------------

SPEC = """
title = "Formats"
[llm]
provider = "mock"
[modules.energy]
name = "Energy"
sources = {sources}
question_batches = [{{ question_type = "true_false", count = 3 }}]
"""


def course_folder(tmp_path: Path) -> Path:
    (tmp_path / "slides").mkdir()
    (tmp_path / "week3").mkdir()
    make_pptx(tmp_path / "slides" / "b-energy.pptx", picture_slide=False)
    make_docx(tmp_path / "slides" / "a-cells.docx")
    (tmp_path / "slides" / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "slides" / "~$a-cells.docx").write_bytes(b"lock")
    (tmp_path / "week3" / "2-more.md").write_text("Second notes about ATP.\n")
    (tmp_path / "week3" / "1-notes.md").write_text(NOTES)
    (tmp_path / "week3" / "skip.txt").write_text("Not matched.\n")
    return tmp_path


def test_folders_and_patterns_expand_sorted(cli, tmp_path: Path) -> None:
    course_folder(tmp_path)
    spec = write_spec(tmp_path / "quiz.toml", SPEC.format(sources='["week3/*.md", "slides/"]'))
    code, document = invoke_json(cli, "create", str(spec))
    assert code == 0, document
    [module] = document["modules"]
    assert module["sources"] == [
        "week3/1-notes.md",
        "week3/2-more.md",
        "slides/a-cells.docx",
        "slides/b-energy.pptx",
    ]
    assert module["origin"] == "local"
    assert module["warnings"] == [
        "folder 'slides/': skipped files of unsupported types: slides/photo.png"
    ]


def test_pattern_matching_nothing_is_a_located_error(cli, tmp_path: Path) -> None:
    course_folder(tmp_path)
    spec = write_spec(tmp_path / "quiz.toml", SPEC.format(sources='["week9/*.pdf"]'))
    code, _out, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert (
        f"{spec}: module 'energy', sources[1]: pattern 'week9/*.pdf' matches no file quizgen can "
        "read" in err
    )
    assert "Traceback" not in err


def test_folder_of_unsupported_files_is_a_located_error(cli, tmp_path: Path) -> None:
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "a.png").write_bytes(b"\x89PNG")
    spec = write_spec(tmp_path / "quiz.toml", SPEC.format(sources='["pictures"]'))
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert (
        "sources[1]: folder 'pictures' matches no file quizgen can read (1 file(s) of other" in err
    )


def test_bad_inputs_leave_an_existing_database_untouched(cli, tmp_path: Path, db_path) -> None:
    course_folder(tmp_path)
    good = write_spec(tmp_path / "good.toml", SPEC.format(sources='["week3/1-notes.md"]'))
    assert invoke(cli, "create", str(good))[0] == 0
    before = sqlite3.connect(db_path).execute("SELECT count(*), group_concat(id) FROM quizzes")
    before_row = before.fetchone()
    (tmp_path / "corrupt.pdf").write_bytes((FIXTURES / "corrupt.pdf").read_bytes())
    for sources in ('["missing.md"]', '["corrupt.pdf"]', '["empty/*.md"]'):
        bad = write_spec(tmp_path / "bad.toml", SPEC.format(sources=sources))
        code, _, err = invoke(cli, "create", str(bad))
        assert code == 2, err
        assert f"{bad}: module 'energy', sources" in err
    after = sqlite3.connect(db_path).execute("SELECT count(*), group_concat(id) FROM quizzes")
    assert after.fetchone() == before_row


# --- the content budget -----------------------------------------------------------------------


def test_budget_truncates_at_a_paragraph_and_says_what_went() -> None:
    sections = [
        Section("a.md", "A" * 600 + "\n\n" + "B" * 600),
        Section("b.md", "C" * 500),
        Section("c.md", "D" * 500),
    ]
    kept, warning, problem = fit_budget(sections, ContentSpec(max_chars=1000), "spec: module 'm'")
    assert problem is None
    assert [s.source for s in kept] == ["a.md"]
    assert kept[0].text == "A" * 600
    assert warning == (
        "content is 2,206 characters, over [content] max_chars = 1,000: kept the first 600, "
        "cut 'a.md' short and left out 'b.md', 'c.md'"
    )


def test_budget_error_mode_refuses_with_a_hint() -> None:
    sections = [Section("a.md", "x " * 1000)]
    settings = ContentSpec(max_chars=1000, on_overflow="error")
    _kept, warning, problem = fit_budget(sections, settings, "spec: module 'm'")
    assert warning is None
    assert problem is not None
    assert problem.startswith("spec: module 'm': content is 2,000 characters, over [content]")
    assert 'on_overflow = "truncate"' in problem


def test_budget_within_limit_changes_nothing() -> None:
    sections = [Section("a.md", "short")]
    assert fit_budget(sections, ContentSpec(), "w") == (sections, None, None)


def test_truncation_is_printed_and_stored(cli, tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text(NOTES)
    spec = write_spec(
        tmp_path / "quiz.toml",
        SPEC.format(sources='["long.md"]') + "[content]\nmax_chars = 3000\n",
    )
    code, out, err = invoke(cli, "create", str(spec))
    assert code == 0, err
    assert "warning: module 'energy': content is" in err
    code, out, _ = invoke(cli, "status", _last_quiz(cli))
    assert "over [content] max_chars = 3,000" in out


def test_refusal_mode_stops_before_anything_is_stored(cli, tmp_path: Path, db_path) -> None:
    (tmp_path / "long.md").write_text("word " * 500)
    spec = write_spec(
        tmp_path / "quiz.toml",
        SPEC.format(sources='["long.md"]') + '[content]\nmax_chars = 1000\non_overflow = "error"\n',
    )
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert "module 'energy': content is 2,499 characters, over [content] max_chars" in err
    assert not db_path.exists()


def _last_quiz(cli) -> str:
    code, quizzes = invoke_json(cli, "list")
    assert code == 0
    return quizzes[-1]["id"]
