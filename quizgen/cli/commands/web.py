"""`quizgen serve`: the review page in the browser (needs the `quizgen[web]` extra)."""

from __future__ import annotations

import typer

from quizgen.cli.options import DbOption, NoBrowserOption, PortOption, QuizArgument
from quizgen.cli.running import run_command


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@run_command
def serve(
    quiz_ref: QuizArgument,
    port: PortOption = None,
    no_browser: NoBrowserOption = False,
    db: DbOption = None,
) -> None:
    """Review in the browser: a local page on 127.0.0.1 (Ctrl-C stops it)."""
    from quizgen.cli.web_page import start_page

    start_page(db, quiz_ref, port, no_browser)
