"""The question types: examples, shape errors, every check, and clean questions passing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from quizgen.questions import (
    REGISTRY,
    categorization,
    essay,
    fill_in_blank,
    matching,
    multiple_answer,
    multiple_choice,
    numeric,
    ordering,
    true_false,
)
from quizgen.questions.base import INVALID_SHAPE, QuestionType

SOURCE = "Mitochondria are the site of cellular respiration in eukaryotic cells."


def codes(qtype: QuestionType, raw: dict[str, Any]) -> list[str]:
    return [problem.code for problem in qtype.parse(raw)[1]]


def messages(qtype: QuestionType, raw: dict[str, Any]) -> list[str]:
    return [problem.message for problem in qtype.parse(raw)[1]]


def variant(example: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(example), **changes}


def options(*texts: str, correct: tuple[int, ...] = (1,)) -> list[dict[str, Any]]:
    return [{"text": text, "correct": n in correct} for n, text in enumerate(texts, start=1)]


# -- every type ------------------------------------------------------------------------------


def test_registry_holds_every_type_in_order() -> None:
    assert list(REGISTRY) == [
        "multiple_choice",
        "multiple_answer",
        "true_false",
        "fill_in_blank",
        "matching",
        "categorization",
        "ordering",
        "numeric",
        "essay",
    ]


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_example_parses_without_problems(qtype: QuestionType) -> None:
    question, problems = qtype.parse(qtype.example)
    assert problems == []
    assert question is not None
    assert qtype.correct_answers(question)
    assert question.source_quote


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_render_shows_the_question_but_not_explanation_or_source(qtype: QuestionType) -> None:
    question, _ = qtype.parse(qtype.example)
    assert question is not None
    text = qtype.render(question)
    assert text.startswith(question.question_text)
    assert question.explanation not in text
    assert question.source_quote not in text


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_unknown_key_is_an_invalid_shape(qtype: QuestionType) -> None:
    question, problems = qtype.parse(variant(qtype.example, difficulty="easy"))
    assert question is None
    assert [problem.code for problem in problems] == [INVALID_SHAPE]
    assert "difficulty" in problems[0].message


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_missing_source_quote_is_an_invalid_shape(qtype: QuestionType) -> None:
    raw = variant(qtype.example)
    del raw["source_quote"]
    assert codes(qtype, raw) == [INVALID_SHAPE]


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_placeholder_stem_is_reported_once(qtype: QuestionType) -> None:
    found = codes(qtype, variant(qtype.example, question_text="Question 1"))
    # Fill in the blank also misses its markers; that is reported separately.
    assert found.count("placeholder_text") == 1
    assert "too_short" not in found


@pytest.mark.parametrize("qtype", REGISTRY.values(), ids=REGISTRY.keys())
def test_short_stem_is_too_short(qtype: QuestionType) -> None:
    raw = variant(qtype.example, question_text="Define it.")
    if qtype is fill_in_blank.TYPE:
        raw["question_text"] = "[blank_1] [blank_2]."
    assert codes(qtype, raw) == ["too_short"]


@pytest.mark.parametrize(
    ("qtype", "fields"),
    [
        (multiple_choice.TYPE, {"options"}),
        (multiple_answer.TYPE, {"options"}),
        (true_false.TYPE, {"correct_answer"}),
        (fill_in_blank.TYPE, {"blanks"}),
        (matching.TYPE, {"pairs", "distractors"}),
        (categorization.TYPE, {"categories", "distractors"}),
        (ordering.TYPE, {"items"}),
        (numeric.TYPE, {"answer", "margin", "range"}),
        (essay.TYPE, {"model_answer", "rubric"}),
    ],
    ids=lambda value: value.name if isinstance(value, QuestionType) else "",
)
def test_batch_schema_lists_the_type_fields(qtype: QuestionType, fields: set[str]) -> None:
    schema = qtype.batch_schema()
    item = schema["properties"]["questions"]["items"]
    assert fields | {"question_text", "explanation", "source_quote"} == set(item["properties"])
    assert item["additionalProperties"] is False


def test_batch_schema_carries_size_limits() -> None:
    item = multiple_choice.TYPE.batch_schema()["properties"]["questions"]["items"]
    assert item["properties"]["options"]["minItems"] == multiple_choice.OPTIONS.low == 3
    assert item["properties"]["options"]["maxItems"] == multiple_choice.OPTIONS.high == 8
    answer = multiple_answer.TYPE.batch_schema()["properties"]["questions"]["items"]
    assert (
        answer["properties"]["options"]["minItems"],
        answer["properties"]["options"]["maxItems"],
    ) == (3, 10)
    pairs_schema = matching.TYPE.batch_schema()["properties"]["questions"]["items"]["properties"]
    assert (pairs_schema["pairs"]["minItems"], pairs_schema["pairs"]["maxItems"]) == (2, 10)
    sorting = categorization.TYPE.batch_schema()["properties"]["questions"]["items"]["properties"]
    assert (sorting["categories"]["minItems"], sorting["categories"]["maxItems"]) == (2, 8)
    blanks = fill_in_blank.TYPE.batch_schema()["properties"]["questions"]["items"]
    assert blanks["properties"]["blanks"]["maxItems"] == 10


def test_strings_are_stripped() -> None:
    raw = variant(true_false.TYPE.example, question_text="  Ribosomes make proteins.  ")
    question, _ = true_false.TYPE.parse(raw)
    assert question is not None
    assert question.question_text == "Ribosomes make proteins."


# -- multiple choice -------------------------------------------------------------------------

MC = multiple_choice.TYPE


def test_multiple_choice_rejects_two_correct_options() -> None:
    raw = variant(
        MC.example, options=options("Ribosome", "Nucleus", "Lysosome", "Vacuole", correct=(1, 3))
    )
    assert messages(MC, raw) == [
        "multiple choice needs exactly one correct option; 2 are marked correct (options 1 and 3)"
    ]
    assert codes(MC, raw) == ["wrong_correct_count"]


def test_multiple_choice_rejects_no_correct_option() -> None:
    raw = variant(
        MC.example, options=options("Ribosome", "Nucleus", "Lysosome", "Vacuole", correct=())
    )
    assert codes(MC, raw) == ["wrong_correct_count"]
    assert "none is marked correct" in messages(MC, raw)[0]


def test_multiple_choice_rejects_options_equal_after_normalisation() -> None:
    raw = variant(MC.example, options=options("Mitochondrion", "Ribosome", "ribosome.", "Vacuole"))
    assert codes(MC, raw) == ["duplicate_options"]
    assert "options 2 and 3" in messages(MC, raw)[0]


@pytest.mark.parametrize("meta", ["All of the above", "None of the above.", "Both A and B"])
def test_multiple_choice_rejects_all_or_none_of_the_above(meta: str) -> None:
    raw = variant(MC.example, options=options("Mitochondrion", "Ribosome", "Lysosome", meta))
    assert codes(MC, raw) == ["all_none_of_above"]


def test_multiple_choice_rejects_placeholder_option() -> None:
    raw = variant(MC.example, options=options("Mitochondrion", "Option B", "Lysosome", "Nucleus"))
    assert codes(MC, raw) == ["placeholder_text"]
    assert messages(MC, raw) == ["option 2 is a placeholder: 'Option B'"]


def test_multiple_choice_rejects_correct_option_in_stem() -> None:
    raw = variant(MC.example, question_text="Is the mitochondrion the organelle that makes ATP?")
    assert codes(MC, raw) == ["answer_leak"]


def test_multiple_choice_wrong_option_in_stem_is_not_a_leak() -> None:
    raw = variant(MC.example, question_text="Unlike the ribosome, which organelle makes ATP?")
    assert codes(MC, raw) == []


EIGHT = ("Mitochondrion", "Ribosome", "Lysosome", "Nucleus", "Vacuole", "Cilium", "Flagellum")


@pytest.mark.parametrize("count", [2, 9])
def test_multiple_choice_needs_three_to_eight_options(count: int) -> None:
    texts = [*EIGHT, "Centriole", "Peroxisome"][:count]
    assert codes(MC, variant(MC.example, options=options(*texts))) == [INVALID_SHAPE]
    assert messages(MC, variant(MC.example, options=options(*texts)))[0] == (
        f"multiple choice needs 3\u20138 options; it has {count}"
    )


@pytest.mark.parametrize("count", [3, 5, 8])
def test_multiple_choice_accepts_three_to_eight_options(count: int) -> None:
    texts = [*EIGHT, "Centriole"][:count]
    assert codes(MC, variant(MC.example, options=options(*texts))) == []


def test_multiple_choice_rejects_string_for_correct_flag() -> None:
    raw = variant(MC.example)
    raw["options"][0]["correct"] = "false"
    assert codes(MC, raw) == [INVALID_SHAPE]


def test_multiple_choice_rejects_unknown_option_key() -> None:
    raw = variant(MC.example)
    raw["options"][0]["letter"] = "A"
    assert codes(MC, raw) == [INVALID_SHAPE]


@pytest.mark.parametrize(
    ("stem", "texts"),
    [
        (
            "Which organelle produces most of the cell's ATP?",
            ("Mitochondrion", "Ribosome", "Golgi apparatus", "Lysosome"),
        ),
        (
            "What do both plant and animal cells use to divide their nucleus?",
            ("Mitosis", "Binary fission", "Budding", "Fragmentation"),
        ),
        (
            "Which statement about cell division is correct?",
            (
                "Both cells divide by mitosis",
                "Neither cell copies its DNA",
                "Only plant cells form a spindle",
                "Animal cells never divide",
            ),
        ),
        ("Hvilken organell lager proteiner?", ("Ribosom", "Lysosom", "Vakuole", "Cellevegg")),
    ],
)
def test_multiple_choice_clean_questions_pass(stem: str, texts: tuple[str, ...]) -> None:
    raw = {"question_text": stem, "options": options(*texts), "source_quote": SOURCE}
    assert MC.parse(raw)[1] == []


def test_multiple_choice_accessors_split_key_and_distractors() -> None:
    question, _ = MC.parse(MC.example)
    assert question is not None
    assert MC.correct_answers(question) == ["Mitochondrion"]
    assert MC.distractors(question) == ["Ribosome", "Golgi apparatus", "Lysosome"]
    assert "  b) Mitochondrion   ✓" in MC.render(question).splitlines()


# -- multiple answer -------------------------------------------------------------------------

MA = multiple_answer.TYPE
FIVE = ("Ribosomes", "Plasma membrane", "Circular DNA", "Nucleus", "Mitochondria")


@pytest.mark.parametrize("correct", [(1, 2, 3, 4, 5), ()])
def test_multiple_answer_rejects_none_or_all_correct(correct: tuple[int, ...]) -> None:
    raw = variant(MA.example, options=options(*FIVE, correct=correct))
    assert codes(MA, raw) == ["wrong_correct_count"]


def test_multiple_answer_reports_which_options_are_correct() -> None:
    raw = variant(MA.example, options=options(*FIVE, correct=(1, 2, 3, 4, 5)))
    assert messages(MA, raw) == [
        "multiple answer needs at least one correct and one wrong option; all 5 are marked correct"
    ]


@pytest.mark.parametrize("correct", [(1,), (1, 2), (1, 2, 3, 4)])
def test_multiple_answer_accepts_one_to_all_but_one_correct(correct: tuple[int, ...]) -> None:
    assert codes(MA, variant(MA.example, options=options(*FIVE, correct=correct))) == []


def test_multiple_answer_rejects_duplicate_options() -> None:
    texts = ("Ribosomes", "Plasma membrane", "Circular DNA", "Nucleus", "RIBOSOMES")
    assert codes(MA, variant(MA.example, options=options(*texts, correct=(1, 2)))) == [
        "duplicate_options"
    ]


def test_multiple_answer_rejects_norwegian_meta_option() -> None:
    texts = ("Ribosomer", "Cellemembran", "DNA", "Cellekjerne", "Alle de ovennevnte")
    raw = variant(MA.example, options=options(*texts, correct=(1, 2, 3)))
    assert codes(MA, raw) == ["all_none_of_above"]


def test_multiple_answer_rejects_correct_option_in_stem() -> None:
    raw = variant(MA.example, question_text="Besides ribosomes, what do prokaryotic cells have?")
    assert codes(MA, raw) == ["answer_leak"]


def test_multiple_answer_needs_three_to_ten_options() -> None:
    raw = variant(MA.example, options=options(*FIVE[:2], correct=(1,)))
    assert codes(MA, raw) == [INVALID_SHAPE]
    many = [f"{name} {n}" for n in range(1, 3) for name in FIVE] + ["Cilium"]
    assert codes(MA, variant(MA.example, options=options(*many, correct=(1,)))) == [INVALID_SHAPE]


def test_multiple_answer_with_four_options_is_clean() -> None:
    raw = variant(MA.example, options=options(*FIVE[:4], correct=(1, 2)))
    assert codes(MA, raw) == []


def test_multiple_answer_clean_question_passes() -> None:
    raw = {
        "question_text": "Which of these structures are found in plant cells?",
        "options": options(
            "Cell wall",
            "Chloroplast",
            "Centrioles",
            "Large central vacuole",
            "Both cells divide by mitosis",
            correct=(1, 2, 4),
        ),
        "source_quote": SOURCE,
    }
    assert MA.parse(raw)[1] == []


# -- true/false ------------------------------------------------------------------------------

TF = true_false.TYPE


@pytest.mark.parametrize(
    "text",
    [
        "Mitochondria produce ATP?",
        "Do mitochondria produce most of the cell's ATP.",
        "Which organelle produces ATP in the cell",
        "Is the nucleus surrounded by a double membrane.",
        "When does the nuclear envelope break down during mitosis.",
        "True or false: ribosomes are found in the cytoplasm.",
        "Hvilken organell lager ATP i cellen.",
        "Er cellekjernen omgitt av en dobbel membran.",
    ],
)
def test_true_false_rejects_questions_instead_of_statements(text: str) -> None:
    assert codes(TF, variant(TF.example, question_text=text)) == ["not_a_statement"]


@pytest.mark.parametrize(
    "text",
    [
        "Prokaryotic cells keep their DNA inside a membrane-bound nucleus.",
        "When a cell divides by mitosis, each daughter cell receives a full set of chromosomes.",
        "However small, every cell is enclosed by a plasma membrane.",
        "Isotopes of carbon are used to trace photosynthesis.",
        "Do-it-yourself microscopes cannot resolve ribosomes.",
        "Ribosomer finnes både i prokaryote og eukaryote celler.",
        "Når en celle deler seg, kopieres DNA-et først.",
    ],
)
def test_true_false_accepts_statements(text: str) -> None:
    assert codes(TF, variant(TF.example, question_text=text)) == []


def test_true_false_rejects_string_answer() -> None:
    assert codes(TF, variant(TF.example, correct_answer="false")) == [INVALID_SHAPE]


def test_true_false_key_is_true_or_false() -> None:
    question, _ = TF.parse(variant(TF.example, correct_answer=True))
    assert question is not None
    assert TF.correct_answers(question) == ["True"]
    assert TF.distractors(question) == []


# -- fill in the blank -----------------------------------------------------------------------

FIB = fill_in_blank.TYPE


def blank(position: int, *answers: str) -> dict[str, Any]:
    return {"position": position, "answers": list(answers)}


def fib(text: str, *blanks: dict[str, Any]) -> dict[str, Any]:
    return {"question_text": text, "blanks": list(blanks), "source_quote": SOURCE}


def test_fill_in_blank_rejects_capitalised_marker() -> None:
    raw = fib("The [Blank_1] is the powerhouse of the cell.", blank(1, "mitochondrion"))
    assert codes(FIB, raw) == ["blank_mismatch", "blank_mismatch"]
    assert "marker '[Blank_1]' must be written exactly as '[blank_1]'" in messages(FIB, raw)[0]
    assert messages(FIB, raw)[1] == "blank 1 has no [blank_1] marker in the question text"


def test_fill_in_blank_rejects_positions_not_starting_at_one() -> None:
    raw = fib(
        "The [blank_2] makes ATP in [blank_3] cells.",
        blank(2, "mitochondrion"),
        blank(3, "eukaryotic"),
    )
    assert codes(FIB, raw) == ["blank_mismatch"]
    assert messages(FIB, raw) == ["blank positions must be 1 to 2, each once; got 2, 3"]


def test_fill_in_blank_rejects_repeated_marker() -> None:
    raw = fib("The [blank_1] makes ATP, so the [blank_1] is vital.", blank(1, "mitochondrion"))
    assert codes(FIB, raw) == ["blank_mismatch"]
    assert "appears 2 times" in messages(FIB, raw)[0]


def test_fill_in_blank_rejects_marker_without_blank() -> None:
    raw = fib("The [blank_1] makes ATP in [blank_2] cells.", blank(1, "mitochondrion"))
    assert messages(FIB, raw) == ["[blank_2] in the question text has no blank with position 2"]


def test_fill_in_blank_rejects_duplicate_positions() -> None:
    raw = fib(
        "The [blank_1] makes ATP in [blank_2] cells.",
        blank(1, "mitochondrion"),
        blank(1, "eukaryotic"),
    )
    assert "blank_mismatch" in codes(FIB, raw)


def test_fill_in_blank_rejects_answer_without_letters() -> None:
    raw = fib("The [blank_1] makes most of the cell's ATP.", blank(1, "mitochondrion", "..."))
    assert codes(FIB, raw) == ["empty_answers"]


def test_fill_in_blank_rejects_placeholder_answer() -> None:
    raw = fib("The [blank_1] makes most of the cell's ATP.", blank(1, "TODO"))
    assert codes(FIB, raw) == ["placeholder_text"]


def test_fill_in_blank_rejects_repeated_answer() -> None:
    raw = fib(
        "The [blank_1] makes most of the cell's ATP.",
        blank(1, "mitochondrion", "mitochondria", "mitochondrion "),
    )
    assert codes(FIB, raw) == ["duplicate_answers"]


def test_fill_in_blank_keeps_capitalisation_variants() -> None:
    raw = fib(
        "The [blank_1] makes most of the cell's ATP.", blank(1, "mitochondrion", "Mitochondrion")
    )
    assert codes(FIB, raw) == []


def test_fill_in_blank_rejects_answer_outside_its_marker() -> None:
    raw = fib(
        "The mitochondrion, or [blank_1], makes most of the cell's ATP.", blank(1, "mitochondrion")
    )
    assert codes(FIB, raw) == ["answer_leak"]


def test_fill_in_blank_short_answer_in_text_is_not_a_leak() -> None:
    raw = fib(
        "ATP is made by [blank_1] in the [blank_2].",
        blank(1, "ATP synthase"),
        blank(2, "mitochondria"),
    )
    assert codes(FIB, raw) == []


@pytest.mark.parametrize(
    "raw",
    [
        fib("Too many [blank_1] here.", *[blank(n, "answer") for n in range(1, 12)]),
        fib("The [blank_1] makes ATP for the cell.", blank(1)),
        fib("The [blank_1] makes ATP for the cell.", blank(0, "mitochondrion")),
        fib("The [blank_1] makes ATP for the cell.", blank(1, "mitochondrion", "  ")),
        fib("The [blank_1] makes ATP for the cell.", blank(1, *["m"] * 11)),
        fib("The [blank_1] makes ATP for the cell."),
    ],
    ids=["11 blanks", "no answers", "position 0", "blank answer", "11 answers", "no blanks"],
)
def test_fill_in_blank_shape_errors(raw: dict[str, Any]) -> None:
    assert set(codes(FIB, raw)) == {INVALID_SHAPE}


def test_fill_in_blank_accessors_follow_positions() -> None:
    raw = fib(
        "[blank_2] are made on [blank_1] in the cytoplasm.",
        blank(2, "Proteins"),
        blank(1, "ribosomes", "Ribosomes"),
    )
    question, problems = FIB.parse(raw)
    assert problems == []
    assert question is not None
    assert FIB.correct_answers(question) == ["ribosomes", "Proteins"]
    assert "  blank 1: ribosomes (also: Ribosomes)" in FIB.render(question).splitlines()


# -- matching --------------------------------------------------------------------------------

MATCH = matching.TYPE


def pairs(*couples: tuple[str, str]) -> list[dict[str, str]]:
    return [{"prompt": prompt, "answer": answer} for prompt, answer in couples]


ORGANELLES = (
    ("Mitochondrion", "Cellular respiration"),
    ("Ribosome", "Protein synthesis"),
    ("Lysosome", "Digesting waste"),
)


def test_matching_rejects_repeated_prompt() -> None:
    raw = variant(MATCH.example, pairs=pairs(*ORGANELLES, ("ribosome", "Making lipids")))
    assert codes(MATCH, raw) == ["duplicate_pairs"]


def test_matching_rejects_repeated_answer() -> None:
    raw = variant(MATCH.example, pairs=pairs(*ORGANELLES, ("Rough ER", "Protein synthesis.")))
    assert codes(MATCH, raw) == ["duplicate_pairs"]
    assert "pairs 2 and 4 have the same answer" in messages(MATCH, raw)[0]


def test_matching_rejects_distractor_equal_to_an_answer() -> None:
    raw = variant(MATCH.example, pairs=pairs(*ORGANELLES), distractors=["protein synthesis"])
    assert codes(MATCH, raw) == ["distractor_is_answer"]
    assert "is the answer of pair 2" in messages(MATCH, raw)[0]


def test_matching_rejects_repeated_distractor() -> None:
    raw = variant(MATCH.example, distractors=["Photosynthesis", "photosynthesis"])
    assert codes(MATCH, raw) == ["duplicate_options"]


def test_matching_rejects_placeholder_entries() -> None:
    raw = variant(MATCH.example, pairs=pairs(*ORGANELLES[:2], ("Item 3", "Answer 3")))
    assert codes(MATCH, raw) == ["placeholder_text", "placeholder_text"]


def test_matching_rejects_none_of_the_above_distractor() -> None:
    raw = variant(MATCH.example, distractors=["None of the above"])
    assert codes(MATCH, raw) == ["all_none_of_above"]


@pytest.mark.parametrize(
    "changes",
    [
        {"pairs": pairs(*ORGANELLES[:1])},
        {"pairs": pairs(*[(f"Organelle {n}", f"Role number {n}") for n in range(11)])},
        {"distractors": ["a", "b", "c", "d", "e", "f"]},
        {"pairs": [{"prompt": "Ribosome", "answer": "Protein synthesis", "extra": 1}] * 3},
        {"pairs": pairs(("Ribosome", ""), *ORGANELLES[1:], ("Nucleus", "Storing DNA"))},
    ],
    ids=["1 pair", "11 pairs", "6 distractors", "unknown pair key", "empty answer"],
)
def test_matching_shape_errors(changes: dict[str, Any]) -> None:
    assert set(codes(MATCH, variant(MATCH.example, **changes))) == {INVALID_SHAPE}


def test_matching_without_distractors_is_clean() -> None:
    raw = {
        "question_text": "Match each organelle to its function.",
        "pairs": pairs(*ORGANELLES),
        "source_quote": SOURCE,
    }
    question, problems = MATCH.parse(raw)
    assert problems == []
    assert question is not None
    assert MATCH.distractors(question) == []
    assert MATCH.correct_answers(question) == [answer for _, answer in ORGANELLES]
    assert "  Ribosome → Protein synthesis" in MATCH.render(question).splitlines()


# -- categorization --------------------------------------------------------------------------

CAT = categorization.TYPE


def categories(**named: list[str]) -> list[dict[str, Any]]:
    return [{"name": name.replace("_", " "), "items": items} for name, items in named.items()]


def test_categorization_rejects_item_in_two_categories() -> None:
    raw = variant(
        CAT.example,
        categories=categories(
            Plant_cells=["Cell wall", "Chloroplast", "Ribosome"],
            Animal_cells=["Centriole", "ribosome"],
        ),
    )
    assert codes(CAT, raw) == ["item_in_two_categories"]
    assert "'Plant cells', 'Animal cells'" in messages(CAT, raw)[0]


def test_categorization_rejects_repeated_category_name() -> None:
    raw = variant(
        CAT.example,
        categories=categories(
            Mitochondrion=["Krebs cycle", "ETC"],
            Chloroplast=["Calvin cycle"],
            mitochondrion_=["Beta oxidation"],
        ),
    )
    assert codes(CAT, raw) == ["duplicate_categories"]


def test_categorization_rejects_item_repeated_within_a_category() -> None:
    raw = variant(
        CAT.example,
        categories=categories(
            Mitochondrion=["Krebs cycle", "Krebs cycle."],
            Chloroplast=["Calvin cycle", "Photolysis"],
        ),
    )
    assert codes(CAT, raw) == ["duplicate_options"]


def test_matching_with_two_pairs_is_clean() -> None:
    assert codes(MATCH, variant(MATCH.example, pairs=pairs(*ORGANELLES[:2]))) == []


def test_categorization_rejects_fewer_than_three_items() -> None:
    raw = variant(
        CAT.example,
        categories=categories(Mitochondrion=["Krebs cycle"], Chloroplast=["Calvin cycle"]),
    )
    assert codes(CAT, raw) == ["too_few_items"]


def test_categorization_rejects_more_than_twenty_items() -> None:
    raw = variant(
        CAT.example,
        categories=categories(
            Odd=[f"Odd item {n}" for n in range(1, 22, 2)],
            Even=[f"Even item {n}" for n in range(2, 23, 2)],
        ),
    )
    assert codes(CAT, raw) == ["too_many_items"]


def test_categorization_rejects_distractor_equal_to_an_item() -> None:
    raw = variant(CAT.example, distractors=["Calvin cycle"])
    assert codes(CAT, raw) == ["distractor_is_answer"]
    assert "an item of category 'Chloroplast'" in messages(CAT, raw)[0]


def test_categorization_rejects_distractor_equal_to_a_category_name() -> None:
    raw = variant(CAT.example, distractors=["ribosome"])
    assert codes(CAT, raw) == ["distractor_is_answer"]


def test_categorization_rejects_placeholder_category() -> None:
    raw = variant(
        CAT.example,
        categories=categories(
            Category_1=["Krebs cycle", "ETC"], Chloroplast=["Calvin cycle", "Photolysis"]
        ),
    )
    assert codes(CAT, raw) == ["placeholder_text"]


@pytest.mark.parametrize(
    "changes",
    [
        {"categories": categories(Only=["a", "b", "c", "d"])},
        {"categories": categories(**{f"Kingdom {n}": [f"Species {n}"] for n in range(9)})},
        {"categories": categories(Empty=[], Full=["a", "b", "c", "d"])},
        {"distractors": ["a", "b", "c", "d", "e", "f"]},
        {"items": ["Krebs cycle"]},
    ],
    ids=["1 category", "9 categories", "empty category", "6 distractors", "unknown key"],
)
def test_categorization_shape_errors(changes: dict[str, Any]) -> None:
    assert set(codes(CAT, variant(CAT.example, **changes))) == {INVALID_SHAPE}


def test_categorization_clean_question_passes() -> None:
    raw = {
        "question_text": "Sort each structure by the kind of cell it is found in.",
        "categories": categories(
            Prokaryotic_cells_only=["Nucleoid", "Plasmid"],
            Eukaryotic_cells_only=["Nucleus", "Mitochondrion", "Endoplasmic reticulum"],
        ),
        "distractors": ["Both cells divide by mitosis"],
        "source_quote": SOURCE,
    }
    question, problems = CAT.parse(raw)
    assert problems == []
    assert question is not None
    assert CAT.correct_answers(question)[:2] == ["Nucleoid", "Plasmid"]
    assert "  distractors: Both cells divide by mitosis" in CAT.render(question).splitlines()


# -- every problem at once ---------------------------------------------------------------------


def test_a_shape_error_does_not_hide_the_other_problems() -> None:
    raw = variant(
        MC.example,
        question_text="Question 1",
        options=options(*EIGHT, "Centriole", "mitochondrion", correct=(1, 2)),
    )
    raw["options"][3]["correct"] = "no"
    assert codes(MC, raw) == [
        INVALID_SHAPE,
        "placeholder_text",
    ]  # the options failed validation, so only the stem could be checked
    raw["options"][3]["correct"] = False
    assert codes(MC, raw) == [
        "placeholder_text",
        INVALID_SHAPE,
        "wrong_correct_count",
        "duplicate_options",
    ]


def test_inspect_returns_the_partial_question_it_could_read() -> None:
    raw = variant(TF.example, correct_answer="yes")
    question, problems = TF.inspect(raw)
    assert [p.code for p in problems] == [INVALID_SHAPE]
    assert question is not None and question.question_text == TF.example["question_text"]
    assert TF.parse(raw)[0] is None
    nothing, shape = TF.inspect("not an object")
    assert nothing is None and [p.code for p in shape] == [INVALID_SHAPE]


# -- ordering --------------------------------------------------------------------------------

ORD = ordering.TYPE


def test_ordering_rejects_an_order_the_quote_contradicts() -> None:
    raw = variant(ORD.example, items=["Metaphase", "Prophase", "Anaphase", "Telophase"])
    assert codes(ORD, raw) == ["key_contradicted"]
    assert "item 2 ('Prophase') before item 1 ('Metaphase')" in messages(ORD, raw)[0]


def test_ordering_rejects_an_item_the_quote_does_not_hold() -> None:
    raw = variant(ORD.example, items=["Prophase", "Metaphase", "Interphase", "Telophase"])
    assert codes(ORD, raw) == ["key_not_grounded"]
    assert "item 3 ('Interphase')" in messages(ORD, raw)[0]


def test_ordering_rejects_repeated_items_once_not_as_a_wrong_order() -> None:
    raw = variant(ORD.example, items=["Prophase", "Metaphase", "metaphase.", "Telophase"])
    assert codes(ORD, raw) == ["duplicate_options"]


@pytest.mark.parametrize("count", [2, 11])
def test_ordering_needs_three_to_ten_items(count: int) -> None:
    words = " ".join(f"w{n}" for n in range(count))
    raw = variant(ORD.example, items=words.split(), source_quote=f"In order: {words}.")
    assert codes(ORD, raw) == [INVALID_SHAPE]


@pytest.mark.parametrize(
    "item", ["First, prophase", "1. Prophase", "Step 1 prophase", "Then prophase"]
)
def test_ordering_item_that_states_its_place_is_a_leak(item: str) -> None:
    raw = variant(ORD.example, items=[item, "Metaphase", "Anaphase"])
    assert "answer_leak" in codes(ORD, raw)


@pytest.mark.parametrize("item", ["Second messenger", "Next-generation sequencing", "Firstborn"])
def test_ordering_item_that_merely_starts_with_an_ordinal_word_is_no_leak(item: str) -> None:
    quote = f"The {item.lower()} comes before metaphase, which comes before anaphase."
    raw = variant(ORD.example, items=[item, "Metaphase", "Anaphase"], source_quote=quote)
    assert codes(ORD, raw) == []


def test_ordering_finds_items_through_markup_articles_and_broken_words() -> None:
    quote = (
        "First the **light-dependent reactions** run in the chloro-\nplasts; then the Calvin "
        "cycle uses ATP, and finally sugar is made."
    )
    items = ["The light-dependent reactions", "Chloroplasts", "The Calvin cycle", "Sugar"]
    assert codes(ORD, variant(ORD.example, items=items, source_quote=quote)) == []


def test_ordering_reads_a_repeated_word_at_the_place_that_keeps_the_order() -> None:
    quote = "Protein is made from DNA to RNA to protein."
    raw = variant(ORD.example, items=["DNA", "RNA", "Protein"], source_quote=quote)
    assert codes(ORD, raw) == []


def test_ordering_accessors_keep_the_order_and_score_one_point() -> None:
    question, _ = ORD.parse(ORD.example)
    assert question is not None
    assert ORD.correct_answers(question) == ORD.example["items"]
    assert ORD.distractors(question) == [] and ORD.points(question) == 1
    assert ORD.render(question).splitlines()[1:] == [
        f"  {n}. {item}" for n, item in enumerate(ORD.example["items"], start=1)
    ]
