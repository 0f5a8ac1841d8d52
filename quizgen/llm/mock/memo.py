"""What the capacity count already wrote, kept once for the batch's first ask.

`quizgen create` counts, before any call, the distinct questions each batch of a full module can
get (`capacity`). Counting writes the batch's first questions: the very ones its first ask would
write again, since the mock is deterministic. So the count keeps them here, compressed, and
`planning.choose` takes them instead of reading the text and writing them a second time — half
the mock's work in a large run.

Bounded by `MAX_BYTES` (compressed): past it nothing more is kept, and a batch without an entry
is written from the text as before. An entry is taken once and dropped, so the memory drains as
the run goes. `suggest` does not keep; `validate` counts as `create` does, so it keeps too, and
what it kept goes with the process.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Hashable, Sequence
from typing import Any

MAX_BYTES = 16 * 1024 * 1024
"""Compressed bytes kept at most: a thousand batches of twenty questions take about 4 MB."""

Record = tuple[dict[str, Any], "str | None", str]
"""(question, the text of the one fact it asks about or None, what its blank asks for)."""

_kept: dict[Hashable, tuple[bytes, bool]] = {}
_size = 0
_lock = threading.Lock()


def keep(key: Hashable, records: Sequence[Record], complete: bool) -> None:
    """Keep a batch's first records; `complete` says no further ones exist."""
    global _size
    packed = zlib.compress(json.dumps(records, ensure_ascii=False).encode("utf-8"), 1)
    with _lock:
        if key in _kept or _size + len(packed) > MAX_BYTES:
            return
        _kept[key] = (packed, complete)
        _size += len(packed)


def take(key: Hashable) -> tuple[list[Record], bool] | None:
    """The records kept for `key` and whether they are all there are, once; None if none."""
    global _size
    with _lock:
        found = _kept.pop(key, None)
        if found is None:
            return None
        packed, complete = found
        _size -= len(packed)
    records = [tuple(item) for item in json.loads(zlib.decompress(packed).decode("utf-8"))]
    return records, complete  # type: ignore[return-value]


def clear() -> None:
    """Forget everything kept."""
    global _size
    with _lock:
        _kept.clear()
        _size = 0


def kept_bytes() -> int:
    """Compressed bytes kept now (for bench/bench_mock.py)."""
    return _size
