"""Spec loading and validation: every limit, located errors, both syntaxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.errors import SpecError
from quizgen.spec import load_spec, plan_batches
from tests.conftest import EXAMPLE, invoke, invoke_json, spec_with_batches, write_spec

GOOD = """
title = "Quiz"
[llm]
provider = "mock"
[modules.cells]
name = "Cells"
sources = ["cells.md"]
question_batches = [
  { question_type = "multiple_choice", count = 10 },
  { question_type = "fill_in_blank", count = 5 },
]
"""


def problems_of(tmp_path: Path, text: str, name: str = "spec.toml") -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path / name, text))
    return caught.value.problems


def test_valid_spec_plans_one_batch_per_type_with_keys(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path / "spec.toml", GOOD))
    keys = [b.key for b in plan_batches(loaded.spec)]
    assert keys == ["cells_multiple_choice_10", "cells_fill_in_blank_5"]
    assert loaded.spec.question_count() == 15
    assert loaded.spec.llm.provider == "mock"


def test_five_batches_in_a_module_is_located_error(tmp_path: Path) -> None:
    types = ["multiple_choice", "true_false", "matching", "fill_in_blank", "categorization"]
    batches = ", ".join(f'{{ question_type = "{t}", count = 2 }}' for t in types)
    problems = problems_of(tmp_path, spec_with_batches(batches))
    assert problems == ["module 'cells': question_batches has 5 batches; at most 4 are allowed"]


@pytest.mark.parametrize("count", [0, 25])
def test_count_out_of_range_names_module_batch_and_value(tmp_path: Path, count: int) -> None:
    batches = (
        '{ question_type = "true_false", count = 3 }, '
        f'{{ question_type = "matching", count = {count} }}'
    )
    problems = problems_of(tmp_path, spec_with_batches(batches))
    assert problems == [f"module 'cells', batch 2: count must be between 1 and 20 (got {count})"]


def test_module_without_batches_is_an_error(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, spec_with_batches(""))
    assert problems == ["module 'cells': question_batches needs at least 1 batch"]


def test_same_type_twice_in_a_module_is_an_error(tmp_path: Path) -> None:
    batches = '{ question_type = "matching", count = 3 }, { question_type = "matching", count = 4 }'
    [problem] = problems_of(tmp_path, spec_with_batches(batches))
    assert problem.startswith("module 'cells': question type 'matching' appears in batches 1 and 2")


def test_unknown_question_type_lists_valid_types(tmp_path: Path) -> None:
    batch = '{ question_type = "file_upload", count = 3 }'
    [problem] = problems_of(tmp_path, spec_with_batches(batch))
    assert problem.startswith("module 'cells', batch 1: unknown question type 'file_upload'")
    assert "multiple_choice" in problem and "categorization" in problem


def test_misspelled_type_gets_a_suggestion(tmp_path: Path) -> None:
    [problem] = problems_of(
        tmp_path, spec_with_batches('{ question_type = "true_flase", count = 3 }')
    )
    assert "did you mean 'true_false'?" in problem


def test_no_modules_title_language_and_temperature_limits(tmp_path: Path) -> None:
    text = 'title = ""\nlanguage = "de"\nmodules = {}\n[llm]\ntemperature = 3\n'
    problems = problems_of(tmp_path, text)
    assert "title must be at least 1 characters (got 0)" in problems
    assert any(p.startswith("language must be one of") and "'de'" in p for p in problems)
    assert "modules: the spec needs at least one module" in problems
    assert "[llm]: temperature must be between 0 and 2 (got 3)" in problems


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    text = """
title = "Quiz"
[modules.a]
name = "A"
question_batches = [{ question_type = "matching", count = 30 }]
[modules.b]
name = "B"
question_batches = [{ question_type = "nope", count = 2 }]
"""
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2
    assert problems[0].startswith("module 'a', batch 1: count")
    assert problems[1].startswith("module 'b', batch 1: unknown question type")


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    text = GOOD.replace('name = "Cells"', 'name = "Cells"\nsource = ["x.md"]')
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("module 'cells': unknown field 'source' (did you mean 'sources'?)")


def test_malformed_toml_names_line_and_column(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, 'title = "Quiz"\ncount = = 3\n')
    assert problem.startswith("not valid TOML") and "line 2" in problem


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, '{"title": "Quiz",\n "x": }', name="spec.json")
    assert problem.startswith("not valid JSON") and "line 2, column" in problem


def test_wrong_type_of_count_is_explained(tmp_path: Path) -> None:
    [problem] = problems_of(
        tmp_path, spec_with_batches('{ question_type = "matching", count = "ten" }')
    )
    assert problem == "module 'cells', batch 1: count must be a whole number (got 'ten')"


def test_bad_module_id_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("[modules.cells]", '[modules."cells and more"]')
    [problem] = problems_of(tmp_path, text)
    assert "module id 'cells and more'" in problem


def test_seed_json_request_body_loads_as_it_is() -> None:
    loaded = load_spec(EXAMPLE / "seed-request.json")
    spec = loaded.spec
    assert spec.course is not None and spec.course.id == 12345
    assert spec.llm.model == "o3" and spec.llm.temperature == 1
    assert spec.llm.provider == "openai"
    assert list(spec.modules) == ["cells", "genetics", "ecology"]
    assert spec.batch_count() == 6


def test_seed_json_with_both_module_keys_is_an_error(tmp_path: Path) -> None:
    body = json.loads((EXAMPLE / "seed-request.json").read_text())
    body["modules"] = body["selected_modules"]
    [problem] = problems_of(tmp_path, json.dumps(body), name="seed.json")
    assert "either 'selected_modules' or 'modules'" in problem


def test_validate_command_summarises_a_valid_spec(cli, example: Path) -> None:
    code, out, _ = invoke(cli, "validate", str(example))
    assert code == 0
    assert "3 module(s), 6 batch(es), 45 question(s)" in out
    assert "cells_multiple_choice_10" in out


def test_validate_json_lists_keys_and_total(cli, example: Path) -> None:
    code, doc = invoke_json(cli, "validate", str(example))
    assert code == 0 and doc["valid"] is True
    assert doc["total_questions"] == 45
    assert [b["key"] for b in doc["batches"]][:2] == [
        "cells_multiple_choice_10",
        "cells_fill_in_blank_5",
    ]


def test_validate_invalid_spec_exits_2_with_located_errors(cli, tmp_path: Path) -> None:
    path = write_spec(
        tmp_path / "bad.toml", spec_with_batches('{ question_type = "matching", count = 25 }')
    )
    code, out, err = invoke(cli, "validate", str(path))
    assert code == 2
    assert f"{path}: invalid quiz spec (1 error)" in err
    assert "module 'cells', batch 1: count must be between 1 and 20 (got 25)" in err
    assert "Traceback" not in out + err
    code, doc = invoke_json(cli, "validate", str(path))
    assert code == 2 and doc["valid"] is False and len(doc["errors"]) == 1


def test_validate_missing_file_is_exit_2(cli, tmp_path: Path) -> None:
    code, _, err = invoke(cli, "validate", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err and "file not found" in err


def test_init_writes_a_spec_that_validates_and_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    path = tmp_path / "quiz.toml"
    code, _, _ = invoke(cli, "init", str(path))
    assert code == 0 and path.exists()
    assert invoke(cli, "validate", str(path))[0] == 0
    before = path.read_text()
    code, _, err = invoke(cli, "init", str(path))
    assert code == 2 and "already exists" in err
    assert path.read_text() == before


@pytest.mark.parametrize("section", ["llm", "course", "content", "checks", "publish"])
def test_unknown_field_in_every_section_is_located(tmp_path: Path, section: str) -> None:
    text = GOOD + f"\n[{section}]\nbogus = 1\n"
    if section == "llm":
        text = GOOD.replace('provider = "mock"', 'provider = "mock"\nbogus = 1')
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith(f"[{section}]: unknown field 'bogus'")
