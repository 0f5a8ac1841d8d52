"""The pure mappings question → New Quizzes item / Classic question, as data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from quizgen.canvas import payloads
from quizgen.canvas.payloads import PublishSettings
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.questions import REGISTRY
from tests.publish_helpers import tags_in

NEW = PublishSettings(title="Quiz", course_id=1, engine="new")
CLASSIC = PublishSettings(title="Quiz", course_id=1, engine="classic")


def record(
    qtype: str, data: dict[str, Any] | None = None, qid: str = "abc123def456"
) -> QuestionRecord:
    return QuestionRecord(
        id=qid,
        quiz_id="q1",
        module_id="m",
        batch_key=f"m_{qtype}_1",
        question_type=qtype,
        position=1,
        data=data or REGISTRY[qtype].example,
        review_status=ReviewStatus.APPROVED,
        rejection_reasons=[],
        citation=None,
        created_at="",
        updated_at="",
    )


@pytest.mark.parametrize("qtype", list(REGISTRY))
def test_new_quizzes_item_uses_the_slug_and_scoring_algorithm_of_its_type(qtype: str) -> None:
    body = payloads.new_quiz_item(record(qtype), 3, NEW)
    entry = body["item"]["entry"]
    slug, algorithm = payloads.NEW_QUIZZES_SLUGS[qtype]
    assert entry["interaction_type_slug"] == slug
    assert entry["scoring_algorithm"] == algorithm
    assert body["item"]["position"] == 3 and body["item"]["entry_type"] == "Item"
    assert entry["title"].endswith("[qg:abc123def456]")


@pytest.mark.parametrize("qtype", list(REGISTRY))
def test_payloads_are_identical_on_every_conversion(qtype: str) -> None:
    for engine in (NEW, CLASSIC) if qtype in payloads.CLASSIC_TYPES else (NEW,):
        first = payloads.item_body(record(qtype), 1, engine)
        again = payloads.item_body(record(qtype), 1, engine)
        assert json.dumps(first) == json.dumps(again)
    other = payloads.item_body(record(qtype, qid="ffffffffffff"), 1, NEW)
    if qtype not in ("true_false", "essay"):  # they have no ids of their own
        assert json.dumps(ids_of(other)) != json.dumps(
            ids_of(payloads.item_body(record(qtype), 1, NEW))
        )


def ids_of(body: dict) -> object:
    """Where a New Quizzes item carries the ids quizgen chose: its interaction data, or for
    numeric (whose interaction data is empty) its scoring data."""
    entry = body["item"]["entry"]
    return entry["interaction_data"] or entry["scoring_data"]


def test_choice_scoring_refers_to_the_correct_choice_ids() -> None:
    entry = payloads.new_quiz_item(record("multiple_choice"), 1, NEW)["item"]["entry"]
    choices = entry["interaction_data"]["choices"]
    assert [c["item_body"] for c in choices if c["id"] == entry["scoring_data"]["value"]] == [
        "<p>Mitochondrion</p>"
    ]
    entry = payloads.new_quiz_item(record("multiple_answer"), 1, NEW)["item"]["entry"]
    by_id = {c["id"]: c["item_body"] for c in entry["interaction_data"]["choices"]}
    assert [by_id[v] for v in entry["scoring_data"]["value"]] == [
        "<p>Ribosomes</p>",
        "<p>Plasma membrane</p>",
        "<p>Circular DNA</p>",
    ]


def test_fill_in_blank_puts_a_span_per_blank_and_scores_each_with_its_answers() -> None:
    entry = payloads.new_quiz_item(record("fill_in_blank"), 1, NEW)["item"]["entry"]
    blanks = entry["interaction_data"]["blanks"]
    assert len(blanks) == 2
    for blank in blanks:
        assert f'<span id="{blank["id"]}"></span>' in entry["item_body"]
    assert "[blank_" not in entry["item_body"]
    scored = {s["id"]: s for s in entry["scoring_data"]["value"]}
    first = scored[blanks[0]["id"]]
    assert first["scoring_algorithm"] == "TextInChoices"
    assert first["scoring_data"]["value"] == ["ribosomes", "Ribosomes", "ribosome"]
    assert "`ribosomes`" in entry["scoring_data"]["working_item_body"]


def test_matching_and_categorization_scoring_refers_to_what_is_offered() -> None:
    entry = payloads.new_quiz_item(record("matching"), 1, NEW)["item"]["entry"]
    data = entry["interaction_data"]
    assert set(entry["scoring_data"]["value"]) == {q["id"] for q in data["questions"]}
    assert set(entry["scoring_data"]["value"].values()) <= set(data["answers"])
    assert "Photosynthesis" in data["answers"]  # the distractor is offered
    entry = payloads.new_quiz_item(record("categorization"), 1, NEW)["item"]["entry"]
    data = entry["interaction_data"]
    assert data["category_order"] == list(data["categories"])
    members = [m for s in entry["scoring_data"]["value"] for m in s["scoring_data"]["value"]]
    assert len(members) == 5 and set(members) < set(data["distractors"])
    assert len(data["distractors"]) == 6  # five items and the distractor "Glycolysis"


def test_points_default_per_type_and_spec_overrides() -> None:
    assert payloads.new_quiz_item(record("fill_in_blank"), 1, NEW)["item"]["points_possible"] == 2
    assert payloads.new_quiz_item(record("matching"), 1, NEW)["item"]["points_possible"] == 4
    override = PublishSettings(title="Q", course_id=1, points={"multiple_choice": 2.5})
    assert payloads.new_quiz_item(record("multiple_choice"), 1, override)["item"][
        "points_possible"
    ] == pytest.approx(2.5)


def test_classic_maps_each_type_to_a_classic_question_with_answer_weights() -> None:
    mc = payloads.classic_question(record("multiple_choice"), 1, CLASSIC)["question"]
    assert mc["question_type"] == "multiple_choice_question"
    assert [a["answer_weight"] for a in mc["answers"]] == [0, 100, 0, 0]
    tf = payloads.classic_question(record("true_false"), 1, CLASSIC)["question"]
    assert [(a["answer_text"], a["answer_weight"]) for a in tf["answers"]] == [
        ("True", 0),
        ("False", 100),
    ]
    fib = payloads.classic_question(record("fill_in_blank"), 1, CLASSIC)["question"]
    assert fib["question_type"] == "fill_in_multiple_blanks_question"
    assert "[blank_1]" in fib["question_text"] and "[blank_2]" in fib["question_text"]
    assert {a["blank_id"] for a in fib["answers"]} == {"blank_1", "blank_2"}
    matching = payloads.classic_question(record("matching"), 1, CLASSIC)["question"]
    assert matching["matching_answer_incorrect_matches"] == "Photosynthesis"
    sorted_into = payloads.classic_question(record("categorization"), 1, CLASSIC)["question"]
    assert sorted_into["question_type"] == "matching_question"
    assert ("Calvin cycle", "Chloroplast") in {
        (a["answer_match_left"], a["answer_match_right"]) for a in sorted_into["answers"]
    }


def test_classic_says_what_it_changes_before_anything_is_sent() -> None:
    notes = payloads.classic_limitations([record("categorization"), record("matching")])
    assert len(notes) == 1
    assert "becomes a matching question" in notes[0] and "1 distractor" in notes[0]


HOSTILE = {
    "question_text": (
        'Which tag <script>alert("x")</script> runs code <b onmouseover=steal()>here</b>?'
    ),
    "options": [
        {"text": '<img src="https://evil.example/x.png" onerror="alert(1)">', "correct": False},
        {"text": "A <script> element", "correct": True},
        {"text": "<a href='javascript:alert(1)'>link</a>", "correct": False},
        {"text": "<iframe src=//evil.example></iframe>", "correct": False},
    ],
    "explanation": "<style>body{display:none}</style> & more",
    "source_quote": "quoted",
}

ALLOWED = {"p": set(), "br": set(), "span": {"id"}}


def html_fields(value: Any, key: str = "") -> list[str]:
    """Every string of a payload that Canvas renders as HTML."""
    html_keys = {"item_body", "question_text", "answer_html", "neutral"} | {
        "correct_comments_html",
        "incorrect_comments_html",
        "working_item_body",
        "question_body",
    }
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in html_fields(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in html_fields(v, key)]
    return [value] if isinstance(value, str) and key in html_keys else []


@pytest.mark.parametrize("settings", [NEW, CLASSIC], ids=["new", "classic"])
def test_model_text_arrives_as_inert_text(settings: PublishSettings) -> None:
    body = payloads.item_body(record("multiple_choice", HOSTILE), 1, settings)
    fields = html_fields(body)
    assert len(fields) >= 6
    for fragment in fields:
        for tag, attrs in tags_in(fragment):
            assert tag in ALLOWED, (tag, fragment)
            assert {name for name, _ in attrs} <= ALLOWED[tag], (tag, attrs)
    raw = json.dumps(body)
    for dangerous in ("<script", "<img", "<iframe", "<a ", "<style", "<b "):
        assert dangerous not in raw
    assert "&lt;script&gt;" in raw  # still there for the student to read, as text


def test_accepted_blank_answers_stay_plain_text_so_students_can_type_them() -> None:
    data = dict(REGISTRY["fill_in_blank"].example)
    data["blanks"] = [
        {"position": 1, "answers": ["A & B"]},
        {"position": 2, "answers": ["mRNA"]},
    ]
    entry = payloads.new_quiz_item(record("fill_in_blank", data), 1, NEW)["item"]["entry"]
    assert entry["scoring_data"]["value"][0]["scoring_data"]["value"] == ["A & B"]
    assert "`A &amp; B`" in entry["scoring_data"]["working_item_body"]


def test_ordering_scores_the_choice_ids_in_the_keys_order_and_shows_them_out_of_it() -> None:
    """New Quiz Items appendix, Ordering: choices keyed by id, scoring_data.value the ids in
    the correct order, scored DeepEquals, shuffle_rules null."""
    entry = payloads.new_quiz_item(record("ordering"), 1, NEW)["item"]["entry"]
    choices = entry["interaction_data"]["choices"]
    order = entry["scoring_data"]["value"]
    assert sorted(order) == sorted(choices) and all(choices[k]["id"] == k for k in choices)
    texts = [choices[choice_id]["item_body"] for choice_id in order]
    assert texts == [f"<p>{item}</p>" for item in REGISTRY["ordering"].example["items"]]
    assert list(choices) == sorted(choices)  # listed by id, not in the key's order
    assert entry["scoring_algorithm"] == "DeepEquals"
    assert entry["properties"]["shuffle_rules"] is None


def test_classic_leaves_ordering_out_and_says_so_before_anything_is_sent() -> None:
    records = [record("multiple_choice", qid="q1"), record("ordering", qid="q2")]
    held, notes = payloads.held_by_engine(records, "classic")
    assert [r.id for r in held] == ["q1"]
    assert notes == [
        "question q2 (ordering) is left out: Classic Quizzes have no ordering question; "
        "publish with --engine new to include it"
    ]
    assert payloads.held_by_engine(records, "new") == (records, [])
