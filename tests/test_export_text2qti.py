"""Cross-check against a real peer: text2qti converts our Markdown export, and agrees with us."""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from quizgen.export import FORMATS, export_quiz, parse_items
from quizgen.export.base import feedback_text
from tests.every_type import QUIZ, hostile_records, records

text2qti_quiz = pytest.importorskip("text2qti.quiz")
text2qti_config = pytest.importorskip("text2qti.config")

TYPES = {
    "multiple_choice": "multiple_choice_question",
    "multiple_answer": "multiple_answers_question",
    "true_false": "true_false_question",
    "fill_in_blank": "short_answer_question",
    "numeric": "numerical_question",
    "essay": "essay_question",
}


def shown_text(html_xml: str) -> str:
    """What a student reads: text2qti's HTML (XML-escaped once more) as plain text."""
    markup = html.unescape(html_xml)  # undo text2qti's XML escaping of the HTML
    markup = re.sub(r"<br\s*/?>\n?", "\n", markup)
    markup = re.sub(r"</p>\s*<p>", "\n\n", markup)
    assert "<script" not in markup.lower()
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def parse_with_text2qti(text: str):
    return text2qti_quiz.Quiz(text, config=text2qti_config.Config())


@pytest.mark.parametrize("source", [records, hostile_records], ids=["examples", "hostile"])
def test_text2qti_reads_our_markdown_as_we_wrote_it(source) -> None:
    recs = source()
    result = export_quiz(FORMATS["markdown"], QUIZ, recs)
    quiz = parse_with_text2qti(result.data.decode("utf-8"))
    items = {item.id: item for item in parse_items(recs)[0]}
    theirs = quiz.questions_and_delims
    assert len(theirs) == len(result.exported)
    for question_id, parsed in zip(result.exported, theirs, strict=True):
        item = items[question_id]
        ours = item.question
        assert parsed.type == TYPES[item.type_name]
        assert parsed.points_possible == item.points
        stem = ours.question_text.replace("[blank_1]", "_____")
        assert shown_text(parsed.question_html_xml) == "\n".join(
            line.strip() for line in stem.splitlines() if line.strip()
        )
        assert shown_text(parsed.feedback_html_xml) == "\n".join(
            line.strip() for line in feedback_text(item).splitlines() if line.strip()
        ).replace("\n\n", "\n")
        if item.type_name == "fill_in_blank":
            answers = [html.unescape(choice.choice_xml) for choice in parsed.choices]
            assert answers == ours.blanks[0].answers
            continue
        if item.type_name == "numeric":
            assert accepted_by_text2qti(parsed) == accepted_by_us(ours)
            continue
        if item.type_name == "essay":
            assert parsed.choices == [] and parsed.numerical_exact is None
            continue
        choices = [(shown_text(c.choice_html_xml), c.correct) for c in parsed.choices]
        if item.type_name == "true_false":
            assert choices == [("True", ours.correct_answer), ("False", not ours.correct_answer)]
        else:
            expected = [
                ("\n".join(line.strip() for line in o.text.splitlines()), o.correct)
                for o in ours.options
            ]
            assert choices == expected


def accepted_by_text2qti(parsed) -> tuple[float, float]:
    return (float(parsed.numerical_min), float(parsed.numerical_max))


def accepted_by_us(question) -> tuple[float, float]:
    if question.range is not None:
        return (question.range.low, question.range.high)
    return (question.answer - question.margin, question.answer + question.margin)


def test_text2qti_reads_every_numerical_form_we_write() -> None:
    """Exact integers, exact decimals (text2qti reads a bare number only as an integer), a
    margin, a negative range; an answer text2qti cannot hold (near zero) is left out, listed."""
    base = records()[0]
    forms = [
        {"answer": 1953, "margin": 0},
        {"answer": 2.5, "margin": 0},
        {"answer": 86, "margin": 4.5},
        {"range": {"low": -40.5, "high": 12}},
        {"answer": 0, "margin": 0},
    ]
    recs = [
        replace(base, id=f"n{n}", question_type="numeric", data={
            "question_text": f"What is the value number {n} in degrees?",
            "source_quote": "Numbers.", **form})
        for n, form in enumerate(forms)
    ]  # fmt: skip
    result = export_quiz(FORMATS["markdown"], QUIZ, recs)
    assert [lo.question_id for lo in result.left_out] == ["n4"]
    assert "0.0001" in result.left_out[0].reason
    parsed = parse_with_text2qti(result.data.decode("utf-8")).questions_and_delims
    items = {item.id: item for item in parse_items(recs)[0]}
    assert [accepted_by_text2qti(p) for p in parsed] == [
        accepted_by_us(items[i].question) for i in result.exported
    ]
    assert [p.type for p in parsed] == ["numerical_question"] * 4


def test_text2qti_builds_a_qti_zip_that_keeps_model_markup_inert(tmp_path: Path) -> None:
    qti = pytest.importorskip("text2qti.qti")
    text = export_quiz(FORMATS["markdown"], QUIZ, hostile_records()).data.decode("utf-8")
    target = tmp_path / "quiz.zip"
    qti.QTI(parse_with_text2qti(text)).save(target)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert "imsmanifest.xml" in names
        (assessment,) = [
            n for n in names if n.count("/") == 1 and n.endswith(".xml") and "meta" not in n
        ]
        xml = archive.read(assessment).decode("utf-8")
    # The item HTML is XML-escaped once; model markup is escaped once more, so "<script>" in
    # the HTML (which would read "&lt;script&gt;" here) never appears — only "&amp;lt;script".
    assert "<script>" not in xml and "&lt;script&gt;" not in xml
    assert "&amp;lt;script&amp;gt;" in xml
