"""Questions the student answers by writing: a number, or an essay.

- numeric: a fact holding a number (digits, or a number word such as "ten") is shown with the
  number gapped and the rest kept, so the unit after it ("____ centimeters") stays in the stem;
  the key is that number, with a margin of a tenth where the text says "about" or "around";
- essay: a sentence that explains ("… because …", "…, so …") asks why; any other sentence of
  eight words or more asks what the notes say about its subject. The model answer is the
  sentence as the notes put it, and the rubric holds one point per fact of it.

Like every builder, these know nothing of quizgen's checks; their questions are screened.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterator, Sequence

from quizgen.llm.mock.builders import Candidate, question
from quizgen.llm.mock.facts import askable, display, facts_of, lower_first, shown
from quizgen.llm.mock.reading import Reading, Sentence, Target, Unit
from quizgen.llm.mock.words import NUMBER_WORDS, capitalise, fold

_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_ABOUT = frozenset(("about", "around", "roughly", "approximately", "nearly", "some", "omtrent"))
_SCALE_WORDS = frozenset(word for word, value in NUMBER_WORDS.items() if value >= 100)
"""The scale words of NUMBER_WORDS ("hundred", "millions"): alone they are no quantity."""
MIN_ESSAY_WORDS = 8


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


_BECAUSE = re.compile(r"^(?:Because|Since|As) (?P<cause>[^,]+), (?P<effect>.+)$")
_BECAUSE_AFTER = re.compile(r"^(?P<effect>.+?),? because (?P<cause>.+)$")
_SO = re.compile(r"^(?P<cause>.+?), (?:so|so that|which means that|and so) (?P<effect>.+)$")
_ESSAY_ASKS = (
    "Describe what the notes say about {subject}.",
    "Summarise, as the notes present it, what {subject} is about.",
    "What do the notes tell you about {subject}? Answer in a few sentences.",
)


def essay(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """Why-questions from explaining sentences first, then describe-questions; `depth` picks
    which wording a repeated subject gets."""
    explaining: list[Candidate] = []
    describing: list[Candidate] = []
    asked: dict[str, int] = {}
    for index in sentences:
        sentence = reading.sentences[index]
        plain = sentence.plain.rstrip(".")
        if len(plain.split()) < MIN_ESSAY_WORDS:
            continue
        why = _why(plain)
        if why is not None:
            cause, effect = why
            explaining.append(
                _essay(
                    sentence,
                    f"Explain why {lower_first(effect)}.",
                    [f"States that {lower_first(cause)}", f"Concludes that {lower_first(effect)}"],
                )
            )
            continue
        subject = _subject(reading, sentence)
        if subject is None:
            continue
        number = asked.get(fold(subject), 0) + depth
        asked[fold(subject)] = asked.get(fold(subject), 0) + 1
        template = _ESSAY_ASKS[number % len(_ESSAY_ASKS)]
        points = [f"Mentions that {lower_first(_clause(reading, u))}" for u in sentence.units]
        describing.append(_essay(sentence, template.format(subject=subject), points[:4]))
    rng.shuffle(describing)
    yield from explaining
    yield from describing


def _why(plain: str) -> tuple[str, str] | None:
    for pattern in (_BECAUSE, _BECAUSE_AFTER, _SO):
        found = pattern.match(plain)
        if found and len(found.group("cause").split()) >= 3:
            return found.group("cause").strip(" ,"), found.group("effect").strip(" ,")
    return None


def _subject(reading: Reading, sentence: Sentence) -> str | None:
    """What the sentence is about: its first name or term."""
    for target in sentence.targets:
        if target.kind in ("name", "term"):
            text = display(target)
            return text if target.kind == "name" or text.startswith("the ") else f"the {text}"
    return None


def _clause(reading: Reading, unit: Unit) -> str:
    return reading.sentences[unit.sentence].plain[unit.start : unit.end].strip(" ,.")


def _essay(sentence: Sentence, stem: str, rubric: list[str]) -> Candidate:
    return Candidate(
        question(
            capitalise(stem),
            f"The notes explain it so: {sentence.plain}",
            sentence.quote,
            model_answer=sentence.plain,
            rubric=rubric,
        ),
        (sentence.index,),
    )
