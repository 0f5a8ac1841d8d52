"""Pure helpers the question types build their checks from.

The helpers look at plain strings, so a type's check is a few lines saying which texts to look at
and what to call them in the message ("option", "distractor", "prompt"). Two stem checks apply to
every type as they stand and live here.

Comparisons go through `normalise`: case, spacing and sentence punctuation never make two options
different, so "Golgi apparatus." and "golgi  apparatus" are the same option to a student.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

from quizgen.questions.base import Problem, QuestionBase

MIN_STEM_CHARS = 10
MIN_STEM_WORDS = 3
MIN_LEAK_CHARS = 4
"""Shorter answers ("ATP", "DNA", "O") appear in ordinary stems too often to call a leak."""

# Punctuation that carries no meaning in an answer. `+`, `%`, `°`, `#` and the like are kept
# ("Na+" and "Na" are different answers); a hyphen is a separator only between characters, so
# "T-cell" equals "T cell" but "Cl-" stays apart from "Cl".
_END_PUNCTUATION = " \t\n.,;:!?…\"'“”‘’«»()[]{}–—"
_INNER_SEPARATORS = re.compile(r"""[\s.,;:!?…"'“”‘’«»()\[\]{}/_\-–—]+(?=.)""")

_PLACEHOLDER = re.compile(
    r"""^(?:
        (?:question|option|answer|choice|alternative|item|category|statement|prompt|distractor
          |blank|text|spørsmål|alternativ|svar|kategori|påstand)(?:\s(?:[a-e]|\d+))?
      | (?:todo|tbd|fixme|placeholder)\b.* | insert\s(?:question|answer|option|text|here)\b.*
      | x{3,} | n\sa | sample\s(?:question|answer|text)
    )$""",
    re.VERBOSE,
)

_LETTERS = r"(?:(?:options?|alternativ(?:ene)?)\s)?[a-e]"
_META_OPTION = re.compile(
    rf"""^(?:
        (?:all|none|any|neither)\sof\s(?:the\s)?(?:above|below|these|those|them)
          (?:\s(?:options|answers|choices|alternatives))?(?:\s(?:are|is)\s(?:correct|true|right))?
      | (?:all|none|any|neither)\sof\sthe\s(?:options|answers|choices|alternatives)(?:\sabove)?
      | (?:all|none|both|neither)(?:\sof\s(?:them|these))?\s(?:are|is)\s(?:correct|true|right)
      | both | neither | both\sof\s(?:them|these) | all\sthe\sabove
      | (?:both\s|either\s|neither\s|både\s|enten\s)?{_LETTERS}
          (?:(?:\s(?:and|or|nor|og|eller|&))?\s{_LETTERS})+
      | (?:alle|ingen\sav)\s(?:de\s|dei\s)?(?:ovennevnte|ovannemnde|ovenfor|over)
          (?:\s(?:alternativene|alternativa|svarene|svara))?
      | (?:alle|ingen\sav)\s(?:alternativene|alternativa|svarene|svara|disse|dem|delene)
          (?:\s(?:over|ovenfor))?
      | (?:alt|ingenting)\s(?:av\s)?det\sovennevnte
      | (?:alle|begge|ingen)(?:\sav\sdem)?\s(?:er\s)?(?:riktige?|korrekte?|rett|sanne?)
      | begge(?:\sdeler)? | ingen\sav\sdem
    )$""",
    re.VERBOSE,
)


CACHED_TEXTS = 4096
"""Texts whose normal form and placeholder tests are kept. The same strings are looked at ~35
times while one question is checked, so a few thousand entries catch nearly every repeat; a
larger cache only held a whole run's texts (a 20,000-question run peaked ~10 MB higher)."""


@functools.lru_cache(maxsize=CACHED_TEXTS)
def normalise(text: str) -> str:
    """The form two texts are compared in: case-folded, spacing and sentence punctuation collapsed.

    Leading and trailing punctuation is dropped and inner runs of spaces, dots, commas, quotes,
    brackets, slashes and hyphens become one space. Letters and digits in any script are kept.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().strip(_END_PUNCTUATION)
    return _INNER_SEPARATORS.sub(" ", folded).strip()


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
"""What `str.isalnum` accepts, one character (a word character but the underscore)."""


def is_blank_text(text: str) -> bool:
    """True when the text has no letter or digit at all ("...", "—", "?")."""
    return _LETTER_OR_DIGIT.search(text) is None


_PLACEHOLDER_STARTS = (
    "question", "option", "answer", "choice", "alternativ", "item", "category", "statement",
    "prompt", "distractor", "blank", "text", "spørsmål", "svar", "kategori", "påstand", "todo",
    "tbd", "fixme", "placeholder", "insert", "xxx", "n", "sample",
)  # fmt: skip
"""How every text `_PLACEHOLDER` matches begins, once normalised."""
_LEADING_SEPARATORS = re.compile(r"""[\s.,;:!?…"'“”‘’«»()\[\]{}/_\-–—]*""")
"""What `normalise` drops from the start of a text: `_END_PUNCTUATION` and `_INNER_SEPARATORS`."""


