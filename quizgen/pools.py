"""Question pools: a batch with `pick = k` shows each student k of its questions, drawn afresh
per attempt ("5 of 20").

A pool is a property of a batch in the spec, so it is read from the spec (the snapshot stored at
`create`, or a `--spec` file), never stored apart from it. Everything here is pure: exports and
publish call `pools_of` for the pools and `segments` to keep each pool's questions together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from quizgen.models import batch_key

if TYPE_CHECKING:
    from quizgen.models import Quiz
    from quizgen.spec import QuizSpec

T = TypeVar("T")
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Pool:
    """One pooled batch: `pick` of its questions are shown, out of `count` asked for."""

    batch_key: str
    pick: int
    count: int

    def label(self, size: int | None = None) -> str:
        """ "5 of 20": `size` is how many questions the pool holds where it goes (approved,
        exported), else the count the spec asks for."""
        return f"{self.pick} of {self.count if size is None else size}"


def pools_of(spec: QuizSpec) -> dict[str, Pool]:
    """The spec's pooled batches by batch key (batches without `pick` are not pools)."""
    return {
        key: Pool(key, batch.pick, batch.count)
        for module_id, module in spec.modules.items()
        for batch in module.question_batches
        if batch.pick is not None
        for key in [batch_key(module_id, batch.question_type, batch.count)]
    }


def quiz_pools(quiz: Quiz) -> dict[str, Pool]:
    """The pools of a stored quiz, from the spec snapshot stored at `create`; none when that
    snapshot cannot be read (the commands that only show the pools still show the rest)."""
    from quizgen.errors import SpecError
    from quizgen.spec import stored_spec

    try:
        return pools_of(stored_spec(quiz))
    except SpecError:
        return {}


def pool_document(pool: Pool | None) -> dict[str, int | str] | None:
    """A pool in `--json` output: `{"pick": 5, "count": 20, "label": "5 of 20"}`, or null."""
    if pool is None:
        return None
    return {"pick": pool.pick, "count": pool.count, "label": pool.label()}


def segments(
    items: Sequence[T], key: Callable[[T], str], pools: Mapping[str, Pool]
) -> list[tuple[Pool | None, list[T]]]:
    """`items` in order as runs: each pool's items together, at the place of its first one,
    and every other item on its own (pool None)."""
    runs: list[tuple[Pool | None, list[T]]] = []
    placed: dict[str, list[T]] = {}
    for item in items:
        pool = pools.get(key(item))
        if pool is None:
            runs.append((None, [item]))
        elif pool.batch_key in placed:
            placed[pool.batch_key].append(item)
        else:
            placed[pool.batch_key] = [item]
            runs.append((pool, placed[pool.batch_key]))
    return runs


def in_pool_order(
    items: Sequence[T], key: Callable[[T], str], pools: Mapping[str, Pool]
) -> list[T]:
    """`items` with each pool's items moved together (see `segments`)."""
    return [item for _, run in segments(items, key, pools) for item in run]


def shared_points(points: Sequence[N]) -> N:
    """The one value every question of a pool is worth (Canvas and QTI give a group one
    `question_points`): the largest, so no question is worth less than on its own."""
    return max(points)


def pick_note(pool: Pool, held: int) -> str | None:
    """A format's group shows at most the questions it holds: say so when that is fewer than
    the pool's `pick` (not every question was approved, or the format left some out)."""
    if held >= pool.pick:
        return None
    return (
        f"batch {pool.batch_key} is a pool of {pool.pick} per student, but only {held} "
        f"of its questions are exported: the group shows {held}"
    )


def points_note(pool: Pool, points: Sequence[float], group: str, worth: str) -> str | None:
    """A group gives its questions one value of points (`shared_points`): say so when they
    were worth different points on their own."""
    if len(set(points)) <= 1:
        return None
    return (
        f"batch {pool.batch_key}: {group} gives every question the same points, so "
        f"each is worth {worth}"
    )
