"""The command line as a new user meets it: version, help, usage errors, filters, databases."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen import __version__
from quizgen.cli.app import app
from tests.conftest import EXAMPLE, invoke, invoke_json, write_spec

SMALL_SPEC = """
title = "Cells"
[llm]
provider = "mock"
model = "o3"
[modules.cells]
name = "Cells"
sources = ["cells.md"]
question_batches = [{ question_type = "multiple_choice", count = 3 }]
"""


@pytest.fixture
def small_quiz(cli: CliRunner, tmp_path: Path) -> str:
    """A three-question quiz made with the mock in the test's own database."""
    shutil.copy(EXAMPLE / "content" / "cells.md", tmp_path / "cells.md")
    spec = write_spec(tmp_path / "quiz.toml", SMALL_SPEC)
    code, document = invoke_json(cli, "create", str(spec))
    assert code == 0, document
    return document["quiz"]["id"]


# Typer's type labels: <str>, <int range>, <list[str]>, <new|classic>, ...
TYPE_LABEL = re.compile(r"<(str|int|float|bool|path|file|\w+ range|list\[[^>]*\]|\w+(\|\w+)+)>")


def every_help_page() -> list[list[str]]:
    """`--help` argument lists for the program, every command and every sub-command."""
    import typer

    group = typer.main.get_command(app)
    pages: list[list[str]] = [["--help"]]
    for name, command in group.commands.items():  # type: ignore[attr-defined]  # a group
        pages.append([name, "--help"])
        for sub in getattr(command, "commands", {}):
            pages.append([name, sub, "--help"])
    return pages


# --- 16: --version ---------------------------------------------------------------------------


def test_version_prints_the_version_and_exits_0(cli: CliRunner) -> None:
    code, out, err = invoke(cli, "--version")
    assert code == 0, err
    assert out.strip() == f"quizgen {__version__}"


# --- 26: help speaks in metavars, and every argument says what it is -----------------------


def test_help_pages_show_no_python_type_names(cli: CliRunner) -> None:
    pages = every_help_page()
    assert len(pages) > 15
    for args in pages:
        code, out, _ = invoke(cli, *args)
        assert code == 0, args
        assert not TYPE_LABEL.search(out), (args, out)
        assert "{" not in out.split("\n", 1)[0], (args, out)  # the usage line: no {QUIZ}


def test_every_argument_has_help_text(cli: CliRunner) -> None:
    code, out, _ = invoke(cli, "edit", "--help")
    assert code == 0
    assert re.search(r"^\s+ID\s+Question id or unique prefix", out, re.M), out
    for args in every_help_page():
        _, out, _ = invoke(cli, *args)
        if "Arguments:" not in out:
            continue
        section = out.split("Arguments:", 1)[1].split("Options:", 1)[0]
        for line in section.strip("\n").splitlines():
            if line.startswith("  ") and not line.startswith("   "):
                assert len(line.split()) > 1, (args, line)  # a name alone: no help text


def test_option_values_are_named_plainly(cli: CliRunner) -> None:
    _, out, _ = invoke(cli, "create", "--help")
    assert "--concurrency N" in out and "--db PATH" in out
    _, out, _ = invoke(cli, "publish", "--help")
    assert "--engine [new|classic]" in out
    _, out, _ = invoke(cli, "approve", "--help")
    assert "Usage: quizgen approve [OPTIONS] QUIZ [IDS]..." in out


# --- 23: usage errors under --json ---------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["show", "--json"],  # a missing argument
        ["show", "abc", "--json", "--bogus"],  # an unknown option
        ["create", "quiz.toml", "--concurrency", "0", "--json"],  # a value out of range
        ["canvas", "modules", "notanumber", "--json"],  # a bad value in a sub-command
        ["--bogus", "list", "--json"],  # an unknown option of the program itself
    ],
)
def test_usage_errors_under_json_print_the_error_document(cli: CliRunner, args: list[str]) -> None:
    code, out, err = invoke(cli, *args)
    assert code == 2
    document = json.loads(out)
    assert document["exit_code"] == 2 and document["error"]
    assert "Error" in err  # the person still reads Click's usage message on stderr


def test_usage_errors_without_json_leave_stdout_empty(cli: CliRunner) -> None:
    code, out, _ = invoke(cli, "show")
    assert code == 2 and out == ""


# --- 21: unknown --type / --module ---------------------------------------------------------


