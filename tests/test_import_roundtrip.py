"""Every export format quizgen can import comes back with the same questions and keys (issue 12
item 5), and `import` names the formats it reads (item 24)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from quizgen.errors import InputError
from quizgen.export import FORMATS, export_quiz, parse_items
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.review.importing import parse_text2qti, read_import_file
from quizgen.store import Store
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.every_type import QUIZ, hostile_records, records

ROUND_TRIP_SPEC = """
title = "Round trip"
[llm]
provider = "mock"
[modules.cells]
name = "Cell Structure"
sources = ["content/cells.md"]
question_batches = [
  { question_type = "multiple_choice", count = 4 },
  { question_type = "multiple_answer", count = 3 },
  { question_type = "true_false", count = 3 },
  { question_type = "fill_in_blank", count = 4 },
]
[modules.ecology]
name = "Ecology"
sources = ["content/ecology.md"]
question_batches = [
  { question_type = "matching", count = 2 },
  { question_type = "categorization", count = 2 },
]
[modules.genetics]
name = "Genetics"
sources = ["content/genetics.md"]
question_batches = [
  { question_type = "ordering", count = 1 },
]
"""
IMPORTABLE = ("json", "markdown")
"""The export formats `quizgen import` reads."""


def key(question_type: str, data: dict[str, Any]) -> Any:
    """The answer key of a question, whatever its type."""
    if question_type in ("multiple_choice", "multiple_answer"):
        return [(o["text"], o["correct"]) for o in data["options"]]
    if question_type == "true_false":
        return data["correct_answer"]
    if question_type == "fill_in_blank":
        return [(b["position"], b["answers"]) for b in data["blanks"]]
    if question_type == "matching":
        return [(p["prompt"], p["answer"]) for p in data["pairs"]], data["distractors"]
    if question_type == "ordering":
        return list(data["items"])
    if question_type == "numeric":
        return data.get("answer"), data.get("margin") or 0, data.get("range")
    if question_type == "essay":
        return lines(data["model_answer"]), [" ".join(p.split()) for p in data["rubric"]]
    return [(c["name"], c["items"]) for c in data["categories"]], data["distractors"]


def lines(text: str) -> str:
    """Text as a line-oriented format keeps it: each line stripped, empty lines dropped."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def new_quiz(cli, folder: Path) -> str:
    code, doc = invoke_json(cli, "create", str(folder / "quiz.toml"))
    assert code == 0
    return doc["quiz"]["id"]


def questions(quiz_id: str, status: ReviewStatus | None = None) -> list[QuestionRecord]:
    store = Store.open()
    try:
        return store.questions(quiz_id, review_status=status)
    finally:
        store.close()


