"""The Batch API side of `create`: `create --batch-api` (or `[llm] mode = "batch"`) checks
the server has the Batch API, submits every first ask and returns."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from quizgen.cli import EXIT_OK

if TYPE_CHECKING:
    from quizgen.batch_api.remote import BatchRemote
    from quizgen.batch_api.submit import Session
    from quizgen.models import Quiz
    from quizgen.store import Store


def is_batch_mode(quiz: Quiz) -> bool:
    return quiz.spec.get("llm", {}).get("mode") == "batch"


def batch_remote(adapter: Any) -> BatchRemote:
    """The Batch API of the adapter's server, checked before anything is sent: the mock and a
    server answering 404 on /v1/batches are refused with a `ConfigError`."""
    from quizgen.batch_api.remote import BatchRemote
    from quizgen.config import setting
    from quizgen.errors import ConfigError

    if adapter.provider != "openai":
        raise ConfigError(
            f"the Batch API needs the openai provider; {adapter.provider!r} has no batch "
            "endpoints (use --provider openai, or run without --batch-api)"
        )
    remote = BatchRemote(
        api_key=setting("OPENAI_API_KEY", "openai", "api_key") or "",
        base_url=adapter.base_url,
        timeout=float(setting("QUIZGEN_OPENAI_TIMEOUT", "openai", "timeout") or 120),
    )
    remote.probe()
    return remote


def session_for(store: Store, quiz: Quiz, adapter: Any, remote: BatchRemote) -> Session:
    from quizgen.batch_api.submit import Limits, Session

    return Session(
        store=store,
        quiz=quiz,
        adapter=adapter,
        remote=remote,
        limits=Limits(),
        note=lambda text: typer.echo(text, err=True),
    )


def submit_and_report(
    store: Store, quiz: Quiz, adapter: Any, remote: BatchRemote, *, as_json: bool
) -> None:
    """`create` in batch mode: submit every first ask, print where things stand, exit 0."""
    from quizgen.batch_api.submit import submit

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


def jobs_document(store: Store, quiz_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": job.id,
            "round": job.round,
            "state": job.state.value,
            "remote_id": job.remote_id,
            "remote_status": job.remote_status,
            "requests": job.request_count,
            "completed": job.completed_count,
            "failed": job.failed_count,
            "bytes": job.bytes,
            "input_file_id": job.input_file_id,
            "output_file_id": job.output_file_id,
            "error_file_id": job.error_file_id,
            "last_error": job.last_error,
            "submitted_at": job.submitted_at,
            "finished_at": job.finished_at,
        }
        for job in store.api_jobs(quiz_id)
    ]


def _print_document(store: Store, quiz_id: str, *, as_json: bool) -> None:
    from quizgen.commands.inspect import cost_line, full_status, print_batches

    quiz = store.quiz(quiz_id)
    document, batches, costs = full_status(store, quiz)
    document["batch_api_jobs"] = jobs_document(store, quiz_id)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    print_batches(quiz, batches, costs)
    for job in document["batch_api_jobs"]:
        typer.echo(
            f"job {job['id']} (round {job['round']}): {job['state']}, remote "
            f"{job['remote_id'] or '-'} {job['remote_status'] or ''}, "
            f"{job['completed']}/{job['requests']} answered"
        )
    totals = document["totals"]
    typer.echo(
        f"{totals['succeeded']}/{totals['batches']} batches succeeded, "
        f"{totals['questions']}/{totals['target']} questions; {cost_line(costs)}"
    )
