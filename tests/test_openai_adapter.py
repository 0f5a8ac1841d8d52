"""The OpenAI adapter through the real `openai` client against the fake server."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest

from quizgen.errors import ProviderError
from quizgen.generation.prompts import build_messages
from quizgen.llm.base import GenerationTask, LLMRequest
from quizgen.llm.openai import OpenAIAdapter, is_reasoning_model, retry_after_seconds
from quizgen.llm.ratelimit import SLOW_DOWN, SPEED_UP, RateGate
from quizgen.questions import REGISTRY, question_type
from tests.fakes import openai_server as fake_server
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[1]
CONTENT = (ROOT / "examples" / "biology" / "content" / "cells.md").read_text(encoding="utf-8")
KEY = "sk-test-SECRET-1234"


def request(qtype: str = "multiple_choice", count: int = 3, content: str = CONTENT) -> LLMRequest:
    task = GenerationTask(
        quiz_id="q1",
        batch_key=f"cells_{qtype}_{count}",
        module_id="cells",
        module_name="Cell Structure",
        question_type=qtype,
        count=count,
        language="en",
        content=content,
    )
    return LLMRequest(task, tuple(build_messages(task)), question_type(qtype).batch_schema())


def adapter(fake: FakeOpenAI, model: str = "gpt-4o", **options) -> OpenAIAdapter:
    options.setdefault("temperature", 0.7)
    options.setdefault("backoff", 0.01)
    options.setdefault("timeout", 5.0)
    options.setdefault("warn", lambda text: None)
    return OpenAIAdapter(api_key=KEY, model=model, base_url=fake.base_url, **options)


async def test_valid_answer_maps_text_usage_and_model() -> None:
    with FakeOpenAI(served_model=lambda m: f"{m}-2024-08-06") as fake:
        llm = adapter(fake)
        first = await llm.complete(request())
        second = await llm.complete(request("true_false"))
        await llm.aclose()
    assert len(json.loads(first.text)["questions"]) == 3
    assert first.finish_reason == "stop" and first.model == "gpt-4o-2024-08-06"
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
    assert first.usage.cached_tokens == 0
    assert second.usage.cached_tokens > 0, "the module's prefix is cached for the second type"


async def test_request_carries_strict_schema_temperature_and_one_cache_key_per_module() -> None:
    with FakeOpenAI() as fake:
        llm = adapter(fake)
        for name in REGISTRY:
            await llm.complete(request(name))
        await llm.complete(request("true_false", content="Other module. " * 50))
        await llm.aclose()
    bodies = fake.bodies()
    assert {b["model"] for b in bodies} == {"gpt-4o"}
    assert all(b["temperature"] == 0.7 for b in bodies)
    formats = [b["response_format"] for b in bodies]
    assert all(f["type"] == "json_schema" and f["json_schema"]["strict"] for f in formats)
    schema = formats[0]["json_schema"]["schema"]
    assert schema["properties"]["questions"]["items"]["additionalProperties"] is False
    keys = [b["prompt_cache_key"] for b in bodies]
    assert len(set(keys[:-1])) == 1 and keys[-1] != keys[0]


@pytest.mark.parametrize("model", ["o3", "o4-mini", "gpt-5-mini", "o1"])
async def test_reasoning_models_get_no_temperature_and_one_warning(model: str) -> None:
    warnings: list[str] = []
    with FakeOpenAI() as fake:
        llm = adapter(fake, model=model, temperature=0.2, warn=warnings.append)
        await llm.complete(request())
        await llm.complete(request("true_false"))
        await llm.aclose()
    assert all("temperature" not in body for body in fake.bodies())
    assert len(warnings) == 1 and "temperature" in warnings[0]


def test_reasoning_model_names() -> None:
    assert all(map(is_reasoning_model, ["o1", "o3", "o3-mini", "o4-mini-2025-04-16", "gpt-5"]))
    assert not any(
        map(is_reasoning_model, ["gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "llama3"])
    )


async def test_429_honours_retry_after_then_succeeds() -> None:
    script = {
        "*": [fake_server.status(429, retry_after_ms=50), fake_server.status(429, retry_after=0)]
    }
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        answer = await llm.complete(request())
        await llm.aclose()
    assert fake.statuses() == [429, 429, 200]
    assert answer.finish_reason == "stop"
    assert llm.gate.rate_limited_count == 2


async def test_5xx_and_408_back_off_then_succeed() -> None:
    script = {"*": [fake_server.status(500), fake_server.status(503), fake_server.status(408)]}
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        await llm.complete(request())
        await llm.aclose()
    assert fake.statuses() == [500, 503, 408, 200]


async def test_persistent_5xx_gives_a_transient_error_after_bounded_attempts() -> None:
    with FakeOpenAI(script={"*": [fake_server.status(502)] * 10}) as fake:
        llm = adapter(fake, max_attempts=3)
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        await llm.aclose()
    assert caught.value.transient
    assert "gave up after 3 attempts" in caught.value.message
    assert len(fake.requests) == 3


async def test_a_hang_past_the_timeout_is_a_transient_error() -> None:
    with FakeOpenAI(script={"*": [fake_server.hang()] * 2}) as fake:
        llm = adapter(fake, timeout=0.3, max_attempts=2)
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        await llm.aclose()
    assert caught.value.transient and "timed out" in caught.value.message


async def test_bad_key_is_final_for_the_whole_run_and_never_shows_the_key() -> None:
    with FakeOpenAI(api_keys=("sk-the-right-one",)) as fake:
        llm = adapter(fake)
        with pytest.raises(ProviderError) as first:
            await llm.complete(request())
        with pytest.raises(ProviderError) as second:
            await llm.complete(request("true_false"))
        await llm.aclose()
    assert not first.value.transient and "401" in first.value.message
    assert second.value.message == first.value.message
    assert len(fake.requests) == 1, "after a 401 no further call reaches the server"
    assert "SECRET" not in first.value.message and "1234" not in first.value.message


async def test_unknown_model_is_final_and_named() -> None:
    with FakeOpenAI(models=("gpt-4o",)) as fake:
        llm = adapter(fake, model="gpt-9")
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        await llm.aclose()
    assert not caught.value.transient
    assert "'gpt-9'" in caught.value.message and "404" in caught.value.message


async def test_exhausted_quota_is_final_not_waited_out() -> None:
    script = {"*": [fake_server.status(429, error_code="insufficient_quota", retry_after=1)]}
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        await llm.aclose()
    assert not caught.value.transient and "quota" in caught.value.message


async def test_very_long_retry_after_ends_the_call_instead_of_stalling() -> None:
    with FakeOpenAI(script={"*": [fake_server.status(429, retry_after=3600)]}) as fake:
        llm = adapter(fake)
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        await llm.aclose()
    assert caught.value.transient and "3600" in caught.value.message


async def test_server_without_json_schema_falls_back_once_and_remembers() -> None:
    warnings: list[str] = []
    with FakeOpenAI(json_schema=False) as fake:
        llm = adapter(fake, warn=warnings.append)
        first = await llm.complete(request())
        await llm.complete(request("true_false"))
        await llm.aclose()
    assert fake.statuses() == [400, 200, 200]
    kinds = [b["response_format"]["type"] for b in fake.bodies()]
    assert kinds == ["json_schema", "json_object", "json_object"]
    last_user = fake.bodies()[1]["messages"][-1]["content"]
    assert "JSON schema" in last_user and '"questions"' in last_user
    assert len(json.loads(first.text)["questions"]) == 3
    assert len(warnings) == 1


async def test_a_400_naming_an_optional_parameter_drops_it() -> None:
    script = {"*": [fake_server.status(400, param="temperature", message="unsupported value")]}
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        await llm.complete(request())
        await llm.complete(request())
        await llm.aclose()
    assert "temperature" in fake.bodies()[0]
    assert all("temperature" not in b for b in fake.bodies()[1:])
    assert all(b["response_format"]["type"] == "json_schema" for b in fake.bodies())


async def test_a_plain_bad_request_is_final_for_that_request_only() -> None:
    script = {"*": [fake_server.status(400), fake_server.status(400)]}
    with FakeOpenAI(script=script) as fake:
        llm = adapter(fake)
        with pytest.raises(ProviderError) as caught:
            await llm.complete(request())
        assert not caught.value.transient
        assert llm.mode == "json_schema", "plain JSON did not help, so the schema was not it"
        await llm.complete(request())
        await llm.aclose()


@pytest.mark.parametrize(
    ("reply", "finish", "refusal"),
    [
        (fake_server.refusal("I cannot write this."), "refusal", "I cannot write this."),
        (fake_server.truncated(), "length", None),
        (fake_server.content_filter(), "content_filter", None),
    ],
)
async def test_finish_reasons_are_mapped(reply, finish: str, refusal: str | None) -> None:
    with FakeOpenAI(script={"*": [reply]}) as fake:
        llm = adapter(fake)
        answer = await llm.complete(request())
        await llm.aclose()
    assert answer.finish_reason == finish
    assert answer.refusal == refusal


def test_retry_after_headers() -> None:
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "1"}) == 0.25
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_seconds({}) is None


async def test_gate_pauses_every_caller_and_then_paces_them() -> None:
    now = [100.0]
    gate = RateGate(clock=lambda: now[0])
    for _ in range(5):
        gate.succeeded()
        now[0] += 0.1
    sent = await gate.wait_turn()
    gate.rate_limited(2.0, sent_at=sent)
    assert gate.resume_at == pytest.approx(102.5)
    assert gate.interval == pytest.approx(0.1, rel=0.2), "starts at the rate the server served"
    first = gate.interval
    gate.rate_limited(1.0, sent_at=sent)
    assert gate.interval == first, "a call sent before the slow-down does not slow down again"
    now[0] = gate.resume_at
    later = await gate.wait_turn()
    gate.rate_limited(1.0, sent_at=later)
    assert gate.interval == pytest.approx(first * SLOW_DOWN)
    gate.succeeded()
    assert gate.interval == pytest.approx(first * SLOW_DOWN * SPEED_UP)


async def test_gate_spaces_callers_by_its_interval() -> None:
    now = [0.0]
    gate = RateGate(clock=lambda: now[0])
    gate.interval = 0.5
    assert await gate.wait_turn() == 0.0
    now[0] = 0.1
    with pytest.raises(TimeoutError):
        # the next slot is at 0.5 on the fake clock, which never advances: the caller waits
        import anyio

        with anyio.fail_after(0.05):
            await gate.wait_turn()


def test_read_completion_reads_a_hand_written_batch_output_body() -> None:
    """A Batch API output line's `response.body`, written by hand from OpenAI's documented
    Chat Completion object (not produced by quizgen or its fake server)."""
    line = json.loads(
        '{"id": "batch_req_123", "custom_id": "request-2", "response": {"status_code": 200,'
        ' "request_id": "req_123", "body": {"id": "chatcmpl-123", "object": "chat.completion",'
        ' "created": 1711652795, "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0,'
        ' "message": {"role": "assistant", "content": "{\\"questions\\": []}",'
        ' "refusal": null}, "logprobs": null, "finish_reason": "length"}],'
        ' "usage": {"prompt_tokens": 22, "completion_tokens": 2, "total_tokens": 24,'
        ' "prompt_tokens_details": {"cached_tokens": 16}}, "system_fingerprint": "fp_123"}},'
        ' "error": null}'
    )
    completion = openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
    llm = OpenAIAdapter(api_key=KEY, model="gpt-4o-mini", warn=lambda text: None)
    answer = llm.read_completion(completion)
    assert answer.text == '{"questions": []}'
    assert answer.model == "gpt-4o-mini-2024-07-18"
    assert answer.finish_reason == "length"
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (22, 2)
    assert answer.usage.cached_tokens == 16
    assert answer.refusal is None
