"""Verifying that a question's `source_quote` really is in the module content.

Matching is exact after a deliberately small normalisation: whitespace runs, typographic quote
marks, dash variants, soft hyphens and zero-width characters, and words hyphenated across a
line break. Nothing looser: a quote with one word changed is not found. The normalised text keeps
a map back to original offsets, so a found quote can say which source it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from quizgen.content import ModuleContent

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[^\W\d_])")


@dataclass(frozen=True)
class Citation:
    source: str | None
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "start": self.start, "end": self.end}


_NON_SPACE = re.compile(r"\S+")


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the offset it came from."""
    if not _INVISIBLE.intersection(text) and _LINE_BREAK_HYPHEN.search(text) is None:
        return _normalise_spacing(text)
    joins = {m.start(): m.end() for m in _LINE_BREAK_HYPHEN.finditer(text)}
    out: list[str] = []
    origin: list[int] = []
    index = 0
    length = len(text)
    while index < length:
        if index in joins:
            index = joins[index]
            continue
        char = text[index]
        if char in _INVISIBLE:
            index += 1
            continue
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(index)
            index += 1
            continue
        out.append(char.translate(_QUOTES))
        origin.append(index)
        index += 1
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _normalise_spacing(text: str) -> tuple[str, list[int]]:
    """`normalise` for text with nothing to join or drop: runs of whitespace become one space
    (mapped to the run's first character), quote marks and dashes are translated one to one."""
    tokens: list[str] = []
    origin: list[int] = []
    previous_end = 0
    for match in _NON_SPACE.finditer(text):
        if tokens:
            origin.append(previous_end)
        tokens.append(match.group())
        origin.extend(range(match.start(), match.end()))
        previous_end = match.end()
    return " ".join(tokens).translate(_QUOTES), origin


_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))


def normalise_text(text: str) -> str:
    """`normalise(text)[0]` without the offset map: the same text, built with str methods
    instead of a character loop, for the many short quotes checked against one content."""
    joined = _LINE_BREAK_HYPHEN.sub("", text).translate(_DROP_INVISIBLE)
    return " ".join(joined.split()).translate(_QUOTES)


@lru_cache(maxsize=256)
def _normalised_content(text: str) -> tuple[str, tuple[int, ...]]:
    normal, origin = normalise(text)
    return normal, tuple(origin)


def find_quote(quote: str, content: ModuleContent) -> Citation | None:
    """Where `quote` stands in `content`, or None when it is not there verbatim."""
    needle = normalise_text(quote)
    needle = needle.strip(" \"'")
    if not needle:
        return None
    haystack, origin = _normalised_content(content.text)
    at = haystack.find(needle)
    if at < 0:
        return None
    start = origin[at]
    end = origin[at + len(needle) - 1] + 1
    return Citation(content.source_at(start), start, end)
