"""text2qti's Markdown quiz format, so instructors who use text2qti can edit and convert it.

What it holds: multiple choice (`*a)` marks the correct choice), multiple answer (`[*]` / `[ ]`),
true/false (two choices, True and False), and a fill-in-the-blank question with exactly one blank
as a short-answer question (`*` lines, one per accepted answer; the `[blank_1]` marker becomes
`_____`), and numeric as a numerical question (`= 23`, `= 2.5 +- 0.1`, `= [1, 10]`; text2qti
refuses an accepted value within 0.0001 of zero, so such a question is left out), and essay as
an essay question (`____`; its model answer and rubric in the `...` feedback, as
`Model answer: …` and `Rubric:` with numbered points, which `quizgen import` reads back).
text2qti has no matching, categorization, ordering or multi-blank question, so those are left
out and listed. `Points:` comes before its question, as text2qti requires; the `...` general
feedback holds the explanation and the cited source passage.
A pool (`pick`) is a text2qti question group: `GROUP`, `pick: k`, `points per question: p`, its
questions (each `Points: p`, as text2qti requires one value in a group), `END_GROUP`.

Escaping. text2qti reads the text after a marker as Markdown (with LaTeX `$…$` and smart quotes)
and writes it into HTML, so model text is escaped on three levels: `&`, `<` and `>` become HTML
entities; Markdown's punctuation (and text2qti's `$`) gets a backslash; and each line of a
multi-line text is indented under its marker (a line can then never start a new question, choice
or comment) and ends in `<br />` so the line break survives. Short-answer answers are the one
place text2qti reads raw (it only XML-escapes them), so they are written as they are, on one line.
"""

from __future__ import annotations

import re
from string import ascii_lowercase

from quizgen.export.base import Export, ExportItem, ExportQuiz, feedback_text, held_runs, one_line
from quizgen.pools import Pool, pick_note, points_note, shared_points
from quizgen.questions.numeric import Numeric, number_text

HOLDS = ("multiple_choice", "multiple_answer", "true_false", "fill_in_blank", "numeric", "essay")
SMALLEST_NUMBER = 1e-4
"""text2qti refuses a numerical answer any accepted value of which lies closer to zero."""

# Markdown's escapable punctuation (Python-Markdown, plus the quotes its smarty extension adds)
# and text2qti's `$`; `&`, `<` and `>` are written as entities instead.
_MARKDOWN_SPECIAL = re.compile(r"""([\\`*_{}\[\]()#+\-.!$"'|])""")
# Characters Markdown cannot backslash-escape but that mean something at the start of a line
# (setext underline, definition list, fenced code): written as numeric entities there.
_LINE_START = {"=": "&#61;", ":": "&#58;", "~": "&#126;"}
_BLANK_MARKER = re.compile(r"\[blank_1\]")


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    result = Export(data=b"")
    lines = [f"Quiz title: {one_line(quiz.title)}", ""]
    number = 0
    for pool, held in held_runs(quiz, items, result, _cannot_hold):
        points = None
        if pool is not None and held:
            points = shared_points([item.points for item in held])
            lines += _group_start(pool, held, points, result)
        for item in held:
            number += 1
            lines += _question(item, number, points)
            result.exported.append(item.id)
        if points is not None:
            lines += ["END_GROUP", ""]
    result.data = "\n".join(lines).encode("utf-8")
    return result


def _cannot_hold(item: ExportItem) -> str | None:
    if item.type_name in ("matching", "categorization", "ordering"):
        return f"text2qti has no {item.type_name} question"
    if item.type_name == "fill_in_blank" and len(item.question.blanks) > 1:
        return (
            f"text2qti's short answer holds one blank; this question has "
            f"{len(item.question.blanks)}"
        )
    if item.type_name == "numeric" and _near_zero(item.question):
        return "text2qti accepts no numerical answer within 0.0001 of zero"
    if item.type_name not in HOLDS:
        return "text2qti export has no mapping for this type"
    return None


def _near_zero(question: Numeric) -> bool:
    if question.range is not None:
        ends = (question.range.low, question.range.high)
    else:
        value = question.answer or 0.0
        ends = (value - question.margin, value + question.margin)
    return any(abs(end) < SMALLEST_NUMBER for end in ends)


def numerical(question: Numeric) -> str:
    """text2qti's `=` answer: `[low, high]`, `value +- margin`, or an integer (text2qti reads a
    bare number only when it is an integer, so an exact decimal is written `2.5 +- 0`)."""
    if question.range is not None:
        return f"[{number_text(question.range.low)}, {number_text(question.range.high)}]"
    value = question.answer or 0.0
    if question.margin or not value.is_integer():
        return f"{number_text(value)} +- {number_text(question.margin)}"
    return number_text(value)


def _group_start(pool: Pool, held: list[ExportItem], points: int, result: Export) -> list[str]:
    """text2qti's group header: it shows `pick` of the group's questions, each worth `points`
    (text2qti wants one value for all of them, and a pick no larger than the group)."""
    pick = min(pool.pick, len(held))
    notes = (
        pick_note(pool, len(held)),
        points_note(pool, [item.points for item in held], "a text2qti group", str(points)),
    )
    result.notes += [note for note in notes if note]
    return ["GROUP", f"pick: {pick}", f"points per question: {points}", ""]


def _question(item: ExportItem, number: int, points: int | None = None) -> list[str]:
    question = item.question
    stem = question.question_text
    if item.type_name == "fill_in_blank":
        stem = _BLANK_MARKER.sub("\x00", stem)
    lines = [f"Points: {item.points if points is None else points}"]
    lines += _block(f"{number}.", stem)
    feedback = feedback_text(item)
    if feedback:
        lines += _block("...", feedback)
    if item.type_name == "true_false":
        choices = [("True", question.correct_answer), ("False", not question.correct_answer)]
        for letter, (text, correct) in zip(ascii_lowercase, choices, strict=False):
            lines.append(f"{'*' if correct else ''}{letter}) {text}")
    elif item.type_name == "multiple_choice":
        for letter, option in zip(ascii_lowercase, question.options, strict=False):
            lines += _block(f"{'*' if option.correct else ''}{letter})", option.text)
    elif item.type_name == "multiple_answer":
        for option in question.options:
            lines += _block("[*]" if option.correct else "[ ]", option.text)
    elif item.type_name == "fill_in_blank":
        for answer in question.blanks[0].answers:
            lines.append(f"* {one_line(answer)}")
    elif item.type_name == "numeric":
        lines.append(f"= {numerical(question)}")
    elif item.type_name == "essay":
        lines.append("____")
    lines.append("")
    return lines


def escape(text: str) -> str:
    """One line of model text as text2qti Markdown that shows exactly that text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    if text[:1] in _LINE_START:
        text = _LINE_START[text[0]] + text[1:]
    return text


def _block(marker: str, text: str) -> list[str]:
    """`marker text`, continuation lines indented under the text, line breaks kept."""
    indent = " " * (len(marker) + 1)
    raw_lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    raw_lines = [line for line in raw_lines if line] or [""]
    escaped = [escape(line).replace("\x00", "\\_\\_\\_\\_\\_") for line in raw_lines]
    out = [f"{marker} {escaped[0]}"]
    out += [f"{indent}{line}" for line in escaped[1:]]
    return [line + ("<br />" if n < len(out) - 1 else "") for n, line in enumerate(out)]
