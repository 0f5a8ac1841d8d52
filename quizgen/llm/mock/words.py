"""Word lists and tiny text helpers the mock reads prose with (its own, not quizgen's checks).

A real model brings its own sense of grammar; the mock brings these lists. They are small on
purpose: a word the lists miss only costs the mock a question, never a wrong one.
"""

from __future__ import annotations

import functools
import re

_SPLIT = str.split

CACHE_WORDS = 1024
"""Entries of each word cache: bounded, so a long run's memory stays flat."""

STOP = frozenset(
    _SPLIT(
        """a an the this that these those each every its their his her our your my some many
        most few several all both no another other such any of in on at for from by with to
        into onto about between among through across over under within without beneath behind
        toward towards near during before after until since than as like and or but nor so yet
        because while when where which who whom whose what why how if though although unless
        whether it they he she we you i them him us there here is are was were be been being has
        have had do does did can could will would may might must shall should not never also
        only often usually still even just very more less much then too up down out off again
        once per via around along against upon inside outside instead back one
        according"""
    )
)
DETERMINERS = frozenset(
    _SPLIT(
        """the a an this these those each every its their his her our your some many most few
        several all both another such other one two three four five six seven eight nine ten"""
    )
)
PREPOSITIONS = frozenset(
    _SPLIT(
        """of in on at for from by with to into onto about between among through across over
        under within without beneath behind toward towards near during before after since as
        like than around along against upon inside outside"""
    )
)
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
    "hundreds": 100,
    "thousand": 1000,
    "thousands": 1000,
    "million": 10**6,
    "millions": 10**6,
    "billion": 10**9,
    "billions": 10**9,
}
UNITS = frozenset(
    _SPLIT(
        """bc ad bce ce percent per cent % bits bytes years months days hours minutes seconds
        metres meters kilometres kilometers km miles degrees kg grams litres people times"""
    )
)
ERAS = frozenset(("bc", "ad", "bce", "ce"))

_VERB_BASES = frozenset(
    _SPLIT(
        """be have do make take give go come get let put set keep hold bring begin end start
        stop run move float flow rise fall sink slide push pull grow form build break carry
        send forward deliver translate encrypt travel span use turn release cool heat condense
        gather reach soak become store lead serve command advise control refuse gain protect
        write read display fight cross defeat propose reject explain show fill produce happen
        identify exchange connect provide drive cover contain include allow help need want
        make pass drop return change create divide join leave lose win meet seem appear say
        tell ask call know think feel find see look work play live die eat drink sleep stay
        cause mean act add remain follow open close arrive check resend lie expel swim climb
        mark range sit stand shape print link share serve replace vary absorb emit melt freeze
        evaporate precipitate transport transfer enter exit erupt shake collide separate spread
        occur depend rely consist require rest"""
    )
)
_IRREGULAR_PAST = frozenset(
    _SPLIT(
        """was were had did made took gave went came got let put set kept held brought began
        ended ran rose fell sank slid grew built broke sent led fought wrote read became drove
        stood won lost met left said told thought felt found saw lay ate drank slept meant
        shook swam spread"""
    )
)

AUXILIARIES = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
    ]
)

WORD = re.compile(r"[^\W_][\w'’.-]*[^\W_]|[^\W_]")
"""A word with inner apostrophes, dots and hyphens ("other's", "example.com", "Wi-Fi")."""


@functools.lru_cache(maxsize=CACHE_WORDS)
@functools.lru_cache(maxsize=CACHE_WORDS)
def is_verb(word: str) -> bool:
    """Whether a lower-case word reads as a verb form ("connects", "rejected", "led")."""
    if word in _IRREGULAR_PAST or word in _VERB_BASES:
        return True
    for suffix, add in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e")):
        if word.endswith(suffix) and word[: -len(suffix)] + add in _VERB_BASES:
            return True
    if word.endswith("ing") and (word[:-3] in _VERB_BASES or word[:-3] + "e" in _VERB_BASES):
        return True
    return word.endswith("ed") and len(word) > 5


def is_plural(word: str) -> bool:
    word = word.casefold()
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "ics"))


@functools.lru_cache(maxsize=CACHE_WORDS)
def fold(text: str) -> str:
    """Case, punctuation and spacing folded away: how the mock tells two questions apart."""
    return " ".join(_WORD_CHARS.findall(text.casefold()))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=CACHE_WORDS)
def stem(word: str) -> str:
    """A rough stem, so "plates" and "plate" are one word to the mock."""
    word = word.casefold()
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_WORD_CHARS = re.compile(r"[^\W_]+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ITALIC = re.compile(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])")


@functools.lru_cache(maxsize=CACHE_WORDS)
def content_stems(text: str) -> frozenset[str]:
    """The stems of a text's content words (function words left out)."""
    return frozenset(stem(w) for w in _WORD_CHARS.findall(text.casefold()) if w not in STOP)


def plain_text(raw: str) -> str:
    """Markdown emphasis, code and link markup removed, spaces collapsed."""
    text = _LINK.sub(r"\1", raw)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = _ITALIC.sub(r"\1", text)
    return " ".join(text.split())
