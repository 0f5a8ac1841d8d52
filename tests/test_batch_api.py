"""`quizgen create --batch-api` and `quizgen collect` against the fake OpenAI server."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import invoke, invoke_json
from tests.fakes import openai_server as fake_server
from tests.fakes.openai_batches import JobPlan
from tests.fakes.openai_server import FakeOpenAI
from tests.test_crash import start as start_quizgen

KEY = "sk-test-SECRET-1234"
APPENDIX = Path(__file__).parent / "fixtures" / "prose" / "appendix.toml"


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
    monkeypatch.setattr(submit.Limits, "from_settings", classmethod(lambda cls: limits))
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


def test_output_and_error_file_lines_as_openai_documents_them_are_read() -> None:
    """Lines written by hand from OpenAI's Batch API reference ("the request output object"),
    with keys in another order than the fake server writes them."""
    from quizgen.batch_api.jsonl import parse_results

    output = (
        '{"id": "batch_req_123", "custom_id": "request-2", "response": {"status_code": 200, '
        '"request_id": "req_123", "body": {"id": "chatcmpl-123", "object": "chat.completion", '
        '"created": 1711652795, "model": "gpt-3.5-turbo-0125", "choices": [{"index": 0, '
        '"message": {"role": "assistant", "content": "Hello."}, "logprobs": null, '
        '"finish_reason": "stop"}], "usage": {"prompt_tokens": 22, "completion_tokens": 2, '
        '"total_tokens": 24}, "system_fingerprint": "fp_123"}}, "error": null}\n'
    )
    errors = (
        '{"error": null, "custom_id": "request-3", "id": "batch_req_456", "response": '
        '{"body": {"error": {"message": "Invalid model.", "type": "invalid_request_error", '
        '"param": "model", "code": null}}, "request_id": "req_456", "status_code": 400}}\n'
        '{"id": "batch_req_789", "custom_id": "request-4", "response": null, '
        '"error": {"code": "batch_expired", "message": "This request could not be executed '
        'before the completion window expired."}}\n'
    )
    results, problems = parse_results(output, "output")
    assert problems == []
    ok = results["request-2"]
    assert ok.ok and not ok.transient
    assert ok.body is not None
    assert ok.body["choices"][0]["message"]["content"] == "Hello."
    results, problems = parse_results(errors, "errors")
    assert problems == []
    bad = results["request-3"]
    assert (bad.ok, bad.transient, bad.describe()) == (False, False, "HTTP 400: Invalid model.")
    expired = results["request-4"]
    assert (expired.ok, expired.transient, expired.error_code) == (False, True, "batch_expired")


def test_an_ask_larger_than_a_file_may_be_is_an_error() -> None:
    from quizgen.batch_api.jsonl import OversizeRequestError, split

    with pytest.raises(OversizeRequestError, match="more than one Batch API job may hold"):
        split([("a", b"x" * 11)], max_bytes=10)


def test_batch_calls_cost_half() -> None:
    from quizgen.report.cost import BUILTIN_PRICES, ModelUsage, usage_cost

    tokens = {"input_tokens": 1_000_000, "cached_tokens": 200_000, "output_tokens": 100_000}
    sync = usage_cost(ModelUsage("k", "openai", "gpt-4o", **tokens), BUILTIN_PRICES)
    batch = usage_cost(ModelUsage("k", "openai-batch", "gpt-4o", **tokens), BUILTIN_PRICES)
    assert sync == pytest.approx(0.8 * 2.50 + 0.2 * 1.25 + 0.1 * 10.00)
    assert batch == pytest.approx(sync / 2)


def submit_and_collect(
    cli, example: Path, fake: FakeOpenAI, *collect_args: str
) -> tuple[int, dict, str]:
    code, submitted = create_batch(cli, example, fake)
    assert code == 0, submitted
    code, out, err = invoke(
        cli, "collect", submitted["quiz"]["id"], "--wait", *collect_args, "--json"
    )
    return code, json.loads(out), err


def by_type(doc: dict) -> dict[str, dict]:
    return {b["question_type"]: b for b in doc["batches"]}


def snapshot(db: Path) -> dict[str, list]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in (
                "quizzes",
                "batches",
                "questions",
                "llm_calls",
                "api_jobs",
                "api_requests",
            )
        }


def shape(doc: dict) -> set[tuple]:
    """Batches, their types, statuses and question counts. Not their calls: which of two
    batches of a module meets a shared fact first (and so has to replace its repeat) depends
    on the order answers are recorded, concurrently or job by job."""
    return {
        (b["key"], b["question_type"], b["status"], b["generated_count"]) for b in doc["batches"]
    }


def test_the_seeds_quiz_completes_like_a_synchronous_run_at_batch_prices(
    cli, openai_env, db_path
) -> None:
    """The seed's 6-batch, 55-question quiz, answered by the realistic fake model (misquotes,
    short answers) so that corrections and top-ups go out as follow-up jobs."""
    with FakeOpenAI(mode="realistic") as fake:
        code, doc, _ = submit_and_collect(cli, APPENDIX, fake)
        assert fake.requests == [], "every answer came through the Batch API"
    assert code == 0, doc
    assert doc["quiz"]["status"] == "ready_for_review"
    assert doc["totals"]["questions"] == doc["totals"]["target"] == 55
    assert len(doc["batch_api_jobs"]) >= 2, "corrections and top-ups went out as follow-ups"
    assert {j["state"] for j in doc["batch_api_jobs"]} == {"collected"}
    with FakeOpenAI(mode="realistic") as fake:
        code, sync = invoke_json(cli, "create", str(APPENDIX), *openai_args(fake))
        assert code == 0
    assert shape(doc) == shape(sync)
    with sqlite3.connect(db_path) as conn:
        providers = conn.execute(
            "SELECT c.provider, count(*) FROM llm_calls c JOIN quizzes q ON q.id = c.quiz_id"
            " GROUP BY q.id, c.provider ORDER BY q.created_at"
        ).fetchall()
    calls = sum(b["calls"] for b in doc["batches"])
    assert providers == [
        ("openai-batch", calls),
        ("openai", sum(b["calls"] for b in sync["batches"])),
    ]
    for batch in doc["batches"]:
        at_sync_price = (
            (batch["input_tokens"] - batch["cached_tokens"]) * 2.50
            + batch["cached_tokens"] * 1.25
            + batch["output_tokens"] * 10.00
        ) / 1_000_000
        assert batch["estimated_cost_usd"] == pytest.approx(at_sync_price / 2, abs=1e-6)
    per_call = doc["totals"]["estimated_cost_usd"] / calls
    sync_per_call = sync["totals"]["estimated_cost_usd"] / providers[1][1]
    assert per_call == pytest.approx(sync_per_call / 2, rel=0.15)


def test_corrections_and_top_ups_go_out_as_a_follow_up_job(cli, example, openai_env) -> None:
    script = {
        "multiple_choice": [fake_server.invalid(2)],
        "true_false": [fake_server.text('{"questions": [ {"question_text": ')],
    }
    with FakeOpenAI(script=script) as fake:
        code, doc, _ = submit_and_collect(cli, example, fake)
        second = fake.batch_service.input_lines(fake.batch_service.order[1])
    assert code == 0, doc
    jobs = doc["batch_api_jobs"]
    assert [(j["round"], j["requests"]) for j in jobs] == [(1, 6), (2, 2)]
    asks = sorted(line["body"]["messages"][-1]["content"] for line in second)
    assert "not valid JSON" in asks[1] or "not valid JSON" in asks[0]
    assert any("were rejected" in a and "exactly 2" in a for a in asks)
    mc, tf = by_type(doc)["multiple_choice"], by_type(doc)["true_false"]
    assert (mc["status"], mc["calls"], mc["rejected_count"]) == ("succeeded", 2, 2)
    assert (tf["status"], tf["calls"]) == ("succeeded", 2)
    assert doc["totals"]["questions"] == 45


def test_an_expired_job_is_resubmitted_only_for_its_unfinished_requests(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(expire_after=2)]) as fake:
        code, doc, err = submit_and_collect(cli, example, fake)
        sizes = [len(fake.batch_service.input_lines(b)) for b in fake.batch_service.order]
    assert code == 0, doc
    assert sizes == [6, 4]
    (line,) = [x for x in err.splitlines() if "expired" in x]
    assert line.startswith("error: batch batch_") and line.endswith(
        "expired with 4 of 6 request(s) unfinished; they are sent again"
    )
    assert doc["batch_api_jobs"][0]["last_error"] == line.removeprefix("error: ")
    assert doc["totals"]["questions"] == 45
    assert all(b["calls"] == 1 for b in doc["batches"]), "an unrun request is not a call"


def test_a_malformed_output_line_is_one_error_and_its_request_is_sent_again(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(garble=(2,))]) as fake:
        code, doc, err = submit_and_collect(cli, example, fake)
        sizes = [len(fake.batch_service.input_lines(b)) for b in fake.batch_service.order]
    assert code == 0, doc
    assert sizes == [6, 1]
    (line,) = [x for x in err.splitlines() if "not valid JSON" in x]
    assert re.fullmatch(
        r"error: batch batch_\w+ output line 2: not valid JSON \(.+\); its request is sent again",
        line,
    ), line
    assert doc["totals"]["questions"] == 45


def test_partial_failure_a_5xx_is_sent_again_a_400_fails_only_its_batch(
    cli, example, openai_env
) -> None:
    script = {
        "true_false": [fake_server.status(500)],
        "matching": [fake_server.status(400, message="Invalid schema for response_format")],
    }
    with FakeOpenAI(script=script) as fake:
        code, doc, _ = submit_and_collect(cli, example, fake)
    assert code == 1
    batches = by_type(doc)
    assert batches["true_false"]["status"] == "succeeded"
    failed = batches["matching"]
    assert failed["status"] == "failed"
    assert failed["last_error"] == (
        "the Batch API refused it: HTTP 400: Invalid schema for response_format"
    )
    assert doc["totals"]["succeeded"] == 5
    assert doc["quiz"]["status"] == "ready_for_review_partial"


def test_retry_on_a_batch_mode_quiz_resubmits_its_failed_batches(cli, example, openai_env) -> None:
    script = {"matching": [fake_server.status(400)]}
    with FakeOpenAI(script=script) as fake:
        code, doc, _ = submit_and_collect(cli, example, fake)
        assert code == 1
        quiz = doc["quiz"]["id"]
        code, retried = invoke_json(cli, "retry", quiz)
        assert code == 1, "submitted, not yet collected"
        assert retried["batch_api_jobs"][-1]["requests"] == 1
        code, done = invoke_json(cli, "collect", quiz, "--wait")
        assert fake.requests == []
    assert code == 0
    assert by_type(done)["matching"]["status"] == "succeeded"
    assert by_type(done)["matching"]["attempts"] == 2


def test_cancel_keeps_what_finished_and_sends_nothing_more(cli, example, openai_env) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        code, submitted = create_batch(cli, example, fake)
        quiz = submitted["quiz"]["id"]
        code, doc = invoke_json(cli, "collect", quiz)
        assert code == 1 and doc["batch_api_jobs"][0]["remote_status"] == "in_progress"
        code, doc = invoke_json(cli, "collect", quiz, "--cancel", "--wait")
        assert len(fake.batch_service.order) == 1
    assert code == 1
    assert doc["batch_api_jobs"][0]["remote_status"] == "cancelled"
    assert {b["status"] for b in doc["batches"]} == {"failed"}
    assert {b["last_error"] for b in doc["batches"]} == {
        f"batch job {doc['batch_api_jobs'][0]['id']} was cancelled"
    }


def test_collect_ends_with_the_same_totals_line_as_create(cli, example, openai_env) -> None:
    with FakeOpenAI() as fake:
        code, submitted = create_batch(cli, example, fake)
        assert code == 0, submitted
        code, out, err = invoke(cli, "collect", submitted["quiz"]["id"], "--wait")
    assert code == 0, err
    assert "batch API job " in out
    assert re.search(
        r"^6/6 batches succeeded, 45/45 questions; estimated cost: \$\d", out, re.MULTILINE
    ), out


def test_an_unknown_batch_id_is_one_line_and_changes_nothing(
    cli, example, openai_env, db_path
) -> None:
    with FakeOpenAI() as fake:
        code, submitted = create_batch(cli, example, fake)
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE api_jobs SET remote_id = 'batch_unknown'")
        before = snapshot(db_path)
        code, out, err = invoke(cli, "collect", submitted["quiz"]["id"], "--wait")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"error: batch batch_unknown is unknown to {fake.base_url} (404): it was made with "
        "another key or server; set OPENAI_API_KEY / --base-url to the ones that created it"
    ]
    assert snapshot(db_path) == before


def test_collect_refuses_a_quiz_made_synchronously(cli, example) -> None:
    code, doc = invoke_json(cli, "create", str(example))
    code, _out, err = invoke(cli, "collect", doc["quiz"]["id"])
    assert code == 2
    assert err.strip() == (
        f"error: quiz {doc['quiz']['id']} was not made with the Batch API; "
        f"use quizgen retry {doc['quiz']['id']}"
    )


# -- kill -9 ---------------------------------------------------------------------------------


def start(args: list[str], db: Path, tmp: Path) -> subprocess.Popen[str]:
    return start_quizgen(
        args,
        db,
        QUIZGEN_CONFIG=str(tmp / "no-config.toml"),
        OPENAI_API_KEY=KEY,
        QUIZGEN_BATCH_POLL="0.02",
    )


def wait_until(db: Path, sql: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    if conn.execute(sql).fetchone()[0]:
                        return
            except sqlite3.OperationalError:
                pass  # the schema is still being created
        time.sleep(0.01)
    raise AssertionError(f"never true: {sql}")


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


def closed(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM api_requests WHERE open = 0").fetchone()[0]


def finished_quiz(db: Path) -> tuple[list[tuple], list[str], int]:
    """Batches, the kept questions' data (matching questions share a text, not pairs), calls."""
    with sqlite3.connect(db) as conn:
        batches = conn.execute(
            "SELECT key, status, generated_count, target_count FROM batches ORDER BY rowid"
        ).fetchall()
        texts = [
            row[0]
            for row in conn.execute("SELECT data FROM questions WHERE review_status != 'rejected'")
        ]
        calls = conn.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
    return batches, texts, calls


