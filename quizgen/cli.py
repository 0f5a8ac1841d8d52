"""The `quizgen` command line: wiring only.

Each command lives in `quizgen/commands/<group>.py` and is registered here. The one place that
turns a `QuizgenError` into a printed message and an exit code is `run_command`, which every
command goes through; heavy modules are imported inside the commands so `quizgen --help` starts
fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from quizgen.cli_help import QuizgenGroup, use_plain_help

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="quizgen",
    cls=QuizgenGroup,
    help="Turn course material into checked Canvas quizzes with an LLM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_OK, EXIT_INCOMPLETE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file (default: $QUIZGEN_DB or ./quizgen.db)."),
]
QuizArgument = Annotated[str, typer.Argument(metavar="QUIZ", help="Quiz id or unique prefix.")]
ContentDirOption = Annotated[
    Path | None,
    typer.Option("--content-dir", help="Folder of module files for specs without sources."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")
]


class State:
    debug: bool = False


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


F = TypeVar("F", bound=Callable[..., Any])


def run_command(function: F) -> F:
    """Run a command body; map the errors a user can fix to a message and an exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from quizgen.errors import QuizgenError

        as_json = bool(kwargs.get("as_json"))
        try:
            return function(*args, **kwargs)
        except QuizgenError as exc:
            if State.debug:
                raise
            fail(exc.message, exc.exit_code, as_json=as_json)
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED, as_json=as_json)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if State.debug:
                raise
            fail(
                f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)",
                EXIT_INCOMPLETE,
                as_json=as_json,
            )

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def console(*, piped_width: int = 160) -> Console:
    """The Rich console for stdout. Markup is off: question, spec and Canvas text print as
    written (a `[blank_1]` is text, not a tag, also in table cells); styling uses `style=`.
    Piped output is `piped_width` wide unless `COLUMNS` says otherwise."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = None if sys.stdout.isatty() else int(columns) if columns.isdigit() else piped_width
    return Console(width=width, highlight=False, markup=False)


def fail(message: str, code: int, *, as_json: bool = False) -> None:
    """Print `message` for a person on stderr (and as JSON on stdout with --json); exit."""
    typer.echo(f"error: {message}", err=True)
    if as_json:
        typer.echo(json.dumps({"error": message, "exit_code": code}))
    raise typer.Exit(code)


# One line per module of commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "spec",
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
        import_module(f"quizgen.commands.{name}").register(app)
    use_plain_help(app)


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
