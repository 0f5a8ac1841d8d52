"""Starting the local review page for `serve` and `review --web`."""

from __future__ import annotations

from pathlib import Path

import typer


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