def reject_all(quiz_id: str) -> None:
    """A fresh quiz whose own questions are out of the way (rejected), so nothing imported
    collides with them as a repeat."""
    store = Store.open()
    try:
        ids = [q.id for q in store.questions(quiz_id)]
        store.set_review_status(
            quiz_id, ids, ReviewStatus.REJECTED, reasons=("reviewer:other",), note="cleared"
        )
    finally:
        store.close()


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    (folder / "quiz.toml").write_text(ROUND_TRIP_SPEC, encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", IMPORTABLE)
def test_every_importable_export_comes_back_with_the_same_questions_and_keys(
    cli, course: Path, tmp_path: Path, fmt: str
) -> None:
    source = new_quiz(cli, course)
    assert invoke(cli, "approve", source, "--all")[0] == 0
    exported = tmp_path / f"export.{FORMATS[fmt].extension}"
    code, doc = invoke_json(cli, "export", source, "-f", fmt, "-o", str(exported))
    assert code == 0
    originals = {q.id: q for q in questions(source)}
    held = [originals[question_id] for question_id in doc["exported"]]
    kinds = {q.question_type for q in held}
    assert ("ordering" in kinds) == (fmt == "json")  # text2qti has no ordering question
    assert len(held) >= 10 and kinds >= {
        "multiple_choice",
        "multiple_answer",
        "true_false",
        "fill_in_blank",
    }
    target = new_quiz(cli, course)
    reject_all(target)
    module = ["--module", "cells"] if fmt == "markdown" else []  # text2qti names no module
    code, result = invoke_json(cli, "import", target, str(exported), *module)
    assert code == 0, result
    assert result["kept"] == len(held) and result["rejected"] == 0 and result["skipped"] == []
    imported = questions(target, ReviewStatus.PENDING)
    assert len(imported) == len(held)
    for original, back in zip(held, imported, strict=True):
        assert back.question_type == original.question_type
        assert back.module_id == original.module_id
        assert back.flags == []  # the quote came back too: nothing for quizgen to guess
        if fmt == "json":
            assert back.data == original.data
            continue
        assert back.data["question_text"] == lines(original.data["question_text"])
        assert key(back.question_type, back.data) == key(original.question_type, original.data)
        assert back.data["source_quote"] == lines(original.data["source_quote"])
        assert back.data["explanation"] == lines(original.data["explanation"])


@pytest.mark.parametrize("source", [records, hostile_records], ids=["examples", "hostile"])
def test_our_markdown_reads_back_as_written_however_hostile_the_text(source) -> None:
    recs = source()
    result = export_quiz(FORMATS["markdown"], QUIZ, recs)
    back = parse_text2qti(result.data.decode("utf-8"), "export.md")
    items = {item.id: item for item in parse_items(recs)[0]}
    assert len(back) == len(result.exported)
    for question_id, imported in zip(result.exported, back, strict=True):
        original = items[question_id].record
        assert imported.question_type == original.question_type
        data = imported.data
        assert data["question_text"] == lines(original.data["question_text"])
        assert data["explanation"] == lines(original.data["explanation"])
        assert data["source_quote"] == lines(original.data["source_quote"])
        expected = original.data
        if original.question_type in ("multiple_choice", "multiple_answer"):
            expected = {
                "options": [dict(o, text=lines(o["text"])) for o in original.data["options"]]
            }
        if original.question_type == "fill_in_blank":
            expected = {"blanks": [dict(b, answers=b["answers"]) for b in original.data["blanks"]]}
        assert key(imported.question_type, data) == key(original.question_type, expected)


def test_text2qti_short_answers_are_star_lines(tmp_path: Path) -> None:
    path = tmp_path / "bank.md"
    path.write_text(
        "Quiz title: Short answers\n\n"
        "1.  The powerhouse of the cell is the _____.\n"
        "*   mitochondrion\n"
        "*   mitochondria\n\n"
        "2.  Which molecule carries the genetic code?\n"
        "*   DNA\n",
        encoding="utf-8",
    )
    fmt, items = read_import_file(path)
    assert fmt == "text2qti"
    first, second = items
    assert first.question_type == second.question_type == "fill_in_blank"
    assert first.data["question_text"] == "The powerhouse of the cell is the [blank_1]."
    assert first.data["blanks"] == [{"position": 1, "answers": ["mitochondrion", "mitochondria"]}]
    assert second.data["question_text"].endswith("code? [blank_1]")


# Written by hand from text2qti's README (quiz settings, `Title:`/`Points:` before a question,
# general, correct, incorrect and per-choice feedback, indented continuation lines, `[*]`
# multiple answers, `*` short answers, `=` numerical, `____` essay, `^^^^` file upload; every
# question numbered "1."), not from quizgen's own export.
TEXT2QTI_README_STYLE = """\
Quiz title: Cells
Quiz description: Checking the cell unit.
Shuffle answers: true

Title: Energy
Points: 2
1.  Which organelle is the site of most
    ATP production?
...  Cells make ATP by respiration.
+   Right.
-   Look again at the notes.
a)  Ribosome
... Ribosomes make proteins.
*b) Mitochondrion
c)  Nucleolus

1.  Which of these are organelles?
[*] Nucleus
[ ] Cytoplasm
[*] Golgi apparatus

1.  Prokaryotic cells have a nucleus.
a)  True
*b) False

1.  Which molecule carries the genetic code?
*   DNA
*   deoxyribonucleic acid

1.  What is the square root of 2?
=   1.4142 +- 0.0001

1.  Describe the cell membrane.
____

1.  Upload a labelled drawing of a cell.
^^^^
"""


def test_a_hand_written_text2qti_file_reads_as_text2qti_documents_it(tmp_path: Path) -> None:
    path = tmp_path / "bank.md"
    path.write_text(TEXT2QTI_README_STYLE, encoding="utf-8")
    fmt, items = read_import_file(path)
    assert fmt == "text2qti"
    assert [item.number for item in items] == [1, 2, 3, 4, 5, 6, 7]
    assert [item.question_type for item in items] == [
        "multiple_choice",
        "multiple_answer",
        "true_false",
        "fill_in_blank",
        "numeric",
        None,
        None,
    ]
    mc, ma, tf, short, numerical, essay, upload = items
    assert mc.data["question_text"] == "Which organelle is the site of most ATP production?"
    assert mc.data["explanation"] == "Cells make ATP by respiration."
    assert [(o["text"], o["correct"]) for o in mc.data["options"]] == [
        ("Ribosome", False),
        ("Mitochondrion", True),
        ("Nucleolus", False),
    ]
    assert [(o["text"], o["correct"]) for o in ma.data["options"]] == [
        ("Nucleus", True),
        ("Cytoplasm", False),
        ("Golgi apparatus", True),
    ]
    assert tf.data["correct_answer"] is False
    assert short.data["question_text"] == "Which molecule carries the genetic code? [blank_1]"
    assert short.data["blanks"] == [{"position": 1, "answers": ["DNA", "deoxyribonucleic acid"]}]
    assert (numerical.data["answer"], numerical.data["margin"]) == (1.4142, 0.0001)
    assert (essay.kind, upload.kind) == ("essay", "file upload")
    assert "source_quote" not in mc.data  # text2qti has no source quotes


@pytest.mark.parametrize(
    ("fmt", "name"), [("gift", "bank.gift.txt"), ("csv", "bank.csv"), ("moodle", "bank.xml")]
)
def test_a_file_import_cannot_read_names_the_formats_it_reads(
    tmp_path: Path, fmt: str, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(export_quiz(FORMATS[fmt], QUIZ, records()).data)
    with pytest.raises(InputError) as caught:
        read_import_file(path)
    message = caught.value.message
    assert "quizgen JSON export" in message and "text2qti Markdown" in message
    assert "GIFT" in message and "CSV" in message
    assert "no numbered questions found (text2qti" not in message


def test_a_qti_zip_is_named_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "bank.qti.zip"
    path.write_bytes(export_quiz(FORMATS["qti"], QUIZ, records()).data)
    with pytest.raises(InputError, match="QTI zip cannot be imported"):
        read_import_file(path)


def test_an_imported_repeat_is_explained_to_the_instructor(
    cli, course: Path, tmp_path: Path
) -> None:
    quiz_id = new_quiz(cli, course)
    exported = tmp_path / "again.json"
    assert (
        invoke(cli, "export", quiz_id, "-f", "json", "--include-pending", "-o", str(exported))[0]
        == 0
    )
    code, doc = invoke_json(cli, "import", quiz_id, str(exported))
    assert code == 1 and doc["kept"] == 0
    notes = [row["rejection_note"] for row in doc["questions"]]
    assert all("ask something else" not in note for note in notes)
    assert any("quizgen edit" in note for note in notes)


def test_the_hand_written_file_is_text2qti_as_text2qti_itself_reads_it() -> None:
    """The fixture above is written from memory of text2qti's README; text2qti's own parser is
    the judge that it is real text2qti syntax, not quizgen's idea of it."""
    text2qti_quiz = pytest.importorskip("text2qti.quiz")
    text2qti_config = pytest.importorskip("text2qti.config")
    quiz = text2qti_quiz.Quiz(TEXT2QTI_README_STYLE, config=text2qti_config.Config())
    questions = [q for q in quiz.questions_and_delims if hasattr(q, "type")]
    assert [q.type for q in questions] == [
        "multiple_choice_question",
        "multiple_answers_question",
        "true_false_question",
        "short_answer_question",
        "numerical_question",
        "essay_question",
        "file_upload_question",
    ]
