"""Give-aways: one question's text states another kept question's answer, in the same sense.

Caught, and kept narrow on purpose:
- a fill-in-the-blank's sentence restated with its answer: in a true/false statement, in the
  stem of another question, or in a second fill-in of the same sentence;
- the key of a multiple choice stated as fact: a true statement (or another stem) holding the
  key and most of the multiple choice's stem;
- a false true/false statement next to the true statement it was falsified from.

A *telling* text is a true/false statement marked true, or the stem of a multiple-choice,
multiple-answer, fill-in or numeric question. An *answer* is a multiple choice's correct option,
an accepted answer of a blank, a numeric key (each with the content words of its stem), or a
false statement (its own words). A text gives an answer away when it holds every content word
of the answer and all the stem's other content words but one (`MAX_MISSING`; at least two) —
for a false statement, a share `SAME_STATEMENT` of its words. Words that only frame a question
("Which term completes …") do not count.

Not a give-away:
- two questions from different sentences that share a term: "[blank_1] is the site of
  respiration" and "Mitochondria have their own DNA" share the answer, not the sentence;
- two questions that each ask a different word of one sentence (a multiple choice on its
  subject, a fill-in on its object): each stem holds the other's answer, but each tests its own
  fact, as issue 11 asks of a rich sentence. Two fill-ins blanking one clause of a sentence are
  the exception: a fill-in shows the whole sentence but its blank, so a second blank in that
  clause is the same exercise split in two, and is caught ("Earthquakes happen near [blank_1],
  where stress builds up in the rock" and "… where stress builds up in the [blank_1]" ask two
  facts, the comma sets them apart; "Most [blank_1] rejected his idea because he could not
  explain what moved the continents" and "… what moved the [blank_1]" ask one).

`GiveawayIndex` looks this up without comparing all pairs: an answer is filed under one of its
words (a telling text must hold them all); telling texts are found through the shortest posting
lists of the answer's words or of a prefix of its stem words (prefix filtering: a text holding
k of the stem words holds one of any |s| − k + 1 of them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from quizgen.checks import grounding
from quizgen.questions.numeric import key_values, number_text

GIVES_AWAY = "gives_away"
MAX_MISSING = 1
"""Stem words of an answer a telling text may lack and still state the same fact: one (the
"organelle" of "Which organelle makes ATP?", or the word a second fill-in blanks). Parallel
sentences ("At a convergent boundary, two plates move toward each other" / "At a divergent
boundary, two plates move away from each other") differ in more."""
SAME_STATEMENT = 0.7
"""Share of a false statement's words a true statement must hold to be its source."""
MIN_SHARED = 2


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    words: frozenset[str]
    """Content words of the answer; empty for a false statement."""
    stem: frozenset[str]
    """Content words of the question's stem, the answer's own words removed."""
    threshold: float = 1.0
    """Share of the stem words a telling text must hold, besides `MAX_MISSING`."""
    clause: frozenset[str] = frozenset()
    """For a blank: the content words of the clause it stands in (the fact it asks)."""
    needed: int = field(init=False, compare=False)
    """Stem words a telling text must hold (`_needed`), worked out once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "needed", _needed(self))


@dataclass(frozen=True, slots=True)
class Facts:
    """What one question can give away (`answers`) and what it tells (`telling`)."""

    answers: tuple[Answer, ...] = ()
    telling: frozenset[str] = frozenset()
    asks: frozenset[str] = frozenset()
    """Content words of this question's own answers: the word of a sentence it asks about."""
    kind: str = ""


NO_FACTS = Facts()


@dataclass(frozen=True, slots=True)
class _Teller:
    words: frozenset[str] | tuple[str, ...]
    """The telling text's words; a kept one's as a tuple (looked up only, a third the memory)."""
    asks: frozenset[str] | tuple[str, ...]
    """The words its own answers are made of; a kept one's as a tuple too."""
    kind: str
    holder: Any


_FRAMING_WORDS = """complete completes fill fills gap blank blanks term terms word words phrase
    best describes describe option options select apply answer answers name names define
    defines defined definition notes passage text statement given following example examples
    fullfør fyll ord begrep beskriver alternativ velg svar notatene teksten"""
_FRAMING = frozenset(grounding.stem(word) for word in _FRAMING_WORDS.split())
"""Words that frame a question ("Which term completes the statement: …") and say nothing about
the fact it asks; left out so two framed stems do not look alike through their framing."""


_TELLING = frozenset({"multiple_choice", "multiple_answer", "fill_in_blank", "numeric"})


def _words(text: str) -> frozenset[str]:
    return frozenset(grounding.content_words(text)) - _FRAMING


def facts_of(
    type_name: str, question: Any, stem_text: str, stem_words: Iterable[str] | None = None
) -> Facts:
    """`stem_text` is the question text with blank markers removed; `stem_words` its content
    words, when the caller has them already."""
    if type_name not in _TELLING and type_name != "true_false":
        return NO_FACTS
    words = grounding.content_words(stem_text) if stem_words is None else stem_words
    stem_words = frozenset(words) - _FRAMING
    answers: list[Answer] = []
    if type_name == "multiple_choice":
        keys = [option.text for option in question.options if option.correct]
        clauses = [frozenset()] * len(keys)
    elif type_name == "numeric":
        keys = [number_text(value) for value in key_values(question)]
        clauses = [frozenset()] * len(keys)
    elif type_name == "fill_in_blank":
        keys, clauses = [], []
        for blank in question.blanks:
            clause = _clause_of(question.question_text, blank.position)
            keys += blank.answers
            clauses += [clause] * len(blank.answers)
    else:
        keys, clauses = [], []
    seen: set[frozenset[str]] = set()
    for key, clause in zip(keys, clauses, strict=True):
        words = _words(key)
        if words and words not in seen:
            seen.add(words)
            answers.append(Answer(key, words, stem_words - words, clause=clause))
    asks = frozenset().union(*seen)
    telling: frozenset[str] = frozenset()
    if type_name == "true_false":
        if question.correct_answer is True:
            telling = stem_words
        else:
            answers.append(Answer("false", frozenset(), stem_words, SAME_STATEMENT))
    elif type_name in _TELLING:
        telling = stem_words
    return Facts(tuple(answers), telling, asks, type_name)


def _needed(answer: Answer) -> int:
    size = len(answer.stem)
    if answer.threshold >= 1.0:
        return max(MIN_SHARED, size - MAX_MISSING)
    return max(MIN_SHARED, math.ceil(answer.threshold * size - 1e-9))


def gives_away(answer: Answer, telling: frozenset[str]) -> bool:
    return answer.words <= telling and len(answer.stem & telling) >= answer.needed


def pair_gives_away(teller: Facts, answer: Answer, kind: str) -> bool:
    """Whether the question with facts `teller` gives away `answer` of a question of type
    `kind`: the rule `GiveawayIndex` applies, for one pair."""
    return gives_away(answer, teller.telling) and not _another_fact(
        answer, kind, _Teller(teller.telling, teller.asks, teller.kind, None)
    )


class _Filed(NamedTuple):
    """A kept question's answer as the index files it: its words as plain tuples (only looked
    up, never iterated in an order that matters), a third of a set's memory or less. A tuple,
    so the lookup reads its first fields by position."""

    words: tuple[str, ...]
    stem: tuple[str, ...]
    needed: int
    clause: tuple[str, ...]
    text: str
    kind: str
    holder: Any

    @classmethod
    def of(cls, answer: Answer, kind: str, holder: Any) -> _Filed:
        return cls(
            tuple(answer.words), tuple(answer.stem), answer.needed, tuple(answer.clause),
            answer.text, kind, holder,
        )  # fmt: skip


def _another_fact(answer: Answer | _Filed, kind: str, teller: _Teller) -> bool:
    """Not a give-away although the words say so: two questions asking different words of one
    sentence — unless both are fill-ins blanking one clause of it; or a false statement next to
    a stem (only a true statement tells that a statement is false; a stem leaves the word in
    question open)."""
    if not answer.words:
        return teller.kind != "true_false"
    # The teller asks a word of this very sentence: its whole answer stands in this stem.
    if not teller.asks or not _all_in(teller.asks, answer.stem):
        return False
    if kind == teller.kind == "fill_in_blank":
        return not _all_in(teller.asks, answer.clause)
    return True


def _all_in(words: Iterable[str], within: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether every one of `words` is in `within` (either may be a tuple)."""
    return frozenset(words).issubset(within)


_CLAUSE_BREAK = re.compile(r"[,;:.!?()\u2014\u2013]")
"""Clauses of a fill-in's sentence, as punctuation sets them off: "near [blank_1], where stress
builds up in the rock" holds two statements, "rejected his idea because he could not explain"
one."""


_BLANK_MARKER = re.compile(r"\[blank_\d+\]")


def _clause_of(text: str, position: int) -> frozenset[str]:
    """Content words of the clause of `text` that holds blank `position`."""
    marker = f"[blank_{position}]"
    at = text.find(marker)
    if at < 0:
        return frozenset()
    starts = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, at)]
    following = _CLAUSE_BREAK.search(text, at + len(marker))
    clause = text[starts[-1] if starts else 0 : following.start() if following else len(text)]
    return _words(_BLANK_MARKER.sub(" ", clause))


def _prefix(answer: Answer) -> list[str]:
    """Enough of the answer's stem words (longest first, a fixed order) that a text holding
    what `gives_away` asks holds one of these."""
    ordered = sorted(answer.stem, key=lambda word: (-len(word), word))
    return ordered[: max(1, len(ordered) - answer.needed + 1)]


@dataclass
class GiveawayIndex:
    """Answers and telling texts of the kept questions, for `find` (see the module docstring)."""

    answers: dict[str, list[_Filed]] = field(default_factory=dict)
    """A word of each answer (for a false statement: each word of its stem's prefix) → the
    answer, with its question's type and holder."""
    tellers: dict[str, list[_Teller]] = field(default_factory=dict)
    """Every word of each telling text → the text."""

    def find(self, facts: Facts) -> tuple[str, Any, str] | None:
        """(how, holder, answer text) of the first give-away between `facts` and a kept
        question: "tells" when this question's text gives a kept answer away, "told" when a
        kept text gives this question's answer away."""
        if facts.telling:
            telling = facts.telling
            teller = _Teller(telling, facts.asks, facts.kind, None)
            filed = self.answers
            for word in sorted(telling):  # a fixed order: the same kept question named each run
                for answer in filed.get(word, ()):
                    if (
                        telling.issuperset(answer[0])  # its words
                        and len(telling.intersection(answer[1])) >= answer[2]  # stem, needed
                        and not _another_fact(answer, answer.kind, teller)
                    ):
                        return "tells", answer.holder, answer.text
        for answer in facts.answers:
            if len(answer.stem) < MIN_SHARED:
                continue
            words, stem, needed = answer.words, answer.stem, answer.needed
            for teller in self._candidates(answer):
                if (
                    len(words.intersection(teller.words)) == len(words)
                    and len(stem.intersection(teller.words)) >= needed
                    and not _another_fact(answer, facts.kind, teller)
                ):
                    return "told", teller.holder, answer.text
        return None

    def _candidates(self, answer: Answer) -> list[_Teller]:
        """Telling texts that may hold `answer`: the shortest posting list of its words, or
        the postings of the stem words a telling text must hold one of (the rarest ones: every
        telling text is filed under all its words, so any choice of them is complete)."""
        empty: list[_Teller] = []
        lists = sorted((self.tellers.get(word, empty) for word in sorted(answer.stem)), key=len)
        by_stem = lists[: max(1, len(lists) - answer.needed + 1)]
        stem_size = sum(map(len, by_stem))
        if answer.words:
            by_answer = min(
                (self.tellers.get(word, empty) for word in sorted(answer.words)), key=len
            )
            if len(by_answer) <= stem_size:
                return by_answer
        return list({id(teller): teller for entries in by_stem for teller in entries}.values())

    def add(self, facts: Facts, holder: Any) -> None:
        for answer in facts.answers:
            if answer.words:
                anchors = [min(answer.words, key=lambda w: (len(self.tellers.get(w, ())), w))]
            else:
                anchors = _prefix(answer)
            filed = _Filed.of(answer, facts.kind, holder)
            for anchor in anchors:
                self.answers.setdefault(anchor, []).append(filed)
        if facts.telling:
            teller = _Teller(tuple(facts.telling), tuple(facts.asks), facts.kind, holder)
            for word in facts.telling:
                self.tellers.setdefault(word, []).append(teller)
