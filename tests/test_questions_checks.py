"""The pure helpers behind the question checks: normalisation, placeholders, meta options, leaks."""

from __future__ import annotations

import pytest

from quizgen.questions.checks import (
    appears_in,
    duplicate_groups,
    is_meta_option,
    is_placeholder,
    normalise,
    numbers,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Golgi apparatus.", "golgi  apparatus"),
        ("  Mitochondrion ", "MITOCHONDRION"),
        ("T-cell", "T cell"),
        ("“Nucleus”", "nucleus"),
        ("cell wall; membrane", "cell wall, membrane"),
    ],
)
def test_normalise_ignores_case_spacing_and_punctuation(left: str, right: str) -> None:
    assert normalise(left) == normalise(right)


@pytest.mark.parametrize(("left", "right"), [("Na+", "Na"), ("Cl-", "Cl"), ("1.5", "15")])
def test_normalise_keeps_punctuation_that_changes_meaning(left: str, right: str) -> None:
    assert normalise(left) != normalise(right)


@pytest.mark.parametrize(
    "text",
    ["Question 1", "question", "Option B", "TODO", "TODO: write the stem", "TBD", "...", "—",
     "Lorem ipsum dolor sit amet", "N/A", "Spørsmål 3", "[blank_1]"],
)  # fmt: skip
def test_placeholders_are_recognised(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text",
    ["Mitochondrion", "Which organelle produces ATP?", "Todos los santos", "O", "4", "Answering"],
)
def test_real_text_is_not_a_placeholder(text: str) -> None:
    assert not is_placeholder(text)


@pytest.mark.parametrize(
    "text",
    ["All of the above", "None of the above.", "all of these", "None of the options",
     "Both are correct", "Both A and B", "A and B", "A, B and C", "Option A and option C",
     "Neither", "Both", "Alle de ovennevnte", "Ingen av de ovennevnte", "Begge",
     "Begge er riktige", "Både A og B", "Alle alternativene"],
)  # fmt: skip
def test_meta_options_are_recognised(text: str) -> None:
    assert is_meta_option(text)


@pytest.mark.parametrize(
    "text",
    ["Both cells divide by mitosis", "None", "All cells have a membrane", "A and AB",
     "Mitochondrion", "Begge cellene har ribosomer", "Above the nucleus"],
)  # fmt: skip
def test_ordinary_options_are_not_meta_options(text: str) -> None:
    assert not is_meta_option(text)


def test_appears_in_matches_whole_words_in_any_case() -> None:
    assert appears_in("Mitochondrion", "Is the mitochondrion the powerhouse of the cell?")
    assert appears_in("cell wall", "Plants have a Cell  Wall made of cellulose.")
    assert not appears_in("cell", "Cells divide by mitosis.")


def test_appears_in_ignores_answers_under_four_characters() -> None:
    assert not appears_in("ATP", "Which organelle produces most of the cell's ATP?")


def test_duplicate_groups_lists_positions_sharing_a_normalised_form() -> None:
    texts = ["Ribosome", "Lysosome", "ribosome.", "Nucleus", "LYSOSOME"]
    assert duplicate_groups(texts) == [[1, 3], [2, 5]]


def test_numbers_reads_as_a_list() -> None:
    assert numbers([2]) == "2"
    assert numbers([1, 3]) == "1 and 3"
    assert numbers([1, 2, 4]) == "1, 2 and 4"


def _placeholder_by_definition(text: str) -> bool:
    """`is_placeholder` as it reads in full, without the ASCII shortcut."""
    from quizgen.questions.checks import _PLACEHOLDER

    normalised = normalise(text)
    if "lorem ipsum" in normalised:
        return True
    return not any(char.isalnum() for char in text) or bool(_PLACEHOLDER.match(normalised))


def test_placeholder_shortcut_decides_as_the_full_test() -> None:
    """The shortcut (no `normalise` unless a text begins like a placeholder) gives the full
    test's answer on placeholders, near misses and separators around them."""
    import itertools

    cores = [
        "Question 1", "question a", "Option B", "Answer", "choice 12", "Alternative c", "item",
        "Category 3", "Statement", "prompt", "Distractor d", "blank", "Text", "svar", "kategori",
        "TODO: write", "tbd", "FIXME later", "placeholder text", "insert question here",
        "Insert text", "xxx", "XXXXX", "n/a", "N A", "sample question", "Sample text",
        "Lorem ipsum dolor", "lorem, ipsum", "loremipsum", "Which organelle makes ATP?",
        "Mitochondria", "None", "Nucleus", "Questions about cells", "Optional reading",
        "Textbook", "n", "na", "x", "", "spørsmål 2", "Påstand", "Ｑｕｅｓｔｉｏｎ 1",
        "...", "—", "_", "a_b", "42", "\ufb01xme", "Ａｎｓｗｅｒ", "ßample", "Ｘｘｘ",
    ]  # fmt: skip
    wrappers = [
        "{}", " {} ", "-{}", "/_{}.", "({})", "\x1c{}", "\r{}\n", "'{}'", "[{}]!", "…{}",
        "“{}”", "\u00a0{}", "«{}»", "—{}", "\u3000{}", "\u2028{}", "‘{}’?",
    ]  # fmt: skip
    for core, wrapper in itertools.product(cores, wrappers):
        text = wrapper.format(core)
        assert is_placeholder(text) == _placeholder_by_definition(text), repr(text)
