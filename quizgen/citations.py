"""Verifying that a question's `source_quote` really is in the module content.

Matching is exact after a deliberately small normalisation: whitespace runs, typographic quote
marks, dash variants, soft hyphens and zero-width characters, and words hyphenated across a
line break. Nothing looser: a quote with one word changed is not found. The normalised text keeps
a map back to original offsets, so a found quote can say which source it came from.
"""

from __future__ import annotations

import bisect
import re
import sys
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
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# Everything that changes length when normalised: a word hyphenated across a line break,
# runs of invisible characters, runs of whitespace. The rest maps one to one.
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[^\W\d_])")
# A lone space maps to itself, so only longer runs and other whitespace are changes.
_INVISIBLE_RUN = rf"[\s{_INVISIBLE}]*[{_INVISIBLE}][\s{_INVISIBLE}]*"
_CHANGES = re.compile(rf"{_LINE_BREAK_HYPHEN.pattern}|{_INVISIBLE_RUN}|\s{{2,}}|[^\S ]")


@dataclass(frozen=True)
class Citation:
    source: str | None
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus a piecewise map back to the original offsets.

    `breaks[i] = (normalised offset, original offset)` where a run of changed characters ends;
    between breaks the two texts advance together. A few breaks per line instead of one entry
    per character keeps this fast and small for long module texts.
    """

    text: str
    breaks: tuple[tuple[int, int], ...]

    def original_offset(self, index: int) -> int:
        position = bisect.bisect_right(self.breaks, (index, sys.maxsize)) - 1
        normal_at, original_at = self.breaks[position]
        return original_at + (index - normal_at)


def normalise(text: str) -> NormalisedText:
    parts: list[str] = []
    breaks: list[tuple[int, int]] = [(0, 0)]
    length = 0
    last = 0
    ends_in_space = True  # so leading whitespace is dropped
    for match in _CHANGES.finditer(text):
        kept = text[last : match.start()]
        if kept:
            parts.append(kept)
            length += len(kept)
            ends_in_space = kept.endswith(" ")
        token = match.group()
        has_space = not token.startswith("-") and any(char.isspace() for char in token)
        if has_space and not ends_in_space:
            parts.append(" ")
            length += 1
            ends_in_space = True
        last = match.end()
        breaks.append((length, last))
    parts.append(text[last:])
    return NormalisedText("".join(parts).translate(_QUOTES), tuple(breaks))


_DROP_INVISIBLE = str.maketrans(dict.fromkeys(_INVISIBLE))


def normalised_quote(quote: str) -> str:
    """The same normalisation as `normalise`, without the offset map: quotes are short and
    many, so this stays in C-level string operations."""
    text = _LINE_BREAK_HYPHEN.sub("", quote).translate(_DROP_INVISIBLE).translate(_QUOTES)
    return " ".join(text.split()).strip(" \"'")


@lru_cache(maxsize=512)
def _normalised_content(text: str) -> NormalisedText:
    return normalise(text)


def find_quote(quote: str, content: ModuleContent) -> Citation | None:
    """Where `quote` stands in `content`, or None when it is not there verbatim."""
    needle = normalised_quote(quote)
    if not needle:
        return None
    haystack = _normalised_content(content.text)
    at = haystack.text.find(needle)
    if at < 0:
        return None
    start = haystack.original_offset(at)
    end = haystack.original_offset(at + len(needle) - 1) + 1
    return Citation(content.source_at(start), start, end)
