"""What the page's buttons do to the store: approve, reject, edit, approve-clean, undo.

The same store calls and rules as `approve`, `reject` and `edit` on the command line (a
question the generation checks rejected needs an explicit "approve anyway"; reviewer reasons
are `reviewer:<code>`; an edit passes the type's parse and every generation check before it is
saved), so the terminal and the page always agree about state.

Undo keeps, per server run, what each action changed: the question's status, reasons, note (and
data, citation and flags for an edit) before, and its `updated_at` after. Undoing restores the
before-state, but only when nothing else (the CLI, another tab) changed the question since;
otherwise it says so and changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from quizgen.checks.screen import Screen
from quizgen.errors import InputError
from quizgen.models import QuestionRecord, Quiz, ReviewStatus
from quizgen.questions.base import Problem
from quizgen.review.rules import (
    apply_edit,
    check_codes,
    field_changes,
    refuse_unforced,
    rejection_from_text,
)
from quizgen.store import Store


@dataclass(frozen=True)
class Before:
    """One question as it was before an action, and its stamp right after the action."""

    id: str
    status: ReviewStatus
    reasons: tuple[str, ...]
    note: str | None
    data: dict[str, Any] | None
    citation: Any
    flags: tuple[str, ...]
    stamp_before: str
    stamp_after: str


@dataclass(frozen=True)
class Action:
    label: str
    before: tuple[Before, ...]


@dataclass(frozen=True)
class EditResult:
    saved: QuestionRecord | None
    problems: list[Problem] = field(default_factory=list)
    unchanged: bool = False


@dataclass
class UndoLog:
    """The actions of this server run, newest last (shared by every request)."""

    actions: list[Action] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, action: Action) -> None:
        with self.lock:
            self.actions.append(action)

    def pop(self) -> Action | None:
        with self.lock:
            return self.actions.pop() if self.actions else None

    def peek(self) -> Action | None:
        with self.lock:
            return self.actions[-1] if self.actions else None

    def restamp(self, question_id: str, old: str, new: str) -> None:
        """An undo gave a question a new `updated_at`; the earlier action that had left it at
        `old` is still undoable, so it now expects `new`."""
        with self.lock:
            for index, action in enumerate(self.actions):
                before = tuple(
                    replace(b, stamp_after=new)
                    if b.id == question_id and b.stamp_after == old
                    else b
                    for b in action.before
                )
                self.actions[index] = Action(action.label, before)


def _before(old: QuestionRecord, new: QuestionRecord, *, with_data: bool = False) -> Before:
    return Before(
        old.id,
        old.review_status,
        tuple(old.rejection_reasons),
        old.rejection_note,
        dict(old.data) if with_data else None,
        old.citation,
        tuple(old.flags),
        old.updated_at,
        new.updated_at,
    )


def _reread(store: Store, quiz: Quiz, records: list[QuestionRecord]) -> list[QuestionRecord]:
    return [store.question(quiz.id, record.id) for record in records]


def approve(
    store: Store, quiz: Quiz, records: list[QuestionRecord], log: UndoLog, *, force: bool = False
) -> int:
    """Approve; a question the checks rejected needs `force` (InputError says why)."""
    refuse_unforced(records, force)
    store.set_review_status(quiz.id, [r.id for r in records], ReviewStatus.APPROVED)
    after = _reread(store, quiz, records)
    label = "approved " + (records[0].id if len(records) == 1 else f"{len(records)} questions")
    log.push(Action(label, tuple(_before(o, n) for o, n in zip(records, after, strict=True))))
    return len(records)


def reject(
    store: Store, quiz: Quiz, record: QuestionRecord, log: UndoLog, reason: str, note: str
) -> str:
    """Reject with a reason code (or free text) and a note; returns the stored code."""
    code, text = rejection_from_text(reason or None, note or None)
    store.set_review_verdicts(
        quiz.id, [(record.id, ReviewStatus.REJECTED, (*check_codes(record), code), text)]
    )
    (after,) = _reread(store, quiz, [record])
    log.push(Action(f"rejected {record.id}", (_before(record, after),)))
    return code


def edit(
    store: Store,
    record: QuestionRecord,
    log: UndoLog,
    raw: dict[str, Any],
    expected_updated_at: str,
    kept: Screen | None = None,
) -> EditResult:
    """Check and save an edit with `review.apply_edit`, the one gate every edit passes (the
    same checks as generation); a failed check saves nothing and says what is wrong."""
    if record.updated_at != expected_updated_at:
        raise InputError(
            f"question {record.id} changed after you opened the edit form (another command or "
            "window); nothing was saved — open it again"
        )
    applied = apply_edit(store, record, raw, kept=kept)
    if not applied.outcome.valid:
        return EditResult(None, list(applied.outcome.problems))
    if applied.record is None:
        return EditResult(None, unchanged=True)
    log.push(Action(f"edited {record.id}", (_before(record, applied.record, with_data=True),)))
    return EditResult(applied.record)


def undo(store: Store, quiz: Quiz, log: UndoLog) -> Action:
    """Undo the newest action of this run and return it. InputError if there is none, or if a
    question changed since (then that action is dropped: it can no longer be undone)."""
    action = log.peek()
    if action is None:
        raise InputError("nothing to undo")
    current = {b.id: store.question(quiz.id, b.id) for b in action.before}
    moved = [b.id for b in action.before if current[b.id].updated_at != b.stamp_after]
    if moved:
        log.pop()
        raise InputError(
            f"cannot undo '{action.label}': {', '.join(moved[:5])} changed since "
            "(another command or window); nothing was changed"
        )
    for before in action.before:
        if before.data is not None:
            now = current[before.id]
            store.update_question_data(
                quiz.id,
                before.id,
                data=before.data,
                citation=before.citation,
                changes=field_changes(now.data, before.data),
                expected_updated_at=now.updated_at,
                flags=before.flags,
            )
    store.set_review_verdicts(quiz.id, [(b.id, b.status, b.reasons, b.note) for b in action.before])
    log.pop()
    for before in action.before:
        log.restamp(before.id, before.stamp_before, store.question(quiz.id, before.id).updated_at)
    return action
