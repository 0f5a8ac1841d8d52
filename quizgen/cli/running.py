"""The one boundary between a command and the user: a `QuizgenError` becomes a one-paragraph
message and an exit code, a `KeyboardInterrupt` exit 130, anything else exit 1 with a hint to run
with --debug (which lets the traceback through). Every command runs inside `run_command`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import typer

EXIT_OK, EXIT_INCOMPLETE, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class State:
    debug: bool = False


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


def fail(message: str, code: int, *, as_json: bool = False) -> None:
    """Print `message` for a person on stderr (and as JSON on stdout with --json); exit."""
    typer.echo(f"error: {message}", err=True)
    if as_json:
        typer.echo(json.dumps({"error": message, "exit_code": code}))
    raise typer.Exit(code)
