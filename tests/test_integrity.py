"""Question integrity: the labelled set, citations, grounding of the key, near-duplicates."""

from __future__ import annotations

import pytest

from quizgen.checks.duplicates import DUPLICATE_QUESTION, NEAR_DUPLICATE
from quizgen.checks.grounding import Passage, content_words, is_grounded, states, stems_match
from quizgen.checks.screen import DISTRACTOR_SUPPORTED, KEY_NOT_GROUNDED, QUOTE_NOT_FOUND, Screen
from quizgen.content import Section, assemble
from quizgen.questions import question_type
from tests.integrity_labelled import contents, items, judge, score

CELLS = (
    "The **nucleus** is the organelle that stores most of the cell's DNA and controls which "
    "genes are expressed. Free ribosomes float in the cytosol and make proteins that stay "
    "inside the cell, while bound ribosomes sit on the endoplasmic reticulum."
)


def module(text: str = CELLS):
    return assemble([Section("cells.md", text)])


def tf(statement: str, value: bool, quote: str) -> dict:
    return {"question_text": statement, "correct_answer": value, "source_quote": quote}


def mc(stem: str, correct: str, wrong: list[str], quote: str) -> dict:
    options = [{"text": correct, "correct": True}] + [{"text": w, "correct": False} for w in wrong]
    return {"question_text": stem, "options": options, "source_quote": quote}


# -- the labelled set ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored() -> dict:
    return score()


def test_labelled_set_has_three_flawed_items_per_code_and_more_clean_ones() -> None:
    labelled = items()
    flawed = [item for item in labelled if item["expect"] != "clean"]
    per_code: dict[str, int] = {}
    for item in flawed:
        per_code[item["expect"]] = per_code.get(item["expect"], 0) + 1
    assert min(per_code.values()) >= 3
    assert len(labelled) - len(flawed) >= len(flawed)


def test_labelled_set_holds_the_shapes_flaws_and_misquotes_of_issue_11() -> None:
    labelled = items()
    clean = [item for item in labelled if item["expect"] == "clean"]

    def count(kind: str, size: int, field: str) -> int:
        return sum(
            item["question_type"] == kind and len(item["data"][field]) == size for item in clean
        )

    assert count("multiple_answer", 4, "options") >= 2
    assert count("matching", 2, "pairs") >= 2
    assert sum("misquote" in item["id"] for item in clean) >= 10
    assert sum("hand" in item["id"] for item in clean) >= 5
    assert sum(item["expect"] == "clean" and "after" in item for item in labelled) >= 3
    flawed = {item["expect"] for item in labelled} - {"clean"}
    assert {"key_contradicted", "gives_away", "invalid_shape"} <= flawed


def test_at_least_97_percent_of_flawed_items_are_caught_and_no_clean_one_rejected(
    scored: dict,
) -> None:
    assert scored["false_rejections"] == []
    assert 1 - len(scored["missed"]) / scored["flawed_items"] >= 0.97


def test_every_flawed_item_is_caught_with_its_reason_code(scored: dict) -> None:
    assert scored["missed"] == []
    assert all(hit == total for hit, total in (f.split("/") for f in scored["recall"].values()))


def test_no_clean_item_is_rejected_or_flagged_by_the_word_checks(scored: dict) -> None:
    assert scored["false_rejections"] == []
    word_flags = [flags for _id, flags in scored["false_flags"] if DISTRACTOR_SUPPORTED in flags]
    assert word_flags == []


def test_structural_codes_are_reported_by_the_type_checks_alone() -> None:
    modules = contents()
    item = next(i for i in items() if i["id"] == "distractor_is_answer-2")
    outcome = judge(item, modules)
    assert outcome.rejected == ("distractor_is_answer",)


# -- citations -----------------------------------------------------------------------------------

QUOTE = "The **nucleus** is the organelle that stores most of the cell's DNA"


def screen_quote(quote: str, text: str = CELLS) -> list[str]:
    data = tf("The nucleus stores most of the cell's DNA.", True, quote)
    verdict = Screen().screen(question_type("true_false"), data, module(text))
    return [p.code for p in verdict.problems]


def test_quote_with_one_word_changed_is_rejected() -> None:
    assert screen_quote(QUOTE.replace("stores", "keeps")) == [QUOTE_NOT_FOUND]


def test_quote_differing_in_whitespace_curly_quotes_or_line_break_hyphen_is_accepted() -> None:
    assert (
        screen_quote("The  **nucleus**\n is the organelle that\tstores most of the cell’s DNA")
        == []
    )
    hyphenated = CELLS.replace("organelle", "organ-\nelle")
    assert screen_quote(QUOTE, text=hyphenated) == []
    assert screen_quote(QUOTE.replace("'", "\u2019"), text=CELLS) == []


def test_a_found_quote_records_source_and_offsets() -> None:
    data = tf("The nucleus stores most of the cell's DNA.", True, QUOTE)
    verdict = Screen().screen(question_type("true_false"), data, module())
    assert verdict.citation is not None
    assert verdict.citation.source == "cells.md" and verdict.citation.start == 0


# -- grounding of the key ------------------------------------------------------------------------


def test_stems_fold_latin_plurals_but_keep_different_words_apart() -> None:
    assert content_words("mitochondria") == content_words("mitochondrion")
    assert content_words("nuclei") == content_words("nucleus")
    assert stems_match("bacteri", "bacter")
    assert not stems_match(content_words("nucleolus")[0], content_words("nucleus")[0])


