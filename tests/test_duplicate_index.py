"""The repeat index (`checks/duplicates.py`) finds exactly what comparing every pair finds.

Its filters (prefixes in a global word order, the positional bound, postings grouped by place
for common words) only skip work; these tests compare it with the plain definition — the first
kept stem, in the order kept, whose Jaccard similarity reaches the threshold and whose numbers
agree — on random stems built to share common words, so every filter is exercised.
"""

from __future__ import annotations

import random

import pytest

from quizgen.checks.duplicates import (
    NEAR_DUPLICATE_SIMILARITY,
    TRUE_FALSE_SIMILARITY,
    Holder,
    _Block,
    _numbers_differ,
)


def _plain(kept: list[frozenset[str]], words: frozenset[str], threshold: float) -> int | None:
    for number, other in enumerate(kept):
        similarity = len(words & other) / len(words | other)
        if similarity >= threshold and not _numbers_differ(words, other):
            return number
    return None


@pytest.mark.parametrize("threshold", [NEAR_DUPLICATE_SIMILARITY, TRUE_FALSE_SIMILARITY])
@pytest.mark.parametrize("seed", range(4))
def test_block_finds_what_comparing_every_pair_finds(threshold: float, seed: int) -> None:
    rng = random.Random(seed)
    common = [f"common{n}" for n in range(12)]  # in most stems: long, grouped postings
    rare = [f"rare{n}" for n in range(150)]
    block = _Block(threshold)
    kept: list[frozenset[str]] = []
    found = 0
    for step in range(1500):
        if kept and rng.random() < 0.3:  # a rewording of a kept stem
            words = set(rng.choice(kept))
            for _ in range(rng.randint(0, 3)):
                if words and rng.random() < 0.5:
                    words.discard(rng.choice(sorted(words)))
                else:
                    words.add(rng.choice(rare + common + ["21", "18"]))
        else:
            words = set(rng.sample(common, rng.randint(0, 6)))
            words |= set(rng.sample(rare, rng.randint(1, 8)))
        stem = frozenset(words)
        if not stem:
            continue
        expected = _plain(kept, stem, threshold)
        result = block.find(stem)
        assert (result[0].batch_key if result else None) == (
            None if expected is None else str(expected)
        ), f"step {step}"
        found += expected is not None
        if expected is None:
            block.add(tuple(sorted(stem)), Holder(str(len(kept)), " ".join(sorted(stem))))
            kept.append(stem)
    assert found > 100  # the comparison met many near-duplicates, not only misses
    assert any(isinstance(posted, dict) for posted in block.postings.values())


def test_a_small_block_keeps_no_index_and_a_large_one_does() -> None:
    """Most keys are one question's own answer: a block compares its stems one by one until it
    holds `SMALL_BLOCK` of them, and only then builds its prefix index."""
    from quizgen.checks.duplicates import SMALL_BLOCK

    block = _Block(NEAR_DUPLICATE_SIMILARITY)
    for number in range(SMALL_BLOCK - 1):
        block.add((f"alpha{number}", f"beta{number}", "gamma"), Holder(str(number), "stem"))
    assert block.counts is None and not block.postings
    assert block.find(frozenset({"alpha3", "beta3", "gamma"})) is not None
    block.add(("delta", "epsilon", "gamma"), Holder("last", "stem"))
    assert block.counts is not None and block.postings
    found = block.find(frozenset({"alpha3", "beta3", "gamma"}))
    assert found is not None and found[0].batch_key == "3"
