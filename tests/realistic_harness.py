"""Running quizgen's `create` against the realistic fake model and reading what came of it.

Shared by tests/test_realistic_model.py and bench/bench_realistic.py: both need the same quiz
(the plain-prose appendix flow and the shipped biology example), the same path through the CLI,
the openai client and HTTP, and the same reading of the database afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.realistic_model import Injected, RealisticModel, signature

ROOT = Path(__file__).resolve().parents[1]
QUIZZES = {
    "appendix": ROOT / "tests" / "fixtures" / "prose",
    "biology": ROOT / "examples" / "biology",
}
SPEC_FILE = {"appendix": "appendix.toml", "biology": "quiz.toml"}
KEY = "sk-realistic-test-key"


@dataclass
class Outcome:
    """One or more `create` runs against one fake: batches, requests and the stored questions."""

    model: RealisticModel
    batches: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Questions that reached review, by `signature`."""
    rejected: dict[str, set[str]] = field(default_factory=dict)
    """Rejected questions' reason codes, by `signature`."""

    @property
    def per_batch(self) -> float:
        return self.requests / max(1, len(self.batches))

    def injected(self, kind: str, detail: str | None = None) -> list[Injected]:
        return [i for i in self.model.injected(kind) if detail is None or i.detail == detail]

    def reached_review(self, item: Injected) -> bool:
        return signature(item.question) in self.kept

    def reasons(self, item: Injected) -> set[str]:
        return self.rejected.get(signature(item.question), set())


@contextmanager
def quiz_environment(workdir: Path) -> Iterator[Path]:
    """A private database, config and copy of the quizzes; the environment restored after."""
    names = ("QUIZGEN_DB", "QUIZGEN_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL")
    names += ("QUIZGEN_OPENAI_BACKOFF", "QUIZGEN_OPENAI_TIMEOUT", "QUIZGEN_DEBUG")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        QUIZGEN_DB=str(workdir / "quizgen.db"),
        QUIZGEN_CONFIG=str(workdir / "no-config.toml"),
        OPENAI_API_KEY=KEY,
        QUIZGEN_OPENAI_BACKOFF="0.01",
        QUIZGEN_OPENAI_TIMEOUT="20",
    )
    for name in ("OPENAI_BASE_URL", "QUIZGEN_DEBUG"):
        os.environ.pop(name, None)
    for name, source in QUIZZES.items():
        shutil.copytree(source, workdir / name)
    try:
        yield workdir
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_quizzes(
    workdir: Path,
    model: RealisticModel,
    quizzes: Sequence[str] = ("appendix", "biology"),
    *,
    json_schema: bool = True,
) -> Outcome:
    """`quizgen create --provider openai` for each quiz against one realistic fake."""
    from quizgen.cli.app import app

    outcome = Outcome(model)
    with (
        quiz_environment(workdir),
        FakeOpenAI(mode="realistic", realistic=model, json_schema=json_schema) as fake,
    ):
        for quiz in quizzes:
            spec = workdir / quiz / SPEC_FILE[quiz]
            arguments = ["create", str(spec), "--provider", "openai", "--model", "gpt-4o"]
            arguments += ["--base-url", fake.base_url, "--json"]
            result = CliRunner().invoke(app, arguments, catch_exceptions=False)
            outcome.batches += json.loads(result.stdout)["batches"]
        outcome.requests = len(fake.requests)
        with sqlite3.connect(workdir / "quizgen.db") as db:
            rows = db.execute("SELECT data, review_status, rejection_reasons FROM questions")
            for data, status, reasons in rows.fetchall():
                question = json.loads(data)
                if status == "rejected":
                    outcome.rejected.setdefault(signature(question), set()).update(
                        json.loads(reasons)
                    )
                else:
                    outcome.kept[signature(question)] = question
    return outcome