def test_a_run_killed_between_submit_and_collect_completes_without_loss_or_repeats(
    cli, openai_env, db_path, tmp_path
) -> None:
    """The seed's quiz: submitted, its collector killed (-9) while waiting and again while
    recording answers, then collected to the end — the synchronous run's shape."""
    with FakeOpenAI(mode="realistic", batch_plans=[JobPlan(hold=True)]) as fake:
        base = [*openai_args(fake), "--batch-api"]
        created = start(["create", str(APPENDIX), *base, "--json"], db_path, tmp_path)
        out, _ = created.communicate(timeout=30)
        quiz = json.loads(out)["quiz"]["id"]
        waiting = start(["collect", quiz, "--wait"], db_path, tmp_path)
        wait_until(db_path, "SELECT count(*) FROM api_jobs WHERE remote_status = 'in_progress'")
        kill(waiting)
        fake.batch_service.release()
        for _ in range(3):  # killed as soon as it has recorded one more answer
            done = closed(db_path)
            collecting = start(["collect", quiz, "--wait"], db_path, tmp_path)
            wait_until(db_path, f"SELECT count(*) > {done} FROM api_requests WHERE open = 0")
            kill(collecting)
        finishing = start(["collect", quiz, "--wait", "--json"], db_path, tmp_path)
        out, err = finishing.communicate(timeout=60)
        assert finishing.returncode == 0, err
        doc = json.loads(out)
        assert fake.requests == []
        remote_jobs = len(fake.batch_service.order)
    batches, texts, calls = finished_quiz(db_path)
    assert [(status, got) for _, status, got, _ in batches] == [
        ("succeeded", target) for *_, target in batches
    ]
    assert len(texts) == len(set(texts)) == 55
    assert calls == closed(db_path) == sum(b["calls"] for b in doc["batches"]), (
        "every answer recorded exactly once"
    )
    assert remote_jobs == len(doc["batch_api_jobs"])
    with FakeOpenAI(mode="realistic") as fake:
        code, sync = invoke_json(cli, "create", str(APPENDIX), *openai_args(fake))
    assert code == 0 and shape(doc) == shape(sync)
    for batch in doc["batches"]:  # batch prices: half of gpt-4o's for the tokens recorded
        full = (
            (batch["input_tokens"] - batch["cached_tokens"]) * 2.50
            + batch["cached_tokens"] * 1.25
            + batch["output_tokens"] * 10.00
        ) / 1_000_000
        assert batch["estimated_cost_usd"] == pytest.approx(full / 2, abs=1e-6)


