"""Ordering questions: the sequences a text states in so many words, and nothing else.

An ordering question is sound only when its quote gives the order, so the mock looks for the
four ways notes state one, in the raw text, so that every quote is an exact span of it:
- numbered lists ("1. …", "2) …" on consecutive lines, numbered 1, 2, 3 …): each item is the
  line's lead term ("**Prophase**: …", "Prophase – …") or its text;
- steps: consecutive sentences of a paragraph opening with "First", "Then", "Next", "After
  that", "Finally" … ("Først", "Deretter", "Til slutt"), or one sentence "First A, then B, and
  finally C"; the item is the sentence without its marker;
- chains in one sentence: "from DNA to RNA to protein" ("fra … til … til …");
- dated events: sentences with a year ("in 218 BC", "In 1953"), taken while the years run in
  the text's order; the item is the event without its date.
A run longer than three also gives its shorter windows of consecutive items (after the whole
run), each with its own quote. Bulleted lists are not sequences: bullets state no order.

Deterministic and pure: the same text always gives the same sequences, in text order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from quizgen.llm.mock.words import capitalise, fold, plain_text

MAX_QUOTE = 600
"""The longest `source_quote` a question may carry."""
MAX_ITEM_WORDS = 15
MIN_ITEMS, MAX_ITEMS = 3, 10
MAX_WINDOWS = 12
"""Shorter windows taken from one run, at most."""

_NUMBERED = re.compile(r"^[ \t]*(\d{1,2})[.)][ \t]+(\S[^\n]*?)[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_NOT_PROSE = re.compile(r"^\s*(?:#|\||[-*+•][ \t]|\d{1,2}[.)][ \t])")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(*_]*[A-ZÆØÅ0-9])")
_LEAD_TERM = re.compile(
    r"^\*\*(?P<bold>[^*]{2,80})\*\*|^(?P<term>[^:–—.]{2,60}?)\s*(?::|\s[–—-]\s)"
)
_FIRST = re.compile(
    r"^(?:first(?:ly)?|first of all|to begin with|to begin|initially|først|aller først)\b,?\s*",
    re.IGNORECASE,
)
_NEXT = re.compile(
    r"^(?:then|next|after that|afterwards|second(?:ly)?|third(?:ly)?|later|finally|lastly"
    r"|in the end|deretter|etterpå|så|til slutt|til sist)\b,?\s*",
    re.IGNORECASE,
)
_LAST = re.compile(r"^(?:finally|lastly|in the end|til slutt|til sist)\b", re.IGNORECASE)
_INLINE_NEXT = re.compile(
    r",?\s+(?:and\s+|og\s+)?(?:then|next|after that|finally|lastly|deretter|til slutt)\b,?\s+",
    re.IGNORECASE,
)
_FROM = re.compile(r"\b(?:from|fra) (?P<chain>[^,.;:()]+)", re.IGNORECASE)
_TO = re.compile(r" (?:to|til) ")
_DATE = re.compile(
    r"(?:\b(?:in|around|about|by|circa|since|until|during|i|rundt|omkring)\s+)?"
    r"(?:(?P<year>\d{1,4})\s*(?P<era>BCE?|AD|CE|f\.\s?Kr\.?|e\.\s?Kr\.?)(?!\w)"
    r"|(?<=\bin )(?P<bare>1\d{3}|20\d{2})\b(?!\s*(?:%|percent|prosent))"
    r"|^(?:In|I) (?P<lead>1\d{3}|20\d{2})\b)",
    re.IGNORECASE,
)
_TRAILING_LINK = re.compile(r"\s+(?:in|on|at|by|from|between|during|around|when|i|på)$", re.I)
_NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class Found:
    """One sequence: its items in order, the exact span that states them, and where it is."""

    kind: str
    """"list", "steps", "chain" or "dates"."""
    items: tuple[str, ...]
    quote: str
    section: str
    whole: bool = True
    """The whole run, not a shorter window of it."""


def find(content: str) -> tuple[Found, ...]:
    """Every sequence the text states, whole runs first, each run's windows after."""
    headings = [(m.start(), plain_text(m.group(1))) for m in _HEADING.finditer(content)]
    starts = [at for at, _ in headings]

    def section(at: int) -> str:
        index = bisect.bisect_right(starts, at) - 1
        return headings[index][1] if index >= 0 else ""

    found: list[Found] = []
    runs = [*_lists(content), *_steps(content), *_chains(content), *_dates(content)]
    for kind, entries in sorted(runs, key=lambda run: run[1][0][0]):
        found += _windows(content, kind, entries, section(entries[0][0]))
    return tuple(sorted(found, key=lambda f: not f.whole))


