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


def _print_version(value: bool) -> None:
    """Eager: runs while the options are parsed, before Click asks for a command."""
    if value:
        from quizgen import __version__

        typer.echo(f"quizgen {__version__}")
        raise typer.Exit()


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

COMMAND_MODULE = {
    "validate": "spec",
    "init": "spec",
    "suggest": "suggest",
    "create": "generate",
    "retry": "generate",
    "collect": "batch",
    "status": "inspect",
    "list": "inspect",
    "show": "inspect",
    "review": "review",
    "approve": "review",
    "reject": "review",
    "edit": "review",
    "export": "export",
    "canvas": "canvas",
    "check": "check",
    "import": "check",
    "publish": "publish",
    "serve": "web",
}
"""Which module registers each command: a run of one command imports and builds only that one.

Typer turns every registered command into a Click command at start-up, and importing all the
command modules and building all their options costs ~30 ms of every run, about a tenth of
what `create` spends before its first LLM call. `tests/test_cli_app.py` checks this table
against what the modules register."""


def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The `quizgen` app with the commands of `modules` (all of them unless told)."""
    from importlib import import_module

    built = typer.Typer(
        name="quizgen",
        cls=QuizgenGroup,
        help="Turn course material into checked Canvas quizzes with an LLM.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    built.callback()(_global)
    for name in modules:
        import_module(f"quizgen.cli.commands.{name}").register(built)
    use_plain_help(built)
    return built


def modules_for(args: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: its command's, or all of them when it names
    none or an unknown one (`--help` lists every command; a typo gets the nearest names). The
    group's own options (`--debug`, `--version`, `--help`) take no value, so the command is the
    first word that is not an option."""
    word = next((arg for arg in args if not arg.startswith("-")), None)
    module = COMMAND_MODULE.get(word or "")
    return (module,) if module else COMMAND_MODULES


def __getattr__(name: str) -> typer.Typer:
    """`app`, with every command, built at first use (tests and `typer.testing.CliRunner`)."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    try:
        build_app(modules_for(sys.argv[1:]))()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        leave_objects_to_the_os()


def leave_objects_to_the_os() -> None:
    """Let the interpreter's teardown skip the garbage collector's passes over what the run made.

    At exit Python clears every module and collects cycles over all live objects (~50,000 after
    a `create`), which took ~45 ms of every command, a sixth of `create`'s fixed work; the
    operating system frees the process's memory at once anyway. Freezing moves those objects
    out of the collector's reach. Nothing that matters waits for it: the commands close their
    files and the database themselves, atexit handlers and reference counting still run, and
    only `__del__` of objects caught in reference cycles is skipped."""
    import gc

    gc.freeze()
