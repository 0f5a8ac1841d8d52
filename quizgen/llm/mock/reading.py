"""Reading a text once: its sections, sentences, clauses, the facts in them, lists and tables.

The mock reads what a student reads: plain declarative sentences. In each sentence it marks the
spans a question can be about (`Target`): numbers with their unit ("509 BC", "32 bits"), names
("Alfred Wegener", "Mid-Atlantic Ridge", "TCP"), and terms — the noun phrases a sentence is built
around ("divergent boundary", "the mantle", "subduction" after "called"). A sentence joining two
clauses (", and", ", while", "because") gives two facts (`Unit`) that can be asked about apart.
Tables and "X: Y" lists give pairs; subjects and what the sentence says of them give pairs too.

`read` is pure and cached per text (bounded): the mock remembers texts, never what it served.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from quizgen.llm.mock.words import (
    AUXILIARIES,
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
)

MAX_QUOTE_CHARS = 400
MIN_SENTENCE_WORDS = 5
MAX_SENTENCE_WORDS = 60
CACHE_TEXTS = 16
"""Texts whose reading is kept: a quiz has a few modules; a benchmark's thousand stay cheap."""

_NOT_TERMS = frozenset(
    [
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
_CLAUSE = re.compile(r", (?:and|but|while|so|which|whereas) |; | because | and then ")
_PRONOUN_START = frozenset(
    ["he", "she", "it", "they", "this", "these", "those", "his", "her", "its", "their", "there"]
)


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


@dataclass(frozen=True)
class Unit:
    """One fact: a whole sentence, or one clause of a sentence joining two."""

    sentence: int
    start: int
    end: int
    """Span in the sentence's plain text, without the joining word or the final stop."""
    targets: tuple[Target, ...]
    standalone: bool = True
    """Whether the clause reads as a statement on its own (not "… which runs on TCP")."""


@dataclass(frozen=True)
class Sentence:
    index: int
    quote: str
    """Exactly as in the content (line breaks and markup kept): what `source_quote` carries."""
    plain: str
    """Markup removed, spaces collapsed: what question texts are built from."""
    section: int
    targets: tuple[Target, ...]
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Pair:
    prompt: str
    answer: str
    quote: str
    sentence: int
    """The sentence it comes from, or -1 for a table row or list item."""


@dataclass(frozen=True)
class Reading:
    digest: str
    sections: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    tables: tuple[tuple[str, tuple[Pair, ...]], ...]
    """(title, rows) per table or "X: Y" list."""
    subjects: tuple[Pair, ...]
    """What a sentence says of its subject: "Hannibal" → "crossed the Alps … in 218 BC"."""
    pools: dict[tuple[str, str], tuple[str, ...]]
    """Distinct target texts per (kind, group), and per (kind, "") for the whole kind."""
    true_texts: frozenset[str]

    @property
    def units(self) -> list[Unit]:
        return [unit for sentence in self.sentences for unit in sentence.units]

    def unit_text(self, unit: Unit) -> str:
        return self.sentences[unit.sentence].plain[unit.start : unit.end]


def digest_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=CACHE_TEXTS)
def read(content: str) -> Reading:
    """The reading of one text; see the module docstring."""
    sections: list[str] = [""]
    found: list[tuple[str, str, int]] = []
    tables: list[tuple[str, tuple[Pair, ...]]] = []
    for block in _blocks(content):
        kind, payload = block
        if kind == "heading":
            sections.append(payload[0])
        elif kind == "table":
            tables.append((payload[0], payload[1]))
        else:
            start, end = payload
            for s_start, s_end in _split_sentences(content, start, end):
                quote = content[s_start:s_end].strip()
                plain = _plain(quote)
                words = len(plain.split())
                if (
                    len(quote) <= MAX_QUOTE_CHARS
                    and MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS
                    and plain.endswith(".")
                ):
                    found.append((quote, plain, len(sections) - 1))
    names_mid = _names_mid_sentence(plain for _q, plain, _s in found)
    raw_targets = [_targets(plain, names_mid, _stressed(quote)) for quote, plain, _s in found]
    groups = _groups(raw_targets)
    sentences = []
    for index, ((quote, plain, section), targets) in enumerate(
        zip(found, raw_targets, strict=True)
    ):
        typed = tuple(
            Target(t.start, t.end, t.text, t.kind, groups.get((t.kind, fold(t.text)), t.group),
                   t.plural, t.strong)
            for t in targets
        )  # fmt: skip
        sentences.append(Sentence(index, quote, plain, section, typed, _units(index, plain, typed)))
    pools: dict[tuple[str, str], list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for sentence in sentences:
        for target in sentence.targets:
            key = (target.kind, fold(target.text))
            if key in seen:
                continue
            seen.add(key)
            pools.setdefault((target.kind, target.group), []).append(target.text)
            pools.setdefault((target.kind, ""), []).append(target.text)
    true_texts = {fold(s.plain) for s in sentences}
    true_texts.update(fold(s.plain[u.start : u.end]) for s in sentences for u in s.units)
    return Reading(
        digest=digest_of(content),
        sections=tuple(sections),
        sentences=tuple(sentences),
        tables=tuple(tables),
        subjects=tuple(_subjects(sentences)),
        pools={key: tuple(texts) for key, texts in pools.items()},
        true_texts=frozenset(true_texts),
    )


# -- blocks and sentences ---------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[*_\"“(\[]*[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    ["e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "vs.", "fig.", "no.", "st."]
)
_PAIR_ITEM = re.compile(r"^(?P<prompt>[^:–—]{2,60}?)\s*(?::|\s[–—-]\s)\s*(?P<answer>.{3,200})$")


def _plain(raw: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", raw)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = re.sub(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


def _is_title(line: str, longest: int, following: str | None) -> bool:
    """A short line without a final stop, before a capitalised line: a heading that lost its
    markup (PDF, Word and plain-text notes), not a sentence wrapped across lines."""
    stripped = line.strip()
    if not stripped or stripped[-1] in ".!?:;,":
        return False
    if len(stripped.split()) > 8 or len(stripped) > 0.7 * max(longest, 1):
        return False
    return following is None or following.lstrip()[:1].isupper() or not following.strip()


def _blocks(content: str) -> Iterable[tuple[str, tuple]]:
    """("heading", (text,)), ("table", (title, pairs)) or ("prose", (start, end)) in order."""
    lines = content.splitlines(keepends=True)
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    index = 0
    pending: list[int] = []  # line numbers of the current paragraph

    def flush() -> Iterable[tuple[str, tuple]]:
        if not pending:
            return
        longest = max(len(lines[n].strip()) for n in pending)
        run: list[int] = []
        for position_in, n in enumerate(pending):
            following = lines[pending[position_in + 1]] if position_in + 1 < len(pending) else None
            if not run and _is_title(lines[n], longest if len(pending) > 1 else 999, following):
                yield "heading", (_plain(lines[n]),)
                continue
            run.append(n)
        if run:
            start = offsets[run[0]] + len(lines[run[0]]) - len(lines[run[0]].lstrip())
            end = offsets[run[-1]] + len(lines[run[-1]].rstrip())
            yield "prose", (start, end)
        pending.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        if not stripped or heading or stripped.startswith("|") or _LIST_ITEM.match(line):
            yield from flush()
        if heading:
            yield "heading", (_plain(heading.group(2)),)
        elif stripped.startswith("|"):
            end = index
            while end < len(lines) and lines[end].strip().startswith("|"):
                end += 1
            table = _table([lines[n].strip() for n in range(index, end)])
            if table:
                yield "table", table
            index = end
            continue
        elif _LIST_ITEM.match(line):
            item = _LIST_ITEM.match(line)
            assert item is not None
            text = line[item.end() :].strip()
            pair = _PAIR_ITEM.match(_plain(text))
            if pair:
                yield "table", ("", (Pair(pair["prompt"], pair["answer"].rstrip("."), text, -1),))
            start = offsets[index] + item.end()
            yield "prose", (start, start + len(line[item.end() :].rstrip()))
        elif stripped:
            pending.append(index)
        index += 1
    yield from flush()


def _table(rows: list[str]) -> tuple[str, tuple[Pair, ...]] | None:
    cells = [[_plain(c) for c in row.strip("|").split("|")] for row in rows]
    body = [(row, c) for row, c in zip(rows, cells, strict=True) if not all(
        re.fullmatch(r":?-{2,}:?", x.strip()) for x in c)]  # fmt: skip
    if len(body) < 3 or any(len(c) < 2 for _r, c in body):
        return None
    header, data = body[0][1], body[1:]
    pairs = tuple(Pair(c[0], c[1], row, -1) for row, c in data if c[0] and c[1])
    return f"{header[0]} → {header[1]}", pairs


def _split_sentences(content: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    chunk = content[start:end]
    begin = 0
    for match in _BOUNDARY.finditer(chunk):
        before = chunk[begin : match.start()].rstrip('"”’)]')
        last_word = before.rsplit(None, 1)[-1].casefold() if before.split() else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        yield start + begin, start + match.start()
        begin = match.end()
    if begin < len(chunk):
        yield start + begin, end


# -- targets ----------------------------------------------------------------------------------


def _tokens(plain: str) -> list[tuple[int, int, str]]:
    result = []
    for match in WORD.finditer(plain):
        word = match.group().rstrip(".")
        result.append((match.start(), match.start() + len(word), word))
    return result


def _acronym_like(word: str) -> bool:
    return sum(c.isupper() for c in word) >= 2 or any(c.isdigit() for c in word)


def _names_mid_sentence(plains: Iterable[str]) -> frozenset[str]:
    found = set()
    for plain in plains:
        for _s, _e, word in _tokens(plain)[1:]:
            if word[:1].isupper():
                found.add(word)
    return frozenset(found)


def _joined(plain: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return plain[a[1] : b[0]] == " "


_STRESS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def _stressed(quote: str) -> frozenset[str]:
    """Phrases the author set in bold or italics, as plain text."""
    found = (next(g for g in m.groups() if g) for m in _STRESS.finditer(quote))
    return frozenset(_plain(text).strip(" .,;:") for text in found)


def _targets(plain: str, names_mid: frozenset[str], stressed: frozenset[str]) -> tuple[Target, ...]:
    tokens = _tokens(plain)
    taken: list[Target] = []
    used = [False] * len(tokens)

    def add(first: int, last: int, kind: str, group: str, strong: bool = False) -> None:
        start, end = tokens[first][0], tokens[last][1]
        text = plain[start:end]
        taken.append(Target(start, end, text, kind, group, is_plural(tokens[last][2]), strong))
        for n in range(first, last + 1):
            used[n] = True

    # Stressed phrases first: the author marked them as what the sentence is about.
    for phrase in sorted(stressed, key=len, reverse=True):
        words = phrase.split()
        for n in range(len(tokens) - len(words) + 1):
            if [t[2] for t in tokens[n : n + len(words)]] == words and not any(
                used[n : n + len(words)]
            ):
                kind = "name" if phrase[:1].isupper() and n > 0 else "term"
                add(n, n + len(words) - 1, kind, "stressed" if kind == "term" else "name", True)
                break

    # Numbers: digits with their unit ("509 BC", "86 percent", "32 bits"), number words.
    for n, (_s, _e, word) in enumerate(tokens):
        if used[n]:
            continue
        lower = word.casefold()
        if re.fullmatch(r"\d[\d,.]*s?", word):
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
            and word.casefold() in NUMBER_WORDS
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
        if first == 0 and tokens[0][2].casefold() in STOP:
            first = 1
        if first <= last:
            lone = first == last
            keep = not (first == 0 and lone) or _acronym_like(word) or word in names_mid
            keep = keep and not any(used[first : last + 1])
            if keep and not (lone and tokens[first][2].casefold() in NUMBER_WORDS):
                kind = "acronym" if lone and _acronym_like(tokens[first][2]) else "name"
                add(first, last, "name", kind)
        n = last + 1

    # Terms: what "called"/"known as" names, and noun phrases after a determiner or preposition
    # (or opening the sentence), cut before the verb.
    n = 0
    while n < len(tokens):
        word = tokens[n][2]
        lower = word.casefold()
        opens = n == 0 and lower not in STOP and not used[0]
        after = n > 0 and tokens[n - 1][2].casefold() in DETERMINERS | PREPOSITIONS | {
            "called", "named"}  # fmt: skip
        if used[n] or not (opens or after) or lower in STOP or not _wordish(word, n):
            n += 1
            continue
        if tokens[n - 1][2].casefold() == "to" and is_verb(lower) if n > 0 else False:
            n += 1
            continue
        last = n
        while (
            last + 1 < len(tokens)
            and last - n < 3
            and _joined(plain, tokens[last], tokens[last + 1])
            and not used[last + 1]
            and tokens[last + 1][2].casefold() not in STOP
            and _wordish(tokens[last + 1][2], last + 1)
        ):
            last += 1
        # The verb after a subject ("plates move", "network connects devices"): cut before it.
        for m in range(n + 1, last + 1):
            if is_verb(tokens[m][2].casefold()):
                last = m - 1
                break
        while last >= n and tokens[last][2].casefold().endswith("ly"):
            last -= 1
        while last > n and tokens[n][2].casefold() in _NOT_TERMS:
            n += 1
        followed = last + 1 < len(tokens) and _joined(plain, tokens[last], tokens[last + 1])
        if followed and tokens[last + 1][2][:1].isupper():
            n = last + 1
            continue
        if last >= n and not (opens and last == n and is_verb(lower)):
            words = [tokens[m][2].casefold() for m in range(n, last + 1)]
            single = len(words) == 1
            weak = single and (len(words[0]) < 4 or words[0] in _NOT_TERMS or is_verb(words[0]))
            if not weak and "'" not in plain[tokens[n][0] : tokens[last][1]]:
                add(n, last, "term", words[-1])
        n = max(last, n) + 1
    return tuple(sorted(taken, key=lambda t: t.start))


def _wordish(word: str, position: int) -> bool:
    """A lower-case word (or the sentence's first word), not a number."""
    if any(c.isdigit() for c in word) or word.casefold() in NUMBER_WORDS:
        return False
    return word[:1].islower() or position == 0


def _groups(all_targets: list[tuple[Target, ...]]) -> dict[tuple[str, str], str]:
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


def _units(index: int, plain: str, targets: tuple[Target, ...]) -> tuple[Unit, ...]:
    """The sentence as one fact, or its clauses when it joins two that each stand alone."""
    body_end = len(plain) - 1  # without the final stop
    match = _CLAUSE.search(plain, 0, body_end)
    if match is not None:
        left, right = plain[: match.start()], plain[match.end() : body_end]
        right_words = right.split()
        if (
            len(left.split()) >= 4
            and len(right_words) >= 4
            and right_words[0].casefold() not in _PRONOUN_START
        ):
            first = right_words[0].casefold()
            alone = "which" not in match.group() and not (
                is_verb(first) or first.endswith("ly") or first in STOP
            )
            spans = ((0, match.start(), True), (match.end(), body_end, alone))
            return tuple(
                Unit(index, s, e, tuple(t for t in targets if s <= t.start and t.end <= e), ok)
                for s, e, ok in spans
            )
    return (Unit(index, 0, body_end, targets),)


def _subjects(sentences: list[Sentence]) -> Iterable[Pair]:
    """A sentence opening with a name or term, then a verb: subject → what is said of it."""
    for sentence in sentences:
        plain = sentence.plain
        if not sentence.targets or "," in plain[: sentence.targets[0].end + 2]:
            continue
        first = sentence.targets[0]
        before = plain[: first.start].strip().casefold()
        if before not in ("", "the", "a", "an"):
            continue
        tokens = _tokens(plain)
        verb = next(
            (
                t
                for t in tokens
                if t[0] >= first.end and (is_verb(t[2].casefold()) or t[2] in AUXILIARIES)
            ),
            None,
        )
        if verb is None:
            continue
        prompt = plain[first.start : verb[0]].strip(" ,")
        answer = plain[verb[0] : -1].strip()
        if len(prompt.split()) > 5 or not 3 <= len(answer.split()) <= 16:
            continue
        yield Pair(prompt, answer, sentence.quote, sentence.index)
