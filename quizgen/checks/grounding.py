"""Grounding of the key: does the cited passage say what the answer key says?

Pure functions over plain text. A text is reduced to its *content words*: case-folded words and
numbers, stop words removed, each cut to a rough stem ("mitochondria" and "mitochondrion" both
become "mitochondr", "divides" and "dividing" become "divid"). Two stems match when they are equal
or the shorter (at least 5 letters) starts the longer and they differ by at most two letters, so
"bacteria"/"bacterium" match but "cell"/"cellulose" do not.

The rules, and why they are shaped this way:
- **The key must be grounded** (`key_not_grounded`, a rejection): the correct answer's content
  words appear in the quote. Up to three content words must all appear; a longer answer (a
  sentence-like option an LLM may paraphrase) may miss one word in four, but never a number
  ("one in a thousand" is not "one in a billion"). An answer with no
  content word at all ("two", "all") cannot be judged and passes.
- **Multiple answer**: at least one correct option must be grounded in the quote, and every other
  correct option in the quote or in one sentence (or two adjacent sentences) of the module
  content — one or two quoted sentences cannot hold four true statements.
- **True/false**: a TRUE statement is grounded like any key. A FALSE statement cannot be
  "supported"; its quote must be the passage it contradicts: at least half of its content words
  appear in the quote, and the quote does not state it word for word (all its content words in
  the same order, with the same negation). This is weaker than for a true key, by necessity.
- **A distractor the passage states as true** (`distractor_supported`, a flag for review, not a
  rejection): the distractor has at least three content words, all of them appear in the quote
  in the same order, and neither side negates where the other does not. Short distractors
  ("Ribosome") are never flagged: a quote can mention a wrong answer without saying it is right.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

KEY_NOT_GROUNDED = "key_not_grounded"
DISTRACTOR_SUPPORTED = "distractor_supported"

MIN_STATEMENT_WORDS = 3
"""A distractor shorter than this is a term, not a claim the passage could state."""
STRICT_KEY_WORDS = 3
"""Keys with up to this many content words must have every one of them in the passage."""
FALSE_STATEMENT_OVERLAP = 0.5
PREFIX_MIN = 6
"""Shortest stem the prefix tolerance applies to: "bacteri"/"bacter" match, "nucle" (nucleus)
and "nucleol" (nucleolus) do not."""

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")

_ENGLISH_STOP_WORDS = """
    a about again am an and are as at be because been being but by can could did do does doing
    during for from further had has have having he her here hers herself him himself his how i
    if in is it its itself just me my myself of on once or our ours ourselves she should so
    such than that the their theirs them themselves then there these they this those through to
    too until very was we were what when where which while who whom whose why will with would
    you your yours yourself according following statement statements true false correct notes
    note text called known may might must shall upon via per whether yet
"""
_NORWEGIAN_STOP_WORDS = """
    og i på av for til med som er var det den de et en ei eller at har hadde kan skal vil fra om
    ved etter hva hvilken hvilke hvilket hvem hvorfor hvordan når hvor seg sin sitt sine deres
    dets dens denne dette disse noe så da også
"""
STOP_WORDS = frozenset((_ENGLISH_STOP_WORDS + _NORWEGIAN_STOP_WORDS).split())
"""Function words only. Quantifiers, prepositions of direction and negations ("only", "all",
"other", "into", "not") are kept: "eats only plants" and "eats plants" are different claims."""
_NEGATION_WORDS = "not no never none nor cannot without lack lacks lacked lacking ikke ingen aldri"


@dataclass(frozen=True)
class WordTest:
    """Whether a text holds one of `words` as a whole word, in any case, or a word ending in
    "n't": `pattern` (the words between word boundaries, or n't at a word's end, ignoring
    case) says so for any text; an ASCII text is lower-cased and its words looked up instead:
    the same answer without the pattern's attempt at every character (the words are lower-case
    ASCII letters)."""

    words: frozenset[str]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, words: Iterable[str]) -> WordTest:
        listed = list(words)
        pattern = rf"(?<!\w)(?:{'|'.join(listed)})(?!\w)|n['’]t(?!\w)"
        return cls(frozenset(listed), re.compile(pattern, re.IGNORECASE))

    def __call__(self, text: str) -> bool:
        if not text.isascii():
            return self.pattern.search(text) is not None
        lowered = text.lower()
        if not self.words.isdisjoint(_ASCII_WORD.findall(lowered)):
            return True
        return "n't" in lowered and _NOT_ENDING.search(lowered) is not None


_ASCII_WORD = re.compile(r"\w+")
_NOT_ENDING = re.compile(r"n't(?!\w)")
_NEGATION = WordTest.of(_NEGATION_WORDS.split())

_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ness",
    "ments",
    "ment",
    "ions",
    "ion",
    "ers",
    "er",
    "es",
    "ed",
    "ly",
    "ia",
    "um",
    "us",
    "on",
    "a",
    "i",
    "s",
    "e",
)


_SUFFIXES_ENDING: dict[str, tuple[str, ...]] = {}
"""The suffixes ending in each letter, in `_SUFFIXES`' order: only those can end a word."""
for _suffix in _SUFFIXES:
    _SUFFIXES_ENDING[_suffix[-1]] = (*_SUFFIXES_ENDING.get(_suffix[-1], ()), _suffix)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A rough stem: one common suffix (English and Latin plural endings) cut off."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in _SUFFIXES_ENDING.get(word[-1], ()):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    return _TOKEN.findall(text.casefold())


