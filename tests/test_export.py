"""Exports: golden files for every type, QTI structure, and what each format says it left out.

Goldens live in tests/golden/; after an intended change, regenerate them with
`QUIZGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_export.py` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from quizgen.export import FORMATS, export_quiz
from quizgen.questions import REGISTRY
from tests.every_type import QUIZ, records

GOLDEN = Path(__file__).parent / "golden"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
MANIFEST = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def golden_files(name: str, data: bytes) -> dict[str, bytes]:
    """The files a golden comparison looks at: a zip's members, or the file itself."""
    if name != "qti":
        return {f"every_type.{FORMATS[name].extension}": data}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            "every_type.qti/" + member.split("/")[-1]: archive.read(member)
            for member in archive.namelist()
            if not member.endswith("/")
        }


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_type_matches_golden(name: str) -> None:
    result = export_quiz(FORMATS[name], QUIZ, records())
    for filename, data in golden_files(name, result.data).items():
        path = GOLDEN / filename
        if os.environ.get("QUIZGEN_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        assert path.exists(), f"missing golden {path}; run with QUIZGEN_UPDATE_GOLDEN=1"
        assert data == path.read_bytes(), f"{filename} differs from its golden file"


@pytest.mark.parametrize("name", list(FORMATS))
def test_export_is_deterministic(name: str) -> None:
    first = export_quiz(FORMATS[name], QUIZ, records())
    second = export_quiz(FORMATS[name], QUIZ, records())
    assert first.data == second.data


@pytest.mark.parametrize(
    ("name", "left_out_types"),
    [
        ("qti", ["ordering"]),
        ("markdown", ["fill_in_blank", "matching", "categorization", "ordering"]),
        ("gift", ["fill_in_blank", "ordering"]),
        ("moodle", []),
        ("json", []),
        ("csv", []),
        ("html", []),
    ],
)
def test_every_question_is_exported_or_reported(name: str, left_out_types: list[str]) -> None:
    recs = records()
    result = export_quiz(FORMATS[name], QUIZ, recs)
    assert sorted(lo.question_type for lo in result.left_out) == sorted(left_out_types)
    assert {lo.question_id for lo in result.left_out} | set(result.exported) == {r.id for r in recs}
    assert all(lo.reason for lo in result.left_out)


def test_lossy_mappings_are_noted() -> None:
    """Categorization distractors cannot live in a matching item: a note says so."""
    for name in ("qti", "moodle", "gift"):
        notes = export_quiz(FORMATS[name], QUIZ, records()).notes
        assert any("categorization" in note and "distractor" in note for note in notes), name


def test_stored_question_that_fails_its_checks_is_reported_not_exported() -> None:
    recs = records()
    broken = recs[0].data | {"options": recs[0].data["options"][:2]}
    recs[0] = type(recs[0])(**{**recs[0].__dict__, "data": broken})
    result = export_quiz(FORMATS["json"], QUIZ, recs)
    assert recs[0].id not in result.exported
    assert result.left_out[0].question_id == recs[0].id
    assert "fails its checks" in result.left_out[0].reason


# --- QTI structure -------------------------------------------------------------------------


def qti_zip() -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(export_quiz(FORMATS["qti"], QUIZ, records()).data))


def test_qti_manifest_lists_every_file_and_the_layout_is_canvas_s() -> None:
    archive = qti_zip()
    names = archive.namelist()
    assert "imsmanifest.xml" in names and "non_cc_assessments/" in names
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    listed = {f.get("href") for f in manifest.iter(f"{MANIFEST}file")}
    files = {n for n in names if not n.endswith("/") and n != "imsmanifest.xml"}
    assert listed == files
    (assessment_file,) = [n for n in files if not n.endswith("assessment_meta.xml")]
    folder, filename = assessment_file.split("/")
    assert filename == f"{folder}.xml"
    assert f"{folder}/assessment_meta.xml" in files
    for name in files:
        ET.fromstring(archive.read(name))  # every XML file parses


def qti_items() -> list[ET.Element]:
    archive = qti_zip()
    (name,) = [
        n for n in archive.namelist() if n.count("/") == 1 and "meta" not in n and n[-1] != "/"
    ]
    return list(ET.fromstring(archive.read(name)).iter(f"{QTI}item"))


