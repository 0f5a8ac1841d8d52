"""Reviewing questions: the pure rules behind `review`, `approve`, `reject` and `edit`.

The commands do the I/O (terminal, editor, store); everything that decides something lives
here and is tested without a terminal:

- which questions a bulk approval selects, and why a question rejected by the generation checks
  needs `--force` (a person overriding a machine's "no" should mean it);
- reviewer rejections are stored as `reviewer:<code>` reason codes, so they never mix with the
  generation check codes (`quote_not_found`, `answer_leak`, …) that reports count;
- an edit is a TOML document with comments, checked by every check generation runs (the type's
  `parse`, citation, grounding of the key, give-aways and repeats), so a stored question never
  skipped a rule a generated one met. `apply_edit` is the one place an edit is checked and
  stored; the rest of this module is pure.
"""

from __future__ import annotations

import json
import os
import shlex
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tomli_w

from quizgen.checks.citations import Citation
from quizgen.checks.screen import (
    KEY_DISPUTED,
    QUOTE_NOT_FOUND,
    UNVERIFIED_SOURCE,
    Screen,
    screen_question,
)
from quizgen.content import ModuleContent
from quizgen.errors import InputError
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.questions import QuestionType
from quizgen.questions.base import Problem, QuestionBase

if TYPE_CHECKING:
    from quizgen.store import Store

REVIEWER_PREFIX = "reviewer:"
REJECTION_REASONS: dict[str, str] = {
    "incorrect_answer": "the answer key is wrong",
    "poor_wording": "unclear, ambiguous or badly written",
    "irrelevant_content": "not about what the module teaches",
    "duplicate_question": "repeats another question",
    "too_easy": "too easy",
    "too_hard": "too hard",
    "other": "another reason (say which in the note)",
}
"""The reviewer's reason codes, as in the original system (minus its quota/coverage codes)."""

INVALID_TOML = "invalid_toml"


def reviewer_code(reason: str) -> str:
    """`reviewer:<code>` for a known code; InputError names the valid ones."""
    code = reason.strip().removeprefix(REVIEWER_PREFIX)
    if code not in REJECTION_REASONS:
        raise InputError(
            f"unknown rejection reason {reason!r}; use one of: {', '.join(REJECTION_REASONS)}"
        )
    return REVIEWER_PREFIX + code


def rejection_from_text(reason: str | None, note: str | None) -> tuple[str, str | None]:
    """(reason code, note) from `--reason` and `--note`.

    `--reason` may be a code ("too_easy") or free text ("answer b is also right"); free text
    becomes the note of an `other` rejection, so scripts need not know the code list.
    """
    if reason is None:
        return REVIEWER_PREFIX + "other", note or None
    if reason.strip().removeprefix(REVIEWER_PREFIX) in REJECTION_REASONS:
        return reviewer_code(reason), note or None
    text = " ".join(part for part in (reason.strip(), (note or "").strip()) if part)
    return REVIEWER_PREFIX + "other", text or None


def check_codes(record: QuestionRecord) -> list[str]:
    """The generation check codes a question was rejected with (not a reviewer's codes)."""
    if record.review_status != ReviewStatus.REJECTED:
        return []
    return [code for code in record.rejection_reasons if not code.startswith(REVIEWER_PREFIX)]


def refuse_unforced(records: Iterable[QuestionRecord], force: bool) -> None:
    """Approving a question the checks rejected needs `--force`; say which and why."""
    if force:
        return
    blocked = [(r, check_codes(r)) for r in records if check_codes(r)]
    if not blocked:
        return
    lines = "\n".join(
        f"  {r.id}: {', '.join(codes)}" + (f" — {r.rejection_note}" if r.rejection_note else "")
        for r, codes in blocked
    )
    raise InputError(
        f"{len(blocked)} question(s) were rejected by the generation checks:\n{lines}\n"
        "Approving them puts a question that failed a check into your exports; fix it with "
        "`quizgen edit` (a valid edit clears the rejection), or pass --force if you are sure."
    )


def select_for_approval(
    questions: list[QuestionRecord],
    *,
    module_id: str | None = None,
    question_type: str | None = None,
) -> list[QuestionRecord]:
    """Bulk selection (`--all`, `--module`, `--type`): pending questions only.

    Rejected questions are never swept up by a bulk approval; name them to approve them.
    """
    return [
        q
        for q in questions
        if q.review_status == ReviewStatus.PENDING
        and (module_id is None or q.module_id == module_id)
        and (question_type is None or q.question_type == question_type)
    ]


# --- the edit document ---------------------------------------------------------------------

