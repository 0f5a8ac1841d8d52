"""Reading the content `quizgen suggest` proposes from: files and folders, or Canvas modules.

Each SOURCE is one module (a folder: the supported files in it). The content is read through
`quizgen.content.sources` exactly as `create` will read the written spec, so what the proposal
counts is what generation gets (same extraction, same `[content]` budget).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.content.sources import ModuleText, collect_module_texts
from quizgen.errors import ContentError, InputError
from quizgen.spec import LoadedSpec, QuizSpec

PLACEHOLDER_BATCH = {"question_type": "multiple_choice", "count": 1}
"""Reading goes through a spec; its batches are replaced by the proposal."""


@dataclass(frozen=True)
class Draft:
    """A module to propose for: its id, a fallback name, and where its content is."""

    module_id: str
    name: str
    sources: tuple[str, ...] = ()
    """Paths as the written spec lists them: relative to the spec's folder."""
    canvas_module: int | None = None
    given: str = ""
    """Where the content is, as the user named it: for messages."""


@dataclass
class Read:
    texts: dict[str, ModuleText]
    drafts: list[Draft]
    skipped: list[str] = field(default_factory=list)
    """Canvas modules without text, said in the spec and on stderr, not an error."""
    course: tuple[int, str] | None = None


def module_id(name: str, used: set[str]) -> str:
    """A spec module id from a file or module name ("Week 1: Cells" → "week-1-cells")."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "module"
    found, number = slug, 2
    while found in used:
        found, number = f"{slug}-{number}", number + 1
    used.add(found)
    return found


def local_drafts(paths: Sequence[Path], spec_dir: Path, used: set[str]) -> list[Draft]:
    """One draft per path; a path that does not exist is an `InputError` naming it."""
    drafts = []
    for number, path in enumerate(paths, start=1):
        if not path.exists():
            raise InputError(
                f"{path}: no such file or folder (SOURCES argument {number}); name files or "
                "folders of course notes, each one module"
            )
        stem = path.name if path.is_dir() else path.stem
        shown = os.path.relpath(path.resolve(), spec_dir.resolve())
        drafts.append(
            Draft(
                module_id(stem, used),
                re.sub(r"[_-]+", " ", stem).strip().capitalize() or stem,
                sources=(Path(shown).as_posix() + ("/" if path.is_dir() else ""),),
                given=str(path),
            )
        )
    return drafts


def canvas_drafts(course_id: int, used: set[str]) -> tuple[tuple[int, str], list[Draft]]:
    """The course (id, name) and one draft per module of it."""
    import anyio

    from quizgen.canvas.client import CanvasClient
    from quizgen.content.canvas import course_outline

    async def fetch() -> tuple[dict[str, Any], list[Any]]:
        async with CanvasClient.from_settings() as client:
            return await course_outline(client, course_id)

    course, modules = anyio.run(fetch)
    if not modules:
        raise ContentError(f"Canvas course {course_id}: has no modules to propose a quiz for")
    drafts = [
        Draft(
            module_id(str(m.get("name") or f"module-{m['id']}"), used),
            str(m.get("name") or f"Module {m['id']}")[:255],
            canvas_module=int(m["id"]),
            given=f"Canvas module {m['id']}",
        )
        for m in modules
    ]
    return (course_id, str(course.get("name") or f"Course {course_id}")), drafts


def read_drafts(drafts: list[Draft], spec_path: Path, course: tuple[int, str] | None) -> Read:
    """Every draft's content, read as `create` reads a spec. A local module that cannot be
    read is a `ContentError` naming the module, the source and the problem; a Canvas module
    without text is skipped with a note."""
    data: dict[str, Any] = {
        "title": "suggest",
        "modules": {
            d.module_id: {
                "name": d.name,
                **({"sources": list(d.sources)} if d.sources else {}),
                **({"canvas_module": d.canvas_module} if d.canvas_module is not None else {}),
                "question_batches": [PLACEHOLDER_BATCH],
            }
            for d in drafts
        },
    }
    if course is not None:
        data["course"] = {"id": course[0], "name": course[1]}
    loaded = LoadedSpec(QuizSpec.model_validate(data), spec_path)
    texts, problems = collect_module_texts(loaded, None)
    prefix = f"{spec_path}: "
    problems = [p.removeprefix(prefix) for p in problems]
    canvas_ids = {d.module_id for d in drafts if d.canvas_module is not None}
    local = [p for p in problems if not any(p.startswith(f"module {m!r}") for m in canvas_ids)]
    if local:
        raise ContentError(
            local[0]
            if len(local) == 1
            else "the content cannot be read:\n" + "\n".join(f"  {p}" for p in local)
        )
    return Read(texts, drafts, skipped=[p for p in problems if p not in local], course=course)
