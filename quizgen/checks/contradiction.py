"""Does a key say something other than its quote? Inverted claims and misplaced blanks.

A model that writes "Prokaryotic cells have a nucleus" under the quote "Prokaryotic cells lack a
nucleus" has every content word right, so the grounding check passes it; this module catches
the inversion. Pure functions over plain text, built on `quizgen.checks.grounding`'s content words.

A text is read as clauses (split at punctuation and at words that open a new clause: "but",
"which", "that", "because", …, never at "and"/"or", so "lack a nucleus and organelles" keeps both
nouns under "lack"). A negator ("not", "no", "never", "without", "lack", "n't", Norwegian
"ikke", …) turns the rest of its clause over. Three inversions are found, each only where the
claim and the quote are plainly about the same thing, so a quote that negates one fact and
states another is not read as contradicting a claim about the second:

- **negation**: the quote negates a word (the first content word after its negator) that the
  claim states plainly, and every content word of the claim before that word (its subject) is
  in the quote's clause; or the claim negates a word the quote states plainly in a clause that
  holds the claim's subject and the next word of the claim too;
- **antonym**: the claim has one word of a pair ("increases"/"decreases", "larger"/"smaller",
  "before"/"after", …) where the quote's clause has the other, not both, the claim's subject
  is in that clause, and both are negated alike;
- **swapped comparison**: "A is larger than B" under "B is larger than A".

Deliberately conservative: a contradiction is reported only where one of these holds; anything
subtler is left to `--verify` and the instructor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from quizgen.checks.grounding import (
    STOP_WORDS,
    Passage,
    WordTest,
    content_words,
    is_grounded,
    stem,
    stems_match,
)

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[,;:.!?()\[\]—–]")
_BOUNDARY_WORDS = frozenset(
    [
        "but",
        "while",
        "whereas",
        "although",
        "though",
        "however",
        "because",
        "since",
        "unless",
        "which",
        "that",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "if",
        "yet",
        "so",
        "whilst",
        "men",
        "mens",
        "fordi",
        "som",
        "selv",
        "om",
        "dersom",
        "hvis",
    ]
)
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nor",
        "neither",
        "cannot",
        "without",
        "lack",
        "lacks",
        "lacked",
        "lacking",
        "absent",
        "unable",
        "ikke",
        "ingen",
        "intet",
        "aldri",
        "uten",
        "mangler",
        "manglar",
    ]
)
_PAIRS = """
    increase decrease | increase reduce | grow shrink | rise fall | raise lower | gain lose
    defeat lose | defeat lost | beat lose | beat lost | win lost | conquer lose
    gain loss
    more less | more fewer | most least | larger smaller | bigger smaller | greater smaller
    greater less | higher lower | high low | faster slower | fast slow | stronger weaker
    strong weak | heavier lighter | longer shorter | older younger | early late | earlier later
    before after | inside outside | internal external | above below | positive negative
    absorb release | absorb emit | attract repel | activate inhibit | stimulate inhibit
    promote inhibit | accelerate slow | expand contract | open close | add remove | gain release
    import export | enter leave | enter exit | input output | produce consume | build break
    same different | similar different | always never | all none | many few | maximum minimum
    first last | start end | begin end | began end | dominant recessive | aerobic anaerobic
    warm cool
    hot cold | heat cool | visible invisible | soluble insoluble | living nonliving
    biotic abiotic | include exclude | accept reject | true false | allow prevent
    øke minke | øker minker | mer mindre | større mindre | høyere lavere | før etter
    """
_ANTONYMS: dict[str, frozenset[str]] = {}
for _pair in filter(str.strip, re.split(r"[|\n]", _PAIRS)):
    _a, _b = (stem(word) for word in _pair.split())
    _ANTONYMS[_a] = _ANTONYMS.get(_a, frozenset()) | {_b}
    _ANTONYMS[_b] = _ANTONYMS.get(_b, frozenset()) | {_a}
_COMPARATIVE_HELPERS = frozenset({stem("more"), stem("less"), stem("fewer"), "mer", "mindre"})


class Word(NamedTuple):
    stem: str
    clause: int
    negated: bool
    after_negator: bool
    """The first content word after a negator: what the negator denies."""
    at: int
    """Its index in `Reading.words` (two "allele"s of one clause are two words)."""


@dataclass(frozen=True)
class Reading:
    """A text as clauses of content words, each marked negated or not."""

    words: tuple[Word, ...]
    than: tuple[tuple[int, int], ...]
    """(clause, index into `words` of the first word after "than") for each comparison."""

    def clause(self, number: int) -> list[Word]:
        return [word for word in self.words if word.clause == number]


_NOT = ("n't", "n’t")
"""A token ending so is a negator too."""


_HINT = WordTest.of([*sorted(NEGATORS), "than", "enn"])
_ANTONYM_STEMS = frozenset(_ANTONYMS)


def _may_invert(claim: str, quote: str) -> bool:
    """A cheap first look: without a negator, a comparison or a word with an antonym, no
    inversion can be found, and most claims have none of them."""
    if _HINT(claim) or _HINT(quote):
        return True
    return not _ANTONYM_STEMS.isdisjoint(content_words(claim))


@lru_cache(maxsize=4096)  # the claims and quotes of the questions being checked now
def read(text: str) -> Reading:
    words: list[Word] = []
    than: list[tuple[int, int]] = []
    clause = 0
    negations = 0
    pending = False
    for token in _TOKEN.findall(text.casefold()):
        if not token[0].isalnum() or token in _BOUNDARY_WORDS:
            if words and words[-1].clause == clause:
                clause += 1
            negations, pending = 0, False
            continue
        if token in NEGATORS or token.endswith(_NOT):
            if token != "nor" or negations % 2 == 0:  # "neither helped nor harmed": one denial
                negations += 1
            pending = True
            continue
        if token == "than" or token == "enn":
            than.append((clause, len(words)))
            continue
        if token in STOP_WORDS:
            continue
        words.append(Word(stem(token), clause, negations % 2 == 1, pending, len(words)))
        pending = False
    return Reading(tuple(words), tuple(than))


def _has(words: list[Word], target: str) -> list[Word]:
    return [word for word in words if stems_match(word.stem, target)]


def _subject_in(subject: list[Word], words: list[Word], *, required: bool = True) -> bool:
    if not subject:
        return not required
    return all(_has(words, word.stem) for word in subject)


def _before(reading: Reading, word: Word) -> list[Word]:
    """The content words of `word`'s clause before it: what the clause says it about."""
    return [w for w in reading.words[: word.at] if w.clause == word.clause]


