"""The OpenAI adapter with requests other than generation, and its response-format mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest

from quizgen.checks.verify import ANSWER_SCHEMA, SYSTEM, build_messages
from quizgen.errors import ProviderError
from quizgen.llm.base import LLMRequest, VerificationItem, VerificationTask
from tests.conftest import invoke_json
from tests.fakes import openai_server as fake_server
from tests.fakes.openai_server import FakeOpenAI
from tests.test_openai_adapter import KEY, adapter, request


def verification_request() -> LLMRequest:
    items = (VerificationItem(1, "true_false", "Mitochondria make ATP.", "Mitochondria make ATP."),)
    task = VerificationTask("q1", "cells_true_false_3", "cells", "en", items)
    return LLMRequest(task, tuple(build_messages(items)), ANSWER_SCHEMA)


@pytest.mark.anyio
async def test_a_verification_request_goes_through_the_adapter() -> None:
    with FakeOpenAI(
        script={"*": [fake_server.text('{"answers": [{"number": 1, "answer": ["true"]}]}')]}
    ) as fake:
        llm = adapter(fake)
        answer = await llm.complete(verification_request())
        await llm.aclose()
    assert answer.text.startswith('{"answers"')
    [body] = fake.bodies()
    assert body["response_format"]["json_schema"]["name"] == "verification_answer"
    assert body["prompt_cache_key"].startswith("quizgen-")


def test_create_with_verify_through_openai_verifies_and_finishes(
    cli, example: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "0.01")
    with FakeOpenAI() as fake:
        code, doc = invoke_json(
            cli,
            "create",
            str(example),
            "--provider",
            "openai",
            "--model",
            "gpt-4o",
            "--base-url",
            fake.base_url,
            "--verify",
        )
    assert code == 0, doc
    assert all(b["status"] == "succeeded" for b in doc["batches"])
    asked = [b for b in fake.bodies() if b["messages"][0]["content"] == SYSTEM]
    assert asked, "verification requests reached the server"
    with sqlite3.connect(db_path) as conn:
        errors = [
            row[0]
            for row in conn.execute("SELECT error FROM llm_calls WHERE prompt LIKE '%You check%'")
        ]
    assert len(errors) == len(asked)
    assert not any("AttributeError" in (error or "") for error in errors)


@pytest.mark.anyio
async def test_once_structured_outputs_worked_a_400_never_changes_the_mode() -> None:
    script = {"*": [fake_server.valid(), fake_server.status(400), fake_server.valid()]}
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        await llm.complete(request())
        with pytest.raises(ProviderError):
            await llm.complete(request())
        await llm.complete(request())
        await llm.aclose()
    kinds = [b["response_format"]["type"] for b in fake.bodies()]
    assert kinds == ["json_schema", "json_schema", "json_schema"]
    assert llm.mode == "json_schema" and llm.mode_decided


@pytest.mark.anyio
async def test_concurrent_calls_settle_on_one_mode_and_keep_it() -> None:
    warnings: list[str] = []
    # The server refuses json_schema; the first plain-JSON request is also bad on its own.
    script = {"*": [fake_server.status(400, message="bad request")]}
    with FakeOpenAI(json_schema=False, script=script, latency=0.05) as fake:
        llm = adapter(fake, warn=warnings.append)
        failures: list[ProviderError] = []

        async def call() -> None:
            try:
                await llm.complete(request())
            except ProviderError as exc:
                failures.append(exc)

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(call)
        first_wave = len(fake.requests)
        for _ in range(3):
            await llm.complete(request())
        await llm.aclose()
    assert len(failures) == 1
    later = [b["response_format"]["type"] for b in fake.bodies()[first_wave:]]
    assert later == ["json_object"] * 3
    assert llm.mode == "json_object" and llm.mode_decided and len(warnings) == 1
