"""Sharper grounding (a key that inverts its quote, a blank answered with the wrong word of it)
and give-aways (one question stating another's answer), through the one screening entry point."""

from __future__ import annotations

import pytest

from quizgen.checks.contradiction import blank_disagrees, contradicts
from quizgen.checks.giveaways import GiveawayIndex, facts_of
from quizgen.checks.recheck import check_questions
from quizgen.checks.screen import (
    GIVES_AWAY,
    KEY_CONTRADICTED,
    UNKNOWN_TYPE,
    Screen,
    screen_question,
)
from quizgen.content import Section, assemble
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.questions import question_type

NOTES = (
    "Prokaryotic cells lack a nucleus and membrane-bound organelles, but they contain "
    "ribosomes. Viruses are not made of cells. Animal cells are smaller than plant cells. "
    "Enzymes lower the activation energy of a reaction. Mitochondria produce ATP for the cell, "
    "using glucose and oxygen. Alfred Wegener proposed the idea of continental drift in 1912. "
    "Mitochondria have their own circular DNA, like bacteria. Plants do not move and make their "
    "own food. Human body cells contain 46 chromosomes, arranged in 23 pairs. A dominant allele "
    "is an allele whose trait appears whenever one copy is present. Scipio defeated Hannibal at "
    "Zama in 202 BC. DNA contains four bases."
)
CONTENT = assemble([Section("notes.md", NOTES)])


def sentence(start: str) -> str:
    at = NOTES.index(start)
    return NOTES[at : NOTES.index(".", at) + 1]


def tf(statement: str, value: bool, quote: str) -> dict:
    return {"question_text": statement, "correct_answer": value, "source_quote": quote}


def mc(stem: str, correct: str, wrong: list[str], quote: str) -> dict:
    options = [{"text": correct, "correct": True}] + [{"text": w, "correct": False} for w in wrong]
    return {"question_text": stem, "options": options, "source_quote": quote}


def fib(stem: str, answers: list[str], quote: str) -> dict:
    return {
        "question_text": stem,
        "blanks": [{"position": 1, "answers": answers}],
        "source_quote": quote,
    }


def codes(type_name: str, data: dict, screen: Screen | None = None) -> list[str]:
    return list(screen_question(type_name, data, CONTENT, screen).reasons)


def kept(*questions: tuple[str, dict]) -> Screen:
    return Screen.of(("earlier", name, data) for name, data in questions)


# -- key_contradicted ------------------------------------------------------------------------

PROKARYOTES = sentence("Prokaryotic")


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        ("Prokaryotic cells have a nucleus.", PROKARYOTES),
        ("Viruses are made of cells.", sentence("Viruses")),
        ("Plant cells are smaller than animal cells.", sentence("Animal")),
        ("Enzymes raise the activation energy of a reaction.", sentence("Enzymes")),
        ("Mitochondria never produce ATP for the cell.", sentence("Mitochondria produce")),
        (
            "A dominant allele is not an allele whose trait appears whenever one copy is present.",
            sentence("A dominant"),
        ),
        ("Scipio lost to Hannibal at Zama in 202 BC.", sentence("Scipio")),
        ("It is not true that DNA contains four bases.", sentence("DNA contains")),
        ("Human body cells contain 46 chromosomes, never arranged in 23 pairs.", sentence("Human")),
    ],
)
def test_a_true_statement_inverting_its_quote_is_key_contradicted(claim: str, quote: str) -> None:
    assert contradicts(claim, quote)
    assert KEY_CONTRADICTED in codes("true_false", tf(claim, True, quote))
    assert codes("true_false", tf(claim, False, quote)) == []  # marked false, it is right


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        ("Prokaryotic cells do not have a nucleus.", PROKARYOTES),
        ("Prokaryotic cells lack membrane-bound organelles.", PROKARYOTES),
        ("Prokaryotic cells contain ribosomes.", PROKARYOTES),
        ("Plants make their own food.", sentence("Plants")),
        ("Plant cells are larger than animal cells.", sentence("Animal")),
        ("Animal cells are smaller than plant cells.", sentence("Animal")),
        ("Viruses are not made of cells.", sentence("Viruses")),
        ("Scipio defeated Hannibal at Zama.", sentence("Scipio")),
    ],
)
def test_a_statement_agreeing_with_its_quote_is_not_contradicted(claim: str, quote: str) -> None:
    assert not contradicts(claim, quote)
    assert codes("true_false", tf(claim, True, quote)) == []


def test_denying_a_claim_the_quote_does_not_make_is_no_contradiction() -> None:
    assert not contradicts("It is not true that DNA contains five bases.", sentence("DNA contains"))


