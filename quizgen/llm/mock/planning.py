"""Which facts each batch of a module draws on, and the questions one call answers with.

A quiz author spreads a module's facts over its question types; so does the mock. The module's
sentences are dealt to its batches up front, in proportion to what each asks for, from the whole
list of the module's batches (`GenerationTask.module_batches`). Each batch writes first from its
own share, so batches running at the same time never test one sentence; only when its share runs
out does it go deeper into its own sentences (a second fact of a clause) and then into the rest.

Deterministic: the share, the order and every question depend on the text, the module's batches
and the batch key alone — no clock, no global random state, no memory of earlier calls.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence

from quizgen.llm.mock import builders, memo, pairs, written
from quizgen.llm.mock.builders import Candidate
from quizgen.llm.mock.reading import Reading, read
from quizgen.llm.mock.words import content_stems, fold

Builder = Callable[..., Iterator[Candidate]]
BUILDERS: dict[str, Builder] = {
    "multiple_choice": builders.multiple_choice,
    "multiple_answer": builders.multiple_answer,
    "true_false": builders.true_false,
    "fill_in_blank": builders.fill_in_blank,
    "matching": pairs.matching,
    "categorization": pairs.categorization,
    "ordering": pairs.ordering,
    "numeric": written.numeric,
    "essay": written.essay,
}
SHARELESS = frozenset({"ordering", "numeric", "essay"})
"""Types that take no share of a module's sentences: ordering draws on the orders a text states
(`sequences`), numeric on the few numbers it writes, wherever they stand, and an essay on any
explaining sentence (it tests no single fact another question could give away); the other
types' shares stay as they were."""
WEIGHT = {"matching": 1.5, "categorization": 1.5}
"""Sentences a question of the type draws on, relative to one for a single-fact question."""

Batches = tuple[tuple[str, str, int], ...]
"""(batch key, question type, count) of every batch of one module."""


def _hash(*parts: object) -> int:
    raw = hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big")


@functools.lru_cache(maxsize=256)
def shares(digest: str, sentences: int, batches: Batches) -> dict[str, tuple[int, ...]]:
    """Each batch's sentences, dealt in proportion to count × weight over a seeded order of the
    text, so every share is spread over the whole module."""
    # The order depends on the batches too: two modules with one text deal it differently.
    order = sorted(range(sentences), key=lambda i: _hash(digest, batches, i))
    wanted = {key: count * WEIGHT.get(qtype, 1.0) for key, qtype, count in sorted(batches)}
    dealt: dict[str, list[int]] = {key: [] for key in wanted}
    total = sum(wanted.values()) or 1.0
    for index in order if wanted else ():
        key = min(wanted, key=lambda k: (len(dealt[k]) / (wanted[k] / total + 1e-9), k))
        dealt[key].append(index)
    return {key: tuple(found) for key, found in dealt.items()}


def _tiers(
    reading: Reading, qtype: str, own: Sequence[int], rest: Sequence[int], count: int
) -> list[tuple[list[int], int]]:
    """(sentences, depth) to draw from, in order. For fill-in and multiple choice the depth is
    how many facts of the batch's own share are split in two: as many as its count exceeds the
    facts there, decided from the planned count, so every call of the batch splits the same."""
    everything = [*own, *rest]
    if qtype == "true_false":
        return [(list(own), 0), (list(rest), 0)]
    if qtype in ("multiple_answer", "matching", "categorization"):
        return [(list(own), 0), (everything, 0), (everything, 1)]
    facts = sum(len(reading.sentences[i].units) for i in own)
    return [(list(own), max(0, count - facts)), (list(rest), 0)]


def candidates(
    content: str, qtype: str, batch_key: str, batches: Batches, topic: str
) -> Iterator[Candidate]:
    """Every question this batch would write, best first, each text once."""
    reading = read(content)
    share_key = batch_key
    if not batches:
        # Without the module's plan, each type takes an equal share, as a quiz author spreads
        # facts over types: batches of different types still never meet.
        batches = tuple((f"type:{kind}", kind, 1) for kind in BUILDERS)
        share_key = f"type:{qtype}"
    elif (batch_key, qtype) not in {(key, kind) for key, kind, _count in batches}:
        batches = (*batches, (batch_key, qtype, 1))
    # An ordering or numeric batch asks for an order or a number, not for sentences: no share.
    dealing = tuple(sorted(b for b in batches if b[1] not in SHARELESS))
    dealt = shares(reading.digest, len(reading.sentences), dealing)
    own = dealt.get(share_key, ())
    rest = _rest(reading, qtype, share_key, dealing, dealt)
    builder = BUILDERS[qtype]
    seen: set[str] = set()
    planned = next((c for key, kind, c in batches if key == batch_key and kind == qtype), 1)
    for number, (pool, depth) in enumerate(_tiers(reading, qtype, own, rest, planned)):
        rng = random.Random(_hash(reading.digest, batch_key, qtype, number))
        made = (
            builder(reading, pool, rng, depth, topic=topic)
            if qtype == "multiple_answer"
            else builder(reading, pool, rng, depth)
        )
        for candidate in made:
            key = identity(candidate.question)
            if key not in seen:
                seen.add(key)
                yield candidate


