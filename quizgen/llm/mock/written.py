"""Questions the student answers by writing: a number.

- numeric: a fact holding a number (digits, or a number word such as "ten") is shown with the
  number gapped and the rest kept, so the unit after it ("____ centimeters") stays in the stem;
  the key is that number, with a margin of a tenth where the text says "about" or "around";

Like every builder, these know nothing of quizgen's checks; their questions are screened.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator, Sequence

from quizgen.llm.mock.builders import Candidate, question
from quizgen.llm.mock.facts import askable, facts_of, shown
from quizgen.llm.mock.reading import Reading, Target
from quizgen.llm.mock.words import NUMBER_WORDS

_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_ABOUT = frozenset(("about", "around", "roughly", "approximately", "nearly", "some", "omtrent"))
_SCALE_WORDS = frozenset(("hundred", "hundreds", "thousand", "thousands", "million", "millions",
                          "billion", "billions"))  # fmt: skip


def _value(target: Target, plain: str) -> tuple[float, Target] | None:
    """The number a target writes and the part of it to gap (the digits, not the unit)."""
    if target.text.casefold() in _SCALE_WORDS:
        return None  # "one hundred": the gap would leave "one ____"
    digits = _DIGITS.match(target.text)
    if digits:
        if plain[target.start + digits.end() : target.start + digits.end() + 1] in ("'", "’"):
            return None  # "the 5' end" names an end of a strand, not a quantity
        gapped = dataclasses.replace(target, end=target.start + digits.end())
        return float(digits.group().replace(",", "")), gapped
    number = NUMBER_WORDS.get(target.text.casefold())
    return (float(number), target) if number is not None else None


def _text(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def numeric(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """One question per number of a fact (digits first); `depth` is not used: a fact's other
    numbers are asked anyway."""
    for unit in facts_of(reading, sentences):
        sentence = reading.sentences[unit.sentence]
        targets = [t for t in askable(reading, unit, rng) if t.kind == "number"]
        targets.sort(key=lambda t: not t.text[:1].isdigit())
        for target in targets:
            found = _value(target, sentence.plain)
            if found is None:
                continue
            value, gapped = found
            before = sentence.plain[: target.start].split()
            about = bool(before) and before[-1].casefold() in _ABOUT
            margin = abs(value) / 10 if about else 0.0
            yield Candidate(
                question(
                    f"What number goes in the gap? “{shown(reading, unit, gapped, '____')}”",
                    f"The notes say: {sentence.plain}",
                    sentence.quote,
                    answer=_text(value),
                    margin=_text(margin),
                    range=None,
                ),
                (unit.sentence,),
                unit,
                key=gapped.text,
            )
