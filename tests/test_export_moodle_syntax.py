"""Moodle XML and GIFT read back as Moodle reads them (issue 12 items 27, 29).

The readers here are written from Moodle's documentation and the behaviour its import code
documents, not from quizgen's writers: `split_category_path` for categories, the cloze field
grammar (`{N:SHORTANSWER_C:=a~=b}`, an answer ending at an unescaped `~`, `#` or `}`, then HTML
entities decoded and `\\}`/`\\#` unescaped), and GIFT's syntax (`::name::`, `[html]`, `{…}`,
backslash escapes of `~ = # { } :`, `%weight%` with Moodle's allowed grades; `{}` an essay,
`{#…}` a numerical answer), and Moodle XML's `numerical` (value and `<tolerance>`, `fraction` a
percentage) and `essay` (`<graderinfo>` for graders only).
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any

import pytest
from lxml import etree

from quizgen.export import FORMATS, export_quiz
from quizgen.export.base import ExportQuiz
from quizgen.models import QuestionRecord
from tests.every_type import QUIZ, hostile_records, record, records

MOODLE_GRADES = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)  # fmt: skip
"""Moodle's question_bank::fraction_options_full (and their negatives): the only answer grades
its importers accept."""

SPECIALS = 'a{b}c~d=e#f:g\\h/i"j&k<l>m'
"""Every character that means something in a cloze field, in GIFT, or in HTML."""


# --- readers, from Moodle's docs -------------------------------------------------------------


def split_category_path(path: str) -> list[str]:
    """Moodle's qformat_default::split_category_path: split on single slashes, `//` is one."""
    return [part.replace("//", "/").strip() for part in re.split(r"(?<!/)/(?!/)", path)]


_FIELD = re.compile(r"\{(\d*):(SHORTANSWER_C|SAC|MWC|SHORTANSWER|SA|MW):")
_ALTERNATIVE = re.compile(r"(=|%-?\d+(?:[.,]\d*)?%)?(.+?)(?<!\\|&)(?<!&amp;)(?=[~#}]|$)")


def cloze_fields(text: str) -> list[list[str]]:
    """The accepted answers of every field, as Moodle's cloze parser stores them."""
    fields = []
    position = 0
    while match := _FIELD.search(text, position):
        answers: list[str] = []
        rest = text[match.end() :]
        while True:
            alternative = _ALTERNATIVE.match(rest)
            assert alternative is not None, f"unreadable cloze field at {rest[:40]!r}"
            answer = html.unescape(alternative.group(2))
            answers.append(answer.replace("\\}", "}").replace("\\#", "#"))
            rest = rest[alternative.end() :]
            if rest.startswith("#"):  # feedback up to the next unescaped ~ or }
                rest = re.sub(r"^#.*?(?<!\\)(?=[~}])", "", rest, flags=re.S)
            if rest.startswith("~"):
                rest = rest[1:]
                continue
            assert rest.startswith("}"), f"cloze field not closed: {rest[:40]!r}"
            break
        fields.append(answers)
        position = len(text) - len(rest) + 1
    return fields


def gift_questions(text: str) -> list[dict[str, Any]]:
    """GIFT as its documentation describes it: questions separated by blank lines, `//`
    comments, `::name::`, an optional `[format]`, answers in `{…}` (the last `####` part is
    general feedback), and `\\~ \\= \\# \\{ \\} \\:` for the literal characters."""
    questions = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.strip().startswith("//")]
        source = "\n".join(lines).strip()
        if not source:
            continue
        source = re.sub(r"\\([~=#{}:\\])", lambda m: f"\x00{ord(m.group(1))}\x00", source)
        name_match = re.match(r"::(.*?)::", source, re.S)
        assert name_match, f"question without a name: {source[:60]!r}"
        body = source[name_match.end() :]
        start, end = body.index("{"), body.rindex("}")
        answer_text = body[start + 1 : end]
        answer_text = answer_text.rsplit("####", 1)[0]
        questions.append(
            {
                "name": _literal(name_match.group(1)),
                "kind": _gift_kind(answer_text),
                "answers": _gift_answers(answer_text),
                "numerical": _gift_numerical(answer_text) if answer_text.strip()[:1] == "#" else [],
            }
        )
    return questions