NEGATION_STEMS = frozenset(stem(word) for word in _NEGATION_WORDS.split())


@lru_cache(maxsize=32768)
def content_words(text: str) -> tuple[str, ...]:
    """The stems of `text`'s content words, in order (numbers kept, stop words dropped)."""
    return tuple([stem(token) for token in _tokens(text) if token not in STOP_WORDS])


def negated(text: str) -> bool:
    return _NEGATION(text)


def stems_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= PREFIX_MIN and long.startswith(short) and len(long) - len(short) <= 2


@dataclass(frozen=True)
class Passage:
    """A quote (or sentence) prepared once for many lookups."""

    text: str
    words: tuple[str, ...]
    vocabulary: frozenset[str]
    negated: bool

    @classmethod
    def of(cls, text: str) -> Passage:
        words = content_words(text)
        return cls(text, words, frozenset(words), negated(text))

    def has(self, word: str) -> bool:
        if word in self.vocabulary:
            return True
        if word in NEGATION_STEMS:
            return self.negated  # "do not have" is grounded in "lack"
        return len(word) >= PREFIX_MIN and any(stems_match(word, o) for o in self.vocabulary)

    def position(self, word: str, start: int, *, exact: bool = False) -> int:
        """Index of the first word at or after `start` matching `word`, or -1."""
        for index in range(start, len(self.words)):
            other = self.words[index]
            if other == word or (not exact and stems_match(word, other)):
                return index
        return -1


def missing_words(answer: str, passage: Passage) -> list[str]:
    """The answer's content words the passage lacks (as stems)."""
    return [word for word in dict.fromkeys(content_words(answer)) if not passage.has(word)]


def is_grounded(answer: str, passage: Passage) -> bool:
    """Whether the passage contains the answer's content words (see the module docstring)."""
    words = list(dict.fromkeys(content_words(answer)))
    if not words:
        return True
    missing = [word for word in words if not passage.has(word)]
    return len(missing) <= allowed_missing(words) and not any(map(is_number, missing))


def swapped_word(claim: str, passage: Passage) -> tuple[str, str] | None:
    """A word of the claim that stands where the passage has another word, a neighbour in the
    claim agreeing with the passage's: "controlled the private treasury" against "controlled
    the public treasury", or "the Senate ignored the consuls" against "the Senate, made up of
    …, advised the consuls".

    The paraphrase tolerance of `is_grounded` exists for reworded claims; a claim that follows
    the passage word for word except one slot is how a false statement is written, so the
    tolerance must not cover it. Returns (claim word, passage word), or None."""
    words = content_words(claim)
    claimed = frozenset(words)
    if len(words) < 2 or not _in_passage_order(words, passage):
        return None  # a reordered claim ("B is larger than A") is the contradiction check's
    last = len(words) - 1
    for index, word in enumerate(words):
        if passage.has(word):
            continue
        for gap, replaced in enumerate(passage.words):
            left = index > 0 and gap > 0 and stems_match(words[index - 1], passage.words[gap - 1])
            right = index < last and (
                gap < len(passage.words) - 1
                and stems_match(words[index + 1], passage.words[gap + 1])
            )
            if (left or right) and replaced not in claimed:
                return _spelled(word, claim), _spelled(replaced, passage.text)
    return None


def _in_passage_order(words: tuple[str, ...], passage: Passage) -> bool:
    """Whether the claim's words that the passage has come in the passage's order."""
    start = 0
    for word in words:
        if not passage.has(word):
            continue
        at = passage.position(word, start)
        if at == -1:
            return False
        start = at + 1
    return True


def _spelled(stemmed: str, text: str) -> str:
    """The word of `text` whose stem is `stemmed`, as the instructor wrote it."""
    return next((token for token in _tokens(text) if stem(token) == stemmed), stemmed)


def allowed_missing(words: list[str]) -> int:
    """Paraphrase tolerance: none up to three content words, then one word in four."""
    return 0 if len(words) <= STRICT_KEY_WORDS else len(words) // 4


