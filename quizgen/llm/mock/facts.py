"""What one fact offers a question: its askable targets, how it is shown, how it splits in two,
the other targets of the same kind, and the fact made false.

A question blanks out one number, name or term of a fact (`askable`), shows the rest (`shown`),
offers three others of the same kind from the text (`same_kind`), or states the fact with one of
them swapped in (`swapped`) — never a word the sentence already uses, so a statement never
contradicts itself.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from quizgen.llm.mock.reading import Reading, Target, Unit
from quizgen.llm.mock.words import (
    NUMBER_WORDS,
    STOP,
    capitalise,
    content_stems,
    fold,
    is_plural,
    stem,
)

GAP = "____"
SAMPLE = 32
"""Others of a kind looked at per tier: plenty for three distractors, cheap in a long text."""


def _mentions(text: str, phrase: str) -> int:
    """How often `phrase` stands in `text` as whole words (case, punctuation aside)."""
    return f" {fold(text)} ".count(f" {fold(phrase)} ")


def askable(reading: Reading, unit: Unit, rng: random.Random) -> list[Target]:
    """Targets of a fact that can be blanked out: named once in its sentence. Numbers and names
    first (they make the clearest questions), then terms, each group in a seeded order."""
    plain = reading.sentences[unit.sentence].plain
    found = [t for t in unit.targets if _mentions(plain, t.text) == 1 and len(t.text) >= 2]
    rng.shuffle(found)
    return sorted(found, key=priority)


def priority(target: Target) -> int:
    """Dates, measures and names make the clearest questions; then terms of a family
    ("divergent boundary"); then lone nouns; counts ("two plates") last."""
    if target.strong:
        return -1
    if target.kind == "number":
        return 3 if target.group == "count" else 0
    if target.kind == "name" or target.group not in ("singular", "plural"):
        return 1
    return 2


def display(target: Target) -> str:
    """A term as it reads mid-sentence ("earthquakes", not the sentence-opening "Earthquakes")."""
    return lower_first(target.text) if target.kind == "term" else target.text


def lower_first(text: str) -> str:
    first = text.split()[0]
    if len(first) > 1 and not first[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def shown(
    reading: Reading,
    unit: Unit,
    target: Target | None,
    marker: str,
    span: tuple[int, int] | None = None,
) -> str:
    """The fact as a question shows it: the clause (or `span` of it) with the target replaced
    by `marker`, an ellipsis where the sentence goes on."""
    plain = reading.sentences[unit.sentence].plain
    start, end = span or (unit.start, unit.end)
    if target is None:
        body = plain[start:end]
    else:
        body = plain[start : target.start] + marker + plain[target.end : end]
    if start > 0:
        body = "… " + body
    return body + (" …" if end < len(plain) - 1 else ".")


Site = tuple[Unit, Target, tuple[int, int]]
"""A blank to ask about: the fact, the target blanked out, and the span of the sentence shown."""


def sites(
    reading: Reading,
    sentences: Sequence[int],
    rng: random.Random,
    splits: int,
    usable: Callable[[Unit, Target], bool],
) -> Iterator[Site]:
    """One blank per fact; while `splits` last, two per fact where it holds two targets far
    enough apart to show each with the other cut away ("____ proposed the idea of continental
    drift …" and "… proposed the idea of continental drift in ____."), so neither question
    gives the other away."""
    for unit in facts_of(reading, sentences):
        targets = [t for t in askable(reading, unit, rng) if usable(unit, t)]
        if not targets:
            continue
        pair = _split(reading, unit, targets) if splits > 0 else None
        if pair is None:
            yield unit, targets[0], (unit.start, unit.end)
            continue
        splits -= 1
        yield from pair


def _split(reading: Reading, unit: Unit, targets: list[Target]) -> list[Site] | None:
    plain = reading.sentences[unit.sentence].plain
    for first, second in itertools.permutations(targets[:4], 2):
        if first.end >= second.start:
            continue
        left_end = _trim_back(plain, unit.start, second.start)
        right_start = _trim_forward(plain, first.end, unit.end)
        left = plain[unit.start : first.start] + plain[first.end : left_end]
        right = plain[right_start : second.start] + plain[second.end : unit.end]
        if len(content_stems(left)) >= 3 and len(content_stems(right)) >= 3:
            return [(unit, first, (unit.start, left_end)), (unit, second, (right_start, unit.end))]
    return None


def _trim_back(plain: str, start: int, end: int) -> int:
    """`end` moved back over spaces, punctuation and trailing function words."""
    words = list(re.finditer(r"[^\s,;:]+", plain[start:end]))
    while words and words[-1].group().casefold() in STOP:
        words.pop()
    return start + words[-1].end() if words else start


def _trim_forward(plain: str, start: int, end: int) -> int:
    """`start` moved forward over spaces, punctuation and leading function words."""
    words = list(re.finditer(r"[^\s,;:]+", plain[start:end]))
    while words and words[0].group().casefold() in STOP:
        words.pop(0)
    return start + words[0].start() if words else end


def statement(reading: Reading, unit: Unit) -> str:
    plain = reading.sentences[unit.sentence].plain
    if unit.start == 0 and unit.end == len(plain) - 1:
        return plain
    return capitalise(plain[unit.start : unit.end].strip(" ,")) + "."


def _related(a: str, b: str, kind: str) -> bool:
    """Texts one of which holds the other ("oceanic plate", "denser oceanic plate"), or names
    sharing a word ("Roman Republic", "Romans"). Terms of one family ("divergent boundary",
    "convergent boundary") are not related: they are the best distractors of each other."""
    if fold(a) in fold(b) or fold(b) in fold(a):
        return True
    if kind != "name":
        return False
    stems_a = {stem(w) for w in re.findall(r"[^\W_]+", a.casefold())}
    stems_b = {stem(w) for w in re.findall(r"[^\W_]+", b.casefold())}
    return bool(stems_a & stems_b)


def same_kind(
    reading: Reading,
    target: Target,
    avoid_text: str,
    rng: random.Random,
    k: int = 3,
    strict: bool = False,
) -> list[str]:
    """Up to `k` other targets of the target's kind (same group first), none of them in
    `avoid_text` or sharing a word with the target or each other."""
    tiers = [reading.pools.get((target.kind, target.group), ())]
    if target.strong and target.kind == "term":
        tiers.insert(0, reading.pools.get(("term", "strong"), ()))  # terms the notes stress too
    if target.kind == "number":
        tiers.append(tuple(_invented_numbers(target, rng)))
    elif not strict:
        tiers.append(reading.pools.get((target.kind, ""), ()))
    folded = fold(avoid_text)
    words = content_stems(avoid_text)
    picked: list[str] = []
    for tier in tiers:
        options = rng.sample(tier, min(len(tier), SAMPLE))
        for text in options:
            if len(picked) >= k:
                return picked
            if f" {fold(text)} " in f" {folded} " or _related(text, target.text, target.kind):
                continue
            if (content_stems(text)) <= words:
                continue  # the sentence supports it ("cell division" beside "division of cells")
            if target.kind == "term" and (text.casefold().endswith("s") != target.plural):
                continue
            if (
                strict
                and target.kind == "name"
                and (
                    len(text.split()) != len(target.text.split())
                    or is_plural(text) != is_plural(target.text)
                )
            ):
                continue  # "the Earth" is not swapped for "the San Andreas Fault"
            if target.group == "count" and is_plural(text) != is_plural(target.text):
                continue  # "thousands of years", never "four of years"
            if any(_related(text, other, target.kind) for other in picked):
                continue
            picked.append(lower_first(text) if target.kind == "term" else text)
    return picked


def _invented_numbers(target: Target, rng: random.Random) -> Iterable[str]:
    """Wrong numbers of the same shape, when the text has too few of its own."""
    text = target.text
    word = text.split()[0]
    if word.casefold() in NUMBER_WORDS:
        plural, small = word.casefold().endswith("s"), NUMBER_WORDS[word.casefold()] <= 20
        words = [
            w
            for w, value in NUMBER_WORDS.items()
            if w.endswith("s") == plural and (value <= 20) == small and w != word.casefold()
        ]
        rng.shuffle(words)
        yield from (w.capitalize() if word[0].isupper() else w for w in words)
        return
    digits = word.rstrip("s").replace(",", "")
    if not digits.isdigit():
        return
    value = int(digits)
    rest = text[len(word) :]
    suffix = "s" if word.endswith("s") else ""
    steps = (10, -10, 20, 5, -5, 30) if value >= 100 else (2, -2, 3, 4, -3, 6)
    if target.group == "decade":
        steps = (10, -10, 20, -20, 30, 40)
    for step in steps:
        if value + step > 0 and value + step != value:
            yield f"{value + step}{suffix}{rest}"


def swapped(reading: Reading, unit: Unit, rng: random.Random) -> tuple[str, Target, str] | None:
    """The fact made false: one target replaced by another of its kind from the text (or, for a
    number, a nearby one). The replacement is never a word the sentence already uses, never
    related to the target ("Romans" for "Roman Republic"), and never shares its head word with
    another term of the sentence: that is how "the convergent boundary is a divergent
    boundary" would be written, a statement contradicting itself."""
    sentence = reading.sentences[unit.sentence]
    plain = sentence.plain
    heads = {fold(t.text).split()[-1] for t in sentence.targets if t.kind == "term"}
    for target in askable(reading, unit, rng):
        if target.kind == "term" and target.group in ("singular", "plural"):
            continue  # a lone noun swapped for another rarely makes a clearly false statement
        for replacement in same_kind(reading, target, plain, rng, k=6, strict=True):
            head = fold(replacement).split()[-1]
            if target.kind == "term" and head in heads - {fold(target.text).split()[-1]}:
                continue
            text = _replace(plain, target, replacement)
            body = text[unit.start : unit.end + len(text) - len(plain)]
            made = text if unit.start == 0 and unit.end == len(plain) - 1 else (
                capitalise(body.strip(" ,")) + ".")  # fmt: skip
            if fold(made) in reading.true_texts or fold(text) in reading.true_texts:
                continue
            return made, target, replacement
    return None


def _replace(plain: str, target: Target, replacement: str) -> str:
    before = plain[: target.start]
    article = re.search(r"\b([Aa]n?) $", before)
    if article:
        wanted = "an" if replacement[:1].casefold() in "aeiou" else "a"
        if article.group(1)[0] == "A":
            wanted = capitalise(wanted)
        before = before[: article.start(1)] + wanted + " "
    if target.start == 0:
        replacement = capitalise(replacement)
    return before + replacement + plain[target.end :]


def facts_of(reading: Reading, sentences: Sequence[int]) -> list[Unit]:
    return [unit for index in sentences for unit in reading.sentences[index].units]


def options(correct: str, wrong: Iterable[str], rng: random.Random) -> list[dict[str, Any]]:
    options = [{"text": correct, "correct": True}] + [{"text": w, "correct": False} for w in wrong]
    rng.shuffle(options)
    return options


def answers(target: Target) -> list[str]:
    text = target.text
    answers = [text]
    first = text.split()[0]
    if target.kind == "term" and first[:1].isalpha() and (len(first) == 1 or first[1:].islower()):
        answers.append(text[0].swapcase() + text[1:])
    number = re.match(r"(\d[\d,.]*)\s+\S", text)
    if number:
        answers.append(number.group(1))
    return answers
