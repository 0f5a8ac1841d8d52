"""Grounding of keys a student writes rather than picks: a number, an essay's model answer.

- **Numeric** (`numeric_key`): every number of the key (the answer, or both ends of a range) is a
  number the passage writes, in any of the writings `questions.numeric.numbers_in` reads
  (`key_not_grounded`). Where the passage writes a unit after that number ("25 centimeters",
  "ten percent"), the stem must name that unit or a word for it ("cm", "%"): a stem asking in
  millimeters for a number the passage gives in centimeters has a wrong key (`wrong_unit`).
- **Essay** (`essay_key`): the model answer holds the passage's content: at least
  `MODEL_ANSWER_OVERLAP` of its content words are in the passage, and every number it writes in
  digits is; each rubric point, apart from the words that frame a rubric ("mentions",
  "explains"), is grounded like a key: up to three content words all in the passage, then one
  in four may be missing (`key_not_grounded`). A model answer may connect and reword; it may
  not bring in what the course does not say.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quizgen.checks import grounding
from quizgen.questions import numeric
from quizgen.questions.base import Problem

KEY_NOT_GROUNDED = grounding.KEY_NOT_GROUNDED
WRONG_UNIT = "wrong_unit"

MODEL_ANSWER_OVERLAP = 0.7
_FRAMING_WORDS = """mentions mention names name states state explains explain describes describe
    identifies identify gives give says say notes note links link connects connect concludes
    conclude shows show uses use answer answers student point points correctly clearly idea
    nevner forklarer beskriver viser sier knytter svaret studenten"""
_RUBRIC_FRAMING = frozenset(grounding.stem(word) for word in _FRAMING_WORDS.split())
"""Words that say what a grader looks for, not what the course says."""


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


def essay_key(question: Any, passage: grounding.Passage) -> Iterator[Problem]:
    answer_words = list(dict.fromkeys(grounding.content_words(question.model_answer)))
    missing = [word for word in answer_words if not passage.has(word)]
    numbers = [word for word in missing if word[0].isdigit()]
    if answer_words and (
        numbers or len(answer_words) - len(missing) < MODEL_ANSWER_OVERLAP * len(answer_words)
    ):
        yield Problem(
            KEY_NOT_GROUNDED,
            f"the model answer is not supported by the quote (missing from it: "
            f"{', '.join((numbers or missing)[:6])})",
        )
    for number, point in enumerate(question.rubric, start=1):
        words = [w for w in dict.fromkeys(grounding.content_words(point))]
        words = [w for w in words if w not in _RUBRIC_FRAMING]
        missing = [word for word in words if not passage.has(word)]
        if len(missing) > grounding.allowed_missing(words):
            yield Problem(
                KEY_NOT_GROUNDED,
                f"rubric point {number} ({point[:60]!r}) asks for something the quote does not say",
            )


KEY_CHECKS = {"numeric": numeric_key, "essay": essay_key}
"""The key check of each type whose key a student writes, by type name."""
