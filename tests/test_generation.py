"""The generation loop against a scripted adapter: corrections, partials, leases, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.content import Section, assemble
from quizgen.errors import ProviderError, StoreError
from quizgen.generation.answers import AnswerFormatError, parse_answer
from quizgen.generation.run import generate
from quizgen.models import BatchStatus, PlannedBatch, QuizStatus, batch_key
from quizgen.questions import question_type
from quizgen.store import NewModule, Store
from tests.fakes.scripted_llm import (
    ScriptedAdapter,
    answer,
    content,
    fact,
    numbered_true_false,
    tf_question,
)

pytestmark = pytest.mark.anyio

STORED_SPEC = {
    "title": "Quiz",
    "modules": {
        "cells": {
            "name": "Cells",
            "question_batches": [{"question_type": "true_false", "count": 1}],
        }
    },
}
"""A valid spec snapshot: generation reads it back through the spec model."""


def make_quiz(store: Store, counts: dict[str, int], modules: tuple[str, ...] = ("cells",)):
    text = assemble([Section("cells.md", content())])
    return store.create_quiz(
        title="Quiz",
        language="en",
        provider="scripted",
        model="scripted-1",
        spec_path="spec.toml",
        spec=STORED_SPEC,
        modules=[
            NewModule(
                m,
                m.title(),
                text.text,
                text.sha256,
                [{"source": "cells.md", "start": 0, "end": len(text.text)}],
                [],
            )
            for m in modules
        ],
        batches=[
            PlannedBatch(batch_key(m, "true_false", n), m, "true_false", n, None)
            for m in modules
            for _, n in counts.items()
        ][: len(counts) * len(modules)],
    )


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path / "gen.db")
    yield opened
    opened.close()


def one_batch(store: Store, count: int):
    quiz = make_quiz(store, {"tf": count})
    return quiz, batch_key("cells", "true_false", count)


async def test_valid_answer_fills_batch_and_records_the_call(store: Store) -> None:
    quiz, key = one_batch(store, 3)
    adapter = ScriptedAdapter({key: [answer([tf_question(i) for i in (1, 2, 3)])]})
    report = await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert report.complete and batch.status == BatchStatus.SUCCEEDED
    assert batch.generated_count == 3 and batch.attempts == 1 and batch.calls == 1
    assert batch.input_tokens == 100 and batch.cached_tokens == 10
    questions = store.questions(quiz.id)
    assert [q.position for q in questions] == [1, 2, 3]
    assert questions[0].citation == {"source": "cells.md", "start": 0, "end": len(fact(1))}
    assert store.quiz(quiz.id).status == QuizStatus.READY_FOR_REVIEW
    [call] = store.llm_calls(quiz.id)
    assert call["error"] is None and "<module content:" in call["prompt"]
    assert content() not in call["prompt"], "the module content is stored once, not per call"


async def test_a_failing_preload_of_the_checks_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks are imported beside the first asks (start-up); if that helper fails, the run
    does not: the first answer imports them itself."""
    import quizgen.generation.run as run

    def broken() -> None:
        raise RuntimeError("preload failed")

    monkeypatch.setattr(run, "load_answer_checks", broken)
    quiz, key = one_batch(store, 2)
    adapter = ScriptedAdapter({key: [answer([tf_question(i) for i in (1, 2)])]})
    report = await generate(store, quiz, adapter)
    assert report.complete and len(store.questions(quiz.id)) == 2


async def test_the_kept_rows_are_let_go_once_the_screen_is_built(store: Store) -> None:
    """A retry seeds its screen from every kept question's stored data, built at the first
    answer; the rows themselves are not held for the rest of the run (the screen keeps what
    it needs), as they were not when the screen was built before the first ask."""
    from quizgen.generation.context import RunContext

    quiz, key = one_batch(store, 2)
    adapter = ScriptedAdapter({key: [answer([tf_question(i) for i in (1, 2)])]})
    await generate(store, quiz, adapter)
    ctx = RunContext.load(store, None, quiz, adapter, "run-2")  # type: ignore[arg-type]
    assert len(ctx.kept) == 2
    screen = ctx.screen
    assert ctx.kept == [] and ctx.screen is screen
    again = screen.screen(question_type("true_false"), tf_question(1), ctx.contents["cells"])
    assert "duplicate_question" in [problem.code for problem in again.problems]


