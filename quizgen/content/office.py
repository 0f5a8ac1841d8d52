"""Word (.docx) and PowerPoint (.pptx) files to Markdown-ish text.

Slides are where much course content lives, so their structure is kept: each slide becomes a
`## Slide N: Title` heading followed by its bullets (indented by level), tables as ` | `-joined
rows, and optionally its speaker notes. Footer, date and slide-number placeholders are not
content and are dropped, as are lines repeated on most slides (a logo caption, a course
banner) — the same rule that removes a PDF's running headers. Word documents keep headings
(`#`), list items (`- `) and tables; their page headers and footers live in separate parts of
the file and are never read.

python-docx and python-pptx are the optional extra `quizgen[office]`: they bring lxml and
Pillow, which a user who only has Markdown and PDF should not have to install. A missing
library is a `ContentError` that names the command installing it.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from quizgen.content.clean import drop_repeated_lines
from quizgen.errors import ContentError

INSTALL_HINT = "pip install 'quizgen[office]' (or: pipx inject quizgen python-docx python-pptx)"
_HEADING_STYLE = re.compile(r"heading\s*([1-6])", re.IGNORECASE)


def _library(name: str, label: str, what: str) -> Any:
    from importlib import import_module

    try:
        return import_module(name)
    except ImportError:
        raise ContentError(
            f"{label}: reading {what} needs the optional package python-{name}; "
            f"install it with: {INSTALL_HINT}"
        ) from None


def docx_text(data: bytes, label: str) -> str:
    """The body of a Word document: headings, paragraphs, list items and tables in order."""
    docx = _library("docx", label, "Word (.docx) files")
    try:
        document = docx.Document(BytesIO(data))
        blocks = list(document.iter_inner_content())
    except Exception as error:  # python-docx raises whatever its zip/XML layer trips on
        raise ContentError(
            f"{label}: cannot be read as a Word document ({type(error).__name__}); it may be "
            "damaged, or an old .doc saved under a new name (save it as .docx)."
        ) from error
    lines: list[str] = []
    for block in blocks:
        if hasattr(block, "rows"):
            lines += ["", *_table_rows(block), ""]
        else:
            lines.append(_docx_paragraph(block))
    return "\n".join(lines)


def _docx_paragraph(paragraph: Any) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if heading := _HEADING_STYLE.fullmatch(style.strip()):
        return f"\n{'#' * int(heading.group(1))} {text}\n"
    if style.strip().lower() == "title":
        return f"\n# {text}\n"
    # python-docx has no public numbering API; a list item carries <w:numPr> in its properties.
    properties = paragraph._p.pPr
    numbering = properties.numPr if properties is not None else None
    if numbering is not None or style.lower().startswith("list"):
        level = 0
        if numbering is not None and numbering.ilvl is not None:
            level = int(numbering.ilvl.val)
        marker = "1." if "number" in style.lower() else "-"
        return f"{'  ' * level}{marker} {text}"
    return f"{text}\n"


def _table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:  # a merged cell repeats in every column it spans
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def pptx_text(data: bytes, label: str, *, notes: bool = True) -> tuple[str, tuple[str, ...]]:
    """Every slide's title, bullets and tables (and speaker notes if `notes`), in order.

    Slides without any text (pictures only) are left out with a warning; a deck with no text
    at all is a `ContentError`.
    """
    pptx = _library("pptx", label, "PowerPoint (.pptx) files")
    try:
        deck = pptx.Presentation(BytesIO(data))
        slides = [_slide(slide) for slide in deck.slides]
    except Exception as error:  # python-pptx raises whatever its zip/XML layer trips on
        raise ContentError(
            f"{label}: cannot be read as a PowerPoint file ({type(error).__name__}); it may be "
            "damaged, or an old .ppt saved under a new name (save it as .pptx)."
        ) from error
    if not slides:
        raise ContentError(f"{label}: the presentation has no slides.")
    bodies = drop_repeated_lines(["\n".join(body) for _, body, _ in slides], edges=False)
    parts: list[str] = []
    empty: list[int] = []
    for number, ((title, _, slide_notes), body) in enumerate(zip(slides, bodies, strict=True), 1):
        if not title and not body.strip():
            empty.append(number)
            continue
        section = [f"## Slide {number}: {title}" if title else f"## Slide {number}"]
        if body.strip():
            section.append(body)
        if notes and slide_notes:
            section.append(f"Speaker notes: {slide_notes}")
        parts.append("\n".join(section))
    if not parts:
        raise ContentError(f"{label}: no slide has any text (pictures only?); quizgen does no OCR.")
    warnings: tuple[str, ...] = ()
    if empty:
        which = ("slide " if len(empty) == 1 else "slides ") + ", ".join(map(str, empty))
        warnings = (
            f"{label}: no text on {which} of {len(slides)} (pictures only?); left out, as "
            "quizgen does no OCR.",
        )
    return "\n\n".join(parts), warnings


_SKIPPED_PLACEHOLDERS = ("FOOTER", "SLIDE_NUMBER", "DATE")
_BULLET_PLACEHOLDERS = ("BODY", "OBJECT")


def _slide(slide: Any) -> tuple[str, list[str], str]:
    """(title, body lines, speaker notes) of one slide."""
    title_shape = slide.shapes.title
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
    body: list[str] = []
    for shape in _reading_order(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        body += _shape_lines(shape)
    notes = ""
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = " ".join(slide.notes_slide.notes_text_frame.text.split())
    return title, body, notes


def _reading_order(shapes: Any) -> list[Any]:
    """Top to bottom, then left to right: the order a person reads a slide in."""
    return sorted(shapes, key=lambda shape: (shape.top or 0, shape.left or 0))


def _shape_lines(shape: Any) -> list[str]:
    kind = _placeholder_kind(shape)
    if kind in _SKIPPED_PLACEHOLDERS:
        return []
    if getattr(shape, "shapes", None) is not None:  # a group: its members in reading order
        return [line for member in _reading_order(shape.shapes) for line in _shape_lines(member)]
    if getattr(shape, "has_table", False):
        return _table_rows(shape.table)
    if not getattr(shape, "has_text_frame", False):
        return []
    bullets = kind in _BULLET_PLACEHOLDERS
    lines: list[str] = []
    for paragraph in shape.text_frame.paragraphs:
        text = " ".join(paragraph.text.split())
        if text:
            indent = "  " * paragraph.level
            lines.append(f"{indent}- {text}" if bullets else f"{indent}{text}")
    return lines


def _placeholder_kind(shape: Any) -> str | None:
    if not getattr(shape, "is_placeholder", False):
        return None
    kind = shape.placeholder_format.type
    return getattr(kind, "name", None) or str(kind)