def test_qti_identifiers_are_unique() -> None:
    """Items, and response_lids and labels within an item, are unique; no two items share a
    label. (Matching rows share their item's answer labels by design.)"""
    items = qti_items()
    item_idents = [item.get("ident") for item in items]
    assert len(item_idents) == len(set(item_idents))
    refs = [metadata(item)["assessment_question_identifierref"] for item in items]
    assert len(refs) == len(set(refs))
    owner: dict[str, str] = {}
    for item in items:
        lids = list(item.iter(f"{QTI}response_lid"))
        assert len({lid.get("ident") for lid in lids}) == len(lids)
        for lid in lids:
            labels = [label.get("ident") for label in lid.iter(f"{QTI}response_label")]
            assert len(labels) == len(set(labels))
            for label in labels:
                assert owner.setdefault(label, item.get("ident")) == item.get("ident")


def metadata(item: ET.Element) -> dict[str, str]:
    return {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry") or ""
        for f in item.iter(f"{QTI}qtimetadatafield")
    }


def label_texts(lid: ET.Element) -> dict[str, str]:
    return {
        label.get("ident"): label.findtext(f"{QTI}material/{QTI}mattext")
        for label in lid.iter(f"{QTI}response_label")
    }


def scored(item: ET.Element) -> list[tuple[str, str, bool]]:
    """(respident, label ident, negated) of every varequal in a SCORE-setting condition."""
    out = []
    for condition in item.iter(f"{QTI}respcondition"):
        if condition.find(f"{QTI}setvar") is None:
            continue
        negated = {id(v) for n in condition.iter(f"{QTI}not") for v in n.iter(f"{QTI}varequal")}
        for var in condition.iter(f"{QTI}varequal"):
            out.append((var.get("respident"), var.text, id(var) in negated))
    return out


def qti_records() -> list:
    """The records the QTI export holds (ordering is left out: Canvas's QTI has none)."""
    return [r for r in records() if r.question_type in FORMATS["qti"].holds]


def test_qti_resprocessing_marks_exactly_the_right_answers() -> None:
    recs = qti_records()
    items = qti_items()
    assert len(items) == len(recs)
    for record, item in zip(recs, items, strict=True):
        qtype = REGISTRY[record.question_type]
        question, _ = qtype.parse(record.data)
        meta = metadata(item)
        assert float(meta["points_possible"]) == qtype.points(question)
        lids = list(item.iter(f"{QTI}response_lid"))
        marks = scored(item)
        name = record.question_type
        if name in ("multiple_choice", "true_false", "multiple_answer"):
            texts = label_texts(lids[0])
            right = {texts[ident] for _, ident, negated in marks if not negated}
            wrong = {texts[ident] for _, ident, negated in marks if negated}
            assert right == set(qtype.correct_answers(question))
            if name == "multiple_answer":
                assert wrong == set(qtype.distractors(question))
                assert lids[0].get("rcardinality") == "Multiple"
            else:
                assert not wrong
        elif name == "fill_in_blank":
            assert meta["question_type"] == "fill_in_multiple_blanks_question"
            for blank in question.blanks:
                lid = item.find(f".//{QTI}response_lid[@ident='response_blank_{blank.position}']")
                assert f"[blank_{blank.position}]" in item.findtext(
                    f"{QTI}presentation/{QTI}material/{QTI}mattext"
                )
                texts = label_texts(lid)
                marked = [texts[i] for r, i, _ in marks if r == lid.get("ident")]
                assert marked == blank.answers
        elif name == "essay":
            assert meta["question_type"] == "essay_question"
            assert not marks and not lids  # nothing scores an essay
            assert item.find(f".//{QTI}response_str") is not None
        elif name == "numeric":
            assert meta["question_type"] == "numerical_question"
            bounds = {v.tag: float(v.text) for v in item.iter() if v.tag.startswith(QTI + "var")}
            assert bounds[f"{QTI}varequal"] == question.answer
            low = question.answer - question.margin
            assert (bounds[f"{QTI}vargte"], bounds[f"{QTI}varlte"]) == (
                low,
                low + 2 * question.margin,
            )
        else:
            assert meta["question_type"] == "matching_question"
            expected = (
                {p.prompt: p.answer for p in question.pairs}
                if name == "matching"
                else {i: c.name for c in question.categories for i in c.items}
            )
            got = {}
            for lid in lids:
                texts = label_texts(lid)
                (ident,) = [i for r, i, _ in marks if r == lid.get("ident")]
                got[lid.findtext(f"{QTI}material/{QTI}mattext")] = texts[ident]
            assert got == expected
            if name == "matching":
                for lid in lids:
                    assert set(question.distractors) <= set(label_texts(lid).values())


