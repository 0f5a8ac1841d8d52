"""How many distinct questions the mock can write from a module, said before any call.

`validate` and `create` print one warning per module whose spec asks for more than the text
supports on the offline mock, in the instructor's terms ("module 'cells' has 14 usable
sentences; the offline mock can write about 20 distinct questions from it, the spec asks for
25"), so a short batch is expected, not a surprise at the end of the run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from quizgen.llm.mock import memo
from quizgen.llm.mock.planning import Batches, records
from quizgen.llm.mock.reading import usable_sentences


def batch_capacity(
    content: str, batches: Batches, batch_key: str, topic: str, *, keep: bool = False
) -> int:
    """Distinct questions the batch can get, counting up to what it asks for (no further: a
    module's capacity is the sum of min(asked, can), and each candidate costs a question).
    `keep`: leave the questions counted in `memo` for the batch's first ask (`create`)."""
    kind, count = next((t, c) for k, t, c in batches if k == batch_key)
    found = list(itertools.islice(records(content, kind, batch_key, batches, topic), count))
    if keep:
        memo.keep((content, kind, batch_key, batches, topic), found, len(found) < count)
    return len(found)


NEEDS_STATED_ORDER = frozenset({"ordering"})
"""Types whose questions need an order the text states, not just sentences: always counted."""
SURELY_ENOUGH = 0.5
"""Asking for at most this many questions per usable sentence (over all of a module's batches)
always fills; only a module asking more is counted question by question, which costs about
what generating it costs."""


def module_capacity(content: str, batches: Batches, topic: str) -> tuple[int, int, int]:
    """(usable sentences, questions the mock can write, questions asked) for one module."""
    sentences = usable_sentences(content)
    asked = sum(count for _k, _t, count in batches)
    stated = any(kind in NEEDS_STATED_ORDER for _k, kind, _c in batches)
    if asked <= SURELY_ENOUGH * sentences and not stated:
        return sentences, asked, asked
    can = sum(
        min(count, batch_capacity(content, batches, key, topic, keep=True))
        for key, _kind, count in batches
    )
    return sentences, can, asked


def capacity_warnings(modules: dict[str, tuple[str, str, Batches]]) -> list[str]:
    """One message per module the mock cannot fill: `modules` maps a module id to its
    (name, content, batches)."""
    messages = []
    for module_id, (name, content, batches) in modules.items():
        sentences, can, asked = module_capacity(content, batches, name)
        if can < asked:
            messages.append(
                f"module {module_id!r} has {sentences} usable sentences; the offline mock can "
                f"write about {can} distinct questions from it, the spec asks for {asked}"
            )
    return messages


class PlannedBatch(Protocol):
    key: str
    module_id: str
    question_type: str
    target_count: int


def spec_warnings(
    batches: Iterable[PlannedBatch], modules: Mapping[str, Any], texts: Mapping[str, Any]
) -> list[str]:
    """`capacity_warnings` for a spec's planned batches, its modules (`spec.modules`: each has a
    `name`) and the modules' texts (`ModuleText`s; modules without one are left out)."""
    found: dict[str, tuple[str, str, Batches]] = {}
    for batch in batches:
        if batch.module_id not in texts:
            continue
        name, text, planned = found.get(
            batch.module_id,
            (modules[batch.module_id].name, texts[batch.module_id].content.text, ()),
        )
        entry = (batch.key, batch.question_type, batch.target_count)
        found[batch.module_id] = (name, text, (*planned, entry))
    return capacity_warnings(found)
