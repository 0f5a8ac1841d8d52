"""Writing one answer of the realistic fake model: questions of each type, flaws, fixes.

A question is built on one sentence of the module and the term it tests (see
`realistic_text`). Wrong options are terms of the same kind from other sentences (or numbers
near the right one), false statements swap a sentence's term for such a term. Then, as real
models do now and then, a flaw or a quoting deviation is put in and noted on the draft.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes import realistic_text as text
from tests.fakes.realistic_text import Sentence, Term

if TYPE_CHECKING:
    from tests.fakes.realistic_model import RealisticModel, Request

VARIANTS = ("five_options", "four_answer_options", "two_pairs")
TYPE_FLAWS = {
    "multiple_choice": ("wrong_key", "two_correct", "gives_away", "changed_word"),
    "multiple_answer": ("changed_word",),
    "true_false": ("key_contradicted", "gives_away", "changed_word"),
    "fill_in_blank": ("gives_away", "changed_word"),
    "matching": ("changed_word",),
    "categorization": ("changed_word",),
}
NEW_QUESTION_CODES = frozenset({"gives_away", "duplicate_question", "near_duplicate"})
"""Problems a model answers with a question on another sentence, not a repaired one."""
COVERED = 0.6
"""Share of a sentence's words an existing question must hold for the sentence to be taken."""


@dataclass
class Draft:
    question: dict[str, Any]
    sentence: Sentence
    term: Term
    flaw: str | None = None
    partner: dict[str, Any] | None = None
    deviations: list[str] = field(default_factory=list)


def _strip_stop(plain: str) -> str:
    return plain.rstrip(".!")


def _stem(sentence: Sentence, term: Term) -> str:
    plain = _strip_stop(sentence.plain)
    found = re.search(rf"(?<!\w){re.escape(term.text)}(?!\w)", plain, re.IGNORECASE)
    assert found is not None
    before, after = plain[: found.start()], plain[found.end() :]
    if before.strip() in ("", "The", "A", "An"):
        return f"Which of these{after}?"
    return f'According to the notes, what completes this statement: "{before}___{after}"?'


def _fingerprint(value: object) -> str:
    return " ".join(re.findall(r"[^\W_]+", str(value).casefold()))


def _explain(sentence: Sentence) -> str:
    return f"The notes say: {sentence.plain}"


