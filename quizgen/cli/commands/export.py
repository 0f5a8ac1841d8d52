"""`quizgen export`: write a quiz's approved questions to a file another system imports."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from quizgen.cli.options import DbOption, JsonOption, QuizArgument
from quizgen.cli.running import run_command

if TYPE_CHECKING:
    from quizgen.canvas.payloads import PublishSettings
    from quizgen.models import Quiz


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def default_path(title: str, quiz_id: str, extension: str) -> Path:
    """`<title-slug>-<quiz id>.<ext>` in the current folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "quiz"
    return Path(f"{slug}-{quiz_id}.{extension}")


@run_command
def export(
    quiz_ref: QuizArgument,
    format_name: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="qti, markdown, gift, moodle, json, csv, html or canvaslms."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write (default: <title>-<quiz>.<ext>); - for stdout."
        ),
    ] = None,
    include_pending: Annotated[
        bool, typer.Option("--include-pending", help="Also export questions not yet approved.")
    ] = False,
    engine: Annotated[
        Literal["new", "classic"] | None,
        typer.Option(
            "--engine",
            help="canvaslms only: new (New Quizzes) or classic; default: the spec's [publish] "
            "engine, else new, as publish does.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export approved questions (and pending ones with --include-pending)."""
    from quizgen.cli.filters import quiz_in_store
    from quizgen.errors import InputError
    from quizgen.export import FORMATS, ExportQuiz, export_quiz
    from quizgen.models import ReviewStatus

    fmt = FORMATS.get(format_name.lower())
    if fmt is None:
        raise InputError(f"unknown format {format_name!r}; use one of: {', '.join(FORMATS)}")
    if engine is not None and fmt.name != "canvaslms":
        raise InputError(f"--engine applies to --format canvaslms only, not {fmt.name}")
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        kept = store.questions(quiz.id)
    wanted = {ReviewStatus.APPROVED} | ({ReviewStatus.PENDING} if include_pending else set())
    records = [q for q in kept if q.review_status in wanted]
    pending = sum(q.review_status == ReviewStatus.PENDING for q in kept)
    if not records:
        hint = (
            f"{pending} question(s) are pending review: approve them with `quizgen review "
            f"{quiz.id}` or `quizgen approve {quiz.id} --all`, or pass --include-pending"
            if pending
            else "there are no questions to export; see `quizgen status`"
        )
        raise InputError(f"quiz {quiz.id} has no approved questions; {hint}")
    quiz_view = ExportQuiz.of(quiz)
    if fmt.name == "canvaslms":
        quiz_view = replace(quiz_view, publish=_publish_settings(quiz, engine))
    result = export_quiz(fmt, quiz_view, records)
    if not result.exported:
        reasons = "\n".join(
            f"  {lo.question_id} ({lo.question_type}): {lo.reason}" for lo in result.left_out
        )
        raise InputError(
            f"the {fmt.name} format cannot hold any of the {len(records)} question(s); nothing "
            f"written:\n{reasons}"
        )
    to_stdout = output is not None and str(output) == "-"
    if to_stdout and (as_json or fmt.binary):
        raise InputError(
            "-o - writes the file to stdout; it cannot be combined with --json or a binary format"
        )
    path = None if to_stdout else (output or default_path(quiz.title, quiz.id, fmt.extension))
    if path is None:
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()
    else:
        try:
            path.write_bytes(result.data)
        except OSError as exc:
            raise InputError(f"{path}: cannot write the export ({exc.strerror})") from None
    left_out = [lo.as_dict() for lo in result.left_out]
    not_included = len(kept) - len(records)
    for lo in result.left_out:
        typer.echo(f"left out {lo.question_id} ({lo.question_type}): {lo.reason}", err=True)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    where = "stdout" if path is None else str(path)
    typer.echo(
        f"wrote {where}: {len(result.exported)} question(s) in {fmt.name} format"
        + (f", {len(left_out)} left out (the format cannot hold them)" if left_out else "")
        + (f"; {not_included} not approved, not included" if not_included else ""),
        err=True,
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "quiz_id": quiz.id,
                    "format": fmt.name,
                    "path": None if path is None else str(path),
                    "exported": result.exported,
                    "left_out": left_out,
                    "notes": result.notes,
                    "not_included": not_included,
                },
                ensure_ascii=False,
            )
        )


def _publish_settings(quiz: Quiz, engine: Literal["new", "classic"] | None) -> PublishSettings:
    """The `[publish]` settings stored with the quiz at create, as `quizgen publish` reads them;
    `--engine` wins over the spec's engine. canvaslms takes the course on its own command line."""
    from quizgen.canvas.payloads import PublishSettings
    from quizgen.spec import stored_spec

    spec = stored_spec(quiz).publish
    return PublishSettings(
        title=quiz.title,
        course_id=0,
        engine=engine or spec.engine,
        shuffle_answers=spec.shuffle_answers,
        time_limit_minutes=spec.time_limit_minutes,
        allowed_attempts=spec.allowed_attempts,
        points=dict(spec.points),
    )
