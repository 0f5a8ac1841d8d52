"""Cross-check against a real peer: canvaslms's own `quizzes create` reads our export.

canvaslms (PyPI, the Canvas CLI) is installed by the test extra. Each test runs its
`create_command` on the file `quizgen export --format canvaslms` wrote: its file reader, its
settings handling and title check, its New Quizzes request building and UUID handling, its
Classic question preparation. Where it would talk to Canvas it meets stubs that record what it
would send, and any socket connection fails the test: nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from quizgen.canvas.payloads import PublishSettings
from quizgen.export import FORMATS, ExportQuiz, export_quiz
from tests.conftest import invoke, invoke_json
from tests.every_type import QUIZ, hostile_records, records

quizzes = pytest.importorskip("canvaslms.cli.quizzes")


class Sent:
    """What canvaslms would have sent to Canvas, in order."""

    def __init__(self) -> None:
        self.new_quiz: dict[str, Any] | None = None
        self.new_items: list[dict[str, Any]] = []
        self.classic_quiz: dict[str, Any] | None = None
        self.classic_questions: list[dict[str, Any]] = []
        self.classic_groups: list[dict[str, Any]] = []


class StubRequester:
    """canvasapi's requester as canvaslms uses it for New Quizzes: records, never connects."""

    new_quizzes_url = "https://canvas.invalid/api/quiz/v1/"
    access_token = "not-a-token"

    def __init__(self, sent: Sent) -> None:
        self.sent = sent

    def request(self, method: str, endpoint: str, _url: str | None = None, **params: Any):
        assert (method, endpoint, _url) == ("POST", "courses/4242/quizzes", "new_quizzes")
        self.sent.new_quiz = params
        return SimpleNamespace(json=lambda: {"id": "77"})


class StubClassicQuiz:
    def __init__(self, sent: Sent) -> None:
        self.sent = sent

    def create_question(self, question: dict[str, Any]) -> SimpleNamespace:
        self.sent.classic_questions.append(question)
        return SimpleNamespace(id=len(self.sent.classic_questions))

    def create_question_group(self, groups: list[dict[str, Any]]) -> SimpleNamespace:
        self.sent.classic_groups += groups
        return SimpleNamespace(id=500 + len(self.sent.classic_groups))


class StubCourse:
    """canvasapi's Course, as far as `quizzes create` touches it."""

    id = 4242
    course_code = "STUB"

    def __init__(self, sent: Sent) -> None:
        self.sent = sent

    def create_quiz(self, quiz: dict[str, Any]) -> SimpleNamespace:
        self.sent.classic_quiz = quiz
        return SimpleNamespace(id=88, title=quiz.get("title"), assignment_id=None)

    def get_quiz(self, quiz_id: Any) -> StubClassicQuiz:
        assert quiz_id == 88
        return StubClassicQuiz(self.sent)


def canvaslms_create(
    path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Sent:
    """Run `canvaslms quizzes create -c STUB -f path`; return what it would have sent."""

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"canvaslms tried to connect: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    sent = Sent()
    course = StubCourse(sent)
    monkeypatch.setattr(quizzes.courses, "process_course_option", lambda canvas, args: [course])

    def post(url: str, json: dict[str, Any], headers: dict[str, str]) -> SimpleNamespace:
        assert url == "https://canvas.invalid/api/quiz/v1/courses/4242/quizzes/77/items"
        sent.new_items.append(json["item"])
        return SimpleNamespace(raise_for_status=lambda: None)

    monkeypatch.setattr("requests.post", post)
    parser = argparse.ArgumentParser()
    quizzes.add_create_command(parser.add_subparsers())
    args = parser.parse_args(["create", "-c", "STUB", "-f", str(path)])
    canvas = SimpleNamespace(_Canvas__requester=StubRequester(sent))
    caplog.set_level(logging.WARNING, logger="canvaslms")
    try:
        args.func({}, canvas, args)
    except SystemExit:
        pytest.fail(f"canvaslms refused {path.name}: {caplog.text}")
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("canvaslms")]
    assert problems == [], problems
    return sent


