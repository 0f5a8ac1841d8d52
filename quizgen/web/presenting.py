"""What the review page shows, decided without a server: filters, counts, the cited span.

Pure functions over store records, so the rules are tested without HTTP and the routes only
fetch, call these and render. Nothing here builds HTML: the templates escape every value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen.checks.citations import find_quote
from quizgen.content import ModuleContent
from quizgen.models import Batch, QuestionRecord, ReviewStatus
from quizgen.questions import REGISTRY
from quizgen.review.rules import REJECTION_REASONS, REVIEWER_PREFIX

PAGE_SIZE = 100

CODE_SENTENCES: dict[str, str] = {
    "invalid_shape": "The question does not have the fields its type needs.",
    "wrong_correct_count": "The number of options marked correct is wrong for this type.",
    "duplicate_options": "Two options, items or distractors are the same.",
    "all_none_of_above": "An option says 'all/none of the above' or similar.",
    "placeholder_text": "Some text is a placeholder (such as 'Option B' or 'TODO').",
    "too_short": "The question is too short to be clear.",
    "answer_leak": "The correct answer appears word for word in the question.",
    "not_a_statement": "A true/false item must be a statement, not a question.",
    "blank_mismatch": "The [blank_N] markers and the blanks do not pair one to one.",
    "empty_answers": "An accepted answer has no letters or digits.",
    "duplicate_answers": "A blank lists the same answer twice.",
    "duplicate_pairs": "Two pairs share a prompt or an answer.",
    "distractor_is_answer": "A distractor is also a real answer, item or category.",
    "item_in_two_categories": "An item sits in more than one category.",
    "duplicate_categories": "Two categories have the same name.",
    "too_few_items": "There are too few items across the categories.",
    "too_many_items": "There are too many items across the categories.",
    "quote_not_found": "The quoted source passage is not in the module text word for word.",
    "missing_quote": "The question has no source passage, and none holds its answer.",
    "unverified_source": "It was imported without a quote; quizgen chose the passage shown.",
    "key_not_grounded": "The quoted passage does not support the answer key.",
    "distractor_supported": "The quoted passage seems to state a wrong option: check the key.",
    "key_disputed": "A second model disagreed with the answer key.",
    "duplicate_question": "The same question is already in the quiz.",
    "near_duplicate": "A reworded version of a question already in the quiz.",
    "wrong_unit": "The question does not name the unit the passage gives the number in.",
}


def download_name(title: str, quiz_id: str, extension: str) -> str:
    """`<title-slug>-<quiz id>.<ext>`, the name `quizgen export` writes by default."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "quiz"
    return f"{slug}-{quiz_id}.{extension}"


def code_sentence(code: str) -> str:
    """A plain sentence for a check, flag or reviewer code (the code itself is shown too)."""
    if code.startswith(REVIEWER_PREFIX):
        reason = REJECTION_REASONS.get(code.removeprefix(REVIEWER_PREFIX), "another reason")
        return f"A reviewer rejected it: {reason}."
    return CODE_SENTENCES.get(code, "See docs/quality.md for this code.")


@dataclass(frozen=True)
class Filters:
    """The overview's filters, carried in every link so moving around keeps them."""

    module: str = ""
    batch: str = ""
    type: str = ""
    status: str = ""
    flag: str = ""
    q: str = ""

    @classmethod
    def of(cls, params: Any) -> Filters:
        return cls(**{name: str(params.get(name, "")).strip()[:200] for name in cls.FIELDS})

    FIELDS = ("module", "batch", "type", "status", "flag", "q")

    def items(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in self.FIELDS if getattr(self, name)]

    def matches(self, record: QuestionRecord) -> bool:
        if self.module and record.module_id != self.module:
            return False
        if self.batch and record.batch_key != self.batch:
            return False
        if self.type and record.question_type != self.type:
            return False
        if self.status and record.review_status.value != self.status:
            return False
        if self.flag == "any" and not record.flags:
            return False
        if self.flag == "none" and record.flags:
            return False
        if self.flag not in ("", "any", "none") and self.flag not in record.flags:
            return False
        if self.q:
            text = str(record.data.get("question_text", ""))
            if self.q.casefold() not in text.casefold():
                return False
        return True


def select(records: Iterable[QuestionRecord], filters: Filters) -> list[QuestionRecord]:
    return [record for record in records if filters.matches(record)]


def neighbours(
    records: Sequence[QuestionRecord], question_id: str
) -> tuple[int | None, str | None, str | None]:
    """(index, previous id, next id) of a question in the filtered list (index None: absent)."""
    ids = [record.id for record in records]
    if question_id not in ids:
        return None, None, None
    at = ids.index(question_id)
    previous = ids[at - 1] if at > 0 else None
    following = ids[at + 1] if at + 1 < len(ids) else None
    return at, previous, following