@functools.lru_cache(maxsize=CACHED_TEXTS)
def is_placeholder(text: str) -> bool:
    """True for text standing in for content: "Question 1", "Option B", "TODO", "lorem ipsum".

    Blank text ("...") counts as a placeholder.
    """
    # Most texts begin like no placeholder: decided without the rest of `normalise`.
    folded = unicodedata.normalize("NFKC", text).casefold()
    leading = _LEADING_SEPARATORS.match(folded)
    start = folded[leading.end() :] if leading else folded
    if "lorem" not in folded and not start.startswith(_PLACEHOLDER_STARTS):
        return is_blank_text(text)
    normalised = normalise(text)
    if "lorem ipsum" in normalised:
        return True
    return is_blank_text(text) or bool(_PLACEHOLDER.match(normalised))


@functools.lru_cache(maxsize=CACHED_TEXTS)
def is_meta_option(text: str) -> bool:
    """True for options that refer to the other options instead of answering.

    Only whole options match: "None of the above", "Both A and B", "Alle de ovennevnte",
    "Begge". "Both cells divide by mitosis" and a bare "None" (a valid count) do not.
    """
    return bool(_META_OPTION.match(normalise(text)))


def appears_in(answer: str, text: str) -> bool:
    """True when `answer` (≥ 4 characters) occurs in `text` as a whole word or phrase, any case."""
    words = answer.split()
    if len(answer) < MIN_LEAK_CHARS or not words:
        return False
    if " ".join(words).casefold() not in " ".join(text.split()).casefold():
        return False  # the common case, decided without compiling a pattern per answer
    phrase = r"\s+".join(re.escape(word) for word in words)
    return re.search(rf"(?<!\w){phrase}(?!\w)", text, re.IGNORECASE) is not None


def duplicate_groups(
    texts: Sequence[str], key: Callable[[str], str] = normalise
) -> list[list[int]]:
    """1-based positions of texts sharing a key, one list per repeated key, in first-use order."""
    keys = [key(text) for text in texts]
    if len(set(keys)) == len(keys):
        return []  # the common case
    positions: dict[str, list[int]] = {}
    for number, text_key in enumerate(keys, start=1):
        positions.setdefault(text_key, []).append(number)
    return [group for group in positions.values() if len(group) > 1]


def numbers(positions: Iterable[int]) -> str:
    """ "1", "1 and 3", "1, 2 and 4" — for messages."""
    words = [str(position) for position in positions]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def quoted(text: str, limit: int = 60) -> str:
    """The text in quotes, cut to `limit` characters, for messages."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# -- problems over a list of texts ------------------------------------------------------------


def duplicate_problems(texts: Sequence[str], what: str, code: str) -> Iterator[Problem]:
    """One problem per set of texts that are the same after normalisation."""
    for group in duplicate_groups(texts):
        yield Problem(
            code,
            f"{what}s {numbers(group)} are the same after normalising case, spacing and "
            f"punctuation ({quoted(texts[group[0] - 1])})",
        )


def placeholder_problems(texts: Sequence[str], what: str) -> Iterator[Problem]:
    """One problem per text that is a placeholder instead of real content."""
    for number, text in enumerate(texts, start=1):
        if is_placeholder(text):
            yield Problem("placeholder_text", f"{what} {number} is a placeholder: {quoted(text)}")


def meta_option_problems(texts: Sequence[str], what: str) -> Iterator[Problem]:
    """One problem per "all/none of the above"-style text."""
    for number, text in enumerate(texts, start=1):
        if is_meta_option(text):
            yield Problem(
                "all_none_of_above",
                f"{what} {number} ({quoted(text)}) refers to the other {what}s instead of "
                "answering; write a real answer",
            )


# -- checks every question type runs on its stem ----------------------------------------------


def stem_is_not_placeholder(question: QuestionBase) -> Iterator[Problem]:
    if is_placeholder(question.question_text):
        yield Problem(
            "placeholder_text", f"question text is a placeholder: {quoted(question.question_text)}"
        )


def stem_is_long_enough(question: QuestionBase) -> Iterator[Problem]:
    """A stem under 10 characters or 3 words cannot pose a question (placeholders are reported
    by `stem_is_not_placeholder` instead)."""
    text = question.question_text
    if is_placeholder(text):
        return
    if len(text) < MIN_STEM_CHARS or len(text.split()) < MIN_STEM_WORDS:
        yield Problem(
            "too_short",
            f"question text {quoted(text)} is too short; it needs at least "
            f"{MIN_STEM_CHARS} characters and {MIN_STEM_WORDS} words",
        )


STEM_CHECKS = (stem_is_not_placeholder, stem_is_long_enough)
