"""The counts each type accepts are stated once in code; docs/question-types.md must say the same
(a claim in the docs is a test), and the prompt must carry them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizgen.generation.prompts import type_instructions
from quizgen.questions import REGISTRY

DOC = Path(__file__).resolve().parents[1] / "docs" / "question-types.md"
NOUNS = {"options": "options", "pairs": "pairs", "categories": "categories", "items": "items",
         "distractors": "distractors", "rubric": "rubric points"}  # fmt: skip


def section(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## `{name}`")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def table_row(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    [row] = re.findall(rf"^\| `{name}` \|.*$", text, re.MULTILINE)
    return row


@pytest.mark.parametrize("name", [n for n, t in REGISTRY.items() if t.counts])
def test_docs_state_the_counts_the_checks_accept(name: str) -> None:
    qtype = REGISTRY[name]
    accepted, preferred = table_row(name).split("|")[2:4]
    for field, count in qtype.counts.items():
        stated = count.describe(NOUNS[field])
        assert stated in accepted, (name, stated, accepted)
        low, high = count.preferred
        wanted = f"{low} {NOUNS[field]}" if low == high else f"{low}\u2013{high} {NOUNS[field]}"
        assert wanted in preferred, (name, wanted, preferred)
    # The type's own section states the main count (every list but the distractors) too.
    for field, count in qtype.counts.items():
        if field != "distractors":
            assert count.describe(NOUNS[field]) in section(name)


def test_docs_table_names_every_type_with_counts() -> None:
    for name, qtype in REGISTRY.items():
        if qtype.counts:
            assert table_row(name)


@pytest.mark.parametrize("language", ["en", "no"])
@pytest.mark.parametrize("name", [n for n, t in REGISTRY.items() if t.counts])
def test_prompt_states_the_accepted_range_and_the_preferred_count(language: str, name: str) -> None:
    text = type_instructions(language, name)
    for count in REGISTRY[name].counts.values():
        assert str(count.high) in text
        low, high = count.preferred
        assert (str(low) if low == high else f"{low}\u2013{high}") in text
