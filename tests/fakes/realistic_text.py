"""How the realistic fake model reads course text and how it misquotes it.

Written from what chat models do with a prompt that holds notes, not from quizgen: they see
sentences (a heading or a list marker is not part of one), pick the term a sentence is about
(a bold term, a name, a number, else a long word), and when told to copy a sentence verbatim
they copy its words but not always its bytes. The deviations below are the ones seen in real
answers: Markdown emphasis dropped, typographic quotes and dashes, a line break written as a
space, the final full stop left off, and an ellipsis for a few omitted words. A changed word is
different: it is a misquote in substance, and the checks must reject it.

Nothing here imports quizgen: the fake must not share quizgen's idea of a sentence or a term.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

_STOPWORDS = """
    a an the and or but of in on at to for from by with into onto about as is are was were be
    been being this that these those it its their there they them he his she her we our you your
    which who whom whose what when where while why how not no so such than then also only very
    most more many much some each every all any both either neither other another one two three
    can could may might must shall should will would has have had does do did after before
    because although though until since during between among within without under over through
    around most called known according following usually instead whether roughly typically
    mostly however therefore against"""
STOPWORDS = frozenset(_STOPWORDS.split())
ARTICLES = ("The ", "A ", "An ", "At ", "In ", "On ", "When ", "After ", "Around ", "Most ")
AUXILIARIES = ("is", "are", "was", "were", "can", "could", "has", "have", "had", "will", "does")
ANTONYMS = {
    "increases": "decreases",
    "decreases": "increases",
    "rises": "falls",
    "rising": "falling",
    "higher": "lower",
    "lower": "higher",
    "larger": "smaller",
    "smaller": "larger",
    "rejected": "accepted",
    "accepted": "rejected",
    "toward": "away from",
    "denser": "lighter",
    "slowly": "quickly",
    "quickly": "slowly",
    "reliably": "unreliably",
    "before": "after",
    "inside": "outside",
    "lack": "have",
    "warm": "cold",
    "cools": "warms",
    "gained": "lost",
    "defeated": "lost to",
    "began": "ended",
    "ended": "began",
}
PAST_TENSE = frozenset(
    [
        "fought",
        "began",
        "led",
        "came",
        "wrote",
        "became",
        "made",
        "took",
        "gave",
        "rose",
        "fell",
        "grew",
        "sent",
        "built",
        "won",
        "lost",
        "found",
        "held",
        "kept",
        "left",
        "ran",
        "saw",
        "stood",
        "struck",
        "taught",
        "thought",
        "went",
        "brought",
    ]
)
SYNONYMS = {
    "large": "big",
    "often": "frequently",
    "about": "around",
    "showed": "revealed",
    "shows": "reveals",
    "began": "started",
    "small": "little",
    "move": "travel",
    "moves": "travels",
    "uses": "employs",
    "protected": "shielded",
    "helps": "aids",
    "whole": "entire",
    "forms": "develops",
    "lets": "allows",
    "every": "each",
    "connects": "links",
}
DEVIATIONS = ("emphasis", "typographic", "line_breaks", "final_stop", "ellipsis")

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_NAME = re.compile(r"\b[A-Z][\w-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w-]*)*")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_EMPHASIS = re.compile(
    r"\*\*(.+?)\*\*|__(.+?)__|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|`([^`]+)`"
)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(*_]*[A-Z0-9])")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    """The exact characters of the content, Markdown and line breaks included."""
    plain: str
    """What a reader sees: emphasis and links dropped, whitespace collapsed."""
    following: str = ""
    """The separator and the next sentence of the same block, when it follows on a new line."""
    bold: tuple[str, ...] = ()

    def words(self) -> set[str]:
        return content_words(self.plain)


@dataclass(frozen=True)
class Term:
    text: str
    kind: str  # "bold", "name", "number" or "word"


def plain_text(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    return " ".join(text.split())


def content_words(text: str) -> set[str]:
    return {w for w in (m.casefold() for m in _WORD.findall(text)) if w not in STOPWORDS}


def _blocks(content: str) -> list[str]:
    """Runs of lines a reader takes as one paragraph; headings and list items stand alone."""
    blocks: list[list[str]] = []
    current: list[str] = []
    lines = content.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        after = lines[number + 1].strip() if number + 1 < len(lines) else ""
        previous_ended = not current or current[-1].rstrip().endswith((".", "!", "?", ":"))
        heading = stripped.startswith("#") or (
            previous_ended
            and not stripped.endswith((".", "!", "?", ":", ","))
            and len(stripped.split()) <= 6
            and after[:1].isupper()
        )
        if not stripped or heading or _LIST_MARKER.match(line):
            if current:
                blocks.append(current)
            current = []
            if stripped and not heading:
                current = [_LIST_MARKER.sub("", line)]
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return ["\n".join(block) for block in blocks]


def sentences(content: str) -> list[Sentence]:
    """Declarative sentences of six words or more, each with its exact text."""
    found: list[tuple[str, str]] = []
    for block in _blocks(content):
        cuts = [0, *(m.end() for m in _BOUNDARY.finditer(block)), len(block)]
        pieces = [block[a:b] for a, b in itertools.pairwise(cuts)]
        for number, piece in enumerate(pieces):
            text = piece.rstrip()
            gap = piece[len(text) :]
            nxt = pieces[number + 1].rstrip() if number + 1 < len(pieces) else ""
            found.append((text, gap + nxt if "\n" in gap and nxt else ""))
    result: list[Sentence] = []
    for text, following in found:
        plain = plain_text(text)
        if not plain.endswith((".", "!")) or len(plain.split()) < 6:
            continue
        if following and not plain_text(following).endswith("."):
            following = ""
        bold = tuple(a or b for a, b in _BOLD.findall(text))
        result.append(Sentence(len(result), text.strip(), plain, following, bold))
    return result


def _once(term: str, plain: str) -> bool:
    return len(re.findall(rf"(?<!\w){re.escape(term)}(?!\w)", plain, flags=re.IGNORECASE)) == 1


def terms(sentence: Sentence) -> list[Term]:
    """What a question on this sentence could ask for, best first; each occurs once in it."""
    plain = sentence.plain
    out: list[Term] = [Term(b, "bold") for b in sentence.bold]
    for match in _NAME.finditer(plain):
        name = match.group()
        if match.start() == 0:
            for article in ARTICLES:
                if name.startswith(article):
                    name = name[len(article) :]
                    break
            else:
                if " " not in name:
                    continue
        if len(name) > 2 and name[0].isupper() and name.casefold() not in STOPWORDS:
            out.append(Term(name, "name"))
    out += [Term(m.group(), "number") for m in _NUMBER.finditer(plain)]
    words = sorted(
        {w for w in _WORD.findall(plain) if len(w) >= 7 and w.islower() and w not in STOPWORDS},
        key=lambda w: (-len(w), w),
    )
    out += [Term(w, "word") for w in words]
    seen: set[str] = set()
    unique = []
    for term in out:
        if term.text.casefold() not in seen and _once(term.text, plain):
            seen.add(term.text.casefold())
            unique.append(term)
    return unique


def replace_once(text: str, old: str, new: str) -> str:
    pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)", flags=re.IGNORECASE)
    return pattern.sub(lambda _: new, text, count=1)


def numbers_like(number: str, rng: random.Random, count: int) -> list[str]:
    """Plausible wrong numbers: near the right one, never equal to it."""
    digits = number.replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return []
    integer = value.is_integer()
    out: list[str] = []
    steps = [1, 2, 3, 5, 10, 12, 20, 50, 100] if integer else [0.5, 1, 1.5, 2, 3]
    rng.shuffle(steps)
    for step in steps:
        for sign in (1, -1):
            candidate = value + sign * step * (1 if value < 100 else max(1, value // 100))
            if candidate > 0 and candidate != value:
                text = f"{int(candidate)}" if integer else f"{candidate:g}"
                if text not in out:
                    out.append(text)
    return out[:count]


def negate(plain: str) -> str | None:
    """The sentence turned against itself: an antonym, else `not` after the first auxiliary,
    else `never` before the first past-tense verb, else "It is not true that …"."""
    for word, opposite in ANTONYMS.items():
        if _once(word, plain):
            return replace_once(plain, word, opposite)
    for aux in AUXILIARIES:
        if re.search(rf"\b{aux}\b", plain):
            return re.sub(rf"\b{aux}\b", f"{aux} not", plain, count=1)
    words = plain.split(" ")
    for number, word in enumerate(words[1:], start=1):
        bare = word.strip(",.;:").casefold()
        if bare in PAST_TENSE or (bare.endswith("ed") and len(bare) > 4 and word.islower()):
            return " ".join([*words[:number], "never", *words[number:]])
    first = plain if plain[1:2].isupper() else plain[0].lower() + plain[1:]
    return f"It is not true that {first}"


def change_a_word(quote: str, keep: set[str], rng: random.Random) -> str:
    """The quote with one word swapped for a near synonym (or two words reordered)."""
    words = [w for w in _WORD.findall(quote) if w.casefold() not in keep]
    for word in words:
        if word.casefold() in SYNONYMS:
            return replace_once(quote, word, SYNONYMS[word.casefold()])
    if re.search(r"\bthe\b", quote):
        return re.sub(r"\bthe\b", "a", quote, count=1)
    candidates = [w for w in words if len(w) > 3]
    if len(candidates) >= 2:
        first, second = candidates[0], candidates[1]
        return quote.replace(f"{first} {second}", f"{second} {first}", 1)
    return quote + " always"


def applicable(sentence: Sentence) -> list[str]:
    kinds = ["final_stop"]
    if sentence.plain != " ".join(sentence.text.split()):
        kinds.append("emphasis")
    if re.search(r"['\"]| - |--", sentence.text):
        kinds.append("typographic")
    if "\n" in sentence.text or sentence.following:
        kinds.append("line_breaks")
    if len(sentence.plain.split()) >= 12:
        kinds.append("ellipsis")
    return kinds


def misquote(sentence: Sentence, kind: str, keep: set[str], rng: random.Random) -> str:
    """The sentence quoted with one deviation of `kind` (see the module docstring)."""
    text = sentence.text
    if kind == "emphasis":
        return _LINK.sub(
            r"\1", _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)
        )
    if kind == "typographic":
        text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
        return text.replace("'", "\u2019").replace(" - ", " \u2013 ").replace("--", "\u2014")
    if kind == "line_breaks":
        joined = text + sentence.following if sentence.following else text
        return " ".join(joined.split())
    if kind == "final_stop":
        return text[:-1] if text.endswith(".") else text
    if kind == "ellipsis":
        spans = list(re.finditer(r"\S+", text))
        free = [
            i
            for i in range(2, len(spans) - 5)
            if not any(content_words(spans[j].group()) & keep for j in range(i, i + 3))
        ]
        if free:
            i = rng.choice(free)
            mark = rng.choice(["...", "\u2026"])
            return text[: spans[i].start()] + mark + " " + text[spans[i + 3].start() :]
        return text
    raise ValueError(kind)