def test_a_create_killed_while_submitting_is_finished_by_collect(
    example, openai_env, db_path, tmp_path
) -> None:
    with FakeOpenAI() as fake:
        base = [*openai_args(fake), "--batch-api"]
        creating = start(["create", str(example), *base], db_path, tmp_path)
        wait_until(db_path, "SELECT count(*) FROM api_jobs")
        kill(creating)
        with sqlite3.connect(db_path) as conn:
            (quiz,) = conn.execute("SELECT id FROM quizzes").fetchone()
        finishing = start(["collect", quiz, "--wait", "--json"], db_path, tmp_path)
        out, err = finishing.communicate(timeout=60)
        assert finishing.returncode == 0, err
        remote_jobs = len(fake.batch_service.order)
    _batches, texts, calls = finished_quiz(db_path)
    assert len(texts) == len(set(texts)) == 45 and calls == 6
    assert remote_jobs == len(json.loads(out)["batch_api_jobs"]) == 1, "no job sent twice"


def test_status_shows_each_job_and_its_live_remote_state(
    cli, example, openai_env, monkeypatch
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        code, submitted = create_batch(cli, example, fake)
        quiz = submitted["quiz"]["id"]
        code, doc = invoke_json(cli, "status", quiz)
        assert code == 0
        (job,) = doc["batch_api_jobs"]
        assert job["state"] == "submitted" and job["remote_status"] == "validating"
        assert job["remote"] == {"status": "in_progress", "completed": 0, "failed": 0, "total": 6}
        code, out, _ = invoke(cli, "status", quiz)
        assert (
            f"batch API job {job['id']} (round 1, 6 requests): submitted; remote "
            f"{job['remote_id']} in_progress now, 0/6 done"
        ) in out
    code, out, _ = invoke(cli, "status", quiz)  # the server is gone
    assert code == 0
    assert f"could not check: reading batch {job['remote_id']}: cannot connect to" in out
    monkeypatch.delenv("OPENAI_API_KEY")
    code, doc = invoke_json(cli, "status", quiz)
    assert "remote" not in doc["batch_api_jobs"][0] and code == 0


def test_a_job_that_fails_validation_is_sent_again(cli, example, openai_env) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(invalid=True)]) as fake:
        code, doc, err = submit_and_collect(cli, example, fake)
        sizes = [len(fake.batch_service.input_lines(b)) for b in fake.batch_service.order]
    assert code == 0, doc
    assert sizes == [6, 6]
    (line,) = [x for x in err.splitlines() if " failed: " in x]
    assert re.fullmatch(
        r"error: batch batch_\w+ failed: line 1: The input file failed validation\.", line
    )
    assert doc["totals"]["questions"] == 45


