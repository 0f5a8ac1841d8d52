"""`quizgen import`: existing questions into a quiz, through the same checks as generated ones.

Two formats are read:
- quizgen's JSON export: `{"format": "quizgen-quiz", "version": 1, "quiz": {...}, "questions":
  [{"id", "module_id", "batch_key", "question_type", "review_status", "data", "citation"}]}`.
  Ids, review statuses and citations in the file are ignored: every question is checked again
  and stored afresh (kept ones as pending).
- text2qti Markdown: numbered questions; `a)` / `*a)` choices (two choices True/False become a
  true/false item), `[ ]` / `[*]` multiple answers, `*   answer` short answers (one line per
  accepted answer) as a one-blank fill in the blank (a `_____` run in the text becomes
  `[blank_1]`, else the marker is appended), `= 23` / `= 2.5 +- 0.1` / `= 2.5 +- 4%` /
  `= [1, 10]` numerical answers as numeric, a `____` essay whose feedback holds quizgen's
  `Model answer: …` and `Rubric:` as an essay, `...` general feedback as the explanation.
  Text is read as text2qti reads it: `<br />` is a line break, backslash escapes and HTML
  entities are their characters, so quizgen's own markdown export comes back exactly. An essay
  without a model answer and rubric (which quizgen's essay type needs) and file-upload
  questions are skipped, listed.

text2qti has no source quotes. quizgen's own export puts the cited passage at the end of the
feedback (`Source (file): “…”`); it is read back as the quote. A question without one is not
waved through and not rejected out of hand: quizgen looks in the module content for the one
sentence that holds the answer's content words and shares most words with the question; if
there is one, it becomes the quote and the question is flagged `unverified_source` (the
instructor sees that quizgen, not the author, chose the passage); if there is none, the
question is rejected `missing_quote`.

Rejection notes are written for the instructor (`rules.instructor_message`), not in the words
the checks feed back to the model.

Parsing is pure (text in, `ImportedQuestion`s out); storing is the command's job.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.checks import grounding
from quizgen.checks.screen import MISSING_QUOTE, UNVERIFIED_SOURCE, Screen, screen_question
from quizgen.content import ModuleContent
from quizgen.errors import InputError
from quizgen.questions import REGISTRY
from quizgen.questions.base import Problem
from quizgen.review.rules import instructor_message
from quizgen.store import NewQuestion

JSON_FORMAT = "quizgen-quiz"
JSON_VERSION = 1
IMPORT_REPEAT = "edit it (`quizgen edit`) if it should ask about something else"
"""What an instructor can do about an imported question that repeats one the quiz keeps."""
READABLE_FORMATS = (
    "a quizgen JSON export (`quizgen export --format json`) or text2qti Markdown (numbered "
    "questions, '1.  …'; `quizgen export --format markdown` writes it)"
)


@dataclass(frozen=True)
class ImportedQuestion:
    number: int
    """1-based position in the file, for messages."""
    question_type: str | None
    """None for kinds quizgen has no type for (text2qti essay, file upload)."""
    data: dict[str, Any]
    module_id: str | None = None
    kind: str = ""
    """What the file called it, when `question_type` is None."""


@dataclass(frozen=True)
class ScreenedImport:
    item: ImportedQuestion
    module_id: str
    question: NewQuestion


@dataclass
class ImportPlan:
    screened: list[ScreenedImport] = field(default_factory=list)
    skipped: list[ImportedQuestion] = field(default_factory=list)


# -- reading files ------------------------------------------------------------------------------


def read_import_file(path: Path) -> tuple[str, list[ImportedQuestion]]:
    """(format name, questions) of a quizgen JSON export or a text2qti Markdown file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not a text file; `quizgen import` reads {READABLE_FORMATS} (a QTI zip "
            "cannot be imported)"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    if path.suffix.casefold() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
        return "quizgen-json", parse_quizgen_json(data, str(path))
    return "text2qti", parse_text2qti(text, str(path))


def parse_quizgen_json(data: Any, origin: str) -> list[ImportedQuestion]:
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise InputError(
            f'{origin}: not a quizgen export (expected "format": "{JSON_FORMAT}" at the top)'
        )
    if data.get("version") != JSON_VERSION:
        raise InputError(
            f"{origin}: export version {data.get('version')!r} is not supported "
            f"(this quizgen reads version {JSON_VERSION})"
        )
    questions = data.get("questions")
    if not isinstance(questions, list):
        raise InputError(f'{origin}: "questions" must be a list')
    result = []
    for number, entry in enumerate(questions, start=1):
        where = f"{origin}: question {number}"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: must be an object")
        qtype, payload = entry.get("question_type"), entry.get("data")
        if not isinstance(qtype, str) or qtype not in REGISTRY:
            raise InputError(
                f"{where}: question_type {qtype!r} is not one of {', '.join(REGISTRY)}"
            )
        if not isinstance(payload, dict):
            raise InputError(f'{where}: "data" must be an object holding the question')
        module_id = entry.get("module_id")
        result.append(
            ImportedQuestion(number, qtype, dict(payload), module_id if module_id else None)
        )
    return result


_QUESTION = re.compile(r"^(\d+)\.\s+(.*)$")
_CHOICE = re.compile(r"^(\*?)([a-zA-Z])\)\s+(.*)$")
_MULTI = re.compile(r"^\[(\*| )\]\s+(.*)$")
_SHORT = re.compile(r"^\*\s+(.*)$")
"""A short-answer answer, as text2qti writes it (`*   answer`, one line per accepted answer)."""
_EQUALS = re.compile(r"^\*?=\s+(.*)$")
"""`= answer`: text2qti's numerical answer (`= 23`, `= 2.5 +- 0.1`, `= 2.5 +- 4%`, `= [1, 10]`);
an answer that is no number is read as a short answer, as earlier quizgen exports wrote them."""
_NUMERICAL_RANGE = re.compile(r"^\[\s*([^,\]]+?)\s*,\s*([^\]]+?)\s*\]$")
_NUMERICAL_MARGIN = re.compile(r"^(.+?)\s*\+-\s*(.+?)(%?)$")
_FEEDBACK = re.compile(r"^(\.\.\.|\+|-)\s+(.*)$")
_ESSAY = re.compile(r"^_{4,}\s*$")
_UPLOAD = re.compile(r"^\^{4,}\s*$")
_SETTING = re.compile(
    r"^(?:quiz title|quiz description|title|points|shuffle answers|show correct answers"
    r"|one question at a time|can't go back|cant go back|feedback is solution|text"
    r"|pick|solutions pick|points per question):|(?:group|end_group)$",
    re.IGNORECASE,
)
"""Settings lines, and text2qti's question groups (`GROUP`, `pick:`, `END_GROUP`): a group's
questions are read as questions; the pool itself belongs to a batch, which a file has not."""
_LINE_BREAK = re.compile(r"\s*<br\s*/?>\s*", re.IGNORECASE)
_BACKSLASH = re.compile(r"\\([!-/:-@\[-`{-~])")
_BLANK_LINE = re.compile(r"_{3,}")
_GRADING_NOTES = re.compile(
    r"(?:^|\n)Model answer: (?P<answer>.+?)\n+Rubric:\n(?P<rubric>(?:\d+\. [^\n]*(?:\n|$))+)$",
    re.DOTALL,
)
"""An essay's model answer and rubric, as quizgen's exports write them in the feedback
(`questions.essay.grading_notes`)."""
_SOURCE = re.compile(r"(?:^|\n)Source(?: \([^\n]*?\))?: “(.*)”\s*$", re.DOTALL)
"""The cited passage quizgen's own exports append to the feedback (`export.base.feedback_text`)."""


@dataclass
class _Draft:
    number: int
    text: list[str]
    choices: list[tuple[bool, list[str]]] = field(default_factory=list)
    multi: list[tuple[bool, list[str]]] = field(default_factory=list)
    shorts: list[str] = field(default_factory=list)
    numerical: str | None = None
    feedback: list[str] = field(default_factory=list)
    kind: str = ""
    last: list[str] | None = None


def parse_text2qti(text: str, origin: str) -> list[ImportedQuestion]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        start = _QUESTION.match(stripped) if not line[:1].isspace() else None
        if start:
            current = _Draft(len(drafts) + 1, [start.group(2)])
            current.last = current.text
            drafts.append(current)
            continue
        if current is None or _SETTING.match(stripped):
            continue
        if line[:1].isspace() and current.last is not None:
            current.last.append(stripped)  # a continuation line
            continue
        current.last = None
        if match := _CHOICE.match(stripped):
            current.choices.append((match.group(1) == "*", [match.group(3)]))
            current.last = current.choices[-1][1]
        elif match := _MULTI.match(stripped):
            current.multi.append((match.group(1) == "*", [match.group(2)]))
            current.last = current.multi[-1][1]
        elif match := _SHORT.match(stripped):
            current.shorts.append(match.group(1).strip())
        elif match := _EQUALS.match(stripped):
            answer = match.group(1).strip()
            if numerical(answer) is None:
                current.shorts.append(answer)
            else:
                current.numerical = answer
        elif match := _FEEDBACK.match(stripped):
            # General feedback (before any choice) is the explanation; per-choice and
            # correct/incorrect feedback has no place in quizgen's model and is left out.
            answered = current.choices or current.multi or current.shorts or current.numerical
            if match.group(1) == "..." and not answered:
                current.feedback.append(match.group(2))
                current.last = current.feedback
        elif _ESSAY.match(stripped):
            current.kind = "essay"
        elif _UPLOAD.match(stripped):
            current.kind = "file upload"
        else:
            raise InputError(
                f"{origin}: question {current.number}: cannot read the line {stripped[:60]!r} "
                "(expected a choice like 'a)' or '*b)', '[ ]'/'[*]', '* answer' or "
                "'... feedback')"
            )
    if not drafts:
        raise InputError(
            f"{origin}: no questions found. `quizgen import` reads {READABLE_FORMATS}; this file "
            "holds neither (GIFT, Moodle XML, QTI and CSV exports cannot be imported)"
        )
    return [_from_draft(draft) for draft in drafts]


def plain_text(parts: list[str]) -> str:
    """text2qti Markdown as the plain text a student reads: `<br />` is a line break,
    backslash escapes and HTML entities stand for their character (what quizgen's export
    escaped comes back exactly; see `export/markdown.py`)."""
    joined = _LINE_BREAK.sub("\n", " ".join(parts))
    return html.unescape(_BACKSLASH.sub(r"\1", joined)).strip()


def _from_draft(draft: _Draft) -> ImportedQuestion:
    text = plain_text(draft.text)
    explanation = plain_text(draft.feedback)
    base: dict[str, Any] = {"question_text": text, "explanation": explanation}
    if source := _SOURCE.search(explanation):
        base["explanation"] = explanation[: source.start()].strip()
        base["source_quote"] = source.group(1).strip()
    choices = [(ok, plain_text(parts)) for ok, parts in draft.choices]
    if choices:
        labels = {choice.casefold() for _, choice in choices}
        if len(choices) == 2 and labels == {"true", "false"}:
            correct = [choice for ok, choice in choices if ok]
            value = correct[0].casefold() == "true" if len(correct) == 1 else None
            return ImportedQuestion(draft.number, "true_false", {**base, "correct_answer": value})
        options = [{"text": choice, "correct": ok} for ok, choice in choices]
        return ImportedQuestion(draft.number, "multiple_choice", {**base, "options": options})
    if draft.multi:
        options = [{"text": plain_text(parts), "correct": ok} for ok, parts in draft.multi]
        return ImportedQuestion(draft.number, "multiple_answer", {**base, "options": options})
    if draft.shorts:
        if "[blank_1]" not in text:
            marked = _BLANK_LINE.sub("[blank_1]", text, count=1)
            base["question_text"] = marked if marked != text else f"{text} [blank_1]"
        blanks = [{"position": 1, "answers": draft.shorts}]
        return ImportedQuestion(draft.number, "fill_in_blank", {**base, "blanks": blanks})
    notes = _GRADING_NOTES.search(base["explanation"]) if draft.kind == "essay" else None
    if notes:
        base["explanation"] = base["explanation"][: notes.start()].strip()
        rubric = [re.sub(r"^\d+\. ", "", line) for line in notes["rubric"].splitlines()]
        essay = {"model_answer": notes["answer"].strip(), "rubric": rubric}
        return ImportedQuestion(draft.number, "essay", {**base, **essay})
    if draft.numerical is not None:
        key = numerical(draft.numerical) or {}
        return ImportedQuestion(draft.number, "numeric", {**base, **key})
    return ImportedQuestion(draft.number, None, base, kind=draft.kind or "question without answers")


def numerical(text: str) -> dict[str, Any] | None:
    """A text2qti `=` answer as the numeric type's fields; None when it is no number."""
    try:
        if match := _NUMERICAL_RANGE.match(text):
            low, high = float(match.group(1)), float(match.group(2))
            return {"answer": None, "margin": 0, "range": {"low": low, "high": high}}
        if match := _NUMERICAL_MARGIN.match(text):
            value, margin = float(match.group(1)), float(match.group(2))
            if match.group(3):
                margin = abs(value) * margin / 100
            return {"answer": value, "margin": margin, "range": None}
        return {"answer": float(text), "margin": 0, "range": None}
    except ValueError:
        return None


# -- checking -------------------------------------------------------------------------------------


def resolve_modules(
    items: Sequence[ImportedQuestion], modules: Sequence[str], override: str | None, origin: str
) -> list[str]:
    """The module of each item, or InputError (exit 2, nothing stored) naming the first problem."""
    known = ", ".join(modules)
    if override is not None and override not in modules:
        raise InputError(
            f"--module {override!r} is not a module of this quiz (its modules: {known})"
        )
    resolved = []
    for item in items:
        module_id = override or item.module_id or (modules[0] if len(modules) == 1 else None)
        if module_id is None:
            raise InputError(
                f"{origin}: question {item.number} names no module and the quiz has several "
                f"({known}); pass --module M"
            )
        if module_id not in modules:
            raise InputError(
                f"{origin}: question {item.number}: module {module_id!r} is not in this quiz "
                f"(its modules: {known}); pass --module M to import into one of them"
            )
        resolved.append(module_id)
    return resolved


def screen_imports(
    items: Sequence[ImportedQuestion],
    module_ids: Sequence[str],
    contents: Mapping[str, ModuleContent],
    screen: Screen,
    batch_key: str,
) -> ImportPlan:
    """Every item through the screen, in file order; kept ones are admitted, so a repeat within
    the file is caught as one against the quiz is."""
    plan = ImportPlan()
    for item, module_id in zip(items, module_ids, strict=True):
        if item.question_type is None:
            plan.skipped.append(item)
            continue
        qtype = REGISTRY[item.question_type]
        content = contents[module_id]
        data = dict(item.data)
        flags: tuple[str, ...] = ()
        if not str(data.get("source_quote") or "").strip():
            located = locate_quote(item.question_type, data, content)
            if isinstance(located, Problem):
                question = NewQuestion(data, (located.code,), located.message)
                plan.screened.append(ScreenedImport(item, module_id, question))
                continue
            data["source_quote"] = located
            flags = (UNVERIFIED_SOURCE,)
        verdict = screen_question(qtype.name, data, content, screen)
        citation = verdict.citation.as_dict() if verdict.citation else None
        if verdict.question is None:
            note = "; ".join(instructor_message(p.message, IMPORT_REPEAT) for p in verdict.problems)
            note = note[:1000]
            question = NewQuestion(data, verdict.reasons, note, citation, flags)
        else:
            screen.admit(verdict.question, batch_key)
            stored = verdict.question.model_dump(mode="json")
            question = NewQuestion(stored, citation=citation, flags=(*flags, *verdict.flags))
        plan.screened.append(ScreenedImport(item, module_id, question))
    return plan


def locate_quote(type_name: str, data: dict[str, Any], content: ModuleContent) -> str | Problem:
    """The sentence of `content` to cite for a question that has no quote; see the module
    docstring. A question that is malformed anyway is left for the screen to describe."""
    qtype = REGISTRY[type_name]
    question, _problems = qtype.parse({**data, "source_quote": "-"})
    if question is None:
        return "-"  # not found in the content, so the screen reports it with the other problems
    stem = re.sub(r"\[blank_\d+\]", " ", question.question_text)
    key = list(qtype.correct_answers(question))
    if type_name == "true_false":
        must = [stem] if question.correct_answer else []  # type: ignore[attr-defined]  # TF model
        clues = [stem]
    elif type_name in ("multiple_choice", "fill_in_blank"):
        must, clues = key, [stem, *key]
    else:
        must, clues = [], [stem, *key]
    sentence = grounding.best_sentence(clues, must, content.text)
    if sentence is None:
        return Problem(
            MISSING_QUOTE,
            "the question has no source quote and no sentence of the module content holds its "
            "answer; add a verbatim quote that supports it",
        )
    return sentence
