"""Integrity through generation and the CLI: replacements for repeats, --verify, check, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.checks.duplicates import DUPLICATE_QUESTION, NEAR_DUPLICATE
from quizgen.checks.recheck import check_questions
from quizgen.checks.screen import KEY_DISPUTED
from quizgen.content import Section, assemble, module_content
from quizgen.generation.run import generate
from quizgen.llm.mock import MockAdapter
from quizgen.models import BatchStatus, PlannedBatch, batch_key
from quizgen.store import NewModule, Store
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.fakes.scripted_llm import ScriptedAdapter, answer, content, tf_question

REPEATS = {DUPLICATE_QUESTION, NEAR_DUPLICATE}


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path / "integrity.db")
    yield opened
    opened.close()


STORED_SPEC = {
    "title": "Quiz",
    "modules": {
        "cells": {
            "name": "Cells",
            "question_batches": [{"question_type": "true_false", "count": 1}],
        }
    },
}
"""A valid spec snapshot: generation reads it back through the spec model."""


def quiz_with(
    store: Store, text: str, modules: tuple[str, ...], batches: dict[str, int], spec=None
):
    body = assemble([Section("notes.md", text)])
    return store.create_quiz(
        title="Quiz",
        language="en",
        provider="test",
        model="test-1",
        spec_path="spec.toml",
        spec=spec or STORED_SPEC,
        modules=[
            NewModule(
                m,
                m,
                body.text,
                body.sha256,
                [{"source": "notes.md", "start": 0, "end": len(body.text)}],
                [],
            )
            for m in modules
        ],
        batches=[
            PlannedBatch(batch_key(m, qtype, n), m, qtype, n, None)
            for m in modules
            for qtype, n in batches.items()
        ],
    )


def contents_of(store: Store, quiz_id: str):
    return {m.module_id: module_content(m) for m in store.modules(quiz_id)}


def repeats_left(store: Store, quiz_id: str) -> list:
    results = check_questions(store.questions(quiz_id), contents_of(store, quiz_id))
    return [r for r in results if REPEATS & {p.code for p in r.problems}]


# -- replacements for repeats --------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_reworded_repeat_from_another_module_is_replaced(store: Store) -> None:
    quiz = quiz_with(store, content(), ("cells", "genes"), {"true_false": 2})
    reworded = tf_question(1, text="According to fact 1, organelle 1 keeps the cell alive.")
    adapter = ScriptedAdapter(
        {
            "cells_true_false_2": [answer([tf_question(1), tf_question(2)])],
            "genes_true_false_2": [answer([reworded, tf_question(3)]), answer([tf_question(4)])],
        }
    )
    await generate(store, quiz, adapter, concurrency=1)
    second = adapter.asked("genes_true_false_2")[1]
    assert "near_duplicate" in second.messages[-1].content
    assert reworded["question_text"] in second.task.avoid  # the next ask avoids it too
    assert all(
        b.status == BatchStatus.SUCCEEDED and b.generated_count == 2 for b in store.batches(quiz.id)
    )
    rejected = [q for q in store.questions(quiz.id, include_rejected=True) if q.rejection_reasons]
    assert [q.rejection_reasons for q in rejected] == [[NEAR_DUPLICATE]]
    assert repeats_left(store, quiz.id) == []


@pytest.mark.anyio
async def test_two_modules_with_the_same_content_end_at_exact_counts_without_repeats(
    store: Store,
) -> None:
    text = (EXAMPLE / "content" / "cells.md").read_text(encoding="utf-8")
    # Fewer statements than choices: a true statement restating a sentence another question
    # asks about is a give-away, so one content cannot hold 20 of each twice over.
    batches = {"multiple_choice": 20, "true_false": 8}
    quiz = quiz_with(store, text, ("cells", "cells_again"), batches)
    await generate(store, quiz, MockAdapter(latency=0), concurrency=4)
    for batch in store.batches(quiz.id):
        assert batch.status == BatchStatus.SUCCEEDED and batch.generated_count == batch.target_count
        kept = store.questions(
            quiz.id, module_id=batch.module_id, question_type=batch.question_type
        )
        assert len(kept) == batch.target_count
    reasons = {
        code
        for q in store.questions(quiz.id, include_rejected=True)
        for code in q.rejection_reasons
    }
    assert reasons & REPEATS, "identical modules must collide, and the collision be replaced"
    assert repeats_left(store, quiz.id) == []


# -- --verify ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_verify_flags_a_disagreement_and_records_the_call(store: Store) -> None:
    quiz = quiz_with(store, content(), ("cells",), {"true_false": 2})
    key = "cells_true_false_2"
    verdicts = json.dumps(
        {"answers": [{"number": 1, "answer": ["true"]}, {"number": 2, "answer": ["false"]}]}
    )
    adapter = ScriptedAdapter({key: [answer([tf_question(1), tf_question(2)]), verdicts]})
    await generate(store, quiz, adapter, verify=True)
    verify_request = adapter.asked(key)[1]
    assert "answer" in json.dumps(verify_request.json_schema)
    assert "PASSAGE" in verify_request.messages[-1].content
    assert "correct_answer" not in verify_request.messages[-1].content  # never the key
    flags = [q.flags for q in store.questions(quiz.id)]
    assert flags == [[], [KEY_DISPUTED]]
    calls = store.llm_calls(quiz.id, key)
    assert len(calls) == 2 and store.batches(quiz.id)[0].calls == 2


@pytest.mark.anyio
async def test_mock_verification_agrees_with_the_mock_questions(store: Store) -> None:
    text = (EXAMPLE / "content" / "genetics.md").read_text(encoding="utf-8")
    batches = {"multiple_choice": 12, "true_false": 12, "fill_in_blank": 12, "multiple_answer": 6}
    quiz = quiz_with(store, text, ("genetics",), batches)
    await generate(store, quiz, MockAdapter(latency=0), verify=True)
    assert all(not q.flags for q in store.questions(quiz.id))
    verify_calls = [c for c in store.llm_calls(quiz.id) if "PASSAGE" in c["prompt"]]
    assert len(verify_calls) == 2 + 2 + 2 + 1  # one per 10 questions of each batch


# -- the CLI -------------------------------------------------------------------------------------


def created(cli, example: Path, *extra: str) -> str:
    code, document = invoke_json(cli, "create", str(example), *extra)
    assert code == 0
    return document["quiz"]["id"]


def test_check_json_parses_and_is_clean_on_a_fresh_mock_quiz(cli, example: Path) -> None:
    quiz_id = created(cli, example)
    code, document = invoke_json(cli, "check", quiz_id)
    assert code == 0
    assert document["checked"] == 45 and document["flagged"] == 0
    assert all(q["ok"] for q in document["questions"])


def test_check_reports_an_edited_question_and_exits_1(cli, example: Path, db_path: Path) -> None:
    quiz_id = created(cli, example)
    store = Store.open(db_path)
    question = store.questions(quiz_id, question_type="true_false")[0]
    data = {**question.data, "source_quote": "Mendel discovered DNA in 1953."}
    store.db.conn.execute(
        "UPDATE questions SET data = ? WHERE id = ?", (json.dumps(data), question.id)
    )
    store.close()
    code, document = invoke_json(cli, "check", quiz_id)
    assert code == 1 and document["flagged"] == 1
    [flagged] = [q for q in document["questions"] if not q["ok"]]
    assert flagged["id"] == question.id
    assert [p["code"] for p in flagged["problems"]] == ["quote_not_found"]


def test_create_with_verify_in_the_spec_records_verification_calls(
    cli, example: Path, db_path: Path
) -> None:
    example.write_text(example.read_text() + "\n[checks]\nverify = true\n", encoding="utf-8")
    quiz_id = created(cli, example)
    store = Store.open(db_path)
    prompts = [c["prompt"] for c in store.llm_calls(quiz_id)]
    store.close()
    assert sum("PASSAGE" in p for p in prompts) == 4  # MC 10, FIB 5, TF 10, MA 10 → 1 call each


def export_file(tmp_path: Path, quiz_id: str, questions: list[dict]) -> Path:
    document = {
        "format": "quizgen-quiz",
        "version": 1,
        "quiz": {"id": quiz_id, "title": "Old bank", "language": "en"},
        "questions": [
            {"id": f"old{n}", "module_id": "cells", "batch_key": "old", "question_type": t,
             "review_status": "approved", "data": d, "citation": None}
            for n, (t, d) in enumerate(questions)
        ],
    }  # fmt: skip
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_import_json_rejects_flawed_questions_with_reasons_and_keeps_the_rest(
    cli, example: Path, tmp_path: Path, db_path: Path
) -> None:
    quiz_id = created(cli, example)
    store = Store.open(db_path)
    existing = store.questions(quiz_id, module_id="cells", question_type="multiple_choice")[0]
    store.close()
    quote = (
        "Cells with high energy demands, such as muscle cells, contain thousands of mitochondria."
    )
    options = [("Muscle cells", True), ("Skin cells", False), ("Red blood cells", False)]
    good = {
        "question_text": "Which cells are given as an example of cells with high energy demands?",
        "options": [{"text": t, "correct": c} for t, c in [*options, ("Guard cells", False)]],
        "explanation": "",
        "source_quote": quote,
    }
    placeholder = {**good, "question_text": "Question 2"}
    misquoted = {**good, "question_text": "Which cells have thousands of mitochondria in them?",
                 "source_quote": quote.replace("thousands", "hundreds")}  # fmt: skip
    path = export_file(
        tmp_path,
        quiz_id,
        [("multiple_choice", good), ("multiple_choice", placeholder),
         ("multiple_choice", misquoted), ("multiple_choice", existing.data)],
    )  # fmt: skip
    code, document = invoke_json(cli, "import", quiz_id, str(path))
    assert code == 1
    statuses = [(q["status"], q["rejection_reasons"]) for q in document["questions"]]
    assert statuses == [
        ("pending", []),
        ("rejected", ["placeholder_text"]),
        ("rejected", ["quote_not_found"]),
        ("rejected", ["duplicate_question"]),
    ]
    code, status = invoke_json(cli, "status", quiz_id)
    [imported] = status["imports"]
    assert imported["kept"] == 1
    assert imported["rejections"] == {
        "duplicate_question": 1,
        "placeholder_text": 1,
        "quote_not_found": 1,
    }
    assert all("rejections" in batch for batch in status["batches"])
    code, shown = invoke_json(cli, "show", quiz_id, "--status", "rejected")
    rejected_imports = [q for q in shown["questions"] if q["batch_key"] == imported["batch_key"]]
    assert len(rejected_imports) == 3


TEXT2QTI = """\
Quiz title: Old cell bank

