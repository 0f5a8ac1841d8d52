"""The questions and question_edits tables: questions, their review status and flags, and the
history of accepted edits.

Questions are inserted by name of column (`INSERT_QUESTION`), so a column added by a later
migration breaks nothing. A generated batch's questions are written by `record_progress_tx`
(quizgen.store.batches) with the batch's counters; a verification's flags by
`record_verification_tx` with its call.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from quizgen.errors import InputError
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.store.calls import LLMCallRecord, insert_call
from quizgen.store.db import StoreBase, like_prefix, new_id, now


@dataclass(frozen=True)
class NewQuestion:
    """A question about to be stored: accepted (no reasons) or rejected with reason codes."""

    data: dict[str, Any]
    rejection_reasons: tuple[str, ...] = ()
    rejection_note: str | None = None
    citation: dict[str, Any] | None = None
    flags: tuple[str, ...] = ()


class QuestionStore(StoreBase):
    """Reading questions, reviewing them, editing them, importing them."""

    def questions(
        self,
        quiz_id: str,
        *,
        module_id: str | None = None,
        question_type: str | None = None,
        review_status: ReviewStatus | None = None,
        include_rejected: bool = False,
    ) -> list[QuestionRecord]:
        """Questions in quiz order: module order, then batch order, then position."""
        where = ["q.quiz_id = ?"]
        params: list[Any] = [quiz_id]
        if module_id is not None:
            where.append("q.module_id = ?")
            params.append(module_id)
        if question_type is not None:
            where.append("q.question_type = ?")
            params.append(question_type)
        if review_status is not None:
            where.append("q.review_status = ?")
            params.append(review_status)
        elif not include_rejected:
            where.append("q.review_status != 'rejected'")
        rows = self._rows(
            "SELECT q.* FROM questions q LEFT JOIN batches b ON b.quiz_id = q.quiz_id"
            " AND b.key = q.batch_key WHERE "
            + " AND ".join(where)
            + " ORDER BY b.rowid IS NULL, b.rowid, q.position = 0, q.position, q.created_at",
            params,
        )
        return [_question(row) for row in rows]

    def question(self, quiz_id: str, reference: str) -> QuestionRecord:
        """The question whose id is `reference` or starts with it (unique prefix)."""
        rows = self._rows(
            "SELECT * FROM questions WHERE quiz_id = ? AND id LIKE ? ESCAPE '\\'",
            (quiz_id, like_prefix(reference.strip())),
        )
        exact = [row for row in rows if row["id"] == reference.strip()]
        if exact or len(rows) == 1:
            return _question((exact or rows)[0])
        if not rows:
            raise InputError(f"no question {reference!r} in quiz {quiz_id}")
        raise InputError(f"question id prefix {reference!r} is ambiguous; give more of it")

    def set_review_status(
        self,
        quiz_id: str,
        question_ids: list[str],
        status: ReviewStatus,
        *,
        reasons: tuple[str, ...] = (),
        note: str | None = None,
    ) -> int:
        """Set the review status of questions (all in one transaction); return how many."""
        return self.set_review_verdicts(
            quiz_id, [(question_id, status, reasons, note) for question_id in question_ids]
        )

    def set_review_verdicts(
        self, quiz_id: str, verdicts: list[tuple[str, ReviewStatus, tuple[str, ...], str | None]]
    ) -> int:
        """(question id, status, reasons, note) for several questions in one transaction."""
        stamp = now()
        with self._write() as tx:
            cursor = tx.executemany(
                "UPDATE questions SET review_status = ?, rejection_reasons = ?,"
                " rejection_note = ?, updated_at = ? WHERE quiz_id = ? AND id = ?",
                [
                    (status, json.dumps(list(reasons)), note, stamp, quiz_id, question_id)
                    for question_id, status, reasons, note in verdicts
                ],
            )
            return cursor.rowcount

    def update_question_data(
        self,
        quiz_id: str,
        question_id: str,
        *,
        data: dict[str, Any],
        citation: dict[str, Any] | None,
        changes: list[dict[str, Any]],
        expected_updated_at: str,
        flags: Iterable[str] | None = None,
    ) -> QuestionRecord:
        """Store an edited (already validated) question and its history entry, atomically.

        The question goes back to pending review and loses its rejection reasons: what was
        approved or rejected is no longer what is stored. `flags`, when given, replace the
        question's flags (the checks judged the new version). Raises `InputError` when the
        question changed since `expected_updated_at` (someone else reviewed or edited it).
        """
        stamp = now()
        with self._write() as tx:
            row = tx.execute(
                "SELECT data, review_status, updated_at FROM questions"
                " WHERE quiz_id = ? AND id = ?",
                (quiz_id, question_id),
            ).fetchone()
            if row is None:
                raise InputError(f"no question {question_id!r} in quiz {quiz_id}")
            if row[2] != expected_updated_at:
                raise InputError(
                    f"question {question_id} changed while you were editing it; nothing was "
                    "saved — run the edit again"
                )
            tx.execute(
                "UPDATE questions SET data = ?, citation = ?, review_status = ?,"
                " rejection_reasons = '[]', rejection_note = NULL, updated_at = ?"
                " WHERE quiz_id = ? AND id = ?",
                (
                    json.dumps(data),
                    json.dumps(citation) if citation else None,
                    ReviewStatus.PENDING,
                    stamp,
                    quiz_id,
                    question_id,
                ),
            )
            if flags is not None:
                tx.execute(
                    "UPDATE questions SET flags = ? WHERE quiz_id = ? AND id = ?",
                    (json.dumps(list(dict.fromkeys(flags))), quiz_id, question_id),
                )
            tx.execute(
                "INSERT INTO question_edits (quiz_id, question_id, previous_status, changes,"
                " before, after, edited_at) VALUES (?,?,?,?,?,?,?)",
                (
                    quiz_id,
                    question_id,
                    row[1],
                    json.dumps(changes),
                    row[0],
                    json.dumps(data),
                    stamp,
                ),
            )
        return self.question(quiz_id, question_id)

    def question_edits(self, quiz_id: str, question_id: str | None = None) -> list[dict[str, Any]]:
        """The edit history, oldest first: {question_id, previous_status, changes, before,
        after, edited_at} with the JSON columns decoded."""
        sql = "SELECT * FROM question_edits WHERE quiz_id = ?"
        params: list[Any] = [quiz_id]
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        rows = self._rows(sql + " ORDER BY id", params)
        for row in rows:
            for column in ("changes", "before", "after"):
                row[column] = json.loads(row[column])
        return rows

    def kept_questions(self, quiz_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(batch key, question type, data) of every kept question, to seed repeat detection."""
        rows = self.db.conn.execute(
            "SELECT batch_key, question_type, data FROM questions"
            " WHERE quiz_id = ? AND review_status != 'rejected' ORDER BY created_at, rowid",
            (quiz_id,),
        ).fetchall()
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def question_counts(self, quiz_id: str) -> dict[str, dict[str, Any]]:
        """Per batch key: kept questions, rejections by reason code and flags by code.

        Covers every batch key questions were stored under, including imports (no batch row)."""
        counts: dict[str, dict[str, Any]] = {}

        def entry(key: str) -> dict[str, Any]:
            return counts.setdefault(key, {"kept": 0, "rejections": {}, "flags": {}})

        for key, kept in self.db.conn.execute(
            "SELECT batch_key, count(*) FROM questions WHERE quiz_id = ?"
            " AND review_status != 'rejected' GROUP BY batch_key",
            (quiz_id,),
        ):
            entry(key)["kept"] = kept
        for column, status, name in (
            ("rejection_reasons", "=", "rejections"),
            ("flags", "!=", "flags"),
        ):
            for key, code, number in self.db.conn.execute(
                f"SELECT q.batch_key, j.value, count(*) FROM questions q, json_each(q.{column}) j"
                f" WHERE q.quiz_id = ? AND q.review_status {status} 'rejected'"
                " GROUP BY q.batch_key, j.value ORDER BY q.batch_key, j.value",
                (quiz_id,),
            ):
                entry(key)[name][code] = number
        return counts

    def add_questions(
        self, quiz_id: str, batch_key: str, questions: list[tuple[str, str, NewQuestion]]
    ) -> list[str]:
        """Store (module id, question type, question) rows under one batch key that has no
        batch row (an import), in one transaction; kept ones are numbered 1..n. Returns ids."""
        stamp = now()
        ids: list[str] = []
        records = []
        position = 0
        for module_id, question_type, question in questions:
            ids.append(new_id())
            kept = not question.rejection_reasons
            position += kept
            records.append(
                question_row(
                    ids[-1],
                    quiz_id,
                    module_id,
                    batch_key,
                    question_type,
                    position if kept else 0,
                    question,
                    stamp,
                )
            )
        with self._write() as tx:
            tx.executemany(INSERT_QUESTION, records)
        return ids


