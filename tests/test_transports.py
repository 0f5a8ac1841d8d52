"""Both HTTP clients over an injected `httpx.MockTransport`: failures a socket fake makes awkward.

The fake servers in tests/fakes stay the main judge (real HTTP on 127.0.0.1); these tests add
what a server cannot easily do on cue: a transport that raises a timeout or a reset after
sending, a body cut off mid-stream, an answer that is not JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from quizgen.canvas.client import CanvasClient, CanvasError
from quizgen.errors import ProviderError
from quizgen.llm.openai import OpenAIAdapter
from tests.test_openai_adapter import KEY, request

pytestmark = pytest.mark.anyio

BASE = "https://canvas.test"
TOKEN = "canvas-secret-token"
Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering each request with the next step (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handle(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step.request = req
            raise step
        return step

    return handle, seen


def canvas(handler: Handler, **knobs: object) -> CanvasClient:
    fast = {"backoff_base": 0.01, "backoff_cap": 0.02, "max_attempts": 3}
    return CanvasClient(BASE, TOKEN, transport=httpx.MockTransport(handler), **{**fast, **knobs})  # type: ignore[arg-type]


async def test_canvas_requests_go_through_the_injected_transport_with_the_token() -> None:
    handler, seen = scripted(httpx.Response(200, json={"id": 1, "name": "Biology"}))
    async with canvas(handler) as client:
        assert (await client.get_json("/api/v1/courses/1"))["name"] == "Biology"
    assert str(seen[0].url) == f"{BASE}/api/v1/courses/1"
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_canvas_answer_that_is_not_json_is_one_clear_error_without_retry() -> None:
    handler, seen = scripted(httpx.Response(200, content=b'{"id": 1, "name": "Bio'))
    async with canvas(handler) as client:
        with pytest.raises(CanvasError, match="not JSON; is CANVAS_BASE_URL") as caught:
            await client.get_json("/api/v1/courses/1")
    assert caught.value.status == 200 and len(seen) == 1
    assert TOKEN not in caught.value.message


async def test_canvas_get_read_timeout_is_retried_then_succeeds() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": 1}))
    async with canvas(handler) as client:
        assert await client.get_json("/api/v1/courses/1") == {"id": 1}
    assert len(seen) == 2


async def test_canvas_get_timeouts_give_up_after_the_attempts() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    async with canvas(handler, timeout=2.0) as client:
        with pytest.raises(CanvasError, match=r"no answer within 2 s.*gave up after 3 attempts"):
            await client.get_json("/api/v1/courses/1")
    assert len(seen) == 3


async def test_canvas_post_read_timeout_may_have_been_applied_and_is_not_repeated() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": 9}))
    async with canvas(handler) as client:
        with pytest.raises(CanvasError, match="may have been applied") as caught:
            await client.post_json("/api/v1/courses/1/quizzes", {"quiz": {"title": "T"}})
    assert caught.value.maybe_applied and len(seen) == 1


async def test_canvas_post_reset_after_sending_is_not_repeated() -> None:
    handler, seen = scripted(httpx.RemoteProtocolError("peer closed"), httpx.Response(200))
    async with canvas(handler) as client:
        with pytest.raises(CanvasError, match="connection failed after sending"):
            await client.post_json("/api/v1/courses/1/quizzes", {})
    assert len(seen) == 1


async def test_canvas_post_refused_connection_never_reached_canvas_so_it_is_retried() -> None:
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.Response(200, json={"id": 9}))
    async with canvas(handler) as client:
        assert await client.post_json("/api/v1/courses/1/quizzes", {}) == {"id": 9}
    assert len(seen) == 2


class _CutOff(httpx.AsyncByteStream):
    """A body that stops half-way: the connection drops while the file is read."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"first half "
        raise httpx.ReadError("connection reset")


async def test_canvas_download_cut_off_mid_body_is_retried_like_any_get() -> None:
    handler, seen = scripted(
        httpx.Response(200, stream=_CutOff()), httpx.Response(200, content=b"whole file")
    )
    async with canvas(handler) as client:
        data = await client.download("https://files.test/f/1?sig=abc")
    assert data == b"whole file" and len(seen) == 2
    assert "Authorization" not in seen[0].headers


async def test_canvas_retry_after_as_an_http_date_sets_the_wait() -> None:
    client = CanvasClient(BASE, "t", backoff_base=1.0, backoff_cap=60.0)
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    told = httpx.Response(429, headers={"Retry-After": later}, request=httpx.Request("GET", BASE))
    assert 28 <= client._throttle_delay(told, attempt=1) <= 30.25
    await client.aclose()


def openai_adapter(handler: Handler, **options: object) -> OpenAIAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    settings = {"backoff": 0.01, "max_attempts": 3, "warn": lambda text: None}
    return OpenAIAdapter(
        api_key=KEY,
        model="gpt-4o",
        base_url="http://llm.test/v1",
        http_client=http,
        **{**settings, **options},  # type: ignore[arg-type]
    )


def completion(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        },
    )


async def test_openai_calls_go_through_the_injected_client() -> None:
    handler, seen = scripted(completion('{"questions": []}'))
    llm = openai_adapter(handler)
    answer = await llm.complete(request())
    await llm.aclose()
    assert answer.text == '{"questions": []}' and answer.model == "gpt-4o-2024-08-06"
    assert str(seen[0].url) == "http://llm.test/v1/chat/completions"
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(seen[0].content)["response_format"]["type"] == "json_schema"


async def test_openai_timeouts_raised_by_the_transport_give_up_after_the_attempts() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    llm = openai_adapter(handler)
    with pytest.raises(ProviderError, match=r"timed out \(gave up after 3 attempts\)") as caught:
        await llm.complete(request())
    await llm.aclose()
    assert caught.value.transient and len(seen) == 3


async def test_openai_timeout_then_answer_succeeds() -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"), completion("{}"))
    llm = openai_adapter(handler)
    assert (await llm.complete(request())).text == "{}"
    await llm.aclose()
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"id": "chatcmpl-1", "choices": [{"index": 0, "mess', "not JSON"),
        (b'{"id": "chatcmpl-1", "choices": "none"}', "choices is str, not a list"),
        (b'{"id": "c", "choices": [{"index": 0, "finish_reason": "stop"}]}', "has no message"),
    ],
)
async def test_openai_2xx_that_is_not_a_completion_is_an_unusable_answer(
    body: bytes, says: str
) -> None:
    """Before: a raw JSONDecodeError or AttributeError escaped the adapter, so the batch
    failed with a Python message and no failed call was recorded."""
    handler, seen = scripted(
        httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    )
    llm = openai_adapter(handler)
    with pytest.raises(ProviderError, match="unusable answer from the server") as caught:
        await llm.complete(request())
    await llm.aclose()
    assert says in caught.value.message and caught.value.transient
    assert KEY not in caught.value.message and len(seen) == 1
