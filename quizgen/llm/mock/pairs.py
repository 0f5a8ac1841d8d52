"""Questions about several facts at once: matching, categorization and ordering.

Matching pairs come from tables, "X: Y" list items, and parallel sentences — a sentence opening
with its subject gives the subject and what the sentence says of it ("Hannibal" → "crossed the
Alps with war elephants in 218 BC"). Categorization sorts details under the section that
explains them, or under the name or term the text mentions them with ("218 BC" and "Alps" under
"Hannibal", "public treasury" under "Senate"). Ordering asks for a sequence the text states
(`sequences`), never for one the mock infers.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Iterator, Sequence

from quizgen.llm.mock.builders import Candidate, question
from quizgen.llm.mock.facts import priority
from quizgen.llm.mock.reading import Pair, Reading, Target
from quizgen.llm.mock.sequences import question_text
from quizgen.llm.mock.words import CACHE_WORDS, capitalise, fold, stem

MAX_SETS = 60
_SECTION_ASKS = (
    "Place each detail under the section of the notes that gives it: {listing}.",
    "Which part of the notes gives each of these details: {listing}?",
)
_ANCHOR_ASKS = (
    "Sort each detail under the one the notes mention it with: {listing}.",
    "The notes mention each of these details with one of {listing}. Sort them.",
    "Which of {listing} do the notes connect with each detail?",
)


@functools.lru_cache(maxsize=CACHE_WORDS)
def _words(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) > 2)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def matching(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """Sets of three to five pairs, each set with its own answers; subjects of the given
    sentences first, then tables and lists."""
    wanted = set(sentences)
    sources: list[tuple[str, list[Pair]]] = []
    subjects = [p for p in reading.subjects if p.sentence in wanted]
    if subjects:
        sources.append(("", subjects))
    sources += [(title, list(rows)) for title, rows in reading.tables]
    seen: list[frozenset[str]] = []
    for _title, pairs in sources:
        usable = _independent(pairs)
        if len(usable) < 3:
            continue
        made = 0
        for size, attempt in itertools.product((4, 3, 5), range(MAX_SETS)):
            if made >= MAX_SETS or size > len(usable):
                break
            chosen = rng.sample(usable, size)
            if not _clean(chosen):
                continue
            answers = frozenset(fold(p.answer) for p in chosen)
            if any(len(answers & other) >= size - 1 for other in seen):
                continue
            seen.append(answers)
            made += 1
            extra = [p.answer for p in usable if p not in chosen and not _overlaps(p, chosen)]
            rng.shuffle(extra)
            first = chosen[0]
            yield Candidate(
                question(
                    f"Match each with what the notes say about it: "
                    f"{_listing([p.prompt for p in chosen])}.",
                    f"The notes pair them so; for example: {' '.join(first.quote.split())}",
                    first.quote,
                    pairs=[{"prompt": p.prompt, "answer": capitalise(p.answer)} for p in chosen],
                    distractors=[capitalise(a) for a in extra[: attempt % 2]],
                ),
                tuple(p.sentence for p in chosen if p.sentence >= 0),
            )


def _independent(pairs: list[Pair]) -> list[Pair]:
    """Pairs with distinct prompts and answers (one per subject)."""
    result: list[Pair] = []
    for pair in pairs:
        if any(fold(pair.prompt) == fold(p.prompt) or fold(pair.answer) == fold(p.answer)
               for p in result):  # fmt: skip
            continue
        result.append(pair)
    return result


def _overlaps(pair: Pair, chosen: Sequence[Pair]) -> bool:
    return any(_words(pair.prompt) & _words(p.prompt) for p in chosen)


def _clean(chosen: Sequence[Pair]) -> bool:
    """No answer names another pair's prompt, and no two prompts share a word: either would
    tell the student which answer goes where."""
    for a, b in itertools.permutations(chosen, 2):
        if _words(a.prompt) & _words(b.prompt) or _words(b.prompt) & _words(a.answer):
            return False
    return True


def categorization(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """Two or three categories of two to four details each."""
    yield from _by_section(reading, rng, depth)
    yield from _by_anchor(reading, sentences, rng, depth)


def _by_section(reading: Reading, rng: random.Random, depth: int) -> Iterator[Candidate]:
    details: dict[int, list[tuple[Target, int]]] = {}
    for sentence in reading.sentences:
        if reading.sections[sentence.section]:
            for target in sentence.targets:
                details.setdefault(sentence.section, []).append((target, sentence.index))
    sections = [s for s, found in details.items() if len(found) >= 2]
    for combo in itertools.combinations(sections, 2):
        names = [reading.sections[s] for s in combo]
        yield from _categories(reading, names, [details[s] for s in combo], rng, "section", depth)


def _by_anchor(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """Categories named by terms of one family ("divergent boundary", "transform boundary"),
    then by names or terms several sentences share; a detail goes under the one category it
    is mentioned with, and a detail mentioned with two is left out."""
    mentions: dict[str, set[int]] = {}
    shown: dict[str, str] = {}
    families: dict[str, set[str]] = {}
    for index in sentences:
        for target in reading.sentences[index].targets:
            if target.kind != "number":
                mentions.setdefault(fold(target.text), set()).add(index)
                shown.setdefault(fold(target.text), target.text)
            if target.kind == "term" and target.group not in ("singular", "plural", "stressed"):
                families.setdefault(target.group, set()).add(fold(target.text))
    combos: list[tuple[str, ...]] = []
    for members in families.values():
        ordered = sorted(members)
        combos += [c for size in (3, 2) for c in itertools.combinations(ordered[:5], size)]
    anchors = sorted((a for a, found in mentions.items() if len(found) >= 2),
                     key=lambda a: (-len(mentions[a]), a))  # fmt: skip
    shared = [c for size in (2, 3) for c in itertools.combinations(anchors[:12], size)]
    shared = [
        c for c in shared if not any(_words(a) & _words(b) for a, b in itertools.combinations(c, 2))
    ]
    rng.shuffle(shared)
    for combo in [*combos, *shared][: 2 * MAX_SETS]:
        with_anchor: dict[str, set[str]] = {}
        where: dict[str, tuple[Target, int]] = {}
        for anchor in combo:
            for index in mentions[anchor]:
                for target in reading.sentences[index].targets:
                    key = fold(target.text)
                    if key in combo or any(_words(target.text) & _words(a) for a in combo):
                        continue
                    with_anchor.setdefault(key, set()).add(anchor)
                    where.setdefault(key, (target, index))
        groups = [
            [where[k] for k, found in sorted(with_anchor.items()) if found == {anchor}]
            for anchor in combo
        ]
        yield from _categories(reading, [shown[a] for a in combo], groups, rng, "anchor", depth)


def _categories(
    reading: Reading,
    names: list[str],
    groups: list[list[tuple[Target, int]]],
    rng: random.Random,
    how: str,
    depth: int,
) -> Iterator[Candidate]:
    taken: set[str] = set()
    categories = []
    example: tuple[Target, int] | None = None
    for name, found in zip(names, groups, strict=True):
        rng.shuffle(found)
        found = [pair for pair in found if priority(pair[0]) < 3]  # no bare counts ("two")
        items: list[str] = []
        for target, index in found:
            key = fold(target.text)
            if key in taken or any(_words(target.text) & _words(n) for n in names):
                continue
            if len(items) < 4:
                items.append(target.text)
                taken.add(key)
                example = example or (target, index)
        if not items:
            return
        categories.append({"name": name, "items": items})
    if example is None or sum(len(c["items"]) for c in categories) < 4:
        return
    sentence = reading.sentences[example[1]]
    listing = ", ".join(f"“{n}”" for n in names[:-1]) + f" or “{names[-1]}”"
    asks = _SECTION_ASKS if how == "section" else _ANCHOR_ASKS
    ask = asks[depth % len(asks)].format(listing=listing)
    yield Candidate(
        question(
            ask,
            f"Each detail appears with its category in the notes; for example: {sentence.plain}",
            sentence.quote,
            categories=categories,
            distractors=[],
        ),
        tuple(sorted({index for found in groups for _t, index in found})),
    )


def ordering(
    reading: Reading, sentences: Sequence[int], rng: random.Random, depth: int
) -> Iterator[Candidate]:
    """One question per sequence the text states: whole runs first, then shorter windows."""
    for variant, found in enumerate(reading.sequences):
        steps = "; ".join(f"{n}. {item}" for n, item in enumerate(found.items, start=1))
        explanation = f"The notes give them in this order: {steps}."
        yield Candidate(
            question(
                question_text(found, variant),
                explanation,
                found.quote,
                items=list(found.items),
            ),
            (),
        )
