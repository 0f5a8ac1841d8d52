"""`quizgen publish`: put a reviewed quiz into a Canvas course, resumably."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from quizgen.cli.options import DbOption, JsonOption, QuizArgument
from quizgen.cli.running import EXIT_INCOMPLETE, run_command

if TYPE_CHECKING:
    from quizgen.canvas.plan import PublishPlan
    from quizgen.canvas.publish import PublishOutcome
    from quizgen.store import Store


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)


@run_command
def publish(
    quiz_ref: QuizArgument,
    course: Annotated[
        int | None,
        typer.Option("--course", help="Canvas course id (default: the spec's [course] id)."),
    ] = None,
    engine: Annotated[
        Literal["new", "classic"] | None,
        typer.Option("--engine", help="new (New Quizzes, default) or classic (Classic Quizzes)."),
    ] = None,
    include_pending: Annotated[
        bool,
        typer.Option("--include-pending", help="Also publish questions not yet reviewed."),
    ] = False,
    published: Annotated[
        bool | None,
        typer.Option(
            "--published/--unpublished",
            help="Make the quiz visible to students once complete (default: the spec's, "
            "else unpublished).",
        ),
    ] = None,
    new_copy: Annotated[
        bool,
        typer.Option("--new", help="Make another copy even if this quiz is already published."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print every request it would send; send nothing."),
    ] = False,
    spec_file: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            metavar="FILE",
            help="Take [course] and [publish] from this spec file instead of the copy stored "
            "at create.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the approved questions as a Canvas quiz; re-run to finish an interrupted one."""
    from quizgen.canvas.plan import plan_publication
    from quizgen.cli.filters import quiz_in_store

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        plan = plan_publication(
            store,
            quiz,
            course_id=course,
            engine=engine,
            published=published,
            include_pending=include_pending,
            spec_file=spec_file,
        )
        if dry_run:
            _announce(plan, dry_run=True)
            _dry_run(plan, as_json=as_json)
            return
        outcome = _publish(store, plan, new_copy=new_copy, as_json=as_json)
    _report(plan, outcome, as_json=as_json)
    if not outcome.complete:
        raise typer.Exit(EXIT_INCOMPLETE)


def _announce(plan: PublishPlan, *, dry_run: bool) -> None:
    """Said on stderr before anything is sent: which course first (and where that came from),
    then what goes there and what the engine changes."""
    settings = plan.settings
    kind = "a New Quiz" if settings.engine == "new" else "a Classic Quiz"
    pending = f" ({plan.pending_included} not yet reviewed)" if plan.pending_included else ""
    verb = "would publish" if dry_run else "publishing"
    typer.echo(
        f"course {settings.course_id} ({plan.course_source}): {verb} {len(plan.records)} "
        f"question(s){pending} as {kind}, {'published' if settings.published else 'unpublished'}"
        f"; [publish] settings from {plan.settings_source}",
        err=True,
    )
    for note in plan.notes:
        typer.echo(f"note: {note}", err=True)


def _dry_run(plan: PublishPlan, *, as_json: bool) -> None:
    from quizgen.canvas.client import normalise_base_url
    from quizgen.canvas.plan import planned_requests
    from quizgen.settings import load_settings

    configured = load_settings().canvas.base_url
    base_url = normalise_base_url(configured) if configured else "{CANVAS_BASE_URL}"
    requests = planned_requests(plan, base_url)
    if as_json:
        document = {
            "dry_run": True,
            "quiz_id": plan.quiz.id,
            "engine": plan.settings.engine,
            "course_id": plan.settings.course_id,
            "question_count": len(plan.records),
            "pending_included": plan.pending_included,
            "notes": plan.notes,
            "headers": {"Authorization": "Bearer <CANVAS_API_TOKEN>"},
            "requests": requests,
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    typer.echo("# every request carries: Authorization: Bearer <CANVAS_API_TOKEN>")
    for request in requests:
        typer.echo(f"{request['method']} {request['url']}")
        if "body" in request:
            typer.echo(json.dumps(request["body"], indent=2, ensure_ascii=False))
    typer.echo(f"# {len(requests)} request(s); nothing was sent", err=True)


def _publish(store: Store, plan: PublishPlan, *, new_copy: bool, as_json: bool) -> PublishOutcome:
    import anyio

    from quizgen.canvas.client import CanvasClient
    from quizgen.canvas.publish import publish_quiz

    chatty = sys.stderr.isatty()

    def say(message: str) -> None:
        if chatty:
            typer.echo(message, err=True)

    async def run() -> PublishOutcome:
        async with CanvasClient.from_settings() as client:
            return await publish_quiz(
                store,
                plan,
                client,
                new_copy=new_copy,
                progress=say,
                on_start=lambda: _announce(plan, dry_run=False),
            )

    return anyio.run(run)


def _report(plan: PublishPlan, outcome: PublishOutcome, *, as_json: bool) -> None:
    from quizgen.report.status import publication_document

    publication = outcome.publication
    if as_json:
        document = {
            "action": outcome.action,
            "publication": publication_document(publication),
            "created": outcome.created,
            "adopted": outcome.adopted,
            "failed": [{"question_id": q, "error": e} for q, e in outcome.failed],
            "warnings": outcome.warnings,
            "notes": plan.notes,
            "pending_included": plan.pending_included,
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
    for warning in outcome.warnings:
        typer.echo(f"warning: {warning}", err=True)
    done, total = publication.created_count, len(publication.items)
    where = publication.remote_url or "(no Canvas quiz yet)"
    if outcome.action == "already_published":
        message = (
            f"already published to course {publication.course_id}: {where} ({total} items); "
            "nothing sent. `--new` makes a second copy"
        )
    elif outcome.complete:
        adopted = f", {outcome.adopted} found from an earlier run" if outcome.adopted else ""
        message = f"published: {where} ({done}/{total} items{adopted})"
    else:
        lines = [f"incomplete: {done}/{total} items in Canvas at {where}"]
        lines += [f"  failed {question}: {error}" for question, error in outcome.failed]
        lines.append(
            f"run `quizgen publish {plan.quiz.id}` again to finish: it reuses the Canvas quiz, "
            "finds items an unanswered request created, and sends only what is missing"
        )
        message = "\n".join(lines)
    if as_json:
        typer.echo(message, err=True)
    else:
        typer.echo(message)
