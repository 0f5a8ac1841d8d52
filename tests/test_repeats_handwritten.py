"""Repeats among hand-written questions: the index finds what the plain definition finds.

`test_duplicate_index.py` drives the repeat index with built word sets. Here the stems are
sentences of the biology notes (written by a person, not by the mock) and rewordings of them
as a person or another model would type them: typographic apostrophes and quotes, no-break and
thin spaces, fullwidth letters, ligatures, decomposed accents, shouting, a changed number, and
stems up to the 2,000 characters a question may hold. Each goes through `signature` as
screening computes it, and the index's answer (exact repeat, or the first kept stem of its
block at least the threshold alike with the same numbers) is compared with a plain loop over
every kept question, in blocks large enough that the prefix index, the positional filter and
grouped postings all take part.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from quizgen.checks.duplicates import (
    DUPLICATE_QUESTION,
    NEAR_DUPLICATE,
    SMALL_BLOCK,
    DuplicateIndex,
    Holder,
    Signature,
    _numbers_differ,
    signature,
)
from quizgen.questions import question_type

NOTES = Path(__file__).resolve().parents[1] / "examples" / "biology" / "content"


def _sentences() -> list[str]:
    found: list[str] = []
    for path in sorted(NOTES.glob("*.md")):
        text = re.sub(r"[*#`]", "", path.read_text(encoding="utf-8"))
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            sentence = " ".join(sentence.split()).lstrip("- ")
            if 40 <= len(sentence) <= 400 and "|" not in sentence:
                found.append(sentence)
    return found


def _rewordings(sentence: str, number: int) -> list[str]:
    """Ways a person or another model types the same statement, and a few that differ."""
    words = sentence.split()
    return [
        sentence.replace("'", "’").replace(" is ", " is\u00a0"),
        sentence.upper(),
        unicodedata.normalize("NFKD", sentence.replace("fi", "\ufb01")),
        f"“{sentence[:-1]}”, the notes say.",
        "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in sentence),
        sentence.replace(" ", "\u2009", 3),
        " ".join(words[: max(3, len(words) - 2)]) + f" in {number} cases.",
        " ".join(reversed(words)),
    ]


def _plain(kept: list[tuple[Signature, Holder]], sig: Signature) -> tuple[str, Holder] | None:
    """The definition: an exact repeat, else the first kept stem of the same block at least the
    threshold alike (Jaccard over distinct content words) whose numbers agree."""
    for other, holder in kept:
        if other.exact == sig.exact:
            return DUPLICATE_QUESTION, holder
    words = frozenset(sig.words)
    if not words:
        return None
    for other, holder in kept:
        if other.block != sig.block or not other.words:
            continue
        theirs = frozenset(other.words)
        alike = len(words & theirs) / len(words | theirs)
        if alike >= sig.threshold and not _numbers_differ(words, theirs):
            return NEAR_DUPLICATE, holder
    return None


def _check(
    questions: list[tuple[str, dict]], index: DuplicateIndex | None = None
) -> tuple[int, int]:
    index = index if index is not None else DuplicateIndex()
    kept: list[tuple[Signature, Holder]] = []
    repeats = near = 0
    for number, (type_name, data) in enumerate(questions):
        qtype = question_type(type_name)
        question = qtype.model.model_validate({"source_quote": "A quote.", **data})
        sig = signature(qtype, question)
        expected = _plain(kept, sig)
        found = index.find(sig)
        got = None if found is None else (found[0], found[1])
        assert got == expected, (number, data["question_text"][:120])
        if expected is None:
            holder = Holder(f"b{number % 5}", data["question_text"])
            index.add(sig, holder)
            kept.append((sig, holder))
        else:
            repeats += 1
            near += expected[0] == NEAR_DUPLICATE
    return repeats, near


def test_hand_written_true_false_statements_and_their_rewordings() -> None:
    sentences = _sentences()
    assert len(sentences) > 4 * SMALL_BLOCK
    questions: list[tuple[str, dict]] = []
    for number, sentence in enumerate(sentences):
        for text in [sentence, *_rewordings(sentence, number % 7 + 2)]:
            questions.append(("true_false", {"question_text": text, "correct_answer": True}))
    # Long stems: several sentences in one, up to the model's 2,000 characters.
    for start in range(0, len(sentences) - 12, 5):
        text = " ".join(sentences[start : start + 12])[:2000]
        questions.append(("true_false", {"question_text": text, "correct_answer": True}))
        questions.append(("true_false", {"question_text": text.upper(), "correct_answer": True}))
    repeats, near = _check(questions)
    assert repeats > len(sentences) * 3 and near > len(sentences)  # rewordings were caught


def test_hand_written_questions_sharing_an_answer() -> None:
    """Multiple-choice stems of one key (a block of many stems) typed in different ways."""
    sentences = _sentences()
    options = [
        {"text": "The nucleus", "correct": True},
        {"text": "The ribosome", "correct": False},
        {"text": "The cell wall", "correct": False},
    ]
    questions: list[tuple[str, dict]] = []
    for number, sentence in enumerate(sentences):
        for text in [sentence, *_rewordings(sentence, number % 5 + 1)[::2]]:
            stem = f"Which structure fits this? {text}"
            questions.append(("multiple_choice", {"question_text": stem, "options": options}))
    repeats, near = _check(questions)
    assert repeats > len(sentences) and near > 0


def test_short_hand_typed_questions_sharing_a_word() -> None:
    """Short stems ("Cells and osmosis?") hold one word in every prefix: its postings are
    grouped by place, and whole groups are skipped."""
    words = sorted({w for s in _sentences() for w in re.findall(r"[a-z]{5,}", s) if w != "cells"})[
        :120
    ]
    options = [
        {"text": "Always", "correct": True},
        {"text": "Never", "correct": False},
        {"text": "Sometimes", "correct": False},
    ]
    questions: list[tuple[str, dict]] = []
    for number, word in enumerate(words):
        other = words[(number * 7 + 3) % len(words)]
        for text in (
            f"Cells and {word}?",
            f"CELLS AND {word.upper()}!",
            f"Cells’ {word} and {other}?",
            f"Ｃｅｌｌｓ {word}",
            f"Cells, {word}, {number}?",
        ):
            questions.append(("multiple_choice", {"question_text": text, "options": options}))
    index = DuplicateIndex()
    _repeats, near = _check(questions, index)
    assert near > len(words)
    (block,) = index.blocks.values()  # one key: every stem shares the answer
    assert any(isinstance(posted, dict) for posted in block.postings.values())
