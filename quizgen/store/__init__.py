"""The SQLite store: the only package that speaks SQL.

One module per job:
- `db`: opening a database (pragmas, refusing files that are not ours, applying migrations)
  and the one way to write, a `BEGIN IMMEDIATE` transaction; `migrations`: the schema.
- `leases`: which live process may write a batch or a publication; `quiz_leases`: a whole quiz
  leased for one purpose (Batch API sending and collecting).
- one module per table family: `quizzes` (quizzes, modules), `batches` (batches and their
  leases), `questions` (questions, review, edit history, verification flags), `calls` (LLM
  calls, usage), `api_jobs` (Batch API jobs and asks), `publications` (Canvas publications and
  their items).
- `writer`: the single writer thread of a generation run (group commit).

Why `Store` is a composition of per-family mixins rather than an object holding per-family
objects: every command, the web app, the publisher and generation call `store.questions(...)`,
`store.claim_publication(...)` and the like in some 200 places; mixins keep each of those
calls as it is while each family's SQL lives in its own module. All families share one
connection and one write helper (`StoreBase` in `db`), so a write that spans families
(`create_quiz` stores a quiz, its modules and its batches) is still one transaction, which
separate objects would have had to share anyway.

The writes a generation run makes are functions of an open transaction (`*_tx`), each beside
the `Store` method that runs it in a transaction of its own; during a run the single writer
(`quizgen.store.writer`) runs many of them in one transaction. This package exports every name
its users import, so `from quizgen.store import X` does not depend on which module X lives in.
"""

from __future__ import annotations

from quizgen.store.api_jobs import (
    ApiJobStore,
    NewApiJob,
    NewApiRequest,
    api_lease_id,
    close_api_request_tx,
    insert_api_requests_tx,
)
from quizgen.store.batches import (
    BatchStore,
    claim_batches_tx,
    finish_batch_tx,
    record_progress_tx,
    renew_leases_tx,
    settle_run_tx,
)
from quizgen.store.calls import CallStore, LLMCallRecord
from quizgen.store.db import (
    default_db_path,
    new_id,
    now,
    savepoint,
    stamp_after,
)
from quizgen.store.leases import LEASE_SECONDS, Runner, lease_alive
from quizgen.store.publications import PublicationStore
from quizgen.store.questions import NewQuestion, QuestionStore, record_verification_tx
from quizgen.store.quizzes import NewModule, QuizStore, set_quiz_status_tx

__all__ = [
    "LEASE_SECONDS",
    "LLMCallRecord",
    "NewApiJob",
    "NewApiRequest",
    "NewModule",
    "NewQuestion",
    "Runner",
    "Store",
    "api_lease_id",
    "claim_batches_tx",
    "close_api_request_tx",
    "default_db_path",
    "finish_batch_tx",
    "insert_api_requests_tx",
    "lease_alive",
    "new_id",
    "now",
    "record_progress_tx",
    "record_verification_tx",
    "renew_leases_tx",
    "savepoint",
    "set_quiz_status_tx",
    "settle_run_tx",
    "stamp_after",
]


class Store(QuizStore, BatchStore, QuestionStore, CallStore, ApiJobStore, PublicationStore):
    """quizgen's database. Open with `Store.open(path)`; close when done."""