Entry = tuple[int, int, str]
"""(start, end) of the span stating one item, and the item."""


def _windows(content: str, kind: str, entries: list[Entry], section: str) -> Iterator[Found]:
    """The whole run when its quote fits, then shorter windows of consecutive items."""
    made = 0
    for size in range(min(len(entries), MAX_ITEMS), MIN_ITEMS - 1, -1):
        for first in range(len(entries) - size + 1):
            chosen = entries[first : first + size]
            items = tuple(item for _s, _e, item in chosen)
            if len({fold(item) for item in items}) < size:
                continue
            quote = content[chosen[0][0] : chosen[-1][1]].strip()
            if len(quote) > MAX_QUOTE:
                continue
            whole = size == len(entries)
            if not whole:
                if made >= MAX_WINDOWS:
                    return
                made += 1
            yield Found(kind, items, quote, section, whole)


def _item(text: str) -> str | None:
    """An item from a clause: markup gone, final stop gone, at most `MAX_ITEM_WORDS` words
    (cut at the first comma when longer), capitalised; None when nothing usable is left."""
    plain = plain_text(text).rstrip(" .;:,")
    words = plain.split()
    if len(words) > MAX_ITEM_WORDS:
        head = re.split(r",|;| – | — | which | because ", plain, maxsplit=1)[0].strip()
        if not 2 <= len(head.split()) <= MAX_ITEM_WORDS:
            return None
        plain = head
    if not plain or not any(char.isalpha() for char in plain):
        return None
    return capitalise(plain)


# -- numbered lists ----------------------------------------------------------------------------


def _lists(content: str) -> Iterator[tuple[str, list[Entry]]]:
    run: list[Entry] = []
    previous: re.Match[str] | None = None
    for match in _NUMBERED.finditer(content):
        number = int(match.group(1))
        follows = (
            previous is not None
            and number == int(previous.group(1)) + 1
            and content.count("\n", previous.end(), match.start()) <= 2
        )
        if not follows:
            if len(run) >= MIN_ITEMS:
                yield "list", run
            run = []
            if number != 1:
                previous = None
                continue
        item = _list_item(match.group(2))
        if item is None:
            if len(run) >= MIN_ITEMS:
                yield "list", run
            run, previous = [], None
            continue
        run.append((match.start(), match.end(), item))
        previous = match
    if len(run) >= MIN_ITEMS:
        yield "list", run


def _list_item(text: str) -> str | None:
    lead = _LEAD_TERM.match(text)
    if lead:
        term = plain_text(lead.group("bold") or lead.group("term") or "")
        if 1 <= len(term.split()) <= 8:
            return capitalise(term.rstrip(" .:"))
    return _item(text)


# -- sentences: steps, chains and dates --------------------------------------------------------


def _paragraphs(content: str) -> Iterator[list[tuple[int, int, str]]]:
    """The sentences (start, end, text) of each prose paragraph (not headings, tables or list
    lines), with their offsets in the content."""
    sentences: list[tuple[int, int, str]] = []
    position = 0
    for line in content.splitlines(keepends=True):
        start, position = position, position + len(line)
        if not line.strip() or _NOT_PROSE.match(line):
            if sentences:
                yield sentences
                sentences = []
            continue
        begin = start + len(line) - len(line.lstrip())
        stop = start + len(line.rstrip())
        if sentences and content[sentences[-1][1] - 1] not in ".!?":
            begin = sentences.pop()[0]  # a sentence wrapped across lines goes on here
        text = content[begin:stop]
        at = 0
        for boundary in _BOUNDARY.finditer(text):
            sentences.append((begin + at, begin + boundary.start(), text[at : boundary.start()]))
            at = boundary.end()
        sentences.append((begin + at, stop, text[at:]))
    if sentences:
        yield sentences


