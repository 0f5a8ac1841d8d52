"""Who may take over a batch that waits on an OpenAI Batch API job: the job owns it, not the
time since submit (the default 60 s lease is never renewed while a job runs for up to 24 h).

Against the fake Files/Batch APIs, through the real `openai` client."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from quizgen.generation.run import generate
from quizgen.llm import make_adapter
from quizgen.models import BatchStatus
from quizgen.store import Store
from tests.conftest import invoke_json
from tests.fakes.openai_batches import JobPlan
from tests.fakes.openai_server import FakeOpenAI

LONG_AGO = "2000-01-01T00:00:00.000+00:00"
"""A lease expiry long past: what every batch-mode lease looks like a minute after submit."""


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-1234")
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "0.01")
    monkeypatch.setenv("QUIZGEN_BATCH_POLL", "0.01")


def submit_held(cli, example: Path, fake: FakeOpenAI) -> str:
    """`create --batch-api` with a job that stays in progress; the leases then expire."""
    args = ["--provider", "openai", "--model", "gpt-4o", "--base-url", fake.base_url]
    code, doc = invoke_json(cli, "create", str(example), *args, "--batch-api")
    assert code == 0 and fake.requests == []
    store = Store.open(Path(os.environ["QUIZGEN_DB"]))
    try:
        store.db.conn.execute("UPDATE batches SET lease_expires_at = ?", (LONG_AGO,))
    finally:
        store.close()
    return doc["quiz"]["id"]


def synchronous_run(fake: FakeOpenAI, quiz_id: str):
    """Another run asking synchronously (what any run but the job's collect is)."""
    store = Store.open(Path(os.environ["QUIZGEN_DB"]))
    try:
        adapter = make_adapter("openai", model="gpt-4o", base_url=fake.base_url)

        async def run():
            try:
                return await generate(store, store.quiz(quiz_id), adapter)
            finally:
                await adapter.aclose()

        return anyio.run(run)
    finally:
        store.close()


def test_a_batch_waiting_on_a_job_is_not_taken_over_when_its_lease_expires(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        quiz = submit_held(cli, example, fake)
        report = synchronous_run(fake, quiz)
        assert fake.requests == [], "a batch the job answers for was asked synchronously"
        assert len(report.busy) == 6 and report.outcomes == []
        # A collect (and a retry, which collects) are the job's own: they wait for it.
        code, doc = invoke_json(cli, "retry", quiz)
        assert code == 1 and len(doc["batch_api_jobs"]) == 1
        fake.batch_service.release()
        code, done = invoke_json(cli, "collect", quiz, "--wait")
        assert fake.requests == []
    assert code == 0
    assert all(b["status"] == "succeeded" and b["attempts"] == 1 for b in done["batches"])
    assert all(b["generated_count"] == b["target_count"] for b in done["batches"])


@pytest.mark.parametrize("dead", ["failed", "expired", "cancelled"])
def test_a_job_that_ended_without_answering_lets_another_run_take_its_batches(
    cli, example, openai_env, dead: str
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        quiz = submit_held(cli, example, fake)
        # As a collect killed before it recorded the job leaves it: the remote status alone.
        store = Store.open(Path(os.environ["QUIZGEN_DB"]))
        try:
            store.db.conn.execute("UPDATE api_jobs SET remote_status = ?", (dead,))
        finally:
            store.close()
        report = synchronous_run(fake, quiz)
        assert report.busy == [] and len(report.outcomes) == 6
        assert len(fake.requests) >= 6
        assert all(o.status == BatchStatus.SUCCEEDED for o in report.outcomes)
        # The job answers after all: its answers are dropped, nothing is stored twice.
        fake.batch_service.release()
        code, done = invoke_json(cli, "collect", quiz, "--wait")
    assert code == 0
    assert all(b["status"] == "succeeded" and b["attempts"] == 1 for b in done["batches"])
    assert all(b["generated_count"] == b["target_count"] for b in done["batches"])
    store = Store.open(Path(os.environ["QUIZGEN_DB"]))
    try:
        kept = store.questions(quiz)  # not rejected
    finally:
        store.close()
    assert len(kept) == sum(b["target_count"] for b in done["batches"])
