"""QTI 1.2 zip in the dialect Canvas imports ("QTI .zip file"; Classic and New Quizzes).

Layout as text2qti and Canvas's own export write it: `imsmanifest.xml` listing the files,
`<id>/<id>.xml` (the assessment), `<id>/assessment_meta.xml` (Canvas's quiz settings) and an
empty `non_cc_assessments/` folder. The spec's `[publish]` settings go where Canvas's importer
reads them (`CC::Importer::Canvas::QuizMetadataConverter`): `shuffle_answers`, `time_limit`
(minutes; left out for none) and `allowed_attempts` (-1 unlimited) in `assessment_meta.xml`,
and `cc_maxattempts` in the assessment's own metadata. Every identifier is derived from the
quiz and question ids, so exporting twice gives the same zip and Canvas sees the same items.

Item types (Canvas classic names): multiple_choice_question, multiple_answers_question,
true_false_question, fill_in_multiple_blanks_question (the text keeps its `[blank_N]` markers;
one response_lid per blank, each accepted answer a label) and matching_question (one
response_lid per prompt; distractors are extra answer labels). Canvas has no categorization
type: a categorization question becomes a matching question (each item → its category name);
its distractor items, which belong to no category, cannot be held and are reported in notes.
An ordering question is left out and listed: Canvas's QTI importer has no ordering question (it
reads a QTI 2 `orderInteraction` as a matching question of positions, `OrderInteraction` in
canvas-lms's qti_exporter).
A numeric question is a numerical_question (a decimal `response_str`; an exact answer and its
margin, or a range, scored with `varequal`/`vargte`/`varlte` as Canvas's own export writes it);
an essay an essay_question nothing scores, its model answer and rubric in the general feedback.

Pools (`pick`): a pool's items sit in a nested `section` whose `selection_ordering/selection`
holds `selection_number` (how many each student sees) and `selection_extension/points_per_item`,
the shape Canvas's own export writes for a question group and its importer reads back as one;
text2qti writes its `GROUP` blocks the same way. The quiz's points count `pick` × those points.

Text: question text and feedback are HTML (escaped from plain text); options, blank answers and
matching sides are `text/plain`, as Canvas exports them. The XML itself is built with
ElementTree, so no text can break the markup.
"""

from __future__ import annotations

import io
import zipfile
from string import ascii_lowercase
from xml.etree import ElementTree as ET

from quizgen.export.base import (
    ALL_TYPES,
    Export,
    ExportItem,
    ExportQuiz,
    feedback_text,
    held_runs,
    html_block,
    short_id,
    stable_id,
    xml_safe,
)
from quizgen.export.qti_pool import pool_section
from quizgen.questions.numeric import Numeric, number_text

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
"""Zip entry timestamps: fixed, so the same quiz exports to byte-identical zips."""

LEFT_OUT = {
    "ordering": "Canvas's QTI import has no ordering question (it turns one into a matching "
    "question of positions); publish it to New Quizzes instead",
}
"""Types the QTI export leaves out, and why."""
NO_MAPPING = "QTI export has no mapping for this type"
HOLDS = tuple(name for name in ALL_TYPES if name not in LEFT_OUT)


def write(quiz: ExportQuiz, items: list[ExportItem]) -> Export:
    assessment_id = "g" + stable_id("assessment", quiz.id)
    result = Export(data=b"")
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=assessment_id, title=xml_safe(quiz.title))
    meta = ET.SubElement(assessment, "qtimetadata")
    _field(meta, "cc_maxattempts", _attempts(quiz.allowed_attempts))
    if quiz.time_limit_minutes is not None:
        _field(meta, "qmd_timelimit", str(quiz.time_limit_minutes))
    section = ET.SubElement(assessment, "section", ident="root_section")
    total: float = 0
    numbers = {item.id: number for number, item in enumerate(items, start=1)}
    for pool, held in held_runs(quiz, items, result, _cannot_hold):
        target = section
        if pool is not None and held:
            target, points = pool_section(section, quiz, pool, held, result)
            total += min(pool.pick, len(held)) * points
        for item in held:
            target.append(_BUILDERS[item.type_name](item, numbers[item.id], result))
            result.exported.append(item.id)
            if pool is None:
                total += item.points
    files = {
        f"{assessment_id}/{assessment_id}.xml": _xml_bytes(root),
        f"{assessment_id}/assessment_meta.xml": _meta(quiz, assessment_id, total),
    }
    manifest = _manifest(quiz, assessment_id, list(files))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "imsmanifest.xml", manifest)
        _add(archive, "non_cc_assessments/", b"")
        for name, data in files.items():
            _add(archive, name, data)
    result.data = buffer.getvalue()
    return result


