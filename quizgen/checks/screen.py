"""The checks a question passes before anyone sees it, beyond its own type's rules.

`Screen` runs them in order: the type's structural checks (`QuestionType.parse`), the citation
(`source_quote` found verbatim in the module content), the grounding of the key in that quote
(`grounding`), and repeats across every batch and module of the quiz (`DuplicateIndex`).

Generation runs many batches concurrently on one event loop; `screen` and `admit` are plain
synchronous calls with no await between them, so two batches can never both admit the same
question. `check` and `import` use the same `Screen`, so a stored or imported question meets
exactly the rules a generated one met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from quizgen.checks import contradiction, giveaways, grounding, open_answers
from quizgen.checks.citations import Citation, find_quote, normalised_quote
from quizgen.checks.duplicates import (
    DUPLICATE_QUESTION,
    DuplicateIndex,
    Holder,
    Signature,
    question_fingerprint,
    signature,
)
from quizgen.content import ModuleContent
from quizgen.questions import REGISTRY, QuestionType
from quizgen.questions.base import INVALID_SHAPE, Problem, QuestionBase

T = TypeVar("T")

UNKNOWN_TYPE = "unknown_type"
QUOTE_NOT_FOUND = "quote_not_found"
MISSING_QUOTE = "missing_quote"
KEY_NOT_GROUNDED = grounding.KEY_NOT_GROUNDED
KEY_CONTRADICTED = "key_contradicted"
GIVES_AWAY = giveaways.GIVES_AWAY

# Flags: the question is kept for review, and the flag is shown beside it.
DISTRACTOR_SUPPORTED = grounding.DISTRACTOR_SUPPORTED
KEY_DISPUTED = "key_disputed"
UNVERIFIED_SOURCE = "unverified_source"

GROUNDED_TYPES = ("multiple_choice", "multiple_answer", "true_false", "fill_in_blank")

_TYPE_OF_MODEL = {qtype.model: qtype for qtype in REGISTRY.values()}


# -- grounding of the key ----------------------------------------------------------------------


def key_checks(
    qtype: QuestionType,
    question: QuestionBase,
    content: ModuleContent,
    cited: str | None = None,
) -> tuple[list[Problem], list[str]]:
    """Problems (`key_not_grounded`, `key_contradicted`) and flags (`distractor_supported`) of
    the key against the quote; see `grounding` and `contradiction` for the rules, and
    `open_answers` for keys a student writes (a number, an essay). Types without a single key pass.

    `cited` is the passage of the content the quote was found at; the key is judged against
    it rather than the quote as written, so words an ellipsis left out still count."""
    quote = grounding.Passage.of(cited if cited is not None else question.source_quote)
    if own := open_answers.KEY_CHECKS.get(qtype.name):
        return list(own(question, quote)), []
    if qtype.name not in GROUNDED_TYPES:
        return [], []
    problems: list[Problem] = []
    flags: list[str] = []
    if qtype.name == "true_false":
        problems += _true_false_key(question, quote)
    elif qtype.name == "fill_in_blank":
        problems += _blanks_key(question, quote)
    else:
        problems += _options_key(qtype, question, quote, content)
        if any(grounding.states(text, quote) for text in qtype.distractors(question)):
            flags.append(DISTRACTOR_SUPPORTED)
    return problems, flags


def _true_false_key(question: Any, quote: grounding.Passage) -> Iterator[Problem]:
    statement = question.question_text
    if question.correct_answer:
        if not grounding.is_grounded(statement, quote):
            missing = ", ".join(grounding.missing_words(statement, quote)[:5])
            yield Problem(
                KEY_NOT_GROUNDED,
                f"the statement is marked true but the quote does not support it "
                f"(missing: {missing})",
            )
        elif contradiction.contradicts(statement, quote.text):
            yield Problem(
                KEY_CONTRADICTED,
                "the statement is marked true but says the opposite of the quote (a negation, "
                "an antonym or a swapped comparison)",
            )
        elif swap := grounding.swapped_word(statement, quote):
            yield Problem(
                KEY_CONTRADICTED,
                f"the statement is marked true but says {swap[0]!r} where the quote says "
                f"{swap[1]!r}",
            )
        return
    if grounding.overlap(statement, quote) < grounding.FALSE_STATEMENT_OVERLAP:
        yield Problem(
            KEY_NOT_GROUNDED,
            "the statement is marked false but the quote is not the passage it contradicts "
            "(they share too few words)",
        )
    elif grounding.states(statement, quote) and not contradiction.contradicts(
        statement, quote.text
    ):
        yield Problem(
            KEY_NOT_GROUNDED,
            "the statement is marked false but the quote states it word for word",
        )


def _blanks_key(question: Any, quote: grounding.Passage) -> Iterator[Problem]:
    for blank in sorted(question.blanks, key=lambda b: b.position):
        if not any(grounding.is_grounded(answer, quote) for answer in blank.answers):
            yield Problem(
                KEY_NOT_GROUNDED,
                f"no accepted answer of blank {blank.position} ({blank.answers[0]!r}) is in the "
                "quote",
            )
        elif contradiction.blank_disagrees(
            question.question_text, blank.position, blank.answers, quote.text
        ):
            yield Problem(
                KEY_CONTRADICTED,
                f"the quote has another word where blank {blank.position} stands; "
                f"{blank.answers[0]!r} appears elsewhere in it",
            )


def _options_key(
    qtype: QuestionType, question: Any, quote: grounding.Passage, content: ModuleContent
) -> Iterator[Problem]:
    correct = [(n, o.text) for n, o in enumerate(question.options, start=1) if o.correct]
    in_quote = {n for n, text in correct if grounding.is_grounded(text, quote)}
    ungrounded = [(n, t) for n, t in correct if n not in in_quote]
    if qtype.name == "multiple_answer" and in_quote and ungrounded:
        index = grounding.content_index(content.text)
        ungrounded = [(n, t) for n, t in ungrounded if not index.grounded(t)]
    if not contradiction.asks_for_the_opposite(question.question_text):
        for number, text in correct:
            if (number, text) not in ungrounded and contradiction.contradicts(text, quote.text):
                yield Problem(
                    KEY_CONTRADICTED,
                    f"correct option {number} ({text[:60]!r}) says the opposite of the quote "
                    "(a negation, an antonym or a swapped comparison)",
                )
    for number, text in ungrounded:
        where = "the quote or any sentence of the module" if in_quote else "the quote"
        missing = ", ".join(grounding.missing_words(text, quote)[:5])
        yield Problem(
            KEY_NOT_GROUNDED,
            f"correct option {number} ({text[:60]!r}) is not supported by {where} "
            f"(missing from the quote: {missing})",
        )


# -- the screen --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    question: QuestionBase | None
    problems: list[Problem]
    citation: Citation | None = None
    flags: tuple[str, ...] = ()
    repeats: str | None = None
    """The text of the kept question this one repeats or rewords, if any."""

    @property
    def accepted(self) -> bool:
        return self.question is not None and not self.problems

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(problem.code for problem in self.problems))


@dataclass
class Screen:
    """Everything a quiz holds so far, for repeat detection, and the checks a question passes."""

    index: DuplicateIndex = field(default_factory=DuplicateIndex)
    _last: tuple[QuestionBase, Signature] | None = None
    """The signature `screen` computed last, so `admit` right after it need not recompute it."""

    @classmethod
    def of(cls, kept: Iterable[tuple[str, str, dict[str, Any]]]) -> Screen:
        """Start from the (batch key, question type, data) of questions a quiz already keeps.

        Stored data was valid when stored; a row that no longer parses (edited by hand) still
        counts by its stem, so it is never silently forgotten."""
        screen = cls()
        for key, type_name, data in kept:
            qtype = REGISTRY.get(type_name)
            question = _parse_quietly(qtype, data) if qtype else None
            if qtype is not None and question is not None:
                screen.index.add(signature(qtype, question), Holder(key, question.question_text))
            else:
                text = str(data.get("question_text", ""))
                screen.index.exact.setdefault(question_fingerprint(text), Holder(key, text))
        return screen

    def screen(self, qtype: QuestionType, raw: Any, content: ModuleContent) -> Verdict:
        """Every check on one question, all problems at once: a shape error or a type-check
        problem does not stop the citation, grounding and repeat checks its fields allow."""
        question, problems = qtype.inspect(raw)
        if question is None:
            return Verdict(None, problems)
        complete = not any(problem.code == INVALID_SHAPE for problem in problems)
        flags: list[str] = []
        citation = None
        quote = getattr(question, "source_quote", None)
        if quote is not None:
            citation = find_quote(quote, content)
            if citation is None:
                problems.append(
                    Problem(
                        QUOTE_NOT_FOUND,
                        "source_quote is not a passage of the module content (even ignoring "
                        "markup, quote marks, dashes, spacing and a final full stop): "
                        f"{quote[:80]!r}",
                    )
                )
            else:
                # Judge the quote itself when it is the passage (its words are cached).
                span = content.text[citation.start : citation.end]
                cited = None if span == quote else normalised_quote(span)
                key_problems, flags = _partially(
                    key_checks, ([], []), qtype, question, content, cited
                )
                problems += key_problems
        sig = _partially(signature, None, qtype, question)
        repeats = None
        if sig is not None:
            if complete:
                self._last = (question, sig)
            found = self.index.find(sig)
            if found is not None:
                code, holder, similarity = found
                what = (
                    "repeats" if code == DUPLICATE_QUESTION else f"rewords ({similarity:.0%} alike)"
                )
                problems.append(
                    Problem(
                        code,
                        f"{what} a question already in batch {holder.batch_key}: "
                        f"{holder.text[:80]!r}; ask something else",
                    )
                )
                repeats = holder.text
            else:
                told = self.index.gives_away(sig)
                if told is not None:
                    problems.append(_give_away_problem(*told))
                    repeats = told[1].text
        accepted = None if problems or not complete else question
        return Verdict(accepted, problems, citation, tuple(flags), repeats)

    def admit(self, question: QuestionBase, batch_key: str) -> None:
        if self._last is not None and self._last[0] is question:
            sig = self._last[1]
        else:
            sig = signature(_TYPE_OF_MODEL[type(question)], question)
        self.index.add(sig, Holder(batch_key, question.question_text))


def _give_away_problem(how: str, holder: Holder, answer: str) -> Problem:
    if how == "tells":
        what = f"states the answer ({answer[:40]!r}) of a question already in batch"
    else:
        what = f"has its answer ({answer[:40]!r}) stated by a question already in batch"
    return Problem(
        GIVES_AWAY,
        f"{what} {holder.batch_key}: {holder.text[:80]!r}; ask about something else",
    )


def _partially(check: Callable[..., T], default: T, *args: Any) -> T:
    """Run a check that may meet a partial question (see `QuestionType.inspect`): a field that
    failed validation is missing, and the check is skipped."""
    try:
        return check(*args)
    except AttributeError:
        return default


def _parse_quietly(qtype: QuestionType, data: dict[str, Any]) -> QuestionBase | None:
    try:
        return qtype.model.model_validate(data)
    except ValueError:
        return None


def screen_question(
    type_name: str, data: Any, content: ModuleContent, kept: Screen | None = None
) -> Verdict:
    """Screen one question: the single entry point for generation, edits and imports.

    `kept` holds the questions the quiz keeps (`Screen.of(rows)`); repeats and give-aways are
    looked for among them. Leave the edited question itself out of `kept` when re-checking an
    edit. The verdict lists every problem found; nothing is admitted to `kept`."""
    qtype = REGISTRY.get(type_name)
    if qtype is None:
        valid = ", ".join(REGISTRY)
        return Verdict(
            None, [Problem(UNKNOWN_TYPE, f"unknown question type {type_name!r}; valid: {valid}")]
        )
    return (kept if kept is not None else Screen()).screen(qtype, data, content)
