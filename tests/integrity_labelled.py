"""Scoring the checks on the labelled biology set: what each item gets, and recall per code.

Run `python -m tests.integrity_labelled` for the figures (recall per reason code, false
rejections and false flags on clean items); `tests/test_integrity_labelled.py` asserts them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizgen.checks.screen import KEY_DISPUTED, Screen
from quizgen.checks.verify import agrees, verification_item
from quizgen.content import ModuleContent, Section, assemble
from quizgen.content.files import read_sources
from quizgen.llm.mock import verify_answer
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.questions import question_type
from quizgen.review.importing import ImportedQuestion, screen_imports

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "integrity"
LABELLED = FIXTURES / "labelled.json"
CONTENT = ROOT / "examples" / "biology" / "content"


def items() -> list[dict[str, Any]]:
    return json.loads(LABELLED.read_text(encoding="utf-8"))["items"]


def contents() -> dict[str, ModuleContent]:
    """The biology example's modules, and raw text as a PDF extraction leaves it (words broken
    across lines, soft hyphens, ligatures, typographic marks), stored without cleaning."""
    modules = {
        name: read_sources([(CONTENT / f"{name}.md", f"content/{name}.md")])
        for name in ("cells", "genetics", "ecology")
    }
    raw = (FIXTURES / "photosynthesis.txt").read_text(encoding="utf-8")
    modules["photosynthesis"] = assemble([Section("photosynthesis.pdf", raw)])
    return modules


@dataclass(frozen=True)
class Outcome:
    item: dict[str, Any]
    rejected: tuple[str, ...]
    flags: tuple[str, ...]

    @property
    def codes(self) -> set[str]:
        return {*self.rejected, *self.flags}


def judge(item: dict[str, Any], modules: dict[str, ModuleContent]) -> Outcome:
    """Screen one item as generation (or import, when it has no quote) would, then verify it
    with the mock's word-matching verifier."""
    content = modules[item["module"]]
    screen = Screen()
    if "after" in item:
        earlier = item["after"]
        verdict = screen.screen(question_type(earlier["question_type"]), earlier["data"], content)
        assert verdict.question is not None, f"{item['id']}: its 'after' question must be clean"
        screen.admit(verdict.question, "earlier_batch")
    if "source_quote" not in item["data"]:
        imported = ImportedQuestion(1, item["question_type"], item["data"], item["module"])
        plan = screen_imports([imported], [item["module"]], modules, screen, "import_test")
        stored = plan.screened[0].question
        return Outcome(item, stored.rejection_reasons, stored.flags)
    verdict = screen.screen(question_type(item["question_type"]), item["data"], content)
    flags = list(verdict.flags)
    if verdict.accepted:
        record = QuestionRecord(
            "q", "quiz", item["module"], "b", item["question_type"], 1, item["data"],
            ReviewStatus.PENDING, [], None, "", "",
        )  # fmt: skip
        question = verification_item(1, record)
        if question is not None and not agrees(record, verify_answer(question)["answer"]):
            flags.append(KEY_DISPUTED)
    return Outcome(item, verdict.reasons, tuple(flags))


def score() -> dict[str, Any]:
    modules = contents()
    outcomes = [judge(item, modules) for item in items()]
    recall: dict[str, list[int]] = {}
    for outcome in outcomes:
        expect = outcome.item["expect"]
        if expect != "clean":
            hits = recall.setdefault(expect, [0, 0])
            hits[0] += expect in outcome.codes
            hits[1] += 1
    clean = [o for o in outcomes if o.item["expect"] == "clean"]
    return {
        "recall": {code: f"{hit}/{total}" for code, (hit, total) in sorted(recall.items())},
        "missed": [o.item["id"] for o in outcomes if o.item["expect"] not in {"clean", *o.codes}],
        "clean_items": len(clean),
        "flawed_items": len(outcomes) - len(clean),
        "false_rejections": [(o.item["id"], o.rejected) for o in clean if o.rejected],
        "false_flags": [(o.item["id"], o.flags) for o in clean if o.flags],
        "extra_codes": Counter(
            code for o in outcomes if o.item["expect"] != "clean" for code in o.codes
        ),
    }


if __name__ == "__main__":
    result = score()
    for code, figure in result["recall"].items():
        print(f"{code:24} {figure}")
    caught = result["flawed_items"] - len(result["missed"])
    print(f"flawed items: {result['flawed_items']}, clean items: {result['clean_items']}")
    print(f"flawed items caught: {caught}/{result['flawed_items']} "
          f"({caught / result['flawed_items']:.1%})")  # fmt: skip
    print(f"missed flawed items: {result['missed'] or 'none'}")
    print(f"false rejections of clean items: {len(result['false_rejections'])}")
    for entry in result["false_rejections"]:
        print("   ", entry)
    print(f"false flags on clean items: {len(result['false_flags'])}")
    for entry in result["false_flags"]:
        print("   ", entry)
