"""Which question types a module's text supports, and how many of each (pure).

The proposal follows what the text holds, counted by the mock's reading of it
(`quizgen.llm.mock.profile`): definitions and facts → multiple choice and fill in the blank,
lists, tables and parallel sections → matching and categorization, sequences → ordering,
measured numbers → numeric. The last two are proposed only when quizgen has the type.

Counts are scaled to the module's distinct facts: the whole module asks for at most one
question per two facts, shared out by weight, no batch asks for more than the structures
behind its type can give, and the mock's own capacity count (`capacity.batch_capacity`) must
find every question of every batch. Every choice carries its reason, which the spec shows as a
comment.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from quizgen.llm.mock.capacity import batch_capacity
from quizgen.llm.mock.profile import TextProfile, mock_writes, text_profile

WEIGHTS = {
    "multiple_choice": 3,
    "fill_in_blank": 2,
    "matching": 1,
    "categorization": 1,
    "ordering": 1,
    "numeric": 1,
}
"""Shares of the module's budget: single facts carry most of a quiz; structures add variety."""
PRIORITY = ("multiple_choice", "ordering", "matching", "categorization", "numeric", "fill_in_blank")
"""Which types a module gets when more qualify than it may have batches: multiple choice is the
backbone; a type that needs a structure the text has (an order, pairs, sections, measures)
comes before fill in the blank, which asks about the same facts as multiple choice."""
QUESTIONS_PER_FACT = 0.5
"""A module's budget: one question per two distinct facts. Every question then has facts of
its own, so no two questions give each other away, and a rejected question can be replaced
from the facts left (measured: every shipped text and the prose corpus fill completely)."""
PAIRS_PER_MATCHING = 4
DETAILS_PER_CATEGORIZATION = 4


@dataclass(frozen=True)
class Batch:
    """One proposed batch and why."""

    question_type: str
    count: int
    reason: str


@dataclass(frozen=True)
class Proposal:
    """The proposal for one module's text."""

    profile: TextProfile
    batches: tuple[Batch, ...]
    left_out: tuple[str, ...]
    """Types the text supports that did not fit (with why), for the spec's comment."""

    @property
    def summary(self) -> str:
        p = self.profile
        return (
            f"{p.facts} distinct facts in {p.sentences} usable sentences: {p.definitions} "
            f"define a term, {p.numbers} hold a measured number; {p.pairs} pairs to match, "
            f"{p.sections} named sections, {p.sequences} sequences"
        )


def _supports(p: TextProfile, types: Collection[str]) -> dict[str, tuple[int, str]]:
    """Each type the text can carry: (questions it supports at most, why)."""
    found: dict[str, tuple[int, str]] = {}
    if p.askable >= 2:
        found["multiple_choice"] = (
            p.askable,
            f"{p.askable} facts have a number, name or term to ask about",
        )
    if p.definitions >= 3 and p.askable >= 4:
        found["fill_in_blank"] = (
            p.definitions,
            f"{p.definitions} facts define or stress a term, which makes a clean blank",
        )
    if p.pairs >= PAIRS_PER_MATCHING:
        found["matching"] = (
            p.pairs // PAIRS_PER_MATCHING,
            f"{p.pairs} table rows, list items or subjects pair with what is said of them "
            f"(about {PAIRS_PER_MATCHING} pairs a question)",
        )
    if p.sections >= 2:
        combos = math.comb(p.sections, 2)
        found["categorization"] = (
            min(combos, p.facts // DETAILS_PER_CATEGORIZATION),
            f"{p.sections} named sections hold parallel facts to sort details under",
        )
    if p.sequences >= 1:
        found["ordering"] = (
            p.sequences,
            f"{p.sequences} sequence(s) of {p.steps} steps in all (numbered lists or step "
            "sentences) give an order to restore",
        )
    if p.numbers >= 3:
        found["numeric"] = (
            p.numbers,
            f"{p.numbers} facts hold a measured number (a unit, a year, a percentage)",
        )
    return {name: found[name] for name in PRIORITY if name in found and name in types}


def propose(
    content: str,
    *,
    types: Collection[str],
    max_batches: int = 4,
    max_count: int = 20,
    topic: str = "this topic",
) -> Proposal:
    """The batches for one module's `content` (see the module docstring); `types` are the
    question types quizgen has, `max_batches` and `max_count` the spec's limits."""
    profile = text_profile(content)
    supports = _supports(profile, types)
    chosen = list(supports)[:max_batches]
    left_out = tuple(
        f"{name}: {supports[name][1]}; at most {max_batches} batches a module"
        for name in list(supports)[max_batches:]
    )
    budget = math.floor(QUESTIONS_PER_FACT * profile.facts)
    caps = {name: min(supports[name][0], max_count) for name in chosen}
    counts = _share(budget, caps)
    counts = _within_capacity(content, counts, topic)
    batches = tuple(
        Batch(name, counts[name], _reason(name, counts[name], supports[name][1]))
        for name in chosen
        if counts.get(name, 0) > 0
    )
    return Proposal(profile, batches, left_out)


def _share(budget: int, caps: dict[str, int]) -> dict[str, int]:
    """`budget` questions over the types: one each first (in priority order, while the budget
    lasts: a type is chosen because the text supports it), the rest by weight, no type over
    its cap; what a capped type cannot take goes to the others."""
    counts = {name: 0 for name in caps}
    left = budget
    for name in caps:
        if left > 0 and caps[name] > 0:
            counts[name] = 1
            left -= 1
    open_names = [name for name in caps if counts[name] < caps[name]]
    while left > 0 and open_names:
        total = sum(WEIGHTS[name] for name in open_names)
        exact = {name: left * WEIGHTS[name] / total for name in open_names}
        given = {name: min(caps[name] - counts[name], int(exact[name])) for name in open_names}
        if not any(given.values()):
            for name in sorted(open_names, key=lambda n: -exact[n])[:left]:
                counts[name] += 1
            break
        for name, extra in given.items():
            counts[name] += extra
            left -= extra
        open_names = [name for name in open_names if counts[name] < caps[name]]
    return counts


def _within_capacity(content: str, counts: dict[str, int], topic: str) -> dict[str, int]:
    """The counts the mock can write: each batch is lowered to the distinct questions of its
    type the mock finds for it (`capacity.batch_capacity`, counted question by question, not
    the module-wide shortcut, which takes half a question per sentence as always filling even
    when a type's structure is missing), again while the module's sentences are dealt anew."""
    counts = dict(counts)
    while True:
        mockable = {n: c for n, c in counts.items() if c > 0 and mock_writes(n)}
        batches = tuple((f"suggest:{n}", n, c) for n, c in sorted(mockable.items()))
        lowered = {
            name: min(count, batch_capacity(content, batches, key, topic))
            for key, name, count in batches
        }
        if lowered == mockable:
            return counts
        counts.update(lowered)


def _reason(name: str, count: int, why: str) -> str:
    return f"{name}: {why}; {count} asked"
