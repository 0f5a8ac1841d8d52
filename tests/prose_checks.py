"""Independent readings of what reaches review on plain prose: give-away pairs and statements
that contradict themselves. Written from the issue's definitions, not from the mock's code.

- A give-away: one question's visible text (stem, statement, options) holds another's answer in
  the sense that question asks it — the key of a fill-in or multiple choice together with most of
  the fact around it ("Alfred Wegener proposed … in [blank_1]" beside a statement "Alfred Wegener
  proposed the idea of continental drift in 1912").
- A self-contradiction: a statement naming two kinds of one thing ("the convergent boundary is a
  divergent boundary") where its source sentence names only one of them.
"""

from __future__ import annotations

import itertools
import re

_STOP_TEXT = """a an the of in on at to and or is are was were be by for from with as that which
    this these those it its their his her into over under than then so such each every one two all
    about after before when where while because not no"""
STOP = set(_STOP_TEXT.split())
BLANK = re.compile(r"\[blank_\d+\]|_{3,}")


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def visible(question: dict) -> str:
    """The stem, and the options when they are statements (multiple answer); a multiple-choice
    option is one term among others and tells nothing by itself."""
    parts = [question.get("question_text", "")]
    if "options" in question and not keyed_fact(question):
        parts += [o["text"] for o in question["options"] if "text" in o]
    return " ".join(parts)


def keyed_fact(question: dict) -> tuple[str, str] | None:
    """(key, the fact with the key in place) of a fill-in or multiple choice; else None."""
    text = question.get("question_text", "")
    if "blanks" in question:
        key = question["blanks"][0]["answers"][0]
    elif "options" in question and sum(o.get("correct", False) for o in question["options"]) == 1:
        key = next(o["text"] for o in question["options"] if o["correct"])
        if not BLANK.search(text):
            return None
    else:
        return None
    return key, BLANK.sub(key, text, count=1)


def contains(text: str, phrase: str) -> bool:
    pattern = r"\s+".join(map(re.escape, phrase.split()))
    return re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, re.IGNORECASE) is not None


def gives_away(asker: dict, other: dict, share: float = 0.6) -> bool:
    """Whether `other` shows the answer to `asker` along with most of the asked fact."""
    found = keyed_fact(asker)
    if found is None:
        return False
    key, fact = found
    shown = visible(other)
    if not contains(shown, key):
        return False
    around = content(fact) - content(key)
    return bool(around) and len(around & content(shown)) / len(around) >= share


def give_away_pairs(questions: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["question_text"], b["question_text"])
        for a, b in itertools.permutations(questions, 2)
        if gives_away(a, b)
    ]


def contradicts_itself(statement: str, quote: str) -> bool:
    """Two "<modifier> <head>" phrases with one head and different modifiers, where the source
    sentence does not hold both."""
    tokens = words(statement)
    source = " ".join(words(quote))
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(tokens)
        if len(b) >= 4 and a not in STOP and b not in STOP and a != b
    ]
    for (m1, h1), (m2, h2) in itertools.combinations(pairs, 2):
        both_in_source = f"{m1} {h1}" in source and f"{m2} {h2}" in source
        if h1 == h2 and m1 != m2 and not both_in_source:
            return True
    return False
