"""A new user's whole path, as separate `quizgen` processes in an empty folder.

init → validate → create → list → review → export → import → approve → publish --dry-run →
publish → status, with nothing but the installed package: no config file, no QUIZGEN_DB (the
database is the default ./quizgen.db), HOME pointing at an empty folder, Canvas being the fake
server on 127.0.0.1. Every step must exit as the README says, with no traceback and no surprise
(issue 12, "Done when").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.canvas_server import FakeCanvas, running

COURSE = 101

# An instructor's own question in text2qti Markdown; intro.md (written by init) says the answer.
OWN_QUESTION = """\
Quiz title: My own questions

1. According to the notes, what drives the water cycle?
a) The Moon
*b) The Sun
c) The wind
d) Earthquakes
"""


class Shell:
    """Runs `quizgen ARGS` in `folder` as a fresh process with a clean environment."""

    def __init__(self, folder: Path, canvas: FakeCanvas) -> None:
        self.folder = folder
        keep = {"PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "VIRTUAL_ENV"}
        self.env = {k: v for k, v in os.environ.items() if k in keep}
        home = folder.parent / "home"
        home.mkdir(exist_ok=True)
        self.env |= {
            "HOME": str(home),
            "QUIZGEN_MOCK_LATENCY": "0",  # the mock's simulated latency; speed only
            "CANVAS_BASE_URL": canvas.base_url,
            "CANVAS_API_TOKEN": canvas.token,
            "PYTHONIOENCODING": "utf-8",
        }

    def __call__(
        self, *args: str, input: str | None = None, expect: int = 0
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "quizgen", *args],
            cwd=self.folder,
            env=self.env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        shown = f"quizgen {' '.join(args)}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        assert done.returncode == expect, shown
        assert "Traceback" not in done.stdout + done.stderr, shown
        return done

    def json(self, *args: str, expect: int = 0) -> dict:
        return json.loads(self(*args, "--json", expect=expect).stdout)


@pytest.fixture
def canvas():
    """Override conftest's fixture: the fake is served, but configured only for the child
    processes (through Shell's environment), never in this process."""
    with running(FakeCanvas()) as server:
        server.add_course(COURSE, "Earth Science")
        yield server


def test_a_new_users_walk_through(tmp_path: Path, canvas: FakeCanvas) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    quizgen = Shell(folder, canvas)

    version = quizgen("--version")
    assert version.stdout.startswith("quizgen ")

    # init writes a spec and its example notes; the spec validates as written.
    init = quizgen("init", "quiz.toml")
    assert (folder / "quiz.toml").is_file() and (folder / "content" / "intro.md").is_file()
    assert "quizgen validate quiz.toml" in init.stdout
    validate = quizgen("validate", "quiz.toml")
    assert validate.stdout.startswith("quiz.toml: valid")
    assert not (folder / "quizgen.db").exists()  # validate writes nothing

    # Reading before any quiz exists says where it looked, creates nothing.
    listing = quizgen("list")
    assert "no quizgen database" in listing.stdout and "current folder" in listing.stdout
    assert not (folder / "quizgen.db").exists()

    # create makes ./quizgen.db and every batch succeeds on the mock.
    created = quizgen.json("create", "quiz.toml")
    quiz_id = created["quiz"]["id"]
    assert created["quiz"]["status"] == "ready_for_review"
    assert created["totals"]["questions"] == created["totals"]["target"] == 10
    assert (folder / "quizgen.db").is_file()
    assert quiz_id in quizgen("list").stdout

    # review: approve two, reject one with a reason, skip one, then end of input.
    review = quizgen("review", quiz_id[:6], input="a\na\nr\n2\nunclear\ns\n")
    assert "end of input" in review.stdout
    assert "2 approved, 1 rejected, 0 edited, 1 skipped; 7 still pending" in review.stdout
    approved = quizgen.json("approve", quiz_id, "--all")
    assert approved["count"] == 7 and approved["pending"] == 0

    # export: the approved nine, in a format quizgen reads back and one Canvas imports.
    exported = quizgen.json("export", quiz_id, "-f", "json", "-o", "quiz-export.json")
    assert len(exported["exported"]) == 9
    document = json.loads((folder / "quiz-export.json").read_text(encoding="utf-8"))
    assert document["format"] == "quizgen-quiz" and len(document["questions"]) == 9
    quizgen("export", quiz_id, "-f", "qti", "-o", "quiz-qti.zip")
    assert (folder / "quiz-qti.zip").stat().st_size > 0

    # import: the instructor's own question, through the same checks, kept for review.
    (folder / "mine.md").write_text(OWN_QUESTION, encoding="utf-8")
    imported = quizgen.json("import", quiz_id, "mine.md")
    assert imported["kept"] == 1 and imported["rejected"] == 0, imported
    own = imported["questions"][0]["id"]
    shown = quizgen.json("show", quiz_id, "--status", "pending")
    assert [q["id"] for q in shown["questions"]] == [own]
    quizgen("approve", quiz_id, own)

    # publish --dry-run: every request it would send, to the configured Canvas; none sent.
    before = len(canvas.requests())
    dry = quizgen("publish", quiz_id, "--course", str(COURSE), "--dry-run")
    assert f"course {COURSE}" in dry.stderr.splitlines()[0]
    assert f"POST {canvas.base_url}/api/quiz/v1/courses/{COURSE}/quizzes" in dry.stdout
    assert dry.stdout.count(f"/api/quiz/v1/courses/{COURSE}/quizzes/") >= 10  # one per item
    assert canvas.token not in dry.stdout + dry.stderr
    assert "nothing was sent" in dry.stderr
    assert len(canvas.requests()) == before

    # ... and for real: one quiz, ten items, and status shows where it went.
    published = quizgen.json("publish", quiz_id, "--course", str(COURSE))
    assert published["action"] == "published" and published["created"] == 10
    assert len(canvas.new_quizzes) == 1
    assert sum(len(items) for items in canvas.new_items.values()) == 10
    status = quizgen("status", quiz_id)
    assert f"canvas (new engine, course {COURSE}): published, 10/10 items" in status.stdout