SINGLE_FACT = ("multiple_choice", "fill_in_blank", "true_false")
"""Types whose question states or blanks one fact: two of them on one fact give each other away."""


def _rest(
    reading: Reading,
    qtype: str,
    own_key: str,
    batches: Batches,
    dealt: dict[str, tuple[int, ...]],
) -> list[int]:
    """Sentences beyond a batch's share it may draw on. A single-fact question takes only what
    the other batches leave: the end of a single-fact batch's share past the facts its count
    needs, then the shares of matching, categorization and multiple answer (which state no
    single fact in a stem). Other types take any sentence; a type without a share
    (`SHARELESS`) every sentence."""

    def order(found: Iterable[int]) -> list[int]:
        return sorted(found, key=lambda i: _hash(reading.digest, own_key, i))

    if qtype in SHARELESS:
        return order(range(len(reading.sentences)))  # no share of its own: every sentence
    others = [(key, kind, count) for key, kind, count in sorted(batches) if key != own_key]
    if qtype not in SINGLE_FACT:
        return order(i for key, _kind, _count in others for i in dealt.get(key, ()))
    spare: list[int] = []
    free: list[int] = []
    for key, kind, count in others:
        if kind not in SINGLE_FACT:
            free += dealt.get(key, ())
            continue
        facts = 0
        for index in dealt.get(key, ()):
            if facts >= count:
                spare.append(index)
            facts += len(reading.sentences[index].units)
    return order(spare) + order(free)


def identity(question: dict) -> str:
    """What makes two answers the same question to the mock: the text, and for matching,
    categorization and ordering (whose instruction may repeat) what is paired, sorted or
    ordered."""
    text = fold(str(question.get("question_text", "")))
    for field in ("pairs", "categories", "items"):
        if field in question:
            text += "\0" + fold(json.dumps(question[field], sort_keys=True))
    return text


def records(
    content: str, qtype: str, batch_key: str, batches: Batches, topic: str
) -> Iterator[memo.Record]:
    """`candidates` as `choose` needs them: the question, the text of the one fact it asks
    about (None when it asks about several or half of one), what its blank asks for."""
    reading = read(content)
    for candidate in candidates(content, qtype, batch_key, batches, topic):
        fact = candidate.fact
        text = reading.unit_text(fact) if fact is not None and not candidate.split else None
        yield candidate.question, text, candidate.key


def _written(
    content: str, qtype: str, batch_key: str, batches: Batches, topic: str
) -> Iterator[memo.Record]:
    """`records`, the first of them from `memo` when the capacity count kept them. Each
    question is the caller's own, as JSON gives it back: the kept ones are decoded from JSON,
    the others copied through it."""
    found = memo.take((content, qtype, batch_key, batches, topic))
    kept, complete = found if found is not None else ([], False)
    yield from kept
    if not complete:
        more = records(content, qtype, batch_key, batches, topic)
        for question, fact, key in itertools.islice(more, len(kept), None):
            yield json.loads(json.dumps(question)), fact, key


def choose(
    content: str,
    qtype: str,
    count: int,
    batch_key: str,
    *,
    batches: Batches = (),
    topic: str = "this topic",
    taken: Iterable[str] = (),
) -> list[dict]:
    """Up to `count` questions, none whose text is in `taken` (compared folded)."""
    if count <= 0:
        return []
    avoided = {fold(text) for text in taken}
    asked = _Asked(avoided)
    chosen: list[dict] = []
    later: list[dict] = []
    last: list[dict] = []
    for question, fact, key in _written(content, qtype, batch_key, batches, topic):
        if fold(question["question_text"]) in avoided:
            continue
        covering = asked.covering(fact) if fact is not None else []
        if covering:
            # Asked already: another part of it is a last resort (a statement of it, the very
            # last), only when the text has nothing else left.
            if key and all(f" {fold(key)} " in asked.folded[n] for n in covering):
                later.append(question)
            else:
                last.append(question)
            continue
        chosen.append(question)
        if len(chosen) >= count:
            return chosen
    return chosen + [*later, *last][: count - len(chosen)]


COVERED = 0.7
"""Share of a question's words one fact must hold for the question to be about that fact."""


class _Asked:
    """The facts the avoid list already asks about, as a model reading "do not repeat these"
    would see them: a question most of whose words come from one fact of the text. Another
    question on that fact would repeat it or give it away."""

    def __init__(self, avoided: Iterable[str]) -> None:
        kept = [(text, (content_stems(text))) for text in avoided]
        kept = [(text, words) for text, words in kept if len(words) >= 3]
        self.folded = [f" {text} " for text, _words in kept]
        self.texts = [words for _text, words in kept]
        self.postings: dict[str, list[int]] = {}
        for number, words in enumerate(self.texts):
            for word in words:
                self.postings.setdefault(word, []).append(number)

    def covering(self, fact: str) -> list[int]:
        """The avoided questions about this fact (its text; by number)."""
        if not self.texts:
            return []
        hits: dict[int, int] = {}
        for word in content_stems(fact):
            for number in self.postings.get(word, ()):
                hits[number] = hits.get(number, 0) + 1
        return [n for n, count in hits.items() if count >= COVERED * len(self.texts[n])]
