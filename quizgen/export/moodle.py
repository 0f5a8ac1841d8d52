"""Moodle XML, the question format Moodle imports with every feature it has.

What it holds: multiple choice and multiple answer (`multichoice`, single or not; multiple
answer scores each correct option 100/k and each wrong one -100/(n-k), so ticking everything
scores nothing), true/false (`truefalse`), fill-in-the-blank with one blank (`shortanswer`,
case-sensitive as Canvas is) and with several blanks (`cloze`, one `SHORTANSWER_C` field per
blank), matching (`matching`; distractors are extra answers with an empty question),
categorization as matching (item → category name; its distractor items, which fit no category,
cannot be held and are reported in notes), ordering (`ordering`, Moodle's core ordering
question since 4.4: every item shown, all or nothing), numeric (`numerical`: the answer and its
margin as tolerance, a range as its midpoint and half-width; no units, as the stem names the
unit), and essay (`essay`, an editor; the model answer and rubric as `graderinfo`, which only
graders see).

Escaping: the XML is built with ElementTree. Fields Moodle reads as HTML (question text,
feedback, choices, matching prompts) are HTML-escaped from plain text; answers Moodle compares
or lists as plain text (short answers, matching answers) are written as they are. Inside a cloze
field every character of the field syntax (`{ } ~ = # :`, and `\\ / "`) is a numeric entity,
which Moodle's cloze parser decodes after splitting the field (see `_cloze_escape`), and a `{`
elsewhere in a cloze text is written as `&#123;` so it cannot open a field. The category is
the quiz title, escaped as Moodle's `split_category_path` reads it ("Midterm 1/2" stays one
category). A pool (`pick`) gets a category of its own under the quiz's, named by its batch key,
and a note: Moodle draws random questions in the quiz, from a category, so the instructor adds
`pick` random questions from it there. Question names are the batch key and position. Feedback
names a source file by its name only, never a local folder.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from quizgen.export.base import (
    ALL_TYPES,
    Export,
    ExportItem,
    ExportQuiz,
    feedback_text,
    held_runs,
    html_block,
    one_line,
    xml_safe,
)
from quizgen.pools import Pool
from quizgen.questions.essay import Essay, grading_notes
from quizgen.questions.numeric import Numeric, number_text

HOLDS = ALL_TYPES
_MARKER = re.compile(r"\[blank_([1-9][0-9]*)\]")
_CLOZE_SPECIAL = re.compile(r'[{}~=#:\\/"&<>]')


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    result = Export(data=b"")
    root = ET.Element("quiz")
    quiz_category = ["$course$", one_line(quiz.title)]
    _category(root, quiz_category)
    numbers = {item.id: number for number, item in enumerate(items, start=1)}
    in_pool = False
    for pool, held in held_runs(quiz, items, result, _cannot_hold):
        if pool is not None and held:
            _category(root, [*quiz_category, pool.batch_key])
            result.notes.append(_pool_note(quiz_category, pool, len(held)))
        elif in_pool and held:
            _category(root, quiz_category)
        in_pool = pool is not None and bool(held)
        for item in held:
            root.append(_BUILDERS[item.type_name](item, numbers[item.id], result))
            result.exported.append(item.id)
    ET.indent(root, space="  ")
    result.data = ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
    return result


def _cannot_hold(item: ExportItem) -> str | None:
    return None if item.type_name in _BUILDERS else "no Moodle XML mapping"


def _category(root: ET.Element, names: list[str]) -> None:
    """A category "question": Moodle files the questions after it in that category."""
    category = ET.SubElement(root, "question", type="category")
    _text(ET.SubElement(category, "category"), category_path(names))


def _pool_note(quiz_category: list[str], pool: Pool, size: int) -> str:
    """Moodle draws at random in the quiz, from a category: the pool gets one of its own."""
    return (
        f"batch {pool.batch_key} is a pool ({pool.label(size)} per student): Moodle XML cannot "
        f"draw at random, so its {size} questions are in their own category "
        f"{'/'.join([*quiz_category[1:], pool.batch_key])!r}; in the Moodle quiz, add "
        f"{min(pool.pick, size)} random question(s) from that category"
    )


def _question(item: ExportItem, number: int, moodle_type: str, text_html: str) -> ET.Element:
    element = ET.Element("question", type=moodle_type)
    _text(ET.SubElement(element, "name"), item.name)
    _text(ET.SubElement(element, "questiontext", format="html"), text_html)
    feedback = html_block(feedback_text(item, notes=False))
    _text(ET.SubElement(element, "generalfeedback", format="html"), feedback)
    ET.SubElement(element, "defaultgrade").text = f"{item.points:.7f}"
    ET.SubElement(element, "penalty").text = "0.3333333"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = item.id
    return element


def _choice(item: ExportItem, number: int, result: Export) -> ET.Element:
    question = item.question
    if item.type_name == "true_false":
        element = _question(item, number, "truefalse", html_block(question.question_text))
        for value in (True, False):
            answer = ET.SubElement(
                element,
                "answer",
                fraction="100" if value == question.correct_answer else "0",
                format="moodle_auto_format",
            )
            _text(answer, "true" if value else "false")
            _text(ET.SubElement(answer, "feedback", format="html"), "")
        return element
    element = _question(item, number, "multichoice", html_block(question.question_text))
    single = item.type_name == "multiple_choice"
    right = sum(option.correct for option in question.options)
    wrong = len(question.options) - right
    ET.SubElement(element, "single").text = "true" if single else "false"
    ET.SubElement(element, "shuffleanswers").text = "true"
    ET.SubElement(element, "answernumbering").text = "abc"
    for option in question.options:
        if single:
            fraction = "100" if option.correct else "0"
        else:
            fraction = _fraction(100 / right if option.correct else -100 / wrong)
        answer = ET.SubElement(element, "answer", fraction=fraction, format="html")
        _text(answer, html_block(option.text))
        _text(ET.SubElement(answer, "feedback", format="html"), "")
    return element


def _fill_in_blank(item: ExportItem, number: int, result: Export) -> ET.Element:
    question = item.question
    blanks = sorted(question.blanks, key=lambda blank: blank.position)
    if len(blanks) == 1:
        text = html_block(_MARKER.sub("_____", question.question_text))
        element = _question(item, number, "shortanswer", text)
        ET.SubElement(element, "usecase").text = "1"
        for answer_text in blanks[0].answers:
            answer = ET.SubElement(element, "answer", fraction="100", format="moodle_auto_format")
            _text(answer, one_line(answer_text))
            _text(ET.SubElement(answer, "feedback", format="html"), "")
        return element
    by_position = {blank.position: blank for blank in blanks}
    html_text = html_block(question.question_text).replace("{", "&#123;")

    def field(match: re.Match[str]) -> str:
        answers = by_position[int(match.group(1))].answers
        alternatives = "~".join(f"={_cloze_escape(one_line(answer))}" for answer in answers)
        return f"{{1:SHORTANSWER_C:{alternatives}}}"

    return _question(item, number, "cloze", _MARKER.sub(field, html_text))


def _matching(item: ExportItem, number: int, result: Export) -> ET.Element:
    question = item.question
    element = _question(item, number, "matching", html_block(question.question_text))
    ET.SubElement(element, "shuffleanswers").text = "true"
    if item.type_name == "categorization":
        pairs = [
            (entry, category.name) for category in question.categories for entry in category.items
        ]
        extras: list[str] = []
        if question.distractors:
            result.notes.append(
                f"{item.id} (categorization as matching): {len(question.distractors)} distractor "
                "item(s) left out — a matching question cannot hold items that fit no category"
            )
    else:
        pairs = [(pair.prompt, pair.answer) for pair in question.pairs]
        extras = list(question.distractors)
    for prompt, answer_text in [*pairs, *(("", extra) for extra in extras)]:
        sub = ET.SubElement(element, "subquestion", format="html")
        _text(sub, html_block(prompt))
        _text(ET.SubElement(sub, "answer"), one_line(answer_text))
    return element


def _ordering(item: ExportItem, number: int, result: Export) -> ET.Element:
    """Moodle's core ordering question (qtype_ordering, core since Moodle 4.4): the answers in
    the correct order (`fraction` is their place, as Moodle writes it), every item shown,
    scored all or nothing as Canvas scores it."""
    question = item.question
    element = _question(item, number, "ordering", html_block(question.question_text))
    for tag, value in (
        ("layouttype", "VERTICAL"),
        ("selecttype", "ALL"),
        ("selectcount", str(len(question.items))),
        ("gradingtype", "ALL_OR_NOTHING"),
        ("showgrading", "SHOW"),
        ("numberingstyle", "none"),
    ):
        ET.SubElement(element, tag).text = value
    for place, text in enumerate(question.items, start=1):
        answer = ET.SubElement(element, "answer", fraction=f"{place:.7f}", format="html")
        _text(answer, html_block(text))
    return element


def _numeric(item: ExportItem, number: int, result: Export) -> ET.Element:
    """Moodle's numerical question: one answer and its tolerance; a range is its midpoint with
    half its width as the tolerance. No units: the stem names the unit."""
    question: Numeric = item.question
    if question.range is not None:
        value = (question.range.low + question.range.high) / 2
        tolerance = (question.range.high - question.range.low) / 2
    else:
        value, tolerance = question.answer or 0.0, question.margin
    element = _question(item, number, "numerical", html_block(question.question_text))
    answer = ET.SubElement(element, "answer", fraction="100", format="moodle_auto_format")
    _text(answer, number_text(value))
    _text(ET.SubElement(answer, "feedback", format="html"), "")
    ET.SubElement(answer, "tolerance").text = number_text(tolerance)
    ET.SubElement(element, "unitgradingtype").text = "0"
    ET.SubElement(element, "unitpenalty").text = "0.1000000"
    ET.SubElement(element, "showunits").text = "3"
    ET.SubElement(element, "unitsleft").text = "0"
    return element


def _essay(item: ExportItem, number: int, result: Export) -> ET.Element:
    """Moodle's essay: an editor for the answer; the model answer and rubric as the grader
    information, which only graders see."""
    question: Essay = item.question
    element = _question(item, number, "essay", html_block(question.question_text))
    for tag, value in (
        ("responseformat", "editor"),
        ("responserequired", "1"),
        ("responsefieldlines", "15"),
        ("attachments", "0"),
        ("attachmentsrequired", "0"),
    ):
        ET.SubElement(element, tag).text = value
    _text(ET.SubElement(element, "graderinfo", format="html"), html_block(grading_notes(question)))
    _text(ET.SubElement(element, "responsetemplate", format="html"), "")
    return element


_BUILDERS = {
    "multiple_choice": _choice,
    "multiple_answer": _choice,
    "true_false": _choice,
    "fill_in_blank": _fill_in_blank,
    "matching": _matching,
    "categorization": _matching,
    "ordering": _ordering,
    "numeric": _numeric,
    "essay": _essay,
}


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = xml_safe(value)


def _fraction(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _cloze_escape(text: str) -> str:
    """An answer inside a cloze field, as Moodle's cloze parser reads it back exactly.

    The parser ends an answer at an unescaped `~`, `#` or `}` (not one right after `&` or
    `&amp;`, so that entities survive) and then applies `html_entity_decode` to it
    (qtype_multianswer_extract_question); a backslash is undone only before `}` and `#`. So
    every character that means something in the field syntax or in HTML is written as a
    numeric entity, which the parser decodes to the character itself: `{ } ~ = # :`, and
    `\\ / " & < >` (a `&amp;` before a `~` would hide the separator)."""
    return _CLOZE_SPECIAL.sub(lambda match: f"&#{ord(match.group())};", text)


def category_path(names: list[str]) -> str:
    """Category names joined as Moodle's `assemble_category_path` joins them, so that its
    `split_category_path` gives the same names back: a `/` inside a name is doubled, and a
    name that would start or end with `/` gets a space there."""
    escaped = []
    for name in names:
        part = name.replace("/", "//")
        if part.startswith("/"):
            part = " " + part
        if part.endswith("/"):
            part = part + " "
        escaped.append(part)
    return "/".join(escaped)
