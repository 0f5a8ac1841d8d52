"""`quizgen export` through the CLI: approved only, what was left out, and refusals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke, invoke_json


@pytest.fixture
def quiz_id(cli: CliRunner, example: Path) -> str:
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    return document["quiz"]["id"]


def test_nothing_approved_is_refused_with_a_hint(
    cli: CliRunner, quiz_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.zip"
    code, _, err = invoke(cli, "export", quiz_id, "--format", "qti", "-o", str(target))
    assert code == 2
    assert "no approved questions" in err and "--include-pending" in err
    assert "quizgen approve" in err
    assert not target.exists()


def test_include_pending_exports_everything_kept(
    cli: CliRunner, quiz_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "quiz.json"
    code, report = invoke_json(
        cli, "export", quiz_id, "-f", "json", "-o", str(target), "--include-pending"
    )
    assert code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert len(document["questions"]) == len(report["exported"]) == 45
    assert {q["review_status"] for q in document["questions"]} == {"pending"}


def test_only_approved_questions_are_exported_and_rejected_never(
    cli: CliRunner, quiz_id: str, tmp_path: Path
) -> None:
    _, shown = invoke_json(cli, "show", quiz_id)
    ids = [q["id"] for q in shown["questions"]]
    invoke(cli, "approve", quiz_id, *ids[:3])
    invoke(cli, "reject", quiz_id, ids[3], "--reason", "too_hard")
    target = tmp_path / "quiz.json"
    code, report = invoke_json(cli, "export", quiz_id, "-f", "json", "-o", str(target))
    assert code == 0 and report["exported"] == ids[:3]
    assert report["not_included"] == 41
    code, report = invoke_json(
        cli, "export", quiz_id, "-f", "json", "-o", str(target), "--include-pending"
    )
    assert ids[3] not in report["exported"] and len(report["exported"]) == 44


def test_markdown_reports_what_it_cannot_hold(cli: CliRunner, quiz_id: str, tmp_path: Path) -> None:
    invoke(cli, "approve", quiz_id, "--all")
    target = tmp_path / "quiz.md"
    code, out, err = invoke(cli, "export", quiz_id, "-f", "markdown", "-o", str(target), "--json")
    assert code == 0
    report = json.loads(out)
    types = {entry["question_type"] for entry in report["left_out"]}
    assert types == {"matching", "categorization"}
    assert len(report["exported"]) + len(report["left_out"]) == 45
    assert f"{len(report['left_out'])} left out" in err
    for entry in report["left_out"]:
        assert f"left out {entry['id']}" in err


def test_a_format_that_holds_none_of_the_questions_writes_nothing(
    cli: CliRunner, quiz_id: str, tmp_path: Path
) -> None:
    invoke(cli, "approve", quiz_id, "--type", "matching")
    target = tmp_path / "quiz.md"
    code, _, err = invoke(cli, "export", quiz_id, "-f", "markdown", "-o", str(target))
    assert code == 2 and "cannot hold any" in err and not target.exists()


def test_qti_zip_and_default_path(
    cli: CliRunner, quiz_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    invoke(cli, "approve", quiz_id, "--all")
    code, report = invoke_json(cli, "export", quiz_id, "-f", "qti")
    assert code == 0
    path = Path(report["path"])
    assert path.name == f"biology-101-midterm-{quiz_id}.qti.zip"
    with zipfile.ZipFile(path) as archive:
        assert "imsmanifest.xml" in archive.namelist()


def test_text_export_to_stdout(cli: CliRunner, quiz_id: str) -> None:
    invoke(cli, "approve", quiz_id, "--all")
    code, out, _ = invoke(cli, "export", quiz_id, "-f", "gift", "-o", "-")
    assert code == 0 and out.startswith("// Biology 101")


def test_unknown_format_is_an_input_error(cli: CliRunner, quiz_id: str) -> None:
    code, _, err = invoke(cli, "export", quiz_id, "-f", "docx")
    assert code == 2 and "qti, markdown" in err