_FIELD_HELP: dict[str, list[str]] = {
    "multiple_choice": [
        "[[options]]  exactly 4, each with text and correct = true/false; exactly one true",
    ],
    "multiple_answer": [
        "[[options]]  exactly 5, each with text and correct = true/false; 2 to 4 true",
    ],
    "true_false": ["correct_answer  true when the statement (question_text) is true"],
    "fill_in_blank": [
        "question_text holds [blank_1], [blank_2], … exactly once each",
        "[[blanks]]  position (1..n) and answers (accepted answers, canonical first;",
        "             matching in Canvas is exact, so list case variants you accept)",
    ],
    "matching": [
        "[[pairs]]  3 to 10, each a prompt and the answer it matches",
        "distractors  up to 5 extra answers that match no prompt",
    ],
    "numeric": [
        "answer  the number (question_text names its unit); margin  how far off an answer",
        "        may be and still count (0: exact)",
        "[range]  low and high, instead of answer, where the content states a range",
    ],
    "essay": [
        "model_answer  what a full answer says, from the source passage only",
        "rubric  1 to 6 points a grader looks for (one point each), each from the passage",
    ],
    "categorization": [
        "[[categories]]  2 to 8, each a name and its items (4 to 20 items in all,",
        "                 every item in exactly one category)",
        "distractors  up to 5 items that belong to no category",
    ],
    "ordering": [
        "items  3 to 10, in the correct order (first to last), each copied from the quote;",
        "       the quote must give them in that order",
    ],
}


def edit_document(record: QuestionRecord, qtype: QuestionType) -> str:
    """The TOML a reviewer edits: commented header, then the question's fields."""
    header = [
        f"# quizgen question {record.id} — {qtype.label} ({qtype.name})",
        f"# quiz {record.quiz_id}, module {record.module_id}, batch {record.batch_key}",
        f"# review status: {record.review_status.value}"
        + (f" ({', '.join(record.rejection_reasons)})" if record.rejection_reasons else ""),
        "#",
        "# Edit the values below, save and close the editor. The edit is checked with the same",
        "# rules as generated questions; an invalid edit is shown and you can fix or abandon it.",
        "# Save the file unchanged (or empty) to cancel. A saved edit sends the question back",
        "# to pending review.",
        "#",
        "# Fields:",
        "#   question_text  the question (for true/false: the statement to judge)",
        "#   explanation    why the answer is right; shown as feedback",
        "#   source_quote   a passage copied word for word from the module content",
        *(f"#   {line}" for line in _FIELD_HELP.get(qtype.name, [])),
        "",
    ]
    ordered = _toml_order(record.data)
    return "\n".join(header) + "\n" + tomli_w.dumps(ordered, multiline_strings=True)


