"""One sha256 over everything the offline mock writes, so a change meant to make it faster can
show it changed no question: `python bench/mock_fingerprint.py` (prints the hash and the figures
it covers; `--each` prints one hash per text as well, to find what moved).

Covered: `choose` (through `generate_questions`) over many texts — synthetic course notes, the
prose fixtures, the biology example, the long strings of the mock's tests — × every question
type × several counts and module plans, a second call avoiding the first's questions (a top-up),
the adapter's answers (`MockAdapter.complete`, with an earlier answer in the conversation), the
capacity warnings and counts, and `text_profile`. The texts are read in an order that makes the
reading cache miss and hit, as a long run does.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import module_notes  # noqa: E402
from quizgen.llm.base import GenerationTask, LLMRequest, Message  # noqa: E402
from quizgen.llm.mock import (  # noqa: E402
    MockAdapter,
    capacity_warnings,
    generate_questions,
    text_profile,
)
from quizgen.llm.mock.capacity import batch_capacity, module_capacity  # noqa: E402
from quizgen.llm.mock.planning import BUILDERS  # noqa: E402

TYPES = tuple(BUILDERS)


def texts() -> Iterator[tuple[str, str]]:
    """(name, text) of every text the fingerprint covers."""
    for index in (0, 1, 7, 42, 99, 128, 177, 200, 249):
        yield f"synthetic{index}", module_notes(index)
    yield "synthetic-small", module_notes(3, sections=2, terms_per_section=3)
    for folder, patterns in (
        (ROOT / "tests/fixtures/prose", ("*.txt", "*.md", "*.html")),
        (ROOT / "examples", ("**/*.md",)),
    ):
        for pattern in patterns:
            for path in sorted(folder.glob(pattern)):
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "tests").glob("test_mock*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        for number, value in enumerate(dict.fromkeys(v for v in found if len(v) >= 200)):
            yield f"{path.name}#{number}", value


def plans() -> list[tuple[str, tuple[tuple[str, str, int], ...]]]:
    """Module plans: the benchmark's, every type, two batches of one type, uneven counts."""
    bench = ("multiple_choice", "true_false", "fill_in_blank", "matching")
    return [
        ("bench", tuple((f"b-{t}", t, 20) for t in bench)),
        ("every", tuple((f"e-{t}", t, 3) for t in TYPES)),
        (
            "pairs",
            (
                ("p1", "multiple_choice", 10),
                ("p2", "multiple_choice", 10),
                ("p3", "true_false", 40),
                ("p4", "fill_in_blank", 1),
            ),
        ),
        (
            "big",
            (
                ("g1", "fill_in_blank", 60),
                ("g2", "multiple_answer", 8),
                ("g3", "ordering", 4),
                ("g4", "categorization", 5),
            ),
        ),
    ]


def one_text(name: str, text: str) -> list:
    """Everything the mock writes from one text, as JSON-able values."""
    out: list = []
    for qtype in TYPES:  # without the module's plan, as `generate_questions` alone is called
        for count in (1, 7):
            out.append(generate_questions(text, qtype, count, f"{name}:{qtype}:{count}"))
    for plan_name, batches in plans():
        # As `create` runs: the capacity count first (it keeps what it wrote for the first
        # asks), then each batch's first ask avoiding the module's questions so far, then a
        # top-up avoiding its own.
        out.append(module_capacity(text, batches, plan_name))
        out.append(capacity_warnings({"m": (plan_name, text, batches)}))
        so_far: list[str] = []
        for key, qtype, count in batches:
            out.append(batch_capacity(text, batches, key, plan_name))
            first = generate_questions(
                text, qtype, count, key, avoid=so_far, module_batches=batches, topic=plan_name
            )
            again = generate_questions(
                text,
                qtype,
                max(1, count // 3),
                key,
                avoid=[q["question_text"] for q in first],
                module_batches=batches,
                topic=plan_name,
            )
            out += [first, again]
            so_far += [q["question_text"] for q in first]
    out.append(repr(text_profile(text)))
    return out


def adapter_answers(name: str, text: str) -> list:
    """The adapter's own answers: a first ask and a correction with the first in the messages."""
    adapter = MockAdapter(latency=0)
    batches = plans()[0][1]
    out = []
    for key, qtype, count in batches:
        task = GenerationTask("q", key, "m", name, qtype, count, "en", text, module_batches=batches)
        messages = (Message("user", "ask"),)
        first = asyncio.run(adapter.complete(LLMRequest(task, messages, {})))
        out.append(first.text)
        messages = (*messages, Message("assistant", first.text), Message("user", "more"))
        second = asyncio.run(adapter.complete(LLMRequest(task, messages, {}, attempt=2)))
        out.append(second.text)
    return out


def main() -> None:
    each = "--each" in sys.argv
    total = hashlib.sha256()
    named = list(texts())
    questions = 0
    # Twice over, in order: the second pass reads every text again after the cache has moved on.
    for round_number in range(2):
        for name, text in named:
            found = one_text(name, text) + adapter_answers(name, text)
            blob = json.dumps(found, ensure_ascii=False, sort_keys=True).encode()
            total.update(blob)
            questions += sum(len(x) for x in found if isinstance(x, list))
            if each and round_number == 0:
                print(hashlib.sha256(blob).hexdigest()[:16], name)
    print(f"{len(named)} texts, {questions} items: {total.hexdigest()}")


if __name__ == "__main__":
    main()