def record_verification_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    batch_key: str,
    call: LLMCallRecord,
    disputed: list[str],
    flag: str,
) -> None:
    """Store a verification call (counted in its batch's calls and tokens) and add `flag` to
    the disputed questions."""
    stamp = now()
    conn.execute(
        "UPDATE batches SET input_tokens = input_tokens + ?,"
        " output_tokens = output_tokens + ?, cached_tokens = cached_tokens + ?,"
        " llm_seconds = llm_seconds + ?, calls = calls + 1, updated_at = ?"
        " WHERE quiz_id = ? AND key = ?",
        (
            call.input_tokens,
            call.output_tokens,
            call.cached_tokens,
            call.seconds,
            stamp,
            quiz_id,
            batch_key,
        ),
    )
    insert_call(conn, quiz_id, batch_key, call, stamp)
    for question_id in disputed:
        row = conn.execute(
            "SELECT flags FROM questions WHERE quiz_id = ? AND id = ?", (quiz_id, question_id)
        ).fetchone()
        if row is None:
            continue
        flags = json.loads(row[0])
        if flag not in flags:
            conn.execute(
                "UPDATE questions SET flags = ?, updated_at = ? WHERE quiz_id = ? AND id = ?",
                (json.dumps([*flags, flag]), stamp, quiz_id, question_id),
            )


