"""`quizgen canvas courses` and `quizgen canvas modules COURSE`: finding ids to put in a spec."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from quizgen.cli.options import JsonOption
from quizgen.cli.running import run_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from quizgen.canvas.client import CanvasClient

canvas_app = typer.Typer(
    name="canvas",
    help="Look up your Canvas courses and modules (needs CANVAS_BASE_URL and CANVAS_API_TOKEN).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(canvas_app)


def call_canvas(job: Callable[[CanvasClient], Awaitable[Any]]) -> Any:
    """Run `job` with a client for the configured Canvas, closing it afterwards."""
    import anyio

    from quizgen.canvas.client import CanvasClient

    async def run() -> Any:
        async with CanvasClient.from_settings() as client:
            return await job(client)

    return anyio.run(run)


@canvas_app.command("courses")
@run_command
def courses(as_json: JsonOption = False) -> None:
    """The courses you teach: id, name and code."""

    async def job(client: CanvasClient) -> list[Any]:
        return await client.get_paginated("/api/v1/courses", {"enrollment_type": "teacher"})

    found = [
        {"id": c.get("id"), "name": c.get("name"), "course_code": c.get("course_code")}
        for c in call_canvas(job)
    ]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        typer.echo("no courses where you are a teacher")
        return
    _table(["id", "name", "code"], [[c["id"], c["name"], c["course_code"]] for c in found])


@canvas_app.command("modules")
@run_command
def modules(
    course_id: Annotated[int, typer.Argument(metavar="COURSE", help="Canvas course id.")],
    as_json: JsonOption = False,
) -> None:
    """The modules of a course: id, name, item count — the ids `canvas_module` takes."""

    async def job(client: CanvasClient) -> list[Any]:
        return await client.get_paginated(f"/api/v1/courses/{course_id}/modules")

    found = [
        {
            "id": m.get("id"),
            "name": m.get("name"),
            "items_count": m.get("items_count"),
            "published": m.get("published"),
        }
        for m in call_canvas(job)
    ]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        typer.echo(f"course {course_id} has no modules")
        return
    _table(
        ["id", "name", "items", "published"],
        [[m["id"], m["name"], m["items_count"], m["published"]] for m in found],
    )


def _table(columns: list[str], rows: list[list[Any]]) -> None:
    """Ids are keys (never cut), names wrap, the rest may be left out in a narrow terminal."""
    from quizgen.cli.render import Column, print_table

    print_table(
        [
            Column(
                c, role="key" if c == "id" else "wrap" if c == "name" else "figure", drop_rank=-i
            )
            for i, c in enumerate(columns)
        ],
        [["" if cell is None else str(cell) for cell in row] for row in rows],
    )
