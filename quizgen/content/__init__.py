"""Module content: the text questions are generated from and their quotes are checked against.

Extraction (files, Canvas) yields `Section`s, one per source; `assemble` joins them into the
`ModuleContent` that is stored with its sha256 and remembers which source each span came from,
so a verified quote can say where it was found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizgen.models import ModuleRecord

SECTION_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Section:
    source: str
    """Where the text came from, as a person would name it: a path or a Canvas page title."""
    text: str


@dataclass(frozen=True)
class SectionSpan:
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class ModuleContent:
    text: str
    spans: tuple[SectionSpan, ...]
    sha256: str
    warnings: tuple[str, ...] = ()

    def source_at(self, offset: int) -> str | None:
        """The source holding character `offset` of `text`, or None between sections."""
        for span in self.spans:
            if span.start <= offset < span.end:
                return span.source
        return None


def assemble(sections: list[Section], warnings: tuple[str, ...] = ()) -> ModuleContent:
    parts: list[str] = []
    spans: list[SectionSpan] = []
    position = 0
    for section in sections:
        if parts:
            position += len(SECTION_SEPARATOR)
        parts.append(section.text)
        spans.append(SectionSpan(section.source, position, position + len(section.text)))
        position += len(section.text)
    text = SECTION_SEPARATOR.join(parts)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ModuleContent(text=text, spans=tuple(spans), sha256=digest, warnings=warnings)


def module_content(record: ModuleRecord) -> ModuleContent:
    """A stored module as the content its questions are generated from and checked against:
    generation, `check`, `import`, an edit and the review page all read it this way."""
    spans = tuple(SectionSpan(s["source"], s["start"], s["end"]) for s in record.spans)
    return ModuleContent(record.content, spans, record.sha256, tuple(record.warnings))
