"""Numeric: the student types a number — an exact value, a value within a margin, or a range.

The key is a number the cited passage states: "Human body cells contain 46 chromosomes" grounds
46 whether the passage writes 46 or forty-six, and 1500 is grounded by 1,500, 1 500, 1.500 or
"1.5 thousand". Which writings count is `numbers_in`; the grounding itself runs with the other
key checks (`quizgen/checks/open_answers.py`), since it needs the passage.

The unit belongs in the stem ("How many centimeters of rain …?"): Canvas, Moodle and text2qti
compare a bare number, so a student must know in what unit to give it. The unit is not a field
of its own: it is the word the passage writes after the number, and the key check asks the stem
to say it (`unit_after`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from quizgen.questions import checks
from quizgen.questions.base import Problem, QuestionBase, QuestionType

ANSWER_LEAK = "answer_leak"
_words = str.split


class NumericRange(BaseModel):
    """Every answer from `low` to `high` (inclusive) is right."""

    model_config = ConfigDict(extra="forbid")

    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)


class Numeric(QuestionBase):
    """Either `answer` (right within `margin` either side; 0 is exact) or `range`, not both."""

    answer: float | None = Field(default=None, allow_inf_nan=False)
    margin: float = Field(default=0, ge=0, allow_inf_nan=False)
    range: NumericRange | None = None


def key_values(question: Numeric) -> list[float]:
    """The numbers the key is made of: the answer, or the range's two ends."""
    if question.range is not None:
        return [question.range.low, question.range.high]
    return [question.answer] if question.answer is not None else []


def number_text(value: float) -> str:
    """A number as people write it: `46`, `2.5`, `-40`, `1500000` (never `1.5e+06`)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def key_text(question: Numeric) -> str:
    """ "46", "2.5 ± 0.1", "1 to 10": the key as the review and the exports show it."""
    if question.range is not None:
        return f"{number_text(question.range.low)} to {number_text(question.range.high)}"
    if question.answer is None:
        return ""
    if question.margin:
        return f"{number_text(question.answer)} ± {number_text(question.margin)}"
    return number_text(question.answer)


# -- numbers in a text ---------------------------------------------------------------------------

_DIGITS = re.compile(
    r"(?<![\w.,])(?P<sign>[-\u2212]?)(?P<number>\d{1,3}(?:[,.\u00a0\u2009\u202f ]\d{3})+"
    r"(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?P<decade>s)?(?![\w])"
)
_ENGLISH = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_SPACES = re.compile(r"[\u00a0\u2009\u202f ]")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
    # Norwegian, leaving out the words that are also common English or Norwegian words
    # ("to", "en", "ei", "fire"): a stray match would only let a wrong key through.
    "null": 0, "ett": 1, "tre": 3, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tjue": 20, "tretti": 30,
    "førti": 40, "femti": 50, "seksti": 60, "sytti": 70, "åtti": 80, "nitti": 90,
}  # fmt: skip
SCALES = {
    "hundred": 100, "hundreds": 100, "hundre": 100,
    "thousand": 1e3, "thousands": 1e3, "tusen": 1e3,
    "million": 1e6, "millions": 1e6, "millioner": 1e6,
    "billion": 1e9, "billions": 1e9, "milliard": 1e9, "milliarder": 1e9,
}  # fmt: skip


@dataclass(frozen=True)
class Mention:
    """One number in a text: every value its writing may stand for, and where it ends."""

    values: frozenset[float]
    start: int
    end: int

    def means(self, value: float) -> bool:
        return any(math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12) for other in self.values)


def _readings(number: str) -> set[float]:
    """ "1,500" is 1500 in English and 1.5 in Norwegian; "1.500" the other way round; "1 500"
    is 1500 in both. Every reading the writing allows is kept."""
    compact = _SPACES.sub("", number)
    found: set[float] = set()
    if _ENGLISH.fullmatch(compact):
        found.add(float(compact.replace(",", "")))
    if _EUROPEAN.fullmatch(compact):
        found.add(float(compact.replace(".", "").replace(",", ".")))
    return found


def numbers_in(text: str) -> list[Mention]:
    """Every number `text` writes: digits in English or Norwegian style (a decade "1860s" is
    1860), number words ("forty-six", "one hundred", "ti"), each with a following scale word
    ("1.5 million", "two thousand") read both with and without it."""
    mentions = [_digits(match, text) for match in _DIGITS.finditer(text)]
    mentions += _worded(text)
    return sorted((m for m in mentions if m.values), key=lambda m: m.start)


def _digits(match: re.Match[str], text: str) -> Mention:
    values = _readings(match.group("number"))
    if match.group("sign"):
        values = {-value for value in values}
    end = match.end()
    scale = _scale_after(text, end)
    if scale is not None:
        factor, end = scale
        values |= {value * factor for value in values}
    return Mention(frozenset(values), match.start(), end)


def _scale_after(text: str, end: int) -> tuple[float, int] | None:
    word = re.match(r"\s+([^\W\d_]+)", text[end:])
    if word and word.group(1).casefold() in SCALES:
        return SCALES[word.group(1).casefold()], end + word.end()
    return None


def _worded(text: str) -> list[Mention]:
    """Runs of number words: "forty-six" (46), "one hundred" (100), "two thousand five
    hundred" (2500), "one hundred and five" (105). A plural scale word alone ("thousands of
    mitochondria") is no number."""
    found: list[Mention] = []
    words = [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]
    index = 0
    while index < len(words):
        total = current = 0.0
        start, end, last_scale = -1, 0, 0.0
        while index < len(words):
            word, word_start, word_end = words[index]
            if start >= 0 and text[end:word_start].strip():
                break  # "five, forty-six" are two numbers
            parts = word.split("-")
            if all(part in SMALL_NUMBERS for part in parts):
                current += sum(SMALL_NUMBERS[part] for part in parts)
            elif word in SCALES and (start >= 0 or word in _LONE_SCALES):
                factor = SCALES[word]
                if factor == 100:
                    current = (current or 1) * 100
                else:
                    total, current = total + (current or 1) * factor, 0.0
                last_scale = factor
            elif (
                word in ("and", "og")
                and last_scale
                and index + 1 < len(words)
                and words[index + 1][0].split("-")[0] in SMALL_NUMBERS
            ):
                end = word_end
                index += 1
                continue
            else:
                break
            start = word_start if start < 0 else start
            end = word_end
            index += 1
        if start < 0:
            index += 1
            continue
        value = total + current
        values = {value}
        if last_scale >= 1e3:
            values.add(value / last_scale)  # "two million" may be asked as "how many million"
        found.append(Mention(frozenset(values), start, end))
    return found


