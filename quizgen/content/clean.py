"""Tidy extracted text without losing its structure.

QuizCrafter collapsed every run of whitespace, newlines included, into one space, so headings,
paragraphs and lists reached the LLM as one long line. Here only noise goes: invisible
characters, stray spaces, extra blank lines, words split across a line break and, for PDFs, the
running headers, footers and page numbers. Newlines, blank lines between paragraphs and leading
indentation (nested lists, code) are kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
"""Soft hyphen, zero-width space/non-joiner/joiner, word joiner, stray byte-order mark."""

_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\u2028\u2029\x85]")
_INNER_SPACES = re.compile(r"(?<=\S)[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w)")
_BLANK_RUNS = re.compile(r"\n{3,}")

_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"  # 12 · Page 3 · Page 3 of 9 · 3/9
    r"|[-–—]\s*\d{1,4}\s*[-–—]",  # - 4 -
    re.IGNORECASE,
)
_OUTER_NUMBER = re.compile(r"^\d+\b|\b\d+$")
_EDGE_LINES = 2
"""How many non-blank lines at the top and bottom of a page count as header or footer."""

REPEAT_SHARE = 0.6
REPEAT_MIN_PAGES = 3


def clean_text(text: str) -> str:
    """Normalise whitespace and invisible characters, keeping lines and paragraphs.

    Idempotent, so text already cleaned (an HTML conversion, say) may safely be cleaned again.
    The result has no leading or trailing blank lines and at most one blank line in a row.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    lines = [_INNER_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    text = _HYPHEN_BREAK.sub(_join_hyphenated, "\n".join(lines))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def _join_hyphenated(match: re.Match[str]) -> str:
    """Rejoin "mito-\\nchondria" but keep "COVID-\\n19" or "Smith-\\nJones" as they were."""
    before, after = match.group(1), match.group(2)
    if before.isalpha() and before.islower() and after.isalpha() and after.islower():
        return before + after
    return match.group(0)


def drop_repeated_lines(pages: list[str], *, edges: bool = True) -> list[str]:
    """Remove running headers, footers and page numbers from the text of each PDF page.

    A line is a running header or footer when it appears on at least 60% of the pages of a
    document of three pages or more. In the top and bottom two non-blank lines of a page a
    number at the start or end of a line is ignored in that comparison, so "Cell Biology · 7"
    and "Cell Biology · 8" count as one footer; anywhere else only identical lines count. Bare
    page numbers ("12", "Page 3 of 9", "- 4 -") are removed only from those top and bottom
    lines, so numbers in a table or list on the page stay. With `edges=False` (slides, whose
    footers and numbers are placeholders dropped before) only identical repeated lines go.
    """
    split = [page.splitlines() for page in pages]
    edge_lines = [_edge_indexes(lines) if edges else set() for lines in split]
    repeated: set[str] = set()
    masked_repeated: set[str] = set()
    if len(pages) >= REPEAT_MIN_PAGES:
        needed = math.ceil(REPEAT_SHARE * len(pages))
        exact = Counter(key for lines in split for key in {_line_key(line) for line in lines})
        masked = Counter(
            key
            for lines, edge in zip(split, edge_lines, strict=True)
            for key in {_masked_key(lines[i]) for i in edge}
        )
        repeated = {key for key, count in exact.items() if key and count >= needed}
        masked_repeated = {key for key, count in masked.items() if key and count >= needed}

    cleaned: list[str] = []
    for lines, edge in zip(split, edge_lines, strict=True):
        kept = [
            line
            for i, line in enumerate(lines)
            if _line_key(line) not in repeated
            and not (
                i in edge
                and (_masked_key(line) in masked_repeated or _PAGE_NUMBER.fullmatch(line.strip()))
            )
        ]
        cleaned.append("\n".join(kept))
    return cleaned


def _edge_indexes(lines: list[str]) -> set[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _line_key(line: str) -> str:
    return " ".join(line.split())


def _masked_key(line: str) -> str:
    return _OUTER_NUMBER.sub("#", _line_key(line))
