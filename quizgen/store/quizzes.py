"""The quizzes and modules tables: a quiz, its spec, its status, and its modules' content.

A quiz is stored with its content and its planned batches in one transaction (`create_quiz`),
so a quiz never exists without its plan.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from quizgen.content import ModuleContent
from quizgen.errors import InputError
from quizgen.models import BatchStatus, ModuleRecord, PlannedBatch, Quiz, QuizStatus
from quizgen.store.db import StoreBase, like_prefix, new_id, now


@dataclass(frozen=True)
class NewModule:
    module_id: str
    name: str
    content: str
    sha256: str
    spans: list[dict[str, Any]]
    warnings: list[str]
    origin: str = "local"

    @classmethod
    def from_content(
        cls, module_id: str, name: str, content: ModuleContent, origin: str = "local"
    ) -> NewModule:
        return cls(
            module_id=module_id,
            name=name,
            content=content.text,
            sha256=content.sha256,
            spans=[{"source": s.source, "start": s.start, "end": s.end} for s in content.spans],
            warnings=list(content.warnings),
            origin=origin,
        )


class QuizStore(StoreBase):
    """Quizzes and their modules."""

    def create_quiz(
        self,
        *,
        title: str,
        language: str,
        provider: str,
        model: str,
        spec_path: str,
        spec: dict[str, Any],
        modules: list[NewModule],
        batches: list[PlannedBatch],
    ) -> Quiz:
        """Store a quiz with its content and pending batches in one transaction."""
        quiz_id = new_id()
        stamp = now()
        with self._write() as tx:
            tx.execute(
                "INSERT INTO quizzes (id, title, status, language, provider, model, spec_path,"
                " spec, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    quiz_id,
                    title,
                    QuizStatus.CREATED,
                    language,
                    provider,
                    model,
                    spec_path,
                    json.dumps(spec),
                    stamp,
                    stamp,
                ),
            )
            tx.executemany(
                "INSERT INTO modules (quiz_id, module_id, name, content, sha256, chars, spans,"
                " warnings, origin) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        quiz_id,
                        m.module_id,
                        m.name,
                        m.content,
                        m.sha256,
                        len(m.content),
                        json.dumps(m.spans),
                        json.dumps(m.warnings),
                        m.origin,
                    )
                    for m in modules
                ],
            )
            tx.executemany(
                "INSERT INTO batches (quiz_id, key, module_id, question_type, target_count,"
                " status, difficulty, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        quiz_id,
                        b.key,
                        b.module_id,
                        b.question_type,
                        b.target_count,
                        BatchStatus.PENDING,
                        b.difficulty,
                        stamp,
                    )
                    for b in batches
                ],
            )
        return self.quiz(quiz_id)

    def quiz(self, quiz_id: str) -> Quiz:
        rows = self._rows("SELECT * FROM quizzes WHERE id = ?", (quiz_id,))
        if not rows:
            raise InputError(f"no quiz with id {quiz_id!r} in {self.path}")
        return _quiz(rows[0])

    def resolve_quiz(self, reference: str) -> Quiz:
        """The quiz whose id is `reference` or starts with it; unknown or ambiguous → exit 2."""
        reference = reference.strip()
        rows = self._rows(
            "SELECT * FROM quizzes WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY created_at",
            (reference, like_prefix(reference)),
        )
        exact = [row for row in rows if row["id"] == reference]
        if exact:
            return _quiz(exact[0])
        if not rows or not reference:
            raise InputError(
                f"no quiz {reference!r} in {self.path}; `quizgen list` shows the quizzes there"
            )
        if len(rows) > 1:
            ids = ", ".join(row["id"] for row in rows[:5])
            raise InputError(f"quiz id prefix {reference!r} is ambiguous: {ids}; give more of it")
        return _quiz(rows[0])

    def quizzes(self) -> list[Quiz]:
        return [_quiz(row) for row in self._rows("SELECT * FROM quizzes ORDER BY created_at")]

    def set_quiz_status(
        self, quiz_id: str, status: QuizStatus, failure_reason: str | None = None
    ) -> None:
        with self._write() as tx:
            set_quiz_status_tx(tx, quiz_id, status, failure_reason)

    def modules(self, quiz_id: str) -> list[ModuleRecord]:
        rows = self._rows("SELECT * FROM modules WHERE quiz_id = ? ORDER BY rowid", (quiz_id,))
        return [
            ModuleRecord(
                quiz_id=row["quiz_id"],
                module_id=row["module_id"],
                name=row["name"],
                content=row["content"],
                sha256=row["sha256"],
                spans=json.loads(row["spans"]),
                warnings=json.loads(row["warnings"]),
                origin=row.get("origin", "local"),
            )
            for row in rows
        ]


def set_quiz_status_tx(
    conn: sqlite3.Connection, quiz_id: str, status: QuizStatus, failure_reason: str | None = None
) -> None:
    conn.execute(
        "UPDATE quizzes SET status = ?, failure_reason = ?, updated_at = ? WHERE id = ?",
        (status, failure_reason, now(), quiz_id),
    )


def _quiz(row: dict[str, Any]) -> Quiz:
    return Quiz(
        id=row["id"],
        title=row["title"],
        status=QuizStatus(row["status"]),
        language=row["language"],
        provider=row["provider"],
        model=row["model"],
        spec_path=row["spec_path"],
        spec=json.loads(row["spec"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        failure_reason=row["failure_reason"],
    )