async def test_malformed_json_is_sent_back_and_corrected(store: Store) -> None:
    quiz, key = one_batch(store, 2)
    adapter = ScriptedAdapter({key: ['{"questions": [', answer([tf_question(1), tf_question(2)])]})
    await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert batch.status == BatchStatus.SUCCEEDED and batch.calls == 2
    correction = adapter.asked(key)[1].messages[-1].content
    assert "not valid JSON" in correction and "line 1" in correction
    calls = store.llm_calls(quiz.id)
    assert calls[0]["error"].startswith("malformed answer")


async def test_json_corrections_are_bounded(store: Store) -> None:
    quiz, key = one_batch(store, 2)
    adapter = ScriptedAdapter({key: ["nope"] * 10})
    await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert batch.status == BatchStatus.FAILED
    assert len(adapter.asked(key)) == 4
    assert batch.last_error.startswith("malformed answer after 3 corrections")


async def test_invalid_questions_are_rejected_with_reasons_and_only_they_are_asked_again(
    store: Store,
) -> None:
    quiz, key = one_batch(store, 4)
    bad_quote = tf_question(3, quote="Fact 3 states that organelle 3 kills the cell.")
    question_form = tf_question(4, text="Is organelle 4 what keeps the cell alive?")
    first = answer([tf_question(1), tf_question(2), bad_quote, question_form])
    adapter = ScriptedAdapter({key: [first, answer([tf_question(5), tf_question(6)])]})
    await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert batch.status == BatchStatus.SUCCEEDED and batch.generated_count == 4
    assert batch.rejected_count == 2
    second = adapter.asked(key)[1]
    assert second.task.count == 2
    assert "quote_not_found" in second.messages[-1].content
    assert "not_a_statement" in second.messages[-1].content
    rejected = store.questions(quiz.id, include_rejected=True)
    reasons = {tuple(q.rejection_reasons) for q in rejected if q.rejection_reasons}
    assert reasons == {("quote_not_found",), ("not_a_statement",)}
    assert len(store.questions(quiz.id)) == 4


async def test_repeat_of_a_question_in_another_batch_is_rejected(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2}, modules=("cells", "genes"))
    adapter = ScriptedAdapter(
        {
            "cells_true_false_2": [answer([tf_question(1), tf_question(2)])],
            "genes_true_false_2": [
                answer([tf_question(1), tf_question(3)]),
                answer([tf_question(4)]),
            ],
        },
        delay=0,
    )
    await generate(store, quiz, adapter, concurrency=1)
    rejected = [q for q in store.questions(quiz.id, include_rejected=True) if q.rejection_reasons]
    assert [q.rejection_reasons for q in rejected] == [["duplicate_question"]]
    assert all(b.status == BatchStatus.SUCCEEDED for b in store.batches(quiz.id))


async def test_more_questions_than_asked_are_kept_as_surplus_not_counted(store: Store) -> None:
    quiz, key = one_batch(store, 2)
    adapter = ScriptedAdapter({key: [answer([tf_question(i) for i in (1, 2, 3)])]})
    await generate(store, quiz, adapter)
    assert len(store.questions(quiz.id)) == 2
    [extra] = [q for q in store.questions(quiz.id, include_rejected=True) if q.rejection_reasons]
    assert extra.rejection_reasons == ["surplus"]


async def test_provider_failure_keeps_questions_and_marks_partial(store: Store) -> None:
    quiz, key = one_batch(store, 4)
    adapter = ScriptedAdapter(
        {key: [answer([tf_question(1), tf_question(2)]), ProviderError("server said 500")]}
    )
    report = await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert not report.complete
    assert batch.status == BatchStatus.PARTIAL and batch.generated_count == 2
    assert batch.last_error == "server said 500"
    assert store.quiz(quiz.id).status == QuizStatus.READY_FOR_REVIEW_PARTIAL


async def test_retry_asks_only_for_missing_and_keeps_existing_ids(store: Store) -> None:
    quiz, key = one_batch(store, 4)
    first = ScriptedAdapter({key: [answer([tf_question(1), tf_question(2)]), ProviderError("x")]})
    await generate(store, quiz, first)
    kept = [q.id for q in store.questions(quiz.id)]
    second = ScriptedAdapter(fallback=numbered_true_false(10))
    await generate(store, quiz, second)
    [request] = second.requests
    assert request.task.count == 2
    assert set(request.task.avoid) >= {tf_question(1)["question_text"]}
    questions = store.questions(quiz.id)
    assert [q.id for q in questions][:2] == kept
    assert [q.position for q in questions] == [1, 2, 3, 4]
    assert store.batches(quiz.id)[0].status == BatchStatus.SUCCEEDED
    assert store.batches(quiz.id)[0].attempts == 2


