"""`quizgen init`: the file type its name asks for, and a spec that validates as written."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke, invoke_json


def test_toml_spec_is_toml_and_validates_with_its_example_content(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "course" / "quiz.toml"
    path.parent.mkdir()
    code, out, err = invoke(cli, "init", str(path))
    assert code == 0, err
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    assert spec["modules"]["intro"]["sources"] == ["content/intro.md"]
    content = path.parent / "content" / "intro.md"
    assert content.read_text(encoding="utf-8").startswith("# ")
    assert "content/intro.md" in out
    code, document = invoke_json(cli, "validate", str(path))
    assert code == 0 and document["valid"] is True, document
    assert document["content"]["intro"]["chars"] > 1000


def test_json_spec_is_json_with_the_same_data(cli: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(cli, "init", str(tmp_path / "quiz.json"))
    assert code == 0, err
    data = json.loads((tmp_path / "quiz.json").read_text(encoding="utf-8"))
    invoke(cli, "init", str(tmp_path / "same.toml"))
    assert data == tomllib.loads((tmp_path / "same.toml").read_text(encoding="utf-8"))
    code, document = invoke_json(cli, "validate", str(tmp_path / "quiz.json"))
    assert code == 0 and document["valid"] is True, document


@pytest.mark.parametrize("name", ["quiz.yaml", "quiz.txt", "quiz"])
def test_other_suffixes_are_refused_and_nothing_is_written(
    cli: CliRunner, tmp_path: Path, name: str
) -> None:
    code, _, err = invoke(cli, "init", str(tmp_path / name))
    assert code == 2 and ".toml or .json" in err
    assert list(tmp_path.iterdir()) == []


def test_existing_content_is_kept(cli: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "content" / "intro.md"
    notes.parent.mkdir()
    notes.write_text("# Mine\n\nMy own notes about osmosis and diffusion.\n", encoding="utf-8")
    code, out, _ = invoke(cli, "init", str(tmp_path / "quiz.toml"))
    assert code == 0 and "kept" in out
    assert notes.read_text(encoding="utf-8").startswith("# Mine")


def test_the_written_spec_generates_with_the_mock(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "quiz.toml"
    invoke(cli, "init", str(path))
    code, document = invoke_json(cli, "create", str(path))
    assert code == 0, document
    assert document["totals"]["questions"] == document["totals"]["target"] == 10
