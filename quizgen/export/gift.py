"""GIFT, Moodle's plain-text question format.

What it holds: multiple choice (`=right ~wrong`), multiple answer (`~%50%right ~%-100%wrong`),
true/false (`{TRUE}` / `{FALSE}`), fill-in-the-blank with one blank (short answer, `=` per
accepted answer), matching (`=prompt -> answer`) and categorization as matching (item →
category name). GIFT has no multi-blank question (left out; the Moodle XML export holds it as
cloze), and a GIFT matching question cannot hold distractors (they are reported in notes).

Escaping: GIFT's special characters `~ = # { } :` and the backslash get a backslash. Question
text and feedback are written in `[html]` format, HTML-escaped, with line breaks as `<br>` so a
model's blank line can never end a question early. Choices inherit the question's HTML format
and are escaped the same way; short answers and matching answers are plain text on one line.
In a matching pair the first `->` separates prompt and answer: the prompt is HTML, where `>` is
escaped (`-&gt;`), so only the separator reads as one; an answer may contain `->` freely.
"""

from __future__ import annotations

import html
import re

from quizgen.export.base import (
    ALL_TYPES,
    Export,
    ExportItem,
    ExportQuiz,
    LeftOut,
    feedback_text,
    one_line,
)

HOLDS = ALL_TYPES

_SPECIAL = re.compile(r"([\\~=#{}:])")
_BLANK_MARKER = re.compile(r"\[blank_1\]")


def escape(text: str) -> str:
    """Plain text as a GIFT literal: GIFT specials backslashed, on one line."""
    return _SPECIAL.sub(r"\\\1", one_line(text))


def escape_html(text: str) -> str:
    """Plain text as GIFT `[html]` text: HTML-escaped, line breaks as <br>, GIFT-escaped."""
    lines = [
        html.escape(line.strip(), quote=False) for line in text.replace("\r\n", "\n").split("\n")
    ]
    return _SPECIAL.sub(r"\\\1", "<br>".join(line for line in lines if line))


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    result = Export(data=b"")
    lines = [f"// {one_line(quiz.title)} — exported by quizgen from quiz {quiz.id}", ""]
    for number, item in enumerate(items, start=1):
        if item.type_name == "fill_in_blank" and len(item.question.blanks) > 1:
            result.left_out.append(
                LeftOut(
                    item.id,
                    item.type_name,
                    f"GIFT has no question with several blanks ({len(item.question.blanks)}); "
                    "the moodle format holds it as cloze",
                )
            )
            continue
        if item.type_name not in HOLDS:
            result.left_out.append(LeftOut(item.id, item.type_name, "no GIFT mapping"))
            continue
        lines += _question(item, number, result)
        result.exported.append(item.id)
    result.data = "\n".join(lines).encode("utf-8")
    return result


def _question(item: ExportItem, number: int, result: Export) -> list[str]:
    question = item.question
    stem = question.question_text
    if item.type_name == "fill_in_blank":
        stem = _BLANK_MARKER.sub("_____", stem)
    feedback = feedback_text(item)
    general = f"####[html]{escape_html(feedback)}" if feedback else ""
    head = [f"// question {item.id} ({item.type_name}, {item.points} point(s))"]
    title = f"::{escape(f'Question {number}')}::"
    if item.type_name == "true_false":
        answer = "TRUE" if question.correct_answer else "FALSE"
        return [*head, f"{title}[html]{escape_html(stem)}{{{answer}{general}}}", ""]
    answers: list[str] = []
    if item.type_name == "multiple_choice":
        answers = [f"{'=' if o.correct else '~'}{escape_html(o.text)}" for o in question.options]
    elif item.type_name == "multiple_answer":
        right = [o for o in question.options if o.correct]
        wrong = len(question.options) - len(right)
        up, down = _weight(100 / len(right)), _weight(-100 / wrong)
        answers = [f"~%{up if o.correct else down}%{escape_html(o.text)}" for o in question.options]
    elif item.type_name == "fill_in_blank":
        answers = [f"={escape(answer)}" for answer in question.blanks[0].answers]
    elif item.type_name in ("matching", "categorization"):
        if item.type_name == "matching":
            pairs = [(pair.prompt, pair.answer) for pair in question.pairs]
        else:
            pairs = [(i, c.name) for c in question.categories for i in c.items]
        if question.distractors:
            result.notes.append(
                f"{item.id} ({item.type_name}): {len(question.distractors)} distractor(s) left "
                "out — a GIFT matching question cannot hold them"
            )
        answers = [f"={escape_html(prompt)} -> {escape(answer)}" for prompt, answer in pairs]
    body = [f"    {answer}" for answer in answers] + ([f"    {general}"] if general else [])
    return [*head, f"{title}[html]{escape_html(stem)} {{", *body, "}", ""]


def _weight(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text
