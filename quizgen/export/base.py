"""What every export format is given and gives back, and the helpers several formats share.

An export is a pure function from an `ExportQuiz` and its `ExportItem`s (stored records already
parsed through their type) to an `Export`: the file's bytes, plus every question the format could
not hold (`left_out`) and every question it holds only in part (`notes`). Nothing is dropped
without a line in one of those lists; the command prints them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from quizgen.canvas.payloads import PublishSettings
from quizgen.models import QuestionRecord, Quiz
from quizgen.pools import Pool, pools_of, segments
from quizgen.questions import REGISTRY, QuestionType
from quizgen.questions.base import QuestionBase
from quizgen.questions.essay import Essay, grading_notes

ALL_TYPES = tuple(REGISTRY)
"""For formats that hold every question type."""

ID_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-5e7f-9a10-3c5d7e9f1b2a")
"""uuid5 namespace for export identifiers: the same question gets the same ids on every run."""


@dataclass(frozen=True)
class ExportQuiz:
    id: str
    title: str
    language: str
    shuffle_answers: bool = False
    time_limit_minutes: int | None = None
    allowed_attempts: int = 1
    """The spec's `[publish]` settings a format can carry (QTI's `assessment_meta.xml`);
    -1 attempts is unlimited, as in Canvas."""
    publish: PublishSettings | None = None
    """The quiz's publish settings (engine, shuffle, time limit, points), for the formats that
    create a quiz in Canvas (canvaslms); None means publish's defaults."""
    pools: Mapping[str, Pool] = field(default_factory=dict)
    """The spec's pools by batch key (`pick`): formats that can draw k of n write them, the
    others say in a note that they cannot (`export_quiz`)."""

    @classmethod
    def of(cls, quiz: Quiz) -> ExportQuiz:
        """The quiz as exports see it, with the `[publish]` settings of its stored spec."""
        from quizgen.spec import stored_spec

        spec = stored_spec(quiz)
        publish = spec.publish
        return cls(
            quiz.id,
            quiz.title,
            quiz.language,
            shuffle_answers=publish.shuffle_answers,
            time_limit_minutes=publish.time_limit_minutes,
            allowed_attempts=publish.allowed_attempts,
            pools=pools_of(spec),
        )


@dataclass(frozen=True)
class ExportItem:
    """One stored question, parsed: the record for ids and status, the model for content."""

    record: QuestionRecord
    question: Any  # the type's model (MultipleChoice, FillInBlank, …)
    qtype: QuestionType

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def type_name(self) -> str:
        return self.qtype.name

    @property
    def points(self) -> int:
        return self.qtype.points(self.question)

    @property
    def name(self) -> str:
        """A name that says where the question came from: its batch key and its position in
        that batch (`cells_multiple_choice_10-3`), for question banks that list names."""
        return f"{self.record.batch_key}-{self.record.position}"


@dataclass(frozen=True)
class LeftOut:
    question_id: str
    question_type: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.question_id, "question_type": self.question_type, "reason": self.reason}


@dataclass
class Export:
    data: bytes
    exported: list[str] = field(default_factory=list)
    """Ids of the questions the file holds, in file order."""
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Questions held only in part (e.g. categorization distractors a matching item cannot hold)."""


Writer = Callable[[ExportQuiz, list[ExportItem]], Export]


def held_runs(
    quiz: ExportQuiz,
    items: list[ExportItem],
    result: Export,
    cannot_hold: Callable[[ExportItem], str | None],
) -> list[tuple[Pool | None, list[ExportItem]]]:
    """The quiz's items as `segments` (each pool's together), each run cut to the items the
    format holds: the rest go to `result.left_out` with the reason `cannot_hold` gives. A
    format writes a pool's group only when its run still holds a question."""
    runs: list[tuple[Pool | None, list[ExportItem]]] = []
    for pool, run in segments(items, lambda item: item.record.batch_key, quiz.pools):
        held = []
        for item in run:
            reason = cannot_hold(item)
            if reason:
                result.left_out.append(LeftOut(item.id, item.type_name, reason))
            else:
                held.append(item)
        runs.append((pool, held))
    return runs


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    description: str
    write: Writer
    holds: tuple[str, ...]
    """Question types the format can hold at all (some only in part; see its module)."""
    binary: bool = False
    pools: bool = False
    """Whether the format itself says "show k of these n" (`pick`); otherwise `export_quiz`
    notes each pool it could not keep."""


def stable_id(*parts: str) -> str:
    """A deterministic uuid (hex, 32 chars) from the given parts."""
    return uuid.uuid5(ID_NAMESPACE, "\x1f".join(parts)).hex


def short_id(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def feedback_text(item: ExportItem, *, notes: bool = True) -> str:
    """Explanation and the cited source passage: what a student sees after answering. An
    essay's model answer and rubric come between them (`notes`), for the formats that have no
    place only a grader sees; Moodle XML has one (`graderinfo`) and asks without them."""
    question: QuestionBase = item.question
    parts = []
    if question.explanation:
        parts.append(question.explanation)
    if notes and isinstance(question, Essay):
        parts.append(grading_notes(question))
    if question.source_quote:
        source = source_label((item.record.citation or {}).get("source"))
        where = f" ({source})" if source else ""
        parts.append(f"Source{where}: “{question.source_quote}”")
    return "\n\n".join(parts)


def source_label(source: str | None) -> str | None:
    """The cited source as students may see it: a file's name without its folders.

    A local source is stored as the path it was read from (`/home/me/teaching/…/cells.md`);
    feedback leaves the quiz, so it names the file only. A Canvas page is stored by its title,
    which may hold a `/` ("Midterm 1/2") and has no file suffix: it is kept whole."""
    if not source:
        return None
    name = PurePosixPath(source.replace("\\", "/")).name
    has_folders = name != source
    return name if has_folders and PurePosixPath(name).suffix else source


def one_line(text: str) -> str:
    """Formats with single-line fields: newlines and runs of spaces become one space."""
    return " ".join(text.split())


_XML_FORBIDDEN = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [0xFFFE, 0xFFFF]
)


def xml_safe(text: str) -> str:
    """Drop the control characters XML 1.0 cannot hold at all (escaping cannot save them)."""
    return text.translate(_XML_FORBIDDEN)


def html_block(text: str) -> str:
    """Plain text as an HTML fragment: escaped, paragraphs kept, line breaks as <br>."""
    import html

    paragraphs = [p for p in xml_safe(text).replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