def _gift_kind(text: str) -> str:
    """As the GIFT docs tell the type from the answer part (general feedback already cut): an
    empty `{}` is an essay, a leading `#` a numerical question; the rest (not needed here)
    "other"."""
    text = text.strip()
    if not text:
        return "essay"
    return "numerical" if text.startswith("#") else "other"


def _gift_numerical(text: str) -> list[tuple[float, float, float]]:
    """The accepted (low, high, grade) intervals of a numerical question, from the GIFT docs:
    `{#value}`, `{#value:tolerance}`, `{#min..max}`, or several answers `=value:tol` with an
    optional `%weight%` (no weight is full marks)."""
    answers = []
    body = text.strip()[1:]
    parts = re.findall(r"=(%(-?[\d.]+)%)?([^=~]+)", body) if "=" in body else [("", "", body)]
    for _, weight, answer in parts:
        answer = answer.strip()
        if ".." in answer:
            low, high = (float(end) for end in answer.split(".."))
        else:
            value, _, tolerance = answer.partition(":")
            low = float(value) - float(tolerance or 0)
            high = float(value) + float(tolerance or 0)
        answers.append((low, high, float(weight) / 100 if weight else 1.0))
    return answers


def _literal(text: str) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: chr(int(m.group(1))), text).strip()


def _gift_answers(text: str) -> list[tuple[str, float | None, str]]:
    """(marker, weight or None, text) per answer; weights as Moodle's answerweightparser."""
    answers = []
    for match in re.finditer(r"([=~])(%(-?[\d.]+)%)?([^=~]*)", text.strip()):
        weight = float(match.group(3)) / 100 if match.group(2) else None
        answers.append((match.group(1), weight, _literal(match.group(4))))
    return answers


# --- Moodle XML ------------------------------------------------------------------------------


def moodle_tree(quiz: ExportQuiz, recs: list[QuestionRecord]) -> Any:
    return etree.fromstring(export_quiz(FORMATS["moodle"], quiz, recs).data)


def moodle_numerical(question: Any) -> list[tuple[float, float, float]]:
    """The accepted (low, high, grade) intervals of a `numerical` question as Moodle's XML
    import reads them: per `<answer fraction="100">` (a percentage) its `<text>` value and its
    `<tolerance>` (absent means 0) either side."""
    intervals = []
    for answer in question.findall("answer"):
        value = float(answer.findtext("text"))
        tolerance = float(answer.findtext("tolerance") or 0)
        grade = float(answer.get("fraction", "0")) / 100
        intervals.append((value - tolerance, value + tolerance, grade))
    return intervals


def html_text(fragment: str) -> str:
    """What a reader sees of an HTML `<text>`: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<br\s*/?>|</p>", "\n", fragment).replace("<p>", ""))


def words(text: str) -> str:
    """`text` with every run of white space one space (HTML shows a line break in a rubric
    point as one)."""
    return " ".join(text.split())


ESSAY_RESPONSE_FORMATS = {"editor", "editorfilepicker", "plain", "monospaced", "noinline"}
"""The `<responseformat>` values Moodle's essay question knows (qtype_essay)."""


@pytest.mark.parametrize(
    "title",
    ["Midterm 1/2", "a // b", "/leading and trailing/", "Biology 101: cells"],
)
def test_the_category_is_one_category_named_as_the_quiz_however_it_uses_slashes(
    title: str,
) -> None:
    quiz = ExportQuiz("q1", title, "en")
    path = moodle_tree(quiz, records()).findtext("question[@type='category']/category/text")
    assert split_category_path(path) == ["$course$", title.strip()]


