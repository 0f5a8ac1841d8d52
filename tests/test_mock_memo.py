"""The capacity count keeps what it wrote for each batch's first ask (`llm/mock/memo.py`): the
first ask takes it instead of reading the text again, and writes exactly what it would have."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quizgen.llm.mock import capacity_warnings, generate_questions, memo, planning
from quizgen.llm.mock.capacity import batch_capacity
from quizgen.llm.mock.reading import usable_sentences

CONTENT = (Path(__file__).resolve().parents[1] / "examples/biology/content/cells.md").read_text(
    encoding="utf-8"
)
BATCHES = (
    ("b-mc", "multiple_choice", 20),
    ("b-tf", "true_false", 20),
    ("b-fib", "fill_in_blank", 20),
    ("b-match", "matching", 20),
)
TOPIC = "Cells"


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    memo.clear()
    yield
    memo.clear()


def fresh(key: str, qtype: str, count: int, avoid: list[str]) -> list[dict]:
    """What the batch writes from the text, with nothing kept."""
    memo.clear()
    return generate_questions(
        CONTENT, qtype, count, key, avoid=avoid, module_batches=BATCHES, topic=TOPIC
    )


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Batches whose questions `planning` writes from the text from now on."""
    found: list[str] = []
    real = planning.candidates

    def counted(content: str, qtype: str, batch_key: str, *rest):  # type: ignore[no-untyped-def]
        found.append(batch_key)
        return real(content, qtype, batch_key, *rest)

    monkeypatch.setattr(planning, "candidates", counted)
    return found


def test_the_capacity_count_is_one_that_runs_for_this_module() -> None:
    asked = sum(count for _k, _t, count in BATCHES)
    assert asked > 0.5 * usable_sentences(CONTENT)  # else create's check counts nothing


def test_a_first_ask_takes_what_the_count_wrote_without_reading_the_text(
    writes: list[str],
) -> None:
    expected = {key: fresh(key, kind, count, []) for key, kind, count in BATCHES}
    writes.clear()
    assert capacity_warnings({"cells": (TOPIC, CONTENT, BATCHES)}) == []
    counted = len(writes)
    assert counted == len(BATCHES)
    for key, kind, count in BATCHES:
        got = generate_questions(CONTENT, kind, count, key, module_batches=BATCHES, topic=TOPIC)
        assert got == expected[key]
    assert len(writes) == counted  # no batch wrote its questions again


def test_a_kept_batch_is_taken_once(writes: list[str]) -> None:
    key, kind, count = BATCHES[0]
    capacity_warnings({"cells": (TOPIC, CONTENT, BATCHES)})
    first = generate_questions(CONTENT, kind, count, key, module_batches=BATCHES, topic=TOPIC)
    before = len(writes)
    again = generate_questions(CONTENT, kind, count, key, module_batches=BATCHES, topic=TOPIC)
    assert again == first
    assert len(writes) == before + 1  # written from the text this time


def test_an_avoid_list_that_skips_kept_questions_goes_on_past_them() -> None:
    """The module's other batches' questions (what `create` passes as avoid) skip some of the
    kept ones; the ask then writes further, exactly as it would have from the text."""
    key, kind, count = BATCHES[2]
    own = fresh(key, kind, count, [])
    avoid = [q["question_text"] for q in own[:5]] + [
        q["question_text"] for q in fresh(BATCHES[0][0], BATCHES[0][1], 20, [])
    ]
    expected = fresh(key, kind, count, avoid)
    memo.clear()
    capacity_warnings({"cells": (TOPIC, CONTENT, BATCHES)})
    got = generate_questions(
        CONTENT, kind, count, key, avoid=avoid, module_batches=BATCHES, topic=TOPIC
    )
    assert got == expected
    assert not {q["question_text"] for q in own[:5]} & {q["question_text"] for q in got}


def test_nothing_is_kept_past_the_bound(monkeypatch: pytest.MonkeyPatch, writes: list[str]) -> None:
    monkeypatch.setattr(memo, "MAX_BYTES", 1)
    key, kind, count = BATCHES[1]
    expected = fresh(key, kind, count, [])
    capacity_warnings({"cells": (TOPIC, CONTENT, BATCHES)})
    before = len(writes)
    got = generate_questions(CONTENT, kind, count, key, module_batches=BATCHES, topic=TOPIC)
    assert got == expected
    assert len(writes) == before + 1


def test_counting_for_suggest_keeps_nothing(writes: list[str]) -> None:
    key, kind, count = BATCHES[0]
    assert batch_capacity(CONTENT, BATCHES, key, TOPIC) == count
    before = len(writes)
    generate_questions(CONTENT, kind, count, key, module_batches=BATCHES, topic=TOPIC)
    assert len(writes) == before + 1
