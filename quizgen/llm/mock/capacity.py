"""How many distinct questions the mock can write from a module, said before any call.

`validate` and `create` print one warning per module whose spec asks for more than the text
supports on the offline mock, in the instructor's terms ("module 'cells' has 14 usable
sentences; the offline mock can write about 20 distinct questions from it, the spec asks for
25"), so a short batch is expected, not a surprise at the end of the run.
"""

from __future__ import annotations

import itertools

from quizgen.llm.mock.planning import Batches, candidates
from quizgen.llm.mock.reading import read


def batch_capacity(content: str, batches: Batches, batch_key: str, topic: str) -> int:
    """Distinct questions the batch can get, counting up to twice what it asks for."""
    kind, count = next((t, c) for k, t, c in batches if k == batch_key)
    found = candidates(content, kind, batch_key, batches, topic)
    return sum(1 for _ in itertools.islice(found, 2 * count))


def module_capacity(content: str, batches: Batches, topic: str) -> tuple[int, int, int]:
    """(usable sentences, questions the mock can write, questions asked) for one module."""
    can = sum(
        min(count, batch_capacity(content, batches, key, topic)) for key, _kind, count in batches
    )
    return len(read(content).sentences), can, sum(count for _k, _t, count in batches)


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