_NUMBER_TEXT = """zero one two three four five six seven eight nine ten eleven twelve twenty
    thirty forty fifty hundred thousand million billion half quarter percent"""
_NUMBER_WORDS = frozenset(_NUMBER_TEXT.split())
_NUMBER_STEMS = _NUMBER_WORDS | {stem(word) for word in _NUMBER_WORDS}


def is_number(word: str) -> bool:
    """Numbers are the exact part of a key: "a thousand" for "a billion" is never a paraphrase.
    `word` is a stem ("five" is "fiv")."""
    return word[0].isdigit() or word in _NUMBER_STEMS


def states(claim: str, passage: Passage) -> bool:
    """Whether the passage states `claim` word for word: every content word, in order, with the
    same negation, stems equal (no prefix tolerance: "nuclear" is not "nucleus" here). Claims of
    fewer than three content words are never "stated"."""
    words = content_words(claim)
    if len(set(words)) < MIN_STATEMENT_WORDS or negated(claim) != passage.negated:
        return False
    at = 0
    for word in words:
        found = passage.position(word, at, exact=True)
        if found < 0:
            return False
        at = found + 1
    return True


def overlap(claim: str, passage: Passage) -> float:
    words = list(dict.fromkeys(content_words(claim)))
    if not words:
        return 1.0
    return sum(passage.has(word) for word in words) / len(words)


# -- sentences of the module content, for multiple answer ---------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n\s*[-*+]\s+|\n#+\s*")


@lru_cache(maxsize=256)
def sentences(content: str) -> tuple[Passage, ...]:
    """Every sentence (or list item, or heading) of the content, verbatim, prepared."""
    parts = [part.strip() for part in _SENTENCE_END.split(content) if part and part.strip()]
    return tuple(Passage.of(part) for part in parts)


@lru_cache(maxsize=256)
def sentence_windows(content: str) -> tuple[Passage, ...]:
    """Every sentence of the content and every pair of adjacent sentences, prepared."""
    single = sentences(content)
    pairs = [Passage.of(f"{a.text} {b.text}") for a, b in itertools.pairwise(single)]
    return (*single, *pairs)


def best_sentence(clues: Sequence[str], must: Iterable[str], content: str) -> str | None:
    """The sentence of `content` that grounds every text in `must` and shares the most content
    words with `clues`; None when no single sentence grounds them all. Used to locate a quote for
    an imported question that has none."""
    required = list(must)
    best: tuple[float, str] | None = None
    for window in sentences(content):
        if " " not in window.text or not all(is_grounded(text, window) for text in required):
            continue
        score = sum(overlap(clue, window) for clue in clues) - len(window.words) / 1000
        if best is None or score > best[0]:
            best = (score, window.text)
    return best[1] if best else None


@dataclass(frozen=True)
class ContentIndex:
    """Which sentence windows of a module hold each stem, so grounding an option in the whole
    content costs a few dictionary lookups, not a scan of every sentence."""

    postings: dict[str, tuple[int, ...]]
    by_prefix: dict[str, tuple[str, ...]]
    """First `PREFIX_MIN` letters → the stems starting so, for the stem-prefix tolerance."""

    def grounded(self, answer: str) -> bool:
        """Whether one sentence (or two adjacent ones) of the content grounds `answer`."""
        words = list(dict.fromkeys(content_words(answer)))
        if not words:
            return True
        allowed = allowed_missing(words) if not any(map(is_number, words)) else 0
        hits: dict[int, int] = {}
        for word in words:
            windows: set[int] = set()
            for match in self._matching(word):
                windows.update(self.postings[match])
            for window in windows:
                hits[window] = hits.get(window, 0) + 1
        return any(count >= len(words) - allowed for count in hits.values())

    def _matching(self, word: str) -> list[str]:
        found = [word] if word in self.postings else []
        if len(word) >= PREFIX_MIN:
            found += [
                other
                for other in self.by_prefix.get(word[:PREFIX_MIN], ())
                if other != word and stems_match(word, other)
            ]
        return found


@lru_cache(maxsize=256)
def content_index(content: str) -> ContentIndex:
    postings: dict[str, list[int]] = {}
    for number, window in enumerate(sentence_windows(content)):
        for word in window.vocabulary:
            postings.setdefault(word, []).append(number)
    by_prefix: dict[str, list[str]] = {}
    for word in postings:
        if len(word) >= PREFIX_MIN:
            by_prefix.setdefault(word[:PREFIX_MIN], []).append(word)
    return ContentIndex(
        {word: tuple(at) for word, at in postings.items()},
        {prefix: tuple(words) for prefix, words in by_prefix.items()},
    )