class Writer:
    """One answer for one request; `write` returns the drafts in answer order."""

    def __init__(self, request: Request, rng: random.Random, model: RealisticModel) -> None:
        self.request = request
        self.rng = rng
        self.model = model
        self.sentences = text.sentences(request.content)
        self.terms = {s.index: text.terms(s) for s in self.sentences}
        self.used: set[int] = set()
        self.drafts: list[Draft] = []
        for answer in request.earlier:
            for question in answer:
                found = self.locate(question)
                if found is not None:
                    self.used.add(found.index)
        avoid = [text.content_words(a) for a in request.avoid]
        self.covered = {
            s.index
            for s in self.sentences
            if any(len(a & s.words()) >= COVERED * max(1, len(s.words())) for a in avoid)
        }
        count = len(self.sentences)
        start = sum(map(ord, request.qtype)) % max(1, count)
        rotated = [(start + i) % count for i in range(count)]
        stride = max(1, count // max(1, request.count))
        self.order = rotated[::stride] + [i for i in rotated if i not in rotated[::stride]]

    # -- reading ---------------------------------------------------------------------------

    def locate(self, question: dict[str, Any]) -> Sentence | None:
        """The sentence a question was written from: the one its quote shares most words with."""
        words = text.content_words(str(question.get("source_quote") or ""))
        best, score = None, 0.0
        for sentence in self.sentences:
            mine = sentence.words()
            share = len(words & mine) / max(1, len(mine))
            if share > score:
                best, score = sentence, share
        return best if score >= 0.5 else None

    # -- the answer ------------------------------------------------------------------------

    def write(self) -> list[Draft]:
        drafts: list[Draft] = []
        self.drafts = drafts
        previous = self.request.earlier[-1] if self.request.earlier else []
        for number, codes in self.request.corrections:
            if len(drafts) >= self.request.count:
                break
            if 1 <= number <= len(previous):
                fixed = self.fix(previous[number - 1], codes)
                if fixed is not None:
                    drafts.append(fixed)
        while len(drafts) < self.request.count:
            draft = self.fresh(drafts)
            if draft is None:
                break
            drafts.append(draft)
        return drafts

    def fix(self, question: dict[str, Any], codes: list[str]) -> Draft | None:
        """What a model sends back for a question a correction names: the same passage done
        right (quoted verbatim, key from the passage); another fact of that passage for a
        repeat ("ask something else"); a new passage for a give-away."""
        sentence = self.locate(question)
        if sentence is None or "gives_away" in codes:
            return self.fresh(self.drafts, flaws=False)
        terms = self.terms[sentence.index]
        stem = str(question.get("question_text")).casefold()
        answers = [str(o.get("text")).casefold() for o in question.get("options") or []]
        answers += [str(a).casefold() for b in question.get("blanks") or [] for a in b["answers"]]
        term = next(
            (t for t in terms if t.text.casefold() in answers and t.text.casefold() not in stem),
            next((t for t in terms if t.text.casefold() in stem), terms[0] if terms else None),
        )
        if term is None:
            return self.fresh(self.drafts, flaws=False)
        if NEW_QUESTION_CODES & set(codes):
            for other in terms:
                if other.text == term.text:
                    continue
                draft = self.build(sentence, other, self.drafts, truth=self.rng.random() < 0.5)
                if draft is not None and not self.seen(draft.question, self.drafts):
                    return draft
            return self.fresh(self.drafts, flaws=False)
        draft = self.build(sentence, term, [], truth=True)
        others = [q for answer in self.request.earlier for q in answer if q is not question]
        mine = _fingerprint(draft.question["question_text"]) if draft else ""
        if draft is None or any(_fingerprint(q.get("question_text")) == mine for q in others):
            return self.fresh(self.drafts, flaws=False)
        self.used.add(sentence.index)
        return draft

    def fresh(self, drafts: list[Draft], *, flaws: bool = True) -> Draft | None:
        """A question on a sentence not yet used, else one asking something new of a used one."""
        for reuse in (False, True):
            for index in self.order:
                if not reuse and (index in self.used or index in self.covered):
                    continue
                sentence = self.sentences[index]
                terms = list(self.terms[index])
                if terms:  # each type has its own habits: it reaches for another term first
                    turn = (sum(map(ord, self.request.qtype)) + self.rng.randrange(2)) % len(terms)
                    terms = terms[turn:] + terms[:turn]
                for term in terms:
                    draft = self.build(sentence, term, drafts, truth=self.rng.random() < 0.5)
                    if draft is None or self.seen(draft.question, drafts):
                        continue
                    self.used.add(index)
                    if flaws and self.rng.random() < self.model.flaw_rate:
                        self.add_flaw(draft, drafts)
                    if draft.flaw is None and self.rng.random() < self.model.misquote_rate:
                        self.misquote(draft)
                    return draft
        return None

    def seen(self, question: dict[str, Any], drafts: list[Draft]) -> bool:
        """Whether the question repeats one already asked: the model was told not to. An
        instruction such as "Match each term…" may repeat when what it asks about differs."""
        earlier = [q for answer in self.request.earlier for q in answer]
        earlier += [d.question for d in drafts]
        earlier += [{"question_text": text} for text in self.request.avoid]
        mine = _fingerprint(question.get("question_text"))
        if self.request.qtype in ("matching", "categorization"):
            mine += _fingerprint([question.get("pairs"), question.get("categories")])
            return any(
                _fingerprint(q.get("question_text"))
                + _fingerprint([q.get("pairs"), q.get("categories")])
                == mine
                for q in earlier
            )
        if any(_fingerprint(q.get("question_text")) == mine for q in earlier):
            return True
        keys = _fingerprint(
            sorted(o["text"] for o in question.get("options") or [] if o["correct"])
        )
        return self.request.qtype == "multiple_answer" and any(
            _fingerprint(sorted(o.get("text") for o in q.get("options") or [] if o.get("correct")))
            == keys
            for q in earlier
        )

    # -- building one question ---------------------------------------------------------------

    def allowed(self, name: str, size: int) -> bool:
        low, high = self.request.bounds.get(name, (None, None))
        return (low is None or size >= low) and (high is None or size <= high)

    def build(
        self, sentence: Sentence, term: Term, drafts: list[Draft], *, truth: bool
    ) -> Draft | None:
        qtype = self.request.qtype
        variant: str | None = None
        if qtype == "multiple_choice":
            size = self.request.preferred_options or 4
            if self.rng.random() < self.model.variant_rate and self.allowed("options", 5):
                size, variant = 5, "five_options" if size != 5 else None
            question = self.multiple_choice(sentence, term, size)
        elif qtype == "multiple_answer":
            size = self.request.preferred_options or 5
            if self.rng.random() < self.model.variant_rate and self.allowed("options", 4):
                size, variant = 4, "four_answer_options" if size != 4 else None
            question = self.multiple_answer(sentence, term, size)
        elif qtype == "true_false":
            question = self.true_false(sentence, term, truth)
        elif qtype == "fill_in_blank":
            question = self.fill_in_blank(sentence, term)
        elif qtype == "matching":
            size = self.rng.choice([3, 4])
            if self.rng.random() < self.model.variant_rate and self.allowed("pairs", 2):
                size, variant = 2, "two_pairs"
            question = self.matching(sentence, term, size)
        elif qtype == "categorization":
            question = self.categorization(sentence, term)
        else:
            return None
        if question is None:
            return None
        return Draft(question, sentence, term, deviations=[variant] if variant else [])

    def distractors(self, sentence: Sentence, term: Term, count: int) -> list[str]:
        """Terms of the same kind from elsewhere in the module, none in `sentence`."""
        same: list[str] = []
        other: list[str] = []
        for s in self.sentences:
            for t in self.terms[s.index]:
                (same if t.kind == term.kind else other).append(t.text)
        if term.kind == "number":
            same += text.numbers_like(term.text, self.rng, count + 2)
            other = []
        self.rng.shuffle(same)
        self.rng.shuffle(other)
        chosen: list[str] = []
        seen = {term.text.casefold()}
        plain = sentence.plain.casefold()
        stems = {w[:5] for w in text.content_words(plain) if len(w) >= 5}
        for candidate in same + other:
            folded = candidate.casefold()
            if folded in seen or re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", plain):
                continue
            if any(w[:5] in stems for w in text.content_words(folded) if len(w) >= 5):
                continue  # "continental" is no wrong answer where the passage says "continents"
            seen.add(folded)
            chosen.append(candidate)
            if len(chosen) == count:
                break
        return chosen

    def falsified(self, sentence: Sentence) -> str | None:
        terms = self.terms[sentence.index]
        if not terms:
            return None
        wrong = self.distractors(sentence, terms[0], 1)
        return text.replace_once(sentence.plain, terms[0].text, wrong[0]) if wrong else None

    def others(self, sentence: Sentence) -> list[Sentence]:
        found = [s for s in self.sentences if s.index != sentence.index and self.terms[s.index]]
        self.rng.shuffle(found)
        return found

    def multiple_choice(self, sentence: Sentence, term: Term, size: int) -> dict | None:
        wrong = self.distractors(sentence, term, size - 1)
        if len(wrong) < size - 1:
            return None
        options = [{"text": w, "correct": False} for w in wrong]
        options.insert(self.rng.randrange(size), {"text": term.text, "correct": True})
        return {
            "question_text": _stem(sentence, term),
            "options": options,
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    def multiple_answer(self, sentence: Sentence, term: Term, size: int) -> dict | None:
        """True statements from the passage and the sentences after it; false ones from
        elsewhere with a term swapped."""
        right_count = self.rng.choice([2, 3]) if size >= 5 else 2
        forward = sum(map(ord, term.text)) % 2 == 0
        after = [
            s
            for s in (self.sentences if forward else reversed(self.sentences))
            if (s.index > sentence.index if forward else s.index < sentence.index)
        ]
        chosen = [sentence, *after][:right_count]
        right = [_strip_stop(s.plain) for s in chosen]
        near = {s.index for s in chosen}
        wrong: list[str] = []
        for s in self.others(sentence):
            false = self.falsified(s) if s.index not in near else None
            if false and len(wrong) < size - right_count:
                wrong.append(_strip_stop(false))
        if len(right) < right_count or len(wrong) < size - right_count:
            return None
        options = [{"text": t, "correct": True} for t in right]
        options += [{"text": t, "correct": False} for t in wrong]
        self.rng.shuffle(options)
        return {
            "question_text": f"Which of the following statements are true according to the "
            f"notes on {term.text}? Select all that apply.",
            "options": options,
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    def true_false(self, sentence: Sentence, term: Term, truth: bool) -> dict | None:
        statement = sentence.plain
        if not truth:
            wrong = self.distractors(sentence, term, 1)
            if not wrong:
                return None
            statement = text.replace_once(sentence.plain, term.text, wrong[0])
        return {
            "question_text": statement,
            "correct_answer": truth,
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    def fill_in_blank(self, sentence: Sentence, term: Term) -> dict | None:
        blanked = text.replace_once(sentence.plain, term.text, "[blank_1]")
        answers = list(dict.fromkeys([term.text, term.text.lower(), term.text.capitalize()]))
        return {
            "question_text": blanked,
            "blanks": [{"position": 1, "answers": answers}],
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    def matching(self, sentence: Sentence, term: Term, size: int) -> dict | None:
        pairs = [(term.text, sentence)]
        for s in self.others(sentence):
            if len(pairs) == size:
                break
            t = self.terms[s.index][0]
            if all(t.text.casefold() != p.casefold() for p, _ in pairs):
                pairs.append((t.text, s))
        if len(pairs) < size:
            return None
        return {
            "question_text": "Match each term with the statement from the notes that it completes.",
            "pairs": [
                {"prompt": p, "answer": _strip_stop(text.replace_once(s.plain, p, "___"))}
                for p, s in pairs
            ],
            "distractors": [],
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    def categorization(self, sentence: Sentence, term: Term) -> dict | None:
        others = self.others(sentence)
        supported = [_strip_stop(sentence.plain), _strip_stop(others[0].plain)] if others else []
        contradicted = [f for s in others[1:4] if (f := self.falsified(s))][:2]
        if len(supported) < 2 or len(contradicted) < 2:
            return None
        return {
            "question_text": f"Sort these statements about {term.text} and related points by "
            "whether the notes support or contradict them.",
            "categories": [
                {"name": "Supported by the notes", "items": supported},
                {
                    "name": "Contradicted by the notes",
                    "items": [_strip_stop(c) for c in contradicted],
                },
            ],
            "distractors": [],
            "explanation": _explain(sentence),
            "source_quote": sentence.text,
        }

    # -- what goes wrong -------------------------------------------------------------------

    def add_flaw(self, draft: Draft, drafts: list[Draft]) -> None:
        kinds = list(TYPE_FLAWS.get(self.request.qtype, ()))
        self.rng.shuffle(kinds)
        for kind in kinds:
            if getattr(self, f"flaw_{kind}")(draft, drafts):
                draft.flaw = kind
                draft.deviations = [d for d in draft.deviations if d not in VARIANTS]
                return

    def flaw_wrong_key(self, draft: Draft, drafts: list[Draft]) -> bool:
        options = draft.question["options"]
        key = next(o for o in options if o["correct"])
        wrong = next(o for o in options if not o["correct"])
        key["correct"], wrong["correct"] = False, True
        return True

    def flaw_two_correct(self, draft: Draft, drafts: list[Draft]) -> bool:
        next(o for o in draft.question["options"] if not o["correct"])["correct"] = True
        return True

    def flaw_changed_word(self, draft: Draft, drafts: list[Draft]) -> bool:
        keep = text.content_words(draft.term.text)
        for option in draft.question.get("options") or []:
            if option["correct"]:
                keep |= text.content_words(option["text"])
        changed = text.change_a_word(draft.sentence.text, keep, self.rng)
        draft.question["source_quote"] = changed
        return changed != draft.sentence.text

    def flaw_key_contradicted(self, draft: Draft, drafts: list[Draft]) -> bool:
        negated = text.negate(draft.sentence.plain)
        if negated is None:
            return False
        draft.question.update(question_text=negated, correct_answer=True)
        draft.question["source_quote"] = draft.sentence.text
        return True

    def flaw_gives_away(self, draft: Draft, drafts: list[Draft]) -> bool:
        partners = [d for d in drafts if d.flaw is None and d.sentence != draft.sentence]
        qtype = self.request.qtype
        for partner in partners:
            given = partner.sentence
            if qtype == "multiple_choice":
                if draft.term.text.casefold() in given.plain.casefold():
                    continue
                draft.question["question_text"] = f"{given.plain} {draft.question['question_text']}"
            elif qtype == "true_false":
                if partner.question["correct_answer"]:
                    continue
                draft.question.update(question_text=given.plain, correct_answer=True)
                draft.question["source_quote"] = given.text
                draft.sentence = given
            elif qtype == "fill_in_blank":
                second = [
                    t
                    for t in self.terms[given.index]
                    if t.text.casefold() not in partner.term.text.casefold()
                    and partner.term.text.casefold() not in t.text.casefold()
                ]
                if not second:
                    continue
                draft.question = self.fill_in_blank(given, second[0]) or draft.question
                draft.sentence, draft.term = given, second[0]
            else:
                return False
            draft.partner = partner.question
            return True
        return False

    def misquote(self, draft: Draft) -> None:
        keep = text.content_words(draft.term.text)
        kinds = text.applicable(draft.sentence)
        self.rng.shuffle(kinds)
        for kind in kinds:
            quote = text.misquote(draft.sentence, kind, keep, self.rng)
            if quote != draft.sentence.text:
                draft.question["source_quote"] = quote
                draft.deviations.append(kind)
                return
