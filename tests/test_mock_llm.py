"""The offline mock LLM: deterministic, grounded, valid questions, and injectable failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.errors import ConfigError, ProviderError
from quizgen.llm.base import GenerationTask, LLMRequest, Message
from quizgen.llm.mock import MockAdapter, generate_questions, normalise
from quizgen.questions import REGISTRY

CONTENT = Path(__file__).resolve().parents[1] / "examples" / "biology" / "content"
MODULES = ("cells", "genetics", "ecology")
TYPES = tuple(REGISTRY)
COUNTED = tuple(name for name in TYPES if name not in ("ordering", "numeric"))
"""Types the count tests ask 7 to 20 of per example module. Ordering asks only for an order the
text states, and the example modules state one ("from DNA to RNA to protein"): writing twenty
would mean inventing orders. tests/test_mock_ordering.py fills ordering batches from texts
that state sequences. Numeric asks for a number the text writes: see `SCARCE`."""
SCARCE = {"numeric": 7}
"""Types one question of which needs something a text holds few of (numeric: a number); the
figure is what the smallest example module supports, not twenty."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def content_of(module: str) -> str:
    return (CONTENT / f"{module}.md").read_text(encoding="utf-8")


def request_for(
    module: str = "cells",
    question_type: str = "multiple_choice",
    count: int = 10,
    *,
    avoid: tuple[str, ...] = (),
    attempt: int = 1,
    content: str | None = None,
) -> LLMRequest:
    task = GenerationTask(
        quiz_id="q1",
        batch_key=f"{module}_{question_type}_{count}",
        module_id=module,
        module_name=module.title(),
        question_type=question_type,
        count=count,
        language="en",
        content=content_of(module) if content is None else content,
        avoid=avoid,
    )
    messages = (Message("system", "You write quiz questions."), Message("user", task.content))
    return LLMRequest(task, messages, json_schema={}, attempt=attempt)


async def questions_for(adapter: MockAdapter, request: LLMRequest) -> list[dict]:
    response = await adapter.complete(request)
    return json.loads(response.text)["questions"]


@pytest.mark.anyio
async def test_same_task_gets_the_same_answer() -> None:
    adapter = MockAdapter()
    first = await adapter.complete(request_for("genetics", "matching", 5))
    second = await MockAdapter().complete(request_for("genetics", "matching", 5))
    assert first.text == second.text
    assert (first.model, first.finish_reason) == ("mock-1", "stop")
    assert adapter.provider == "mock"


@pytest.mark.anyio
async def test_different_batches_get_different_orders() -> None:
    adapter = MockAdapter()
    a = await questions_for(adapter, request_for("cells", "true_false", 10))
    b = await questions_for(adapter, request_for("cells", "true_false", 11))
    assert [q["question_text"] for q in a] != [q["question_text"] for q in b[:10]]


@pytest.mark.anyio
@pytest.mark.parametrize("question_type", COUNTED)
async def test_answer_holds_the_requested_count(question_type: str) -> None:
    questions = await questions_for(MockAdapter(), request_for("ecology", question_type, 7))
    assert len(questions) == 7


@pytest.mark.anyio
async def test_short_pattern_gives_half_the_count() -> None:
    adapter = MockAdapter(short=("*_fill_in_blank_*",))
    assert len(await questions_for(adapter, request_for("cells", "fill_in_blank", 10))) == 5
    assert len(await questions_for(adapter, request_for("cells", "fill_in_blank", 1))) == 1
    assert len(await questions_for(adapter, request_for("cells", "matching", 4))) == 4


@pytest.mark.anyio
async def test_fail_pattern_raises_a_transient_provider_error() -> None:
    adapter = MockAdapter(fail=("genetics_*",))
    with pytest.raises(ProviderError) as caught:
        await adapter.complete(request_for("genetics", "true_false", 10))
    assert caught.value.transient
    assert "genetics_true_false_10" in caught.value.message
    assert "QUIZGEN_MOCK_FAIL" in caught.value.message
    assert await questions_for(adapter, request_for("cells", "true_false", 3))


@pytest.mark.anyio
async def test_bad_json_pattern_breaks_only_the_first_attempt() -> None:
    adapter = MockAdapter(bad_json=("*_matching_*",))
    broken = await adapter.complete(request_for("cells", "matching", 5, attempt=1))
    assert broken.finish_reason == "stop"
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    fixed = await adapter.complete(request_for("cells", "matching", 5, attempt=2))
    assert len(json.loads(fixed.text)["questions"]) == 5


