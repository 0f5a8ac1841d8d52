"""The numeric type: its shape and checks, the numbers a passage writes, the key's grounding and
unit, give-aways, and the review edit of a question whose key is a number."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from quizgen.checks.screen import Screen
from quizgen.content import Section, assemble
from quizgen.questions import REGISTRY
from quizgen.questions.numeric import key_text, numbers_in, states_unit, unit_after
from quizgen.review.rules import edit_document, parse_edit_document
from quizgen.web.forms import FormData, data_from_form, form_rows
from tests.conftest import EXAMPLE, invoke, invoke_json
from tests.every_type import record

NUMERIC = REGISTRY["numeric"]
GENETICS = "Human body cells contain 46 chromosomes, arranged in 23 pairs."
DESERT = "A desert is a biome that receives less than 25 centimeters of precipitation a year."
CELLS = "Their cells are usually between one and ten micrometers long."
ENERGY = "Only about ten percent of the energy at one trophic level is passed on to the next."


def numeric(stem: str, quote: str, **key: Any) -> dict[str, Any]:
    return {"question_text": stem, "source_quote": quote, **key}


def codes(data: dict[str, Any], text: str | None = None) -> list[str]:
    content = assemble([Section("notes.md", text or data["source_quote"])])
    return [p.code for p in Screen().screen(NUMERIC, data, content).problems]


# -- shape and the type's own checks -----------------------------------------------------------


def test_an_answer_a_margin_or_a_range_parse_and_render() -> None:
    exact, _ = NUMERIC.parse(numeric("In how many pairs are they arranged?", GENETICS, answer=23))
    near, _ = NUMERIC.parse(numeric("About what percentage?", ENERGY, answer=10, margin=1))
    span, _ = NUMERIC.parse(
        numeric("How long, in micrometers?", CELLS, range={"low": 1, "high": 10})
    )
    assert [key_text(q) for q in (exact, near, span)] == ["23", "10 ± 1", "1 to 10"]
    assert NUMERIC.render(span).endswith("answer: 1 to 10   ✓")
    assert NUMERIC.points(exact) == 1


@pytest.mark.parametrize(
    "key",
    [
        {},
        {"answer": 5, "range": {"low": 1, "high": 10}},
        {"range": {"low": 10, "high": 1}},
        {"range": {"low": 1, "high": 10}, "margin": 2},
        {"answer": 5, "margin": -1},
        {"answer": "many"},
    ],
    ids=["neither", "both", "reversed", "range-margin", "negative-margin", "not-a-number"],
)
def test_a_key_that_is_not_one_number_or_one_range_is_an_invalid_shape(key: dict) -> None:
    _, problems = NUMERIC.parse(numeric("How many micrometers long?", CELLS, **key))
    assert "invalid_shape" in [p.code for p in problems]


def test_a_stem_that_writes_its_own_answer_leaks_it() -> None:
    data = numeric("The 46 chromosomes form how many pairs? Not 46, 23.", GENETICS, answer=23)
    assert [p.code for p in NUMERIC.parse(data)[1]] == ["answer_leak"]


# -- numbers and units in a passage ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("about 1,500 species", 1500),
        ("about 1 500 species", 1500),
        ("about 1500 species", 1500),
        ("omtrent 1.500 arter", 1500),
        ("1.5 thousand species", 1500),
        ("1,5 millioner innbyggere", 1_500_000),
        ("forty-six chromosomes", 46),
        ("one hundred and five days", 105),
        ("ti prosent", 10),
        ("in the 1860s", 1860),
        ("at -40 °C", -40),
        ("2.5 kg", 2.5),
    ],
)
def test_a_number_counts_in_every_usual_writing(text: str, value: float) -> None:
    assert any(mention.means(value) for mention in numbers_in(text))


def test_lists_and_names_are_not_one_number_and_plural_scales_no_number() -> None:
    assert [sorted(m.values) for m in numbers_in("five, forty-six")] == [[5.0], [46.0]]
    assert numbers_in("cells contain thousands of mitochondria") == []
    assert not any(m.means(11) for m in numbers_in(CELLS))  # "one and ten" is two numbers


def test_the_unit_is_the_word_after_the_number_not_a_name_or_a_function_word() -> None:
    def units(text: str) -> list[str | None]:
        return [unit_after(text, m) for m in numbers_in(text)]

    assert units(DESERT) == ["centimeters"]
    assert units(ENERGY) == ["percent", "trophic"]  # "one trophic level"
    assert units("In 1953 James Watson and Francis Crick") == [None]
    assert units("It founded Rome in 509 BC.") == ["BC"]
    assert units("Some 1.5 million people live there") == ["people"]
    assert states_unit("What percentage of it?", "percent") and states_unit("Per cent?", "%")
    assert states_unit("How many centimetres of rain?", "cm")
    assert not states_unit("How many millimeters of rain?", "centimeters")


# -- grounding of the key ---------------------------------------------------------------------


def test_a_key_the_quote_writes_in_another_form_is_grounded() -> None:
    text = "The city had about 1,500 inhabitants in 1900."
    assert codes(numeric("About how many inhabitants did the city have?", text, answer=1500)) == []


def test_a_key_the_quote_does_not_write_is_not_grounded() -> None:
    data = numeric("In how many pairs are the chromosomes arranged?", GENETICS, answer=22)
    assert codes(data) == ["key_not_grounded"]
    assert codes(dict(data, answer=None, range={"low": 23, "high": 46})) == []
    assert codes(dict(data, answer=None, range={"low": 20, "high": 23})) == ["key_not_grounded"]


def test_a_stem_without_the_unit_the_quote_gives_has_a_wrong_unit() -> None:
    asked = "How many millimeters of precipitation does a desert receive a year at most?"
    assert codes(numeric(asked, DESERT, answer=25)) == ["wrong_unit"]
    right = asked.replace("millimeters", "cm")
    assert codes(numeric(right, DESERT, answer=25)) == []


def test_a_true_statement_of_the_number_gives_the_numeric_question_away() -> None:
    content = assemble([Section("notes.md", GENETICS)])
    screen = Screen()
    statement = {"question_text": GENETICS, "correct_answer": True, "source_quote": GENETICS}
    kept = screen.screen(REGISTRY["true_false"], statement, content)
    screen.admit(kept.question, "tf")
    asked = numeric("In how many pairs are the chromosomes of human body cells?", GENETICS,
                    answer=23)  # fmt: skip
    assert [p.code for p in screen.screen(NUMERIC, asked, content).problems] == ["gives_away"]


# -- review: the TOML edit and the web form ----------------------------------------------------


def test_the_edit_document_of_a_numeric_question_round_trips() -> None:
    question, _ = NUMERIC.parse(
        numeric("How long, in micrometers?", CELLS, range={"low": 1, "high": 10})
    )
    stored = record(1, "numeric", question.model_dump(mode="json"))
    text = edit_document(stored, NUMERIC)
    assert "answer = " not in text  # no TOML null: an unused field is left out
    edited, problems = parse_edit_document(text)
    assert problems == [] and NUMERIC.parse(edited)[0] == question


def test_the_web_form_shows_and_reads_a_numeric_key() -> None:
    data = numeric("About what percentage?", ENERGY, answer=10.0, margin=1.0, range=None)
    assert form_rows("numeric", data) == {
        "answer": "10", "margin": "1", "range_low": "", "range_high": ""}  # fmt: skip
    form = {"question_text": data["question_text"], "source_quote": ENERGY, "explanation": "",
            "answer": "10", "margin": "1,5", "range_low": "", "range_high": ""}  # fmt: skip
    read = data_from_form("numeric", FormData(form))
    assert (read["answer"], read["margin"], read["range"]) == (10.0, 1.5, None)
    form |= {"answer": "", "margin": "", "range_low": "1", "range_high": "ten"}
    read = data_from_form("numeric", FormData(form))
    assert read["range"] == {"low": 1.0, "high": "ten"}  # kept as typed: the check names it
    assert "invalid_shape" in [p.code for p in NUMERIC.parse(read)[1]]


# -- end to end: the mock fills a numeric batch, and both engines take it --------------------

NUMERIC_SPEC = """
title = "Numbers"
language = "en"
[course]
id = 12345
[llm]
provider = "mock"
[modules.genetics]
name = "Genetics"
sources = ["content/genetics.md"]
question_batches = [
  { question_type = "numeric", count = 4 },
  { question_type = "fill_in_blank", count = 3 },
]
"""


@pytest.mark.parametrize("engine", ["new", "classic"])
def test_a_numeric_batch_is_filled_on_the_mock_and_published_to_both_engines(
    cli, tmp_path: Path, canvas: Any, engine: str
) -> None:
    canvas.add_course(12345, "Biology")
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    (folder / "quiz.toml").write_text(NUMERIC_SPEC, encoding="utf-8")
    code, doc = invoke_json(cli, "create", str(folder / "quiz.toml"))
    assert code == 0 and doc["totals"]["questions"] == doc["totals"]["target"] == 7
    quiz_id = doc["quiz"]["id"]
    assert invoke(cli, "approve", quiz_id, "--all")[0] == 0
    code, published = invoke_json(cli, "publish", quiz_id, "--engine", engine)
    assert code == 0 and published["created"] == 7 and published["failed"] == []
    if engine == "new":
        (items,) = canvas.new_items.values()
        numeric = [i["entry"] for i in items if i["entry"]["interaction_type_slug"] == "numeric"]
        assert len(numeric) == 4 and all(e["scoring_algorithm"] == "Numeric" for e in numeric)
        assert all(float(e["scoring_data"]["value"][0]["value"]) for e in numeric)
    else:
        (questions,) = canvas.classic_questions.values()
        numerical = [q for q in questions if q["question_type"] == "numerical_question"]
        assert len(numerical) == 4
        assert all(q["answers"][0]["numerical_answer_type"] == "exact_answer" for q in numerical)


def test_the_fake_canvas_refuses_a_numeric_item_canvas_would_refuse() -> None:
    """The fake checks numeric items as the New Quiz Items API describes them, so the test
    above proves something: a number sent as a JSON number, or an unknown type, is refused."""
    from tests.fakes.canvas_server import _new_item_problem, _numerical_problem

    response = {"id": "a", "type": "exactResponse", "value": 23}
    entry = {"title": "t", "item_body": "<p>x</p>", "interaction_type_slug": "numeric",
             "scoring_algorithm": "Numeric", "interaction_data": {},
             "scoring_data": {"value": [response]}}  # fmt: skip
    item = {"entry_type": "Item", "points_possible": 1, "entry": entry}
    assert "string" in _new_item_problem(item)
    response |= {"value": "23", "type": "closeEnough"}
    assert "known type" in _new_item_problem(item)
    assert _numerical_problem([{"numerical_answer_type": "exact_answer", "exact": 23}])


def test_text2qti_numerical_answers_import_as_numeric_and_other_equals_lines_as_short_answers() -> (
    None
):
    from quizgen.review.importing import parse_text2qti

    text = (
        "1.  How many micrometers long are the cells?\n=   [1, 10]\n\n"
        "2.  What percentage of the energy passes on?\n=   10 +- 5%\n\n"
        "3.  Which organelle makes ATP?\n=   mitochondrion\n"
    )
    span, near, short = parse_text2qti(text, "bank.md")
    assert (span.question_type, span.data["range"]) == ("numeric", {"low": 1.0, "high": 10.0})
    assert (near.data["answer"], near.data["margin"]) == (10.0, 0.5)
    assert short.question_type == "fill_in_blank"  # earlier quizgen exports wrote `=` so
    assert short.data["blanks"][0]["answers"] == ["mitochondrion"]
