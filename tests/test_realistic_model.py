"""quizgen against answers it did not write: the realistic fake model, end to end.

`create --provider openai` runs on the plain-prose appendix flow and the shipped biology example
against the fake OpenAI server in `mode="realistic"` (real openai client, real HTTP). The fake
logs every deviation and flaw it puts in; each test follows one kind to its fate in the
database. Marks `xfail(strict=True)` stand for checks issue 11 asks for that main does not have
yet; whoever lands such a check removes the mark (the test then passes, or the suite says why).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.fakes import realistic_model
from tests.fakes.realistic_model import FLAWS, RealisticModel
from tests.fakes.realistic_text import DEVIATIONS
from tests.fakes.realistic_writer import VARIANTS
from tests.realistic_harness import Outcome, run_quizzes

REJECTED_AS = {
    "wrong_key": "key_not_grounded",
    "two_correct": "wrong_correct_count",
    "changed_word": "quote_not_found",
    "key_contradicted": "key_contradicted",
    "gives_away": "gives_away",
}
NOT_YET: dict[str, str] = {}
FLAW_SEEDS = (0, 1, 2, 3, 4, 7)
"""Six answer streams (72 batches): enough for a few of every flaw kind."""


def _marked(kind: str) -> object:
    if kind in NOT_YET:
        return pytest.param(kind, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[kind]))
    return kind


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    """Half the quotes misquoted and about one question in four with a flaw."""
    return [
        run_quizzes(
            tmp_path_factory.mktemp(f"flawed{seed}"),
            RealisticModel(seed=seed, misquote_rate=0.5, flaw_rate=0.25),
        )
        for seed in FLAW_SEEDS
    ]


@pytest.fixture(scope="module")
def misquoted(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Half the quotes misquoted, no flaws: what the requests-per-batch target is about."""
    model = RealisticModel(seed=3, misquote_rate=0.5, flaw_rate=0.0)
    return run_quizzes(tmp_path_factory.mktemp("misquoted"), model)


# -- the fake itself ---------------------------------------------------------------------------


def test_the_fake_imports_nothing_from_quizgen() -> None:
    for name in ("realistic_model", "realistic_writer", "realistic_text"):
        path = Path(realistic_model.__file__).with_name(f"{name}.py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            node.module or "" if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert not [m for m in imported if m.split(".")[0] == "quizgen"], name


def test_the_fake_answers_the_same_request_the_same_way() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "You write quiz questions."},
            {
                "role": "user",
                "content": "MODULE: Rome\n\nMODULE CONTENT:\n<<<\n"
                + Path("tests/fixtures/prose/roman_republic.txt").read_text(encoding="utf-8")
                + "\n>>>\n\nTASK: Write exactly 6 true/false question(s).\n\n"
                "QUESTION TYPE: true_false\n",
            },
        ]
    }
    first = RealisticModel(seed=1).answer(body)
    assert first == RealisticModel(seed=1).answer(body)
    assert len(json.loads(first)["questions"]) == 6
    assert first != RealisticModel(seed=2).answer(body)


def test_the_fake_keeps_to_a_strict_schema_and_leaves_it_in_json_mode() -> None:
    content = Path("tests/fixtures/prose/networks.txt").read_text(encoding="utf-8")
    prompt = (
        f"MODULE: Networks\n\nMODULE CONTENT:\n<<<\n{content}\n>>>\n\n"
        "TASK: Write exactly 12 multiple choice question(s).\n\nQUESTION TYPE: multiple_choice\n"
        '- Exactly four options; exactly one has "correct": true.\n'
    )
    options = {"type": "array", "minItems": 4, "maxItems": 4}
    items = {"type": "object", "properties": {"options": options}}
    schema = {"type": "object", "properties": {"questions": {"type": "array", "items": items}}}
    strict = {"type": "json_schema", "json_schema": {"strict": True, "schema": schema}}
    messages = [{"role": "user", "content": prompt}]
    model = RealisticModel(seed=5, variant_rate=1.0, misquote_rate=0.0, flaw_rate=0.0)
    sizes = {
        len(q["options"])
        for q in json.loads(model.answer({"messages": messages, "response_format": strict}))[
            "questions"
        ]
    }
    assert sizes == {4}
    loose = json.loads(
        model.answer({"messages": messages, "response_format": {"type": "json_object"}})
    )
    assert {len(q["options"]) for q in loose["questions"]} == {5}


# -- flaws: every one rejected or corrected, none reaches review -----------------------------


