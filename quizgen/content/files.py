"""Read course files (Markdown, plain text, HTML, PDF, Word, PowerPoint) into clean text.

Every file is read whole: nothing is truncated, and nothing is skipped quietly. A file that
cannot be used is a `ContentError` naming it, and `read_sources` reports every bad file at once
so the instructor fixes them in one go. PDF pages without text are warnings on the result.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from quizgen.content import ModuleContent, Section, assemble
from quizgen.content.clean import clean_text, drop_repeated_lines
from quizgen.errors import ContentError

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
WORD_SUFFIXES = (".docx",)
SLIDE_SUFFIXES = (".pptx",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES + WORD_SUFFIXES + SLIDE_SUFFIXES
_OLD_OFFICE = {".doc": ".docx", ".ppt": ".pptx"}


def extract_file(path: Path, *, display_name: str | None = None) -> Section:
    """The cleaned text of one file, its `source` being `display_name` or the path.

    Raises `ContentError` (one sentence naming the file) when the file is missing, a
    directory, unreadable, of an unsupported type, not UTF-8, a PDF pypdf cannot open or that
    has no text layer, or empty once cleaned. PDF pages without text are not reported here;
    use `read_sources` to get them as warnings.
    """
    section, _warnings = read_file(path, display_name=display_name)
    return section


def read_sources(paths: list[tuple[Path, str]]) -> ModuleContent:
    """Extract each `(path, display_name)` in order and assemble them into module content.

    All failures are collected first and raised as one `ContentError`, one line per file.
    """
    if not paths:
        raise ContentError("No source files were given; pass at least one file.")
    sections: list[Section] = []
    warnings: list[str] = []
    problems: list[str] = []
    for path, display_name in paths:
        try:
            section, file_warnings = read_file(path, display_name=display_name)
        except ContentError as error:
            problems.append(error.message)
            continue
        sections.append(section)
        warnings.extend(file_warnings)
    if len(problems) == 1:
        raise ContentError(problems[0])
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise ContentError(f"{len(problems)} source files cannot be used:\n{lines}")
    return assemble(sections, tuple(warnings))


def read_file(
    path: Path, *, display_name: str | None = None, slide_notes: bool = True
) -> tuple[Section, tuple[str, ...]]:
    """Like `extract_file`, also returning warnings (PDF pages or slides without text)."""
    label = _label(path, display_name)
    suffix = path.suffix.lower()
    if not path.exists():
        raise ContentError(f"{label}: file not found.")
    if path.is_dir():
        raise ContentError(f"{label}: is a directory, not a file; name the files inside it.")
    check_supported(suffix, label)
    data = _read_bytes(path, label)
    return extract_data(
        data, suffix, label=label, source=display_name or str(path), slide_notes=slide_notes
    )


def check_supported(suffix: str, label: str) -> None:
    """Raise the `ContentError` for a file type quizgen cannot read (with a hint for .doc)."""
    if suffix.lower() in SUPPORTED_SUFFIXES:
        return
    kind = f"file type '{suffix}'" if suffix else "file without an extension"
    hint = ""
    if newer := _OLD_OFFICE.get(suffix.lower()):
        hint = f"save it as {newer} and try again; "
    raise ContentError(
        f"{label}: unsupported {kind}; {hint}supported types are {', '.join(SUPPORTED_SUFFIXES)}."
    )


def extract_data(
    data: bytes, suffix: str, *, label: str, source: str, slide_notes: bool = True
) -> tuple[Section, tuple[str, ...]]:
    """The cleaned text of a file's bytes, read as type `suffix`; used for Canvas files too.

    `label` names the file in errors and warnings; `source` is what the section is called.
    """
    suffix = suffix.lower()
    check_supported(suffix, label)
    warnings: tuple[str, ...] = ()
    if suffix in PDF_SUFFIXES:
        text, warnings = _pdf_text(data, label)
    elif suffix in WORD_SUFFIXES:
        from quizgen.content.office import docx_text

        text = docx_text(data, label)
    elif suffix in SLIDE_SUFFIXES:
        from quizgen.content.office import pptx_text

        text, warnings = pptx_text(data, label, notes=slide_notes)
    elif suffix in HTML_SUFFIXES:
        from quizgen.content.html import html_to_text

        text = html_to_text(_decode(data, label))
    else:
        text = _decode(data, label)
    text = clean_text(text)
    if not text.strip():
        raise ContentError(f"{label}: contains no text (empty after cleaning).")
    return Section(source=source, text=text), warnings


def _label(path: Path, display_name: str | None) -> str:
    """How errors name a file: the display name, with the path when it says something more."""
    if display_name and display_name != str(path):
        return f"{display_name} ({path})"
    return str(path)


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as error:
        raise ContentError(f"{label}: permission denied; quizgen cannot read it.") from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise ContentError(f"{label}: cannot be read ({reason}).") from error


def _decode(data: bytes, label: str) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused rather than guessed."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContentError(
            f"{label}: is not valid UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8 and try again."
        ) from error


def _pdf_text(data: bytes, label: str) -> tuple[str, tuple[str, ...]]:
    """The text layer of every page, running headers, footers and page numbers removed."""
    pages = _pdf_pages(data, label)
    empty = [number for number, page in enumerate(pages, start=1) if not page.strip()]
    if len(empty) == len(pages):
        raise ContentError(f"{label}: has no text layer (scanned?); quizgen does no OCR.")
    warnings: tuple[str, ...] = ()
    if empty:
        which = ("page " if len(empty) == 1 else "pages ") + ", ".join(map(str, empty))
        warnings = (
            f"{label}: no text layer (scanned?) on {which} of {len(pages)}; left out, as "
            "quizgen does no OCR.",
        )
    kept = [page for page in drop_repeated_lines(pages) if page.strip()]
    return "\n\n".join(kept), warnings


def _pdf_pages(data: bytes, label: str) -> list[str]:
    # Imported here: pypdf costs every command ~40 ms of start-up, and most specs have no PDF.
    from pypdf import PdfReader

    # pypdf signals a malformed file with whatever its parser trips on (PdfReadError,
    # ValueError, KeyError, TypeError, ...), so any exception here means "cannot be read".
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ContentError(
                f"{label}: is a password-protected PDF; save an unprotected copy and try again."
            )
        return [page.extract_text() or "" for page in reader.pages]
    except ContentError:
        raise
    except Exception as error:
        raise ContentError(
            f"{label}: cannot be read as a PDF ({error}); it may be damaged."
        ) from error
