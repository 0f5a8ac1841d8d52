"""Prompts from template files: content first, a shared prefix per module, both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizgen.generation import prompts
from quizgen.llm.base import GenerationTask
from quizgen.questions import REGISTRY
from quizgen.questions.base import Problem

ROOT = Path(__file__).resolve().parents[1]
CONTENT = (ROOT / "examples" / "biology" / "content" / "cells.md").read_text(encoding="utf-8")


def task(question_type: str, **changes: object) -> GenerationTask:
    values: dict = dict(
        quiz_id="q1",
        batch_key=f"cells_{question_type}_5",
        module_id="cells",
        module_name="Cell Structure",
        question_type=question_type,
        count=5,
        language="en",
        content=CONTENT,
    )
    values.update(changes)
    return GenerationTask(**values)


@pytest.mark.parametrize("language", prompts.LANGUAGES)
def test_all_types_of_a_module_share_a_byte_identical_prefix_holding_the_content(
    language: str,
) -> None:
    conversations = {
        name: prompts.build_messages(
            task(name, language=language, count=3 + len(name) % 5, difficulty="hard")
        )
        for name in REGISTRY
    }
    systems = {c[0].content for c in conversations.values()}
    assert len(systems) == 1, "the system message must not depend on the type"
    users = [c[1].content.encode() for c in conversations.values()]
    shared = os.path.commonprefix(users)  # noqa: RUF071 - bytes, not paths
    end_of_content = users[0].index(CONTENT.encode()) + len(CONTENT.encode())
    assert len(shared) >= end_of_content
    assert CONTENT.encode() in shared


@pytest.mark.parametrize("language", prompts.LANGUAGES)
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_prompt_asks_for_the_exact_count_of_its_type_with_an_example(
    language: str, name: str
) -> None:
    user = prompts.build_messages(task(name, language=language, count=7))[1].content
    assert name in user.split(">>>", 1)[1]
    assert ("exactly 7" if language == "en" else "nøyaktig 7") in user
    assert json.dumps(REGISTRY[name].example, ensure_ascii=False) in user
    assert "$" not in user.replace(CONTENT, "")  # every placeholder was filled


def test_english_prompt_states_the_rules() -> None:
    user = prompts.build_messages(task("multiple_choice"))[1].content
    for rule in (
        "ONLY the module content",
        "VERBATIM",
        "explanation",
        "all of the above",
        "plausible",
    ):
        assert rule in user


def test_difficulty_instructions_and_avoid_list_come_after_the_content() -> None:
    user = prompts.build_messages(
        task(
            "true_false",
            difficulty="easy",
            instructions="Focus on the nucleus.",
            avoid=("Cells have walls.",),
        )
    )[1].content
    after = user.split(">>>", 1)[1]
    assert "DIFFICULTY: easy" in after
    assert "Focus on the nucleus." in after
    assert "* Cells have walls." in after


def test_norwegian_prompt_is_in_norwegian() -> None:
    messages = prompts.build_messages(task("matching", language="no"))
    assert "Du lager quizspørsmål" in messages[0].content
    assert "norsk" in messages[1].content
    assert "nøyaktig 4" in prompts.top_up(4, "no").content


def test_corrections_carry_the_errors_and_the_missing_count() -> None:
    assert (
        "Expecting value at line 1" in prompts.json_correction("Expecting value at line 1").content
    )
    message = prompts.validation_correction(
        [(2, [Problem("quote_not_found", "source_quote is not verbatim")])], 2
    )
    assert "question 2: quote_not_found" in message.content
    assert "exactly 2" in message.content
    assert "exactly 3" in prompts.top_up(3).content


def test_unknown_language_falls_back_to_english() -> None:
    assert "TASK:" in prompts.build_messages(task("matching", language="de"))[1].content


def test_templates_ship_as_package_data_and_load_from_the_built_package(tmp_path: Path) -> None:
    """Build the package as setuptools installs it (build_py, from pyproject.toml's package
    data), then build prompts for every type and language with quizgen imported from there."""
    build = tmp_path / "build"
    builder = (
        "import sys\n"
        "from setuptools.dist import Distribution\n"
        "from setuptools.config.pyprojecttoml import apply_configuration\n"
        "dist = Distribution({'script_name': 'setup.py'})\n"
        "apply_configuration(dist, 'pyproject.toml')\n"
        "dist.script_args = ['-q', 'build_py', '--build-lib', sys.argv[1]]\n"
        "dist.parse_command_line()\n"
        "dist.run_commands()\n"
    )
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", builder, str(build)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for language in prompts.LANGUAGES:
        for name in ("common", *REGISTRY):
            assert (
                build / "quizgen" / "generation" / "prompts" / language / f"{name}.txt"
            ).is_file()
    script = (  # noqa: UP031 - the script's own braces would clash with str.format
        "import quizgen, quizgen.generation.prompts as p\n"
        "from quizgen.llm.base import GenerationTask\n"
        "assert quizgen.__file__.startswith(%r), quizgen.__file__\n"
        "for lang in p.LANGUAGES:\n"
        "    for t in %r:\n"
        "        m = p.build_messages(GenerationTask('q', 'k', 'm', 'M', t, 2, lang, 'Text.'))\n"
        "        assert t in m[1].content\n"
        "print('ok')\n"
    ) % (str(build), sorted(REGISTRY))
    env = {**os.environ, "PYTHONPATH": str(build)}
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert ran.stdout.strip() == "ok", ran.stderr