async def test_short_answers_are_topped_up_then_end_partial(store: Store) -> None:
    quiz, key = one_batch(store, 10)
    adapter = ScriptedAdapter({key: [answer([tf_question(i)]) for i in range(1, 10)]})
    await generate(store, quiz, adapter)
    [batch] = store.batches(quiz.id)
    assert batch.status == BatchStatus.PARTIAL and batch.generated_count == 4
    assert [r.task.count for r in adapter.asked(key)] == [10, 9, 8, 7]
    assert "fewer questions than asked" in adapter.asked(key)[1].messages[-1].content


async def test_one_failing_batch_never_cancels_the_others(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2}, modules=("a", "b", "c"))
    adapter = ScriptedAdapter(
        {"b_true_false_2": [ProviderError("boom")]}, fallback=numbered_true_false(1), delay=0.01
    )
    await generate(store, quiz, adapter)
    statuses = {b.key: b.status for b in store.batches(quiz.id)}
    assert statuses == {
        "a_true_false_2": BatchStatus.SUCCEEDED,
        "b_true_false_2": BatchStatus.FAILED,
        "c_true_false_2": BatchStatus.SUCCEEDED,
    }


async def test_an_unexpected_error_is_stored_in_one_line_without_a_key(store: Store) -> None:
    """A bug's message may carry what it was handed, an API key included; `last_error` is
    stored and shown, so it gets the same masking as every provider error."""
    quiz, key = one_batch(store, 2)
    leaked = RuntimeError("request failed:\n  header Authorization: Bearer sk-proj-ABCDEF123456")
    await generate(store, quiz, ScriptedAdapter({key: [leaked]}))
    [batch] = store.batches(quiz.id)
    assert batch.status == BatchStatus.FAILED
    masked = "RuntimeError: request failed: header Authorization: Bearer sk-pro***"
    assert batch.last_error == masked
    dump = "\n".join(store.db.conn.iterdump())
    assert "ABCDEF123456" not in dump


async def test_llm_calls_in_flight_never_exceed_the_limit(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 1}, modules=tuple(f"m{i}" for i in range(12)))
    adapter = ScriptedAdapter(fallback=numbered_true_false(1), delay=0.02)
    await generate(store, quiz, adapter, concurrency=3)
    assert adapter.peak_in_flight == 3
    assert all(b.status == BatchStatus.SUCCEEDED for b in store.batches(quiz.id))


async def test_succeeded_batches_are_never_claimed_again(store: Store) -> None:
    quiz, key = one_batch(store, 1)
    await generate(store, quiz, ScriptedAdapter({key: [answer([tf_question(1)])]}))
    again = ScriptedAdapter(fallback=numbered_true_false(5))
    report = await generate(store, quiz, again)
    assert again.requests == [] and report.outcomes == [] and report.complete


def test_a_lost_lease_refuses_writes(store: Store) -> None:
    quiz, key = one_batch(store, 2)
    claimed, _ = store.claim_batches(quiz.id, "run-a")
    assert [b.key for b in claimed] == [key]
    store.claim_batches(quiz.id, "run-b", force=True)
    with pytest.raises(StoreError, match="taken over"):
        store.record_progress(
            quiz.id,
            key,
            "run-a",
            accepted=[],
            rejected=[],
            call=None,
            module_id="cells",
            question_type="true_false",
        )


def test_running_batch_of_a_live_process_is_left_alone(store: Store) -> None:
    import subprocess
    import sys

    quiz, key = one_batch(store, 2)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            store.db.conn.execute(
                "UPDATE batches SET status='running', run_id='x', runner_pid=? WHERE key=?",
                (other.pid, key),
            )
            claimed, busy = store.claim_batches(quiz.id, "mine")
            assert claimed == [] and [b.key for b in busy] == [key]
        finally:
            other.kill()
    other.wait()
    claimed, busy = store.claim_batches(quiz.id, "mine")
    assert [b.key for b in claimed] == [key] and busy == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ('{"questions": [{"a": 1}]}', 1),
        ('```json\n[{"a": 1}, {"b": 2}]\n```', 2),
    ],
)
def test_parse_answer_accepts_object_list_and_fences(text: str, count: int) -> None:
    assert len(parse_answer(text)) == count


@pytest.mark.parametrize("text", ["", "{", '{"items": []}', "42"])
def test_parse_answer_rejects_other_shapes(text: str) -> None:
    with pytest.raises(AnswerFormatError):
        parse_answer(text)