_LONE_SCALES = frozenset({"hundred", "thousand", "hundre", "tusen"})
"""Scale words that are a number on their own ("a hundred years"); "million" alone is the scale
of a number written before it ("1.5 million")."""


# -- units -------------------------------------------------------------------------------------

_UNIT_AFTER = re.compile(r"\s*(%|‰|°\s?[CFcf]\b|°|[^\W\d_][\w'’-]*)")
_NOT_UNITS = frozenset(
    _words(
        """of and or in on to the a an per at by for from than is are was were be been has have had
    with into about between as that which who it its this these those while when each every
    more less fewer most least or so
        og i på av til er var som med eller enn om for fra ved at det den de et en ei har hadde"""
    )
)
_SAME_UNIT = (
    frozenset({"%", "percent", "per cent", "percentage", "prosent", "prosentandel"}),
    frozenset({"‰", "per mille", "promille"}),
    frozenset({"°c", "celsius", "degree", "grad"}),
    frozenset({"°f", "fahrenheit"}),
)
_ABBREVIATIONS = {
    "km": "kilometer", "cm": "centimeter", "mm": "millimeter", "m": "meter",
    "µm": "micrometer", "μm": "micrometer", "um": "micrometer", "nm": "nanometer",
    "kg": "kilogram", "g": "gram", "mg": "milligram", "l": "liter", "ml": "milliliter",
    "s": "second", "sec": "second", "min": "minute", "h": "hour", "hr": "hour", "yr": "year",
    "kj": "kilojoule", "j": "joule", "kcal": "kilocalorie", "w": "watt", "kw": "kilowatt",
}  # fmt: skip


