"""Keeping a lease alive from a thread while a block of blocking work runs.

A publish waits on Canvas (a 429's Retry-After, a slow page) and a `collect --wait` sleeps
between looks; neither may let its lease lapse meanwhile. The renewals run on a thread with its
own connection, so they need nothing from the work's thread; a process killed with -9 stops
renewing, which is how the next process tells a dead holder from a live one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from quizgen.errors import QuizgenError
from quizgen.store import Store


@contextlib.contextmanager
def renewing(
    path: Path,
    renew: Callable[[Store], object],
    *,
    lease_seconds: float,
    name: str,
    join_timeout: float | None = None,
) -> Iterator[None]:
    """Call `renew(store)` every third of `lease_seconds` while the block runs. A renewal that
    fails (the database busy for long) is skipped: the next one tries again."""
    stop = threading.Event()

    def loop() -> None:
        with contextlib.suppress(QuizgenError):
            own = Store.open(path)
            try:
                while not stop.wait(lease_seconds / 3):
                    with contextlib.suppress(QuizgenError):
                        renew(own)
            finally:
                own.close()

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(join_timeout)
