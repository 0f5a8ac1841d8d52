"""Questions about single facts: fill in the blank, multiple choice, true/false, multiple answer.

Each builder turns the facts (`Unit`s) of the sentences it is given into questions, one per fact
(for fill in the blank and multiple choice, `depth` facts are split in two; see `facts.sites`):
- fill in the blank and multiple choice blank out one target of a clause — a number, a name or a
  term — and multiple choice offers three other targets of the same kind from the same text;
- true/false states a fact as the text does, or falsified by swapping one target for another of
  the same kind from the text ("At a divergent boundary …" for "At a convergent boundary …"),
  never for a word the sentence already uses, so a statement never contradicts itself;
- multiple answer mixes two to four facts stated as they are with falsified ones.

Nothing here knows quizgen's checks; the questions are screened like any model's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen.llm.mock.facts import (
    GAP,
    answers,
    display,
    facts_of,
    options,
    same_kind,
    shown,
    sites,
    statement,
    swapped,
)
from quizgen.llm.mock.reading import Reading, Target, Unit
from quizgen.llm.mock.words import fold


@dataclass(frozen=True)
class Candidate:
    question: dict[str, Any]
    sentences: tuple[int, ...]
    """The sentences the question shows or tests: how planning keeps batches apart."""
    fact: Unit | None = None
    """The one fact a single-fact question asks about (None for several)."""
    split: bool = False
    """Half of a fact split in two (see `sites`): its other half does not make it a repeat."""
    key: str = ""
    """What a blank asks for: another question on the fact that shows it asks something else."""


def question(text: str, explanation: str, quote: str, **fields: Any) -> dict[str, Any]:
    return {"question_text": text, **fields, "explanation": explanation, "source_quote": quote}


# -- the builders -----------------------------------------------------------------------------


def fill_in_blank(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """`depth`: how many facts may be split into two questions (see `sites`)."""
    for unit, target, span in sites(reading, sentences, rng, depth, lambda u, t: True):
        sentence = reading.sentences[unit.sentence]
        yield Candidate(
            question(
                shown(reading, unit, target, "[blank_1]", span),
                f"The notes say: {sentence.plain}",
                sentence.quote,
                blanks=[{"position": 1, "answers": answers(target)}],
            ),
            (unit.sentence,),
            unit,
            span != (unit.start, unit.end),
            target.text,
        )


_MC_ASK = {
    "number": "Which of these completes",
    "name": "Which of these names completes",
    "term": "Which of these completes",
}
"""Few content words of their own: two questions with one key are told apart by their facts."""


def multiple_choice(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """`depth`: how many facts may be split into two questions (see `sites`)."""
    wrong_for: dict[tuple[int, int], list[str]] = {}

    def usable(unit: Unit, target: Target) -> bool:
        """Whether the text holds three other targets of the kind to offer beside it."""
        plain = reading.sentences[unit.sentence].plain
        wrong_for[(unit.sentence, target.start)] = same_kind(reading, target, plain, rng)
        return len(wrong_for[(unit.sentence, target.start)]) >= 3

    for unit, target, span in sites(reading, sentences, rng, depth, usable):
        sentence = reading.sentences[unit.sentence]
        wrong = wrong_for[(unit.sentence, target.start)]
        gapped = shown(reading, unit, target, GAP, span)
        yield Candidate(
            question(
                f"{_MC_ASK[target.kind]} “{gapped}”?",
                f"The notes say: {sentence.plain}",
                sentence.quote,
                options=options(display(target), wrong, rng),
            ),
            (unit.sentence,),
            unit,
            span != (unit.start, unit.end),
            target.text,
        )


def true_false(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """One statement per fact, true and false alternating (a seeded start), so any answer is
    close to half and half; a fact with no sound false version is stated as it is."""
    if depth > 0:
        return  # a second statement of one fact would give the first away
    facts = [u for u in facts_of(reading, sentences) if u.standalone]
    made = [(u, swapped(reading, u, rng)) for u in facts]
    falsifiable = [(u, m) for u, m in made if m is not None]
    plain_only = [(u, m) for u, m in made if m is None]
    truth = rng.random() < 0.5
    while falsifiable or plain_only:
        if truth:
            unit, _made = plain_only.pop(0) if plain_only else falsifiable.pop(0)
            sentence = reading.sentences[unit.sentence]
            yield Candidate(
                question(
                    statement(reading, unit),
                    f"True: the notes say “{sentence.plain}”",
                    sentence.quote,
                    correct_answer=True,
                ),
                (unit.sentence,),
                unit,
            )
        elif falsifiable:
            unit, found = falsifiable.pop(0)
            assert found is not None
            text, target, replacement = found
            sentence = reading.sentences[unit.sentence]
            yield Candidate(
                question(
                    text,
                    f"False: the notes name {target.text} here, not {replacement}: "
                    f"“{sentence.plain}”",
                    sentence.quote,
                    correct_answer=False,
                ),
                (unit.sentence,),
                unit,
            )
        truth = not truth


_MA_STEMS = (
    "Which of the following statements about {topic} are true?",
    "Which of these statements about {topic} do the notes support?",
    "According to the notes, which of these are true of {topic}?",
    "Select every statement about {topic} that the notes make.",
    "Which of these claims about {topic} agree with the notes?",
    "Pick each correct statement about {topic}.",
)


def multiple_answer(
    reading: Reading,
    sentences: Sequence[int],
    rng: random.Random,
    depth: int,
    topic: str = "this topic",
) -> Iterator[Candidate]:
    """Two or three true facts and falsified ones, about the module, a section, or a name or
    term several of the given sentences share. Every question has its own set of true facts."""
    facts = [u for u in facts_of(reading, sentences) if u.standalone]
    falsified = {id(u): swapped(reading, u, rng) for u in facts}
    if len(facts) < 3:
        return
    topics: list[tuple[str, list[Unit]]] = [(topic, facts)]
    shared: dict[str, list[Unit]] = {}
    for unit in facts:
        for target in unit.targets:
            if target.kind != "number":
                shared.setdefault(target.text, []).append(unit)
    for text, units in sorted(shared.items(), key=lambda item: (-len(item[1]), item[0])):
        if len(units) >= 2 and len(units) < len(facts):
            topics.append((text if text[:1].isupper() else f"the {text}", units))
    used_keys: set[frozenset[int]] = set()
    used_stems: set[str] = set()
    rounds = len(_MA_STEMS) * (1 + depth)
    for attempt in range(len(topics) * rounds):
        label, about = topics[attempt % len(topics)]
        template = _MA_STEMS[(attempt // len(topics) + depth) % len(_MA_STEMS)]
        stem_text = template.format(topic=label)
        if fold(stem_text) in used_stems:
            continue
        k = 2 + (attempt % 2) + (attempt // len(topics)) % 2 * depth
        inside = list(about)
        rng.shuffle(inside)
        outside = [u for u in facts if u not in inside]
        rng.shuffle(outside)
        true_units = (inside + outside)[:k]
        key = frozenset(id(u) for u in true_units)
        if len(true_units) < 2 or key in used_keys:
            continue
        false_pool = [u for u in inside + outside if u not in true_units and falsified[id(u)]]
        false_texts: list[str] = []
        for unit in false_pool:
            made = falsified[id(unit)]
            assert made is not None
            if all(fold(made[0]) != fold(t) for t in false_texts):
                false_texts.append(made[0])
            if len(false_texts) == 5 - k:
                break
        if len(false_texts) < 5 - k:
            continue
        true_texts = [statement(reading, u) for u in true_units]
        if len({fold(t) for t in true_texts + false_texts}) != 5:
            continue
        used_keys.add(key)
        used_stems.add(fold(stem_text))
        first = reading.sentences[true_units[0].sentence]
        options = [{"text": t, "correct": True} for t in true_texts]
        options += [{"text": t, "correct": False} for t in false_texts]
        rng.shuffle(options)
        yield Candidate(
            question(
                stem_text,
                f"{k} statements are what the notes say; the others change a name, number or "
                f"term. For example, the notes say: “{first.plain}”",
                first.quote,
                options=options,
            ),
            tuple(dict.fromkeys(u.sentence for u in true_units)),
        )
