"""Shared fixtures: every test gets its own database and never touches the user's files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "biology"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the database and config at tmp paths; clear keys and mock knobs."""
    monkeypatch.setenv("QUIZGEN_DB", str(tmp_path / "quizgen.db"))
    monkeypatch.setenv("QUIZGEN_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("QUIZGEN_MOCK_LATENCY", "0")
    for name in (
        "QUIZGEN_MOCK_FAIL",
        "QUIZGEN_MOCK_SHORT",
        "QUIZGEN_MOCK_BAD_JSON",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "CANVAS_API_TOKEN",
        "CANVAS_BASE_URL",
        "QUIZGEN_DEBUG",
        "COLUMNS",  # piped output is 160 wide unless a test sets it (cli.console)
        "QUIZGEN_OPENAI_TIMEOUT",
        "QUIZGEN_OPENAI_MAX_ATTEMPTS",
        "QUIZGEN_OPENAI_BACKOFF",
        "QUIZGEN_BATCH_POLL",
        "QUIZGEN_BATCH_QUEUE_TOKENS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "quizgen.db"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the shipped biology example; returns its quiz.toml."""
    target = tmp_path / "biology"
    shutil.copytree(EXAMPLE, target)
    return target / "quiz.toml"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Run the CLI; return (exit code, stdout, stderr)."""
    from quizgen.cli.app import app

    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def invoke_json(runner: CliRunner, *args: str) -> tuple[int, dict]:
    code, out, _ = invoke(runner, *args, "--json")
    return code, json.loads(out)


def write_spec(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def spec_with_batches(batches: str) -> str:
    """A one-module spec (`cells`, from cells.md) whose question_batches list is `batches`."""
    return f"""
title = "Quiz"
[modules.cells]
name = "Cells"
sources = ["cells.md"]
question_batches = [{batches}]
"""


@pytest.fixture
def canvas(monkeypatch: pytest.MonkeyPatch):
    """A fake Canvas on 127.0.0.1, configured through the environment, with fast retries."""
    from tests.fakes.canvas_server import FakeCanvas, running

    with running(FakeCanvas()) as server:
        monkeypatch.setenv("CANVAS_BASE_URL", server.base_url)
        monkeypatch.setenv("CANVAS_API_TOKEN", server.token)
        monkeypatch.setenv("CANVAS_BACKOFF_BASE", "0.01")
        monkeypatch.setenv("CANVAS_BACKOFF_CAP", "0.05")
        monkeypatch.setenv("CANVAS_TIMEOUT", "2")
        yield server
