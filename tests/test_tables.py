"""Tables at 80 columns: batch keys, quiz ids and statuses are never cut (issue 12.19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen.cli.render import Column, fit_columns
from tests.conftest import invoke, invoke_json

KEYS = [
    "cells_multiple_choice_10",
    "cells_fill_in_blank_5",
    "genetics_true_false_10",
    "genetics_matching_5",
    "ecology_multiple_answer_10",
    "ecology_categorization_5",
]


@pytest.fixture
def failed_quiz(cli: CliRunner, example: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The biology example with one failed batch, so a status and an error need room too."""
    monkeypatch.setenv("QUIZGEN_MOCK_FAIL", "*_matching_*")
    code, document = invoke_json(cli, "create", str(example))
    assert code == 1
    monkeypatch.delenv("QUIZGEN_MOCK_FAIL")
    return document["quiz"]["id"]


@pytest.mark.parametrize("width", [80, 60])
def test_status_keeps_every_batch_key_and_status_whole(
    cli: CliRunner, failed_quiz: str, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = invoke(cli, "status", failed_quiz)
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    for key in KEYS:
        row = next(line for line in lines if line.startswith(key + " "))
        status = "failed" if "matching" in key else "succeeded"
        assert f"│ {status} " in row, row
    assert "…" not in out
    assert "injected failure" in out  # the error wraps, it is not cut
    assert "not shown at" in out and "see --json" in out


def test_wide_terminal_shows_every_column(
    cli: CliRunner, failed_quiz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = invoke(cli, "status", failed_quiz)
    header = next(line for line in out.splitlines() if line.startswith("batch"))
    for column in ("attempts", "tokens in/out", "seconds", "cost", "last error"):
        assert column in header
    assert "not shown" not in out


def test_list_keeps_id_and_status_whole_at_80_columns(
    cli: CliRunner, failed_quiz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = invoke(cli, "list")
    row = next(line for line in out.splitlines() if line.startswith(failed_quiz))
    assert "ready_for_review_partial" in row
    assert "…" not in out and all(len(line) <= 80 for line in out.splitlines())


def test_figures_are_dropped_lowest_rank_first() -> None:
    columns = [
        Column("key", role="key"),
        Column("a", drop_rank=2),
        Column("b", drop_rank=1),
        Column("note", role="wrap"),
    ]
    rows = [["k" * 30, "1" * 10, "2" * 10, "x" * 50]]
    assert fit_columns(columns, rows, 200) == [0, 1, 2, 3]
    assert fit_columns(columns, rows, 60) == [0, 1, 3]  # 30+10+12 + 3 separators
    assert fit_columns(columns, rows, 40) == [0, 3]  # keys and wrapping text always stay
