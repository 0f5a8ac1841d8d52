"""Building the conversation for one batch from plain template files.

Layout: `prompts/<language>/common.txt` holds the type-independent parts as sections
(`--- name ---` lines start a section), `prompts/<language>/<question_type>.txt` the
instructions for one type. Placeholders are `string.Template` ones (`$count`); templates are
data, so a teacher can read and change them without reading Python.

Why this order: the system message is the same for every batch, and the user message starts
with the module name and content; the type-specific instructions, the difficulty, the questions
to avoid and the teacher's instructions come after the content. All batches of one module then
share a long, byte-identical prefix, which OpenAI's prompt cache bills at a discount.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import files
from string import Template

from quizgen.llm.base import GenerationTask, Message
from quizgen.questions import question_type
from quizgen.questions.base import Problem

LANGUAGES = ("en", "no")
DEFAULT_LANGUAGE = "en"
MAX_AVOID = 50
"""Existing questions listed in a prompt; more would crowd out the content for little gain."""

_SECTION = re.compile(r"^--- ([\w.]+) ---$", re.MULTILINE)


@lru_cache(maxsize=32)
def _read(language: str, name: str) -> str:
    return files(__package__).joinpath(language, f"{name}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def sections(language: str) -> dict[str, str]:
    """The sections of `<language>/common.txt`, each without its trailing newline."""
    text = _read(language, "common")
    marks = list(_SECTION.finditer(text))
    return {
        mark.group(1): text[
            mark.end() + 1 : marks[i + 1].start() if i + 1 < len(marks) else None
        ].rstrip("\n")
        for i, mark in enumerate(marks)
    }


def _language(task_language: str) -> str:
    return task_language if task_language in LANGUAGES else DEFAULT_LANGUAGE


def _section(language: str, name: str, **values: object) -> str:
    return Template(sections(language)[name]).substitute(**{k: str(v) for k, v in values.items()})


def type_instructions(language: str, type_name: str, **values: object) -> str:
    """The type's instructions, with the counts its checks accept (`$options_low`, …) and the
    counts it prefers (`$options_preferred`) filled in from the type's `Count`s."""
    counts: dict[str, object] = {}
    for name, count in question_type(type_name).counts.items():
        counts.update(count.prompt_values(name))
    return Template(_read(language, type_name).rstrip("\n")).substitute(**counts, **values)


def build_messages(task: GenerationTask) -> list[Message]:
    """[system, user]: the system message and the content prefix are shared by a module."""
    language = _language(task.language)
    qtype = question_type(task.question_type)
    common = sections(language)
    label = common.get(f"label.{qtype.name}", qtype.label.lower())
    extras: list[str] = []
    if task.difficulty:
        description = common.get(f"difficulty.{task.difficulty}", "")
        extras.append(
            _section(language, "difficulty", difficulty=task.difficulty, description=description)
        )
    if task.avoid:
        listing = "\n".join(f"* {text}" for text in task.avoid[:MAX_AVOID])
        extras.append(_section(language, "avoid", questions=listing))
    if task.instructions:
        extras.append(_section(language, "instructions", instructions=task.instructions.strip()))
    user = _section(
        language,
        "user",
        module_name=task.module_name,
        content=task.content,
        count=task.count,
        type_label=label,
        type_instructions=type_instructions(language, qtype.name),
        extras="".join(f"\n{extra}\n" for extra in extras),
        example=json.dumps(qtype.example, ensure_ascii=False),
    )
    return [Message("system", _section(language, "system")), Message("user", user)]


def json_correction(error: str, language: str = DEFAULT_LANGUAGE) -> Message:
    return Message("user", _section(_language(language), "json_correction", error=error))


def validation_correction(
    problems: Sequence[tuple[int, list[Problem]]], missing: int, language: str = DEFAULT_LANGUAGE
) -> Message:
    listing = "\n".join(
        f"- question {index}: " + "; ".join(str(problem) for problem in found)
        for index, found in problems
    )
    return Message(
        "user",
        _section(_language(language), "validation_correction", problems=listing, count=missing),
    )


def top_up(missing: int, language: str = DEFAULT_LANGUAGE) -> Message:
    return Message("user", _section(_language(language), "top_up", count=missing))