@dataclass(frozen=True)
class BatchRow:
    key: str
    module_id: str
    question_type: str
    status: str
    pending: int
    approved: int
    rejected: int
    flagged: int
    clean_pending: int


def batch_rows(batches: Sequence[Batch], records: Iterable[QuestionRecord]) -> list[BatchRow]:
    """One row per batch (imports, which have no batch row, too), with review counts."""
    counts: dict[str, dict[str, Any]] = {}
    for record in records:
        entry = counts.setdefault(
            record.batch_key,
            {"module": record.module_id, "type": record.question_type, "p": 0, "a": 0, "r": 0},
        )
        entry.setdefault("f", 0)
        entry.setdefault("c", 0)
        status = record.review_status
        entry[{"pending": "p", "approved": "a", "rejected": "r"}[status.value]] += 1
        if record.flags and status != ReviewStatus.REJECTED:
            entry["f"] += 1
        if status == ReviewStatus.PENDING and not record.flags:
            entry["c"] += 1
    rows: list[BatchRow] = []
    known = set()
    for batch in batches:
        known.add(batch.key)
        entry = counts.get(batch.key, {})
        rows.append(
            BatchRow(
                batch.key,
                batch.module_id,
                batch.question_type,
                batch.status.value,
                entry.get("p", 0),
                entry.get("a", 0),
                entry.get("r", 0),
                entry.get("f", 0),
                entry.get("c", 0),
            )
        )
    for key, entry in counts.items():
        if key not in known:
            rows.append(
                BatchRow(
                    key,
                    entry["module"],
                    entry["type"],
                    "imported",
                    entry["p"],
                    entry["a"],
                    entry["r"],
                    entry["f"],
                    entry["c"],
                )
            )
    return rows


def clean_pending(records: Iterable[QuestionRecord], batch_key: str) -> list[QuestionRecord]:
    """ "Approve all clean in this batch": pending questions of the batch with no flag."""
    return [
        record
        for record in records
        if record.batch_key == batch_key
        and record.review_status == ReviewStatus.PENDING
        and not record.flags
    ]


# --- the cited passage ------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


def cited_spans(record: QuestionRecord, content: ModuleContent | None) -> list[tuple[int, int]]:
    """Where the question's citation stands in the module text.

    Citations are stored as exact spans ({source, start, end}, or a list of them); a stored
    span that does not fit the text (content re-extracted since) or a citation holding only a
    quote is located again by the quote itself, with the same matching the citation check uses.
    """
    if content is None:
        return []
    length = len(content.text)
    stored = record.citation
    candidates = stored if isinstance(stored, list) else [stored] if stored else []
    spans: list[tuple[int, int]] = []
    for item in candidates:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length:
            spans.append((start, end))
    if spans:
        return sorted(spans)
    quotes = [item.get("quote") for item in candidates if isinstance(item, dict)]
    quotes = [q for q in quotes if isinstance(q, str) and q.strip()]
    quotes = quotes or [str(record.data.get("source_quote", ""))]
    for quote in quotes:
        found = find_quote(quote, content) if quote.strip() else None
        if found is not None:
            spans.append((found.start, found.end))
    return sorted(spans)


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[Segment]:
    """The text cut into plain and marked pieces (overlapping spans are merged)."""
    pieces: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            pieces.append(Segment(text[at:start], False))
        pieces.append(Segment(text[start:end], True))
        at = end
    if at < len(text) or not pieces:
        pieces.append(Segment(text[at:], False))
    return pieces


_BLANK = re.compile(r"\[blank_(\d+)\]")


def blank_pieces(question_text: str) -> list[tuple[str, int | None]]:
    """A fill-in-the-blank stem as (text, None) and (marker, blank number) pieces."""
    pieces: list[tuple[str, int | None]] = []
    at = 0
    for match in _BLANK.finditer(question_text):
        if match.start() > at:
            pieces.append((question_text[at : match.start()], None))
        pieces.append((match.group(), int(match.group(1))))
        at = match.end()
    if at < len(question_text):
        pieces.append((question_text[at:], None))
    return pieces


def answer_key(question_type: str, data: Mapping[str, Any]) -> str:
    """The key in one line, as `show` writes it (`23`, `2.5 ± 0.1`, `1 to 10`); empty when the
    stored data no longer reads as its type (the findings say why)."""
    qtype = REGISTRY.get(question_type)
    if qtype is None:
        return ""
    try:
        question = qtype.model.model_validate(dict(data))
    except ValueError:
        return ""
    return "; ".join(qtype.correct_answers(question))