def _steps(content: str) -> Iterator[tuple[str, list[Entry]]]:
    for sentences in _paragraphs(content):
        index = 0
        while index < len(sentences):
            start, end, text = sentences[index]
            plain = plain_text(text)
            first = _FIRST.match(plain)
            if not first:
                index += 1
                continue
            inline = [_item(part) for part in _INLINE_NEXT.split(plain[first.end() :])]
            if len(inline) >= MIN_ITEMS and all(inline):
                yield "chain", [(start, end, item) for item in inline if item]
            run: list[Entry] = []
            item = _item(plain[first.end() :])
            if item:
                run.append((start, end, item))
            gap, index = 0, index + 1
            while index < len(sentences) and gap <= 1 and run:
                start, end, text = sentences[index]
                plain = plain_text(text)
                marker = _NEXT.match(plain)
                if not marker:
                    gap += 1
                    index += 1
                    continue
                item = _item(plain[marker.end() :])
                if item is None:
                    break
                run.append((start, end, item))
                gap, index = 0, index + 1
                if _LAST.match(plain):
                    break
            if len(run) >= MIN_ITEMS:
                yield "steps", run


def _chains(content: str) -> Iterator[tuple[str, list[Entry]]]:
    for sentences in _paragraphs(content):
        for start, end, text in sentences:
            for match in _FROM.finditer(plain_text(text)):
                parts = [part.strip() for part in _TO.split(match.group("chain"))]
                if len(parts) < MIN_ITEMS or any(not 1 <= len(p.split()) <= 4 for p in parts):
                    continue
                items = [capitalise(part) for part in parts]
                yield "chain", [(start, end, item) for item in items]


def _dates(content: str) -> Iterator[tuple[str, list[Entry]]]:
    run: list[Entry] = []
    last: int | None = None
    for sentences in _paragraphs(content):
        for start, end, text in sentences:
            dated = _dated(plain_text(text))
            if dated is None:
                continue
            when, item = dated
            if last is not None and when <= last:
                if len(run) >= MIN_ITEMS:
                    yield "dates", run
                run = []
            run.append((start, end, item))
            last = when
    if len(run) >= MIN_ITEMS:
        yield "dates", run


def _dated(sentence: str) -> tuple[int, str] | None:
    """(year, negative before Christ; the event without its date) of a dated sentence."""
    match = _DATE.search(sentence)
    if match is None:
        return None
    year = int(match.group("year") or match.group("bare") or match.group("lead"))
    era = (match.group("era") or "").casefold().replace(" ", "")
    when = -year if era.startswith(("bc", "f.kr")) else year
    before = sentence[: match.start()].rstrip(" ,")
    after = sentence[match.end() :].lstrip(" ,").rstrip(" .")
    text = before if len(before.split()) >= 3 else after
    text = _TRAILING_LINK.sub("", text)
    item = _item(text)
    if item is None or len(item.split()) < 3:
        return None
    return when, item


# -- the questions -------------------------------------------------------------------------------


def _count(items: Sequence[str]) -> str:
    return _NUMBER_WORDS[len(items) - MIN_ITEMS]


def question_text(found: Found, variant: int) -> str:
    """The instruction: what is ordered, which way, and (for a list) where the notes give it."""
    n = _count(found.items)
    if found.kind == "dates":
        return f"Put these {n} events in the order they happened, earliest first."
    if found.kind == "steps":
        return f"Put these {n} steps in the order the notes describe them, first to last."
    if found.kind == "chain":
        return f"In what order, first to last, do the notes give these {n}?"
    where = f" under “{found.section}”" if found.section else ""
    asks = (
        f"Put these {n} in the order the notes list them{where}.",
        f"In what order do the notes list these {n}{where}?",
    )
    return asks[variant % len(asks)]
