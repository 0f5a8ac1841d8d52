"""The fake Files and Batch APIs behave as OpenAI documents them, through the real client."""

from __future__ import annotations

import json

import openai
import pytest

from tests.fakes import openai_server as fake_server
from tests.fakes.openai_batches import JobPlan
from tests.fakes.openai_server import FakeOpenAI


def line(custom_id: str, model: str = "gpt-4o", content: str = "hi") -> dict:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": content}]},
    }


def jsonl(*lines: dict) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


def run_to_end(client: openai.OpenAI, batch_id: str, limit: int = 10) -> tuple[list[str], object]:
    seen = []
    for _ in range(limit):
        batch = client.batches.retrieve(batch_id)
        seen.append(batch.status)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return seen, batch
    raise AssertionError(f"batch stuck: {seen}")


def submit(client: openai.OpenAI, data: bytes):
    uploaded = client.files.create(file=("in.jsonl", data), purpose="batch")
    return client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "one"},
    )


@pytest.fixture
def client_for():
    clients = []

    def make(fake: FakeOpenAI) -> openai.OpenAI:
        client = openai.OpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_a_batch_walks_through_its_states_and_answers_every_line(client_for) -> None:
    with FakeOpenAI(script={"*": [fake_server.status(500)]}) as fake:
        client = client_for(fake)
        batch = submit(client, jsonl(line("a"), line("b")))
        assert batch.status == "validating" and batch.metadata == {"job": "one"}
        states, done = run_to_end(client, batch.id)
        assert states == ["in_progress", "finalizing", "completed"]
        assert done.request_counts.total == 2
        assert (done.request_counts.completed, done.request_counts.failed) == (1, 1)
        output = client.files.content(done.output_file_id).text.splitlines()
        errors = client.files.content(done.error_file_id).text.splitlines()
    ok, failed = json.loads(output[0]), json.loads(errors[0])
    assert ok["custom_id"] == "b" and ok["error"] is None
    assert ok["response"]["status_code"] == 200
    assert ok["response"]["body"]["object"] == "chat.completion"
    assert failed["custom_id"] == "a" and failed["response"]["status_code"] == 500
    assert failed["response"]["body"]["error"]["message"] == "fake error 500"


def test_an_expiring_batch_keeps_what_finished_and_marks_the_rest_expired(client_for) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(expire_after=1)]) as fake:
        client = client_for(fake)
        batch = submit(client, jsonl(line("a"), line("b"), line("c")))
        states, done = run_to_end(client, batch.id)
        assert states[-1] == "expired" and done.expired_at
        output = [
            json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()
        ]
        errors = [json.loads(x) for x in client.files.content(done.error_file_id).text.splitlines()]
    assert [x["custom_id"] for x in output] == ["a"]
    assert [(x["custom_id"], x["response"], x["error"]["code"]) for x in errors] == [
        ("b", None, "batch_expired"),
        ("c", None, "batch_expired"),
    ]


def test_an_invalid_file_fails_validation_naming_the_line(client_for) -> None:
    bad = line("a")
    bad["url"] = "/v1/embeddings"
    with FakeOpenAI() as fake:
        client = client_for(fake)
        batch = submit(client, jsonl(line("a"), bad, line("c", model="o3")))
        states, done = run_to_end(client, batch.id)
    assert states == ["failed"] and done.output_file_id is None
    codes = {(e.code, e.line) for e in done.errors.data}
    assert ("duplicate_custom_id", 2) in codes and ("mismatched_url", 2) in codes
    assert ("mismatched_model", None) in codes


def test_cancel_unknown_ids_and_listing(client_for) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        client = client_for(fake)
        batch = submit(client, jsonl(line("a"), line("b")))
        assert client.batches.retrieve(batch.id).status == "in_progress"
        assert client.batches.retrieve(batch.id).status == "in_progress"  # held
        assert client.batches.cancel(batch.id).status == "cancelling"
        states, done = run_to_end(client, batch.id)
        assert states == ["cancelled"]
        errors = client.files.content(done.error_file_id).text
        assert errors.count("batch_cancelled") == 2
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_nope")
        with pytest.raises(openai.ConflictError):
            client.batches.cancel(batch.id)
        listed = client.batches.list(limit=10)
        assert [b.id for b in listed.data] == [batch.id]


def test_limits_and_a_server_without_the_batch_api(client_for) -> None:
    with FakeOpenAI(max_file_bytes=200, max_batch_requests=1) as fake:
        client = client_for(fake)
        with pytest.raises(openai.BadRequestError, match="too large"):
            client.files.create(file=("in.jsonl", b"x" * 201), purpose="batch")
        batch = submit(client, jsonl(line("a")) + b"\n")
        assert run_to_end(client, batch.id)[0][-1] == "completed"
    with FakeOpenAI(batches=False) as fake:
        client = client_for(fake)
        with pytest.raises(openai.NotFoundError):
            client.batches.list(limit=1)
        assert fake.batch_routes == [("GET", "/v1/batches?limit=1")]
