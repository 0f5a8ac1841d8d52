"""Pulling a Canvas module's content: its items, each Page's body and each File's text.

QuizCrafter read only the first 10 items of a module (no pagination), accepted PDFs only,
turned network errors into empty content, and dropped everything else without a word. Here the
item list is paginated, Pages and Files (PDF, Word, PowerPoint, text, Markdown, HTML) are read
concurrently through the one `CanvasClient`, and every item that gives no text — an
assignment, a link, an image, a file too large or unreadable — becomes a warning stored with
the module. A Canvas failure is never read as "no content": it is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import anyio

from quizgen.canvas.client import CanvasClient, CanvasError
from quizgen.content import Section
from quizgen.content.files import SUPPORTED_SUFFIXES, extract_data
from quizgen.content.html import html_to_text
from quizgen.errors import ContentError

CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/html": ".html",
}
READ_ITEM_TYPES = ("Page", "File")


@dataclass
class PulledModule:
    """What one Canvas module gave: a section per readable item, in module order."""

    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: int = 0


async def pull_module(
    client: CanvasClient, course_id: int, module_id: int, *, slide_notes: bool = True
) -> PulledModule:
    """Every Page and File of Canvas module `module_id` as sections, the rest as warnings.

    Raises `CanvasError` when the module's item list cannot be had (a 404 means the module or
    the course is unknown to the token's user). A single page or file that has vanished
    (404) or cannot be read is a warning, not a failure: the rest of the module stands.
    """
    items = await client.get_paginated(f"/api/v1/courses/{course_id}/modules/{module_id}/items")
    results: list[tuple[Section | None, list[str]]] = [(None, [])] * len(items)

    failures: list[CanvasError] = []

    async def read(index: int, item: dict[str, Any]) -> None:
        # Caught here, not around the task group, which would wrap it in an ExceptionGroup.
        try:
            results[index] = await _read_item(client, course_id, item, slide_notes=slide_notes)
        except CanvasError as error:
            failures.append(error)

    async with anyio.create_task_group() as group:
        for index, item in enumerate(items):
            if item.get("type") in READ_ITEM_TYPES:
                group.start_soon(read, index, item)
    if failures:
        raise failures[0]

    pulled = PulledModule(items=len(items))
    for section, warnings in results:
        if section is not None:
            pulled.sections.append(section)
        pulled.warnings += warnings
    skipped = [item for item in items if item.get("type") not in READ_ITEM_TYPES]
    if skipped:
        listed = ", ".join(f"{item.get('type')} {item.get('title', '')!r}" for item in skipped)
        pulled.warnings.append(
            f"skipped {len(skipped)} item(s) that are neither pages nor files: {listed}"
        )
    return pulled


async def _read_item(
    client: CanvasClient, course_id: int, item: dict[str, Any], *, slide_notes: bool
) -> tuple[Section | None, list[str]]:
    title = str(item.get("title") or "untitled")
    try:
        if item["type"] == "Page":
            return await _read_page(client, course_id, item, title)
        return await _read_file(client, course_id, item, title, slide_notes=slide_notes)
    except CanvasError as error:
        if error.status not in (403, 404):
            raise
        kind = item["type"].lower()
        why = "Canvas no longer has it" if error.status == 404 else "the token may not read it"
        return None, [f"skipped {kind} {title!r}: {why} ({error.message})"]


async def _read_page(
    client: CanvasClient, course_id: int, item: dict[str, Any], title: str
) -> tuple[Section | None, list[str]]:
    page_url = item.get("page_url")
    if not page_url:
        return None, [f"skipped page {title!r}: the module item names no page"]
    page = await client.get_json(f"/api/v1/courses/{course_id}/pages/{quote(page_url, safe='')}")
    text = html_to_text(page.get("body") or "")
    if not text.strip():
        return None, [f"skipped page {title!r}: it has no text"]
    return Section(source=str(page.get("title") or title), text=text), []


async def _read_file(
    client: CanvasClient, course_id: int, item: dict[str, Any], title: str, *, slide_notes: bool
) -> tuple[Section | None, list[str]]:
    file_id = item.get("content_id")
    if not file_id:
        return None, [f"skipped file {title!r}: the module item names no file"]
    meta = await client.get_json(f"/api/v1/courses/{course_id}/files/{file_id}")
    name = str(meta.get("display_name") or meta.get("filename") or title)
    content_type = str(meta.get("content-type") or "").split(";")[0].strip().lower()
    suffix = file_suffix(name, content_type)
    if suffix is None:
        kind = content_type or "unknown type"
        return None, [
            f"skipped file {name!r} ({kind}): quizgen reads {', '.join(SUPPORTED_SUFFIXES)} files"
        ]
    size = meta.get("size")
    if isinstance(size, int) and size > client.max_download_bytes:
        return None, [
            f"skipped file {name!r}: {size:,} bytes is over the download limit of "
            f"{client.max_download_bytes:,}"
        ]
    url = meta.get("url")
    if not url or meta.get("locked_for_user"):
        return None, [f"skipped file {name!r}: Canvas offers no download for it (locked?)"]
    data = await client.download(str(url))
    label = f"Canvas file {name!r}"
    try:
        section, warnings = extract_data(
            data, suffix, label=label, source=name, slide_notes=slide_notes
        )
    except ContentError as error:
        return None, [f"skipped: {error.message}"]
    return section, list(warnings)


def file_suffix(name: str, content_type: str) -> str | None:
    """The supported type of a Canvas file, from its name or else its content type."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return suffix
    return CONTENT_TYPES.get(content_type)