1.  Which organelle is the site of most ATP production?
... The mitochondrion releases energy from food molecules.
a)  Ribosome
*b) Mitochondrion
c)  Nucleolus
d)  Lysosome

2.  Plant cell walls are made mostly of cellulose.
*a) True
b)  False

3.  Which of these are found in plant cells?
[*] Chloroplast
[*] Central vacuole
[ ] Nucleoid
[ ] Plasmid
[ ] Flagellum

4.  Which molecule stores the instructions for antibodies in the spleen?
=   spleen RNA

5.  Describe the endosymbiotic theory.
____
"""


def test_import_text2qti_locates_quotes_honestly(cli, example: Path, tmp_path: Path) -> None:
    quiz_id = created(cli, example)
    path = tmp_path / "bank.md"
    path.write_text(TEXT2QTI, encoding="utf-8")
    code, document = invoke_json(cli, "import", quiz_id, str(path), "--module", "cells")
    assert code == 1
    assert document["format"] == "text2qti"
    by_number = {q["number"]: q for q in document["questions"]}
    assert by_number[1]["status"] == "pending" and by_number[1]["flags"] == ["unverified_source"]
    assert by_number[2]["question_type"] == "true_false" and by_number[2]["status"] == "pending"
    assert by_number[3]["question_type"] == "multiple_answer"
    assert by_number[4]["rejection_reasons"] == ["missing_quote"]
    assert document["skipped"] == [{"number": 5, "kind": "essay"}]
    code, shown = invoke_json(
        cli, "show", quiz_id, "--module", "cells", "--type", "multiple_choice"
    )
    imported = [q for q in shown["questions"] if q["batch_key"].startswith("import_bank_")]
    assert imported[0]["citation"]["source"].endswith("cells.md")
    assert "mitochondrion" in imported[0]["data"]["source_quote"]


def test_import_into_an_unknown_module_is_an_input_error(
    cli, example: Path, tmp_path: Path
) -> None:
    quiz_id = created(cli, example)
    path = tmp_path / "bank.md"
    path.write_text(TEXT2QTI, encoding="utf-8")
    code, _out, err = invoke(cli, "import", quiz_id, str(path))
    assert code == 2 and "pass --module" in err
    code, _out, err = invoke(cli, "import", quiz_id, str(path), "--module", "botany")
    assert code == 2 and "botany" in err
    code, status = invoke_json(cli, "status", quiz_id)
    assert status["imports"] == []  # nothing stored
