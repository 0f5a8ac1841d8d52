"""Templates (`template = "exam"`, `--template`, `[templates.NAME]`) and `[limits]`."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.errors import ConfigError, SpecError
from quizgen.spec import load_spec, stored_spec
from quizgen.spec_limits import CEILING_COUNT, ceiling_batches
from quizgen.spec_templates import BUILT_IN
from quizgen.store import Store
from tests.conftest import invoke, invoke_json, write_spec

NOTES = Path(__file__).resolve().parents[1] / "examples" / "biology" / "content"


def spec(tmp_path: Path, head: str = "", modules: str = "") -> Path:
    modules = modules or (
        f'[modules.cells]\nname = "Cells"\nsources = ["{NOTES / "cells.md"}"]\n'
        f'[modules.genetics]\nname = "Genetics"\nsources = ["{NOTES / "genetics.md"}"]\n'
        'question_batches = [{ question_type = "true_false", count = 4 }]\n'
    )
    text = f'title = "Quiz"\n{head}\n[llm]\nprovider = "mock"\n{modules}'
    return write_spec(tmp_path / "quiz.toml", text)


def config(tmp_path: Path, text: str) -> None:
    (tmp_path / "no-config.toml").write_text(text)  # conftest points QUIZGEN_CONFIG here


def batches_of(loaded, module: str) -> list[tuple[str, int]]:
    return [(b.question_type, b.count) for b in loaded.spec.modules[module].question_batches]


def test_built_in_template_fills_modules_without_batches_and_own_batches_win(
    tmp_path: Path,
) -> None:
    loaded = load_spec(spec(tmp_path, 'template = "exam"'))
    exam = [(b["question_type"], b["count"]) for b in BUILT_IN["exam"]["question_batches"]]
    assert batches_of(loaded, "cells") == exam
    assert batches_of(loaded, "genetics") == [("true_false", 4)]
    assert loaded.spec.template == "exam" and loaded.spec.modules["cells"].template == "exam"


def test_a_module_names_its_own_template(tmp_path: Path) -> None:
    modules = (
        f'[modules.cells]\nname = "Cells"\nsources = ["{NOTES / "cells.md"}"]\n'
        'template = "review"\n'
        f'[modules.genetics]\nname = "Genetics"\nsources = ["{NOTES / "genetics.md"}"]\n'
    )
    loaded = load_spec(spec(tmp_path, 'template = "practice"', modules))
    review = [(b["question_type"], b["count"]) for b in BUILT_IN["review"]["question_batches"]]
    assert batches_of(loaded, "cells") == review
    assert [t for t, _c in batches_of(loaded, "genetics")] == [
        b["question_type"] for b in BUILT_IN["practice"]["question_batches"]
    ]
    assert {b.difficulty for b in loaded.spec.modules["genetics"].question_batches} == {"easy"}


def test_every_built_in_template_validates_under_the_default_limits(tmp_path: Path) -> None:
    for name in BUILT_IN:
        loaded = load_spec(spec(tmp_path), template=name)
        assert loaded.spec.modules["cells"].question_batches


def test_config_template_is_used_and_replaces_a_built_in(tmp_path: Path) -> None:
    config(
        tmp_path,
        '[templates.weekly]\nquestion_batches = [{ question_type = "matching", count = 3 }]\n'
        '[templates.exam]\nquestion_batches = [{ question_type = "true_false", count = 7 }]\n',
    )
    assert batches_of(load_spec(spec(tmp_path, 'template = "weekly"')), "cells") == [
        ("matching", 3)
    ]
    assert batches_of(load_spec(spec(tmp_path, 'template = "exam"')), "cells") == [
        ("true_false", 7)
    ]


def test_template_flag_replaces_the_spec_template_in_validate_and_create(
    cli, tmp_path: Path
) -> None:
    path = spec(tmp_path, 'template = "exam"')
    code, summary = invoke_json(cli, "validate", str(path), "--template", "review")
    assert code == 0, summary
    cells = [b["question_type"] for b in summary["batches"] if b["module_id"] == "cells"]
    assert cells == [b["question_type"] for b in BUILT_IN["review"]["question_batches"]]
    code, created = invoke_json(cli, "create", str(path), "--template", "practice")
    assert code == 0, created
    keys = [b["key"] for b in created["batches"]]
    assert "cells_true_false_5" in keys and "cells_fill_in_blank_5" in keys


def test_unknown_template_is_exit_2_naming_template_and_field(cli, tmp_path: Path) -> None:
    path = spec(tmp_path, 'template = "exma"')
    code, out, err = invoke(cli, "validate", str(path))
    assert code == 2 and out == ""
    assert err.startswith(
        f"error: {path}: invalid quiz spec (1 error):\n  template: unknown template 'exma' "
        "(did you mean 'exam'?); known: exam, practice, review"
    )
    code, _out, err = invoke(cli, "create", str(spec(tmp_path)), "--template", "nope")
    assert code == 2 and "template (--template): unknown template 'nope'" in err


def test_unknown_module_template_names_the_module(tmp_path: Path) -> None:
    modules = '[modules.cells]\nname = "Cells"\nsources = ["x.md"]\ntemplate = "weekly"\n'
    with pytest.raises(SpecError) as caught:
        load_spec(spec(tmp_path, "", modules))
    [problem] = caught.value.problems
    assert problem.startswith("module 'cells', template: unknown template 'weekly'")


def test_a_module_without_batches_or_template_is_told_of_templates(tmp_path: Path) -> None:
    """A module may take its batches from a template now: the message says so."""
    modules = f'[modules.cells]\nname = "Cells"\nsources = ["{NOTES / "cells.md"}"]\n'
    with pytest.raises(SpecError) as caught:
        load_spec(spec(tmp_path, "", modules))
    assert caught.value.problems == [
        "module 'cells': question_batches is required, or a template to fill them: "
        'template = "exam"'
    ]
    assert "exam" in BUILT_IN
    assert load_spec(spec(tmp_path, 'template = "exam"', modules)).spec.modules["cells"]


def test_bad_config_template_names_template_batch_and_field(tmp_path: Path) -> None:
    config(
        tmp_path,
        "[templates.big]\nquestion_batches = [\n"
        '  { question_type = "matching", count = 3 },\n'
        '  { question_type = "true_false", count = 25 },\n]\n',
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec(tmp_path, 'template = "big"'))
    where = f"[templates.big] in {tmp_path / 'no-config.toml'}"
    assert caught.value.problems == [
        f"template 'big' ({where}): batch 2: count must be between 1 and 20 (got 25)"
    ]


# --- [limits] -----------------------------------------------------------------------------

BIG = '[modules.cells]\nname = "Cells"\nsources = ["cells.md"]\nquestion_batches = [{batches}]\n'


def big(count: int, types: int = 1) -> str:
    names = ["multiple_choice", "true_false", "matching", "fill_in_blank", "categorization"]
    return BIG.format(
        batches=", ".join(f'{{ question_type = "{t}", count = {count} }}' for t in names[:types])
    )


def problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return caught.value.problems


def test_default_limits_keep_their_messages(tmp_path: Path) -> None:
    assert problems(spec(tmp_path, "", big(21))) == [
        "module 'cells', batch 1: count must be between 1 and 20 (got 21)"
    ]
    assert problems(spec(tmp_path, "", big(2, types=5))) == [
        "module 'cells': question_batches has 5 batches; at most 4 are allowed"
    ]


def test_spec_limits_raise_the_bounds_and_say_the_new_ones(tmp_path: Path) -> None:
    head = "[limits]\nmax_questions_per_batch = 30\nmax_batches_per_module = 5\n"
    loaded = load_spec(spec(tmp_path, head, big(30, types=5)))
    assert loaded.spec.question_count() == 150
    assert problems(spec(tmp_path, head, big(31))) == [
        "module 'cells', batch 1: count must be between 1 and 30 (got 31)"
    ]


def test_limits_above_the_ceilings_are_refused_with_the_reason(tmp_path: Path) -> None:
    head = f"[limits]\nmax_questions_per_batch = {CEILING_COUNT + 1}\n"
    [problem] = problems(spec(tmp_path, head, big(3)))
    assert problem.startswith(
        f"[limits]: max_questions_per_batch must be between 1 and {CEILING_COUNT} "
        f"(got {CEILING_COUNT + 1}); one model call answers a whole batch"
    )
    head = f"[limits]\nmax_batches_per_module = {ceiling_batches() + 1}\n"
    [problem] = problems(spec(tmp_path, head, big(3)))
    assert "cannot have more batches than there are types" in problem


def test_config_limits_apply_and_the_spec_wins(tmp_path: Path) -> None:
    config(tmp_path, "[limits]\nmax_questions_per_batch = 25\n")
    assert load_spec(spec(tmp_path, "", big(25))).spec.limits.max_questions_per_batch == 25
    head = "[limits]\nmax_questions_per_batch = 22\n"
    assert problems(spec(tmp_path, head, big(25))) == [
        "module 'cells', batch 1: count must be between 1 and 22 (got 25)"
    ]


def test_bad_config_limits_name_the_config_file(tmp_path: Path) -> None:
    config(tmp_path, "[limits]\nmax_questions_per_batch = 500\n")
    with pytest.raises(ConfigError) as caught:
        load_spec(spec(tmp_path, "", big(3)))
    assert caught.value.message.startswith(
        f"{tmp_path / 'no-config.toml'}: [limits] max_questions_per_batch must be between 1 and "
        f"{CEILING_COUNT} (got 500)"
    )


def test_unknown_config_limit_key_lists_the_known_ones(tmp_path: Path) -> None:
    config(tmp_path, "[limits]\nmax_count = 30\n")
    with pytest.raises(ConfigError) as caught:
        load_spec(spec(tmp_path, "", big(3)))
    assert caught.value.message == (
        f"{tmp_path / 'no-config.toml'}: [limits] has an unknown key 'max_count'; known keys: "
        "max_batches_per_module, max_questions_per_batch"
    )


def test_a_misspelt_config_limit_key_is_told_the_closest(tmp_path: Path) -> None:
    """As a spec's unknown field is: the config file's typo gets the same hint."""
    config(tmp_path, "[limits]\nmax_question_per_batch = 30\n")
    with pytest.raises(ConfigError) as caught:
        load_spec(spec(tmp_path, "", big(3)))
    assert caught.value.message == (
        f"{tmp_path / 'no-config.toml'}: [limits] has an unknown key 'max_question_per_batch' "
        "(did you mean 'max_questions_per_batch'?); known keys: max_batches_per_module, "
        "max_questions_per_batch"
    )


def test_stored_spec_keeps_the_config_limits_it_was_created_under(
    cli, tmp_path: Path, db_path: Path
) -> None:
    config(tmp_path, "[limits]\nmax_questions_per_batch = 25\n")
    modules = (
        f'[modules.cells]\nname = "Cells"\nsources = ["{NOTES / "cells.md"}"]\n'
        'question_batches = [{ question_type = "multiple_choice", count = 25 }]\n'
    )
    code, created = invoke_json(cli, "create", str(spec(tmp_path, "", modules)))
    assert code == 0, created
    (tmp_path / "no-config.toml").unlink()
    store = Store.open(db_path)
    try:
        [quiz] = store.quizzes()
        assert stored_spec(quiz).modules["cells"].question_batches[0].count == 25
    finally:
        store.close()


def test_docs_state_the_limits_and_built_in_templates_the_code_has() -> None:
    """A claim in the docs is a test: the ceilings and the built-in mixes docs/spec.md gives."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "spec.md").read_text()
    assert f"**questions per batch: {CEILING_COUNT}.**" in doc
    assert f"| `limits.max_questions_per_batch` | integer | 20 | 1 to {CEILING_COUNT} " in doc
    assert f"{CEILING_COUNT} questions at twice that, {CEILING_COUNT * 2 * 171:,} tokens" in doc
    assert CEILING_COUNT * 2 * 171 <= 16_384
    for name, template in BUILT_IN.items():
        listed = ", ".join(
            f"`{b['question_type']}` {b['count']}" for b in template["question_batches"]
        )
        assert f"| `{name}` | {listed}" in doc, name
