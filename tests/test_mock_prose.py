"""The offline mock on ordinary prose: the plain-notes corpus in tests/fixtures/prose.

The notes there have no bold terms and no "X is the Y that …" definitions; the mock must still
write every question type from them (ordering only from notes that state an order: the Roman
Republic's dated events; see tests/test_mock_ordering.py), the same answer for the same task,
and batches of one module must not test one sentence twice. What reaches review is screened by
the pipeline like any model's answers; these tests measure what passes.
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
from quizgen.questions import REGISTRY
from quizgen.spec import load_spec
from quizgen.store import Store
from tests.conftest import invoke_json

PROSE = Path(__file__).resolve().parent / "fixtures" / "prose"
TYPES = tuple(REGISTRY)


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
@pytest.mark.parametrize("question_type", [name for name in TYPES if name != "ordering"])
def test_every_type_from_plain_prose_quotes_exact_spans(name: str, question_type: str) -> None:
    content = (PROSE / name).read_text(encoding="utf-8")
    count = 2 if question_type == "numeric" else 3  # the water cycle notes write two numbers
    questions = generate_questions(content, question_type, count, f"{name}_{question_type}")
    assert len(questions) == count
    for question in questions:
        assert question["source_quote"] in content
        assert question["explanation"]


def test_the_mock_does_not_import_quizgens_checks() -> None:
    """It is a model: its answers are screened by the pipeline, never pre-screened by it."""
    package = Path(__file__).resolve().parents[1] / "quizgen" / "llm" / "mock"
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for checker in ("checks", "questions"):
            assert f"quizgen.{checker}" not in source, (path.name, checker)
            assert f"from quizgen import {checker}" not in source, (path.name, checker)


# -- the whole corpus, through the pipeline (bench/bench_prose.py measures the same runs) -------


@pytest.fixture(scope="module")
def corpus_runs():
    from bench.bench_prose import measure

    return measure()


def test_corpus_fills_at_least_95_percent_up_to_one_and_a_half_questions_per_sentence(
    corpus_runs,
) -> None:
    assert all(run.asked <= 1.5 * run.sentences for run in corpus_runs)
    asked = sum(run.asked for run in corpus_runs)
    filled = sum(run.filled for run in corpus_runs)
    assert asked > 1000
    assert filled / asked >= 0.95, (filled, asked)
    # Every type gets a fair share of its count, not just the easy ones (ordering, which needs
    # an order the text states, is measured in tests/test_mock_ordering.py).
    for question_type in {run.question_type for run in corpus_runs}:
        mine = [r for r in corpus_runs if r.question_type == question_type]
        assert sum(r.filled for r in mine) / sum(r.asked for r in mine) >= 0.85, question_type


def test_no_give_away_pairs_reach_review(corpus_runs, cli, appendix: Path, db_path: Path) -> None:
    from tests.prose_checks import give_away_pairs

    for run in corpus_runs:
        assert give_away_pairs(list(run.questions)) == [], (run.module, run.question_type)
    code, doc = invoke_json(cli, "create", str(appendix))
    assert code == 0
    assert give_away_pairs(reviewed(db_path, doc["quiz"]["id"])) == []


def test_no_true_false_statement_contradicts_itself(corpus_runs) -> None:
    from tests.prose_checks import contradicts_itself

    statements = [q for run in corpus_runs for q in run.questions if "correct_answer" in q]
    assert sum(not q["correct_answer"] for q in statements) > 50
    for question in statements:
        assert not contradicts_itself(question["question_text"], question["source_quote"])


def test_the_review_checks_catch_what_they_look_for() -> None:
    """The two readings above would catch the flaws they exist for (so their silence counts)."""
    from tests.prose_checks import contradicts_itself, give_away_pairs

    quote = "The Mid-Atlantic Ridge is a divergent boundary that runs down the Atlantic Ocean."
    assert contradicts_itself("The convergent boundary is a divergent boundary.", quote)
    assert not contradicts_itself("The Mid-Atlantic Ridge is a convergent boundary.", quote)
    fill_in = {
        "question_text": "Alfred Wegener proposed the idea of continental drift in [blank_1].",
        "blanks": [{"position": 1, "answers": ["1912"]}],
    }
    statement = {
        "question_text": "Alfred Wegener proposed the idea of continental drift in 1912.",
        "correct_answer": True,
    }
    other = {
        "question_text": "The Andes formed where the Nazca Plate sinks.",
        "correct_answer": True,
    }
    assert give_away_pairs([fill_in, statement]) == [
        (fill_in["question_text"], statement["question_text"])
    ]
    assert give_away_pairs([fill_in, other]) == []


# -- capacity, said before any call ---------------------------------------------------------

TOO_MUCH = """\
title = "Too much from one page"
[llm]
provider = "{provider}"
[modules.water]
name = "The Water Cycle"
sources = ["water_cycle.md"]
question_batches = [
  {{ question_type = "true_false", count = 20 }},
  {{ question_type = "fill_in_blank", count = 20 }},
]
"""
CAPACITY = (
    r"module 'water' has 14 usable sentences; the offline mock can write about (\d+) distinct "
    r"questions from it, the spec asks for 40"
)


def test_validate_says_when_the_mock_cannot_fill_a_module(cli, appendix: Path) -> None:
    import re

    from tests.conftest import invoke

    spec = appendix.parent / "too_much.toml"
    spec.write_text(TOO_MUCH.format(provider="mock"), encoding="utf-8")
    code, out, err = invoke(cli, "validate", str(spec))
    assert code == 0, out + err  # a warning: the spec is valid and the run may go on
    found = re.search(CAPACITY, err)
    assert found is not None, err
    assert 14 <= int(found.group(1)) < 40  # one question per fact at least, not 40
    code, doc = invoke_json(cli, "validate", str(spec))
    assert code == 0 and len(doc["warnings"]) == 1
    assert re.fullmatch(CAPACITY, doc["warnings"][0])
    # What the mock can fill draws no warning; nor does a real model's spec.
    code, doc = invoke_json(cli, "validate", str(appendix))
    assert code == 0 and doc["warnings"] == []
    spec.write_text(TOO_MUCH.format(provider="openai"), encoding="utf-8")
    code, doc = invoke_json(cli, "validate", str(spec))
    assert code == 0 and doc["warnings"] == []


def test_create_says_it_before_any_call_and_fills_what_it_said(cli, appendix: Path) -> None:
    import re

    from tests.conftest import invoke

    spec = appendix.parent / "too_much.toml"
    spec.write_text(TOO_MUCH.format(provider="mock"), encoding="utf-8")
    code, out, err = invoke(cli, "create", str(spec), "--json")
    found = re.search(CAPACITY, err)
    assert found is not None, err
    doc = json.loads(out)
    assert code == (0 if doc["totals"]["questions"] == 40 else 1)
    # The estimate is what the mock will write: one question per fact, no two single-fact
    # questions on one fact (the pipeline would refuse the second as a give-away).
    assert doc["totals"]["questions"] >= int(found.group(1)) - 2
    rejected = [b["rejected_count"] for b in doc["batches"] if b["rejected_count"]]
    assert not rejected, doc["batches"]
    assert "the model gave 0" not in out + err
