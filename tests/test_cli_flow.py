"""The instructor's flows through the CLI, on the offline mock and a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.store import Store
from tests.conftest import EXAMPLE, invoke, invoke_json


def question_ids(db_path: Path, quiz_id: str) -> dict[str, list[str]]:
    store = Store.open(db_path)
    try:
        by_batch: dict[str, list[str]] = {}
        for question in store.questions(quiz_id):
            by_batch.setdefault(question.batch_key, []).append(question.id)
        return by_batch
    finally:
        store.close()


def test_create_generates_every_batch_of_the_example(cli, example: Path) -> None:
    code, doc = invoke_json(cli, "create", str(example))
    assert code == 0
    assert doc["quiz"]["status"] == "ready_for_review"
    assert doc["totals"] == doc["totals"] | {"batches": 6, "succeeded": 6, "questions": 45}
    meta = doc["generation_metadata"]
    assert len(meta["successful_batches"]) == 6 and meta["failed_batches"] == []
    detail = meta["batch_details"]["cells_multiple_choice_10"]
    assert detail["generated_count"] == detail["target_count"] == 10 and detail["timestamp"]


def test_appendix_flow_one_injected_failure_then_retry_only_that_batch(
    cli, example: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZGEN_MOCK_FAIL", "*_matching_*")
    code, doc = invoke_json(cli, "create", str(example))
    assert code == 1
    quiz_id = doc["quiz"]["id"]
    assert doc["quiz"]["status"] == "ready_for_review_partial"
    meta = doc["generation_metadata"]
    assert meta["failed_batches"] == ["genetics_matching_5"]
    assert len(meta["successful_batches"]) == 5
    failed = next(b for b in doc["batches"] if b["key"] == "genetics_matching_5")
    assert failed["status"] == "failed" and "QUIZGEN_MOCK_FAIL" in failed["last_error"]
    before = question_ids(db_path, quiz_id)
    assert sum(map(len, before.values())) == 40

    monkeypatch.delenv("QUIZGEN_MOCK_FAIL")
    code, doc = invoke_json(cli, "retry", quiz_id[:6])
    assert code == 0 and doc["quiz"]["status"] == "ready_for_review"
    after = question_ids(db_path, quiz_id)
    assert sum(map(len, after.values())) == 45
    assert {k: v for k, v in after.items() if k != "genetics_matching_5"} == before
    attempts = {b["key"]: b["attempts"] for b in doc["batches"]}
    assert attempts["genetics_matching_5"] == 2
    assert all(n == 1 for key, n in attempts.items() if key != "genetics_matching_5")


def test_partial_batch_is_completed_by_retry_keeping_its_questions(
    cli, example: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZGEN_MOCK_SHORT", "cells_multiple_choice_10")
    code, doc = invoke_json(cli, "create", str(example))
    assert code == 1
    quiz_id = doc["quiz"]["id"]
    batch = next(b for b in doc["batches"] if b["key"] == "cells_multiple_choice_10")
    assert batch["status"] == "partial" and 0 < batch["generated_count"] < 10
    kept = question_ids(db_path, quiz_id)["cells_multiple_choice_10"]

    monkeypatch.delenv("QUIZGEN_MOCK_SHORT")
    code, doc = invoke_json(cli, "retry", quiz_id)
    assert code == 0
    now = question_ids(db_path, quiz_id)["cells_multiple_choice_10"]
    assert len(now) == 10 and now[: len(kept)] == kept


def test_status_show_and_list_json_parse(cli, example: Path) -> None:
    code, doc = invoke_json(cli, "create", str(example))
    quiz_id = doc["quiz"]["id"]
    code, status = invoke_json(cli, "status", quiz_id)
    assert code == 0 and status["quiz"]["id"] == quiz_id
    assert {m["module_id"] for m in status["modules"]} == {"cells", "genetics", "ecology"}
    assert all(m["sha256"] and m["chars"] > 1000 for m in status["modules"])
    code, shown = invoke_json(cli, "show", quiz_id, "--module", "genetics", "--type", "matching")
    assert code == 0 and len(shown["questions"]) == 5
    assert all(q["citation"]["source"] == "content/genetics.md" for q in shown["questions"])
    code, listed = invoke_json(cli, "list")
    assert code == 0 and [q["id"] for q in listed] == [quiz_id]


def test_human_output_goes_to_stdout_and_json_mode_keeps_stdout_pure(cli, example: Path) -> None:
    code, out, err = invoke(cli, "create", str(example), "--json")
    assert code == 0 and json.loads(out)["quiz"]["status"] == "ready_for_review"
    assert err == "", "--json keeps progress and chatter off both streams when not a terminal"
    code, out, _ = invoke(cli, "create", str(example))
    assert code == 0 and "6/6 batches succeeded, 45/45 questions" in out


def test_show_prints_answer_key_explanation_and_quote(cli, example: Path) -> None:
    _, doc = invoke_json(cli, "create", str(example))
    code, out, _ = invoke(cli, "show", doc["quiz"]["id"], "--type", "multiple_choice")
    assert code == 0
    assert out.count("✓") == 10
    assert out.count("explanation:") == 10 and out.count("source (content/cells.md)") == 10


def test_unknown_quiz_is_exit_2_without_traceback(cli, db_path: Path) -> None:
    Store.open(db_path).close()  # an existing, empty database
    code, out, err = invoke(cli, "status", "nope")
    assert code == 2 and "no quiz 'nope'" in err and "Traceback" not in out + err
    code, doc = invoke_json(cli, "show", "nope")
    assert code == 2 and doc["exit_code"] == 2 and "no quiz" in doc["error"]


def test_ambiguous_prefix_is_exit_2(cli, example: Path) -> None:
    ids = [invoke_json(cli, "create", str(example))[1]["quiz"]["id"] for _ in range(20)]
    shared = next((a[0] for a in ids if sum(b.startswith(a[0]) for b in ids) > 1), None)
    assert shared is not None, "20 random ids always share a first hex digit"
    code, _, err = invoke(cli, "status", shared)
    assert code == 2 and "ambiguous" in err


def test_a_file_that_is_not_a_quizgen_database_is_refused_untouched(
    cli, tmp_path: Path, example: Path
) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    before = other.read_bytes()
    code, _, err = invoke(cli, "create", str(example), "--db", str(other))
    assert code == 2 and "not a quizgen database" in err
    assert other.read_bytes() == before
    garbage = tmp_path / "garbage.db"
    garbage.write_text("this is not sqlite at all, just some text that is long enough" * 20)
    code, _, err = invoke(cli, "list", "--db", str(garbage))
    assert code == 2 and "not a quizgen database" in err


def test_spec_asking_for_openai_without_a_key_is_a_clear_error(cli, db_path: Path) -> None:
    code, _, err = invoke(
        cli, "create", str(EXAMPLE / "seed-request.json"), "--content-dir", str(EXAMPLE / "content")
    )
    assert code == 2 and "OPENAI_API_KEY" in err
    assert not db_path.exists() or Store.open(db_path).quizzes() == []


def test_seed_json_runs_on_the_mock_with_content_dir(cli) -> None:
    code, doc = invoke_json(
        cli,
        "create",
        str(EXAMPLE / "seed-request.json"),
        "--provider",
        "mock",
        "--content-dir",
        str(EXAMPLE / "content"),
    )
    assert code == 0 and doc["totals"]["questions"] == 45
    sources = {m["module_id"]: m["sources"] for m in doc["modules"]}
    assert sources["cells"] == [str(EXAMPLE / "content" / "cells.md")]


def test_missing_source_file_is_located_error_and_nothing_is_stored(
    cli, example: Path, db_path: Path
) -> None:
    (example.parent / "content" / "genetics.md").unlink()
    code, _, err = invoke(cli, "create", str(example))
    assert code == 2
    assert f"{example}: module 'genetics', sources[1]:" in err and "file not found" in err
    assert not db_path.exists() or Store.open(db_path).quizzes() == []


def test_bad_mock_setting_is_exit_2(cli, example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZGEN_MOCK_LATENCY", "fast")
    code, _, err = invoke(cli, "create", str(example))
    assert code == 2 and "QUIZGEN_MOCK_LATENCY" in err


def test_failing_command_keeps_what_was_stored(cli, example: Path, tmp_path: Path) -> None:
    _, doc = invoke_json(cli, "create", str(example))
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[modules.a]\nname="A"\nquestion_batches=[]\n')
    assert invoke(cli, "create", str(bad))[0] == 2
    _, listed = invoke_json(cli, "list")
    assert [q["id"] for q in listed] == [doc["quiz"]["id"]]
    assert listed[0]["question_count"] == 45


def test_bracketed_text_prints_as_written_in_tables_and_lines(
    cli, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = example.read_text().replace(
        'title = "Biology 101 — Midterm"', 'title = "Biology midterm [draft]"'
    )
    example.write_text(spec)
    monkeypatch.setenv("QUIZGEN_MOCK_FAIL", "*_matching_*")
    code, doc = invoke_json(cli, "create", str(example))
    assert code == 1
    quiz_id = doc["quiz"]["id"]
    _, out, _ = invoke(cli, "status", quiz_id)
    assert "Biology midterm [draft]" in out
    assert "(QUIZGEN_MOCK_FAIL)" in out
    _, out, _ = invoke(cli, "list")
    assert "Biology midterm [draft]" in out
    _, out, _ = invoke(cli, "show", quiz_id, "--type", "fill_in_blank")
    assert "[blank_1]" in out