QUESTION_COLUMNS = (
    "id",
    "quiz_id",
    "module_id",
    "batch_key",
    "question_type",
    "position",
    "data",
    "review_status",
    "rejection_reasons",
    "rejection_note",
    "citation",
    "flags",
    "created_at",
    "updated_at",
)
"""The columns `question_row` fills, in its order: INSERTs name them, so a column added by a
later migration (with a default) breaks nothing."""
INSERT_QUESTION = (
    f"INSERT INTO questions ({', '.join(QUESTION_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(QUESTION_COLUMNS))})"
)


def question_row(
    question_id: str,
    quiz_id: str,
    module_id: str,
    key: str,
    question_type: str,
    position: int,
    question: NewQuestion,
    stamp: str,
) -> tuple[Any, ...]:
    """A question's values in `QUESTION_COLUMNS` order: rejected if it has reasons, else pending."""
    status = ReviewStatus.REJECTED if question.rejection_reasons else ReviewStatus.PENDING
    return (
        question_id,
        quiz_id,
        module_id,
        key,
        question_type,
        position,
        json.dumps(question.data),
        status,
        json.dumps(list(question.rejection_reasons)),
        question.rejection_note,
        json.dumps(question.citation) if question.citation else None,
        json.dumps(list(question.flags)),
        stamp,
        stamp,
    )


def _question(row: dict[str, Any]) -> QuestionRecord:
    return QuestionRecord(
        id=row["id"],
        quiz_id=row["quiz_id"],
        module_id=row["module_id"],
        batch_key=row["batch_key"],
        question_type=row["question_type"],
        position=row["position"],
        data=json.loads(row["data"]),
        review_status=ReviewStatus(row["review_status"]),
        rejection_reasons=json.loads(row["rejection_reasons"]),
        rejection_note=row["rejection_note"],
        citation=json.loads(row["citation"]) if row["citation"] else None,
        flags=json.loads(row["flags"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
