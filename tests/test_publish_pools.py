"""Pools on Canvas: one Classic question group per pooled batch, exactly once however a publish
is cut short; New Quizzes refuse a pool before any request."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from quizgen.canvas.groups import group_marker
from quizgen.canvas.payloads import marked_question_id
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.fakes.canvas_server import FakeCanvas
from tests.publish_helpers import COURSE, approve_all, question_order

POOL_SPEC = """
title = "Cells pool"
language = "en"
[course]
id = 12345
[llm]
provider = "mock"
[publish]
engine = "classic"
[modules.cells]
name = "Cell Structure"
sources = ["content/cells.md"]
question_batches = [
  { question_type = "true_false", count = 1 },
  { question_type = "multiple_choice", count = 3, pick = 2 },
  { question_type = "fill_in_blank", count = 1 },
]
[modules.ecology]
name = "Ecology"
sources = ["content/ecology.md"]
question_batches = [
  { question_type = "true_false", count = 2, pick = 1 },
]
"""
POOLS = {"cells_multiple_choice_3": 2, "ecology_true_false_2": 1}
GROUPS = r"/quizzes/\d+/groups$"
QUESTIONS = r"/quizzes/\d+/questions$"


@pytest.fixture
def course(canvas: FakeCanvas) -> FakeCanvas:
    canvas.add_course(COURSE, "Introduction to Biology")
    return canvas


def pooled_quiz(runner, tmp_path: Path, spec: str = POOL_SPEC) -> str:
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    (folder / "quiz.toml").write_text(spec, encoding="utf-8")
    code, out, err = invoke(runner, "create", str(folder / "quiz.toml"), "--json")
    assert code == 0, err
    quiz_id = json.loads(out)["quiz"]["id"]
    approve_all(quiz_id)
    return quiz_id


def batch_keys(quiz_id: str) -> dict[str, str]:
    from quizgen.store import Store

    store = Store.open()
    try:
        return {q.id: q.batch_key for q in store.questions(quiz_id)}
    finally:
        store.close()


def quiz_outline(canvas: FakeCanvas) -> list[Any]:
    """The one Classic quiz as Canvas shows it: each top-level question as its quizgen id, each
    group as (name, pick_count, question_points, [its questions' quizgen ids])."""
    assert len(canvas.classic_quizzes) == 1
    (remote_id,) = canvas.classic_roots
    outline: list[Any] = []
    for kind, entry in canvas.classic_roots[remote_id]:
        if kind == "question":
            outline.append(marked_question_id(entry["question_name"]))
            continue
        members = canvas.classic_members[entry["id"]]
        assert all(m["quiz_group_id"] == entry["id"] for m in members)
        outline.append(
            (
                entry["name"],
                entry["pick_count"],
                entry["question_points"],
                [marked_question_id(m["question_name"]) for m in members],
            )
        )
    return outline


def expected_outline(quiz_id: str) -> list[Any]:
    """The quiz in quizgen's order, each pool as one group holding its questions."""
    keys = batch_keys(quiz_id)
    outline: list[Any] = []
    for question_id in question_order(quiz_id):
        key = keys[question_id]
        if key not in POOLS:
            outline.append(question_id)
            continue
        members = [q for q in question_order(quiz_id) if keys[q] == key]
        name = f"{key}: {POOLS[key]} of {len(members)} {group_marker(key)}"
        entry = (name, POOLS[key], 1.0, members)
        if entry not in outline:
            outline.append(entry)
    return outline


def test_classic_publish_makes_one_group_per_pool_with_its_pick(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    code, out, err = invoke(cli, "publish", quiz_id, "--published")
    assert code == 0, out + err
    assert "batch cells_multiple_choice_3 is a pool" in err and "2 of 3" in err
    assert quiz_outline(course) == expected_outline(quiz_id)
    assert len(course.requests("POST", GROUPS)) == 2
    # Points once published: the two questions outside pools, and pick × points per group.
    remote = next(iter(course.classic_quizzes.values()))
    assert remote["points_possible"] == 1 + 1 + 2 * 1 + 1 * 1
    code, doc = invoke_json(cli, "status", quiz_id)
    assert doc["publications"][0]["groups_done"] == 2


def test_new_quizzes_refuse_a_pool_before_any_request(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    code, out, err = invoke(cli, "publish", quiz_id, "--engine", "new")
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "New Quizzes cannot hold a pool (cells_multiple_choice_3, ecology_true_false_2)" in err
    assert "--engine classic" in err and "Traceback" not in out + err
    assert course.log == []
    code, _out, err = invoke(cli, "publish", quiz_id, "--engine", "new", "--dry-run")
    assert code == 2 and "New Quizzes cannot hold a pool" in err


@pytest.mark.parametrize("nth", [1, 2])
def test_a_group_post_whose_answer_was_lost_is_adopted_once_on_the_rerun(
    cli, tmp_path: Path, course: FakeCanvas, monkeypatch: pytest.MonkeyPatch, nth: int
) -> None:
    monkeypatch.setenv("CANVAS_TIMEOUT", "0.5")
    quiz_id = pooled_quiz(cli, tmp_path)
    course.lose_response(nth, seconds=1.5, path=GROUPS)
    code, out, _err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "may have been applied" in out
    assert "failed question group of pool" in out
    (remote_id,) = course.classic_roots
    # Canvas made the lost group (and the run went on to make the other pool's).
    assert sum(kind == "group" for kind, _ in course.classic_roots[remote_id]) == 2
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    assert doc["adopted"] == 1
    assert len(course.requests("POST", GROUPS)) == 2  # the lost one was never sent again
    assert quiz_outline(course) == expected_outline(quiz_id)


def test_a_500_on_the_group_post_exits_1_and_the_rerun_makes_it_once(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    course.fail_request(1, 500, method="POST", path=GROUPS)
    code, out, _err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "incomplete" in out
    code, doc = invoke_json(cli, "status", quiz_id)
    assert doc["publications"][0]["groups_done"] == 1
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    assert quiz_outline(course) == expected_outline(quiz_id)


def test_a_group_deleted_in_canvas_is_made_again_with_its_questions(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    course.fail_request(1, 500, method="POST", path=QUESTIONS)  # the run stops unfinished
    assert invoke(cli, "publish", quiz_id)[0] == 1
    (remote_id,) = course.classic_roots
    group = next(e for kind, e in course.classic_roots[remote_id] if kind == "group")
    deleted = canvas_call(course, "DELETE", f"{remote_id}/groups/{group['id']}")
    assert deleted.status_code == 204 and not course.classic_members.get(group["id"])
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    assert any("no longer in the Canvas quiz" in w for w in doc["warnings"])
    assert quiz_outline(course) == expected_outline(quiz_id)


def test_dry_run_shows_each_group_before_its_questions(cli, tmp_path: Path) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    code, doc = invoke_json(cli, "publish", quiz_id, "--dry-run", "--course", "1")
    assert code == 0
    requests = doc["requests"]
    group_posts = [r for r in requests if r["url"].endswith("/groups")]
    assert [r["body"]["quiz_groups"][0]["pick_count"] for r in group_posts] == [2, 1]
    first = requests.index(group_posts[0])
    assert requests[first + 1]["body"]["question"]["quiz_group_id"] == (
        "{group:cells_multiple_choice_3}"
    )
    assert requests[-1]["url"].endswith("/reorder")
    order = requests[-1]["body"]["order"]
    assert {"id": "{group:cells_multiple_choice_3}", "type": "group"} in order
    assert all(e["id"].startswith("{item:") for e in order if e["type"] == "question")


def test_a_pool_with_fewer_approved_questions_than_its_pick_stops_before_sending(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    keys = batch_keys(quiz_id)
    pooled = [q for q, key in keys.items() if key == "cells_multiple_choice_3"]
    assert invoke(cli, "reject", quiz_id, *pooled[:2])[0] == 0
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 2
    assert "cells_multiple_choice_3 shows 2 question(s) per student but only 1" in err
    assert course.log == []


def canvas_call(canvas: FakeCanvas, method: str, path: str, body: Any = None) -> httpx.Response:
    """One request to the fake's Classic quiz endpoints, as any Canvas client sends it."""
    return httpx.request(
        method,
        f"{canvas.base_url}/api/v1/courses/{COURSE}/quizzes/{path}",
        json=body,
        headers={"Authorization": f"Bearer {canvas.token}"},
    )


def test_the_fake_answers_question_groups_as_canvas_documents_them(course: FakeCanvas) -> None:
    quiz = canvas_call(course, "POST", "", {"quiz": {"title": "Q"}})
    quiz_id = quiz.json()["id"]
    made = canvas_call(
        course,
        "POST",
        f"{quiz_id}/groups",
        {"quiz_groups": [{"name": "Pool", "pick_count": 2, "question_points": 3}]},
    )
    assert made.status_code == 201
    (group,) = made.json()["quiz_groups"]
    assert {k: group[k] for k in ("quiz_id", "name", "pick_count", "question_points")} == {
        "quiz_id": quiz_id,
        "name": "Pool",
        "pick_count": 2,
        "question_points": 3,
    }
    listed = canvas_call(course, "GET", f"{quiz_id}/groups").json()
    assert [g["id"] for g in listed["quiz_groups"]] == [group["id"]]
    too_long = canvas_call(
        course, "POST", f"{quiz_id}/groups", {"quiz_groups": [{"name": "x" * 256}]}
    )
    assert too_long.status_code == 422 and "name" in too_long.json()["errors"]
    question = {
        "question_name": "q",
        "question_text": "<p>Is it?</p>",
        "question_type": "true_false_question",
        "answers": [
            {"answer_text": "True", "answer_weight": 100},
            {"answer_text": "False", "answer_weight": 0},
        ],
    }
    other_group = canvas_call(
        course, "POST", f"{quiz_id}/questions", {"question": {**question, "quiz_group_id": 999}}
    )
    assert other_group.status_code == 404
    inside = canvas_call(
        course,
        "POST",
        f"{quiz_id}/questions",
        {"question": {**question, "quiz_group_id": group["id"]}},
    )
    assert inside.json()["quiz_group_id"] == group["id"]
    assert canvas_call(course, "DELETE", f"{quiz_id}/groups/{group['id']}").status_code == 204
    assert canvas_call(course, "GET", f"{quiz_id}/questions").json() == []  # deleted with it


def test_kill_9_while_a_group_is_made_then_rerun_holds_each_group_once(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id = pooled_quiz(cli, tmp_path)
    # Canvas makes each group at once and answers 1 s later: the kill lands in between.
    slow = course.slow_after(1.0, path=GROUPS)
    process = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "publish", quiz_id],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(
            kind == "group" for roots in list(course.classic_roots.values()) for kind, _ in roots
        ):
            assert time.monotonic() < deadline, "no group was ever made"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    slow.times = 0
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    assert doc["adopted"] >= 1
    assert len(course.requests("POST", GROUPS)) == 2
    assert quiz_outline(course) == expected_outline(quiz_id)