def _after(reading: Reading, word: Word) -> list[Word]:
    return [w for w in reading.words[word.at + 1 :] if w.clause == word.clause]


def negation_inverted(claim: str, quote: str) -> bool:
    c, q = read(claim), read(quote)
    # The quote denies a word the claim states.
    for denied in (word for word in q.words if word.after_negator and word.negated):
        for stated in _has(list(c.words), denied.stem):
            if not stated.negated and _subject_in(_before(c, stated), _before(q, denied)):
                return True
    # The claim denies a word the quote states, in a clause about the same subject.
    for denied in (word for word in c.words if word.after_negator and word.negated):
        subject = _before(c, denied)
        # Without a subject in its clause ("…, never arranged in pairs") the claim must match
        # the denied word and the next one in a clause of the quote instead.
        needed = [denied] if subject else [denied, *_after(c, denied)[:1]]
        if len(needed) < 2 and not subject:
            continue
        found_negated = False
        found_plain = False
        for number in {word.clause for word in q.words}:
            clause = q.clause(number)
            hits = [_has(clause, word.stem) for word in needed]
            if not all(hits):
                continue
            # "A dominant allele is an allele …": the denied word may stand twice.
            placed = [
                hit
                for hit in hits[0]
                if _subject_in(subject, _before(q, hit), required=bool(subject))
            ]
            if any(hit.negated for hit in placed):
                found_negated = True
            elif placed:
                found_plain = True
        if found_plain and not found_negated:
            return True
    return False


def antonym_inverted(claim: str, quote: str) -> bool:
    c, q = read(claim), read(quote)
    quote_stems = {word.stem for word in q.words}
    for word in c.words:
        opposites = _ANTONYMS.get(word.stem)
        if not opposites or word.stem in quote_stems:
            continue
        subject = _before(c, word)
        following = _after(c, word)[:1]
        for other in q.words:
            if other.stem not in opposites or other.negated != word.negated:
                continue
            if not _subject_in(subject, _before(q, other)):
                continue
            if all(_has(_after(q, other), w.stem) for w in following):
                return True
    return False


def _sides(reading: Reading, clause: int, at: int) -> tuple[set[str], set[str], str | None]:
    """Content words before the comparative, after "than", and the comparative itself."""
    before = [w for w in reading.words[:at] if w.clause == clause]
    after = {w.stem for w in reading.words[at:] if w.clause == clause}
    if not before:
        return set(), after, None
    helpers = [w.stem for w in before if w.stem in _COMPARATIVE_HELPERS]
    if helpers:  # "more often in males than": the helper compares, "males" is a side
        left = {w.stem for w in before if w.stem not in _COMPARATIVE_HELPERS}
        return left, after, helpers[0]
    return {w.stem for w in before[:-1]}, after, before[-1].stem


def comparison_swapped(claim: str, quote: str) -> bool:
    c, q = read(claim), read(quote)
    for c_clause, c_at in c.than:
        c_left, c_right, c_word = _sides(c, c_clause, c_at)
        for q_clause, q_at in q.than:
            q_left, q_right, q_word = _sides(q, q_clause, q_at)
            if c_word is None or q_word is None:
                continue
            own_right, own_q_right = c_right - c_left, q_right - q_left
            swapped = (
                bool(own_right & q_left)
                and not own_right & own_q_right
                and bool(own_q_right & c_left)
            )
            if not swapped:
                continue
            if c_word == q_word:
                return True
    return False