def test_qti_general_feedback_holds_explanation_and_quote() -> None:
    for record, item in zip(qti_records(), qti_items(), strict=True):
        feedback = item.find(f"{QTI}itemfeedback[@ident='general_fb']")
        text = feedback.findtext(f".//{QTI}mattext")
        assert record.data["source_quote"].split()[0] in text
        assert record.data["explanation"].split()[0] in text


# --- the other formats' structure ----------------------------------------------------------


def test_json_has_the_import_shape() -> None:
    document = json.loads(export_quiz(FORMATS["json"], QUIZ, records()).data)
    assert document["format"] == "quizgen-quiz" and document["version"] == 1
    assert document["quiz"] == {"id": QUIZ.id, "title": QUIZ.title, "language": "en"}
    for record, entry in zip(records(), document["questions"], strict=True):
        assert set(entry) == {
            "id",
            "module_id",
            "batch_key",
            "question_type",
            "review_status",
            "data",
            "citation",
        }
        assert entry["data"] == REGISTRY[record.question_type].parse(record.data)[0].model_dump(
            mode="json"
        )


def test_csv_has_one_row_per_question() -> None:
    data = export_quiz(FORMATS["csv"], QUIZ, records()).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [row["id"] for row in rows] == [r.id for r in records()]
    assert rows[0]["correct_answers"] == "Mitochondrion"
    assert rows[0]["distractors_or_options"] == "Ribosome | Golgi apparatus | Lysosome"


def test_moodle_xml_types() -> None:
    root = ET.fromstring(export_quiz(FORMATS["moodle"], QUIZ, records()).data)
    types = [q.get("type") for q in root.iter("question")]
    assert types == [
        "category",
        "multichoice",
        "multichoice",
        "truefalse",
        "cloze",
        "matching",
        "matching",
        "ordering",
        "numerical",
        "essay",
        "shortanswer",
    ]
    cloze = next(q for q in root.iter("question") if q.get("type") == "cloze")
    text = cloze.findtext("questiontext/text")
    assert "{1:SHORTANSWER_C:=ribosomes~=Ribosomes~=ribosome}" in text


def test_moodle_ordering_is_moodles_core_ordering_question_in_the_keys_order() -> None:
    """As Moodle's own qtype_ordering exports one (its tests/fixtures/testexport.moodle.xml):
    the answers in the correct order, `fraction` their place; every item shown, all or
    nothing, as Canvas scores it."""
    root = ET.fromstring(export_quiz(FORMATS["moodle"], QUIZ, records()).data)
    (question,) = [q for q in root.iter("question") if q.get("type") == "ordering"]
    items = REGISTRY["ordering"].example["items"]
    answers = question.findall("answer")
    assert [a.findtext("text") for a in answers] == [f"<p>{item}</p>" for item in items]
    assert [float(a.get("fraction")) for a in answers] == [1.0, 2.0, 3.0, 4.0]
    assert question.findtext("selecttype") == "ALL"
    assert question.findtext("selectcount") == str(len(items))
    assert question.findtext("gradingtype") == "ALL_OR_NOTHING"
    assert float(question.findtext("defaultgrade")) == 1.0


@pytest.mark.parametrize("name", ["qti", "markdown", "gift"])
def test_formats_without_an_ordering_question_say_why_they_leave_it_out(name: str) -> None:
    result = export_quiz(FORMATS[name], QUIZ, records())
    (reason,) = [lo.reason for lo in result.left_out if lo.question_type == "ordering"]
    assert "no ordering question" in reason
