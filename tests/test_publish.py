"""`quizgen publish` through the CLI against the fake Canvas: both engines, all six types, and
every way a publish can be cut short (a 500, a lost answer, throttling, a bad token, kill -9)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quizgen.models import ReviewStatus
from quizgen.store import Store
from tests.conftest import invoke, invoke_json
from tests.fakes.canvas_server import FakeCanvas
from tests.publish_helpers import (
    COURSE,
    ITEMS_PATH,
    make_quiz,
    only_quiz,
    question_order,
    remote_items,
    remote_markers,
    tags_in,
)

ENGINES = ["new", "classic"]


@pytest.fixture
def course(canvas: FakeCanvas) -> FakeCanvas:
    canvas.add_course(COURSE, "Introduction to Biology")
    return canvas


def assert_exactly_once(canvas: FakeCanvas, engine: str, quiz_id: str) -> str:
    """One remote quiz holding every question once, in the quiz's order; its id."""
    remote_id = only_quiz(canvas, engine)
    assert remote_markers(canvas, engine, remote_id) == question_order(quiz_id)
    return remote_id


# --- the happy path -----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_publish_puts_all_six_types_in_one_unpublished_quiz(
    cli, tmp_path: Path, course: FakeCanvas, engine: str
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0, doc
    assert doc["action"] == "published" and doc["created"] == 6 and doc["failed"] == []
    remote_id = assert_exactly_once(course, engine, quiz_id)
    publication = doc["publication"]
    assert publication["items_done"] == publication["items_total"] == 6
    kind = "assignments" if engine == "new" else "quizzes"
    assert publication["remote_url"] == f"{course.base_url}/courses/{COURSE}/{kind}/{remote_id}"
    quizzes = course.new_quizzes if engine == "new" else course.classic_quizzes
    remote_quiz = next(iter(quizzes.values()))
    assert remote_quiz["title"] == "Cells and genes" and remote_quiz["published"] is False
    assert not course.requests("PUT")  # unpublished: nothing to switch on
    if engine == "new":
        slugs = sorted(i["entry"]["interaction_type_slug"] for i in course.new_items[remote_id])
        assert slugs == sorted(
            [
                "choice",
                "multi-answer",
                "true-false",
                "rich-fill-blank",
                "matching",
                "categorization",
            ]
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_publishing_again_says_already_published_and_sends_nothing(
    cli, tmp_path: Path, course: FakeCanvas, engine: str
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    assert invoke(cli, "publish", quiz_id, "--engine", engine)[0] == 0
    before = len(course.log)
    code, out, _err = invoke(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0
    assert out.startswith(f"already published to course {COURSE}:") and "--new" in out
    assert len(course.log) == before
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine, "--new")
    assert code == 0 and doc["action"] == "published"
    assert len(remote_items(course, engine)) == 2  # a second copy, asked for


def test_published_flag_publishes_only_after_the_last_item(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    code, _ = invoke_json(cli, "publish", quiz_id, "--published")
    assert code == 0
    (put,) = course.requests("PUT")
    assert put.body == {"assignment": {"published": True}}
    assert put.number > max(r.number for r in course.requests("POST", r"/items$"))
    assert next(iter(course.new_quizzes.values()))["published"] is True


def test_classic_names_the_categorization_change_before_creating_anything(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    # Said even when the very first request fails: it comes before any request.
    code, _, err = invoke(cli, "publish", quiz_id, "--engine", "classic", "--course", "999")
    assert code == 2 and "becomes a matching question" in err
    assert course.requests("POST") == []
    code, _out, err = invoke(cli, "publish", quiz_id, "--engine", "classic")
    assert code == 0 and "note: question" in err
    remote_id = only_quiz(course, "classic")
    store = Store.open()
    sorting = store.questions(quiz_id, question_type="categorization")[0]
    store.close()
    (remote,) = [
        q for q in course.classic_questions[int(remote_id)] if sorting.id in q["question_name"]
    ]
    assert remote["question_type"] == "matching_question"
    names = {category["name"] for category in sorting.data["categories"]}
    assert {answer["answer_match_right"] for answer in remote["answers"]} == names


def test_spec_publish_settings_apply_and_status_shows_the_publication(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    extra = (
        "\n[publish]\ntime_limit_minutes = 30\nshuffle_answers = true\n"
        "points = { multiple_choice = 3 }\n"
    )
    quiz_id, _ = make_quiz(cli, tmp_path, extra=extra)
    assert invoke(cli, "publish", quiz_id)[0] == 0
    quiz = next(iter(course.new_quizzes.values()))
    assert quiz["quiz_settings"]["session_time_limit_in_seconds"] == 1800
    assert quiz["quiz_settings"]["shuffle_answers"] is True
    items = next(iter(course.new_items.values()))
    choice = next(i for i in items if i["entry"]["interaction_type_slug"] == "choice")
    assert choice["points_possible"] == 3
    assert quiz["points_possible"] == sum(i["points_possible"] for i in items)
    code, doc = invoke_json(cli, "status", quiz_id)
    assert code == 0
    (publication,) = doc["publications"]
    assert publication["status"] == "published" and publication["items_done"] == 6
    _code, out, _ = invoke(cli, "status", quiz_id)
    assert "published, 6/6 items" in out and publication["remote_url"] in out


# --- what gets published -------------------------------------------------------------------


def test_only_approved_questions_by_default_and_include_pending_says_how_many(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path, approve=False)
    code, _, err = invoke(cli, "publish", quiz_id)
    assert code == 2 and "no approved questions" in err and "--include-pending" in err
    assert not course.log
    store = Store.open()
    first, second = (q.id for q in store.questions(quiz_id)[:2])
    store.set_review_status(quiz_id, [first, second], ReviewStatus.APPROVED)
    store.close()
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0 and doc["publication"]["items_total"] == 2
    code, _out, err = invoke(cli, "publish", quiz_id, "--include-pending", "--new")
    assert code == 0
    assert "6 question(s) (4 not yet reviewed)" in err


# --- failures and resuming -----------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_a_500_on_item_3_exits_1_and_a_rerun_finishes_with_each_item_once(
    cli, tmp_path: Path, course: FakeCanvas, engine: str
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.fail_request(3, 500, method="POST", path=ITEMS_PATH[engine])
    code, out, _err = invoke(cli, "publish", quiz_id, "--engine", engine)
    assert code == 1
    assert "incomplete: 5/6 items" in out and "run `quizgen publish" in out
    code, doc = invoke_json(cli, "status", quiz_id)
    assert doc["publications"][0]["items_done"] == 5
    assert doc["publications"][0]["status"] == "in_progress"

    quiz_posts = len(course.requests("POST", r"/quizzes$"))
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and doc["created"] == 1 and doc["action"] == "published"
    assert len(course.requests("POST", r"/quizzes$")) == quiz_posts  # the quiz was reused
    assert_exactly_once(course, engine, quiz_id)  # and in order: item 3 went back to place 3


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_applied_whose_answer_was_lost_is_found_not_sent_again(
    cli, tmp_path: Path, course: FakeCanvas, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_TIMEOUT", "0.5")
    quiz_id, _ = make_quiz(cli, tmp_path)
    lost = course.lose_response(4, seconds=1.5, path=ITEMS_PATH[engine])
    code, out, _err = invoke(cli, "publish", quiz_id, "--engine", engine)
    assert code == 1 and "may have been applied" in out
    assert lost.hits >= 4
    remote_id = only_quiz(course, engine)
    assert len(remote_items(course, engine)[remote_id]) == 6  # Canvas did create it
    posts = len(course.requests("POST", ITEMS_PATH[engine]))
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and doc["adopted"] == 1 and doc["created"] == 0
    assert len(course.requests("POST", ITEMS_PATH[engine])) == posts
    assert_exactly_once(course, engine, quiz_id)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_quiz_post_whose_answer_was_lost_is_adopted_on_the_rerun(
    cli, tmp_path: Path, course: FakeCanvas, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_TIMEOUT", "0.5")
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.lose_response(1, seconds=1.5, path=r"/quizzes$")
    code, _out, err = invoke(cli, "publish", quiz_id, "--engine", engine)
    assert code == 1 and "may have been applied" in err
    assert len(remote_items(course, engine)) == 1
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and doc["adopted"] == 1 and doc["created"] == 6
    assert len(course.requests("POST", r"/quizzes$")) == 1
    assert_exactly_once(course, engine, quiz_id)


def test_a_quiz_of_the_same_title_owned_by_another_publication_is_not_adopted(
    cli, tmp_path: Path, course: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANVAS_TIMEOUT", "0.5")
    quiz_id, _ = make_quiz(cli, tmp_path)
    assert invoke(cli, "publish", quiz_id)[0] == 0
    course.lose_response(1, seconds=1.5, path=r"/quizzes$")
    assert invoke(cli, "publish", quiz_id, "--new")[0] == 1
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0 and doc["adopted"] == 1
    assert len(course.new_quizzes) == 2  # the first copy, and the one the lost POST made
    for remote_id in course.new_items:
        assert remote_markers(course, "new", remote_id) == question_order(quiz_id)


def test_a_rate_limit_burst_is_waited_out_and_the_publish_completes(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.rate_limit_burst(4, path=ITEMS_PATH["new"])
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0 and doc["failed"] == []
    assert len(course.requests("POST", ITEMS_PATH["new"])) == 6 + 4
    assert_exactly_once(course, "new", quiz_id)


def test_a_bad_token_is_one_line_exit_2_and_creates_nothing(
    cli, tmp_path: Path, course: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    monkeypatch.setenv("CANVAS_API_TOKEN", "expired-token")
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 2
    assert err.strip().count("\n") == 1  # the announcement, then one line of error
    assert "401" in err and "CANVAS_API_TOKEN" in err
    assert not course.new_quizzes and len(course.requests("POST")) == 0


def test_a_token_revoked_mid_publish_stops_then_a_rerun_finishes(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.fail_request(3, 401, method="POST", path=ITEMS_PATH["new"])
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 2 and "401" in err
    assert len(course.requests("POST", ITEMS_PATH["new"])) == 3  # stopped at the refusal
    assert invoke(cli, "publish", quiz_id)[0] == 0
    assert_exactly_once(course, "new", quiz_id)


def test_an_unknown_course_is_one_line_exit_2(cli, tmp_path: Path, course: FakeCanvas) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    code, _out, err = invoke(cli, "publish", quiz_id, "--course", "999")
    assert code == 2 and "no course 999" in err and "404" in err
    assert len(course.requests("POST")) == 0


def test_a_deleted_remote_quiz_is_explained(cli, tmp_path: Path, course: FakeCanvas) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.fail_request(2, 500, method="POST", path=ITEMS_PATH["new"])
    assert invoke(cli, "publish", quiz_id)[0] == 1
    course.new_quizzes.clear()
    course.new_items.clear()
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "is gone" in err and "--new" in err


def test_kill_9_during_publish_then_rerun_holds_each_item_once(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    db = Path(os.environ["QUIZGEN_DB"])
    # Each item is created at once and answered 0.4 s later: a kill lands while one is
    # created in Canvas but not yet recorded.
    slow = course.slow_after(0.4, path=ITEMS_PATH["new"])
    process = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "publish", quiz_id],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if created_items(db) >= 2 and process.poll() is None:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the publish never got two items in")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    remote_id = only_quiz(course, "new")
    assert 2 <= len(course.new_items[remote_id]) < 6
    slow.times = 0  # full speed for the re-run
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    assert doc["created"] + doc["adopted"] + 2 >= 6
    assert_exactly_once(course, "new", quiz_id)


def created_items(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM publication_items WHERE status = 'created'"
            ).fetchone()
        return int(count)
    except sqlite3.OperationalError:
        return 0


# --- safety ----------------------------------------------------------------------------------


def make_hostile(quiz_id: str) -> str:
    """Turn the quiz's multiple-choice question into one full of markup; its id."""
    store = Store.open()
    try:
        question = store.questions(quiz_id, question_type="multiple_choice")[0]
    finally:
        store.close()
    data = {
        "question_text": "Which tag <script>alert(document.cookie)</script> runs code in a page?",
        "options": [
            {"text": '<img src="https://evil.example/p.png" onerror="alert(1)">', "correct": False},
            {"text": "A script element", "correct": True},
            {"text": "<a href='javascript:alert(1)'>a link</a>", "correct": False},
            {"text": "<div onclick=alert(1)>a division</div>", "correct": False},
        ],
        "explanation": '<iframe src="https://evil.example"></iframe> Scripts run code.',
        "source_quote": question.data["source_quote"],
    }
    with sqlite3.connect(os.environ["QUIZGEN_DB"]) as conn:
        conn.execute("UPDATE questions SET data = ? WHERE id = ?", (json.dumps(data), question.id))
    return question.id


@pytest.mark.parametrize("engine", ENGINES)
def test_script_and_event_handlers_arrive_inert(
    cli, tmp_path: Path, course: FakeCanvas, engine: str
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    make_hostile(quiz_id)
    assert invoke(cli, "publish", quiz_id, "--engine", engine)[0] == 0
    allowed = {"p": set(), "br": set(), "span": {"id"}}
    for request in course.requests("POST"):
        raw = json.dumps(request.body)
        for dangerous in ("<script", "<img", "<iframe", "<a ", "<div"):
            assert dangerous not in raw
        for fragment in _strings(request.body):
            for tag, attrs in tags_in(fragment):
                assert tag in allowed and {name for name, _ in attrs} <= allowed[tag]
    assert any("&lt;script&gt;" in json.dumps(r.body) for r in course.requests("POST"))


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_the_token_never_appears_in_output_logs_or_the_database(
    cli,
    tmp_path: Path,
    course: FakeCanvas,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "tok-SECRET-5678"
    course.token = secret
    monkeypatch.setenv("CANVAS_API_TOKEN", secret)
    caplog.set_level("DEBUG")
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.fail_request(2, 500, method="POST", path=ITEMS_PATH["new"])
    outputs = [invoke(cli, "publish", quiz_id), invoke(cli, "publish", quiz_id)]
    outputs += [invoke(cli, "publish", quiz_id, "--dry-run"), invoke(cli, "status", quiz_id)]
    outputs.append(invoke(cli, "publish", quiz_id, "--dry-run", "--json"))
    monkeypatch.setenv("CANVAS_API_TOKEN", "wrong-" + secret)
    outputs.append(invoke(cli, "publish", quiz_id, "--new"))
    assert outputs[1][0] == 0 and outputs[-1][0] == 2
    for _, out, err in outputs:
        assert secret not in out and secret not in err
    assert secret not in caplog.text
    db = Path(os.environ["QUIZGEN_DB"])
    for path in db.parent.glob(db.name + "*"):
        assert secret.encode() not in path.read_bytes(), path
    assert all(r.headers["authorization"].endswith(secret) for r in course.requests("POST")[:1])


def test_dry_run_prints_every_request_and_sends_nothing(
    cli, tmp_path: Path, course: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    monkeypatch.delenv("CANVAS_API_TOKEN")
    code, doc = invoke_json(cli, "publish", quiz_id, "--dry-run", "--published")
    assert code == 0 and doc["dry_run"] is True
    methods = [r["method"] for r in doc["requests"]]
    assert methods == ["GET", "POST"] + ["POST"] * 6 + ["PUT"]
    assert doc["requests"][1]["url"] == f"{course.base_url}/api/quiz/v1/courses/{COURSE}/quizzes"
    assert doc["headers"]["Authorization"] == "Bearer <CANVAS_API_TOKEN>"
    code, out, err = invoke(cli, "publish", quiz_id, "--dry-run", "--engine", "classic")
    assert code == 0 and out.count("POST ") == 7 and "nothing was sent" in err
    assert "becomes a matching question" in err
    assert course.log == []
    code, doc = invoke_json(cli, "status", quiz_id)
    assert doc["publications"] == []  # a dry run stores nothing either


def test_publish_section_errors_name_the_field(cli, tmp_path: Path) -> None:
    spec = tmp_path / "quiz.toml"
    spec.write_text(
        'title = "T"\n[modules.m]\nname = "M"\nsources = ["a.md"]\n'
        'question_batches = [{ question_type = "true_false", count = 1 }]\n'
        '[publish]\nengine = "old"\npoints = { file_upload = 2 }\n',
        encoding="utf-8",
    )
    code, _, err = invoke(cli, "validate", str(spec))
    assert code == 2
    assert "[publish]: engine must be one of 'new' or 'classic'" in err
    assert "[publish]: points: unknown question type 'file_upload'" in err


def test_a_publication_held_by_a_live_process_is_left_alone(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    course.fail_request(2, 500, method="POST", path=ITEMS_PATH["new"])
    assert invoke(cli, "publish", quiz_id)[0] == 1
    with sqlite3.connect(os.environ["QUIZGEN_DB"]) as conn:
        conn.execute("UPDATE publications SET runner_pid = ?", (os.getppid(),))
    posts = len(course.requests("POST"))
    code, _, err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "another quizgen process" in err
    assert len(course.requests("POST")) == posts


ORDERING_MODULE = """
[modules.genetics]
name = "Genetics"
sources = ["content/genetics.md"]
question_batches = [{ question_type = "ordering", count = 1 }]
"""


def test_new_quizzes_get_the_ordering_item_and_classic_leaves_it_out_saying_so_first(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path, extra=ORDERING_MODULE)
    store = Store.open()
    (ordering,) = store.questions(quiz_id, question_type="ordering")
    store.close()
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0 and doc["publication"]["items_done"] == 7
    remote_id = only_quiz(course, "new")
    (item,) = [
        i["entry"]
        for i in course.new_items[remote_id]
        if i["entry"]["interaction_type_slug"] == "ordering"
    ]  # the fake checked it against the New Quiz Items appendix
    choices = item["interaction_data"]["choices"]
    texts = [choices[choice_id]["item_body"] for choice_id in item["scoring_data"]["value"]]
    assert texts == [f"<p>{text}</p>" for text in ordering.data["items"]]
    # Said even when the very first request fails: it comes before any request.
    code, _, err = invoke(cli, "publish", quiz_id, "--engine", "classic", "--course", "999")
    assert code == 2 and f"question {ordering.id} (ordering) is left out" in err
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", "classic")
    assert code == 0 and doc["publication"]["items_total"] == 6
    classic_id = only_quiz(course, "classic")
    assert all(
        ordering.id not in q["question_name"] for q in course.classic_questions[int(classic_id)]
    )


def test_a_quiz_of_ordering_questions_only_cannot_go_to_classic(
    cli, tmp_path: Path, course: FakeCanvas
) -> None:
    from tests.conftest import EXAMPLE
    from tests.publish_helpers import approve_all

    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "genetics.md").write_text(
        (EXAMPLE / "content" / "genetics.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    module = ORDERING_MODULE.replace("content/genetics.md", "genetics.md")
    spec = folder / "quiz.toml"
    spec.write_text(
        f'title = "Orders"\n[course]\nid = {COURSE}\n[llm]\nprovider = "mock"\n{module}',
        encoding="utf-8",
    )
    code, doc = invoke_json(cli, "create", str(spec))
    assert code == 0 and doc["totals"]["questions"] == 1
    approve_all(doc["quiz"]["id"])
    code, _, err = invoke(cli, "publish", doc["quiz"]["id"], "--engine", "classic")
    assert code == 2 and "nothing to publish" in err and "have no ordering question" in err
    assert course.requests("POST") == []
