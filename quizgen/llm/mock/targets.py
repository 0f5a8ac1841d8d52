"""The spans of a sentence a question can ask about: numbers, names and terms (`Target`).

- numbers with their unit ("509 BC", "86 percent", "32 bits", "the 1960s") and number words;
- names: runs of capitalised words ("Battle of Zama"), acronyms ("TCP", "IPv4"); a sentence's
  first word only when the text capitalises it elsewhere too;
- terms: what the author set in bold or italics, what "called" names, and the noun phrases after
  a determiner or preposition (or opening the sentence), cut before the verb.

Plain word lists, no grammar model: a phrase the lists miss costs a question, never a wrong one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from quizgen.llm.mock.words import (
    DETERMINERS,
    ERAS,
    NUMBER_WORDS,
    PREPOSITIONS,
    STOP,
    UNITS,
    WORD,
    fold,
    is_plural,
    is_verb,
    plain_text,
)

_NOT_TERMS = frozenset(
    [
        "notes",
        "according",
        "fast",
        "slow",
        "large",
        "small",
        "long",
        "short",
        "high",
        "low",
        "new",
        "old",
        "good",
        "bad",
        "hot",
        "cold",
        "warm",
        "far",
        "near",
        "early",
        "late",
        "whole",
        "main",
        "first",
        "last",
        "same",
        "different",
        "little",
        "own",
        "able",
        "well-known",
        "known",
        "used",
        "way",
        "part",
        "kind",
        "lot",
        "number",
        "rest",
        "example",
        "fact",
        "idea",
    ]
)


_NUMBER = re.compile(r"\d[\d,.]*s?")
_BEFORE_TERM = DETERMINERS | PREPOSITIONS | {"called", "named"}
"""Words a term may follow (built once: `find_targets` asks for every word of every sentence)."""


@dataclass(frozen=True)
class Target:
    """A span of a sentence's plain text a question can ask about."""

    start: int
    end: int
    text: str
    kind: str
    """"number", "name" or "term": distractors and swaps come from the same kind."""
    group: str
    """Finer kind: a number's unit ("bc", "percent", "year"), a name's or term's head word."""
    plural: bool
    strong: bool = False
    """Set in bold or italics by the author: the terms the notes themselves stress."""


def word_spans(plain: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, word) of every word of a sentence (a `WORD` match ends in a letter or
    digit, never in a stop)."""
    return tuple([(match.start(), match.end(), match.group()) for match in WORD.finditer(plain)])


def _acronym_like(word: str) -> bool:
    return sum(map(str.isupper, word)) >= 2 or any(map(str.isdigit, word))


Spans = tuple[tuple[int, int, str], ...]
"""`word_spans` of one sentence."""


def names_mid_sentence(sentences: Iterable[Spans]) -> frozenset[str]:
    """Capitalised words standing after a sentence's first word (`word_spans` of each)."""
    found = set()
    for spans in sentences:
        for _s, _e, word in spans[1:]:
            if word[:1].isupper():
                found.add(word)
    return frozenset(found)


