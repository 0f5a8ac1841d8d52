"""The LLM calls table: one row per call to a model (prompt, answer, tokens, time, error).

Calls are written with the outcome they produced, in the same transaction (`insert_call`, run
by `record_progress_tx` and `record_verification_tx`). `usage_by_model` sums their tokens for
the cost estimate; `llm_calls` reads them back whole.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quizgen.store.db import StoreBase

if TYPE_CHECKING:
    from quizgen.llm.base import LLMAdapter, LLMRequest, LLMResponse


@dataclass(frozen=True)
class LLMCallRecord:
    attempt: int
    provider: str
    model: str
    prompt: str
    response: str | None
    finish_reason: str | None
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    seconds: float
    error: str | None

    @classmethod
    def of(
        cls,
        adapter: LLMAdapter,
        request: LLMRequest,
        response: LLMResponse | None,
        seconds: float,
        error: str | None,
    ) -> LLMCallRecord:
        """The record of one call. The module content, stored once with its module, is elided
        from the prompt so a quiz's calls do not repeat it for every batch."""
        content = getattr(request.task, "content", "")
        marker = f"<module content: {len(content)} characters, stored with the module>"
        prompt = "\n\n".join(
            f"[{m.role}] {m.content.replace(content, marker) if content else m.content}"
            for m in request.messages
        )
        usage = response.usage if response else None
        return cls(
            attempt=request.attempt,
            provider=adapter.provider,
            model=response.model if response else adapter.model,
            prompt=prompt,
            response=response.text if response else None,
            finish_reason=response.finish_reason if response else None,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            seconds=seconds,
            error=error,
        )


class CallStore(StoreBase):
    """Reading the recorded calls."""

    def llm_calls(self, quiz_id: str, batch_key: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM llm_calls WHERE quiz_id = ?"
        params: list[Any] = [quiz_id]
        if batch_key is not None:
            sql += " AND batch_key = ?"
            params.append(batch_key)
        return self._rows(sql + " ORDER BY id", params)

    def usage_by_model(self, quiz_id: str) -> list[dict[str, Any]]:
        """Tokens per (batch, provider, model) summed over the recorded calls: what costs use."""
        return self._rows(
            "SELECT batch_key, provider, model, SUM(input_tokens) AS input_tokens,"
            " SUM(cached_tokens) AS cached_tokens, SUM(output_tokens) AS output_tokens"
            " FROM llm_calls WHERE quiz_id = ? GROUP BY batch_key, provider, model"
            " ORDER BY MIN(id)",
            (quiz_id,),
        )


def insert_call(
    conn: sqlite3.Connection, quiz_id: str, batch_key: str, call: LLMCallRecord, stamp: str
) -> None:
    """One call's row, written in the caller's transaction with what the call produced."""
    conn.execute(
        "INSERT INTO llm_calls (quiz_id, batch_key, attempt, provider, model, prompt,"
        " response, finish_reason, input_tokens, output_tokens, cached_tokens,"
        " seconds, error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            quiz_id,
            batch_key,
            call.attempt,
            call.provider,
            call.model,
            call.prompt,
            call.response,
            call.finish_reason,
            call.input_tokens,
            call.output_tokens,
            call.cached_tokens,
            call.seconds,
            call.error,
            stamp,
        ),
    )
