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
from collections.abc import Iterable
from dataclasses import dataclass, field

from quizgen.llm.mock.sequences import Found, find
from quizgen.llm.mock.targets import (
    Spans,
    Target,
    find_targets,
    group_names,
    names_mid_sentence,
    stressed,
    word_spans,
)
from quizgen.llm.mock.words import AUXILIARIES, STOP, fold, is_verb, plain_text

MAX_QUOTE_CHARS = 400
MIN_SENTENCE_WORDS = 5
MAX_SENTENCE_WORDS = 60
CACHE_TEXTS = 16
"""Texts whose reading is kept: a quiz has a few modules; a benchmark's thousand stay cheap."""

_CLAUSE = re.compile(r", (?:and|but|while|so|which|whereas) |; | because | and then ")
_PRONOUN_START = frozenset(
    ["he", "she", "it", "they", "this", "these", "those", "his", "her", "its", "their", "there"]
)


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
    content: str = field(default="", repr=False, compare=False)

    @functools.cached_property
    def sequences(self) -> tuple[Found, ...]:
        """Orders the text states (numbered lists, first/then/finally, dates; see `sequences`):
        found when first asked for (ordering, `suggest`), since most batches never ask."""
        return find(self.content)

    @property
    def units(self) -> list[Unit]:
        return [unit for sentence in self.sentences for unit in sentence.units]

    def unit_text(self, unit: Unit) -> str:
        return self.sentences[unit.sentence].plain[unit.start : unit.end]


def digest_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def usable_sentences(content: str) -> int:
    """How many sentences `read` would find, without reading them (for a quick estimate)."""
    return len(_outline(content)[1])


@functools.lru_cache(maxsize=CACHE_TEXTS)
def read(content: str) -> Reading:
    """The reading of one text; see the module docstring."""
    sections, found, tables = _outline(content)
    spans = [word_spans(plain) for _q, plain, _s in found]  # once per sentence, kept by none
    names_mid = names_mid_sentence(spans)
    raw_targets = [
        find_targets(plain, names_mid, stressed(quote), tokens)
        for (quote, plain, _s), tokens in zip(found, spans, strict=True)
    ]
    groups = group_names(raw_targets)
    sentences = []
    for index, ((quote, plain, section), targets) in enumerate(
        zip(found, raw_targets, strict=True)
    ):
        typed = tuple(_grouped(t, groups) for t in targets)
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
            if target.strong:
                pools.setdefault((target.kind, "strong"), []).append(target.text)
    true_texts = {fold(s.plain) for s in sentences}
    true_texts.update(fold(s.plain[u.start : u.end]) for s in sentences for u in s.units)
    return Reading(
        digest=digest_of(content),
        sections=tuple(sections),
        sentences=tuple(sentences),
        tables=tuple(tables),
        subjects=tuple(_subjects(sentences, spans)),
        pools={key: tuple(texts) for key, texts in pools.items()},
        true_texts=frozenset(true_texts),
        content=content,
    )


def _grouped(target: Target, groups: dict[tuple[str, str], str]) -> Target:
    """The target in its group across the text (`group_names`); itself when that is its own."""
    group = groups.get((target.kind, fold(target.text)), target.group)
    if group == target.group:
        return target
    t = target
    return Target(t.start, t.end, t.text, t.kind, group, t.plural, t.strong)


@functools.lru_cache(maxsize=CACHE_TEXTS)
def _outline(
    content: str,
) -> tuple[
    tuple[str, ...], tuple[tuple[str, str, int], ...], tuple[tuple[str, tuple[Pair, ...]], ...]
]:
    """Sections, usable sentences (quote, plain text, section) and tables of a text. Cached:
    the capacity check counts a text's sentences (`usable_sentences`) just before reading it."""
    sections: list[str] = [""]
    found: list[tuple[str, str, int]] = []
    tables: list[tuple[str, tuple[Pair, ...]]] = []
    for kind, payload in _blocks(content):
        if kind == "heading":
            sections.append(payload[0])
        elif kind == "table":
            tables.append((payload[0], payload[1]))
        else:
            start, end = payload
            for s_start, s_end in _split_sentences(content, start, end):
                quote = content[s_start:s_end].strip()
                plain = plain_text(quote)
                words = len(plain.split())
                if (
                    len(quote) <= MAX_QUOTE_CHARS
                    and MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS
                    and plain.endswith(".")
                ):
                    found.append((quote, plain, len(sections) - 1))
    return tuple(sections), tuple(found), tuple(tables)


# -- blocks and sentences ---------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[*_\"“(\[]*[A-Z0-9])")
_INITIAL = re.compile(r"[a-z]\.")
_ABBREVIATIONS = frozenset(
    ["e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "vs.", "fig.", "no.", "st."]
)
_PAIR_ITEM = re.compile(r"^(?P<prompt>[^:–—]{2,60}?)\s*(?::|\s[–—-]\s)\s*(?P<answer>.{3,200})$")


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
                yield "heading", (plain_text(lines[n]),)
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
            yield "heading", (plain_text(heading.group(2)),)
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
            pair = _PAIR_ITEM.match(plain_text(text))
            if pair:
                yield "table", ("", (Pair(pair["prompt"], pair["answer"].rstrip("."), text, -1),))
            start = offsets[index] + item.end()
            yield "prose", (start, start + len(line[item.end() :].rstrip()))
        elif stripped:
            pending.append(index)
        index += 1
    yield from flush()


def _table(rows: list[str]) -> tuple[str, tuple[Pair, ...]] | None:
    cells = [[plain_text(c) for c in row.strip("|").split("|")] for row in rows]
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
        if last_word in _ABBREVIATIONS or _INITIAL.fullmatch(last_word):
            continue
        yield start + begin, start + match.start()
        begin = match.end()
    if begin < len(chunk):
        yield start + begin, end


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


def _subjects(sentences: list[Sentence], spans: list[Spans]) -> Iterable[Pair]:
    """A sentence opening with a name or term, then a verb: subject → what is said of it
    (`spans`: the `word_spans` of each sentence)."""
    for sentence in sentences:
        plain = sentence.plain
        if not sentence.targets or "," in plain[: sentence.targets[0].end + 2]:
            continue
        first = sentence.targets[0]
        before = plain[: first.start].strip().casefold()
        if before not in ("", "the", "a", "an"):
            continue
        tokens = spans[sentence.index]
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
        answer = re.sub(r"^(?:is|are|was|were) (?=(?:the|a|an) )", "", answer)  # "Is the …"
        if len(prompt.split()) > 5 or not 3 <= len(answer.split()) <= 16:
            continue
        yield Pair(prompt, answer, sentence.quote, sentence.index)
