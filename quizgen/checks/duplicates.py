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


@dataclass(frozen=True, slots=True)
class Holder:
    batch_key: str
    text: str


@dataclass(slots=True)
class _Block:
    """Stems sharing one key, indexed by prefix (see `DuplicateIndex`) once there are many.

    Most keys are one question's own answer, so most blocks hold one or two stems: those are
    compared one by one and cost no index. From `SMALL_BLOCK` stems on, the block is indexed.
    The global word order puts rare words first, so prefixes hold rare words and a lookup meets
    few candidates. Frequencies change as questions arrive, but the order must be the same for
    every entry and every lookup, so it is frozen and only replaced by re-indexing the whole
    block each time the block doubles — amortised O(1) per question. Which order is used only
    changes how many candidates are met, never what is found."""

    threshold: float
    entries: list[tuple[tuple[str, ...], Holder]] = field(default_factory=list)
    """Each stem's distinct words (a tuple: a third of a set's memory) and its holder."""
    postings: dict[str, list[int] | dict[int, list[int]]] = field(default_factory=dict)
    """Word → the entries whose prefix holds it (see `_post`); empty while the block is small."""
    counts: Counter[str] | None = None
    rank: dict[str, int] = field(default_factory=dict)
    reindex_at: int = 0

    def prefix(self, words: Iterable[str]) -> list[str]:
        ordered = sorted(words, key=lambda word: (self.rank.get(word, 0), word))
        return ordered[: _prefix_length(len(ordered), self.threshold)]

    def find(self, words: frozenset[str]) -> tuple[Holder, float] | None:
        """The first kept stem (in the order kept) at least `threshold` alike.

        A candidate is met first at the first word it shares with `words` in the global order
        (two stems that alike share a word in both prefixes); past that word at most the words
        left in either can be shared too, so a candidate whose best case falls short is dropped
        there without comparing the sets (the positional filter of PPJoin: Xiao et al.,
        "Efficient similarity joins for near duplicate detection"). A common word's postings
        are grouped by its place, and a whole group whose best case falls short is skipped.
        A candidate first met later than its first shared word cannot be alike at all, so
        whatever the filter decides for it is right."""
        size = len(words)
        threshold, entries = self.threshold, self.entries
        if self.counts is None:
            return self._compare(words)
        smallest = math.ceil(threshold * size - 1e-9)
        largest = math.floor(size / threshold + 1e-9)
        possible: dict[int, bool] = {}
        for at, word in enumerate(self.prefix(words)):
            posted = self.postings.get(word)
            if posted is None:
                continue
            left = size - at - 1
            if isinstance(posted, list):
                for code in posted:
                    number = code >> _PLACE_BITS
                    if number not in possible:
                        possible[number] = self._open(size, left, code & _PLACE_MASK, number)
                continue
            for place, numbers in posted.items():
                best = min(max(left + place + 1, smallest), largest)
                if _best_case(size, left, place, best) < threshold:
                    continue  # no size of stem allowed makes one of these alike enough
                for number in numbers:
                    if number not in possible:
                        possible[number] = self._open(size, left, place, number)
        for number in sorted(number for number, open_ in possible.items() if open_):
            other, holder = entries[number]
            similarity = _similarity(words, other)
            if similarity >= threshold and not _numbers_differ(words, frozenset(other)):
                return holder, similarity
        return None

    def _compare(self, words: frozenset[str]) -> tuple[Holder, float] | None:
        """`find` in a small block: every stem compared, in the order kept."""
        size = len(words)
        low, high = self.threshold * size, size / self.threshold
        for other, holder in self.entries:
            if not low <= len(other) <= high:
                continue  # sizes alone rule out the similarity
            similarity = _similarity(words, other)
            if similarity >= self.threshold and not _numbers_differ(words, frozenset(other)):
                return holder, similarity
        return None

    def _open(self, size: int, left: int, place: int, number: int) -> bool:
        """Whether entry `number`, first met at `place` of its prefix, may still be alike."""
        other_size = len(self.entries[number][0])
        if not self.threshold * size <= other_size <= size / self.threshold:
            return False  # sizes alone rule out the similarity
        return _best_case(size, left, place, other_size) >= self.threshold

    def add(self, words: tuple[str, ...], holder: Holder) -> None:
        number = len(self.entries)
        self.entries.append((words, holder))
        if self.counts is None:
            if len(self.entries) < SMALL_BLOCK:
                return
            self.counts = Counter(word for entry, _holder in self.entries for word in entry)
            self.reindex_at = SMALL_BLOCK
        else:
            self.counts.update(words)
            self._post(number, words)
        if len(self.entries) >= self.reindex_at:
            self.rank = dict(self.counts)
            self.postings = {}
            for number, (entry, _holder) in enumerate(self.entries):
                self._post(number, entry)
            self.reindex_at *= 2

    def _post(self, number: int, words: tuple[str, ...]) -> None:
        """File entry `number` under each word of its prefix, with the word's place in it."""
        for place, word in enumerate(self.prefix(words)):
            place = min(place, _PLACE_MASK)
            posted = self.postings.get(word)
            if posted is None:
                self.postings[word] = [number << _PLACE_BITS | place]
            elif isinstance(posted, list):
                posted.append(number << _PLACE_BITS | place)
                if len(posted) >= _GROUP_AT:
                    grouped: dict[int, list[int]] = {}
                    for code in posted:
                        grouped.setdefault(code & _PLACE_MASK, []).append(code >> _PLACE_BITS)
                    self.postings[word] = grouped
            else:
                posted.setdefault(place, []).append(number)


def _similarity(words: frozenset[str], other: tuple[str, ...]) -> float:
    """Jaccard similarity of two stems' words; `other` holds each word once."""
    shared = len(words.intersection(other))
    return shared / (len(words) + len(other) - shared)


def _best_case(size: int, left: int, place: int, other_size: int) -> float:
    """The similarity of two stems of `size` and `other_size` words whose first shared word
    has `left` words after it in the first and stands at `place` in the second, if every word
    after it were shared too."""
    shared = 1 + min(left, other_size - place - 1)
    return shared / (size + other_size - shared)


_PLACE_BITS = 12
_PLACE_MASK = (1 << _PLACE_BITS) - 1
"""A posting is one int: the entry's number and the word's place in the entry's prefix (capped:
a smaller place only loosens the bound)."""
_GROUP_AT = 32
"""Postings of a word used this often are grouped by place (see `_Block.find`)."""


SMALL_BLOCK = 16
"""Stems a block compares one by one before it builds its prefix index."""


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
            block.add(sig.words, holder)


def _numbers_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """ "Chromosome 21" and "chromosome 18" are different questions however alike the rest is."""
    return any(word[0].isdigit() for word in a ^ b)
