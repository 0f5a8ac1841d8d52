"""Verifying that a question's `source_quote` really is in the module content.

A quote is found when it equals a span of the content after normalising what carries no meaning
to a reader, on both sides alike:
- Markdown emphasis (`**`, `*`, `__`, `_`, `~~`), inline code backticks and link markup
  (`[text](url)` reads as `text`);
- quote marks around words (straight or typographic, double or single), and the form of an
  apostrophe inside a word ("cell’s" is "cell's"); every dash, with or without spaces
  around it ("cells — the", "cells - the", "cells--the");
- runs of whitespace and line breaks, soft hyphens and zero-width characters, ligatures (PDF);
- a word hyphenated across a line break ("mito-\\nchondria"), also when the quote keeps the
  hyphen ("mito-chondria");
- letter case;
- a missing or extra final full stop (and quote marks wrapped around the whole quote);
- an ellipsis ("...", "…", "[…]") standing for words left out inside the quote: the parts must
  appear in order, close together.

Changed, added or reordered words are never normalised away, so such a quote is not found.

The content is normalised once per module text (cached) together with a piecewise map back to
the original offsets; the citation stored is the exact original span, which `show` prints.
Everything here is linear in the text: one regex pass to normalise, `str.find` to search.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quizgen.content import ModuleContent

_ONE_TO_ONE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_MARK = r"(?:\*{1,3}|_{1,3}|~~)"
# Every change of length or form, one alternative per kind; the rest of the text maps one to one
# (apart from the one-to-one translation of quote marks and letter case, applied afterwards).
_CHANGES = re.compile(
    rf"""
    (?=[\[\]!*_~`"'\s{_DASHES}{_INVISIBLE}\u2018-\u201f\u2032\u2033\u00ab\u00bb\u00b4\u2026\ufb00-\ufb06])
    (?:
      (?P<link_open>!?\[(?=[^\]\n]*\]\([^)\n]*\)))
    | (?P<link_tail>\]\([^)\n]*\))
    | (?P<line_break_hyphen>(?<=[^\W\d_])[\-\u00ad\u2010\u2011][ \t]*\r?\n\s*(?=[^\W\d_]))
    | (?P<dash>[ \t]*[{_DASHES}]+\s*)
    | (?P<mark_open>(?<![\w*_~`]){_MARK}(?=[^\s*_~]))
    | (?P<mark_close>(?<=[^\s*_~]){_MARK}(?![\w*_~]))
    | (?P<code>`+)
    | (?P<quote_mark>["\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]
        | (?<![^\W_])['\u2018\u2019\u201a\u201b\u2032\u00b4]
        | ['\u2018\u2019\u201a\u201b\u2032\u00b4](?![^\W_]))
    | (?P<invisible>[\s{_INVISIBLE}]*[{_INVISIBLE}][\s{_INVISIBLE}]*)
    | (?P<space>\s{{2,}}|[^\S ])
    | (?P<ligature>[\ufb00-\ufb06])
    | (?P<ellipsis>\u2026)
    )
    """,
    re.VERBOSE,
)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\(\s*\.\.\.\s*\)|\.\s?\.\s?\.)\s*")
_END_TRIM = " \"'.,;:"
_WRAPPING = " \t\n\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_INNER_HYPHEN = re.compile(r"(?<=[^\W\d_])- ?(?=[^\W\d_])")
MAX_OMITTED = 300
"""At most this many normalised characters may stand behind one ellipsis."""
_MAX_STARTS = 64
"""How many places of an ellipsis quote's first part are tried: keeps a search linear."""


def _replacement(match: re.Match[str]) -> str:
    kind = match.lastgroup
    token = match.group()
    if kind == "dash":
        return "-"
    if kind == "invisible":
        return " " if any(char.isspace() for char in token) else ""
    if kind == "space":
        return " "
    if kind == "ligature":
        return _LIGATURES[token]
    if kind == "ellipsis":
        return "..."
    return ""  # markup, code marks, a hyphen at a line break


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

    Segment i starts at normalised offset `starts[i]` and original offset `origins[i]`; an
    identity segment advances with the original, a replaced one (`ends[i] >= 0`) maps as a whole
    to the original characters `origins[i]:ends[i]`. A few segments per line instead of one entry
    per character keeps this fast and small for long module texts.
    """

    text: str
    starts: Sequence[int]
    origins: Sequence[int]
    ends: Sequence[int]
    """Arrays of machine integers: a module's map is kept for the whole run, and an int object
    costs 28 bytes plus its pointer where an array holds it in 8."""

    def original_start(self, index: int) -> int:
        """Original offset where the normalised character at `index` begins."""
        segment = bisect.bisect_right(self.starts, index) - 1
        if self.ends[segment] >= 0:
            return self.origins[segment]
        return self.origins[segment] + index - self.starts[segment]

    def original_end(self, end: int) -> int:
        """Original offset just after the normalised character at `end - 1`."""
        segment = bisect.bisect_right(self.starts, end - 1) - 1
        if self.ends[segment] >= 0:
            return self.ends[segment]
        return self.origins[segment] + end - self.starts[segment]


def _fold(text: str) -> str:
    """Quote marks made straight and letters lower-cased, without changing the length."""
    text = text.translate(_ONE_TO_ONE)
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


def normalise(text: str) -> NormalisedText:
    """The normalised form of a module text, with its map back to the original."""
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    length = 0
    ends_in_space = True  # so leading whitespace is dropped

    def identity(at: int, stop: int) -> None:
        nonlocal length, ends_in_space
        if at < stop and ends_in_space and text[at] == " ":
            at += 1  # a space after a space (left where markup was removed between two)
        if at >= stop:
            return
        starts.append(length)
        origins.append(at)
        ends.append(-1)
        parts.append(text[at:stop])
        length += stop - at
        ends_in_space = text[stop - 1] == " "

    last = 0
    for match in _CHANGES.finditer(text):
        identity(last, match.start())
        last = match.end()
        token = match.group()
        new = _replacement(match)
        if new == token:
            identity(match.start(), last)
            continue
        if new == " " and ends_in_space:
            new = ""
        starts.append(length)
        origins.append(match.start())
        ends.append(last)
        if new:
            parts.append(new)
            length += len(new)
            ends_in_space = new.endswith(" ")
    identity(last, len(text))
    if not starts:
        starts, origins, ends = [0], [0], [-1]
    return NormalisedText(
        _fold("".join(parts)), array("q", starts), array("q", origins), array("q", ends)
    )


# A cheap character-class scan: most quotes hold none of these, and skip the full pattern.
_MAYBE_CHANGED = re.compile(
    rf"""[\[\]*_~`'"{_DASHES}{_INVISIBLE}\u2018-\u201f\u2032\u2033\u00ab\u00bb\u00b4\u2026\ufb00-\ufb06]
    |\s\s|[^\S ]""",
    re.VERBOSE,
)


def normalised_quote(quote: str) -> str:
    """The same normalisation as `normalise`, without the offset map (quotes are short)."""
    if _MAYBE_CHANGED.search(quote) is None:
        return _fold(quote.strip(" "))
    return _fold(" ".join(_CHANGES.sub(_replacement, quote).split()))


@lru_cache(maxsize=512)
def _normalised_content(text: str) -> NormalisedText:
    return normalise(text)


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
"""One character `str.isalnum` accepts (a word character but the underscore)."""


def quote_parts(quote: str) -> list[str]:
    """The normalised parts of a quote that must appear in order: one part, or several where an
    ellipsis stands for omitted words. Wrapping quote marks and final punctuation are dropped."""
    needle = normalised_quote(quote)
    parts = [part.strip(_END_TRIM) for part in _ELLIPSIS.split(needle)]
    return [part for part in parts if _LETTER_OR_DIGIT.search(part)]


def find_span(parts: list[str], haystack: str) -> tuple[int, int] | None:
    """Normalised (start, end) of `parts` found in order in `haystack`, each within
    `MAX_OMITTED` characters of the one before; None when they are not there."""
    if not parts:
        return None
    first, rest = parts[0], parts[1:]
    at = haystack.find(first)
    tries = 0
    while at >= 0 and tries < _MAX_STARTS:
        end = at + len(first)
        for part in rest:
            found = haystack.find(part, end, end + MAX_OMITTED + len(part))
            if found < 0:
                break
            end = found + len(part)
        else:
            return at, end
        if not rest:
            break
        tries += 1
        at = haystack.find(first, at + 1)
    return None


def find_quote(quote: str, content: ModuleContent) -> Citation | None:
    """Where `quote` stands in `content`, or None when it is not there (see the module
    docstring for what is normalised)."""
    parts = quote_parts(quote)
    haystack = _normalised_content(content.text)
    span = find_span(parts, haystack.text)
    if span is None and any("-" in part for part in parts):
        # The quote may keep the hyphen of a word the content breaks across a line.
        span = find_span([_INNER_HYPHEN.sub("", part) for part in parts], haystack.text)
    if span is None:
        return None
    start = haystack.original_start(span[0])
    end = haystack.original_end(span[1])
    text = content.text
    if end < len(text) and text[end] in ".!?" and quote.rstrip(_WRAPPING).endswith(text[end]):
        end += 1  # the final full stop both have belongs to the passage
    return Citation(content.source_at(start), start, end)


def cited_text(content_text: str, citation: dict[str, object] | Citation | None) -> str | None:
    """The original passage a stored citation points at, or None when it cannot be read."""
    if citation is None:
        return None
    if isinstance(citation, Citation):
        start, end = citation.start, citation.end
    else:
        start, end = citation.get("start"), citation.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    if not 0 <= start < end <= len(content_text):
        return None
    return content_text[start:end]