@pytest.mark.parametrize("kind", [_marked(kind) for kind in FLAWS])
def test_no_injected_flaw_reaches_review(flawed: list[Outcome], kind: str) -> None:
    made = reached = 0
    wrong_reason: list[tuple[set[str], dict]] = []
    examples: list[str] = []
    for outcome in flawed:
        for item in outcome.injected(kind):
            made += 1
            if outcome.reached_review(item):
                reached += 1
                examples.append(item.question["question_text"])
            elif REJECTED_AS[kind] not in outcome.reasons(item):
                wrong_reason.append((outcome.reasons(item), item.question))
    assert made, f"the fake made no {kind} flaw; the test would prove nothing"
    assert not reached, f"{reached} of {made} {kind} flaws reached review: {examples[:3]}"
    assert not wrong_reason, wrong_reason[:2]


def test_every_flawed_batch_is_corrected_to_its_count(flawed: list[Outcome]) -> None:
    """A rejected flaw costs a correction round, not a question: the batches still fill."""
    for outcome in flawed:
        assert any(outcome.injected(kind) for kind in REJECTED_AS)
        short = [b["key"] for b in outcome.batches if b["generated_count"] < b["target_count"]]
        assert len(short) <= 1, short  # 20 multiple-answer questions on 16 sentences may run dry


# -- misquotes: faithful ones are accepted ---------------------------------------------------


@pytest.mark.parametrize("deviation", [_marked(kind) for kind in DEVIATIONS])
def test_a_faithful_misquote_is_accepted(
    misquoted: Outcome, flawed: list[Outcome], deviation: str
) -> None:
    made = 0
    refused: list[str] = []
    for outcome in (misquoted, *flawed):
        for item in outcome.injected("misquote", deviation):
            made += 1
            if "quote_not_found" in outcome.reasons(item):
                refused.append(item.question["source_quote"])
    assert made, f"the fake made no {deviation} misquote"
    assert not refused, f"{len(refused)} of {made} {deviation} quotes not found: {refused[:3]}"


REPEATS = {"duplicate_question", "near_duplicate", "gives_away"}
"""Problems about another question, not about the quote: an injected give-away may be misquoted
too."""


@pytest.mark.parametrize("deviation", DEVIATIONS)
def test_a_faithfully_misquoted_question_reaches_review(
    misquoted: Outcome, flawed: list[Outcome], deviation: str
) -> None:
    """Nothing but a repeat keeps it out: the quote supports the key as well as a verbatim one."""
    refused: list[tuple[str, set[str]]] = []
    made = 0
    for outcome in (misquoted, *flawed):
        for item in outcome.injected("misquote", deviation):
            made += 1
            if outcome.reasons(item) - REPEATS:
                refused.append((item.question["source_quote"], outcome.reasons(item)))
    assert made, f"the fake made no {deviation} misquote"
    assert not refused, f"{len(refused)} of {made} {deviation} questions rejected: {refused[:3]}"


def test_about_half_the_quotes_are_misquoted(misquoted: Outcome) -> None:
    served = sum(b["generated_count"] for b in misquoted.batches)
    assert 0.3 * served <= len(misquoted.injected("misquote")) <= 0.8 * served


def test_misquoting_half_the_quotes_costs_at_most_1_3_requests_per_batch(
    misquoted: Outcome, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Issue 11's target, over four answer streams (48 batches) so one seed's luck cannot
    decide it. Before tolerant citations this was 1.75; bench/bench_realistic.py prints it."""
    outcomes = [misquoted] + [
        run_quizzes(
            tmp_path_factory.mktemp(f"misquoted{seed}"),
            RealisticModel(seed=seed, misquote_rate=0.5, flaw_rate=0.0),
        )
        for seed in (0, 1, 2)
    ]
    requests = sum(o.requests for o in outcomes)
    batches = sum(len(o.batches) for o in outcomes)
    assert requests / batches <= 1.3, f"{requests} requests for {batches} batches"


# -- shapes Canvas accepts -----------------------------------------------------------------


def test_sound_shapes_outside_the_preferred_count_are_accepted(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """In plain JSON mode nothing holds the model to the schema, and models do write these."""
    model = RealisticModel(seed=11, misquote_rate=0.0, flaw_rate=0.0, variant_rate=0.4)
    outcome = run_quizzes(tmp_path_factory.mktemp("variants"), model, json_schema=False)
    for variant in VARIANTS:
        items = outcome.injected("variant", variant)
        assert items, f"the fake wrote no {variant} question"
        refused = {code for i in items for code in outcome.reasons(i)}
        assert not refused - {"duplicate_question", "near_duplicate"}, (variant, refused)