@pytest.mark.anyio
@pytest.mark.parametrize("question_type", COUNTED)
async def test_avoid_list_is_respected(question_type: str) -> None:
    adapter = MockAdapter()
    count = min(10, SCARCE.get(question_type, 10))
    first = await questions_for(adapter, request_for("genetics", question_type, count))
    # The generator compares normalised texts: case and punctuation do not hide a repeat.
    avoid = tuple(q["question_text"].upper() + " " for q in first)
    second = await questions_for(
        adapter, request_for("genetics", question_type, count, avoid=avoid)
    )
    assert len(second) == count
    taken = {normalise(q["question_text"]) for q in first}
    assert not taken & {normalise(q["question_text"]) for q in second}


def test_content_that_runs_out_gives_fewer_questions_never_padding() -> None:
    content = (
        "# Tiny\n\n## Organelles\n\n"
        "The **mitochondrion** is the organelle that produces most of the cell's ATP.\n"
    )
    questions = generate_questions(content, "fill_in_blank", 20, "tiny_fill_in_blank_20")
    assert 1 <= len(questions) < 20
    assert len({normalise(q["question_text"]) for q in questions}) == len(questions)
    assert generate_questions("", "multiple_choice", 5, "empty_multiple_choice_5") == []


@pytest.mark.anyio
async def test_unknown_question_type_is_refused() -> None:
    with pytest.raises(ProviderError, match="unsupported question type"):
        await MockAdapter().complete(request_for("cells", "file_upload", 3))


@pytest.mark.anyio
async def test_usage_estimates_tokens_from_characters() -> None:
    request = request_for("cells", "multiple_choice", 3)
    response = await MockAdapter().complete(request)
    prompt_chars = sum(len(m.content) for m in request.messages)
    assert response.usage.input_tokens == prompt_chars // 4
    assert response.usage.output_tokens == len(response.text) // 4


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("question_type", COUNTED)
def test_each_example_module_offers_twenty_distinct_grounded_questions(
    module: str, question_type: str
) -> None:
    content = content_of(module)
    questions = generate_questions(content, question_type, 20, f"{module}_{question_type}_20")
    assert len(questions) == 20
    assert len({normalise(q["question_text"]) for q in questions}) == 20
    for question in questions:
        assert question["source_quote"] in content
        assert len(question["source_quote"]) <= 300
        assert question["explanation"]


@pytest.mark.parametrize("module", MODULES)
def test_numeric_questions_ask_the_numbers_the_text_writes(module: str) -> None:
    content = content_of(module)
    questions = generate_questions(content, "numeric", 20, f"{module}_numeric_20")
    assert len(questions) >= SCARCE["numeric"]
    assert len({normalise(q["question_text"]) for q in questions}) == len(questions)
    for question in questions:
        assert question["source_quote"] in content and "____" in question["question_text"]
        assert question["range"] is None and question["margin"] >= 0


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("question_type", TYPES)
def test_generated_questions_pass_their_type_checks(module: str, question_type: str) -> None:
    registry = pytest.importorskip("quizgen.questions").REGISTRY
    questions = generate_questions(
        content_of(module), question_type, 20, f"{module}_{question_type}_20"
    )
    for question in questions:
        _parsed, problems = registry[question_type].parse(question)
        assert problems == [], (question, problems)


def test_true_false_mixes_true_and_false_statements() -> None:
    for module in MODULES:
        questions = generate_questions(content_of(module), "true_false", 20, f"{module}_tf_20")
        truths = sum(q["correct_answer"] for q in questions)
        assert 8 <= truths <= 12
        assert not any(q["question_text"].endswith("?") for q in questions)


def test_from_env_reads_latency_and_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZGEN_MOCK_LATENCY", "0.25")
    monkeypatch.setenv("QUIZGEN_MOCK_FAIL", "*_matching_*, cells_*")
    monkeypatch.setenv("QUIZGEN_MOCK_SHORT", "")
    monkeypatch.setenv("QUIZGEN_MOCK_BAD_JSON", "x")
    adapter = MockAdapter.from_env()
    assert adapter.latency == 0.25
    assert adapter.fail == ("*_matching_*", "cells_*")
    assert adapter.short == ()
    assert adapter.bad_json == ("x",)
    monkeypatch.delenv("QUIZGEN_MOCK_LATENCY")
    assert MockAdapter.from_env().latency == 0.05


@pytest.mark.parametrize("value", ["fast", "-1", "nan"])
def test_from_env_rejects_a_bad_latency(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("QUIZGEN_MOCK_LATENCY", value)
    with pytest.raises(ConfigError, match="QUIZGEN_MOCK_LATENCY"):
        MockAdapter.from_env()
