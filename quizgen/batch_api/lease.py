"""One process at a time sends and collects a quiz's Batch API jobs.

Two `quizgen collect` runs of one quiz (or a `collect` beside a `retry`, or beside the `create`
still submitting) would each upload the quiz's queued asks: two remote jobs for the same
requests, paid twice. `collecting` leases the quiz for that work (`quizgen.store.quiz_leases`)
and renews the lease from a thread while the work runs — a `collect --wait` sleeps between
looks — so a second process is refused at once with a `CollectBusyError` naming the holder. A
holder killed with -9 stops renewing: on the same host its lease is dead at once (its pid is
gone), elsewhere when it expires.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial

from quizgen.errors import QuizgenError
from quizgen.store import LEASE_SECONDS, Store
from quizgen.store.quiz_leases import (
    COLLECT,
    claim_quiz_lease,
    release_quiz_lease,
    renew_quiz_lease,
)
from quizgen.store.renewal import renewing


class CollectBusyError(QuizgenError):
    """Another live process is sending or collecting the same quiz's Batch API jobs."""

    exit_code = 1


@contextlib.contextmanager
def collecting(
    store: Store, quiz_id: str, *, lease_seconds: float = LEASE_SECONDS
) -> Iterator[None]:
    """Hold the quiz's collect lease for the block; see the module docstring."""
    holder = claim_quiz_lease(store, quiz_id, COLLECT, lease_seconds=lease_seconds)
    if holder is not None:
        raise CollectBusyError(
            f"quiz {quiz_id}: its Batch API jobs are being sent or collected by another "
            f"quizgen process (pid {holder.pid} on {holder.host}); nothing was done — let it "
            f"finish, then run `quizgen collect {quiz_id}` again if batches are left"
        )
    renew = partial(renew_quiz_lease, quiz_id=quiz_id, purpose=COLLECT, lease_seconds=lease_seconds)
    try:
        with renewing(
            store.path,
            renew,
            lease_seconds=lease_seconds,
            name=f"collect-lease-{quiz_id}",
            join_timeout=5,
        ):
            yield
    finally:
        release_quiz_lease(store, quiz_id, COLLECT)