def unit_after(text: str, mention: Mention) -> str | None:
    """The unit the text writes right after a number ("centimeters", "%", "BC"), skipping a
    scale word ("1.5 million people"); None for a bare number or one followed by a function
    word or a name ("In 1953 James Watson …")."""
    at = mention.end
    for _ in range(2):
        found = _UNIT_AFTER.match(text, at)
        if not found:
            return None
        word = found.group(1)
        folded = word.casefold()
        if folded in SCALES:
            at = found.end()
            continue
        if word[:1].isalpha() and word[:1].isupper() and not (word.isupper() and len(word) <= 4):
            return None  # a name, not a unit; "BC", "AD", "CE" and "DNA" are all capitals
        if folded in _NOT_UNITS or folded in SMALL_NUMBERS:
            return None
        return word.replace(" ", "")
    return None


def _canonical(word: str) -> str:
    folded = word.casefold().replace(" ", "")
    folded = _ABBREVIATIONS.get(folded, folded)
    for british, american in (("metre", "meter"), ("litre", "liter"), ("gramme", "gram")):
        folded = folded.replace(british, american)
    if folded.endswith("ies") and len(folded) > 4:
        return folded[:-3] + "y"
    if folded.endswith("s") and len(folded) > 3 and not folded.endswith("ss"):
        return folded[:-1]
    return folded


def _unit_words(text: str) -> set[str]:
    words = re.findall(r"%|‰|°\s?[CFcf]\b|[^\W\d_][\w'’-]*", text)
    found = {_canonical(word) for word in words}
    folded = " ".join(text.casefold().split())
    found |= {p for family in _SAME_UNIT for p in family if " " in p and p in folded}
    return found


def states_unit(text: str, unit: str) -> bool:
    """Whether `text` (a stem) names `unit` or a word for the same unit: "percent" for "%",
    "centimetres" for "cm", "degrees" for "°C"."""
    wanted = _canonical(unit)
    family = next((f for f in _SAME_UNIT if wanted in f), frozenset({wanted}))
    return bool(family & _unit_words(text))


# -- checks ----------------------------------------------------------------------------------


def answer_or_range(question: Numeric) -> Iterator[Problem]:
    if (question.answer is None) == (question.range is None):
        yield Problem(
            "invalid_shape",
            "a numeric question needs either answer (with an optional margin) or range, "
            "exactly one of them",
        )
    elif question.range is not None and question.margin:
        yield Problem("invalid_shape", "margin belongs to an answer; a range has no margin")


def range_in_order(question: Numeric) -> Iterator[Problem]:
    if question.range is not None and not question.range.low < question.range.high:
        yield Problem(
            "invalid_shape",
            f"range.low ({number_text(question.range.low)}) must be less than range.high "
            f"({number_text(question.range.high)})",
        )


def key_not_in_stem(question: Numeric) -> Iterator[Problem]:
    """A stem that writes the number it asks for gives it away ("… 46 chromosomes. How many
    chromosomes …?")."""
    mentions = numbers_in(question.question_text)
    for value in key_values(question):
        if any(mention.means(value) for mention in mentions):
            yield Problem(
                ANSWER_LEAK,
                f"the question text states the answer {number_text(value)} itself",
            )


def render(question: Numeric) -> str:
    return f"{question.question_text}\n  answer: {key_text(question)}   ✓"


def correct_answers(question: Numeric) -> list[str]:
    return [key_text(question)]


def distractors(question: Numeric) -> list[str]:
    return []


EXAMPLE = {
    "question_text": "In how many pairs are the chromosomes of a human body cell arranged?",
    "answer": 23,
    "margin": 0,
    "range": None,
    "explanation": "Human body cells hold 46 chromosomes, which come as 23 pairs.",
    "source_quote": "Human body cells contain 46 chromosomes, arranged in 23 pairs.",
}

TYPE: QuestionType[Numeric] = QuestionType(
    name="numeric",
    label="Numeric",
    model=Numeric,
    checks=(*checks.STEM_CHECKS, answer_or_range, range_in_order, key_not_in_stem),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
)