def _cannot_hold(item: ExportItem) -> str | None:
    return None if item.type_name in _BUILDERS else LEFT_OUT.get(item.type_name, NO_MAPPING)


# --- items ---------------------------------------------------------------------------------


def _item(item: ExportItem, number: int, qti_type: str, answer_ids: list[str]) -> ET.Element:
    element = ET.Element("item", ident="i" + stable_id("item", item.id), title=f"Question {number}")
    meta = ET.SubElement(ET.SubElement(element, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", qti_type)
    _field(meta, "points_possible", f"{item.points:.1f}")
    _field(meta, "original_answer_ids", ",".join(answer_ids))
    _field(meta, "assessment_question_identifierref", "r" + stable_id("ref", item.id))
    return element


def _presentation(element: ET.Element, text: str) -> ET.Element:
    presentation = ET.SubElement(element, "presentation")
    _material(presentation, html_block(text), "text/html")
    return presentation


def _resprocessing(element: ET.Element, item: ExportItem) -> ET.Element:
    processing = ET.SubElement(element, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(
        outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal"
    )
    if feedback_text(item):
        condition = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        ET.SubElement(ET.SubElement(condition, "conditionvar"), "other")
        ET.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    return processing


def _general_feedback(element: ET.Element, item: ExportItem) -> None:
    text = feedback_text(item)
    if text:
        feedback = ET.SubElement(element, "itemfeedback", ident="general_fb")
        _material(ET.SubElement(feedback, "flow_mat"), html_block(text), "text/html")


def _choice_item(item: ExportItem, number: int) -> ET.Element:
    """Multiple choice, multiple answer and true/false: one response_lid of labels."""
    question = item.question
    if item.type_name == "true_false":
        choices = [("True", question.correct_answer), ("False", not question.correct_answer)]
        qti_type, cardinality = "true_false_question", "Single"
    else:
        choices = [(option.text, option.correct) for option in question.options]
        multiple = item.type_name == "multiple_answer"
        qti_type = "multiple_answers_question" if multiple else "multiple_choice_question"
        cardinality = "Multiple" if multiple else "Single"
    idents = [
        f"c{short_id(item.id, 'choice', letter)}"
        for letter, _ in zip(ascii_lowercase, choices, strict=False)
    ]
    element = _item(item, number, qti_type, idents)
    presentation = _presentation(element, question.question_text)
    lid = ET.SubElement(presentation, "response_lid", ident="response1", rcardinality=cardinality)
    render = ET.SubElement(lid, "render_choice")
    for ident, (text, _) in zip(idents, choices, strict=True):
        label = ET.SubElement(render, "response_label", ident=ident)
        _material(label, text, "text/plain")
    processing = _resprocessing(element, item)
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    conditionvar = ET.SubElement(condition, "conditionvar")
    if cardinality == "Single":
        correct = next(ident for ident, (_, ok) in zip(idents, choices, strict=True) if ok)
        _varequal(conditionvar, "response1", correct)
    else:
        both = ET.SubElement(conditionvar, "and")
        for ident, (_, ok) in zip(idents, choices, strict=True):
            parent = both if ok else ET.SubElement(both, "not")
            _varequal(parent, "response1", ident)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    _general_feedback(element, item)
    return element


def _fill_in_blank_item(item: ExportItem, number: int) -> ET.Element:
    """One response_lid per blank (`response_blank_N`); every accepted answer is a label."""
    question = item.question
    blanks = sorted(question.blanks, key=lambda blank: blank.position)
    idents = {
        (blank.position, index): f"b{short_id(item.id, 'blank', str(blank.position), str(index))}"
        for blank in blanks
        for index in range(len(blank.answers))
    }
    element = _item(item, number, "fill_in_multiple_blanks_question", list(idents.values()))
    presentation = _presentation(element, question.question_text)
    for blank in blanks:
        lid = ET.SubElement(presentation, "response_lid", ident=f"response_blank_{blank.position}")
        _material(lid, f"blank_{blank.position}", "text/plain")
        render = ET.SubElement(lid, "render_choice")
        for index, answer in enumerate(blank.answers):
            label = ET.SubElement(render, "response_label", ident=idents[blank.position, index])
            _material(label, answer, "text/plain")
    processing = _resprocessing(element, item)
    share = f"{100 / len(blanks):.2f}"
    for blank in blanks:
        for index in range(len(blank.answers)):
            condition = ET.SubElement(processing, "respcondition")
            _varequal(
                ET.SubElement(condition, "conditionvar"),
                f"response_blank_{blank.position}",
                idents[blank.position, index],
            )
            ET.SubElement(condition, "setvar", action="Add", varname="SCORE").text = share
    _general_feedback(element, item)
    return element


def _matching_item(item: ExportItem, number: int, result: Export) -> ET.Element:
    """Matching, and categorization as matching (item → category name)."""
    question = item.question
    if item.type_name == "categorization":
        pairs = [
            (entry, category.name) for category in question.categories for entry in category.items
        ]
        answers = [category.name for category in question.categories]
        if question.distractors:
            result.notes.append(
                f"{item.id} (categorization as matching): {len(question.distractors)} distractor "
                "item(s) left out — a matching question cannot hold items that fit no category"
            )
    else:
        pairs = [(pair.prompt, pair.answer) for pair in question.pairs]
        answers = [pair.answer for pair in question.pairs] + list(question.distractors)
    answer_ids = {
        answer: f"m{short_id(item.id, 'answer', str(n))}" for n, answer in enumerate(answers)
    }
    prompt_ids = [f"{short_id(item.id, 'prompt', str(n))}" for n in range(len(pairs))]
    element = _item(item, number, "matching_question", list(answer_ids.values()))
    presentation = _presentation(element, question.question_text)
    for prompt_id, (prompt, _) in zip(prompt_ids, pairs, strict=True):
        lid = ET.SubElement(presentation, "response_lid", ident=f"response_{prompt_id}")
        _material(lid, prompt, "text/plain")
        render = ET.SubElement(lid, "render_choice")
        for answer, answer_id in answer_ids.items():
            label = ET.SubElement(render, "response_label", ident=answer_id)
            _material(label, answer, "text/plain")
    processing = _resprocessing(element, item)
    share = f"{100 / len(pairs):.2f}"
    for prompt_id, (_, answer) in zip(prompt_ids, pairs, strict=True):
        condition = ET.SubElement(processing, "respcondition")
        _varequal(
            ET.SubElement(condition, "conditionvar"), f"response_{prompt_id}", answer_ids[answer]
        )
        ET.SubElement(condition, "setvar", action="Add", varname="SCORE").text = share
    _general_feedback(element, item)
    return element


def _numeric_item(item: ExportItem, number: int) -> ET.Element:
    """Canvas's numerical_question: a decimal field; an exact answer (with its margin) scores
    as `varequal` or within [value − margin, value + margin], a range as within its ends, as
    Canvas's own QTI export writes them."""
    question: Numeric = item.question
    element = _item(item, number, "numerical_question", [f"n{short_id(item.id, 'numeric')}"])
    presentation = _presentation(element, question.question_text)
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    fib = ET.SubElement(response, "render_fib", fibtype="Decimal")
    ET.SubElement(fib, "response_label", ident="answer1")
    processing = _resprocessing(element, item)
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    conditionvar = ET.SubElement(condition, "conditionvar")
    if question.range is not None:
        low, high = question.range.low, question.range.high
        within = conditionvar
    else:
        value = question.answer or 0.0
        low, high = value - question.margin, value + question.margin
        either = ET.SubElement(conditionvar, "or")
        ET.SubElement(either, "varequal", respident="response1").text = number_text(value)
        within = ET.SubElement(either, "and")
    ET.SubElement(within, "vargte", respident="response1").text = number_text(low)
    ET.SubElement(within, "varlte", respident="response1").text = number_text(high)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    _general_feedback(element, item)
    return element


def _essay_item(item: ExportItem, number: int) -> ET.Element:
    """Canvas's essay_question: a text response that nothing scores (the grader does)."""
    element = _item(item, number, "essay_question", [])
    presentation = _presentation(element, item.question.question_text)
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    fib = ET.SubElement(response, "render_fib")
    ET.SubElement(fib, "response_label", ident="answer1", rshuffle="No")
    processing = _resprocessing(element, item)
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    ET.SubElement(ET.SubElement(condition, "conditionvar"), "other")
    _general_feedback(element, item)
    return element


_BUILDERS = {
    "multiple_choice": lambda item, number, result: _choice_item(item, number),
    "multiple_answer": lambda item, number, result: _choice_item(item, number),
    "true_false": lambda item, number, result: _choice_item(item, number),
    "fill_in_blank": lambda item, number, result: _fill_in_blank_item(item, number),
    "matching": _matching_item,
    "categorization": _matching_item,
    "numeric": lambda item, number, result: _numeric_item(item, number),
    "essay": lambda item, number, result: _essay_item(item, number),
}


# --- small XML helpers ---------------------------------------------------------------------


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = label
    ET.SubElement(field, "fieldentry").text = entry


def _material(parent: ET.Element, text: str, texttype: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", texttype=texttype).text = xml_safe(text)


def _varequal(parent: ET.Element, respident: str, ident: str) -> None:
    ET.SubElement(parent, "varequal", respident=respident).text = ident


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def _meta(quiz: ExportQuiz, assessment_id: str, points: float) -> bytes:
    root = ET.Element("quiz", identifier=assessment_id, xmlns=CANVAS_NS)
    settings: list[tuple[str, str]] = [
        ("title", xml_safe(quiz.title)),
        ("description", ""),
        ("shuffle_answers", "true" if quiz.shuffle_answers else "false"),
        ("scoring_policy", "keep_highest"),
        ("quiz_type", "assignment"),
        ("points_possible", f"{points:.1f}"),
        ("show_correct_answers", "true"),
        ("allowed_attempts", str(quiz.allowed_attempts)),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
    ]
    if quiz.time_limit_minutes is not None:  # absent: no time limit, as Canvas exports it
        settings.insert(3, ("time_limit", str(quiz.time_limit_minutes)))
    for tag, value in settings:
        ET.SubElement(root, tag).text = value
    assignment = ET.SubElement(
        root, "assignment", identifier="a" + stable_id("assignment", quiz.id)
    )
    for tag, value in (
        ("title", xml_safe(quiz.title)),
        ("workflow_state", "unpublished"),
        ("quiz_identifierref", assessment_id),
        ("points_possible", f"{points:.1f}"),
        ("grading_type", "points"),
        ("submission_types", "online_quiz"),
    ):
        ET.SubElement(assignment, tag).text = value
    return _xml_bytes(root)


def _attempts(allowed: int) -> str:
    """`cc_maxattempts` as Common Cartridge writes it: a number, or "unlimited" for -1."""
    return "unlimited" if allowed == -1 else str(allowed)


def _manifest(quiz: ExportQuiz, assessment_id: str, files: list[str]) -> bytes:
    assessment_file, meta_file = files
    dependency_id = "d" + stable_id("dependency", quiz.id)
    root = ET.Element(
        "manifest", identifier="m" + stable_id("manifest", quiz.id), xmlns=MANIFEST_NS
    )
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    resource = ET.SubElement(resources, "resource", identifier=assessment_id, type="imsqti_xmlv1p2")
    ET.SubElement(resource, "file", href=assessment_file)
    ET.SubElement(resource, "dependency", identifierref=dependency_id)
    meta = ET.SubElement(
        resources,
        "resource",
        identifier=dependency_id,
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=meta_file,
    )
    ET.SubElement(meta, "file", href=meta_file)
    return _xml_bytes(root)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if data else zipfile.ZIP_STORED
    info.external_attr = (0o40755 << 16 | 0x10) if name.endswith("/") else (0o644 << 16)
    archive.writestr(info, data)