def _toml_order(data: dict[str, Any]) -> dict[str, Any]:
    """Scalars first (TOML needs them before tables), the common fields leading; a field left
    empty (None: a numeric question's unused `answer` or `range`) is left out, as TOML has no
    null and the model reads a missing field as empty."""
    first = ("question_text", "explanation", "source_quote")
    keys = [k for k in first if k in data] + [k for k in data if k not in first]
    keys = [k for k in keys if data[k] is not None]
    scalars = {k: data[k] for k in keys if not _is_table_list(data[k])}
    tables = {k: data[k] for k in keys if _is_table_list(data[k])}
    return scalars | tables


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def parse_edit_document(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The edited fields, or a problem saying where the TOML is broken."""
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(INVALID_TOML, f"the file is not valid TOML: {exc}")]


@dataclass(frozen=True)
class EditOutcome:
    """A checked edit: `question` and `citation` are set exactly when there are no problems."""

    question: QuestionBase | None
    citation: Citation | None
    problems: list[Problem] = field(default_factory=list)
    flags: tuple[str, ...] = ()
    """Flags the checks raise without refusing (`distractor_supported`)."""

    @property
    def valid(self) -> bool:
        return self.question is not None and not self.problems


def check_edit(
    qtype: QuestionType,
    raw: Any,
    content: ModuleContent | None,
    kept: Iterable[tuple[str, str, dict[str, Any]]] | Screen = (),
) -> EditOutcome:
    """Every check generation runs, on an edited question: the type's `parse` (structure and
    give-aways), the citation, the grounding of the key in the quote, and repeats of the
    questions the quiz keeps (`kept`: (batch key, type, data), the edited question left out; or
    the `Screen.of` those rows, built ahead by a caller that checks several edits).

    `content` is the module's stored content; without it (a module missing from the store) the
    quote cannot be verified, which is itself a problem: an unverifiable quote is not accepted.
    """
    if content is None:
        question, problems = qtype.parse(raw)
        if question is None:
            return EditOutcome(None, None, problems)
        missing = Problem(
            QUOTE_NOT_FOUND,
            "source_quote cannot be checked: the module content is missing from the store",
        )
        return EditOutcome(None, None, [missing])
    screen = kept if isinstance(kept, Screen) else Screen.of(kept)
    verdict = screen_question(qtype.name, raw, content, screen)
    if not verdict.accepted:
        return EditOutcome(None, None, [_for_instructor(p) for p in verdict.problems])
    return EditOutcome(verdict.question, verdict.citation, [], verdict.flags)


@dataclass(frozen=True)
class AppliedEdit:
    """What `apply_edit` did: saved (`record` set), refused (`outcome.problems`), or nothing
    to save (valid, no field changed)."""

    outcome: EditOutcome
    changes: list[dict[str, Any]] = field(default_factory=list)
    record: QuestionRecord | None = None

    @property
    def saved(self) -> bool:
        return self.record is not None


def apply_edit(
    store: Store, record: QuestionRecord, raw: Any, *, kept: Screen | None = None
) -> AppliedEdit:
    """Check an edited question as generation would (`check_edit`) and store it if it passes.

    The one way an edit reaches the store, for the `edit` command, `review` and the web pages
    alike. The question goes back to pending review; flags the checks compute now replace the
    old ones, and flags from outside the checks survive only while what they judged is
    unchanged (see `_kept_flags`). `InputError` if someone changed the question meanwhile.
    `kept`: the quiz's other kept questions, screened ahead (`kept_rows`); read here if absent.
    """
    from quizgen.content import module_content
    from quizgen.questions import question_type

    qtype = question_type(record.question_type)
    modules = {m.module_id: m for m in store.modules(record.quiz_id)}
    module = modules.get(record.module_id)
    content = module_content(module) if module is not None else None
    rows = kept if kept is not None else kept_rows(store.questions(record.quiz_id), record.id)
    outcome = check_edit(qtype, raw, content, rows)
    if not outcome.valid:
        return AppliedEdit(outcome)
    assert outcome.question is not None and outcome.citation is not None
    data = outcome.question.model_dump(mode="json")
    changes = field_changes(record.data, data)
    if not changes:
        return AppliedEdit(outcome)
    saved = store.update_question_data(
        record.quiz_id,
        record.id,
        data=data,
        citation=outcome.citation.as_dict(),
        changes=changes,
        expected_updated_at=record.updated_at,
        flags=[*outcome.flags, *_kept_flags(record.flags, changes)],
    )
    return AppliedEdit(outcome, changes, saved)


def kept_rows(
    questions: Iterable[QuestionRecord], edited_id: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """What an edit of `edited_id` is checked for repeats against: every other kept question."""
    return [
        (q.batch_key, q.question_type, q.data)
        for q in questions
        if q.id != edited_id and q.review_status != ReviewStatus.REJECTED
    ]


_FLAG_FIELDS = {
    KEY_DISPUTED: None,  # judged the whole question: any change but the explanation ends it
    UNVERIFIED_SOURCE: {"source_quote"},
}


def _kept_flags(flags: Iterable[str], changes: list[dict[str, Any]]) -> list[str]:
    """Flags the checks do not compute (`--verify`'s `key_disputed`, an import's
    `unverified_source`) stay while the fields they judged are unchanged."""
    changed = {change["field"].split(".")[0] for change in changes}
    kept = []
    for flag in flags:
        if flag not in _FLAG_FIELDS:
            continue  # computed again by the checks: the new verdict's flags replace it
        judged = _FLAG_FIELDS[flag]
        if (judged is None and changed <= {"explanation"}) or (
            judged is not None and not changed & judged
        ):
            kept.append(flag)
    return kept


EDIT_REPEAT = "reword it to ask about something else, or reject one of the two"
"""What a reviewer can do about an edit that repeats another question."""


def instructor_message(message: str, repeat_advice: str = EDIT_REPEAT) -> str:
    """A check's message in words for the instructor. The checks word some messages for the
    model they are fed back to ("…; ask something else"); a person gets advice they can act
    on instead."""
    model_words = "; ask something else"
    if message.endswith(model_words):
        return f"{message[: -len(model_words)]}; {repeat_advice}"
    return message


def _for_instructor(problem: Problem) -> Problem:
    return Problem(problem.code, instructor_message(problem.message))


def field_changes(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Field-level differences as [{field, old, new}], with dotted paths (`options.2.text`)."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in after:
                changes.append({"field": sub, "old": before[key], "new": None})
            elif key not in before:
                changes.append({"field": sub, "old": None, "new": after[key]})
            else:
                changes += field_changes(before[key], after[key], sub)
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True), start=1):
            changes += field_changes(old, new, f"{path}.{index}")
        return changes
    if json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True):
        return []
    return [{"field": path, "old": before, "new": after}]


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """`$EDITOR`, else `$VISUAL`, else `vi`, split like a shell would (it may carry flags)."""
    env = os.environ if environ is None else environ
    chosen = env.get("EDITOR") or env.get("VISUAL") or "vi"
    return shlex.split(chosen)
