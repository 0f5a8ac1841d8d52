"""The `quizgen` command line: wiring only.

Each command lives in `quizgen/cli/commands/<group>.py` and is registered here. The one place that
turns a `QuizgenError` into a printed message and an exit code is `run_command`, which every
command goes through; heavy modules are imported inside the commands so `quizgen --help` starts
fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from quizgen.cli.help import QuizgenGroup, use_plain_help
from quizgen.cli.running import EXIT_INTERRUPTED, State

app = typer.Typer(
    name="quizgen",
    cls=QuizgenGroup,
    help="Turn course material into checked Canvas quizzes with an LLM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    """Eager: runs while the options are parsed, before Click asks for a command."""
    if value:
        from quizgen import __version__

        typer.echo(f"quizgen {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks for unexpected errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    State.debug = debug or bool(os.environ.get("QUIZGEN_DEBUG"))


# One line per module of commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "spec",
    "suggest",
    "generate",
    "batch",
    "inspect",
    "review",
    "export",
    "canvas",
    "check",
    "publish",
    "web",
)


def _register() -> None:
    from importlib import import_module

    for name in COMMAND_MODULES:
        import_module(f"quizgen.cli.commands.{name}").register(app)
    use_plain_help(app)


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
