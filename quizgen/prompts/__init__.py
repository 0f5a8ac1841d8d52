"""Building the conversation for one batch.

The module content comes FIRST (right after a system message that is the same for every
batch), and the type-specific instructions after it: all batches of one module then share a
long identical prefix, which OpenAI's prompt cache bills at a discount.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from quizgen.llm.base import GenerationTask, Message
from quizgen.questions import question_type
from quizgen.questions.base import Problem

SYSTEM = (
    "You write quiz questions for a university course from the course material you are given. "
    "Every question must be answerable from that material alone, have exactly one defensible "
    "answer key, and cite the passage it tests. You answer with JSON only."
)

LANGUAGE_NAMES = {"en": "English", "no": "Norwegian (bokmål)"}


def build_messages(task: GenerationTask) -> list[Message]:
    qtype = question_type(task.question_type)
    lines = [
        f"MODULE: {task.module_name}",
        "",
        "MODULE CONTENT:",
        "<<<",
        task.content,
        ">>>",
        "",
        f"TASK: Write exactly {task.count} {qtype.label.lower()} question(s) "
        f"in {LANGUAGE_NAMES.get(task.language, task.language)} from the module content above.",
        "- Use ONLY the module content; a student who studied it must be able to answer.",
        "- source_quote: copy one or two sentences VERBATIM from the content (at most about "
        "300 characters) that support the correct answer.",
        "- explanation: one or two sentences saying why the answer is right.",
        "- Plausible distractors; never 'all of the above' or 'none of the above'.",
        "- Do not give the answer away in the question text.",
    ]
    if task.difficulty:
        lines.append(f"- Difficulty: {task.difficulty}.")
    if task.avoid:
        lines.append("- Do not repeat or reword any of these existing questions:")
        lines.extend(f"  * {text}" for text in task.avoid[:50])
    if task.instructions:
        lines += ["", f"INSTRUCTIONS FROM THE TEACHER: {task.instructions}"]
    lines += [
        "",
        'Answer with one JSON object {"questions": [...]} and nothing else. One question looks '
        "like this:",
        json.dumps(qtype.example, ensure_ascii=False),
    ]
    return [Message("system", SYSTEM), Message("user", "\n".join(lines))]


def json_correction(error: str) -> Message:
    return Message(
        "user",
        f"Your answer was not valid JSON of the requested shape: {error}. "
        'Answer again with one JSON object {"questions": [...]} and nothing else.',
    )


def validation_correction(problems: Sequence[tuple[int, list[Problem]]], missing: int) -> Message:
    listing = "\n".join(
        f"- question {index}: " + "; ".join(str(problem) for problem in found)
        for index, found in problems
    )
    return Message(
        "user",
        f"Some questions were rejected:\n{listing}\n"
        f"The valid ones are kept. Write {missing} new or corrected question(s) that fix these "
        'problems, as one JSON object {"questions": [...]}.',
    )


def top_up(missing: int) -> Message:
    return Message(
        "user",
        f"That is fewer questions than asked. Write {missing} more, different from the ones "
        'above, as one JSON object {"questions": [...]}.',
    )
