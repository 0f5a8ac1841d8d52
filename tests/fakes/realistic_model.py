"""A realistic stand-in for a chat model answering quizgen's prompts (OpenAI Structured Outputs).

Why it exists: the offline mock knows quizgen's checks, so an answer stream built from it never
shows what real models send. This model is written from the request alone, read as a model
reads it: the module text between `<<<` and `>>>`, "exactly N" questions, the question type and
the JSON schema in `response_format` (with `strict: true` a real model cannot leave it, so a
count outside the schema's `minItems`/`maxItems` is never produced; in plain JSON mode it can
be), the list of questions that already exist, and quizgen's follow-up messages ("Some questions
were rejected: - question 2: code: message", "Write exactly N more").

What it does that real models do (see docs/testing.md for the sources):
- quotes about half its source quotes with one harmless deviation (`realistic_text.DEVIATIONS`);
- sometimes writes 5 options for multiple choice, 4 for multiple answer or 2 matching pairs
  where the prompt prefers 4, 5 or 3+ (only where the schema sent allows it);
- sometimes makes the flaws quizgen's checks exist for (`FLAWS`);
- fixes exactly the questions a correction message names, quoting verbatim the second time.
Every deviation and flaw is recorded in `log`, so a test can follow each one to its fate.
Deterministic: the same request and seed always get the same answer.

It imports nothing from quizgen.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.realistic_writer import VARIANTS, Writer

FLAWS = ("wrong_key", "two_correct", "key_contradicted", "gives_away", "changed_word")
"""wrong_key: a distractor marked correct (multiple choice). two_correct: two options marked
correct (multiple choice). key_contradicted: a true/false statement that negates its quote,
marked true. gives_away: a question whose text states an earlier question's answer. changed_word:
a quote with one word changed."""
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_CORRECTION = re.compile(r"^- question (\d+): (.*)$", re.MULTILINE)
_CODE = re.compile(r"(?:^|; )([a-z][a-z_]+): ")
_COUNT = re.compile(r"(?:exactly|nøyaktig) (\d+)", re.IGNORECASE)
_OPTIONS = re.compile(r"\b(two|three|four|five|six|seven|eight|\d+) options\b", re.IGNORECASE)


@dataclass(frozen=True)
class Injected:
    """One deviation or flaw the model put into an answer."""

    kind: str
    """"misquote", "variant" or a flaw of `FLAWS`."""
    detail: str
    question_type: str
    module: str
    question: dict[str, Any]
    partner: dict[str, Any] | None = None
    """For gives_away: the earlier question whose answer this one states."""


def signature(question: dict[str, Any]) -> str:
    """What makes two versions of a question the same one: its text, quote and key."""

    def norm(value: Any) -> str:
        return " ".join(str(value).casefold().split())

    parts = [norm(question.get("question_text")), norm(question.get("source_quote"))]
    for option in question.get("options") or []:
        parts.append(f"{norm(option.get('text'))}={bool(option.get('correct'))}")
    if "correct_answer" in question:
        parts.append(f"tf={bool(question['correct_answer'])}")
    for blank in question.get("blanks") or []:
        parts.append("|".join(norm(a) for a in blank.get("answers") or []))
    for pair in question.get("pairs") or []:
        parts.append(f"{norm(pair.get('prompt'))}->{norm(pair.get('answer'))}")
    for category in question.get("categories") or []:
        parts.append(f"{norm(category.get('name'))}:{sorted(norm(i) for i in category['items'])}")
    return "\n".join(parts)


@dataclass
class Request:
    """What the model takes from one Chat Completions body."""

    content: str
    module: str
    qtype: str
    count: int
    avoid: list[str]
    bounds: dict[str, tuple[int | None, int | None]]
    preferred_options: int | None
    earlier: list[list[dict[str, Any]]]
    corrections: list[tuple[int, list[str]]]


def read_request(body: dict[str, Any]) -> Request:
    messages = body.get("messages") or []
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    first = users[0] if users else ""
    start, end = first.find("<<<\n"), first.rfind("\n>>>")
    content = first[start + 4 : end] if 0 <= start < end else ""
    module = (re.search(r"^MODULE: (.*)$", first, re.MULTILINE) or [None, ""])[1]
    schema = (body.get("response_format") or {}).get("json_schema") or {}
    found = re.search(r"QUESTION TYPE: (\w+)", first)
    qtype = found.group(1) if found else str(schema.get("name") or "").removesuffix("_answer")
    count = next((int(m[-1]) for u in reversed(users) if (m := _COUNT.findall(u))), 1)
    avoid = [line[2:] for line in first[end:].splitlines() if line.startswith("* ")]
    bounds: dict[str, tuple[int | None, int | None]] = {}
    if schema.get("strict"):
        items = schema.get("schema", {}).get("properties", {}).get("questions", {}).get("items")
        for name, spec in (items or {}).get("properties", {}).items():
            if spec.get("type") == "array":
                bounds[name] = (spec.get("minItems"), spec.get("maxItems"))
    found_options = _OPTIONS.search(first[end:])
    preferred = None
    if found_options:
        word = found_options.group(1).lower()
        preferred = int(word) if word.isdigit() else NUMBER_WORDS[word]
    earlier: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.get("role") == "assistant":
            try:
                answer = json.loads(message.get("content") or "")
                earlier.append([q for q in answer.get("questions", []) if isinstance(q, dict)])
            except (json.JSONDecodeError, AttributeError):
                earlier.append([])
    corrections: list[tuple[int, list[str]]] = []
    if len(users) > 1:
        for number, rest in _CORRECTION.findall(users[-1]):
            corrections.append((int(number), _CODE.findall(rest)))
    return Request(content, module, qtype, count, avoid, bounds, preferred, earlier, corrections)


@dataclass
class RealisticModel:
    """Answers quizgen's generation requests; see the module docstring."""

    seed: int = 0
    misquote_rate: float = 0.5
    flaw_rate: float = 0.12
    variant_rate: float = 0.2
    log: list[Injected] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def injected(self, kind: str | None = None) -> list[Injected]:
        with self.lock:
            return [i for i in self.log if kind is None or i.kind == kind]

    def answer(self, body: dict[str, Any]) -> str:
        """The assistant message content for one request: `{"questions": [...]}`."""
        request = read_request(body)
        basis = f"{self.seed}|{json.dumps(body.get('messages'), sort_keys=True)}"
        rng = random.Random(hashlib.sha256(basis.encode()).hexdigest())
        drafts = Writer(request, rng, self).write()
        records = []
        for draft in drafts:
            if draft.flaw:
                records.append(
                    Injected(
                        draft.flaw,
                        draft.flaw,
                        request.qtype,
                        request.module,
                        draft.question,
                        draft.partner,
                    )
                )
            for detail in draft.deviations:
                kind = "variant" if detail in VARIANTS else "misquote"
                records.append(
                    Injected(kind, detail, request.qtype, request.module, draft.question)
                )
        with self.lock:
            self.log += records
        return json.dumps({"questions": [d.question for d in drafts]}, ensure_ascii=False)
