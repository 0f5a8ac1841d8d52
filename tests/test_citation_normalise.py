"""The two normalisations of citations (with and without an offset map) must agree exactly."""

from __future__ import annotations

import random

from quizgen.citations import find_quote, normalise, normalised_quote
from quizgen.content import Section, assemble

ALPHABET = "ab \n\t-\u00ad\u200b\u201c\u201d\u2019\u2014."


def test_fast_and_mapped_normalisation_agree_on_random_text() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
        assert normalised_quote(text) == normalise(text).text.strip(" \"'"), repr(text)


def test_found_offsets_point_at_the_original_passage() -> None:
    first = (
        "# Cells\n\nThe  mito-\nchondria is the \u201cpower\u201d\u00adhouse \u2014 of the cell."
    )
    content = assemble([Section("a.md", first), Section("b.md", "Second   source text.")])
    citation = find_quote('The mitochondria is the "power"house - of the cell.', content)
    assert citation is not None and citation.source == "a.md"
    assert content.text[citation.start : citation.end] == first[first.index("The") :]
    second = find_quote("Second source text.", content)
    assert second is not None and second.source == "b.md"
    assert content.text[second.start : second.end] == "Second   source text."


def test_a_changed_word_is_not_found() -> None:
    content = assemble([Section("a.md", "The nucleus stores the cell's DNA.")])
    assert find_quote("The nucleus stores the cell's RNA.", content) is None
    assert find_quote("The  nucleus stores the cell\u2019s DNA.", content) is not None
