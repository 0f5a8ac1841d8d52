"""The Canvas client against the fake Canvas: paging, throttling, retries, errors, secrecy."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest

from quizgen.canvas.client import CanvasClient, CanvasError, normalise_base_url
from quizgen.canvas.responses import refusal, said
from quizgen.errors import ConfigError
from tests.fakes.canvas_server import FakeCanvas, Fault, Reply

pytestmark = pytest.mark.anyio


def client_for(canvas: FakeCanvas, **knobs: object) -> CanvasClient:
    fast = {"backoff_base": 0.01, "backoff_cap": 0.05, "timeout": 2.0, "max_attempts": 4}
    return CanvasClient(canvas.base_url, canvas.token, **{**fast, **knobs})  # type: ignore[arg-type]


def course_with_items(canvas: FakeCanvas, count: int) -> None:
    canvas.add_course(1, "Biology")
    canvas.add_module(1, 10, "Cells")
    for index in range(count):
        canvas.add_item(1, 10, "SubHeader", f"Heading {index}")


async def test_pagination_follows_next_links_across_pages(canvas: FakeCanvas) -> None:
    canvas.max_per_page = 4
    course_with_items(canvas, 11)
    async with client_for(canvas) as client:
        items = await client.get_paginated("/api/v1/courses/1/modules/10/items")
    assert [item["title"] for item in items] == [f"Heading {i}" for i in range(11)]
    pages = canvas.requests("GET", r"/items$")
    assert len(pages) == 3
    assert [r.param("page", "1") for r in pages] == ["1", "2", "3"]
    assert pages[0].param("per_page") == "100"  # Canvas caps it; its next links say 4


async def test_pagination_asks_for_big_pages(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 25)
    async with client_for(canvas) as client:
        items = await client.get_paginated("/api/v1/courses/1/modules/10/items")
    assert len(items) == 25
    assert len(canvas.requests("GET", r"/items$")) == 1


async def test_rate_limit_403_is_waited_out_then_succeeds(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 2)
    canvas.rate_limit_burst(3)
    async with client_for(canvas, max_attempts=5) as client:
        module = await client.get_json("/api/v1/courses/1/modules/10")
        assert client.throttled == 3
    assert module["name"] == "Cells"
    assert len(canvas.log) == 4


async def test_throttling_slows_every_request_of_the_client(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 2)
    canvas.rate_limit_burst(2)
    results: list[str] = []
    async with client_for(canvas, max_in_flight=2) as client:

        async def fetch() -> None:
            results.append((await client.get_json("/api/v1/courses/1/modules/10"))["name"])

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(fetch)
        assert client.throttled == 2
    assert results == ["Cells"] * 6


async def test_429_with_retry_after_is_retried(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 1)
    canvas.too_many_requests(2, retry_after=0)
    async with client_for(canvas) as client:
        assert (await client.get_json("/api/v1/courses/1"))["name"] == "Biology"
    assert len(canvas.log) == 3


def test_retry_after_sets_the_wait() -> None:
    client = CanvasClient("https://canvas.test", "t", backoff_base=1.0, backoff_cap=60.0)
    request = httpx.Request("GET", "https://canvas.test/api/v1/courses")
    told = httpx.Response(429, headers={"Retry-After": "7"}, request=request)
    untold = httpx.Response(403, text="403 Forbidden (Rate Limit Exceeded)", request=request)
    assert 7 <= client._throttle_delay(told, attempt=1) <= 7.25
    assert 4 <= client._throttle_delay(untold, attempt=4) <= 8  # 1·2³ halved + jitter
    capped = CanvasClient("https://canvas.test", "t", backoff_base=1.0, backoff_cap=2.0)
    assert capped._throttle_delay(told, attempt=1) <= 2.25


async def test_throttling_gives_up_after_the_bounded_attempts(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 1)
    canvas.rate_limit_burst(50)
    async with client_for(canvas, max_attempts=3) as client:
        with pytest.raises(CanvasError, match="throttling") as caught:
            await client.get_json("/api/v1/courses/1")
    assert caught.value.exit_code == 1
    assert len(canvas.log) == 3


async def test_403_without_rate_limit_is_not_allowed(canvas: FakeCanvas) -> None:
    canvas.add_fault(
        Fault(Reply(403, {"errors": [{"message": "user not authorized to perform that action"}]}))
    )
    async with client_for(canvas) as client:
        with pytest.raises(CanvasError) as caught:
            await client.get_json("/api/v1/courses/1")
    assert caught.value.message.startswith("not allowed: GET /api/v1/courses/1")
    assert "user not authorized" in caught.value.message
    assert caught.value.exit_code == 2
    assert len(canvas.log) == 1


async def test_401_says_the_token_is_wrong(canvas: FakeCanvas) -> None:
    async with CanvasClient(canvas.base_url, "wrong-secret-token") as client:
        with pytest.raises(CanvasError) as caught:
            await client.get_json("/api/v1/courses")
    assert caught.value.message == (
        "Canvas rejected the token (401): it is wrong or expired; make a new one under "
        "Account → Settings"
    )
    assert caught.value.status == 401
    assert caught.value.exit_code == 2


async def test_404_names_what_was_asked(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    async with client_for(canvas) as client:
        with pytest.raises(CanvasError) as caught:
            await client.get_paginated("/api/v1/courses/1/modules/999/items")
    message = caught.value.message
    assert message.startswith("not found: GET /api/v1/courses/1/modules/999/items")
    assert "The specified resource does not exist." in message
    assert "\n" not in message


async def test_500_is_retried_for_get(canvas: FakeCanvas) -> None:
    course_with_items(canvas, 1)
    canvas.fail_request(1, 500)
    canvas.fail_request(2, 503)
    async with client_for(canvas) as client:
        assert (await client.get_json("/api/v1/courses/1"))["name"] == "Biology"
    assert len(canvas.log) == 3


async def test_5xx_gives_up_after_max_attempts(canvas: FakeCanvas) -> None:
    canvas.add_fault(Fault(Reply(502, "Bad Gateway"), times=10))
    async with client_for(canvas, max_attempts=3) as client:
        with pytest.raises(CanvasError, match=r"said: Bad Gateway\); gave up after 3 attempts"):
            await client.get_json("/api/v1/courses/1")
    assert len(canvas.log) == 3


async def test_put_and_delete_are_retried_after_500(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    canvas.add_page(1, None, "Notes", "<p>old</p>")
    canvas.fail_request(1, 500, method="PUT")
    canvas.fail_request(1, 500, method="DELETE")
    async with client_for(canvas) as client:
        body = {"wiki_page": {"body": "new"}}
        page = await client.put_json("/api/v1/courses/1/pages/notes", body)
        assert page["body"] == "new"
        await client.delete("/api/v1/courses/1/pages/notes")
    assert len(canvas.requests("PUT")) == 2
    assert len(canvas.requests("DELETE")) == 2
    assert (1, "notes") not in canvas.pages


async def test_post_is_not_retried_after_500(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    canvas.fail_request(1, 500, method="POST")
    async with client_for(canvas) as client:
        with pytest.raises(CanvasError) as caught:
            await client.post_json("/api/v1/courses/1/pages", {"wiki_page": {"title": "Notes"}})
    assert caught.value.maybe_applied
    assert caught.value.status == 500
    assert "may have been applied" in caught.value.message
    assert len(canvas.requests("POST")) == 1


async def test_post_is_not_retried_after_a_timeout(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    canvas.slow_request(4.0, method="POST")
    async with client_for(canvas, timeout=1.0) as client:
        with pytest.raises(CanvasError) as caught:
            await client.post_json("/api/v1/courses/1/pages", {"wiki_page": {"title": "Notes"}})
    assert caught.value.maybe_applied
    assert "may have been applied" in caught.value.message
    assert len(canvas.requests("POST")) == 1


async def test_post_is_retried_when_throttled(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    canvas.rate_limit_burst(1)
    async with client_for(canvas) as client:
        page = await client.post_json("/api/v1/courses/1/pages", {"wiki_page": {"title": "Notes"}})
    assert page["title"] == "Notes"
    assert len(canvas.requests("POST")) == 2
    assert len([p for p in canvas.pages.values() if p["title"] == "Notes"]) == 1


async def test_post_is_retried_when_the_connection_was_refused() -> None:
    with anyio.fail_after(30):
        # Nothing listens on this port once the fake is gone: every attempt is refused.
        from tests.fakes.canvas_server import running

        with running() as gone:
            base_url = gone.base_url
        async with CanvasClient(base_url, "t", max_attempts=3, backoff_base=0.01) as client:
            with pytest.raises(CanvasError) as caught:
                await client.post_json("/api/v1/courses/1/pages", {})
    assert not caught.value.maybe_applied
    assert "cannot reach Canvas" in caught.value.message
    assert "gave up after 3 attempts" in caught.value.message


async def test_slow_get_times_out_and_is_retried(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    canvas.slow_request(1.0, method="GET")
    async with client_for(canvas, timeout=0.2) as client:
        assert (await client.get_json("/api/v1/courses/1"))["name"] == "Biology"
    assert len(canvas.log) == 2


async def test_download_sends_no_token_and_follows_redirects(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    meta = canvas.add_file(1, None, "notes.txt", b"Mitochondria make ATP.", "text/plain")
    async with client_for(canvas) as client:
        info = await client.get_json(f"/api/v1/courses/1/files/{meta['id']}")
        data = await client.download(info["url"])
    assert data == b"Mitochondria make ATP."
    downloads = canvas.requests("GET", r"^/(files|storage)/")
    assert [r.path.split("/")[1] for r in downloads] == ["files", "storage"]
    assert not any(r.authorised for r in downloads)


async def test_download_refuses_files_over_the_cap(canvas: FakeCanvas) -> None:
    canvas.add_course(1, "Biology")
    meta = canvas.add_file(1, None, "big.pdf", b"x" * 5000, "application/pdf")
    async with client_for(canvas, max_download_bytes=1000) as client:
        info = await client.get_json(f"/api/v1/courses/1/files/{meta['id']}")
        with pytest.raises(CanvasError, match="larger than 1,000 bytes") as caught:
            await client.download(info["url"])
    assert "verifier" not in caught.value.message  # the signed query is never shown


async def test_next_links_to_another_host_are_refused(canvas: FakeCanvas) -> None:
    canvas.add_fault(
        Fault(Reply(200, [{"id": 1}], {"Link": '<https://evil.test/api/v1/x?page=2>; rel="next"'}))
    )
    async with client_for(canvas) as client:
        with pytest.raises(CanvasError, match="refusing to send the Canvas token"):
            await client.get_paginated("/api/v1/courses")
    assert len(canvas.log) == 1


async def test_token_never_appears_in_messages_logs_or_repr(
    canvas: FakeCanvas, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = canvas.token
    canvas.add_course(1, "Biology")
    messages: list[str] = []
    async with client_for(canvas, max_attempts=2) as client:
        messages.append(repr(client))
        for fault in (
            Fault(Reply(404, {"errors": [{"message": "nope"}]})),
            Fault(Reply(403, "forbidden")),
            Fault(Reply(500, "boom"), times=2),
        ):
            canvas.add_fault(fault)
            with pytest.raises(CanvasError) as caught:
                await client.get_json("/api/v1/courses/1")
            messages += [caught.value.message, str(caught.value), repr(caught.value)]
        canvas.add_fault(Fault(Reply(500, "boom")))
        with pytest.raises(CanvasError) as caught:
            await client.post_json("/api/v1/courses/1/pages", {"wiki_page": {"title": "x"}})
        messages.append(caught.value.message)
    async with CanvasClient(canvas.base_url, secret + "-expired") as wrong:
        with pytest.raises(CanvasError) as caught:
            await wrong.get_json("/api/v1/courses")
        messages += [caught.value.message, repr(wrong)]
    assert len(messages) == 13
    assert not any(secret in message for message in messages)
    assert secret not in caplog.text


def test_from_settings_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu/api/v1/")
    monkeypatch.setenv("CANVAS_API_TOKEN", "tok")
    monkeypatch.setenv("CANVAS_MAX_ATTEMPTS", "9")
    client = CanvasClient.from_settings(timeout=3.0)
    assert client.base_url == "https://canvas.example.edu"
    assert client.max_attempts == 9
    assert client.timeout == 3.0


def test_from_settings_reads_the_config_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "canvas-config.toml"
    config.write_text('[canvas]\nbase_url = "https://lms.test"\ntoken = "from-file"\n')
    monkeypatch.setenv("QUIZGEN_CONFIG", str(config))
    client = CanvasClient.from_settings()
    assert client.base_url == "https://lms.test"
    assert "from-file" not in repr(client)


def test_from_settings_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        CanvasClient.from_settings()
    assert "CANVAS_BASE_URL and CANVAS_API_TOKEN" in caught.value.message
    assert caught.value.exit_code == 2
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu")
    with pytest.raises(ConfigError, match="set CANVAS_API_TOKEN in the environment"):
        CanvasClient.from_settings()


def test_bad_settings_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANVAS_BASE_URL", "canvas.example.edu")
    monkeypatch.setenv("CANVAS_API_TOKEN", "tok")
    with pytest.raises(ConfigError, match="http"):
        CanvasClient.from_settings()
    monkeypatch.setenv("CANVAS_BASE_URL", "https://canvas.example.edu")
    monkeypatch.setenv("CANVAS_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="CANVAS_TIMEOUT"):
        CanvasClient.from_settings()


def test_base_url_is_normalised() -> None:
    assert normalise_base_url(" https://c.test/ ") == "https://c.test"
    assert normalise_base_url("https://c.test/api/v1") == "https://c.test"


def test_a_validation_refusal_quotes_canvas_s_messages_not_python_reprs() -> None:
    """Canvas answers a model's failed validations as {"errors": {field: [{attribute, type,
    message}]}} (hand-written here, as a 422 of the Quiz Question Groups API looks)."""
    request = httpx.Request("POST", "https://canvas.example/api/v1/courses/1/quizzes/2/groups")
    body = {
        "errors": {
            "name": [{"attribute": "name", "type": "too_long", "message": "too_long"}],
            "pick_count": [
                {"attribute": "pick_count", "type": "not_a_number", "message": "not_a_number"}
            ],
        }
    }
    error = refusal(httpx.Response(422, json=body, request=request), "POST /quizzes/2/groups")
    assert error.message == (
        "POST /quizzes/2/groups: Canvas refused it with 422"
        " (Canvas said: name: too_long; pick_count: not_a_number)"
    )
    assert error.exit_code == 2
    title = {"errors": {"title": "can't be blank"}}
    assert said(httpx.Response(400, json=title)) == " (Canvas said: title: can't be blank)"
