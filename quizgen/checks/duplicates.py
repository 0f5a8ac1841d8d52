"""Repeats across a quiz: the same question again, or the same key asked in nearly the same
words, found without comparing all pairs (`DuplicateIndex`), plus what one question could give
away of another (`giveaways`, kept in the same index)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from quizgen.checks import giveaways, grounding
from quizgen.questions import QuestionType
from quizgen.questions.base import QuestionBase

DUPLICATE_QUESTION = "duplicate_question"
NEAR_DUPLICATE = "near_duplicate"

NEAR_DUPLICATE_SIMILARITY = 0.5
"""Jaccard similarity of two stems' content words, among questions with the same key."""
TRUE_FALSE_SIMILARITY = 0.75
"""True/false keys are only "true" or "false", so the statements themselves must be closer:
"Mitosis makes two cells" and "Meiosis makes two cells" differ in one word and are two facts."""

_WORDS = re.compile(r"[^\W_]+")
_BLANK_MARKER = re.compile(r"\[blank_\d+\]")


def question_fingerprint(text: str) -> str:
    """Case, punctuation and spacing do not make a question different."""
    return " ".join(_WORDS.findall(text.casefold()))


@dataclass(frozen=True)
class Signature:
    """What makes two questions the same: the exact stem, the key, and the stem's words."""

    exact: str
    block: str
    """The key, as content words: near-duplicates are only looked for among the same key."""
    words: tuple[str, ...]
    """Distinct content words of the stem."""
    threshold: float
    facts: giveaways.Facts = field(default_factory=giveaways.Facts)
    """What the question could give away and what it tells, for `gives_away`."""


def _key_text(answer: str) -> str:
    words = grounding.content_words(answer)
    return " ".join(sorted(set(words))) if words else " ".join(_WORDS.findall(answer.casefold()))


def signature(qtype: QuestionType, question: QuestionBase) -> Signature:
    key = "|".join(sorted(_key_text(a) for a in qtype.correct_answers(question)))
    stem_text = _BLANK_MARKER.sub(" ", question.question_text)
    words = tuple(dict.fromkeys(grounding.content_words(stem_text)))
    exact = question_fingerprint(question.question_text)
    if qtype.name in ("matching", "categorization", "ordering"):
        exact += "\0" + key  # a generic instruction ("Match each term…") repeats legitimately
    facts = giveaways.facts_of(qtype.name, question, stem_text, words)
    if qtype.name == "true_false":
        return Signature(exact, f"tf:{key}", words, TRUE_FALSE_SIMILARITY, facts)
    return Signature(exact, key, words, NEAR_DUPLICATE_SIMILARITY, facts)


@dataclass(frozen=True)
class Holder:
    batch_key: str
    text: str


@dataclass
class _Block:
    """Stems sharing one key, indexed by prefix (see `DuplicateIndex`).

    The global word order puts rare words first, so prefixes hold rare words and a lookup meets
    few candidates. Frequencies change as questions arrive, but the order must be the same for
    every entry and every lookup, so it is frozen and only replaced by re-indexing the whole
    block each time the block doubles — amortised O(1) per question."""

    threshold: float
    entries: list[tuple[frozenset[str], Holder]] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    rank: dict[str, int] = field(default_factory=dict)
    reindex_at: int = 64

    def prefix(self, words: Iterable[str]) -> list[str]:
        ordered = sorted(words, key=lambda word: (self.rank.get(word, 0), word))
        return ordered[: _prefix_length(len(ordered), self.threshold)]

    def find(self, words: frozenset[str]) -> tuple[Holder, float] | None:
        size = len(words)
        low, high = self.threshold * size, size / self.threshold
        candidates: set[int] = set()
        for word in self.prefix(words):
            candidates.update(self.postings.get(word, ()))
        for number in sorted(candidates):
            other, holder = self.entries[number]
            if not low <= len(other) <= high:
                continue  # sizes alone rule out the similarity
            similarity = len(words & other) / len(words | other)
            if similarity >= self.threshold and not _numbers_differ(words, other):
                return holder, similarity
        return None

    def add(self, words: frozenset[str], holder: Holder) -> None:
        number = len(self.entries)
        self.entries.append((words, holder))
        self.counts.update(words)
        for word in self.prefix(words):
            self.postings.setdefault(word, []).append(number)
        if len(self.entries) >= self.reindex_at:
            self.rank = dict(self.counts)
            self.postings = {}
            for number, (entry, _holder) in enumerate(self.entries):
                for word in self.prefix(entry):
                    self.postings.setdefault(word, []).append(number)
            self.reindex_at *= 2


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


@dataclass
class DuplicateIndex:
    """Exact and near-duplicate lookup over a whole quiz, without comparing all pairs.

    Exact repeats: a dict of normalised stems. Near-duplicates: questions are blocked by their
    key (`Signature.block`); inside a block, prefix filtering (Chaudhuri et al., "A primitive
    operator for similarity joins") indexes only the first |s| − ⌈t·|s|⌉ + 1 words of each stem
    in one global order — any two stems with Jaccard ≥ t share a word there — and only the
    candidates it yields (and whose sizes allow it) are compared.
    """

    exact: dict[str, Holder] = field(default_factory=dict)
    blocks: dict[str, _Block] = field(default_factory=dict)
    giveaways: giveaways.GiveawayIndex = field(default_factory=giveaways.GiveawayIndex)

    def find(self, sig: Signature) -> tuple[str, Holder, float] | None:
        holder = self.exact.get(sig.exact)
        if holder is not None:
            return DUPLICATE_QUESTION, holder, 1.0
        block = self.blocks.get(sig.block)
        if block is None or not sig.words:
            return None
        found = block.find(frozenset(sig.words))
        return None if found is None else (NEAR_DUPLICATE, *found)

    def gives_away(self, sig: Signature) -> tuple[str, Holder, str] | None:
        """A kept question this one gives away, or that gives this one's answer away."""
        return self.giveaways.find(sig.facts)

    def add(self, sig: Signature, holder: Holder) -> None:
        self.giveaways.add(sig.facts, holder)
        self.exact.setdefault(sig.exact, holder)
        if sig.words:
            block = self.blocks.get(sig.block)
            if block is None:
                block = self.blocks[sig.block] = _Block(sig.threshold)
            block.add(frozenset(sig.words), holder)


def _numbers_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """ "Chromosome 21" and "chromosome 18" are different questions however alike the rest is."""
    return any(word[0].isdigit() for word in a ^ b)
