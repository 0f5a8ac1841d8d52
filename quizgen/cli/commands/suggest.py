"""`quizgen suggest`: a spec proposed from the content, each choice explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from quizgen.cli.options import JsonOption
from quizgen.cli.running import run_command


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest)


@run_command
def suggest(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SOURCES...", help="Files or folders of notes; each one is one module."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the spec here (.toml with comments, or .json)."),
    ] = None,
    canvas_course: Annotated[
        int | None,
        typer.Option(
            "--canvas-course", metavar="COURSE", help="Also every module of this Canvas course."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The quiz title.")] = None,
    language: Annotated[Literal["en", "no"], typer.Option("--language", help="en or no.")] = "en",
    provider: Annotated[
        Literal["mock", "openai"], typer.Option("--provider", help="mock or openai.")
    ] = "mock",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing -o file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Propose a spec from the content: per module, the question types and counts its text
    can support, each explained in a comment. Prints the TOML without -o (or the proposal
    with --json)."""
    from quizgen.cli.spec_files import require_spec_suffix, write_spec_text
    from quizgen.errors import InputError
    from quizgen.questions import type_names
    from quizgen.settings import read_config_file
    from quizgen.spec import parse_spec
    from quizgen.spec_limits import LimitsSpec, config_limits
    from quizgen.suggest.modules import propose_modules
    from quizgen.suggest.render import spec_text
    from quizgen.suggest.sources import canvas_drafts, local_drafts, read_drafts

    if output is not None:
        require_spec_suffix(output, f"-o {output.with_suffix('.toml')}")
        if output.exists() and not force:
            raise InputError(f"{output} already exists; pass --force to replace it")
    if not sources and canvas_course is None:
        raise InputError(
            "quizgen suggest: name the files or folders to read (each one is a module), or "
            "--canvas-course COURSE"
        )
    spec_path = output or Path("quiz.toml")
    used: set[str] = set()
    drafts = local_drafts(sources or [], spec_path.parent, used)
    course = None
    if canvas_course is not None:
        course, found = canvas_drafts(canvas_course, used)
        drafts += found
    read = read_drafts(drafts, spec_path, course)
    limits_data = config_limits(read_config_file())
    limits = LimitsSpec.model_validate(limits_data)
    modules, skipped = propose_modules(read, type_names(), limits)
    quiz_title = title or _title(modules, course)
    text = spec_text(
        title=quiz_title,
        language=language,
        provider=provider,
        modules=modules,
        course=course,
        skipped=skipped,
        path=str(spec_path),
        limits={k: v for k, v in limits.model_dump().items() if k in limits_data},
    )
    import tomllib

    # The spec loader is the judge: what is written must load as written, config file or not.
    parse_spec(tomllib.loads(text), str(spec_path))
    for module_id, module_text in read.texts.items():
        for warning in module_text.content.warnings:
            typer.echo(f"warning: module {module_id!r}: {warning}", err=True)
    for note in skipped:
        typer.echo(f"warning: skipped {note}", err=True)
    if output is not None:
        write_spec_text(output, text)
    summary = _summary(output, quiz_title, modules, skipped)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    elif output is None:
        typer.echo(text, nl=False)
    else:
        batches = sum(len(m["batches"]) for m in summary["modules"])
        typer.echo(
            f"wrote {output}: {len(modules)} module(s), {batches} batch(es), "
            f"{summary['total_questions']} questions"
        )
        typer.echo("next:")
        typer.echo(f"  quizgen validate {output}")
        typer.echo(f"  quizgen create {output}")


def _title(modules: list[Any], course: tuple[int, str] | None) -> str:
    if course is not None:
        return f"{course[1]} quiz"[:255]
    if len(modules) == 1:
        return modules[0].name
    return f"Quiz: {', '.join(m.name for m in modules)}"[:255]


def _summary(
    output: Path | None, title: str, modules: list[Any], skipped: list[str]
) -> dict[str, Any]:
    return {
        "file": str(output) if output else None,
        "title": title,
        "modules": [
            {
                "id": m.module_id,
                "name": m.name,
                **({"sources": list(m.sources)} if m.sources else {}),
                **({"canvas_module": m.canvas_module} if m.canvas_module is not None else {}),
                "profile": m.proposal.profile.__dict__,
                "batches": [b.__dict__ for b in m.proposal.batches],
                "left_out": list(m.proposal.left_out),
            }
            for m in modules
        ],
        "skipped": skipped,
        "total_questions": sum(b.count for m in modules for b in m.proposal.batches),
    }