def test_a_correct_option_inverting_its_quote_is_key_contradicted() -> None:
    wrong = ["They have no ribosomes", "They are made of viruses", "They are larger than plants"]
    data = mc(
        "Which statement about prokaryotic cells is correct?",
        "Prokaryotic cells have a nucleus",
        wrong,
        PROKARYOTES,
    )
    assert KEY_CONTRADICTED in codes("multiple_choice", data)
    asks_opposite = {
        **data,
        "question_text": "Which statement about prokaryotic cells is NOT correct?",
    }
    assert KEY_CONTRADICTED not in codes("multiple_choice", asks_opposite)


def test_a_fill_in_answered_with_another_word_of_its_quote_is_key_contradicted() -> None:
    quote = sentence("Mitochondria produce")
    stem = "Mitochondria produce [blank_1] for the cell."
    assert blank_disagrees(stem, 1, ["glucose"], quote)
    assert not blank_disagrees(stem, 1, ["ATP", "adenosine triphosphate"], quote)
    assert codes("fill_in_blank", fib(stem, ["glucose"], quote)) == [KEY_CONTRADICTED]
    assert codes("fill_in_blank", fib(stem, ["ATP"], quote)) == []
    opening = "[blank_1] produce ATP for the cell."
    assert codes("fill_in_blank", fib(opening, ["Oxygen"], quote)) == [KEY_CONTRADICTED]
    paraphrased = "The cell gets its energy currency from [blank_1]."
    assert not blank_disagrees(paraphrased, 1, ["glucose"], quote)  # cannot be placed: no call


# -- gives_away ----------------------------------------------------------------------------------

WEGENER = sentence("Alfred")
CLOZE_YEAR = fib(
    "Alfred Wegener proposed the idea of continental drift in [blank_1].", ["1912"], WEGENER
)


def test_a_true_statement_restating_a_fill_in_gives_it_away_in_either_order() -> None:
    statement = tf("Alfred Wegener proposed the idea of continental drift in 1912.", True, WEGENER)
    assert codes("true_false", statement, kept(("fill_in_blank", CLOZE_YEAR))) == [GIVES_AWAY]
    assert codes("fill_in_blank", CLOZE_YEAR, kept(("true_false", statement))) == [GIVES_AWAY]


def test_the_key_of_a_multiple_choice_stated_in_a_true_statement_gives_it_away() -> None:
    quote = sentence("Mitochondria produce")
    question = mc(
        "Which organelle produces ATP for the cell, using glucose and oxygen?",
        "Mitochondria",
        ["Ribosomes", "Lysosomes", "Vacuoles"],
        quote,
    )
    statement = tf("Mitochondria produce ATP for the cell using glucose and oxygen.", True, quote)
    assert codes("true_false", statement, kept(("multiple_choice", question))) == [GIVES_AWAY]


def test_two_fill_ins_of_one_sentence_give_each_other_away() -> None:
    other = fib(
        "Alfred Wegener proposed the idea of [blank_1] in 1912.", ["continental drift"], WEGENER
    )
    assert codes("fill_in_blank", other, kept(("fill_in_blank", CLOZE_YEAR))) == [GIVES_AWAY]


def test_two_fill_ins_of_one_sentence_asking_separate_clauses_are_two_facts() -> None:
    quote = "Earthquakes happen near plate boundaries, where stress builds up in the rock."
    content = assemble([Section("quakes.md", quote)])
    first = fib(
        "Earthquakes happen near [blank_1], where stress builds up in the rock.",
        ["plate boundaries"],
        quote,
    )
    second = fib(
        "Earthquakes happen near plate boundaries, where stress builds up in the [blank_1].",
        ["rock"],
        quote,
    )
    screen = Screen.of([("earlier", "fill_in_blank", first)])
    assert screen_question("fill_in_blank", second, content, screen).accepted
    because = fib(
        "Earthquakes happen near plate boundaries because stress builds up in the [blank_1].",
        ["rock"],
        quote.replace(", where", " because"),
    )
    joined = assemble([Section("quakes.md", quote.replace(", where", " because"))])
    earlier = fib(
        "Earthquakes happen near [blank_1] because stress builds up in the rock.",
        ["plate boundaries"],
        quote.replace(", where", " because"),
    )
    screen = Screen.of([("earlier", "fill_in_blank", earlier)])
    assert screen_question("fill_in_blank", because, joined, screen).reasons == (GIVES_AWAY,)


def test_a_true_statement_next_to_the_false_one_made_from_it_gives_it_away() -> None:
    false = tf("Alfred Wegener proposed the idea of plate tectonics in 1912.", False, WEGENER)
    true = tf("Alfred Wegener proposed the idea of continental drift in 1912.", True, WEGENER)
    assert codes("true_false", true, kept(("true_false", false))) == [GIVES_AWAY]
    assert codes("fill_in_blank", CLOZE_YEAR, kept(("true_false", false))) == []


