"""`quizgen status`, `quizgen list` and `quizgen show`: reading the store, never writing it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from quizgen.cli.options import DbOption, JsonOption, QuizArgument
from quizgen.cli.render import console
from quizgen.cli.running import run_command

if TYPE_CHECKING:
    pass


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("list")(list_quizzes)
    app.command("show")(show)


@run_command
def status(quiz_ref: QuizArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The quiz, its content, and every batch: counts, attempts, tokens, time, errors."""
    from quizgen.cli.filters import quiz_in_store
    from quizgen.cli.status import cost_line, full_status, print_batches, print_checks

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        document, batches, costs = full_status(store, quiz)
    if "batch_api_jobs" in document:
        from quizgen.cli.batch_jobs import add_live_states

        add_live_states(quiz, document["batch_api_jobs"])
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    out = console()
    head = document["quiz"]
    out.print(f"{quiz.title}  ({quiz.id})", style="bold")
    out.print(
        f"status {head['status']}"
        + (f" ({quiz.failure_reason})" if quiz.failure_reason else "")
        + f", {head['question_count']}/{head['target_count']} questions,"
        f" provider {quiz.provider}, model {quiz.model}, language {quiz.language}"
    )
    for module in document["modules"]:
        sources = ", ".join(module["sources"])
        out.print(
            f"module {module['module_id']} ({module['origin']}): {module['chars']:,} characters "
            f"from {sources}"
        )
        for warning in module["warnings"]:
            out.print(f"  warning: {warning}", style="yellow")
    print_batches(quiz, batches, costs)
    print_checks(document)
    totals = document["totals"]
    out.print(
        f"total: {totals['calls']} LLM calls, {totals['input_tokens']:,} tokens in "
        f"({totals['cached_tokens']:,} cached), {totals['output_tokens']:,} out, "
        f"{totals['llm_seconds']:.1f} s of LLM time, {totals['rejected']} rejected question(s)"
    )
    out.print(cost_line(costs))
    if "batch_api_jobs" in document:
        from quizgen.cli.batch_jobs import job_lines

        for line in job_lines(document["batch_api_jobs"]):
            out.print(line, soft_wrap=True)
    for pub in document["publications"]:
        groups = (
            f"{pub['groups_done']}/{pub['groups_total']} question groups, "
            if pub["groups_total"]
            else ""
        )
        out.print(
            f"canvas ({pub['engine']} engine, course {pub['course_id']}): {pub['status']}, "
            f"{pub['items_done']}/{pub['items_total']} items, {groups}"
            f"{pub['remote_url'] or 'no quiz created yet'}"
        )


@run_command
def list_quizzes(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every quiz in the database, oldest first."""
    from quizgen.cli.filters import database_path, missing_database, open_store
    from quizgen.report.status import quiz_document

    path, source = database_path(db)
    if path.parent.is_dir() and not path.exists():
        # Nothing to list, and nothing is created: say where we looked.
        if as_json:
            typer.echo("[]")
        typer.echo(f"no quizzes: {missing_database(path, source)}", err=as_json)
        return
    store = open_store(db)
    try:
        documents = [quiz_document(q, store.batches(q.id)) for q in store.quizzes()]
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(documents, ensure_ascii=False))
        return
    if not documents:
        typer.echo("no quizzes yet; make one with `quizgen create SPEC`")
        return
    from quizgen.cli.render import Column, print_table

    columns = [
        Column("id", role="key"),
        Column("title", role="wrap"),
        Column("status", role="key"),
        Column("questions", "right", drop_rank=2),
        Column("created", drop_rank=1),
    ]
    rows = [
        [
            doc["id"],
            doc["title"],
            doc["status"],
            f"{doc['question_count']}/{doc['target_count']}",
            doc["created_at"][:16].replace("T", " "),
        ]
        for doc in documents
    ]
    print_table(columns, rows)


@run_command
def show(
    quiz_ref: QuizArgument,
    module: Annotated[str | None, typer.Option("--module", help="Only this module id.")] = None,
    question_type: Annotated[
        str | None, typer.Option("--type", help="Only this question type.")
    ] = None,
    review: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only questions in this review status: pending, approved, rejected."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The questions of a quiz with their answer keys, explanations and cited passages."""
    from quizgen.checks.citations import cited_text
    from quizgen.cli.filters import check_filters, quiz_in_store
    from quizgen.errors import InputError
    from quizgen.models import ReviewStatus
    from quizgen.pools import pool_document, quiz_pools
    from quizgen.questions import question_type as lookup
    from quizgen.report.status import question_document

    try:
        wanted = ReviewStatus(review) if review else None
    except ValueError:
        raise InputError(
            f"--status must be one of: {', '.join(s.value for s in ReviewStatus)} (got {review!r})"
        ) from None
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        check_filters(store, quiz, module=module, question_type=question_type)
        questions = store.questions(
            quiz.id, module_id=module, question_type=question_type, review_status=wanted
        )
        texts = {record.module_id: record.content for record in store.modules(quiz.id)}
    pools = quiz_pools(quiz)
    if as_json:
        documents = [
            {**question_document(q), "pool": pool_document(pools.get(q.batch_key))}
            for q in questions
        ]
        typer.echo(json.dumps({"quiz_id": quiz.id, "questions": documents}, ensure_ascii=False))
        return
    out = console()
    if not questions:
        out.print("no questions match")
        return
    for number, question in enumerate(questions, start=1):
        qtype = lookup(question.question_type)
        pool = pools.get(question.batch_key)
        in_pool = f", pool: {pool.label()} shown" if pool else ""
        header = (
            f"{number}. [{question.id}] {question.batch_key}{in_pool}  "
            f"({question.review_status.value})"
        )
        out.print(header, style="bold")
        parsed, _ = qtype.parse(question.data)
        body = qtype.render(parsed) if parsed is not None else json.dumps(question.data)
        out.print(body)
        if question.data.get("explanation"):
            out.print(f"  explanation: {question.data['explanation']}")
        if question.data.get("source_quote"):
            where = (question.citation or {}).get("source") or "module content"
            cited = cited_text(texts.get(question.module_id, ""), question.citation)
            out.print(f'  source ({where}): "{cited or question.data["source_quote"]}"')
        if question.flags:
            out.print(f"  flagged: {', '.join(question.flags)}")
        if question.rejection_reasons:
            out.print(
                f"  rejected: {', '.join(question.rejection_reasons)}"
                + (f" — {question.rejection_note}" if question.rejection_note else ""),
            )
        out.print()