def write_export(tmp_path: Path, engine: str, source=records) -> tuple[Path, Any]:
    quiz = ExportQuiz(
        QUIZ.id, QUIZ.title, QUIZ.language, publish=PublishSettings(QUIZ.title, 0, engine=engine)
    )
    result = export_quiz(FORMATS["canvaslms"], quiz, source())
    path = tmp_path / "quiz.json"
    path.write_bytes(result.data)
    return path, result


def test_quizgen_json_export_is_not_a_canvaslms_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Why the canvaslms format exists: canvaslms stops at quizgen's own JSON."""
    path = tmp_path / "quiz.json"
    path.write_bytes(export_quiz(FORMATS["json"], QUIZ, records()).data)
    with pytest.raises(pytest.fail.Exception, match="Quiz title is required"):
        canvaslms_create(path, monkeypatch, caplog)


@pytest.mark.parametrize("source", [records, hostile_records], ids=["examples", "hostile"])
def test_canvaslms_creates_a_new_quiz_from_the_export(
    source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path, result = write_export(tmp_path, "new", source)
    sent = canvaslms_create(path, monkeypatch, caplog)
    assert result.left_out == []
    assert sent.new_quiz is not None and sent.new_quiz["quiz[title]"] == QUIZ.title
    assert sent.new_quiz["quiz[published]"] is False
    assert len(sent.new_items) == len(result.exported) == len(source())
    document = json.loads(path.read_text(encoding="utf-8"))
    for item, ours in zip(sent.new_items, document["items"], strict=True):
        # canvaslms keeps quizgen's choice ids (they are UUIDs), so the answer key still holds.
        assert item["entry"] == ours["entry"]
        assert item["entry_type"] == "Item"
        assert item["points_possible"] == ours["points_possible"]
        assert item["entry"]["title"].endswith(f"[qg:{result.exported[item['position'] - 1]}]")
        assert "<script" not in json.dumps(item)


@pytest.mark.parametrize("source", [records, hostile_records], ids=["examples", "hostile"])
def test_canvaslms_creates_a_classic_quiz_from_the_export(
    source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path, result = write_export(tmp_path, "classic", source)
    sent = canvaslms_create(path, monkeypatch, caplog)
    assert sent.classic_quiz is not None and sent.classic_quiz["title"] == QUIZ.title
    assert sent.classic_quiz["published"] is False
    assert sent.new_quiz is None and sent.new_items == []
    document = json.loads(path.read_text(encoding="utf-8"))
    assert sent.classic_questions == document["questions"]
    ordering = [r.id for r in source() if r.question_type == "ordering"]
    assert [lo.question_id for lo in result.left_out] == ordering
    assert all("Classic Quizzes have no ordering question" in lo.reason for lo in result.left_out)
    assert len(sent.classic_questions) == len(result.exported) == len(source()) - len(ordering)
    theirs = {q.get("question_type") for q in quizzes.EXAMPLE_CLASSIC_QUIZ_JSON["questions"]}
    assert {q["question_type"] for q in sent.classic_questions} <= theirs
    assert any("categorization" in note for note in result.notes)


@pytest.fixture
def approved_quiz(cli: CliRunner, example: Path) -> str:
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    quiz_id = document["quiz"]["id"]
    assert invoke(cli, "approve", quiz_id, "--all")[0] == 0
    return quiz_id


@pytest.mark.parametrize("engine", ["new", "classic"])
def test_export_command_hands_the_quiz_to_canvaslms(
    engine: str,
    cli: CliRunner,
    approved_quiz: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = tmp_path / "quiz.json"
    code, report = invoke_json(
        cli, "export", approved_quiz, "--format", "canvaslms", "--engine", engine,
        "-o", str(target),
    )  # fmt: skip
    assert code == 0 and report["left_out"] == []
    sent = canvaslms_create(target, monkeypatch, caplog)
    created = sent.new_items if engine == "new" else sent.classic_questions
    assert len(created) == len(report["exported"]) == 45


def test_engine_defaults_to_the_specs_publish_engine(
    cli: CliRunner, approved_quiz: str, tmp_path: Path
) -> None:
    target = tmp_path / "quiz.json"
    code, _ = invoke_json(cli, "export", approved_quiz, "-f", "canvaslms", "-o", str(target))
    assert code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["quiz_type"] == "new"


@pytest.mark.parametrize("flag", [[], ["--engine", "new"]], ids=["spec", "flag"])
def test_the_specs_publish_settings_reach_canvaslms(
    flag: list[str],
    cli: CliRunner,
    example: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As publish reads them: engine (the flag wins), time limit, shuffling, attempts, points."""
    with example.open("a", encoding="utf-8") as spec:
        spec.write(
            '\n[publish]\nengine = "classic"\ntime_limit_minutes = 30\n'
            "shuffle_answers = true\nallowed_attempts = 3\npoints = { multiple_choice = 3 }\n"
        )
    code, document = invoke_json(cli, "create", str(example))
    quiz_id = document["quiz"]["id"]
    assert code == 0 and invoke(cli, "approve", quiz_id, "--all")[0] == 0
    target = tmp_path / "quiz.json"
    assert invoke(cli, "export", quiz_id, "-f", "canvaslms", "-o", str(target), *flag)[0] == 0
    sent = canvaslms_create(target, monkeypatch, caplog)
    if flag:
        assert sent.new_quiz is not None and sent.classic_quiz is None
        assert sent.new_quiz["quiz[quiz_settings][session_time_limit_in_seconds]"] == 1800
        assert sent.new_quiz["quiz[quiz_settings][shuffle_answers]"] is True
        assert sent.new_quiz["quiz[quiz_settings][multiple_attempts][max_attempts]"] == 3
        points = {i["entry"]["interaction_type_slug"]: i["points_possible"] for i in sent.new_items}
        assert points["choice"] == 3
    else:
        assert sent.classic_quiz is not None and sent.new_quiz is None
        assert sent.classic_quiz["time_limit"] == 30
        assert sent.classic_quiz["shuffle_answers"] is True
        assert sent.classic_quiz["allowed_attempts"] == 3
        points = {q["question_type"]: q["points_possible"] for q in sent.classic_questions}
        assert points["multiple_choice_question"] == 3


def test_engine_is_refused_for_other_formats(
    cli: CliRunner, approved_quiz: str, tmp_path: Path
) -> None:
    code, _, err = invoke(
        cli, "export", approved_quiz, "-f", "json", "--engine", "classic",
        "-o", str(tmp_path / "q.json"),
    )  # fmt: skip
    assert code == 2 and "--engine applies to --format canvaslms only" in err


@pytest.mark.parametrize("engine", ["new", "classic"])
def test_a_type_the_engine_cannot_hold_is_left_out_and_listed(engine: str) -> None:
    """A type neither engine holds (a stand-in) is listed, and so is ordering on Classic."""
    from quizgen.canvas.payloads import CLASSIC_TYPES, NEW_QUIZZES_SLUGS
    from quizgen.export import parse_items

    items, _ = parse_items(records())
    stand_in = SimpleNamespace(name="hot_spot", points=items[0].qtype.points)
    items[0] = type(items[0])(items[0].record, items[0].question, stand_in)  # type: ignore[arg-type]
    settings = PublishSettings(QUIZ.title, 0, engine)
    quiz = ExportQuiz(QUIZ.id, QUIZ.title, QUIZ.language, publish=settings)
    result = FORMATS["canvaslms"].write(quiz, items)
    held = NEW_QUIZZES_SLUGS if engine == "new" else CLASSIC_TYPES
    left = {lo.question_id: lo.reason for lo in result.left_out}
    assert set(left) == {item.id for item in items if item.type_name not in held}
    assert "have no hot spot question" in left[items[0].id]
    document = json.loads(result.data)
    assert len(document["items" if engine == "new" else "questions"]) == len(items) - len(left)
