r"""The checks' one-character letter-or-digit test (`[^\W_]`) is `str.isalnum` on every
character, so `is_blank_text` and `quote_parts` decide as they did with `isalnum`; and NFKC
leaves every ASCII character as it is, so `grounding`'s tokens skip it for ASCII text.

Checked on all of Unicode rather than on the texts the project writes: a hand-typed question
can hold any script, digit form (², ½, ٣, Ⅻ) or symbol.
"""

from __future__ import annotations

import sys
import unicodedata

from quizgen.checks import citations
from quizgen.questions import checks


def _characters() -> list[str]:
    return [chr(n) for n in range(sys.maxunicode + 1) if not 0xD800 <= n <= 0xDFFF]


def test_the_letter_or_digit_test_is_isalnum_on_every_character() -> None:
    characters = _characters()
    joined = "".join(characters)
    alnum = "".join(c for c in characters if c.isalnum())
    for pattern in (checks._LETTER_OR_DIGIT, citations._LETTER_OR_DIGIT):
        assert "".join(pattern.findall(joined)) == alnum
    assert checks.is_blank_text("½²٣Ⅻ") is False
    assert checks.is_blank_text("…—_“”·") is True


def test_nfkc_leaves_ascii_as_it_is() -> None:
    ascii_text = "".join(chr(n) for n in range(128))
    assert unicodedata.normalize("NFKC", ascii_text) == ascii_text
