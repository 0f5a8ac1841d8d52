"""The word tests of the checks (`grounding.WordTest`: negation, contradiction hints, a stem
asking for the opposite) answer exactly as their patterns do.

An ASCII text is decided by looking its lower-cased words up instead of running the pattern;
these tests run both on texts built from the words, their near misses, apostrophes, digits,
underscores and non-ASCII letters, and on every text of the biology example.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from quizgen.checks import contradiction, grounding

TESTS = {
    "negated": grounding._NEGATION,
    "hint": contradiction._HINT,
    "opposite": contradiction._OPPOSITE_ASKED,
}
PIECES = [
    "not", "Not", "NOT", "no", "No", "none", "nor", "never", "cannot", "without", "lack",
    "lacking", "than", "Than", "enn", "ikke", "IKKE", "except", "false", "least", "usann",
    "nothing", "knot", "note", "notable", "no2", "not_", "_not", "don't", "DON'T", "won’t",
    "n't", "n'tx", "can't_", "isn't.", "cells", "divide", "É", "ß", "İ", "ſ", "K", "ﬁ",
    " ", " ", ", ", ". ", "-", "'", "’", "(", ")", "\n", "7", "_",
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(TESTS))
def test_word_test_answers_as_its_pattern(name: str) -> None:
    test = TESTS[name]
    rng = random.Random(name)
    texts = ["", "Cells do not divide.", "It isn't so", "Larger than life"]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8))) for _ in range(4000)]
    content = Path(__file__).resolve().parents[1] / "examples" / "biology" / "content"
    for path in sorted(content.glob("*.md")):
        texts += path.read_text(encoding="utf-8").splitlines()
    found = 0
    for text in texts:
        expected = test.pattern.search(text) is not None
        assert test(text) == expected, repr(text)
        found += expected
    assert 500 < found < len(texts) - 500  # both answers met often


def _stem_by_definition(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in grounding._SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def test_stem_cuts_the_first_listed_suffix_that_fits() -> None:
    """`stem` only tries the suffixes ending in the word's last letter; the answer is the same
    as trying every suffix in order."""
    rng = random.Random(3)
    letters = "aeiounsdgrmtlycé"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 10))) for _ in range(50000)]
    words += [
        base + suffix for base in ("cell", "mit", "ab", "x") for suffix in grounding._SUFFIXES
    ]
    for word in words:
        assert grounding.stem.__wrapped__(word) == _stem_by_definition(word), word
