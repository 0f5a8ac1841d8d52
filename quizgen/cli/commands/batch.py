"""`quizgen collect`: record what the Batch API has finished (see `quizgen.cli.batch_jobs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from quizgen.cli.options import DbOption, JsonOption, QuizArgument
from quizgen.cli.running import run_command

if TYPE_CHECKING:
    pass


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)


@run_command
def collect(
    quiz_ref: QuizArgument,
    wait: Annotated[
        bool, typer.Option("--wait", help="Stay until every batch is done, polling the API.")
    ] = False,
    cancel: Annotated[
        bool,
        typer.Option("--cancel", help="Cancel the quiz's unfinished Batch API jobs, keep results."),
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="Server of the jobs (default: the one they were submitted to)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record what the Batch API has finished and submit the follow-up asks (batch mode)."""
    from quizgen.cli.batch_jobs import collect_and_report, is_batch_mode
    from quizgen.cli.filters import quiz_in_store
    from quizgen.errors import InputError

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        if not is_batch_mode(quiz):
            raise InputError(
                f"quiz {quiz.id} was not made with the Batch API; use quizgen retry {quiz.id}"
            )
        collect_and_report(
            store, quiz, wait=wait, cancel=cancel, as_json=as_json, base_url=base_url
        )
