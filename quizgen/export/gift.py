"""GIFT, Moodle's plain-text question format.

Question names are the batch key and the question's position in it (`cells_matching_4-2`).
GIFT cannot state a question's points: Moodle imports every question as 1 point, so a matching
or categorization question worth one point per pair or category is listed in the notes.
Multiple-answer weights are Moodle's allowed grades (`moodle_weight`).

What it holds: multiple choice (`=right ~wrong`), multiple answer (`~%50%right ~%-100%wrong`),
true/false (`{TRUE}` / `{FALSE}`), fill-in-the-blank with one blank (short answer, `=` per
accepted answer), matching (`=prompt -> answer`), categorization as matching (item →
category name), numeric (`{#23}`, `{#2.5:0.1}` with a margin, `{#1..10}` for a range) and essay
(`{}`, its model answer and rubric in the general feedback: GIFT has no grader's field). GIFT
has no multi-blank question (left out; the Moodle XML export holds it as cloze) and no ordering
question (left out; Moodle XML holds it), and a GIFT matching question cannot hold distractors
(they are reported in notes).

Escaping: GIFT's special characters `~ = # { } :` and the backslash get a backslash. Question
text and feedback are written in `[html]` format, HTML-escaped, with line breaks as `<br>` so a
model's blank line can never end a question early. Choices inherit the question's HTML format
and are escaped the same way; short answers and matching answers are plain text on one line.
In a matching pair the first `->` separates prompt and answer: the prompt is HTML, where `>` is
escaped (`-&gt;`), so only the separator reads as one; an answer may contain `->` freely.

A pool (`pick`) gets a category of its own: `$CATEGORY: $course$/<quiz title>/<batch key>`
before its questions (and the quiz's category before the rest), with a note to add `pick`
random questions from it in the Moodle quiz. A file without pools names no category.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from quizgen.export.base import (
    ALL_TYPES,
    Export,
    ExportItem,
    ExportQuiz,
    LeftOut,
    feedback_text,
    one_line,
)
from quizgen.export.moodle import category_path
from quizgen.questions.numeric import Numeric, number_text

LEFT_OUT = {
    "ordering": "GIFT has no ordering question (Moodle 4.4+ reads one from Moodle XML: use the "
    "moodle format)",
}
"""Types GIFT cannot hold, and why."""
HOLDS = tuple(name for name in ALL_TYPES if name not in LEFT_OUT)

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
    pools = _pool_categories(quiz, items, result)
    if pools:
        lines += [f"$CATEGORY: {category_path(['$course$', one_line(quiz.title)])}", ""]
    current = None
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
            reason = LEFT_OUT.get(item.type_name, "no GIFT mapping")
            result.left_out.append(LeftOut(item.id, item.type_name, reason))
            continue
        if pools and pools.get(item.record.batch_key) != current:
            current = pools.get(item.record.batch_key)
            names = ["$course$", one_line(quiz.title)] + ([current] if current else [])
            lines += [f"$CATEGORY: {category_path(names)}", ""]
        lines += _question(item, number, result)
        result.exported.append(item.id)
    result.data = "\n".join(lines).encode("utf-8")
    return result


def _pool_categories(quiz: ExportQuiz, items: list[ExportItem], result: Export) -> dict[str, str]:
    """Batch key → the category a pool's questions go in (its batch key, under the quiz's), with
    a note for each: Moodle draws random questions in the quiz, from a category."""
    sizes = Counter(
        item.record.batch_key
        for item in items
        if item.record.batch_key in quiz.pools and item.type_name in HOLDS
    )
    for key, size in sizes.items():
        pool = quiz.pools[key]
        result.notes.append(
            f"batch {key} is a pool ({pool.label(size)} per student): GIFT cannot draw at "
            f"random, so its questions are in their own category "
            f"{one_line(quiz.title) + '/' + key!r}; in the Moodle quiz, add "
            f"{min(pool.pick, size)} random question(s) from that category"
        )
    return {key: key for key in sizes}


def _question(item: ExportItem, number: int, result: Export) -> list[str]:
    question = item.question
    stem = question.question_text
    if item.type_name == "fill_in_blank":
        stem = _BLANK_MARKER.sub("_____", stem)
    feedback = feedback_text(item)
    general = f"####[html]{escape_html(feedback)}" if feedback else ""
    head = [f"// question {item.id} ({item.type_name}, {item.points} point(s))"]
    title = f"::{escape(item.name)}::"
    if item.type_name == "true_false":
        answer = "TRUE" if question.correct_answer else "FALSE"
        return [*head, f"{title}[html]{escape_html(stem)}{{{answer}{general}}}", ""]
    answers: list[str] = []
    if item.type_name == "numeric":
        answers = [f"#{numerical(question)}"]
    elif item.type_name == "multiple_choice":
        answers = [f"{'=' if o.correct else '~'}{escape_html(o.text)}" for o in question.options]
    elif item.type_name == "multiple_answer":
        right = [o for o in question.options if o.correct]
        wrong = len(question.options) - len(right)
        up, down = moodle_weight(1 / len(right)), moodle_weight(-1 / wrong)
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
        if item.points != 1:
            result.notes.append(
                f"{item.id} ({item.type_name}): worth {item.points} points, one per "
                f"{'pair' if item.type_name == 'matching' else 'category'}; GIFT cannot say a "
                "question's points, so Moodle imports it as 1 point scored pair by pair — set "
                "its mark in Moodle, or use the moodle format, which keeps it"
            )
    body = [f"    {answer}" for answer in answers] + ([f"    {general}"] if general else [])
    return [*head, f"{title}[html]{escape_html(stem)} {{", *body, "}", ""]


def numerical(question: Numeric) -> str:
    """GIFT's numerical answer after the `#`: `23`, `2.5:0.1` (value and margin), `1..10`."""
    if question.range is not None:
        return f"{number_text(question.range.low)}..{number_text(question.range.high)}"
    value = number_text(question.answer or 0.0)
    return f"{value}:{number_text(question.margin)}" if question.margin else value


MOODLE_FRACTIONS = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
    0.0,
)
"""The grades Moodle accepts for an answer (`question_bank::fraction_options_full`, also
negated); an import with any other weight is refused ("not one of the allowed grades")."""


def moodle_weight(fraction: float) -> str:
    """A GIFT `%weight%` for `fraction`, written as Moodle's own GIFT export writes it (the
    allowed grade times 100, as many digits as Moodle keeps), so Moodle and other GIFT parsers
    read back exactly an allowed grade. ValueError for a fraction Moodle cannot hold."""
    allowed = min(MOODLE_FRACTIONS, key=lambda option: abs(abs(fraction) - option))
    if abs(abs(fraction) - allowed) > 1e-6:
        raise ValueError(f"Moodle has no answer grade of {fraction:.4%}")
    percent = f"{allowed * 100:.5f}".rstrip("0").rstrip(".")
    return f"-{percent}" if fraction < 0 else percent