def test_a_job_created_just_before_a_kill_is_adopted_not_created_twice(
    cli, example, openai_env, db_path
) -> None:
    with FakeOpenAI() as fake:
        code, submitted = create_batch(cli, example, fake)
        with sqlite3.connect(db_path) as conn:  # as if killed before the batch id was stored
            conn.execute("UPDATE api_jobs SET state = 'uploaded', remote_id = NULL")
        code, doc = invoke_json(cli, "collect", submitted["quiz"]["id"], "--wait")
        assert len(fake.batch_service.order) == 1
        assert len(fake.batch_service.files) == 2, "the input file and the output file"
    assert code == 0
    assert doc["batch_api_jobs"][0]["remote_id"] == fake.batch_service.order[0]
    assert doc["totals"]["questions"] == 45


def test_jobs_wait_for_room_in_the_batch_queue(cli, example, openai_env, monkeypatch) -> None:
    """An account's queue (input tokens enqueued at once per model) holds about 2 of the
    example's asks: quizgen sends jobs that fit beside those in flight, the rest later."""
    queue = 7_000
    monkeypatch.setenv("QUIZGEN_BATCH_QUEUE_TOKENS", str(queue))
    with FakeOpenAI(batch_queue_tokens=queue) as fake:
        code, submitted = create_batch(cli, example, fake)
        first = len(fake.batch_service.order)
        code, doc, err = submit_and_collect_again(cli, submitted["quiz"]["id"])
        statuses = [
            fake.batch_service.batches[b].object["status"] for b in fake.batch_service.order
        ]
    assert code == 0, doc
    assert first == 1 and len(submitted["batch_api_jobs"]) == 1
    assert "request(s) wait for room in the Batch API queue" in err
    assert set(statuses) == {"completed"}, "no job went over the queue"
    assert len(statuses) >= 3
    assert all(j["bytes"] // 4 + 1 <= queue for j in doc["batch_api_jobs"])
    assert doc["totals"]["questions"] == 45


def test_without_the_setting_a_job_over_the_queue_fails_and_is_sent_again_at_most_3_times(
    cli, example, openai_env
) -> None:
    with FakeOpenAI(batch_queue_tokens=1_000) as fake:
        code, doc, err = submit_and_collect(cli, example, fake)
        sent = len(fake.batch_service.order)
    assert code == 1 and sent == 4
    assert "token_limit_exceeded" not in err and "Enqueued token limit reached" in err
    assert {b["status"] for b in doc["batches"]} == {"failed"}
    assert {b["last_error"] for b in doc["batches"]} == {
        "no answer after 4 sends (the job failed: Enqueued token limit reached for gpt-4o in "
        "organization org-fake. Limit: 1,000 enqueued tokens. Please try submitting fewer "
        "tokens.)"
    }


def submit_and_collect_again(cli, quiz: str) -> tuple[int, dict, str]:
    code, out, err = invoke(cli, "collect", quiz, "--wait", "--json")
    return code, json.loads(out), err


def test_cancel_drops_follow_ups_not_yet_sent(cli, example, openai_env) -> None:
    with FakeOpenAI(script={"multiple_choice": [fake_server.invalid(2)]}) as fake:
        code, submitted = create_batch(cli, example, fake)
        quiz = submitted["quiz"]["id"]
        for _ in range(2):  # validating → in_progress → finalizing
            assert invoke_json(cli, "collect", quiz)[0] == 1
        code, doc = invoke_json(cli, "collect", quiz, "--cancel")
        assert len(fake.batch_service.order) == 1, "the follow-up was never sent"
    assert code == 1
    mc = by_type(doc)["multiple_choice"]
    assert (mc["status"], mc["generated_count"]) == ("partial", 8)
    assert mc["last_error"] == "cancelled before it was sent"
    assert doc["totals"]["succeeded"] == 5


def test_batch_settings_come_from_the_config_file_and_are_checked(
    cli, example, openai_env, tmp_path, monkeypatch, db_path
) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.setenv("QUIZGEN_CONFIG", str(config))
    monkeypatch.delenv("QUIZGEN_BATCH_POLL")
    config.write_text("[openai]\nbatch_queue_tokens = 0\n")
    with FakeOpenAI() as fake:
        code, _, err = invoke(cli, "create", str(example), *openai_args(fake), "--batch-api")
        assert fake.batch_routes == [] and fake.requests == []
    assert code == 2 and "batch_queue_tokens" in err and str(config) in err
    config.write_text("[openai]\nbatch_queue_tokens = 7000\nbatch_poll = 0.01\n")
    with FakeOpenAI(batch_queue_tokens=7_000) as fake:
        code, doc, err = submit_and_collect(cli, example, fake)
    assert code == 0 and "wait for room in the Batch API queue" in err
    assert doc["totals"]["questions"] == 45
