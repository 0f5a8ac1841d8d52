"""`publish` and `retry` read the spec snapshot stored at `create`, never the spec file again;
and an item Canvas answers without an id is an error with nothing stored (issue 12, items 1, 6).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from quizgen.errors import SpecError
from quizgen.spec import load_spec, stored_spec
from quizgen.store import Store
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.fakes.canvas_server import FakeCanvas, Reply
from tests.publish_helpers import COURSE, ITEMS_PATH, SIX_TYPES_SPEC, approve_all, make_quiz

OTHER_COURSE = 999


@pytest.fixture
def courses(canvas: FakeCanvas) -> FakeCanvas:
    """Both courses exist: publishing to the wrong one would succeed, not fail loudly."""
    canvas.add_course(COURSE, "Introduction to Biology")
    canvas.add_course(OTHER_COURSE, "Someone else's course")
    return canvas


def folder_with_spec(root: Path, course_id: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE / "content", root / "content")
    spec = SIX_TYPES_SPEC.replace(f"id = {COURSE}", f"id = {course_id}")
    (root / "quiz.toml").write_text(spec, encoding="utf-8")
    return root


def create_here(cli, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """`create quiz.toml` run inside `folder`, with the relative path a user types."""
    monkeypatch.chdir(folder)
    code, out, err = invoke(cli, "create", "quiz.toml", "--json")
    assert code == 0, err
    quiz_id = json.loads(out)["quiz"]["id"]
    approve_all(quiz_id)
    return quiz_id


def course_paths(canvas: FakeCanvas) -> set[int]:
    """Every course id a request went to."""
    found = set()
    for request in canvas.log:
        parts = request.path.split("/courses/")
        if len(parts) > 1:
            found.add(int(parts[1].split("/")[0]))
    return found


def test_publishing_from_another_folder_targets_the_stored_course(
    cli, tmp_path: Path, courses: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz_id = create_here(cli, folder_with_spec(tmp_path / "course", COURSE), monkeypatch)
    other = folder_with_spec(tmp_path / "other", OTHER_COURSE)
    monkeypatch.chdir(other)  # its quiz.toml sits at the path `create` was given
    code, out, err = invoke(cli, "publish", quiz_id)
    assert code == 0, err
    first = err.splitlines()[0]
    assert first.startswith(f"course {COURSE} (")
    assert "stored with the quiz" in first
    assert course_paths(courses) == {COURSE}
    assert [quiz["course_id"] for quiz in courses.new_quizzes.values()] == [COURSE]
    assert f"/courses/{COURSE}/" in out


def test_dry_run_from_another_folder_names_the_stored_course_first(
    cli, tmp_path: Path, courses: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiz_id = create_here(cli, folder_with_spec(tmp_path / "course", COURSE), monkeypatch)
    monkeypatch.chdir(folder_with_spec(tmp_path / "other", OTHER_COURSE))
    code, out, err = invoke(cli, "publish", quiz_id, "--dry-run")
    assert code == 0
    assert err.splitlines()[0].startswith(f"course {COURSE} (")
    assert f"/courses/{OTHER_COURSE}" not in out
    assert not courses.log


def test_a_changed_spec_file_changes_nothing_until_named_with_spec(
    cli, tmp_path: Path, courses: FakeCanvas
) -> None:
    quiz_id, spec = make_quiz(cli, tmp_path)
    spec.write_text(
        spec.read_text().replace(f"id = {COURSE}", f"id = {OTHER_COURSE}")
        + "\n[publish]\ntime_limit_minutes = 20\n",
        encoding="utf-8",
    )
    code, _out, err = invoke(cli, "publish", quiz_id, "--dry-run")
    assert code == 0 and err.startswith(f"course {COURSE} ([course] id of the spec stored")
    code, out, err = invoke(cli, "publish", quiz_id, "--dry-run", "--spec", str(spec))
    assert code == 0
    assert err.startswith(f"course {OTHER_COURSE} ([course] id of {spec} (--spec))")
    assert '"session_time_limit_in_seconds": 1200' in out
    code, _out, err = invoke(cli, "publish", quiz_id, "--dry-run", "--course", "7")
    assert code == 0 and err.startswith("course 7 (--course)")


def test_no_course_in_the_stored_spec_is_an_input_error_until_course_is_given(
    cli, tmp_path: Path, courses: FakeCanvas
) -> None:
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    spec = folder / "quiz.toml"
    spec.write_text(SIX_TYPES_SPEC.replace(f"[course]\nid = {COURSE}\n", ""), encoding="utf-8")
    code, out, err = invoke(cli, "create", str(spec), "--json")
    assert code == 0, err
    quiz_id = json.loads(out)["quiz"]["id"]
    approve_all(quiz_id)
    spec.write_text(SIX_TYPES_SPEC, encoding="utf-8")  # adding it to the file afterwards…
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 2 and "--course" in err  # …is not read: the snapshot has none
    assert not courses.log
    assert invoke(cli, "publish", quiz_id, "--course", str(COURSE))[0] == 0


def test_the_stored_snapshot_is_the_validated_spec_and_is_validated_when_read(
    cli, tmp_path: Path
) -> None:
    quiz_id, spec = make_quiz(cli, tmp_path, approve=False)
    store = Store.open()
    try:
        quiz = store.quiz(quiz_id)
    finally:
        store.close()
    assert Path(quiz.spec_path).is_absolute()
    assert stored_spec(quiz) == load_spec(spec).spec
    with sqlite3.connect(os.environ["QUIZGEN_DB"]) as conn:
        broken = dict(quiz.spec, publish={"engine": "old"})
        conn.execute("UPDATE quizzes SET spec = ? WHERE id = ?", (json.dumps(broken), quiz_id))
    store = Store.open()
    try:
        with pytest.raises(SpecError, match=r"(?s)stored with quiz .*\[publish\]: engine"):
            stored_spec(store.quiz(quiz_id))
    finally:
        store.close()
    code, _out, err = invoke(cli, "publish", quiz_id, "--dry-run")
    assert code == 2 and f"the spec stored with quiz {quiz_id}" in err
    code, _out, err = invoke(cli, "retry", quiz_id)
    assert code == 2 and f"the spec stored with quiz {quiz_id}" in err


def test_retry_reads_the_stored_spec_not_the_file(cli, tmp_path: Path) -> None:
    quiz_id, spec = make_quiz(cli, tmp_path, approve=False)
    spec.write_text("this is not TOML = = =", encoding="utf-8")
    code, doc = invoke_json(cli, "retry", quiz_id)
    assert code == 0, doc


# --- item 6: an item answered without an id ------------------------------------------------


@pytest.mark.parametrize("engine", ["new", "classic"])
def test_an_item_answered_without_an_id_stores_no_id_and_the_rerun_adopts_it(
    cli, tmp_path: Path, courses: FakeCanvas, engine: str
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    courses.answer_instead(Reply(200, {"status": "ok"}), 3, path=ITEMS_PATH[engine])
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 1 and doc["action"] == "incomplete"
    (failed,) = doc["failed"]
    assert "without the new item's id" in failed["error"]
    with sqlite3.connect(os.environ["QUIZGEN_DB"]) as conn:
        rows = conn.execute(
            "SELECT status, remote_item_id FROM publication_items WHERE question_id = ?",
            (failed["question_id"],),
        ).fetchall()
        stored_ids = [r[0] for r in conn.execute("SELECT remote_item_id FROM publication_items")]
    assert rows == [("failed", None)]
    assert "None" not in stored_ids
    posts = len(courses.requests("POST", ITEMS_PATH[engine]))
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and doc["adopted"] == 1 and doc["created"] == 0
    assert len(courses.requests("POST", ITEMS_PATH[engine])) == posts  # not sent twice


def test_a_quiz_answered_with_a_null_id_is_an_error_with_nothing_stored(
    cli, tmp_path: Path, courses: FakeCanvas
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    courses.answer_instead(Reply(200, {"id": None}), 1, path=r"/quizzes$")
    code, _out, err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "holds no id" in err
    with sqlite3.connect(os.environ["QUIZGEN_DB"]) as conn:
        (remote,) = conn.execute("SELECT remote_quiz_id FROM publications").fetchone()
    assert remote is None
