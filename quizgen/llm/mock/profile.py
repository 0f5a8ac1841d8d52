"""What a text offers each kind of question, counted from the mock's own reading of it.

`quizgen suggest` proposes a module's question types and counts from this profile, so what it
proposes is what the mock's reading finds in the text (the same sentences, facts, numbers,
tables and sections its builders draw on) and not a second reading that could disagree.
Pure: the profile depends on the text alone.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from quizgen.llm.mock.facts import askable
from quizgen.llm.mock.planning import BUILDERS
from quizgen.llm.mock.reading import read
from quizgen.llm.mock.sequences import Found
from quizgen.llm.mock.words import fold

_DEFINING = re.compile(
    r"\b(?:is|are) (?:a|an|the) |\bcalled\b|\bknown as\b|\brefers? to\b|\bdefined as\b|\bmeans\b",
    re.IGNORECASE,
)
MEASURE_GROUPS_EXCLUDED = frozenset({"count"})
"""Number words ("two plates") count things; a numeric answer needs a measured value."""


@dataclass(frozen=True)
class TextProfile:
    """Counts of what one text offers, each a number of distinct facts or structures."""

    sentences: int
    """Usable sentences: 5–60 words ending in a full stop."""
    facts: int
    """Distinct facts: a sentence, or each clause of a sentence joining two."""
    askable: int
    """Facts with a number, name or term to blank out: multiple choice and fill in the blank."""
    definitions: int
    """Facts that define a term ("X is a …", "called", "known as") or stress one in bold."""
    numbers: int
    """Facts holding a measured number (a unit, a year, a percentage): numeric questions."""
    pairs: int
    """Table rows, "X: Y" list items and subject–predicate sentences: matching."""
    sections: int
    """Named sections holding at least two facts: the categories of categorization."""
    sequences: int
    """Orders the text states (numbered lists, first/then/finally steps, from–to chains, dated
    events; the mock's `sequences`) that share no item: ordering."""
    steps: int
    """Steps over all sequences."""
    heading: str
    """The text's first heading ("" if none): a name for the module."""


def text_profile(content: str) -> TextProfile:
    """The profile of `content` (see `TextProfile`); cheap after the mock has read the text."""
    reading = read(content)
    rng = random.Random(0)  # askable() only orders targets; the count does not depend on it
    units = reading.units
    facts_by_section: dict[int, int] = {}
    for sentence in reading.sentences:
        facts_by_section[sentence.section] = facts_by_section.get(sentence.section, 0) + len(
            sentence.units
        )
    measured = {
        unit
        for unit in units
        if any(t.kind == "number" and t.group not in MEASURE_GROUPS_EXCLUDED for t in unit.targets)
    }
    defining = sum(
        1
        for unit in units
        if _DEFINING.search(reading.unit_text(unit)) or any(t.strong for t in unit.targets)
    )
    orders = _apart(reading.sequences)
    return TextProfile(
        sentences=len(reading.sentences),
        facts=len(units),
        askable=sum(1 for unit in units if askable(reading, unit, rng)),
        definitions=defining,
        numbers=len(measured),
        pairs=sum(len(rows) for _title, rows in reading.tables) + len(reading.subjects),
        sections=sum(
            1
            for section, count in facts_by_section.items()
            if reading.sections[section] and count >= 2
        ),
        sequences=len(orders),
        steps=sum(len(found.items) for found in orders),
        heading=next((name for name in reading.sections if name), ""),
    )


def _apart(found: Iterable[Found]) -> list[Found]:
    """The orders that share no item, longest first: a run too long to quote whole counts
    once, through its longest window, not once per overlapping window."""
    kept: list[Found] = []
    used: set[str] = set()
    for order in sorted(found, key=lambda f: (not f.whole, -len(f.items))):
        items = {fold(item) for item in order.items}
        if not items & used:
            kept.append(order)
            used |= items
    return kept


def mock_writes(question_type: str) -> bool:
    """Whether the mock has a builder for the type (and so can estimate its capacity)."""
    return question_type in BUILDERS