def test_cloze_answers_come_back_exactly_however_special_their_characters() -> None:
    data = {
        "question_text": "Write [blank_1] and then [blank_2].",
        "blanks": [
            {"position": 1, "answers": [SPECIALS, "plain"]},
            {"position": 2, "answers": ["x~y", "ends with &", "50%", "=start"]},
        ],
        "explanation": "Both.",
        "source_quote": "Mitochondria are the site of cellular respiration.",
    }
    tree = moodle_tree(QUIZ, [record(1, "fill_in_blank", data)])
    (cloze,) = tree.findall("question[@type='cloze']")
    fields = cloze_fields(cloze.findtext("questiontext/text"))
    assert fields == [[SPECIALS, "plain"], ["x~y", "ends with &", "50%", "=start"]]


def test_feedback_names_the_source_file_never_a_local_folder() -> None:
    recs = records()
    for rec in recs:
        rec.citation.update(source="/home/teacher/private/2025/notes/cells.md")  # type: ignore[union-attr]
    text = export_quiz(FORMATS["moodle"], QUIZ, recs).data.decode("utf-8")
    assert "/home/teacher" not in text and "private" not in text
    assert "Source (cells.md)" in text
    for name in ("gift", "markdown", "qti", "html", "csv"):
        data = export_quiz(FORMATS[name], QUIZ, copy.deepcopy(recs)).data
        assert b"/home/teacher" not in data, name


def test_a_canvas_page_title_with_a_slash_is_kept_whole() -> None:
    recs = records()[:1]
    recs[0].citation.update(source="Week 1/2 notes")  # type: ignore[union-attr]
    text = export_quiz(FORMATS["moodle"], QUIZ, recs).data.decode("utf-8")
    assert "Source (Week 1/2 notes)" in text


def test_moodle_names_are_batch_key_and_position() -> None:
    recs = records()
    names = [q.findtext("name/text") for q in moodle_tree(QUIZ, recs).findall("question")][1:]
    assert names == [f"{r.batch_key}-{r.position}" for r in recs]


# --- GIFT ------------------------------------------------------------------------------------


def gift_of(recs: list[QuestionRecord]):
    return export_quiz(FORMATS["gift"], QUIZ, recs)


def test_gift_names_are_batch_key_and_position() -> None:
    recs = records()
    result = gift_of(recs)
    names = [q["name"] for q in gift_questions(result.data.decode("utf-8"))]
    by_id = {r.id: r for r in recs}
    assert names == [f"{by_id[i].batch_key}-{by_id[i].position}" for i in result.exported]
    assert not any(name.startswith("Question ") for name in names)


@pytest.mark.parametrize("correct", [2, 3, 4])
def test_multiple_answer_weights_are_grades_moodle_accepts(correct: int) -> None:
    data = copy.deepcopy(records()[1].data)
    assert len(data["options"]) == 5
    for index, option in enumerate(data["options"]):
        option["correct"] = index < correct
    (question,) = gift_questions(gift_of([record(1, "multiple_answer", data)]).data.decode())
    weights = [weight for _, weight, _ in question["answers"]]
    assert all(weight is not None for weight in weights)
    for weight in weights:
        assert any(abs(abs(weight) - grade) < 1e-7 for grade in MOODLE_GRADES), weight
    assert sum(w for w in weights if w > 0) == pytest.approx(1, abs=1e-6)
    assert sum(w for w in weights if w < 0) == pytest.approx(-1, abs=1e-6)
    right = [text for _, weight, text in question["answers"] if weight > 0]
    assert right == [o["text"] for o in data["options"] if o["correct"]]


def test_matching_keeps_its_pairs_and_says_gift_cannot_carry_its_points() -> None:
    recs = records()
    matching = next(r for r in recs if r.question_type == "matching")
    result = gift_of([matching])
    (question,) = gift_questions(result.data.decode("utf-8"))
    pairs = [tuple(text.split(" -> ", 1)) for _, _, text in question["answers"]]
    assert [(html.unescape(p), a) for p, a in pairs] == [
        (p["prompt"], p["answer"]) for p in matching.data["pairs"]
    ]
    points = len(matching.data["pairs"])
    assert f"({matching.question_type}, {points} point(s))" in result.data.decode("utf-8")
    (note,) = [n for n in result.notes if matching.id in n and "points" in n]
    assert f"worth {points} points, one per pair" in note and "moodle format" in note
    moodle = moodle_tree(QUIZ, [matching]).find("question[@type='matching']")
    assert float(moodle.findtext("defaultgrade")) == points  # the moodle format keeps them


