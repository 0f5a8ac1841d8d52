"""`quizgen validate` and `quizgen init`: specs before any generation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from quizgen.cli import EXIT_INPUT, ContentDirOption, DbOption, JsonOption, run_command

TEMPLATE = "spec.toml"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("init")(init)


@run_command
def validate(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Quiz spec (.toml or .json).")],
    content_dir: ContentDirOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a spec: exit 0 when valid, 2 with every error located.

    `--db` is checked as `create` would use it (its folder must exist); nothing is written."""
    from quizgen.commands.filters import database_path
    from quizgen.content.sources import module_files
    from quizgen.errors import SpecError
    from quizgen.spec import load_spec, plan_batches

    try:
        loaded = load_spec(spec_path)
    except SpecError as exc:
        if as_json:
            typer.echo(json.dumps({"valid": False, "file": str(spec_path), "errors": exc.problems}))
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    spec = loaded.spec
    problems: list[str] = []
    for module_id, module in spec.modules.items():
        files, missing = module_files(loaded, module_id, module, content_dir)
        problems += missing
        problems += [
            f"{loaded.path}: module {module_id!r}, sources: {display}: file not found"
            for path, display in files
            if not path.exists()
        ]
    db_file, db_source = database_path(db)
    if not db_file.parent.is_dir():
        problems.append(f"{db_file} ({db_source}): the folder {db_file.parent} does not exist")
    batches = plan_batches(spec)
    summary = {
        "valid": not problems,
        "file": str(spec_path),
        "title": spec.title,
        "language": spec.language,
        "provider": spec.llm.provider,
        "model": spec.llm.model,
        "modules": len(spec.modules),
        "batches": [
            {
                "key": b.key,
                "module_id": b.module_id,
                "question_type": b.question_type,
                "count": b.target_count,
            }
            for b in batches
        ],
        "total_questions": spec.question_count(),
        "database": str(db_file),
        "database_exists": db_file.is_file(),
        "errors": problems,
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary, spec.modules)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_INPUT)


def _print_summary(summary: dict, modules: dict) -> None:
    state = "valid" if summary["valid"] else "spec valid, but content is missing"
    typer.echo(f"{summary['file']}: {state}")
    typer.echo(
        f"  {summary['title']} ({summary['language']}), provider {summary['provider']}, "
        f"model {summary['model']}"
    )
    typer.echo(
        f"  {summary['modules']} module(s), {len(summary['batches'])} batch(es), "
        f"{summary['total_questions']} question(s)"
    )
    state = "exists" if summary["database_exists"] else "create will make it"
    typer.echo(f"  database {summary['database']} ({state})")
    width = max(len(b["key"]) for b in summary["batches"])
    for module_id, module in modules.items():
        typer.echo(f"  module {module_id}: {module.name}")
        for batch in summary["batches"]:
            if batch["module_id"] == module_id:
                typer.echo(
                    f"    {batch['key']:<{width}}  {batch['question_type']:<16} {batch['count']:>2}"
                )


@run_command
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example spec.")] = Path(
        "quiz.toml"
    ),
    from_canvas: Annotated[
        int | None,
        typer.Option(
            "--from-canvas",
            metavar="COURSE",
            help="Write a spec for every module of this Canvas course instead.",
        ),
    ] = None,
) -> None:
    """Write a commented example spec (never overwrites a file)."""
    from importlib.resources import files

    from quizgen.errors import InputError

    if path.exists():
        raise InputError(f"{path} already exists; choose another path or remove it first")
    if from_canvas is not None:
        from quizgen.content.canvas import canvas_spec_text

        text = canvas_spec_text(from_canvas)
    else:
        text = files("quizgen.templates").joinpath(TEMPLATE).read_text(encoding="utf-8")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    typer.echo(f"wrote {path}; put your course files where its sources say, then run:")
    typer.echo(f"  quizgen validate {path}")
