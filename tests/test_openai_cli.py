"""`quizgen create --provider openai` against the fake server: each fault class ends right."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.conftest import invoke, invoke_json
from tests.fakes import openai_server as fake_server
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-test-SECRET-1234"


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "0.01")
    monkeypatch.setenv("QUIZGEN_OPENAI_TIMEOUT", "10")


def create(cli, example: Path, fake: FakeOpenAI, *extra: str, model: str = "gpt-4o"):
    return invoke_json(
        cli,
        "create",
        str(example),
        "--provider",
        "openai",
        "--model",
        model,
        "--base-url",
        fake.base_url,
        *extra,
    )


def batches(doc: dict) -> dict[str, dict]:
    return {b["key"]: b for b in doc["batches"]}


def key_of(doc: dict, question_type: str) -> str:
    return next(b["key"] for b in doc["batches"] if b["question_type"] == question_type)


def test_valid_run_succeeds_with_tokens_and_an_estimated_cost(cli, example, openai_env) -> None:
    with FakeOpenAI() as fake:
        code, doc = create(cli, example, fake)
    assert code == 0
    assert all(b["status"] == "succeeded" for b in doc["batches"])
    assert doc["quiz"]["provider"] == "openai" and doc["quiz"]["model"] == "gpt-4o"
    assert doc["totals"]["questions"] == doc["totals"]["target"] == 45
    assert doc["totals"]["input_tokens"] > 0
    assert doc["totals"]["estimated_cost_usd"] > 0
    assert all(b["estimated_cost_usd"] > 0 for b in doc["batches"])
    assert len(fake.requests) == 6


def test_reasoning_model_run_sends_no_temperature(cli, example, openai_env) -> None:
    with FakeOpenAI() as fake:
        code, _ = create(cli, example, fake, model="o3")
    assert code == 0
    assert all("temperature" not in body and body["model"] == "o3" for body in fake.bodies())


def test_malformed_json_is_corrected(cli, example, openai_env) -> None:
    script = {"true_false": [fake_server.text('{"questions": [ {"question_text": ')]}
    with FakeOpenAI(script=script) as fake:
        code, doc = create(cli, example, fake)
    assert code == 0
    batch = batches(doc)[key_of(doc, "true_false")]
    assert batch["status"] == "succeeded" and batch["calls"] == 2
    retried = [b for b in fake.bodies() if "not valid JSON" in b["messages"][-1]["content"]]
    assert len(retried) == 1


def test_two_invalid_questions_are_rejected_and_only_they_are_asked_again(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(script={"multiple_choice": [fake_server.invalid(2)]}) as fake:
        code, doc = create(cli, example, fake)
    assert code == 0
    batch = batches(doc)[key_of(doc, "multiple_choice")]
    assert batch["status"] == "succeeded"
    assert batch["rejected_count"] == 2 and batch["calls"] == 2
    fix = next(b for b in fake.bodies() if "were rejected" in b["messages"][-1]["content"])
    assert "exactly 2" in fix["messages"][-1]["content"]
    assert "quote_not_found" in fix["messages"][-1]["content"]


def test_truncated_output_is_asked_again(cli, example, openai_env) -> None:
    with FakeOpenAI(script={"matching": [fake_server.truncated()]}) as fake:
        code, doc = create(cli, example, fake)
    assert code == 0
    assert batches(doc)[key_of(doc, "matching")]["calls"] == 2
    assert any("cut off" in b["messages"][-1]["content"] for b in fake.bodies())


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            fake_server.refusal("I can't help with that."),
            "the model refused: I can't help with that.",
        ),
        (fake_server.content_filter(), "content filter"),
    ],
)
def test_refusal_and_content_filter_fail_only_their_batch(
    cli, example, openai_env, reply, reason: str
) -> None:
    with FakeOpenAI(script={"fill_in_blank": [reply]}) as fake:
        code, doc = create(cli, example, fake)
    assert code == 1
    failed = batches(doc)[key_of(doc, "fill_in_blank")]
    assert failed["status"] == "failed" and reason in failed["last_error"]
    assert doc["totals"]["succeeded"] == 5
    assert len(fake.requests) == 6, "a refusal is not retried"


def test_rate_limit_with_retry_after_still_succeeds(cli, example, openai_env) -> None:
    script = {"*": [fake_server.status(429, retry_after=0, retry_after_ms=100)] * 3}
    with FakeOpenAI(script=script) as fake:
        code, _ = create(cli, example, fake)
    assert code == 0
    assert fake.statuses().count(429) == 3 and fake.served() == 6


def test_persistent_server_errors_fail_the_batch_as_transient(
    cli, example, openai_env, monkeypatch
) -> None:
    monkeypatch.setenv("QUIZGEN_OPENAI_MAX_ATTEMPTS", "2")
    with FakeOpenAI(script={"categorization": [fake_server.status(500)] * 2}) as fake:
        code, doc = create(cli, example, fake)
    assert code == 1
    failed = batches(doc)[key_of(doc, "categorization")]
    assert failed["status"] == "failed"
    assert "HTTP 500" in failed["last_error"] and "gave up after 2 attempts" in failed["last_error"]


def test_a_hang_past_the_timeout_fails_the_batch(cli, example, openai_env, monkeypatch) -> None:
    monkeypatch.setenv("QUIZGEN_OPENAI_TIMEOUT", "0.3")
    monkeypatch.setenv("QUIZGEN_OPENAI_MAX_ATTEMPTS", "1")
    with FakeOpenAI(script={"true_false": [fake_server.hang()]}) as fake:
        code, doc = create(cli, example, fake)
    assert code == 1
    failed = batches(doc)[key_of(doc, "true_false")]
    assert failed["status"] == "failed" and "timed out" in failed["last_error"]


def test_bad_key_fails_every_batch_with_one_request_and_retry_with_a_good_key_finishes(
    cli, example, openai_env, monkeypatch
) -> None:
    with FakeOpenAI(api_keys=("sk-the-right-one",)) as fake:
        code, doc = create(cli, example, fake)
        assert code == 1
        assert {b["status"] for b in doc["batches"]} == {"failed"}
        assert all("API key was refused (401)" in b["last_error"] for b in doc["batches"])
        assert len(fake.requests) <= 6, "one call per batch at most, none retried"
        monkeypatch.setenv("OPENAI_API_KEY", "sk-the-right-one")
        code, again = invoke_json(cli, "retry", doc["quiz"]["id"], "--base-url", fake.base_url)
    assert code == 0 and again["totals"]["succeeded"] == 6


def test_unknown_model_fails_with_its_name(cli, example, openai_env) -> None:
    with FakeOpenAI(models=("gpt-4o",)) as fake:
        code, doc = create(cli, example, fake, model="gpt-nonexistent")
    assert code == 1
    assert all("'gpt-nonexistent'" in b["last_error"] for b in doc["batches"])


def test_missing_key_is_exit_2_before_anything_is_sent(cli, example) -> None:
    with FakeOpenAI() as fake:
        code, _, err = invoke(
            cli, "create", str(example), "--provider", "openai", "--base-url", fake.base_url
        )
    assert code == 2 and "OPENAI_API_KEY" in err and not fake.requests


def test_server_without_structured_outputs_falls_back_to_json_mode(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(json_schema=False) as fake:
        code, _ = create(cli, example, fake, "--concurrency", "1")
    assert code == 0
    assert fake.statuses().count(400) == 1
    assert [b["response_format"]["type"] for b in fake.bodies()].count("json_schema") == 1


def test_rate_limited_server_completes_every_batch(cli, example, openai_env) -> None:
    with FakeOpenAI(rate=20, burst=2) as fake:
        code, doc = create(cli, example, fake)
    assert code == 0 and doc["totals"]["succeeded"] == 6
    assert 429 in fake.statuses()


def test_base_url_comes_from_the_environment(cli, example, openai_env, monkeypatch) -> None:
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        code, _ = invoke_json(cli, "create", str(example), "--provider", "openai")
    assert code == 0 and len(fake.requests) == 6


def test_norwegian_quiz_is_prompted_in_norwegian(cli, example, openai_env) -> None:
    text = example.read_text(encoding="utf-8").replace('language = "en"', 'language = "no"')
    example.write_text(text, encoding="utf-8")
    with FakeOpenAI() as fake:
        code, _ = create(cli, example, fake)
    assert code == 0
    assert all("Du lager quizspørsmål" in b["messages"][0]["content"] for b in fake.bodies())


def test_the_api_key_never_appears_in_output_database_or_logs(
    cli, example, openai_env, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    with FakeOpenAI(api_keys=(KEY,), script={"matching": [fake_server.status(500)]}) as fake:
        for args in (("--json",), ()):
            code, out, err = invoke(
                cli,
                "create",
                str(example),
                "--provider",
                "openai",
                "--model",
                "gpt-4o",
                "--base-url",
                fake.base_url,
                *args,
            )
            outputs += [out, err]
            quiz_id = json.loads(outputs[0])["quiz"]["id"]
        for command in ("status", "show"):
            code, out, err = invoke(cli, command, quiz_id, "--json")
            outputs += [out, err]
    with FakeOpenAI(api_keys=("sk-other",)) as refusing:
        code, out, err = invoke(
            cli, "create", str(example), "--provider", "openai", "--base-url", refusing.base_url
        )
        outputs += [out, err]
    assert code == 1
    assert fake.requests and fake.requests[0].headers["authorization"] == f"Bearer {KEY}"
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for secret in (KEY, "SECRET-1234"):
        assert all(secret not in text for text in outputs)
        assert secret.encode() not in stored
        assert secret not in caplog.text
    assert caplog.records, "debug logging was captured"
