"""Answering a verification request as the mock would: from the quote alone, by its words.

Multiple choice: the option the quote contains word for word, else the one covering most of the
quote's words the stem lacks (a tie is "?"). Multiple answer: the options whose words the quote
holds. True/false: true when the quote holds every content word of the statement, with the same
negation. Fill in the blank: the quote's words where the question has its markers.
Deterministic, so `--verify` runs are testable offline. The mock's own reading of words, not
quizgen's grounding check.
"""

from __future__ import annotations

import re
from typing import Any

from quizgen.llm.base import VerificationItem
from quizgen.llm.mock.words import content_stems

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NEGATION = re.compile(r"(?<!\w)(?:not|no|never|none|nor|cannot|without)(?!\w)|n['’]t(?!\w)", re.I)
_MARKER = re.compile(r"\[blank_\d+\]")


def _plain(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return " ".join(text.replace("**", "").replace("__", "").replace("`", "").split())


def _negated(text: str) -> bool:
    return _NEGATION.search(text) is not None


def _share(claim: str, words: set[str]) -> float:
    own = content_stems(claim)
    return len(own & words) / len(own) if own else 0.0


def _holds(claim: str, quote: str) -> bool:
    words = content_stems(quote)
    return (content_stems(claim)) <= words and _negated(claim) == _negated(quote)


def verify_answer(item: VerificationItem) -> dict[str, Any]:
    """The answer to one verification item; see the module docstring."""
    answer: list[str]
    if item.question_type == "multiple_choice":
        plain = _plain(item.quote).casefold()
        quote_words = content_stems(item.quote)
        rest = quote_words - (content_stems(item.question_text))
        scores = [
            (
                " ".join(option.casefold().split()) in plain,
                _share(option, rest),
                _share(option, quote_words),
            )
            for option in item.options
        ]
        best = max(scores, default=(False, 0.0, 0.0))
        winners = [i for i, score in enumerate(scores) if score == best]
        found = best[0] or best[1] > 0
        answer = [_LETTERS[winners[0]]] if found and len(winners) == 1 else ["?"]
    elif item.question_type == "multiple_answer":
        picked = [
            _LETTERS[i] for i, option in enumerate(item.options) if _holds(option, item.quote)
        ]
        answer = picked or ["?"]
    elif item.question_type == "true_false":
        answer = ["true" if _holds(item.question_text, item.quote) else "false"]
    else:
        answer = _fill_blanks(item.question_text, item.quote, item.blanks)
    return {"number": item.number, "answer": answer}


def _fill_blanks(question_text: str, quote: str, blanks: int) -> list[str]:
    """The quote's words where each marker stands: the question read against the quote as a
    whole, else found by the few words around each marker."""
    plain = _plain(quote)
    if blanks == 1 and len(_MARKER.split(question_text)) == 2:
        single = _one_gap(plain, *_MARKER.split(question_text))
        if single is not None:
            return [single]
    parts = _MARKER.split(question_text.replace("…", " "))
    whole = r"\s*(.+?)\s*".join(r"\s+".join(map(re.escape, p.split())) for p in parts)
    found = re.search(whole.strip(), plain, re.IGNORECASE)
    if found is not None and len(found.groups()) == blanks:
        return [group.strip(" ,.;:") for group in found.groups()]
    answers = []
    for number in range(1, len(parts)):
        before = parts[number - 1].split()
        after = parts[number].split()
        answers.append(_gap_in(plain, before, after) or "?")
    return answers[:blanks] if len(answers) >= blanks else ["?"] * max(1, blanks)


def _loose(text: str) -> str:
    return r"\s*".join(re.escape(token) for token in text.split())


def _one_gap(plain: str, before: str, after: str) -> str | None:
    """The fewest words of the quote between all of `before` and all of `after`. An empty side
    is the sentence's start or end, unless an ellipsis stands there (a question showing only part
    of its sentence, "… [blank_1] when it carries two alleles.")."""
    cut_before, cut_after = before.strip().startswith("…"), after.strip().endswith("…")
    before, after = before.strip(" …"), after.strip(" …").rstrip(".").strip()
    edge = r"(?<![\w'’-])"
    if before:
        head = edge + _loose(before) + (r"\s+" if before[-1:].isalnum() else r"\s*")
    else:
        head = edge if cut_before else r"^\W*"
    if after:
        tail = (r"\s+" if after[:1].isalnum() else r"\s*") + _loose(after)
    else:
        tail = r"(?![\w'’-])" if cut_after else r"\W*$"
    for words in range(1, 6):
        gap = rf"([^\W_][\w'’-]*(?:\s+[\w'’-]+){{{words - 1}}})"
        found = re.search(head + gap + tail, plain, re.IGNORECASE)
        if found:
            return found.group(1)
    return None


def _gap_in(plain: str, before: list[str], after: list[str]) -> str | None:
    for width in (3, 2, 1):
        head = r"\s+".join(re.escape(w) for w in before[-width:])
        trimmed = [w.rstrip(".,;:!?") for w in after[:width]]
        tail = r"\s+".join(re.escape(w) for w in trimmed if w)
        gap = r"([\w'-]+(?:\s+[\w'-]+){0,2}?)" if tail else r"([\w'-]+)"
        pattern = r"(?<![\w'-])" + (head + r"\s+" if head else "") + gap
        pattern += r"\s+" + tail if tail else ""
        found = re.search(pattern, plain, re.IGNORECASE)
        if found:
            return found.group(1)
    return None