def test_questions_from_different_sentences_sharing_a_term_are_not_a_give_away() -> None:
    dna = tf("Mitochondria have their own circular DNA.", True, sentence("Mitochondria have"))
    site = fib(
        "[blank_1] produce ATP for the cell, using glucose and oxygen.",
        ["Mitochondria"],
        sentence("Mitochondria produce"),
    )
    assert codes("fill_in_blank", site, kept(("true_false", dna))) == []
    assert codes("true_false", dna, kept(("fill_in_blank", site))) == []


def test_questions_asking_different_words_of_one_sentence_are_not_a_give_away() -> None:
    who = mc(
        "Who proposed the idea of continental drift in 1912?",
        "Alfred Wegener",
        ["Charles Darwin", "Isaac Newton", "Marie Curie"],
        WEGENER,
    )
    assert codes("fill_in_blank", CLOZE_YEAR, kept(("multiple_choice", who))) == []
    assert codes("multiple_choice", who, kept(("fill_in_blank", CLOZE_YEAR))) == []


def test_check_reports_give_aways_among_stored_questions() -> None:
    statement = tf("Alfred Wegener proposed the idea of continental drift in 1912.", True, WEGENER)
    records = [
        QuestionRecord(
            f"q{n}", "quiz", "notes", "b", name, n, data, ReviewStatus.PENDING, [], None, "", ""
        )
        for n, (name, data) in enumerate([("fill_in_blank", CLOZE_YEAR), ("true_false", statement)])
    ]
    first, second = check_questions(records, {"notes": CONTENT})
    assert first.clean
    assert [p.code for p in second.problems] == [GIVES_AWAY]
    assert "1912" in second.problems[0].message


def test_give_aways_are_found_without_comparing_all_pairs() -> None:
    index = GiveawayIndex()
    qtype = question_type("fill_in_blank")
    for n in range(2000):
        data = fib(
            f"Term{n} binds protein{n} inside compartment{n} during [blank_1].", [f"phase{n}"], "q"
        )
        question, _ = qtype.inspect(data)
        index.add(facts_of("fill_in_blank", question, data["question_text"]), n)
    probe = tf("Term7 binds protein7 inside compartment7 during phase7.", True, "q")
    facts = facts_of(
        "true_false", question_type("true_false").inspect(probe)[0], probe["question_text"]
    )
    assert index.find(facts) is not None
    candidates = sum(len(index.answers.get(word, ())) for word in facts.telling)
    assert candidates <= 2


# -- the one entry point ---------------------------------------------------------------------------


def test_screen_question_names_an_unknown_type_and_never_admits() -> None:
    verdict = screen_question("file_upload", {"question_text": "Upload it."}, CONTENT)
    assert verdict.reasons == (UNKNOWN_TYPE,) and not verdict.accepted
    screen = Screen()
    verdict = screen_question("fill_in_blank", CLOZE_YEAR, CONTENT, screen)
    assert verdict.accepted
    assert screen_question("fill_in_blank", CLOZE_YEAR, CONTENT, screen).accepted  # not admitted


def test_every_problem_is_reported_at_once_through_the_screen() -> None:
    data = tf("Does Wegener propose continental drift in 1850?", "yes", WEGENER)
    reasons = codes("true_false", data)
    assert reasons[0] == "invalid_shape" and "not_a_statement" in reasons
    misquoted = {
        **CLOZE_YEAR,
        "blanks": [{"position": 2, "answers": ["1912"]}],
        "source_quote": "Wegener proposed drift in 1912.",
    }
    assert codes("fill_in_blank", misquoted) == ["blank_mismatch", "quote_not_found"]


NAMED_PROBE = """
from tests.test_contradiction_giveaways import CONTENT, WEGENER, fib, tf
from quizgen.checks.screen import Screen, screen_question

q = WEGENER
drift = fib("Alfred Wegener proposed the idea of [blank_1] in 1912.", ["continental drift"], q)
year = fib("Alfred Wegener proposed the idea of continental drift in [blank_1].", ["1912"], q)
name = fib("[blank_1] proposed the idea of continental drift in 1912.", ["Alfred Wegener"], q)
screen = Screen.of(
    [("b_drift", "fill_in_blank", drift), ("b_year", "fill_in_blank", year),
     ("b_name", "fill_in_blank", name)]
)
statement = tf("Alfred Wegener proposed the idea of continental drift in 1912.", True, WEGENER)
print([p.message for p in screen_question("true_false", statement, CONTENT, screen).problems])
"""


def test_a_give_away_names_the_same_kept_question_on_every_run() -> None:
    """Three kept questions are given away; which one the message names (and the correction
    sent back to the model repeats) must not follow Python's per-process hash seed."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    named = {
        subprocess.run(
            [sys.executable, "-c", NAMED_PROBE],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(named) == 1
    assert "already in batch b_" in named.pop()
