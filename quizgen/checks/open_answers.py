"""Grounding of keys a student writes rather than picks: a number.

- **Numeric** (`numeric_key`): every number of the key (the answer, or both ends of a range) is a
  number the passage writes, in any of the writings `questions.numeric.numbers_in` reads
  (`key_not_grounded`). Where the passage writes a unit after that number ("25 centimeters",
  "ten percent"), the stem must name that unit or a word for it ("cm", "%"): a stem asking in
  millimeters for a number the passage gives in centimeters has a wrong key (`wrong_unit`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quizgen.checks import grounding
from quizgen.questions import numeric
from quizgen.questions.base import Problem

KEY_NOT_GROUNDED = grounding.KEY_NOT_GROUNDED
WRONG_UNIT = "wrong_unit"


def numeric_key(question: Any, passage: grounding.Passage) -> Iterator[Problem]:
    mentions = numeric.numbers_in(passage.text)
    for value in numeric.key_values(question):
        written = [mention for mention in mentions if mention.means(value)]
        if not written:
            stated = ", ".join(passage.text[m.start : m.end] for m in mentions[:5]) or "none"
            yield Problem(
                KEY_NOT_GROUNDED,
                f"the key {numeric.number_text(value)} is not a number the quote states "
                f"(it states: {stated})",
            )
            continue
        units = [unit for m in written if (unit := numeric.unit_after(passage.text, m))]
        if units and not any(numeric.states_unit(question.question_text, u) for u in units):
            yield Problem(
                WRONG_UNIT,
                f"the quote gives {numeric.number_text(value)} in {units[0]!r}, but the question "
                f"text does not say {units[0]!r}; name the unit the answer is in",
            )


KEY_CHECKS = {"numeric": numeric_key}
"""The key check of each type whose key a student writes, by type name."""
