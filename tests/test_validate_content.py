"""`validate` reads content exactly as `create` will: whatever create refuses, validate refuses.

Each case is a spec that validated "valid" (exit 0) while `create` then exited 2 (issue 12.15).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke, invoke_json, write_spec


def spec_for(folder: Path, source: str, content: str = "") -> Path:
    return write_spec(
        folder / "quiz.toml",
        f"""
title = "Content checks"
[llm]
provider = "mock"
model = "o3"
{content}
[modules.week1]
name = "Week 1"
sources = ["{source}"]
question_batches = [{{ question_type = "multiple_choice", count = 2 }}]
""",
    )


def docx_bytes() -> bytes:
    from io import BytesIO

    import docx

    document = docx.Document()
    document.add_paragraph("Osmosis is the movement of water across a membrane.")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def assert_validate_and_create_agree(cli: CliRunner, spec: Path, db_path: Path, words: str) -> None:
    code, out, err = invoke(cli, "validate", str(spec))
    assert code == 2, out
    assert not out.splitlines()[0].endswith(": valid")
    assert words in err and "module 'week1'" in err
    code, document = invoke_json(cli, "validate", str(spec))
    assert code == 2 and document["valid"] is False
    assert any(words in error for error in document["errors"])
    code, _, create_err = invoke(cli, "create", str(spec))
    assert code == 2 and words in create_err  # create refuses for the same reason
    assert not db_path.exists()  # refused before anything was stored


def test_an_empty_content_file(cli: CliRunner, tmp_path: Path, db_path: Path) -> None:
    (tmp_path / "notes.md").write_text("   \n\n", encoding="utf-8")
    spec = spec_for(tmp_path, "notes.md")
    assert_validate_and_create_agree(cli, spec, db_path, "contains no text")


def test_a_file_that_is_not_utf8(cli: CliRunner, tmp_path: Path, db_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes("Osmose og diffusjon i cellen: vær nøye.".encode("utf-16"))
    spec = spec_for(tmp_path, "notes.txt")
    assert_validate_and_create_agree(cli, spec, db_path, "notes.txt")


def test_a_docx_without_the_office_extra(
    cli: CliRunner, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.docx").write_bytes(docx_bytes())
    monkeypatch.setitem(sys.modules, "docx", None)  # as if python-docx were not installed
    spec = spec_for(tmp_path, "notes.docx")
    assert_validate_and_create_agree(cli, spec, db_path, "quizgen[office]")


def test_content_over_max_chars_with_on_overflow_error(
    cli: CliRunner, tmp_path: Path, db_path: Path
) -> None:
    (tmp_path / "notes.md").write_text("Osmosis moves water. " * 200, encoding="utf-8")
    spec = spec_for(tmp_path, "notes.md", '[content]\nmax_chars = 1000\non_overflow = "error"')
    assert_validate_and_create_agree(cli, spec, db_path, "over [content] max_chars = 1,000")


def test_validate_reports_what_create_will_store(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("Osmosis moves water. " * 200, encoding="utf-8")
    spec = spec_for(tmp_path, "notes.md", "[content]\nmax_chars = 1000")  # truncate
    code, document = invoke_json(cli, "validate", str(spec))
    assert code == 0 and document["valid"] is True
    week1 = document["content"]["week1"]
    assert week1["chars"] <= 1000 and week1["origin"] == "local"
    assert any("over [content] max_chars" in w for w in week1["warnings"])
    code, out, _ = invoke(cli, "validate", str(spec))
    assert code == 0 and "warning: content is " in out and "max_chars = 1,000" in out
