"""Canvas content and the `canvas` commands, through the CLI, against the fake Canvas."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from quizgen.store import Store
from tests.conftest import invoke, invoke_json, write_spec
from tests.fakes.canvas_server import FakeCanvas, Fault, Reply
from tests.test_content_formats import make_docx, make_pptx

FIXTURES = Path(__file__).parent / "fixtures"
COURSE = 101
PAGE_HTML = (FIXTURES / "lecture_page.html").read_text()
EXAMPLE_NOTES = Path(__file__).parents[1] / "examples" / "biology" / "content"


def build_course(canvas: FakeCanvas, tmp_path: Path) -> None:
    """A course whose first module spreads its 9 items over 3 pages of 3."""
    canvas.max_per_page = 3
    canvas.add_course(COURSE, "Biology 101")
    canvas.add_course(202, "Chemistry (as a student)", teacher=False)
    canvas.add_module(COURSE, 4567, "Week 1: Cells")
    canvas.add_item(COURSE, 4567, "SubHeader", "Reading")
    canvas.add_page(COURSE, 4567, "Cell Membranes", PAGE_HTML)
    canvas.add_file(
        COURSE,
        4567,
        "cell_biology.pdf",
        (FIXTURES / "cell_biology.pdf").read_bytes(),
        "application/pdf",
    )
    docx = make_docx(tmp_path / "notes.docx").read_bytes()
    canvas.add_file(
        COURSE,
        4567,
        "notes.docx",
        docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    canvas.add_file(COURSE, 4567, "photo.png", b"\x89PNG\r\n", "image/png")
    canvas.add_item(COURSE, 4567, "Assignment", "Lab report", content_id=9)
    canvas.add_item(COURSE, 4567, "ExternalUrl", "Khan Academy", external_url="https://x.test")
    pptx = make_pptx(tmp_path / "energy.pptx").read_bytes()
    canvas.add_file(
        COURSE,
        4567,
        "energy.pptx",
        pptx,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
    canvas.add_page(COURSE, 4567, "Cell Theory", as_html((EXAMPLE_NOTES / "cells.md").read_text()))
    canvas.add_module(COURSE, 4568, "Week 2: Genetics")
    canvas.add_file(
        COURSE, 4568, "genetics.md", (EXAMPLE_NOTES / "genetics.md").read_bytes(), "text/markdown"
    )
    canvas.add_module(COURSE, 4569, "Week 3: Quizzes only")
    canvas.add_item(COURSE, 4569, "Quiz", "Practice quiz", content_id=5)


def as_html(markdown: str) -> str:
    """Paragraphs of Markdown as the <p> elements a Canvas page body would hold."""
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in markdown.split("\n\n"))


def canvas_spec(tmp_path: Path, modules: str, course: str = f"[course]\nid = {COURSE}\n") -> Path:
    return write_spec(
        tmp_path / "quiz.toml",
        f'title = "From Canvas"\n[llm]\nprovider = "mock"\n{course}{modules}',
    )


WEEK1 = """
[modules.cells]
name = "Cells"
canvas_module = 4567
question_batches = [{ question_type = "true_false", count = 3 }]
"""
WEEK2 = """
[modules.genetics]
name = "Genetics"
canvas_module = 4568
question_batches = [{ question_type = "multiple_choice", count = 2 }]
"""


def stored_modules(db_path: Path, quiz_id: str) -> dict:
    store = Store.open(db_path)
    try:
        return {m.module_id: m for m in store.modules(quiz_id)}
    finally:
        store.close()


def test_canvas_modules_are_pulled_paged_and_stored(
    cli, canvas: FakeCanvas, tmp_path: Path, db_path: Path
) -> None:
    build_course(canvas, tmp_path)
    code, document = invoke_json(cli, "create", str(canvas_spec(tmp_path, WEEK1 + WEEK2)))
    assert code == 0, document
    cells, genetics = document["modules"]
    assert cells["origin"] == genetics["origin"] == "canvas"
    assert cells["sources"] == [
        "Cell Membranes",
        "cell_biology.pdf",
        "notes.docx",
        "energy.pptx",
        "Cell Theory",
    ]
    assert genetics["sources"] == ["genetics.md"]
    assert cells["warnings"] == [
        "skipped file 'photo.png' (image/png): quizgen reads .md, .markdown, .txt, .text, "
        ".html, .htm, .pdf, .docx, .pptx files",
        "Canvas file 'energy.pptx': no text on slide 4 of 4 (pictures only?); left out, as "
        "quizgen does no OCR.",
        "skipped 3 item(s) that are neither pages nor files: SubHeader 'Reading', Assignment "
        "'Lab report', ExternalUrl 'Khan Academy'",
    ]
    content = stored_modules(db_path, document["quiz"]["id"])["cells"].content
    for expected in (
        "# Cell Membranes\n\nThe membrane is a phospholipid bilayer.",
        "Ribosomes build proteins from amino acids.",  # the PDF
        "## Organelles\n\n- Mitochondria release energy.",  # the docx
        "## Slide 2: Respiration\n- Cells release energy from glucose.",  # the pptx
    ):
        assert expected in content
    assert "Course navigation" not in content and "Dashboard" not in content
    pages = canvas.requests("GET", r"/modules/4567/items$")
    assert len(pages) == 3  # 9 items, 3 a page: every page was followed
    downloads = canvas.requests("GET", r"^/(files|storage)/")
    assert downloads and not any(r.authorised for r in downloads)
    assert all(r.authorised for r in canvas.requests(path=r"^/api/"))


def test_status_shows_origin_and_warnings(cli, canvas: FakeCanvas, tmp_path: Path) -> None:
    build_course(canvas, tmp_path)
    code, document = invoke_json(cli, "create", str(canvas_spec(tmp_path, WEEK2)))
    assert code == 0
    code, out, _ = invoke(cli, "status", document["quiz"]["id"])
    assert code == 0
    assert "module genetics (canvas): " in out and "characters from genetics.md" in out


def test_rate_limiting_is_waited_out(cli, canvas: FakeCanvas, tmp_path: Path) -> None:
    build_course(canvas, tmp_path)
    canvas.rate_limit_burst(4)
    code, document = invoke_json(cli, "create", str(canvas_spec(tmp_path, WEEK1)))
    assert code == 0, document
    assert len(document["modules"][0]["sources"]) == 5
    throttled = [r for r in canvas.log if r.number <= 4]
    assert len(throttled) == 4
    assert len(canvas.log) > 4


def test_wrong_token_is_one_clear_line_and_stores_nothing(
    cli, canvas: FakeCanvas, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_course(canvas, tmp_path)
    monkeypatch.setenv("CANVAS_API_TOKEN", "expired-secret-token")
    code, out, err = invoke(cli, "create", str(canvas_spec(tmp_path, WEEK1)))
    assert code == 2
    assert err == (
        "error: Canvas rejected the token (401): it is wrong or expired; make a new one under "
        "Account → Settings\n"
    )
    assert "expired-secret-token" not in out + err
    assert not db_path.exists()


def test_unknown_canvas_module_is_located_and_the_database_untouched(
    cli, canvas: FakeCanvas, tmp_path: Path, db_path: Path
) -> None:
    build_course(canvas, tmp_path)
    assert invoke(cli, "create", str(canvas_spec(tmp_path, WEEK2)))[0] == 0
    before = sqlite3.connect(db_path).execute("SELECT * FROM quizzes").fetchall()
    unknown = WEEK1.replace("4567", "999999")
    spec = canvas_spec(tmp_path, unknown + WEEK2)
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert (
        f"{spec}: module 'cells': Canvas has no module 999999 in course {COURSE} that this "
        "token can see (not found: GET /api/v1/courses/101/modules/999999/items" in err
    )
    assert "Traceback" not in err
    assert sqlite3.connect(db_path).execute("SELECT * FROM quizzes").fetchall() == before


def test_module_without_text_is_an_error_before_any_batch(
    cli, canvas: FakeCanvas, tmp_path: Path, db_path: Path
) -> None:
    build_course(canvas, tmp_path)
    empty = WEEK1.replace("4567", "4569")
    spec = canvas_spec(tmp_path, empty)
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert (
        f"{spec}: module 'cells' (Canvas module 4569 of course {COURSE}): no text to make "
        "questions from (skipped 1 item(s) that are neither pages nor files: Quiz "
        "'Practice quiz')" in err
    )
    assert not db_path.exists()


def test_seed_json_modules_are_canvas_modules(cli, canvas: FakeCanvas, tmp_path: Path) -> None:
    build_course(canvas, tmp_path)
    body = {
        "canvas_course_id": COURSE,
        "canvas_course_name": "Biology 101",
        "title": "Seed",
        "llm_model": "o3",
        "selected_modules": {
            "4568": {
                "name": "Genetics",
                "question_batches": [{"question_type": "true_false", "count": 2}],
            }
        },
    }
    spec = tmp_path / "seed.json"
    spec.write_text(json.dumps(body))
    code, document = invoke_json(cli, "create", str(spec), "--provider", "mock")
    assert code == 0, document
    assert document["modules"][0]["origin"] == "canvas"
    assert document["modules"][0]["sources"] == ["genetics.md"]


def test_retry_uses_stored_content_and_makes_no_canvas_request(
    cli, canvas: FakeCanvas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_course(canvas, tmp_path)
    monkeypatch.setenv("QUIZGEN_MOCK_FAIL", "genetics_*")
    code, document = invoke_json(cli, "create", str(canvas_spec(tmp_path, WEEK1 + WEEK2)))
    assert code == 1
    monkeypatch.delenv("QUIZGEN_MOCK_FAIL")
    requests_before = len(canvas.log)
    code, document = invoke_json(cli, "retry", document["quiz"]["id"])
    assert code == 0, document
    assert document["totals"]["succeeded"] == 2
    assert len(canvas.log) == requests_before


def test_canvas_not_configured_says_what_to_set(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = invoke(cli, "create", str(canvas_spec(tmp_path, WEEK1)))
    assert code == 2
    assert "module(s) 'cells' come from Canvas, but Canvas is not configured: set " in err
    assert "CANVAS_BASE_URL and CANVAS_API_TOKEN" in err


def test_canvas_module_needs_a_course_and_excludes_sources(cli, tmp_path: Path) -> None:
    spec = canvas_spec(tmp_path, WEEK1, course="")
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert f"{spec}: module 'cells', canvas_module: needs the Canvas course too" in err
    both = WEEK1.replace("canvas_module = 4567", 'canvas_module = 4567\nsources = ["a.md"]')
    spec = canvas_spec(tmp_path, both)
    code, _, err = invoke(cli, "create", str(spec))
    assert code == 2
    assert "module 'cells': give either sources or canvas_module, not both" in err


# --- discovery ---------------------------------------------------------------------------------


def test_canvas_courses_lists_courses_taught(cli, canvas: FakeCanvas, tmp_path: Path) -> None:
    build_course(canvas, tmp_path)
    for number in range(5):
        canvas.add_course(300 + number, f"Seminar {number}")
    canvas.max_per_page = 2
    code, courses = invoke_json(cli, "canvas", "courses")
    assert code == 0
    assert [c["id"] for c in courses] == [COURSE, 300, 301, 302, 303, 304]
    assert len(canvas.requests("GET", r"^/api/v1/courses$")) == 3
    assert all(r.param("enrollment_type") == "teacher" for r in canvas.requests("GET"))
    code, out, _ = invoke(cli, "canvas", "courses")
    assert code == 0
    assert "Biology 101" in out and "Chemistry" not in out


def test_canvas_modules_lists_ids_and_item_counts(cli, canvas: FakeCanvas, tmp_path: Path) -> None:
    build_course(canvas, tmp_path)
    canvas.rate_limit_burst(2)
    code, modules = invoke_json(cli, "canvas", "modules", str(COURSE))
    assert code == 0
    assert [(m["id"], m["name"], m["items_count"]) for m in modules] == [
        (4567, "Week 1: Cells", 9),
        (4568, "Week 2: Genetics", 1),
        (4569, "Week 3: Quizzes only", 1),
    ]
    code, out, _ = invoke(cli, "canvas", "modules", str(COURSE))
    assert code == 0
    assert "Week 2: Genetics" in out and "4568" in out


def test_canvas_modules_of_unknown_course_is_not_found(cli, canvas: FakeCanvas) -> None:
    code, out, err = invoke(cli, "canvas", "modules", "777", "--json")
    assert code == 2
    assert json.loads(out)["error"].startswith("not found: GET /api/v1/courses/777/modules")
    assert err.startswith("error: not found: ")


def test_canvas_commands_without_settings_exit_2(cli) -> None:
    code, _, err = invoke(cli, "canvas", "courses")
    assert code == 2
    assert "Canvas is not configured" in err


def test_init_from_canvas_writes_a_spec_for_every_module(
    cli, canvas: FakeCanvas, tmp_path: Path
) -> None:
    build_course(canvas, tmp_path)
    target = tmp_path / "course.toml"
    code, _out, err = invoke(cli, "init", str(target), "--from-canvas", str(COURSE))
    assert code == 0, err
    text = target.read_text()
    assert text.startswith("# A quiz spec for every module of Canvas course 101 (Biology 101)")
    spec = tomllib.loads(text)
    assert spec["course"] == {"id": COURSE, "name": "Biology 101"}
    assert {key: module["canvas_module"] for key, module in spec["modules"].items()} == {
        "week-1-cells": 4567,
        "week-2-genetics": 4568,
        "week-3-quizzes-only": 4569,
    }
    assert all(
        module["question_batches"] == [{"question_type": "multiple_choice", "count": 10}]
        for module in spec["modules"].values()
    )
    # validate pulls the modules as create would: the quizzes-only module has no text.
    code, _, err = invoke(cli, "validate", str(target))
    assert code == 2
    assert "module 'week-3-quizzes-only' (Canvas module 4569" in err
    assert "no text to make questions from" in err and "week-1-cells" not in err
    code, _, err = invoke(cli, "init", str(target), "--from-canvas", str(COURSE))
    assert code == 2 and "already exists" in err


def test_canvas_outage_exits_1_after_retries(
    cli, canvas: FakeCanvas, tmp_path: Path, db_path
) -> None:
    build_course(canvas, tmp_path)
    canvas.fail_request(1, 503, path=r"/items$")
    canvas.add_fault(Fault(Reply(503, "Service Unavailable"), times=100, path=r"/pages/"))
    code, _, err = invoke(cli, "create", str(canvas_spec(tmp_path, WEEK1)))
    assert code == 1
    assert "Canvas failed with 503" in err and "gave up after 6 attempts" in err
    assert not db_path.exists()
