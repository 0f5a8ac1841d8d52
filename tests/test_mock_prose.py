"""The offline mock on ordinary prose: the plain-notes corpus in tests/fixtures/prose.

The notes there have no bold terms and no "X is the Y that …" definitions; the mock must still
write every question type from them, the same answer for the same task, and batches of one
module must not test one sentence twice. What reaches review is screened by the pipeline like
any model's answers; these tests measure what passes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import anyio
import pytest

from quizgen.content.sources import read_module_texts
from quizgen.llm.base import GenerationTask, LLMRequest, Message
from quizgen.llm.mock import MockAdapter, generate_questions
from quizgen.spec import load_spec
from quizgen.store import Store
from tests.conftest import invoke_json

PROSE = Path(__file__).resolve().parent / "fixtures" / "prose"
TYPES = (
    "multiple_choice",
    "multiple_answer",
    "true_false",
    "fill_in_blank",
    "matching",
    "categorization",
)


@pytest.fixture
def appendix(tmp_path: Path) -> Path:
    target = tmp_path / "prose"
    shutil.copytree(PROSE, target)
    return target / "appendix.toml"


def module_texts(spec: Path) -> dict[str, str]:
    return {m: t.content.text for m, t in read_module_texts(load_spec(spec), None).items()}


def reviewed(db_path: Path, quiz_id: str) -> list[dict]:
    store = Store.open(db_path)
    try:
        return [
            {**q.data, "_batch": q.batch_key, "_module": q.module_id}
            for q in store.questions(quiz_id)
        ]
    finally:
        store.close()


def test_appendix_flow_fills_all_55_questions_on_the_mock(
    cli, appendix: Path, db_path: Path
) -> None:
    code, doc = invoke_json(cli, "create", str(appendix))
    assert code == 0, doc["batches"]
    assert doc["totals"]["questions"] == doc["totals"]["target"] == 55
    assert doc["totals"]["succeeded"] == 6
    texts = module_texts(appendix)
    for question in reviewed(db_path, doc["quiz"]["id"]):
        assert question["source_quote"] in texts[question["_module"]]


def test_concurrent_batches_of_a_module_test_different_sentences(
    cli, appendix: Path, db_path: Path
) -> None:
    code, doc = invoke_json(cli, "create", str(appendix))
    assert code == 0
    questions = reviewed(db_path, doc["quiz"]["id"])
    quotes = {}
    for question in questions:
        if question["_module"] == "tectonics":
            quotes.setdefault(question["_batch"], set()).add(question["source_quote"])
    multiple_choice, fill_in = quotes.values()
    assert not multiple_choice & fill_in


def task(content: str, question_type: str = "true_false", count: int = 10) -> GenerationTask:
    return GenerationTask(
        quiz_id="q1",
        batch_key=f"rome_{question_type}_{count}",
        module_id="rome",
        module_name="The Roman Republic",
        question_type=question_type,
        count=count,
        language="en",
        content=content,
        module_batches=((f"rome_{question_type}_{count}", question_type, count),),
    )


def request(task: GenerationTask) -> LLMRequest:
    return LLMRequest(task, (Message("user", task.content),), json_schema={})


@pytest.mark.anyio
@pytest.mark.parametrize("question_type", TYPES)
async def test_same_task_gets_the_same_answer(question_type: str) -> None:
    content = (PROSE / "roman_republic.txt").read_text(encoding="utf-8")
    first = await MockAdapter().complete(request(task(content, question_type, 3)))
    second = await MockAdapter().complete(request(task(content, question_type, 3)))
    assert first.text == second.text
    assert len(json.loads(first.text)["questions"]) == 3


@pytest.mark.anyio
async def test_54_identical_tasks_at_once_get_one_answer() -> None:
    """No memory of what was served: concurrent identical tasks cannot answer differently."""
    content = (PROSE / "water_cycle.md").read_text(encoding="utf-8")
    adapter = MockAdapter(latency=0.001)
    answers: list[str] = []

    async def ask() -> None:
        answers.append((await adapter.complete(request(task(content, "true_false", 8)))).text)

    async with anyio.create_task_group() as group:
        for _ in range(54):
            group.start_soon(ask)
    assert len(answers) == 54 and len(set(answers)) == 1


@pytest.mark.parametrize("name", ["plate_tectonics.txt", "water_cycle.md", "networks.txt"])
@pytest.mark.parametrize("question_type", TYPES)
def test_every_type_from_plain_prose_quotes_exact_spans(name: str, question_type: str) -> None:
    content = (PROSE / name).read_text(encoding="utf-8")
    questions = generate_questions(content, question_type, 3, f"{name}_{question_type}")
    assert len(questions) == 3
    for question in questions:
        assert question["source_quote"] in content
        assert question["explanation"]


def test_the_mock_does_not_import_quizgens_checks() -> None:
    """It is a model: its answers are screened by the pipeline, never pre-screened by it."""
    package = Path(__file__).resolve().parents[1] / "quizgen" / "llm" / "mock"
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for checker in ("integrity", "grounding", "citations", "questions", "checking"):
            assert f"quizgen.{checker}" not in source, (path.name, checker)
            assert f"from quizgen import {checker}" not in source, (path.name, checker)