def _joined(plain: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return plain[a[1] : b[0]] == " "


_STRESS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def stressed(quote: str) -> frozenset[str]:
    """Phrases the author set in bold or italics, as plain text."""
    found = (next(g for g in m.groups() if g) for m in _STRESS.finditer(quote))
    return frozenset(plain_text(text).strip(" .,;:") for text in found)


def find_targets(
    plain: str, names_mid: frozenset[str], stress: frozenset[str], tokens: Spans | None = None
) -> tuple[Target, ...]:
    """`tokens`: the sentence's `word_spans`, when the caller has them already."""
    tokens = word_spans(plain) if tokens is None else tokens
    texts = [token[2] for token in tokens]
    lows = [text.casefold() for text in texts]
    taken: list[Target] = []
    used = [False] * len(tokens)

    def add(first: int, last: int, kind: str, group: str, strong: bool = False) -> None:
        start, end = tokens[first][0], tokens[last][1]
        text = plain[start:end]
        taken.append(Target(start, end, text, kind, group, is_plural(tokens[last][2]), strong))
        for n in range(first, last + 1):
            used[n] = True

    # Stressed phrases first: the author marked them as what the sentence is about.
    for phrase in sorted(stress, key=len, reverse=True):
        words = phrase.split()
        for n in range(len(tokens) - len(words) + 1):
            if texts[n : n + len(words)] == words and not any(used[n : n + len(words)]):
                kind = "name" if phrase[:1].isupper() and n > 0 else "term"
                add(n, n + len(words) - 1, kind, "stressed" if kind == "term" else "name", True)
                break

    # Numbers: digits with their unit ("509 BC", "86 percent", "32 bits"), number words.
    for n, word in enumerate(texts):
        if used[n] or not word[:1].isdecimal():  # what \d matches first
            continue
        if _NUMBER.fullmatch(word):
            last, group = n, ""
            if n + 1 < len(tokens) and _joined(plain, tokens[n], tokens[n + 1]):
                unit = tokens[n + 1][2].casefold()
                if unit in UNITS or unit in ERAS:
                    last, group = n + 1, unit
            if not group:
                digits = word.rstrip("s").replace(",", "")
                group = "decade" if word.endswith("s") else (
                    "year" if len(digits) == 4 and digits.isdigit() else "number")  # fmt: skip
            if not any(used[n : last + 1]):
                add(n, last, "number", group)

    for n, (_s, _e, word) in enumerate(tokens):
        if (
            not used[n]
            and lows[n] in NUMBER_WORDS
            and not (n + 1 < len(tokens) and tokens[n + 1][2][:1].isupper() and word[:1].isupper())
        ):
            add(n, n, "number", "count")

    # Names: runs of capitalised words ("Battle of Zama"); a sentence's first word only when
    # the text capitalises it elsewhere too, or it is an acronym, or a name follows it.
    n = 0
    while n < len(tokens):
        word = tokens[n][2]
        if not word[:1].isupper():
            n += 1
            continue
        last = n
        while last + 1 < len(tokens) and _joined(plain, tokens[last], tokens[last + 1]):
            following = tokens[last + 1][2]
            if following[:1].isupper():
                last += 1
            elif (
                following == "of"
                and last + 2 < len(tokens)
                and tokens[last + 2][2][:1].isupper()
                and _joined(plain, tokens[last + 1], tokens[last + 2])
            ):
                last += 2
            else:
                break
        first = n
        if first == 0 and lows[0] in STOP:
            first = 1
        if first <= last:
            lone = first == last
            keep = not (first == 0 and lone) or _acronym_like(word) or word in names_mid
            keep = keep and not any(used[first : last + 1])
            if keep and not (lone and lows[first] in NUMBER_WORDS):
                before = [t[2] for t in tokens[max(0, first - 3) : first]]
                after_the = "the" in [w.casefold() for w in before if w.islower() or w == "The"]
                kind = "acronym" if lone and _acronym_like(tokens[first][2]) else "name"
                add(first, last, "name", "the name" if kind == "name" and after_the else kind)
        n = last + 1

    # Terms: what "called"/"known as" names, and noun phrases after a determiner or preposition
    # (or opening the sentence), cut before the verb.
    n = 0
    while n < len(tokens):
        word = tokens[n][2]
        lower = lows[n]
        opens = n == 0 and lower not in STOP and not used[0]
        after = n > 0 and lows[n - 1] in _BEFORE_TERM
        if used[n] or not (opens or after) or lower in STOP or not _wordish(word, n):
            n += 1
            continue
        if lows[n - 1] == "to" and is_verb(lower) if n > 0 else False:
            n += 1
            continue
        last = n
        while (
            last + 1 < len(tokens)
            and last - n < 3
            and _joined(plain, tokens[last], tokens[last + 1])
            and not used[last + 1]
            and lows[last + 1] not in STOP
            and _wordish(tokens[last + 1][2], last + 1)
        ):
            last += 1
        # The verb after a subject ("plates move", "network connects devices"): cut before it.
        for m in range(n + 1, last + 1):
            if is_verb(lows[m]):
                last = m - 1
                break
        while last >= n and lows[last].endswith("ly"):
            last -= 1
        while last > n and lows[n] in _NOT_TERMS:
            n += 1
        followed = last + 1 < len(tokens) and _joined(plain, tokens[last], tokens[last + 1])
        if followed and tokens[last + 1][2][:1].isupper():
            n = last + 1
            continue
        if last >= n and not (opens and last == n and is_verb(lower)):
            words = lows[n : last + 1]
            single = len(words) == 1
            weak = single and (len(words[0]) < 4 or words[0] in _NOT_TERMS or is_verb(words[0]))
            if not weak and "'" not in plain[tokens[n][0] : tokens[last][1]]:
                add(n, last, "term", words[-1])
        n = max(last, n) + 1
    return tuple(sorted(taken, key=lambda t: t.start))


def _wordish(word: str, position: int) -> bool:
    """A lower-case word (or the sentence's first word), not a number."""
    if any(map(str.isdigit, word)) or word.casefold() in NUMBER_WORDS:
        return False
    return word[:1].islower() or position == 0


def group_names(all_targets: list[tuple[Target, ...]]) -> dict[tuple[str, str], str]:
    """Names share a group when two or more end in one word ("Nazca Plate", "Indian Plate");
    terms when their head words match ("divergent boundary", "transform boundary")."""
    heads: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str]] = set()
    for targets in all_targets:
        for t in targets:
            key = (t.kind, fold(t.text))
            if t.kind in ("name", "term") and key not in seen:
                seen.add(key)
                heads[(t.kind, fold(t.text).split()[-1])] += 1
    groups: dict[tuple[str, str], str] = {}
    for kind, text in seen:
        head = text.split()[-1]
        if kind == "name" and heads[(kind, head)] >= 2 and len(text.split()) > 1:
            groups[(kind, text)] = head
        elif kind == "term":
            groups[(kind, text)] = head if heads[(kind, head)] >= 2 else (
                "plural" if is_plural(head) else "singular")  # fmt: skip
    return groups
