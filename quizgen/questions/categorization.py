"""Categorization: items sorted into named categories, plus distractors that fit none.

Every item belongs to exactly one category, so an item listed under two categories (after
normalisation) is an error rather than something to clean up silently. The total number of
items across categories is checked here because a field constraint cannot see across lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from quizgen.questions import checks
from quizgen.questions.base import Count, Problem, QuestionBase, QuestionType

CATEGORIES = Count(2, 8, preferred=(2, 4))
ITEMS = Count(3, 20, preferred=(6, 10))
"""Items across all categories; each category holds at least one."""
DISTRACTORS = Count(0, 5, preferred=(0, 2))


class Category(BaseModel):
    """A named category and the items that belong in it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=ITEMS.high
    )


class Categorization(QuestionBase):
    """`question_text` is the instruction; `distractors` are items that belong to no category."""

    categories: list[Category] = Field(json_schema_extra=CATEGORIES.schema())
    distractors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, json_schema_extra=DISTRACTORS.schema()
    )


def all_items(question: Categorization) -> list[str]:
    return [item for category in question.categories for item in category.items]


# -- checks ----------------------------------------------------------------------------------


def category_names_are_distinct(question: Categorization) -> Iterator[Problem]:
    names = [category.name for category in question.categories]
    yield from checks.duplicate_problems(names, "category", "duplicate_categories")


def items_are_in_one_category(question: Categorization) -> Iterator[Problem]:
    homes: dict[str, tuple[str, list[str]]] = {}  # normalised item -> (as first written, names)
    for category in question.categories:
        for item in category.items:
            _, names = homes.setdefault(checks.normalise(item), (item, []))
            if category.name not in names:
                names.append(category.name)
    for item, names in homes.values():
        if len(names) > 1:
            yield Problem(
                "item_in_two_categories",
                f"item {checks.quoted(item)} is listed in {len(names)} categories "
                f"({', '.join(map(repr, names))}); each item belongs to exactly one",
            )


def items_are_distinct_within_category(question: Categorization) -> Iterator[Problem]:
    for category in question.categories:
        for group in checks.duplicate_groups(category.items):
            yield Problem(
                "duplicate_options",
                f"category {checks.quoted(category.name)} lists the same item "
                f"{len(group)} times ({checks.quoted(category.items[group[0] - 1])})",
            )


def counts_in_range(question: Categorization) -> Iterator[Problem]:
    yield from CATEGORIES.problems(len(question.categories), "categories", "categorization")
    yield from DISTRACTORS.problems(len(question.distractors), "distractors", "categorization")


def item_count_in_range(question: Categorization) -> Iterator[Problem]:
    count = len(all_items(question))
    code = "too_few_items" if count < ITEMS.low else "too_many_items"
    yield from ITEMS.problems(count, "items across all categories", "categorization", code)


def distractors_are_distinct(question: Categorization) -> Iterator[Problem]:
    yield from checks.duplicate_problems(question.distractors, "distractor", "duplicate_options")


def distractors_are_not_items_or_categories(question: Categorization) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for category in question.categories:
        owner.setdefault(checks.normalise(category.name), f"the name of category {category.name!r}")
        for item in category.items:
            owner.setdefault(checks.normalise(item), f"an item of category {category.name!r}")
    for number, distractor in enumerate(question.distractors, start=1):
        clash = owner.get(checks.normalise(distractor))
        if clash:
            yield Problem(
                "distractor_is_answer",
                f"distractor {number} ({checks.quoted(distractor)}) is also {clash}",
            )


def entries_are_not_placeholders(question: Categorization) -> Iterator[Problem]:
    names = [category.name for category in question.categories]
    yield from checks.placeholder_problems(names, "category")
    yield from checks.placeholder_problems(all_items(question), "item")
    yield from checks.placeholder_problems(question.distractors, "distractor")


def no_all_or_none_of_the_above(question: Categorization) -> Iterator[Problem]:
    yield from checks.meta_option_problems(all_items(question), "item")
    yield from checks.meta_option_problems(question.distractors, "distractor")


# -- render and accessors ----------------------------------------------------------------------


def render(question: Categorization) -> str:
    lines = [question.question_text]
    lines += [f"  {c.name}: {', '.join(c.items)}" for c in question.categories]
    if question.distractors:
        lines.append(f"  distractors: {', '.join(question.distractors)}")
    return "\n".join(lines)


def correct_answers(question: Categorization) -> list[str]:
    return all_items(question)


def distractors(question: Categorization) -> list[str]:
    return list(question.distractors)


EXAMPLE = {
    "question_text": "Sort each process into the organelle where it takes place.",
    "categories": [
        {"name": "Mitochondrion", "items": ["Krebs cycle", "Electron transport chain"]},
        {"name": "Chloroplast", "items": ["Light-dependent reactions", "Calvin cycle"]},
        {"name": "Ribosome", "items": ["Translation of mRNA"]},
    ],
    "distractors": ["Glycolysis"],
    "explanation": "Glycolysis happens in the cytoplasm, outside all three organelles.",
    "source_quote": "Glycolysis takes place in the cytoplasm, whereas the Krebs cycle and the "
    "electron transport chain take place in the mitochondria.",
}

TYPE: QuestionType[Categorization] = QuestionType(
    name="categorization",
    label="Categorization",
    model=Categorization,
    checks=(
        *checks.STEM_CHECKS,
        counts_in_range,
        category_names_are_distinct,
        items_are_in_one_category,
        items_are_distinct_within_category,
        item_count_in_range,
        distractors_are_distinct,
        distractors_are_not_items_or_categories,
        entries_are_not_placeholders,
        no_all_or_none_of_the_above,
    ),
    render=render,
    correct_answers=correct_answers,
    distractors=distractors,
    example=EXAMPLE,
    points=lambda question: len(question.categories),
    counts={"categories": CATEGORIES, "items": ITEMS, "distractors": DISTRACTORS},
)
