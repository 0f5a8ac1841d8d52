"""`quizgen serve`: the review page in the browser (needs the `quizgen[web]` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quizgen.cli.options import DbOption, QuizArgument
from quizgen.cli.running import run_command

PortOption = Annotated[
    int | None,
    typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
]
NoBrowserOption = Annotated[
    bool, typer.Option("--no-browser", help="Print the link; do not open a browser.")
]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def start_page(db: Path | None, quiz_ref: str, port: int | None, no_browser: bool) -> None:
    """Resolve the quiz, then serve its review page until Ctrl-C."""
    from quizgen.errors import InputError

    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"the review page needs the optional web extra ({exc.name} is not installed): "
            "pip install 'quizgen[web]'"
        ) from None
    from quizgen.cli.filters import quiz_in_store
    from quizgen.web import server

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        path = store.path
    server.run(
        path, quiz.id, port=port, open_browser=not no_browser, say=lambda line: typer.echo(line)
    )


@run_command
def serve(
    quiz_ref: QuizArgument,
    port: PortOption = None,
    no_browser: NoBrowserOption = False,
    db: DbOption = None,
) -> None:
    """Review in the browser: a local page on 127.0.0.1 (Ctrl-C stops it)."""
    start_page(db, quiz_ref, port, no_browser)