# --- a spec skeleton from a course ----------------------------------------------------------


async def course_outline(client: CanvasClient, course_id: int) -> tuple[dict[str, Any], list[Any]]:
    """The course and its modules (`items_count` each), for discovery and `init`."""
    course = await client.get_json(f"/api/v1/courses/{course_id}")
    modules = await client.get_paginated(f"/api/v1/courses/{course_id}/modules")
    return course, modules


def spec_skeleton(course: dict[str, Any], modules: list[dict[str, Any]]) -> dict[str, Any]:
    """A spec for every module of a course, one default batch each (`quizgen init`)."""
    used: set[str] = set()
    spec_modules: dict[str, Any] = {}
    for module in modules:
        key = module_key(str(module.get("name") or ""), int(module["id"]), used)
        used.add(key)
        spec_modules[key] = {
            "name": str(module.get("name") or f"Module {module['id']}")[:255],
            "canvas_module": int(module["id"]),
            "question_batches": [{"question_type": "multiple_choice", "count": 10}],
        }
    name = str(course.get("name") or f"Course {course['id']}")
    return {
        "title": f"{name} quiz"[:255],
        "language": "en",
        "course": {"id": int(course["id"]), "name": name},
        "llm": {"provider": "mock", "model": "o3"},
        "modules": spec_modules,
    }


def module_key(name: str, canvas_id: int, used: set[str]) -> str:
    """A readable spec module id from a Canvas module name ("Week 1: Cells" → "week-1-cells")."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not slug:
        slug = f"module-{canvas_id}"
    if slug in used:
        slug = f"{slug}-{canvas_id}"
    return slug


SKELETON_HEADER = """\
# A quiz spec for every module of Canvas course {course_id} ({name}), written by
# `quizgen init --from-canvas`. Each module's content is pulled from Canvas when you run
# `quizgen create` (CANVAS_BASE_URL and CANVAS_API_TOKEN must be set). Delete the modules you
# do not want, adjust the batches (1-4 per module; types: multiple_choice, multiple_answer,
# true_false, fill_in_blank, matching, categorization, ordering; count 1-20), and set
# provider = "openai" for real questions (the mock writes offline examples). Reference:
# docs/content.md
"""


def canvas_spec_text(course_id: int) -> str:
    """The TOML text of `spec_skeleton` for a course, fetched with the configured client."""
    import anyio
    import tomli_w

    async def fetch() -> tuple[dict[str, Any], list[Any]]:
        async with CanvasClient.from_settings() as client:
            return await course_outline(client, course_id)

    course, modules = anyio.run(fetch)
    if not modules:
        raise ContentError(
            f"Canvas course {course_id} has no modules; add modules in Canvas, or write a spec "
            "with local sources (`quizgen init`)"
        )
    skeleton = spec_skeleton(course, modules)
    name = " ".join(skeleton["course"]["name"].split())
    header = SKELETON_HEADER.format(course_id=course_id, name=name)
    return header + "\n" + tomli_w.dumps(skeleton)
