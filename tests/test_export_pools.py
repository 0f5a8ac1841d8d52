"""Pools in exports, read back by outside tools: lxml reads the QTI selection, text2qti's own
converter reads the `GROUP`, canvaslms's own `quizzes create` makes the group; every other
format says in a note what it could not keep."""

from __future__ import annotations

import copy
import io
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from quizgen.canvas.payloads import PublishSettings
from quizgen.export import FORMATS, export_quiz
from quizgen.pools import Pool
from quizgen.questions import REGISTRY
from tests.every_type import QUIZ, record, records

etree = pytest.importorskip("lxml.etree")

KEY = "cells_multiple_choice_5"
POOLED = replace(QUIZ, pools={KEY: Pool(KEY, 2, 5)})
NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}


def pooled_records():
    """Every type once, and the multiple-choice batch three times over: a pool of 3."""
    extra = []
    for n in range(2):
        data = copy.deepcopy(REGISTRY["multiple_choice"].example)
        data["question_text"] += f" (variant {n + 2})"
        extra.append(record(90 + n, "multiple_choice", data))
    out = records()
    first = next(i for i, r in enumerate(out) if r.batch_key == KEY)
    return out[: first + 1] + extra + out[first + 1 :]


def pool_ids() -> list[str]:
    return [r.id for r in pooled_records() if r.batch_key == KEY]


def qti_documents(data: bytes) -> tuple[object, object]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        body = next(n for n in names if n.endswith(".xml") and "/" in n and "meta" not in n)
        meta = next(n for n in names if n.endswith("assessment_meta.xml"))
        return etree.fromstring(archive.read(body)), etree.fromstring(archive.read(meta))


def test_qti_puts_a_pool_in_a_section_canvas_reads_as_a_question_group() -> None:
    result = export_quiz(FORMATS["qti"], POOLED, pooled_records())
    assessment, meta = qti_documents(result.data)
    (root,) = assessment.findall("q:assessment/q:section", NS)
    (pool,) = root.findall("q:section", NS)
    assert pool.findtext("q:selection_ordering/q:selection/q:selection_number", None, NS) == "2"
    points = "q:selection_ordering/q:selection/q:selection_extension/q:points_per_item"
    assert pool.findtext(points, None, NS) == "1.0"
    inside = [item.get("ident") for item in pool.findall("q:item", NS)]
    assert len(inside) == 3 and len(root.findall("q:item", NS)) == len(result.exported) - 3
    left_out = {lo.question_id for lo in result.left_out}
    assert result.exported == [r.id for r in pooled_records() if r.id not in left_out]
    # The quiz is worth the questions outside the pool, plus 2 × 1 for the pool.
    outside = sum(
        REGISTRY[r.question_type].points(REGISTRY[r.question_type].parse(r.data)[0])
        for r in pooled_records()
        if r.batch_key != KEY and r.id not in left_out
    )
    cc = "{http://canvas.instructure.com/xsd/cccv1p0}"
    assert float(meta.findtext(f"{cc}points_possible")) == outside + 2


