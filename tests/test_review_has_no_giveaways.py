"""What reaches review on the plain-prose corpus: no true statement contradicting its quote and
no pair of questions where one gives the other away — counted over every pair, independently of
the index generation looks them up in, for the offline mock and for the realistic model."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from quizgen.checks.contradiction import contradicts
from quizgen.checks.giveaways import facts_of, pair_gives_away
from quizgen.questions import question_type
from quizgen.store import Store
from tests.conftest import invoke_json
from tests.fakes.realistic_model import RealisticModel
from tests.realistic_harness import run_quizzes

PROSE = Path(__file__).resolve().parent / "fixtures" / "prose"
_MARKER = re.compile(r"\[blank_\d+\]")


def giveaway_pairs(questions: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """Every ordered pair (teller, answerer) of kept questions where the teller's text states
    the answerer's answer, checked pair by pair."""
    facts = []
    for type_name, data in questions:
        question, _ = question_type(type_name).inspect(data)
        stem = _MARKER.sub(" ", data["question_text"])
        facts.append((data["question_text"], facts_of(type_name, question, stem)))
    found = []
    for (teller_text, teller), (text, other) in itertools.permutations(facts, 2):
        if any(pair_gives_away(teller, answer, other.kind) for answer in other.answers):
            found.append((teller_text, text))
    return found


def self_contradicting(questions: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [
        data["question_text"]
        for type_name, data in questions
        if type_name == "true_false"
        and data["correct_answer"]
        and contradicts(data["question_text"], data["source_quote"])
    ]


def test_the_mock_on_plain_prose_sends_no_giveaway_or_contradiction_to_review(
    cli, tmp_path: Path, db_path: Path
) -> None:
    shutil.copytree(PROSE, tmp_path / "prose")
    code, doc = invoke_json(cli, "create", str(tmp_path / "prose" / "appendix.toml"))
    assert code == 0
    store = Store.open(db_path)
    try:
        kept = [(q.question_type, q.data) for q in store.questions(doc["quiz"]["id"])]
    finally:
        store.close()
    assert len(kept) == 55
    assert giveaway_pairs(kept) == []
    assert self_contradicting(kept) == []


@pytest.mark.parametrize("seed", [7, 13])
def test_the_realistic_model_s_flaws_never_reach_review_as_pairs(tmp_path: Path, seed: int) -> None:
    model = RealisticModel(seed=seed, misquote_rate=0.5, flaw_rate=0.25)
    outcome = run_quizzes(tmp_path, model)
    with sqlite3.connect(tmp_path / "quizgen.db") as db:
        rows = db.execute(
            "SELECT question_type, data FROM questions WHERE review_status != 'rejected'"
        ).fetchall()
    kept = [(type_name, json.loads(data)) for type_name, data in rows]
    assert len(kept) > 50
    assert giveaway_pairs(kept) == []
    assert self_contradicting(kept) == []
    assert outcome.injected("gives_away") or outcome.injected("key_contradicted")