def test_a_number_is_never_paraphrased_away() -> None:
    quote = Passage.of("It keeps the error rate to about one mistake in a billion bases.")
    assert is_grounded("keeps the error rate to about one mistake in a billion bases", quote)
    assert not is_grounded("keeps the error rate to about one mistake in a thousand bases", quote)


def test_states_needs_order_negation_and_three_content_words() -> None:
    quote = Passage.of("Diffusion needs no energy from the cell.")
    assert states("diffusion needs no energy", quote)
    assert not states("diffusion needs energy", quote)  # the negation differs
    assert not states("energy needs no diffusion", quote)  # another order
    assert not states("diffusion", quote)  # a term, not a claim


def test_key_not_in_the_quote_is_rejected_and_a_stated_distractor_flagged() -> None:
    screen = Screen()
    qtype = question_type("multiple_choice")
    quote = "Free ribosomes float in the cytosol and make proteins that stay inside the cell"
    wrong = ["In the cytosol", "In the wall", "In a vesicle"]
    wrong_key = mc("Where do free ribosomes float?", "In the nucleus", wrong, quote)
    verdict = screen.screen(qtype, wrong_key, module())
    assert [p.code for p in verdict.problems] == [KEY_NOT_GROUNDED]
    two_right = mc(
        "What do the notes say about free ribosomes?",
        "They float in the cytosol",
        [
            "They make proteins that stay inside the cell",
            "They sit on the nucleus",
            "They digest food",
        ],
        quote,
    )
    verdict = screen.screen(qtype, two_right, module())
    assert verdict.accepted and verdict.flags == (DISTRACTOR_SUPPORTED,)


def test_false_statement_must_cite_the_passage_it_contradicts() -> None:
    qtype = question_type("true_false")
    quote = "Free ribosomes float in the cytosol"
    contradicted = tf("Free ribosomes float in the nucleus.", False, quote)
    assert Screen().screen(qtype, contradicted, module()).accepted
    unrelated = tf("The nucleus controls which genes are expressed in plants.", False, quote)
    stated = tf("Free ribosomes float in the cytosol.", False, quote)
    for data in (unrelated, stated):
        verdict = Screen().screen(qtype, data, module())
        assert [p.code for p in verdict.problems] == [KEY_NOT_GROUNDED]


# -- near-duplicates -----------------------------------------------------------------------------


def screened_after(first: dict, second: dict, first_type: str = "multiple_choice") -> list[str]:
    screen = Screen()
    kept = screen.screen(question_type(first_type), first, module())
    assert kept.question is not None
    screen.admit(kept.question, "cells_multiple_choice_4")
    verdict = screen.screen(question_type("multiple_choice"), second, module())
    return [p.code for p in verdict.problems]


DNA_QUOTE = "The **nucleus** is the organelle that stores most of the cell's DNA"
WRONG = ["Ribosome", "Lysosome", "Vacuole"]


def test_a_reworded_stem_with_the_same_answer_is_a_near_duplicate() -> None:
    first = mc("Which organelle stores most of the cell's DNA?", "Nucleus", WRONG, DNA_QUOTE)
    second = mc(
        "In a cell, most DNA is stored by which organelle?", "The nucleus", WRONG, DNA_QUOTE
    )
    assert screened_after(first, second) == [NEAR_DUPLICATE]


def test_an_exact_repeat_is_a_duplicate_question() -> None:
    first = mc("Which organelle stores most of the cell's DNA?", "Nucleus", WRONG, DNA_QUOTE)
    assert screened_after(first, first) == [DUPLICATE_QUESTION]


def test_a_similar_stem_with_another_answer_is_not_a_duplicate() -> None:
    first = mc("Which organelle stores most of the cell's DNA?", "Nucleus", WRONG, DNA_QUOTE)
    quote = "bound ribosomes sit on the endoplasmic reticulum"
    second = mc("Which organelle do bound ribosomes sit on?", "Endoplasmic reticulum", WRONG, quote)
    assert screened_after(first, second) == []


def test_statements_differing_only_in_a_number_are_not_duplicates() -> None:
    text = "Fact 1 states that organelle 1 keeps the cell alive. Fact 2 states that organelle 2 keeps the cell alive."  # noqa: E501
    screen = Screen()
    qtype = question_type("true_false")
    for n in (1, 2):
        data = tf(
            f"Organelle {n} keeps the cell alive.", True, f"organelle {n} keeps the cell alive"
        )
        verdict = screen.screen(qtype, data, module(text))
        assert verdict.accepted
        screen.admit(verdict.question, "b")


def test_screen_seeded_from_stored_questions_knows_their_answers() -> None:
    first = mc("Which organelle stores most of the cell's DNA?", "Nucleus", WRONG, DNA_QUOTE)
    screen = Screen.of([("cells_multiple_choice_4", "multiple_choice", first)])
    second = mc("Most of a cell's DNA is stored in which organelle?", "Nucleus", WRONG, DNA_QUOTE)
    verdict = screen.screen(question_type("multiple_choice"), second, module())
    assert [p.code for p in verdict.problems] == [NEAR_DUPLICATE]
    assert "cells_multiple_choice_4" in verdict.problems[0].message
