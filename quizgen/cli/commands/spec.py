"""`quizgen validate` and `quizgen init`: specs before any generation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from quizgen.cli.options import ContentDirOption, DbOption, JsonOption, TemplateOption
from quizgen.cli.running import EXIT_INPUT, run_command

TEMPLATE = "spec.toml"
EXAMPLE_CONTENT = "content/intro.md"
"""The example spec's one source, shipped beside the template and written beside the spec."""


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("init")(init)


@run_command
def validate(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Quiz spec (.toml or .json).")],
    content_dir: ContentDirOption = None,
    db: DbOption = None,
    template: TemplateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a spec: exit 0 when valid, 2 with every error located.

    `--db` is checked as `create` would use it (its folder must exist); nothing is written."""
    from quizgen.cli.filters import database_path
    from quizgen.content.sources import collect_module_texts
    from quizgen.errors import SpecError
    from quizgen.pools import pools_of
    from quizgen.spec import load_spec, plan_batches

    try:
        loaded = load_spec(spec_path, template=template)
    except SpecError as exc:
        if as_json:
            typer.echo(json.dumps({"valid": False, "file": str(spec_path), "errors": exc.problems}))
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    spec = loaded.spec
    # The content is read exactly as `create` reads it, so "valid" means create can run.
    texts, problems = collect_module_texts(loaded, content_dir)
    db_file, db_source = database_path(db)
    if not db_file.parent.is_dir():
        problems.append(f"{db_file} ({db_source}): the folder {db_file.parent} does not exist")
    batches = plan_batches(spec)
    pools = pools_of(spec)
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
                "pick": pools[b.key].pick if b.key in pools else None,
            }
            for b in batches
        ],
        "total_questions": spec.question_count(),
        "content": {
            module_id: {
                "chars": len(text.content.text),
                "origin": text.origin,
                "warnings": list(text.content.warnings),
            }
            for module_id, text in texts.items()
        },
        "database": str(db_file),
        "database_exists": db_file.is_file(),
        "warnings": _capacity(spec, batches, texts),
        "errors": problems,
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary, spec.modules)
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_INPUT)


def _capacity(spec: Any, batches: list[Any], texts: dict[str, Any]) -> list[str]:
    """On the offline mock, modules whose text cannot fill what the spec asks (said before any
    call, so a short batch is no surprise)."""
    if spec.llm.provider != "mock":
        return []
    from quizgen.llm.mock.capacity import spec_warnings

    return spec_warnings(batches, spec.modules, texts)


def _print_summary(summary: dict, modules: dict) -> None:
    state = "valid" if summary["valid"] else "spec valid, but its content cannot be used"
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
        content = summary["content"].get(module_id)
        chars = f", {content['chars']:,} characters" if content else ""
        typer.echo(f"  module {module_id}: {module.name}{chars}")
        for warning in content["warnings"] if content else []:
            typer.echo(f"    warning: {warning}")
        for batch in summary["batches"]:
            if batch["module_id"] == module_id:
                pool = f"  pool: {batch['pick']} of {batch['count']}" if batch["pick"] else ""
                typer.echo(
                    f"    {batch['key']:<{width}}  {batch['question_type']:<16} {batch['count']:>2}"
                    + pool
                )


@run_command
def init(
    path: Annotated[
        Path,
        typer.Argument(help="Where to write the example spec: a .toml or .json file."),
    ] = Path("quiz.toml"),
    from_canvas: Annotated[
        int | None,
        typer.Option(
            "--from-canvas",
            metavar="COURSE",
            help="Write a spec for every module of this Canvas course instead.",
        ),
    ] = None,
) -> None:
    """Write an example spec that validates as written (never overwrites a file).

    The example's content, content/intro.md beside the spec, is written too unless a file is
    already there.
    """
    from importlib.resources import files

    from quizgen.cli.spec_files import require_spec_suffix, write_spec_text, write_text
    from quizgen.errors import InputError

    require_spec_suffix(path, f"`quizgen init {path.with_suffix('.toml')}`")
    if path.exists():
        raise InputError(f"{path} already exists; choose another path or remove it first")
    template = files("quizgen.templates")
    if from_canvas is not None:
        from quizgen.content.canvas import canvas_spec_text

        text = canvas_spec_text(from_canvas)
    else:
        text = template.joinpath(TEMPLATE).read_text(encoding="utf-8")
    write_spec_text(path, text)
    typer.echo(f"wrote {path}")
    if from_canvas is None:
        content = path.parent / EXAMPLE_CONTENT
        if content.exists():
            typer.echo(f"kept {content} (already there); the spec's module reads it")
        else:
            content.parent.mkdir(parents=True, exist_ok=True)
            write_text(content, template.joinpath(EXAMPLE_CONTENT).read_text(encoding="utf-8"))
            typer.echo(f"wrote {content}: example notes; replace them with your course files")
    if path.suffix.lower() == ".json":
        typer.echo("JSON has no comments: docs/spec.md describes every field")
    typer.echo("next:")
    typer.echo(f"  quizgen validate {path}")
    typer.echo(f"  quizgen create {path}")
