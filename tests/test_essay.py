"""The essay type: its shape and checks, the grounding of its model answer and rubric, the mock's
essays from explanatory prose, that nothing ever scores it, and its way back through import."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from quizgen.checks.screen import Screen
from quizgen.content import Section, assemble
from quizgen.export import FORMATS, export_quiz
from quizgen.llm.mock import generate_questions
from quizgen.questions import REGISTRY
from quizgen.review.importing import parse_text2qti
from quizgen.review.rules import edit_document, parse_edit_document
from quizgen.web.forms import FormData, data_from_form, form_rows
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.every_type import QUIZ, record

ESSAY = REGISTRY["essay"]
NUCLEOID = (
    "Because the nucleoid has no membrane around it, transcription and translation can happen "
    "side by side in a prokaryote."
)
GOOD = {
    "question_text": "Explain why transcription and translation can happen side by side in a "
    "prokaryote.",
    "model_answer": "The nucleoid of a prokaryote has no membrane around it, so transcription "
    "and translation are not kept apart and can happen side by side.",
    "rubric": [
        "States that the nucleoid has no membrane around it",
        "Links the missing membrane to transcription and translation happening side by side",
    ],
    "explanation": "",
    "source_quote": NUCLEOID,
}


def codes(data: dict[str, Any]) -> list[str]:
    content = assemble([Section("cells.md", data["source_quote"])])
    return [p.code for p in Screen().screen(ESSAY, data, content).problems]


def test_a_grounded_essay_passes_and_is_worth_a_point_per_rubric_point() -> None:
    question, problems = ESSAY.parse(GOOD)
    assert problems == [] and codes(GOOD) == []
    assert ESSAY.points(question) == 2
    assert "model answer:" in ESSAY.render(question) and "2. Links" in ESSAY.render(question)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"rubric": []}, "invalid_shape"),
        ({"rubric": [f"Point {n} of the nucleoid" for n in range(7)]}, "invalid_shape"),
        ({"model_answer": "Because of the nucleoid."}, "too_short"),
        ({"model_answer": "TODO"}, "placeholder_text"),
        ({"rubric": ["Option B", "States that the nucleoid has no membrane"]}, "placeholder_text"),
        ({"rubric": ["States the membrane.", "states the  membrane"]}, "duplicate_answers"),
    ],
)
def test_the_type_checks_refuse_a_hollow_model_answer_or_rubric(change: dict, code: str) -> None:
    assert code in [p.code for p in ESSAY.parse({**GOOD, **change})[1]]


def test_a_model_answer_the_quote_does_not_hold_is_not_grounded() -> None:
    outside = {
        **GOOD,
        "model_answer": "Ribosomes in the cytoplasm bind the messenger RNA while RNA polymerase "
        "is still copying the gene, because bacteria divide quickly and need proteins fast.",
    }
    assert codes(outside) == ["key_not_grounded"]
    number = {**GOOD, "model_answer": GOOD["model_answer"] + " It takes 20 minutes."}
    assert codes(number) == ["key_not_grounded"]


def test_a_rubric_point_the_quote_does_not_hold_is_not_grounded() -> None:
    style = {**GOOD, "rubric": [*GOOD["rubric"], "Uses correct spelling and clear paragraphs"]}
    assert codes(style) == ["key_not_grounded"]


def test_the_mock_writes_essays_from_explanatory_prose_and_they_pass_the_screen() -> None:
    text = (EXAMPLE / "content" / "ecology.md").read_text(encoding="utf-8")
    content = assemble([Section("ecology.md", text)])
    questions = generate_questions(text, "essay", 12, "ecology_essay_12")
    assert len(questions) == 12
    assert questions[0]["question_text"].startswith("Explain why")  # a "because"/"so" sentence
    screen = Screen()
    for question in questions:
        verdict = screen.screen(ESSAY, question, content)
        assert verdict.accepted, verdict.problems
        screen.admit(verdict.question, "b")
    assert generate_questions(text, "essay", 12, "ecology_essay_12") == questions


def test_no_export_scores_an_essay_and_graders_get_the_model_answer() -> None:
    recs = [record(1, "essay", dict(GOOD))]
    moodle = export_quiz(FORMATS["moodle"], QUIZ, recs).data.decode("utf-8")
    assert 'type="essay"' in moodle and "graderinfo" in moodle and "fraction" not in moodle
    gift = export_quiz(FORMATS["gift"], QUIZ, recs).data.decode("utf-8")
    body = gift.split(" {\n", 1)[1]
    assert body.lstrip().startswith("####") and "=" not in body.split("####")[0]
    markdown = export_quiz(FORMATS["markdown"], QUIZ, recs).data.decode("utf-8")
    assert "\n____\n" in markdown and "Model answer: " in markdown
    back = parse_text2qti(markdown, "bank.md")[0]
    assert back.question_type == "essay"
    assert back.data["model_answer"] == GOOD["model_answer"]
    assert back.data["rubric"] == GOOD["rubric"]


def test_a_text2qti_essay_without_a_model_answer_is_skipped_not_guessed() -> None:
    (item,) = parse_text2qti("1.  Describe the cell membrane.\n____\n", "bank.md")
    assert (item.question_type, item.kind) == (None, "essay")


def test_the_edit_document_and_the_web_form_hold_an_essay() -> None:
    question, _ = ESSAY.parse(GOOD)
    edited, problems = parse_edit_document(edit_document(record(1, "essay", GOOD), ESSAY))
    assert problems == [] and ESSAY.parse(edited)[0] == question
    rows = form_rows("essay", GOOD)
    assert rows["rubric"].splitlines() == GOOD["rubric"]
    form = {**{k: GOOD[k] for k in ("question_text", "explanation", "source_quote")}, **rows}
    assert ESSAY.parse(data_from_form("essay", FormData(form)))[0] == question


ESSAY_SPEC = """
title = "Essays"
language = "en"
[course]
id = 12345
[llm]
provider = "mock"
[modules.ecology]
name = "Ecology"
sources = ["content/ecology.md"]
question_batches = [
  { question_type = "essay", count = 3 },
  { question_type = "true_false", count = 3 },
]
"""


@pytest.mark.parametrize("engine", ["new", "classic"])
def test_an_essay_batch_is_filled_on_the_mock_and_published_unscored(
    cli, tmp_path: Path, canvas: Any, engine: str
) -> None:
    canvas.add_course(12345, "Biology")
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    (folder / "quiz.toml").write_text(ESSAY_SPEC, encoding="utf-8")
    code, doc = invoke_json(cli, "create", str(folder / "quiz.toml"))
    assert code == 0 and doc["totals"]["questions"] == doc["totals"]["target"] == 6
    quiz_id = doc["quiz"]["id"]
    assert invoke(cli, "approve", quiz_id, "--all")[0] == 0
    code, published = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and published["created"] == 6 and published["failed"] == []
    if engine == "new":
        (items,) = canvas.new_items.values()
        essays = [i for i in items if i["entry"]["interaction_type_slug"] == "essay"]
        assert len(essays) == 3
        assert all(i["entry"]["scoring_algorithm"] == "None" for i in essays)
        assert all("Model answer" in i["entry"]["scoring_data"]["value"] for i in essays)
    else:
        (questions,) = canvas.classic_questions.values()
        essays = [q for q in questions if q["question_type"] == "essay_question"]
        assert len(essays) == 3 and not any(q["answers"] for q in essays)
        assert all("Rubric" in q["neutral_comments_html"] for q in essays)
