"""The spec's [publish] settings reach the QTI export as Canvas reads them, and Canvas itself
through publish (issue 12 item 28): shuffle answers, time limit, allowed attempts.

`canvas_quiz_meta` reads `assessment_meta.xml` the way Canvas's importer does
(`CC::Importer::Canvas::QuizMetadataConverter#get_quiz_meta`: `time_limit` and
`allowed_attempts` as integers, `shuffle_answers` as a boolean, an absent node is nil).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import invoke, invoke_json
from tests.fakes.canvas_server import FakeCanvas
from tests.publish_helpers import COURSE, make_quiz

CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
SETTINGS = "\n[publish]\nshuffle_answers = true\ntime_limit_minutes = 45\nallowed_attempts = 3\n"


def canvas_quiz_meta(data: bytes) -> dict[str, Any]:
    """The quiz settings Canvas takes from a QTI zip's assessment_meta.xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("/assessment_meta.xml")]
        root = ET.fromstring(archive.read(name))
        (assessment,) = [
            n for n in archive.namelist() if n.endswith(".xml") and n.count("/") == 1 and n != name
        ]
        qti = ET.fromstring(archive.read(assessment))

    def node(tag: str) -> str | None:
        found = root.find(f"{CANVAS}{tag}")
        return None if found is None else (found.text or "")

    def integer(tag: str) -> int | None:
        value = node(tag)
        return None if value is None or not value.strip() else int(value)

    def boolean(tag: str) -> bool | None:
        value = node(tag)
        return None if value is None else value.strip().lower() == "true"

    fields = {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
        for f in qti.find(f"{QTI}assessment/{QTI}qtimetadata")
    }
    return {
        "time_limit": integer("time_limit"),
        "allowed_attempts": integer("allowed_attempts"),
        "shuffle_answers": boolean("shuffle_answers"),
        "cc_maxattempts": fields.get("cc_maxattempts"),
    }


def export_qti(cli, quiz_id: str, tmp_path: Path) -> bytes:
    target = tmp_path / "quiz.qti.zip"
    code, _out, err = invoke(cli, "export", quiz_id, "-f", "qti", "-o", str(target))
    assert code == 0, err
    return target.read_bytes()


def test_qti_export_carries_the_publish_settings(cli, tmp_path: Path) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path, extra=SETTINGS)
    meta = canvas_quiz_meta(export_qti(cli, quiz_id, tmp_path))
    assert meta == {
        "time_limit": 45,
        "allowed_attempts": 3,
        "shuffle_answers": True,
        "cc_maxattempts": "3",
    }


def test_qti_export_without_settings_has_canvas_defaults(cli, tmp_path: Path) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path)
    meta = canvas_quiz_meta(export_qti(cli, quiz_id, tmp_path))
    assert meta == {
        "time_limit": None,
        "allowed_attempts": 1,
        "shuffle_answers": False,
        "cc_maxattempts": "1",
    }


def test_unlimited_attempts_in_qti(cli, tmp_path: Path) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path, extra="\n[publish]\nallowed_attempts = -1\n")
    meta = canvas_quiz_meta(export_qti(cli, quiz_id, tmp_path))
    assert meta["allowed_attempts"] == -1 and meta["cc_maxattempts"] == "unlimited"


def test_zero_attempts_is_a_located_spec_error(cli, tmp_path: Path) -> None:
    spec = tmp_path / "quiz.toml"
    spec.write_text(
        'title = "T"\n[modules.m]\nname = "M"\nsources = ["a.md"]\n'
        'question_batches = [{ question_type = "true_false", count = 1 }]\n'
        "[publish]\nallowed_attempts = 0\n",
        encoding="utf-8",
    )
    code, _, err = invoke(cli, "validate", str(spec))
    assert code == 2 and "[publish]: allowed_attempts must be 1 or more, or -1" in err


@pytest.fixture
def course(canvas: FakeCanvas) -> FakeCanvas:
    canvas.add_course(COURSE, "Introduction to Biology")
    return canvas


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        (
            3,
            {
                "multiple_attempts_enabled": True,
                "attempt_limit": True,
                "max_attempts": 3,
                "score_to_keep": "highest",
            },
        ),
        (
            -1,
            {
                "multiple_attempts_enabled": True,
                "attempt_limit": False,
                "max_attempts": None,
                "score_to_keep": "highest",
            },
        ),
    ],
)
def test_publish_sends_allowed_attempts_to_both_engines(
    cli, tmp_path: Path, course: FakeCanvas, attempts: int, expected: dict[str, Any]
) -> None:
    quiz_id, _ = make_quiz(cli, tmp_path, extra=f"\n[publish]\nallowed_attempts = {attempts}\n")
    code, doc = invoke_json(cli, "publish", quiz_id)
    assert code == 0, doc
    (new_quiz,) = course.new_quizzes.values()
    assert new_quiz["quiz_settings"]["multiple_attempts"] == expected
    code, doc = invoke_json(cli, "publish", quiz_id, "--engine", "classic")
    assert code == 0, doc
    (classic,) = course.classic_quizzes.values()
    assert classic["allowed_attempts"] == attempts
    code, out, _ = invoke(cli, "publish", quiz_id, "--dry-run", "--json")
    assert code == 0
    body = json.loads(out)["requests"][1]["body"]["quiz"]
    assert body["quiz_settings"]["multiple_attempts"] == expected
