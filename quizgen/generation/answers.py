"""Reading one model answer: the JSON it must hold, and each item screened (type rules,
citation, grounding, repeats) into accepted, rejected and the problems a correction names."""

from __future__ import annotations

import json
import re
from typing import Any

from quizgen.checks.screen import Screen
from quizgen.content import ModuleContent
from quizgen.llm.base import LLMResponse
from quizgen.questions.base import Problem
from quizgen.store import NewQuestion

SURPLUS = "surplus"


class AnswerFormatError(ValueError):
    """An LLM answer that is not JSON holding a list of questions."""


def parse_answer(text: str) -> list[Any]:
    """The question objects in an answer: `{"questions": [...]}` or a bare list, fences allowed."""
    stripped = text.strip()
    fenced = re.fullmatch(r"```[a-zA-Z]*\s*(.*?)\s*```", stripped, flags=re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    if not stripped:
        raise AnswerFormatError("the answer was empty")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise AnswerFormatError(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        return data["questions"]
    if isinstance(data, list):
        return data
    raise AnswerFormatError('expected an object {"questions": [...]}')


def answer_items(response: LLMResponse) -> list[Any]:
    if response.finish_reason == "refusal":
        raise AnswerFormatError(response.refusal or "no reason given")
    if response.finish_reason == "content_filter":
        raise AnswerFormatError("the provider's content filter stopped the answer")
    if response.finish_reason == "length":
        raise AnswerFormatError(
            "the answer was cut off at the output limit; write fewer or shorter questions"
        )
    return parse_answer(response.text)


def screen_items(
    screen: Screen,
    batch_key: str,
    qtype: Any,
    items: list[Any],
    content: ModuleContent,
    missing: int,
    refused: list[str],
) -> tuple[list[NewQuestion], list[NewQuestion], list[tuple[int, list[Problem]]]]:
    """Screen one answer's items. A repeat's text and the text it repeats go to `refused`, so
    the next ask of this batch avoids both."""
    accepted: list[NewQuestion] = []
    rejected: list[NewQuestion] = []
    problems: list[tuple[int, list[Problem]]] = []
    for index, raw in enumerate(items, start=1):
        verdict = screen.screen(qtype, raw, content)
        data = raw if isinstance(raw, dict) else {"raw": raw}
        if not verdict.accepted:
            if verdict.repeats is not None:
                refused += [str(data.get("question_text", "")), verdict.repeats]
            problems.append((index, verdict.problems))
            rejected.append(
                NewQuestion(
                    data=data,
                    rejection_reasons=tuple(dict.fromkeys(p.code for p in verdict.problems)),
                    rejection_note="; ".join(p.message for p in verdict.problems)[:1000],
                    citation=verdict.citation.as_dict() if verdict.citation else None,
                )
            )
            continue
        assert verdict.question is not None
        stored = verdict.question.model_dump(mode="json")
        citation = verdict.citation.as_dict() if verdict.citation else None
        if len(accepted) >= missing:
            rejected.append(
                NewQuestion(stored, (SURPLUS,), "more questions than the batch asked for", citation)
            )
            continue
        screen.admit(verdict.question, batch_key)
        accepted.append(NewQuestion(stored, citation=citation, flags=verdict.flags))
    return accepted, rejected, problems
