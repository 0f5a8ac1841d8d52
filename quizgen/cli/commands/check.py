"""`quizgen check` (every check again on a stored quiz) and `quizgen import` (questions in)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from quizgen.cli.options import DbOption, JsonOption, QuizArgument
from quizgen.cli.running import EXIT_INCOMPLETE, EXIT_OK, run_command


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("import")(import_file)


@run_command
def check(quiz_ref: QuizArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Re-run every check on the questions a quiz keeps; exit 1 when anything is flagged."""
    from quizgen.checks.recheck import check_document, check_questions
    from quizgen.cli.filters import quiz_in_store
    from quizgen.content import module_content

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        contents = {m.module_id: module_content(m) for m in store.modules(quiz.id)}
        results = check_questions(store.questions(quiz.id), contents)
    document = check_document(quiz.id, results)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        for number, result in enumerate(results, start=1):
            if result.clean:
                continue
            text = str(result.question.data.get("question_text", ""))[:90]
            typer.echo(f"{number}. [{result.question.id}] {result.question.batch_key}: {text}")
            for problem in result.problems:
                typer.echo(f"   {problem.code}: {problem.message}")
            if result.flags:
                typer.echo(f"   flagged for review: {', '.join(result.flags)}")
        counts = ", ".join(f"{code} {n}" for code, n in document["counts"].items())
        typer.echo(
            f"{document['checked']} question(s) checked, {document['flagged']} flagged"
            + (f" ({counts})" if counts else "")
        )
    raise typer.Exit(EXIT_INCOMPLETE if document["flagged"] else EXIT_OK)


@run_command
def import_file(
    quiz_ref: QuizArgument,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="quizgen JSON export (.json) or text2qti Markdown."),
    ],
    module: Annotated[
        str | None,
        typer.Option("--module", help="Put every question in this module (overrides the file)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add existing questions to a quiz through the same checks; flawed ones are stored rejected
    with their reasons, the rest as pending. Exit 1 when any question was rejected or skipped."""
    from quizgen.checks.screen import Screen
    from quizgen.cli.filters import quiz_in_store
    from quizgen.content import module_content
    from quizgen.review.importing import read_import_file, resolve_modules, screen_imports
    from quizgen.store import now

    fmt, items = read_import_file(file)
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        modules = store.modules(quiz.id)
        module_ids = resolve_modules(items, [m.module_id for m in modules], module, str(file))
        contents = {m.module_id: module_content(m) for m in modules}
        stamp = now().replace("-", "").replace(":", "").replace("T", "")[:14]
        batch_key = f"import_{_slug(file.stem)}_{stamp}"
        plan = screen_imports(
            items, module_ids, contents, Screen.of(store.kept_questions(quiz.id)), batch_key
        )
        ids = store.add_questions(
            quiz.id,
            batch_key,
            [(s.module_id, s.item.question_type or "", s.question) for s in plan.screened],
        )
    rows = [
        {
            "number": s.item.number,
            "id": question_id,
            "module_id": s.module_id,
            "question_type": s.item.question_type,
            "status": "rejected" if s.question.rejection_reasons else "pending",
            "rejection_reasons": list(s.question.rejection_reasons),
            "rejection_note": s.question.rejection_note,
            "flags": list(s.question.flags),
        }
        for s, question_id in zip(plan.screened, ids, strict=True)
    ]
    skipped = [{"number": item.number, "kind": item.kind} for item in plan.skipped]
    kept = sum(row["status"] == "pending" for row in rows)
    document = {
        "quiz_id": quiz.id,
        "file": str(file),
        "format": fmt,
        "batch_key": batch_key,
        "kept": kept,
        "rejected": len(rows) - kept,
        "skipped": skipped,
        "questions": rows,
    }
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        for row in rows:
            if row["status"] == "rejected":
                typer.echo(
                    f"question {row['number']}: rejected "
                    f"({', '.join(row['rejection_reasons'])}): {row['rejection_note']}"
                )
            elif row["flags"]:
                typer.echo(f"question {row['number']}: kept, flagged {', '.join(row['flags'])}")
        for item in skipped:
            typer.echo(f"question {item['number']}: skipped ({item['kind']} has no quizgen type)")
        typer.echo(
            f"imported {kept} question(s) as pending under {batch_key}, "
            f"{len(rows) - kept} rejected, {len(skipped)} skipped"
        )
    raise typer.Exit(EXIT_INCOMPLETE if len(rows) > kept or skipped else EXIT_OK)


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40] or "file"
