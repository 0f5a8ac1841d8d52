"""`quizgen create --batch-api` and `quizgen collect` against the fake OpenAI server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import invoke, invoke_json
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-test-SECRET-1234"


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "0.01")
    monkeypatch.setenv("QUIZGEN_OPENAI_TIMEOUT", "10")
    monkeypatch.setenv("QUIZGEN_BATCH_POLL", "0.01")


def openai_args(fake: FakeOpenAI, model: str = "gpt-4o") -> list[str]:
    return ["--provider", "openai", "--model", model, "--base-url", fake.base_url]


def create_batch(cli, spec: Path, fake: FakeOpenAI, *extra: str) -> tuple[int, dict]:
    return invoke_json(cli, "create", str(spec), *openai_args(fake), "--batch-api", *extra)


def quizzes(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM quizzes").fetchone()[0]


def test_create_sends_every_first_ask_in_one_job_exactly_as_a_synchronous_run(
    cli, example, openai_env
) -> None:
    with FakeOpenAI() as fake:
        code, doc = create_batch(cli, example, fake)
        assert code == 0
        assert fake.requests == [], "nothing is asked synchronously"
        (job,) = doc["batch_api_jobs"]
        assert job["state"] == "submitted" and job["requests"] == 6
        assert job["remote_id"] in fake.batch_service.batches
        lines = fake.batch_service.input_lines(job["remote_id"])
        remote = fake.batch_service.batches[job["remote_id"]].object
    assert remote["metadata"] == {"quizgen_job": job["id"], "quizgen_quiz": doc["quiz"]["id"]}
    assert remote["endpoint"] == "/v1/chat/completions"
    assert len({x["custom_id"] for x in lines}) == 6
    assert {(x["method"], x["url"]) for x in lines} == {("POST", "/v1/chat/completions")}
    assert all(b["status"] == "running" for b in doc["batches"])

    with FakeOpenAI() as sync_fake:
        code, _ = invoke_json(cli, "create", str(example), *openai_args(sync_fake))
        assert code == 0
        synchronous = {b["response_format"]["json_schema"]["name"]: b for b in sync_fake.bodies()}
    batched = {x["body"]["response_format"]["json_schema"]["name"]: x["body"] for x in lines}
    assert batched == synchronous


def test_spec_mode_batch_is_the_same_as_the_flag(cli, example, openai_env) -> None:
    text = example.read_text().replace("[llm]\n", '[llm]\nmode = "batch"\n', 1)
    assert 'mode = "batch"' in text
    example.write_text(text)
    with FakeOpenAI() as fake:
        code, doc = invoke_json(cli, "create", str(example), *openai_args(fake))
        assert code == 0 and fake.requests == []
        assert len(fake.batch_service.batches) == 1
    assert doc["batch_api_jobs"][0]["state"] == "submitted"


def test_the_mock_is_refused_before_anything_is_stored(cli, example, db_path) -> None:
    code, out, err = invoke(cli, "create", str(example), "--provider", "mock", "--batch-api")
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: the Batch API needs the openai provider; 'mock' has no batch endpoints "
        "(use --provider openai, or run without --batch-api)"
    )
    assert quizzes(db_path) == 0


def test_verify_is_refused_in_batch_mode(cli, example, openai_env, db_path) -> None:
    with FakeOpenAI() as fake:
        code, _, err = invoke(
            cli, "create", str(example), *openai_args(fake), "--batch-api", "--verify"
        )
        assert fake.batch_routes == [] and fake.requests == []
    assert code == 2 and "--verify ([checks] verify) is not available with the Batch API" in err
    assert quizzes(db_path) == 0


def test_a_server_without_the_batch_api_is_refused_before_anything_is_sent(
    cli, example, openai_env, db_path
) -> None:
    with FakeOpenAI(batches=False) as fake:
        code, _out, err = invoke(cli, "create", str(example), *openai_args(fake), "--batch-api")
        assert fake.requests == []
        assert fake.batch_routes == [("GET", "/v1/batches?limit=1")]
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "has no OpenAI Batch API (GET /batches answered 404)" in err
    assert quizzes(db_path) == 0


def test_jobs_are_stored_before_the_upload(cli, example, openai_env, db_path) -> None:
    with FakeOpenAI(max_file_bytes=1000) as fake:
        code, _out, err = invoke(cli, "create", str(example), *openai_args(fake), "--batch-api")
    assert code == 1
    (line,) = err.strip().splitlines()[-1:]
    assert line.startswith("error: uploading quizgen-") and "HTTP 400: File is too large" in line
    with sqlite3.connect(db_path) as conn:
        jobs = conn.execute("SELECT state, request_count, input_file_id FROM api_jobs").fetchall()
        requests = conn.execute("SELECT count(*) FROM api_requests WHERE open = 1").fetchone()
    assert jobs == [("prepared", 6, None)]
    assert requests == (6,)


@pytest.mark.parametrize(("max_requests", "max_bytes"), [(4, None), (50_000, 40_000)])
def test_large_runs_are_split_within_the_limits(
    cli, example, openai_env, monkeypatch, max_requests: int, max_bytes: int | None
) -> None:
    from quizgen.batch_api import submit

    limits = submit.Limits(max_requests=max_requests, max_bytes=max_bytes or submit.MAX_BYTES)
    monkeypatch.setattr(submit, "Limits", lambda: limits)
    with FakeOpenAI(max_batch_requests=max_requests, max_file_bytes=max_bytes) as fake:
        code, doc = create_batch(cli, example, fake)
        sizes = [len(fake.batch_service.input_lines(b)) for b in fake.batch_service.order]
    assert code == 0
    jobs = doc["batch_api_jobs"]
    assert len(jobs) >= 2 and all(j["state"] == "submitted" for j in jobs)
    assert sum(sizes) == sum(j["requests"] for j in jobs) == 6
    assert all(size <= max_requests for size in sizes)
    assert all(j["bytes"] <= limits.max_bytes for j in jobs)
    if max_bytes is None:
        assert sizes == [4, 2]


def test_the_split_is_greedy_and_in_order() -> None:
    from quizgen.batch_api.jsonl import split

    groups = split([(str(i), b"x" * 10) for i in range(7)], max_requests=3, max_bytes=25)
    assert [[c for c, _ in g] for g in groups] == [["0", "1"], ["2", "3"], ["4", "5"], ["6"]]
    groups = split([(str(i), b"x" * 10) for i in range(7)], max_requests=3, max_bytes=1000)
    assert [len(g) for g in groups] == [3, 3, 1]


def test_an_ask_larger_than_a_file_may_be_is_an_error() -> None:
    from quizgen.batch_api.jsonl import OversizeRequestError, split

    with pytest.raises(OversizeRequestError, match="more than one Batch API file may hold"):
        split([("a", b"x" * 11)], max_bytes=10)


def test_batch_calls_cost_half() -> None:
    from quizgen.pricing import BUILTIN_PRICES, ModelUsage, usage_cost

    tokens = {"input_tokens": 1_000_000, "cached_tokens": 200_000, "output_tokens": 100_000}
    sync = usage_cost(ModelUsage("k", "openai", "gpt-4o", **tokens), BUILTIN_PRICES)
    batch = usage_cost(ModelUsage("k", "openai-batch", "gpt-4o", **tokens), BUILTIN_PRICES)
    assert sync == pytest.approx(0.8 * 2.50 + 0.2 * 1.25 + 0.1 * 10.00)
    assert batch == pytest.approx(sync / 2)