@pytest.mark.parametrize("command", ["show", "review", "approve"])
def test_unknown_type_is_an_input_error_with_a_suggestion(
    cli: CliRunner, small_quiz: str, command: str
) -> None:
    code, _, err = invoke(cli, command, small_quiz, "--type", "multiple_choise")
    assert code == 2
    assert "unknown question type 'multiple_choise'" in err
    assert "did you mean 'multiple_choice'?" in err


@pytest.mark.parametrize("command", ["show", "review", "approve"])
def test_unknown_module_is_an_input_error_with_a_suggestion(
    cli: CliRunner, small_quiz: str, command: str
) -> None:
    code, _, err = invoke(cli, command, small_quiz, "--module", "cell")
    assert code == 2 and "has no module 'cell'" in err and "did you mean 'cells'?" in err
    code, _, err = invoke(cli, command, small_quiz, "--module", "zzz")
    assert code == 2 and "valid: cells" in err


def test_known_filters_still_select(cli: CliRunner, small_quiz: str) -> None:
    code, document = invoke_json(cli, "show", small_quiz, "--type", "matching")
    assert code == 0 and document["questions"] == []  # a real type with no questions: fine
    code, document = invoke_json(cli, "show", small_quiz, "--module", "cells")
    assert code == 0 and len(document["questions"]) == 3


# --- 22: validate takes --db ---------------------------------------------------------------


def test_validate_accepts_db_and_checks_its_folder(cli: CliRunner, example: Path) -> None:
    target = example.parent / "here.db"
    code, document = invoke_json(cli, "validate", str(example), "--db", str(target))
    assert code == 0
    assert document["database"] == str(target) and document["database_exists"] is False
    assert not target.exists()  # validate writes nothing
    code, document = invoke_json(cli, "validate", str(example), "--db", "nosuchdir/q.db")
    assert code == 2
    assert any("nosuchdir does not exist" in e for e in document["errors"])


# --- 25: end of input in review ------------------------------------------------------------


def review(cli: CliRunner, quiz_id: str, script: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["review", quiz_id], input=script, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "script",
    [
        "a\n",  # end of input at the verdict prompt
        "a\nr\n",  # ... at the reason prompt
        "a\nr\n2\n",  # ... at the note prompt
    ],
)
def test_end_of_input_saves_and_exits_0_with_a_summary(
    cli: CliRunner, small_quiz: str, script: str
) -> None:
    code, out, err = review(cli, small_quiz, script)
    assert code == 0, err
    assert "Aborted" not in out + err
    assert "end of input" in out
    assert "1 approved, 0 rejected, 0 edited, 0 skipped; 2 still pending" in out
    _, document = invoke_json(cli, "show", small_quiz, "--status", "approved")
    assert len(document["questions"]) == 1


# --- 18: reading commands never create a database ------------------------------------------


@pytest.mark.parametrize(
    "args", [["list"], ["status", "abc"], ["show", "abc"], ["export", "abc", "-f", "json"]]
)
def test_reading_commands_create_no_database(
    cli: CliRunner, db_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(db_path.parent)
    code, out, err = invoke(cli, *args)
    assert not db_path.exists()
    assert str(db_path) in out + err  # says where it looked
    assert "$QUIZGEN_DB" in out + err  # ... and why there
    assert code == (0 if args == ["list"] else 2)


@pytest.mark.parametrize("args", [["serve", "abc"], ["review", "abc", "--web"]])
def test_the_review_page_creates_no_database(
    cli: CliRunner, db_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    pytest.importorskip("starlette")  # the web extra
    monkeypatch.chdir(db_path.parent)
    code, _, err = invoke(cli, *args, "--no-browser")
    assert code == 2 and "no quizgen database at" in err
    assert not db_path.exists()


def test_default_database_is_in_the_current_folder(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUIZGEN_DB")
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke(cli, "list")
    assert code == 0
    assert str(tmp_path / "quizgen.db") in out and "current folder" in out
    assert not (tmp_path / "quizgen.db").exists()


def test_list_json_without_a_database_is_an_empty_list(cli: CliRunner, db_path: Path) -> None:
    code, out, err = invoke(cli, "list", "--json")
    assert code == 0 and json.loads(out) == [] and "no quizgen database" in err
    assert not db_path.exists()


@pytest.mark.parametrize("command", [["list"], ["status", "abc"], ["create", "quiz.toml"]])
def test_db_in_a_missing_folder_says_the_folder_does_not_exist(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    code, _, err = invoke(cli, *command, "--db", "nosuchdir/q.db")
    assert code == 2
    assert "the folder nosuchdir does not exist" in err
    assert not (tmp_path / "nosuchdir").exists()
