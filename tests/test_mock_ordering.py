"""The offline mock's ordering questions: only orders a text states, quoted exactly, and screened
like any model's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.checks.screen import Screen
from quizgen.content import Section, assemble
from quizgen.llm.mock import capacity_warnings, generate_questions
from quizgen.llm.mock.sequences import find
from quizgen.questions import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
PROSE = ROOT / "tests" / "fixtures" / "prose"
GENETICS = ROOT / "examples" / "biology" / "content" / "genetics.md"

BREAD = """\
# Bread

## Making the dough

1. Mix the flour, water, yeast and salt in a bowl.
2. **Knead** the dough for ten minutes until it is smooth.
3. Let the dough rise for an hour in a warm place.
4. Shape the loaf and put it in a tin.
5. Bake: forty minutes at 220 degrees.

First, the baker weighs the flour. Then the water is warmed to body temperature. Next the
yeast is dissolved in the water. Finally, everything is mixed into a dough.

A good loaf needs:

- strong flour,
- a warm kitchen,
- and patience.

First check the oven, then preheat it, and finally put the bread in.
"""


def kinds(text: str) -> dict[str, list[tuple[str, ...]]]:
    found: dict[str, list[tuple[str, ...]]] = {}
    for sequence in find(text):
        if sequence.whole:
            found.setdefault(sequence.kind, []).append(sequence.items)
    return found


def test_numbered_lists_steps_and_chains_are_read_in_their_stated_order() -> None:
    found = kinds(BREAD)
    assert found["list"] == [
        (
            "Mix the flour, water, yeast and salt in a bowl",
            "Knead",
            "Let the dough rise for an hour in a warm place",
            "Shape the loaf and put it in a tin",
            "Bake",
        )
    ]
    assert found["steps"] == [
        (
            "The baker weighs the flour",
            "The water is warmed to body temperature",
            "The yeast is dissolved in the water",
            "Everything is mixed into a dough",
        )
    ]
    assert found["chain"] == [("Check the oven", "Preheat it", "Put the bread in")]
    # A bulleted list states no order.
    assert not any("Patience" in items or "And patience" in items for items in found["list"])


def test_a_chain_from_one_thing_to_the_next_is_an_order() -> None:
    assert kinds(GENETICS.read_text(encoding="utf-8")) == {"chain": [("DNA", "RNA", "Protein")]}


def test_dated_events_are_taken_while_the_years_run_in_order() -> None:
    text = (
        "The city was founded in 753 BC by its first king. In 509 BC the people expelled "
        "the last king. The republic ended in 27 BC with the first emperor. A new "
        "wall was built in 275 AD around the city. The old harbour silted up in 120 AD "
        "after a flood."
    )
    (dates,) = kinds(text)["dates"]
    assert dates == (
        "The city was founded",
        "The people expelled the last king",
        "The republic ended",
        "A new wall was built",
    )  # 120 AD comes after 275 AD in the text: the run stops there


def test_notes_that_state_no_order_give_no_ordering_question() -> None:
    for name in ("networks.txt", "plate_tectonics.txt", "water_cycle.md"):
        content = (PROSE / name).read_text(encoding="utf-8")
        assert generate_questions(content, "ordering", 3, f"{name}_ordering_3") == []
    content = (PROSE / "networks.txt").read_text(encoding="utf-8")
    batches = (("net_ordering_2", "ordering", 2),)
    (warning,) = capacity_warnings({"net": ("Networks", content, batches)})
    assert "about 0 distinct questions" in warning and "asks for 2" in warning


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bread", BREAD),
        ("rome", (PROSE / "roman_republic.txt").read_text(encoding="utf-8")),
        ("genetics", GENETICS.read_text(encoding="utf-8")),
    ],
)
def test_every_ordering_question_passes_the_screen_with_an_exact_quote(
    name: str, content: str
) -> None:
    questions = generate_questions(content, "ordering", 20, f"{name}_ordering_20")
    assert questions
    module = assemble([Section(f"{name}.md", content)])
    screen = Screen()
    for question in questions:
        assert question["source_quote"] in content
        verdict = screen.screen(REGISTRY["ordering"], question, module)
        assert verdict.reasons == () and verdict.flags == (), (question, verdict.reasons)
        screen.admit(verdict.question, f"{name}_ordering_20")


def test_the_roman_republics_dates_give_three_questions_in_the_order_things_happened() -> None:
    content = (PROSE / "roman_republic.txt").read_text(encoding="utf-8")
    questions = generate_questions(content, "ordering", 3, "rome_ordering_3")
    assert len(questions) == 3
    first = questions[0]
    assert first["question_text"].endswith("in the order they happened, earliest first.")
    assert (
        first["items"][0]
        == "The plebeians refused to work or fight until they gained their own officials"
    )


def test_a_text_is_searched_for_orders_only_when_an_ordering_question_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Most batches never ask for an order: reading a text for them does not look for one."""
    from quizgen.llm.mock import reading

    searched: list[str] = []
    monkeypatch.setattr(reading, "find", lambda content: searched.append(content) or find(content))
    text = BREAD + "\nOne more sentence makes this text new to the reading cache.\n"
    generate_questions(text, "fill_in_blank", 3, "blanks")
    assert searched == []
    questions = generate_questions(text, "ordering", 1, "order")
    assert searched == [text]
    assert questions