_OPPOSITE_WORDS = "not except false incorrect untrue least ikke unntatt feil usann usanne"
_OPPOSITE_ASKED = WordTest.of(_OPPOSITE_WORDS.split())


def asks_for_the_opposite(stem_text: str) -> bool:
    """A stem asking for what is NOT so ("Which is not …", "… except …", "Which is false?"):
    its correct option is meant to contradict the passage."""
    return _OPPOSITE_ASKED(stem_text)


_DENIAL = re.compile(
    r"^\s*(?:it\s+is|it's|it’s)\s+(?:not\s+true|false|untrue|not\s+the\s+case|wrong)\s+that\s+"
    r"|^\s*det\s+er\s+(?:ikke\s+sant|usant|feil)\s+at\s+",
    re.IGNORECASE,
)


def contradicts(claim: str, quote: str) -> bool:
    """Whether `claim` states the opposite of `quote` (see the module docstring). "It is not
    true that X" contradicts a quote that states X."""
    denial = _DENIAL.match(claim)
    if denial:
        rest = claim[denial.end() :]
        return is_grounded(rest, Passage.of(quote)) and not contradicts(rest, quote)
    return _may_invert(claim, quote) and (
        negation_inverted(claim, quote)
        or antonym_inverted(claim, quote)
        or comparison_swapped(claim, quote)
    )


# -- a fill-in answer against the quote's word at the blank ------------------------------------

CONTEXT = 3
"""Words either side of a blank used to find its place in the quote."""
MAX_FILLER = 6
"""A blank stands for at most this many words of the quote."""


_CLOZE_PARTS = re.compile(r"\[blank_(\d+)\]|([^\W_]+(?:['’][^\W_]+)*|[,;:.!?])")
"""A blank marker (its number) or a word or sentence punctuation."""


def _cloze_tokens(text: str) -> list[str]:
    """Stems of every word (stop words too) and sentence punctuation; a blank is `#N`."""
    return [
        f"#{blank}" if blank else stem(token) if token[0].isalnum() else token
        for blank, token in _CLOZE_PARTS.findall(text.casefold())
    ]


def _context(tokens: list[str], at: int) -> tuple[list[str], list[str]]:
    left: list[str] = []
    for token in reversed(tokens[max(0, at - CONTEXT) : at]):
        if token.startswith("#"):
            break
        left.insert(0, token)
    right: list[str] = []
    for token in tokens[at + 1 : at + 1 + CONTEXT]:
        if token.startswith("#"):
            break
        right.append(token)
    return left, right


def quote_fillers(stem_text: str, position: int, quote: str) -> list[list[str]]:
    """The words of `quote` standing where blank `position` stands in `stem_text`: found by the
    words either side of the blank (at least three in all, at least one each side, or three
    after a blank that opens the text or before one that ends it). Empty when the stem cannot
    be placed on the quote."""
    tokens = _cloze_tokens(stem_text)
    marker = f"#{position}"
    if marker not in tokens:
        return []
    at = tokens.index(marker)
    left, right = _context(tokens, at)
    if len(left) + len(right) < CONTEXT or (not right and len(left) < CONTEXT):
        return []
    if not left and (at > 0 or len(right) < CONTEXT):
        return []
    words = _cloze_tokens(quote)
    fillers: list[list[str]] = []
    anchor = left[-1] if left else right[0]
    places = [i for i, word in enumerate(words) if word == anchor]
    if not left:  # the blank opens the text: the words before the right context, to a stop
        for end in places:
            if words[end : end + len(right)] == right:
                before = words[max(0, end - MAX_FILLER) : end]
                cut = max((i + 1 for i, t in enumerate(before) if not t[0].isalnum()), default=0)
                if before[cut:]:
                    fillers.append(before[cut:])
        return fillers
    for last in places:
        start = last + 1
        if start < len(left) or words[start - len(left) : start] != left:
            continue
        if not right:
            fillers.append(words[start : start + MAX_FILLER])
            continue
        for end in range(start + 1, min(len(words), start + MAX_FILLER) + 1):
            if words[end : end + len(right)] == right:
                fillers.append(words[start:end])
                break
    return fillers


def _agrees(answer: str, filler: list[str]) -> bool:
    words = [stem(token) for token in _TOKEN.findall(answer.casefold()) if token[0].isalnum()]
    content = [word for word in words if word not in STOP_WORDS] or words
    # A word standing in the filler as it is matches at once (`stems_match` of equal stems).
    return all(
        word in filler or any(stems_match(word, other) for other in filler) for word in content
    )


def blank_disagrees(stem_text: str, position: int, answers: list[str], quote: str) -> bool:
    """True when the quote, read at the blank's place, says another word than every accepted
    answer (see `quote_fillers`); False when it agrees or the place cannot be found."""
    fillers = quote_fillers(stem_text, position, quote)
    if not fillers:
        return False
    return not any(_agrees(answer, filler) for answer in answers for filler in fillers)