def test_text2qti_converts_the_group_and_keeps_its_pick(tmp_path: Path) -> None:
    result = export_quiz(FORMATS["markdown"], POOLED, pooled_records())
    text = result.data.decode("utf-8")
    assert "GROUP\npick: 2\npoints per question: 1\n" in text and "END_GROUP" in text
    source = tmp_path / "quiz.md"
    source.write_text(text, encoding="utf-8")
    converter = Path(sys.executable).with_name("text2qti")
    done = subprocess.run(
        [str(converter), str(source)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assessment, _meta = qti_documents((tmp_path / "quiz.zip").read_bytes())
    (group,) = assessment.findall("q:assessment/q:section/q:section", NS)
    assert group.findtext("q:selection_ordering/q:selection/q:selection_number", None, NS) == "2"
    held = [r for r in pooled_records() if r.batch_key == KEY]
    assert len(group.findall("q:item", NS)) == len(held)


def test_canvaslms_classic_makes_the_group_with_its_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.test_export_canvaslms import canvaslms_create

    quiz = replace(POOLED, publish=PublishSettings(QUIZ.title, 0, engine="classic"))
    result = export_quiz(FORMATS["canvaslms"], quiz, pooled_records())
    path = tmp_path / "quiz.json"
    path.write_bytes(result.data)
    sent = canvaslms_create(path, monkeypatch, caplog)
    assert sent.classic_groups == [
        {"name": f"{KEY}: 2 of 3", "pick_count": 2, "question_points": 1.0}
    ]
    grouped = [q for q in sent.classic_questions if q.get("quiz_group_id") == 501]
    assert len(grouped) == 3
    assert len(sent.classic_questions) == len(result.exported)


def test_canvaslms_new_leaves_the_pool_out_and_says_why() -> None:
    quiz = replace(POOLED, publish=PublishSettings(QUIZ.title, 0, engine="new"))
    result = export_quiz(FORMATS["canvaslms"], quiz, pooled_records())
    left = {lo.question_id: lo.reason for lo in result.left_out}
    assert set(left) == set(pool_ids())
    assert all("New Quizzes cannot draw at random" in reason for reason in left.values())


@pytest.mark.parametrize("name", ["csv", "json", "html"])
def test_formats_without_random_draws_say_so_for_each_pool(name: str) -> None:
    result = export_quiz(FORMATS[name], POOLED, pooled_records())
    assert set(pool_ids()) <= set(result.exported)
    assert [n for n in result.notes if KEY in n] == [
        f"batch {KEY} is a pool (2 of 3 per student): {name} cannot draw questions at random, "
        "so all 3 are in the file"
    ]


def test_a_pool_with_fewer_exported_questions_than_its_pick_shows_all_and_says_so() -> None:
    quiz = replace(QUIZ, pools={KEY: Pool(KEY, 4, 5)})
    for name in ("qti", "markdown"):
        result = export_quiz(FORMATS[name], quiz, pooled_records())
        assert any(
            "only 3 of its questions are exported: the group shows 3" in n for n in result.notes
        )


def test_quizgen_import_reads_the_questions_of_a_group_back() -> None:
    from quizgen.review.importing import parse_text2qti

    text = export_quiz(FORMATS["markdown"], POOLED, pooled_records()).data.decode("utf-8")
    imported = parse_text2qti(text, "quiz.md")
    exported = export_quiz(FORMATS["markdown"], POOLED, pooled_records()).exported
    assert len(imported) == len(exported)


def test_the_printable_page_says_the_pool_beside_each_of_its_questions() -> None:
    page = export_quiz(FORMATS["html"], POOLED, pooled_records()).data.decode("utf-8")
    assert page.count("pool: 2 of 3 shown") == 3


def test_moodle_files_a_pool_in_a_category_of_its_own_to_draw_from() -> None:
    from tests.test_export_moodle_syntax import split_category_path

    result = export_quiz(FORMATS["moodle"], POOLED, pooled_records())
    root = etree.fromstring(result.data)
    category: list[str] = []
    filed: dict[str, list[str]] = {}
    for question in root.findall("question"):
        if question.get("type") == "category":
            category = split_category_path(question.findtext("category/text"))
            continue
        filed[question.findtext("name/text")] = category
    title = QUIZ.title
    names = {r.id: f"{r.batch_key}-{r.position}" for r in pooled_records()}
    for stored in pooled_records():
        if stored.id not in result.exported:
            continue
        where = ["$course$", title, KEY] if stored.batch_key == KEY else ["$course$", title]
        assert filed[names[stored.id]] == where, stored.id
    assert [n for n in result.notes if KEY in n] == [
        f"batch {KEY} is a pool (2 of 3 per student): Moodle XML cannot draw at random, so its 3 "
        f"questions are in their own category '{title}/{KEY}'; in the Moodle quiz, add 2 random "
        "question(s) from that category"
    ]


def test_gift_files_a_pool_in_a_category_of_its_own_to_draw_from() -> None:
    """As Moodle's GIFT importer reads it: a `$CATEGORY:` line files what follows there."""
    from tests.test_export_moodle_syntax import split_category_path

    result = export_quiz(FORMATS["gift"], POOLED, pooled_records())
    category: list[str] = []
    filed: dict[str, list[str]] = {}
    for line in result.data.decode("utf-8").splitlines():
        if line.startswith("$CATEGORY:"):
            category = split_category_path(line[len("$CATEGORY:") :].strip())
        elif line.startswith("::"):
            filed[line[2:].split("::", 1)[0]] = category
    title = QUIZ.title
    for stored in pooled_records():
        if stored.id in result.exported:
            where = ["$course$", title] + ([KEY] if stored.batch_key == KEY else [])
            assert filed[f"{stored.batch_key}-{stored.position}"] == where, stored.id
    assert any(f"{KEY} is a pool (2 of 3 per student): GIFT cannot" in n for n in result.notes)


def test_gift_without_pools_writes_no_category() -> None:
    assert b"$CATEGORY" not in export_quiz(FORMATS["gift"], QUIZ, pooled_records()).data
