"""Options and arguments several commands share, declared once so their help reads the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file (default: $QUIZGEN_DB or ./quizgen.db)."),
]
QuizArgument = Annotated[str, typer.Argument(metavar="QUIZ", help="Quiz id or unique prefix.")]
ContentDirOption = Annotated[
    Path | None,
    typer.Option("--content-dir", help="Folder of module files for specs without sources."),
]
TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="NAME",
        help="Fill modules without batches from this template (practice, exam, review, or "
        "[templates.NAME] in the config file) instead of the spec's.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")
]
PortOption = Annotated[
    int | None,
    typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
]
NoBrowserOption = Annotated[
    bool, typer.Option("--no-browser", help="Print the link; do not open a browser.")
]
