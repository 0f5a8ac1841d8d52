"""The Batch API side of `create`, `retry` and `collect`.

`create --batch-api` (or `[llm] mode = "batch"`) checks the server has the Batch API, submits
every first ask and returns; `collect` records what the API has finished, exactly as a
synchronous run would, and submits the corrections and top-ups; `--wait` repeats that until
every batch is done. `retry` on a batch-mode quiz is `collect` that first takes the failed and
partial batches back in.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import typer

from quizgen.cli.running import EXIT_INCOMPLETE, EXIT_OK

if TYPE_CHECKING:
    from quizgen.batch_api.remote import BatchRemote
    from quizgen.batch_api.submit import Session
    from quizgen.models import Quiz
    from quizgen.store import Store

DEFAULT_POLL = 30.0
"""Seconds between looks at unfinished jobs with `--wait` (QUIZGEN_BATCH_POLL)."""


def is_batch_mode(quiz: Quiz) -> bool:
    return quiz.spec.get("llm", {}).get("mode") == "batch"


def batch_remote(adapter: Any) -> BatchRemote:
    """The Batch API of the adapter's server, checked before anything is sent: the mock and a
    server answering 404 on /v1/batches are refused with a `ConfigError`."""
    from quizgen.batch_api.remote import BatchRemote
    from quizgen.errors import ConfigError
    from quizgen.settings import load_settings

    if adapter.provider != "openai":
        raise ConfigError(
            f"the Batch API needs the openai provider; {adapter.provider!r} has no batch "
            "endpoints (use --provider openai, or run without --batch-api)"
        )
    settings = load_settings().openai
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    remote = BatchRemote(api_key=key, base_url=adapter.base_url, timeout=settings.timeout or 120)
    remote.probe()
    return remote


def session_for(store: Store, quiz: Quiz, adapter: Any, remote: BatchRemote) -> Session:
    from quizgen.batch_api.submit import Limits, Session

    return Session(
        store=store,
        quiz=quiz,
        adapter=adapter,
        remote=remote,
        limits=Limits.from_settings(),
        note=lambda text: typer.echo(text, err=True),
    )


def submit_and_report(
    store: Store, quiz: Quiz, adapter: Any, remote: BatchRemote, *, as_json: bool
) -> None:
    """`create` in batch mode: submit every first ask, print where things stand, exit 0."""
    from quizgen.batch_api.lease import collecting
    from quizgen.batch_api.submit import submit

    with collecting(store, quiz.id):
        jobs = submit(session_for(store, quiz, adapter, remote))
    requests = sum(j.request_count for j in jobs)
    if not as_json:
        typer.echo(
            f"submitted {requests} request(s) in {len(jobs)} Batch API job(s); results within "
            f"24 h: quizgen collect {quiz.id} (add --wait to stay until done)",
            err=True,
        )
    _print_document(store, quiz.id, as_json=as_json)
    raise typer.Exit(EXIT_OK)


def add_live_states(quiz: Quiz, jobs: list[dict[str, Any]]) -> None:
    """Ask the API for the state of every job still out (read-only) and put it in `remote`
    ({status, completed, failed, total}) — or its one-line `remote_error`. Without a key,
    the state last seen by `collect` is all there is."""
    from quizgen.batch_api.remote import BatchRemote
    from quizgen.errors import QuizgenError
    from quizgen.settings import load_settings

    out = [job for job in jobs if job["state"] == "submitted" and job["remote_id"]]
    secret = load_settings().openai.api_key
    key = secret.get_secret_value() if secret else ""
    if not out or not key:
        return
    remote = BatchRemote(api_key=key, base_url=out[0]["base_url"], timeout=10, max_retries=1)
    try:
        for job in out:
            try:
                found = remote.retrieve(job["remote_id"])
            except QuizgenError as exc:
                job["remote_error"] = exc.message
                continue
            counts = found.request_counts
            job["remote"] = {
                "status": found.status,
                "completed": counts.completed if counts else 0,
                "failed": counts.failed if counts else 0,
                "total": counts.total if counts else 0,
            }
    finally:
        remote.close()


def job_lines(jobs: list[dict[str, Any]]) -> list[str]:
    """One line per Batch API job for the terminal; the live state when `status` fetched it."""
    lines = []
    for job in jobs:
        live = job.get("remote")
        if live:
            where = f"{live['status']} now, {live['completed']}/{live['total']} done"
        else:
            where = f"{job['remote_status'] or 'not created'}, {job['completed']} answered"
        line = (
            f"batch API job {job['id']} (round {job['round']}, {job['requests']} requests): "
            f"{job['state']}; remote {job['remote_id'] or '-'} {where}"
        )
        if job.get("remote_error"):
            line += f" (could not check: {job['remote_error']})"
        elif job.get("last_error"):
            line += f" ({job['last_error']})"
        lines.append(line)
    return lines


def _print_document(store: Store, quiz_id: str, *, as_json: bool) -> None:
    from quizgen.cli.status import full_status, print_batches, totals_line

    quiz = store.quiz(quiz_id)
    document, batches, costs = full_status(store, quiz)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    print_batches(quiz, batches, costs)
    for line in job_lines(document.get("batch_api_jobs", [])):
        typer.echo(line)
    typer.echo(totals_line(document, costs))


def _poll_seconds() -> float:
    from quizgen.settings import load_settings

    poll = load_settings().openai.batch_poll
    return DEFAULT_POLL if poll is None else poll


def collect_and_report(
    store: Store,
    quiz: Quiz,
    *,
    wait: bool,
    cancel: bool,
    as_json: bool,
    retry: bool = False,
    base_url: str | None = None,
) -> None:
    """Collect rounds (until done with `wait`), print the status document, exit 0 when every
    batch succeeded, else 1. The server is `base_url`, else the one the quiz's jobs went to."""
    from quizgen.batch_api.collect import collect_round, in_flight
    from quizgen.batch_api.lease import collecting
    from quizgen.llm import make_adapter

    llm = quiz.spec.get("llm", {})
    jobs = store.api_jobs(quiz.id)
    adapter = make_adapter(
        quiz.provider,
        model=quiz.model,
        temperature=llm.get("temperature"),
        base_url=base_url or (jobs[-1].base_url if jobs else None) or llm.get("base_url"),
    )
    with collecting(store, quiz.id):  # another process on this quiz: refused, nothing sent
        remote = batch_remote(adapter)
        session = session_for(store, quiz, adapter, remote)
        poll = _poll_seconds()
        try:
            while True:
                collect_round(session, cancel=cancel, retry=retry)
                retry = False
                if not wait or not in_flight(session):
                    break
                time.sleep(poll)
        finally:
            remote.close()
    _print_document(store, quiz.id, as_json=as_json)
    done = all(b.status.value == "succeeded" for b in store.batches(quiz.id))
    raise typer.Exit(EXIT_OK if done else EXIT_INCOMPLETE)
