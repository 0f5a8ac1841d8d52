"""`--verify`: an independent LLM call answers each question from its quote alone, without the key.

Why: the grounding checks compare words; they cannot tell that a quote supports option b when
the key says c in different words. A second reading by a model that never saw the key can. A
disagreement does not reject the question — the verifier can be wrong too — it flags it
`key_disputed`, so the instructor looks at it first.

Cost: one extra LLM call per `VERIFY_BATCH_SIZE` questions of the four keyed types (multiple
choice, multiple answer, true/false, fill in the blank); matching, categorization, ordering,
numeric and essay are not verified. A call carries only the quotes and questions, never the module
content, so it is small. The call is recorded in `llm_calls` under the question's batch and
counted in its tokens.

How an answer is compared with the key:
- multiple choice: the letter picked must be the correct one;
- multiple answer: the letters picked must include at least one correct option and no wrong
  one (a quote of one or two sentences may support only part of a 2–4-option key);
- true/false: "true" or "false" must equal the key;
- fill in the blank: each blank's answer must equal one accepted answer, ignoring case, spacing
  and punctuation;
- "?" (the quote does not say) is a disagreement; a question the verifier skipped is not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import partial
from string import ascii_lowercase
from typing import Any

import anyio

from quizgen.checks.screen import GROUNDED_TYPES, KEY_DISPUTED
from quizgen.errors import ProviderError
from quizgen.llm.base import (
    LLMAdapter,
    LLMRequest,
    LLMResponse,
    Message,
    VerificationItem,
    VerificationTask,
)
from quizgen.models import QuestionRecord
from quizgen.questions import checks
from quizgen.store import LLMCallRecord, record_verification_tx
from quizgen.store.writer import StoreWriter

VERIFY_BATCH_SIZE = 10
UNKNOWN = "?"

SYSTEM = (
    "You check quiz questions. For each question you get a passage and the question, but not "
    "the answer key. Answer each question using ONLY its passage, never outside knowledge. If "
    f'the passage does not let you answer, answer ["{UNKNOWN}"]. You answer with JSON only.'
)

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "number": {"type": "integer"},
                    "answer": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["number", "answer"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["answers"],
    "additionalProperties": False,
}

_HOW = {
    "multiple_choice": "give the letter of the one correct option",
    "multiple_answer": "give the letters of every correct option",
    "true_false": 'give "true" or "false"',
    "fill_in_blank": "give the missing word(s) for each [blank_N], in order, one string each",
}


def verification_item(number: int, record: QuestionRecord) -> VerificationItem | None:
    """What the verifier sees of a stored question; None for types that are not verified."""
    if record.question_type not in GROUNDED_TYPES:
        return None
    data = record.data
    options = tuple(str(o.get("text", "")) for o in data.get("options", ()))
    return VerificationItem(
        number=number,
        question_type=record.question_type,
        question_text=str(data.get("question_text", "")),
        quote=str(data.get("source_quote", "")),
        options=options,
        blanks=len(data.get("blanks", ())),
    )


def build_messages(items: Sequence[VerificationItem]) -> list[Message]:
    parts = []
    for item in items:
        lines = [
            f"QUESTION {item.number} ({item.question_type.replace('_', ' ')}; "
            f"{_HOW[item.question_type]})",
            f'PASSAGE: "{item.quote}"',
            f"QUESTION: {item.question_text}",
        ]
        lines += [
            f"{letter}) {text}" for letter, text in zip(ascii_lowercase, item.options, strict=False)
        ]
        parts.append("\n".join(lines))
    tail = (
        'Answer with one JSON object {"answers": [{"number": N, "answer": [...]}, ...]}, one '
        "entry per question."
    )
    return [Message("system", SYSTEM), Message("user", "\n\n".join([*parts, tail]))]


def parse_answers(text: str) -> dict[int, list[str]]:
    """Answers by question number; a malformed answer raises ValueError."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise ValueError('expected {"answers": [...]}')
    result: dict[int, list[str]] = {}
    for entry in data["answers"]:
        if isinstance(entry, dict) and isinstance(entry.get("number"), int):
            answer = entry.get("answer")
            if isinstance(answer, str):
                answer = [answer]
            if isinstance(answer, list):
                result[entry["number"]] = [str(part).strip() for part in answer]
    return result


def agrees(record: QuestionRecord, answer: list[str]) -> bool:
    """Whether the verifier's `answer` matches the stored key; see the module docstring."""
    given = [part for part in answer if part]
    if not given or any(part == UNKNOWN for part in given):
        return False
    data = record.data
    if record.question_type in ("multiple_choice", "multiple_answer"):
        key = {ascii_lowercase[i] for i, o in enumerate(data["options"]) if o.get("correct")}
        picked = {part.casefold().strip("().: ") for part in given}
        if record.question_type == "multiple_choice":
            return picked == key
        return bool(picked & key) and picked <= key
    if record.question_type == "true_false":
        return given[0].casefold() == ("true" if data["correct_answer"] else "false")
    blanks = sorted(data["blanks"], key=lambda blank: blank["position"])
    if len(given) < len(blanks):
        return False
    return all(
        checks.normalise(said) in {checks.normalise(accepted) for accepted in blank["answers"]}
        for said, blank in zip(given, blanks, strict=False)
    )


async def verify_batch(
    writer: StoreWriter,
    adapter: LLMAdapter,
    limiter: anyio.CapacityLimiter,
    *,
    quiz_id: str,
    language: str,
    batch_key: str,
    module_id: str,
    records: Sequence[QuestionRecord],
) -> list[str]:
    """Verify `records` (one batch's new questions) in calls of `VERIFY_BATCH_SIZE`; flag and
    return the ids of disputed ones. A failed call is recorded and leaves its questions as they
    were: verification never loses or rejects a question. Each call is stored through the
    run's `writer` (its calls and tokens count in the batch's)."""
    keyed = [r for r in records if r.question_type in GROUNDED_TYPES]
    disputed: list[str] = []
    for attempt, start in enumerate(range(0, len(keyed), VERIFY_BATCH_SIZE), start=1):
        chunk = keyed[start : start + VERIFY_BATCH_SIZE]
        items = tuple(
            item
            for number, record in enumerate(chunk, start=1)
            if (item := verification_item(number, record)) is not None
        )
        task = VerificationTask(quiz_id, batch_key, module_id, language, items)
        request = LLMRequest(task, tuple(build_messages(items)), ANSWER_SCHEMA, attempt=attempt)
        response: LLMResponse | None = None
        error: str | None = None
        found: list[str] = []
        seconds = 0.0
        try:
            async with limiter:
                started = time.perf_counter()
                try:
                    response = await adapter.complete(request)
                finally:
                    seconds = time.perf_counter() - started
            answers = parse_answers(response.text)
            found = [
                record.id
                for number, record in enumerate(chunk, start=1)
                if number in answers and not agrees(record, answers[number])
            ]
        except ProviderError as exc:
            error = f"verification failed: {exc.message}"
        except ValueError as exc:
            error = f"verification answer malformed: {exc}"
        except Exception as exc:  # an unforeseen failure: recorded, never a crash of the run
            error = f"verification failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
        call = LLMCallRecord.of(adapter, request, response, seconds, error)
        await writer.run(
            partial(
                record_verification_tx,
                quiz_id=quiz_id,
                batch_key=batch_key,
                call=call,
                disputed=found,
                flag=KEY_DISPUTED,
            )
        )
        disputed += found
    return disputed
