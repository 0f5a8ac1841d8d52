"""Ordering: 3–10 items the student puts in the order the cited passage states.

The key is the order itself, so it must be grounded in the quote the way other keys are: every
item is words of the quote (a name, a phrase or a clause copied from it), and the quote gives
them in the key's order — a numbered list, steps introduced by "first … then … finally", dated
events, "from DNA to RNA to protein". Both are checked here on the question alone, so a model's
answer, an edited question and an imported one meet the same rule: an item the quote does not
hold is `key_not_grounded`, an order the quote contradicts is `key_contradicted`.

An item that names its own place ("First, …", "Step 2: …", "1.") tells the student the answer
and is an `answer_leak`. Canvas scores the whole order at once (New Quizzes `DeepEquals`), so a
question is worth 1 point.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionBase, QuestionType

ITEMS = Count(3, 10, preferred=(4, 6))
KEY_NOT_GROUNDED = "key_not_grounded"
KEY_CONTRADICTED = "key_contradicted"
"""The same codes the grounding checks of other types report (quizgen.checks.grounding)."""

_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010\u2011][ \t]*\r?\n\s*(?=[^\W\d_])")
_MARKUP = re.compile(r"[*`~\u00ad]+")
_ARTICLE = re.compile(r"^(?:the|a|an|den|det|de|dei|ei|en|et)\s+", re.IGNORECASE)
_STATES_ITS_PLACE = re.compile(
    r"""^(?:\d+\s*[.):]|\(?[a-j]\)\s|(?:step|steg)\s+\d+
      |(?:firstly|secondly|thirdly|finally|lastly|deretter|til\s+slutt|til\s+sist)\b
      |(?:first|second|third|next|last|først)\s*[,:]|then\s)""",
    re.IGNORECASE | re.VERBOSE,
)
"""A number, a step or an ordinal word opening an item ("First, …", "Step 2", "Then …"); not
"Second messenger" or "Next-generation sequencing"."""


class Ordering(QuestionBase):
    """`question_text` is the instruction; `items` are in the correct order, first to last
    (students see them shuffled)."""

    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        json_schema_extra=ITEMS.schema()
    )


# -- checks ----------------------------------------------------------------------------------


def counts_in_range(question: Ordering) -> Iterator[Problem]:
    yield from ITEMS.problems(len(question.items), "items", "ordering")


def items_are_distinct(question: Ordering) -> Iterator[Problem]:
    yield from checks.duplicate_problems(question.items, "item", "duplicate_options")


def items_are_not_placeholders(question: Ordering) -> Iterator[Problem]:
    yield from checks.placeholder_problems(question.items, "item")


def items_do_not_state_their_place(question: Ordering) -> Iterator[Problem]:
    for number, item in enumerate(question.items, start=1):
        if _STATES_ITS_PLACE.match(item.strip()):
            yield Problem(
                "answer_leak",
                f"item {number} ({checks.quoted(item)}) says where it goes in the order; "
                "drop the number or the word that places it",
            )


def order_is_the_quotes(question: Ordering) -> Iterator[Problem]:
    """Every item is in the quote, and the quote gives them in the key's order.

    Items are looked for as whole words after normalising both sides (case, spacing,
    punctuation, Markdown emphasis, a word broken across a line); a leading article may differ.
    The order is read greedily: each item at its first place in the quote after the previous
    item's, which finds an order whenever the quote holds one. A repeated item is left to
    `items_are_distinct`."""
    quote = folded(question.source_quote)
    places: list[tuple[int, list[int]]] = []
    seen: set[str] = set()
    for number, item in enumerate(question.items, start=1):
        key = checks.normalise(item)
        if key in seen:
            continue
        seen.add(key)
        found = occurrences(item, quote)
        if not found:
            yield Problem(
                KEY_NOT_GROUNDED,
                f"item {number} ({checks.quoted(item)}) is not in the quote; copy each item "
                "from the quote so that the quote shows the order",
            )
            continue
        places.append((number, found))
    previous: tuple[int, int] | None = None  # (item number, where it was read)
    for number, found in places:
        after = [at for at in found if previous is None or at > previous[1]]
        if previous is not None and not after:
            yield Problem(
                KEY_CONTRADICTED,
                f"the quote gives item {number} ({checks.quoted(question.items[number - 1])}) "
                f"before item {previous[0]} "
                f"({checks.quoted(question.items[previous[0] - 1])}); list the items in the "
                "order the quote states",
            )
            return
        previous = (number, after[0])


def folded(text: str) -> str:
    """`text` as items are looked for in it: normalised, markup and line-break hyphens gone,
    with a space at each end so that every whole word is ` word `."""
    joined = _LINE_BREAK_HYPHEN.sub("", text)
    return f" {checks.normalise(_MARKUP.sub(' ', joined))} "


def occurrences(item: str, quote: str) -> list[int]:
    """Where `item` starts in a `folded` quote, as whole words (also without a leading article)."""
    found: set[int] = set()
    plain = _MARKUP.sub(" ", item).strip()
    for form in {checks.normalise(plain), checks.normalise(_ARTICLE.sub("", plain))}:
        if not form:
            continue
        needle = f" {form} "
        at = quote.find(needle)
        while at >= 0:
            found.add(at)
            at = quote.find(needle, at + 1)
    return sorted(found)


# -- render and accessors ----------------------------------------------------------------------


def render(question: Ordering) -> str:
    lines = [question.question_text]
    lines += [f"  {number}. {item}" for number, item in enumerate(question.items, start=1)]
    return "\n".join(lines)


def correct_answers(question: Ordering) -> list[str]:
    return list(question.items)


def distractors(question: Ordering) -> list[str]:
    return []


EXAMPLE = {
    "question_text": "Put the stages of mitosis in the order the notes give them, first to last.",
    "items": ["Prophase", "Metaphase", "Anaphase", "Telophase"],
    "explanation": "The notes describe the four stages in this order.",
    "source_quote": "Mitosis has four stages: in prophase the chromosomes condense, in metaphase "
    "they line up at the equator, in anaphase the sister chromatids separate, and in telophase "
    "two new nuclei form.",
}

TYPE: QuestionType[Ordering] = QuestionType(
    name="ordering",
    label="Ordering",
    model=Ordering,
    checks=(
        *checks.STEM_CHECKS,
        counts_in_range,
        items_are_distinct,
        items_are_not_placeholders,
        items_do_not_state_their_place,
        order_is_the_quotes,
    ),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    counts={"items": ITEMS},
)