# --- numeric and essay, as Moodle reads them -------------------------------------------------


def _numeric_and_essays() -> list[QuestionRecord]:
    """The example numeric and essay questions and the hostile ones (a margin, a range)."""
    recs = records() + hostile_records()
    return [r for r in recs if r.question_type in ("numeric", "essay")]


def _accepted(data: dict[str, Any]) -> tuple[float, float]:
    """The interval a numeric key accepts, from the key itself."""
    if data.get("range"):
        return (data["range"]["low"], data["range"]["high"])
    margin = data.get("margin") or 0
    return (data["answer"] - margin, data["answer"] + margin)


def test_moodle_xml_numerical_accepts_the_keys_interval_at_full_marks() -> None:
    recs = [r for r in _numeric_and_essays() if r.question_type == "numeric"]
    assert {"range" in r.data and r.data["range"] is not None for r in recs} == {True, False}
    questions = moodle_tree(QUIZ, recs).findall("question[@type='numerical']")
    assert len(questions) == len(recs)
    for question, rec in zip(questions, recs, strict=True):
        ((low, high, grade),) = moodle_numerical(question)
        assert (low, high) == pytest.approx(_accepted(rec.data)) and grade == 1.0


def test_moodle_xml_essay_gives_graders_the_model_answer_and_students_no_key() -> None:
    recs = [r for r in _numeric_and_essays() if r.question_type == "essay"]
    questions = moodle_tree(QUIZ, recs).findall("question[@type='essay']")
    assert len(questions) == len(recs) == 2
    for question, rec in zip(questions, recs, strict=True):
        assert question.findtext("responseformat") in ESSAY_RESPONSE_FORMATS
        assert not [a for a in question.findall("answer") if float(a.get("fraction", 0)) > 0]
        grader = words(html_text(question.findtext("graderinfo/text")))
        assert words(rec.data["model_answer"]) in grader
        assert all(words(point) in grader for point in rec.data["rubric"])
        feedback = words(html_text(question.findtext("generalfeedback/text")))
        assert words(rec.data["model_answer"]) not in feedback
        assert float(question.findtext("defaultgrade")) == len(rec.data["rubric"])


def test_gift_numerical_and_essay_read_back_as_moodle_reads_them() -> None:
    recs = _numeric_and_essays()
    result = gift_of(recs)
    assert result.exported == [r.id for r in recs]
    questions = gift_questions(result.data.decode("utf-8"))
    assert [q["kind"] for q in questions] == [
        "numerical" if r.question_type == "numeric" else "essay" for r in recs
    ]
    for question, rec in zip(questions, recs, strict=True):
        if rec.question_type == "numeric":
            ((low, high, grade),) = question["numerical"]
            assert (low, high) == pytest.approx(_accepted(rec.data)) and grade == 1.0


def test_the_gift_reader_reads_the_numerical_forms_the_docs_give() -> None:
    """The examples of Moodle's GIFT documentation, written by hand, read as it says."""
    text = (
        "::Q1:: When was Ulysses S. Grant born? {#1822:5}\n\n"
        "::Q2:: What is the value of pi (to 3 decimal places)? {#3.141..3.142}\n\n"
        "::Q3:: When was Ulysses S. Grant born? {#\n    =1822:0\n    =%50%1822:2\n}\n\n"
        "::Q4:: How are you? {}\n"
    )
    q1, q2, q3, q4 = gift_questions(text)
    assert q1["numerical"] == [(1817.0, 1827.0, 1.0)]
    assert q2["numerical"] == [(3.141, 3.142, 1.0)]
    assert q3["numerical"] == [(1822.0, 1822.0, 1.0), (1820.0, 1824.0, 0.5)]
    assert [q["kind"] for q in (q1, q2, q3, q4)] == ["numerical"] * 3 + ["essay"]
