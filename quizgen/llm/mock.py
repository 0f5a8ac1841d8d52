"""The offline LLM: deterministic, content-grounded questions of every type, no key, no network.

`MockAdapter` is the embedded default that lets `quizgen create` run anywhere and drives every
generation test. It never parses the prompt: it reads the structured `GenerationTask` behind the
request, analyses `task.content` once (headings, sentences, key terms, "X is Y" definitions —
cached per text), builds every question the text can support for the requested type, and picks
`task.count` of them in an order seeded by the content and the batch key.

What a caller may rely on:
- the same task always gets the same answer (no clock, no global randomness, no hash seeds);
- every question passes its type's checks, its `source_quote` is a sentence copied verbatim
  from `task.content`, and its answer is what that sentence says;
- no question repeats one in `task.avoid` or another in the same answer (compared normalised);
  when the text runs out of distinct questions the answer is shorter, never padded;
- failures are injected by shell-style patterns on the batch key (`fail`, `short`, `bad_json`),
  so tests and demos can exercise retries and partial batches.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import itertools
import json
import math
import os
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio

from quizgen import grounding
from quizgen.errors import ConfigError, ProviderError
from quizgen.integrity import DuplicateIndex, Holder, Signature, signature
from quizgen.integrity import question_fingerprint as normalise
from quizgen.llm.base import LLMRequest, LLMResponse, Usage, VerificationItem, VerificationTask
from quizgen.questions import question_type as _question_type

MODEL = "mock-1"
DEFAULT_LATENCY = 0.05
"""Seconds per call when `QUIZGEN_MOCK_LATENCY` is unset: enough for a progress display to move."""

MAX_QUOTE_CHARS = 300
MIN_SENTENCE_WORDS = 5
MAX_SENTENCE_WORDS = 60
MAX_OPTION_CHARS = 220
"""Longer sentences make unreadable multiple-answer options; they still serve other types."""
MAX_DESCRIPTION_CHARS = 160
MAX_CANDIDATES = 512
MIN_POOL = 32
"""Questions kept per (text, type): plenty for any quiz, and a bounded cost per call."""

ENV_LATENCY = "QUIZGEN_MOCK_LATENCY"
ENV_FAIL = "QUIZGEN_MOCK_FAIL"
ENV_SHORT = "QUIZGEN_MOCK_SHORT"
ENV_BAD_JSON = "QUIZGEN_MOCK_BAD_JSON"


class MockAdapter:
    """An `LLMAdapter` that writes questions from the task's content itself; see module docs."""

    provider = "mock"
    model = MODEL

    def __init__(
        self,
        *,
        latency: float = 0.0,
        fail: tuple[str, ...] = (),
        short: tuple[str, ...] = (),
        bad_json: tuple[str, ...] = (),
    ) -> None:
        self.latency = latency
        self.fail = tuple(fail)
        self.short = tuple(short)
        self.bad_json = tuple(bad_json)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MockAdapter:
        """Configure from `QUIZGEN_MOCK_*` variables; a malformed value raises `ConfigError`."""
        env = os.environ if environ is None else environ
        return cls(
            latency=_latency_from(env.get(ENV_LATENCY)),
            fail=_patterns_from(env.get(ENV_FAIL)),
            short=_patterns_from(env.get(ENV_SHORT)),
            bad_json=_patterns_from(env.get(ENV_BAD_JSON)),
        )

    async def complete(self, request: LLMRequest) -> LLMResponse:
        task = request.task
        key = task.batch_key
        if isinstance(task, VerificationTask):
            await anyio.sleep(self.latency)
            if _matches(key, self.fail):
                raise ProviderError(
                    f"mock provider: injected failure for batch {key} ({ENV_FAIL})", transient=True
                )
            text = json.dumps({"answers": [verify_answer(item) for item in task.items]})
            return LLMResponse(
                text=text,
                model=MODEL,
                usage=Usage(
                    input_tokens=sum(len(m.content) for m in request.messages) // 4,
                    output_tokens=len(text) // 4,
                ),
            )
        count = max(1, task.count // 2) if _matches(key, self.short) else task.count
        chosen = await self._think(task.content, task.question_type, count, key, task.avoid)
        if _matches(key, self.fail):
            raise ProviderError(
                f"mock provider: injected failure for batch {key} ({ENV_FAIL})", transient=True
            )
        text = '{"questions": [' + ", ".join(c.json for c in chosen) + "]}"
        if _matches(key, self.bad_json) and request.attempt == 1:
            text = text[: len(text) // 2]  # cut mid-object: never parses
        prompt_chars = sum(len(message.content) for message in request.messages)
        return LLMResponse(
            text=text,
            model=MODEL,
            finish_reason="stop",
            usage=Usage(input_tokens=prompt_chars // 4, output_tokens=len(text) // 4),
        )

    async def _think(
        self, content: str, question_type: str, count: int, key: str, avoid: tuple[str, ...]
    ) -> list[_Candidate]:
        """Choose the questions while the latency runs, as a real model computes while the
        caller waits: the synthesis runs in a worker thread during the sleep, so concurrent
        calls do not queue their CPU work behind one another on the event loop."""
        if self.latency <= 0:
            return _choose(content, question_type, count, key, avoid)
        chosen: list[_Candidate] = []

        async def synthesise() -> None:
            chosen.extend(
                await anyio.to_thread.run_sync(_choose, content, question_type, count, key, avoid)
            )

        async with anyio.create_task_group() as group:
            group.start_soon(anyio.sleep, self.latency)
            group.start_soon(synthesise)
        return chosen

    async def aclose(self) -> None:
        return None


def _latency_from(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_LATENCY
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{ENV_LATENCY} must be a number of seconds, zero or more (got {raw!r})")
    return value


def _patterns_from(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _matches(batch_key: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(batch_key, pattern) for pattern in patterns)


# --------------------------------------------------------------------------------------------
# Choosing questions for one call


def generate_questions(
    content: str,
    question_type: str,
    count: int,
    batch_key: str,
    *,
    avoid: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Up to `count` distinct questions of `question_type`, none of them in `avoid`.

    Pure and deterministic: the candidates depend on the content alone (cached), the order on
    a hash of the content and `batch_key`. Each call returns fresh dicts.
    """
    return [json.loads(c.json) for c in _choose(content, question_type, count, batch_key, avoid)]


def _choose(
    content: str, question_type: str, count: int, batch_key: str, avoid: Iterable[str]
) -> list[_Candidate]:
    if question_type not in _BUILDERS:
        raise ProviderError(
            f"mock provider: unsupported question type {question_type!r}; "
            f"supported: {', '.join(_BUILDERS)}"
        )
    if count <= 0:
        return []
    avoided = {normalise(text) for text in avoid}
    # Build only as many candidates as the request can use; a draw that comes up short with a
    # full pool retries with a pool twice as large, up to MAX_CANDIDATES.
    limit = MIN_POOL
    while limit < len(_BUILDERS) * count:  # room for this type's share of the sentences
        limit *= 2
    while True:
        pool = _candidates(content, question_type, min(limit, MAX_CANDIDATES))
        chosen = _draw(pool, question_type, count, batch_key, content, avoided)
        if len(chosen) >= count or len(pool) < limit or limit >= MAX_CANDIDATES:
            return _remember(content, chosen)
        limit *= 2


def _draw(
    pool: tuple[_Candidate, ...],
    question_type: str,
    count: int,
    batch_key: str,
    content: str,
    avoided: set[str],
) -> list[_Candidate]:
    rng = random.Random(_seed(_analyse(content).digest, batch_key))
    taken = set(avoided)
    # Avoided questions the mock wrote itself (of any type) are known with their keys, so their
    # rewordings (near-duplicates by the integrity screen's own rule) are avoided too.
    repeats = DuplicateIndex()
    digest = _analyse(content).digest
    for norm in taken:
        served = _SERVED.get((digest, norm))
        if served is not None:
            repeats.add(served, Holder("", norm))
    if question_type == "true_false":
        order = _balanced_order(pool, rng)
    else:
        order = list(range(len(pool)))
        rng.shuffle(order)
    chosen: list[_Candidate] = []
    used_sentences: set[int] = set()
    # The first pass keeps to this type's share of the sentences, as a quiz author spreads a
    # module's facts over its question types (two types testing one definition are rewordings
    # of each other, which the integrity screen rejects); the second spreads the answer over
    # different sentences; the third fills up from what is left, except for true/false, where
    # a sentence's true and false versions would give each other away.
    share = list(_BUILDERS).index(question_type)
    passes = [(True, True), (False, True)]
    if question_type != "true_false":
        passes.append((False, False))
    for own_share, distinct in passes:
        for index in order:
            if len(chosen) >= count:
                return chosen
            candidate = pool[index]
            if candidate.norm in taken or (distinct and candidate.sentence in used_sentences):
                continue
            if own_share and candidate.sentence % len(_BUILDERS) != share:
                continue
            if repeats.find(candidate.signature) is not None:
                continue
            taken.add(candidate.norm)
            repeats.add(candidate.signature, Holder("", candidate.norm))
            used_sentences.add(candidate.sentence)
            chosen.append(candidate)
    return chosen


def _seed(digest: str, batch_key: str) -> int:
    raw = hashlib.blake2b(f"{digest}\0{batch_key}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big")


def _balanced_order(pool: tuple[_Candidate, ...], rng: random.Random) -> list[int]:
    """True and false statements alternating, so any answer is close to half and half."""
    true_ones = [i for i, c in enumerate(pool) if c.question.get("correct_answer") is True]
    false_ones = [i for i, c in enumerate(pool) if c.question.get("correct_answer") is False]
    rng.shuffle(true_ones)
    rng.shuffle(false_ones)
    first, second = (true_ones, false_ones) if rng.random() < 0.5 else (false_ones, true_ones)
    order: list[int] = []
    for a, b in itertools.zip_longest(first, second):
        order.extend(i for i in (a, b) if i is not None)
    return order


# --------------------------------------------------------------------------------------------
# Reading the content


@dataclass(frozen=True)
class _Sentence:
    index: int
    quote: str
    """Exactly as it appears in the content (markup and all): what `source_quote` carries."""
    plain: str
    """Markup removed, spaces collapsed: what question texts are built from."""
    section: int
    mentions: tuple[tuple[int, int, int], ...] = ()
    """(term index, start, end) in `plain`, longest terms first, non-overlapping."""


@dataclass(frozen=True)
class _Definition:
    sentence: int
    description: str
    """The predicate of "X is Y", without the final full stop."""
    genus: str
    """The head noun of the description ("organelle", "enzyme"), for plausible distractors."""


@dataclass(frozen=True)
class _Term:
    text: str
    key: str
    plural: bool
    article: str
    """The article the text puts before the term ("the", "a", "an", or "" for none)."""
    section: int
    definition: _Definition | None


@dataclass(frozen=True)
class _Analysis:
    digest: str
    sections: tuple[tuple[str, int], ...]
    """(heading, level) per section; section 0 is the text before the first heading."""
    sentences: tuple[_Sentence, ...]
    terms: tuple[_Term, ...]
    true_texts: frozenset[str]
    """Every usable sentence, normalised: a "false" statement must not be one of these."""
    by_section: Mapping[int, tuple[int, ...]]
    """Term indices per section, for distractors and swaps on the same topic."""
    by_genus: Mapping[str, tuple[int, ...]]
    """Indices of defined terms per genus, for distractors of the same kind."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[*_\"“(\[]*[A-Z0-9])")
_ABBREVIATIONS = _words("""e.g. i.e. etc. dr. mr. mrs. ms. vs. fig. no.""")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_DEFINITION = re.compile(
    r"^(?:(?P<article>The|A|An)\s+)?(?P<term>[A-Za-z][\w'’-]*(?:\s+[\w'’-]+){0,3}?)"
    r"\s+(?P<verb>is|are)\s+(?P<description>.+)\.$"
)
_NOT_A_SUBJECT = _words(
    """this that these those it its they their there here each every most some many all both
    one another such only no because when if almost what which who how why while our your we
    you he she his her after before during although in on at for from by with as two three
    four five several"""
)
_FUNCTION_WORDS = _words(
    """of in on at for from by with to and or but the a an that which who is are was were be as
    than into about between"""
)
_NOT_A_PLURAL_PREDICATE = _words(
    """not also found usually often able made very more less essential important responsible
    present common rare called known thought used both all only two three four many few key
    vital described sometimes always never still now then there here so too held given taken
    seen shown built kept grown driven born drawn"""
)
_GENUS_STOP = _words(
    """that which who whose where in of with by from for to used made on at between inside
    outside within when a an the"""
)
_META = re.compile(r"\b(these notes|this section|the following|below|above)\b", re.IGNORECASE)


def _plain(raw: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", raw)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = re.sub(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


def _units(content: str) -> Iterable[tuple[int, int, int | None, str | None]]:
    """(start, end, heading level, heading) per block: a heading, a list item or a paragraph."""
    position = 0
    block_start: int | None = None
    block_end = 0
    for line in content.splitlines(keepends=True):
        start, stripped = position, line.strip()
        position += len(line)
        heading = _HEADING.match(stripped)
        item = _LIST_ITEM.match(line)
        if (not stripped or heading or item) and block_start is not None:
            yield block_start, block_end, None, None
            block_start = None
        if heading:
            yield start, start + len(line), len(heading.group(1)), _plain(heading.group(2))
        elif item:
            block_start, block_end = start + item.end(), start + len(line.rstrip())
        elif stripped:
            if block_start is None:
                block_start = start + (len(line) - len(line.lstrip()))
            block_end = start + len(line.rstrip())
    if block_start is not None:
        yield block_start, block_end, None, None


def _split_sentences(content: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    chunk = content[start:end]
    begin = 0
    for match in _BOUNDARY.finditer(chunk):
        before = chunk[begin : match.start()].rstrip('"”’)]')
        last_word = before.rsplit(None, 1)[-1].casefold() if before.split() else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        yield start + begin, start + match.start()
        begin = match.end()
    if begin < len(chunk):
        yield start + begin, end


@functools.lru_cache(maxsize=64)
def _analyse(content: str) -> _Analysis:
    """Sections, usable sentences, key terms and definitions of one text (cached per text)."""
    sections: list[tuple[str, int]] = [("", 0)]
    raw_sentences: list[tuple[str, str, int]] = []
    for start, end, level, heading in _units(content):
        if heading is not None and level is not None:
            sections.append((heading, level))
            continue
        for s_start, s_end in _split_sentences(content, start, end):
            quote = content[s_start:s_end].strip()
            plain = _plain(quote)
            words = len(plain.split())
            if (
                len(quote) <= MAX_QUOTE_CHARS
                and MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS
                and plain.endswith(".")
                and not _META.search(plain)
            ):
                raw_sentences.append((quote, plain, len(sections) - 1))

    prose = "\n".join(plain for _quote, plain, _section in raw_sentences)
    names = frozenset(re.findall(r"(?<=[a-z,;] )[A-Z][\w'’-]*", prose))
    terms: dict[str, _Term] = {}
    for index, (_quote, plain, section) in enumerate(raw_sentences):
        found = _definition_in(plain, index)
        if found and found.key not in terms:
            terms[found.key] = _Term(
                text=found.text if found.article else _display(found.text, names),
                key=found.key,
                plural=found.plural,
                article=found.article,
                section=section,
                definition=found.definition,
            )
    for quote, plain, section in raw_sentences:
        for match in _BOLD.finditer(quote):
            text = _plain(match.group(1) or match.group(2)).strip(" .,;:")
            key = text.casefold()
            if key in terms or not text or len(text.split()) > 4 or len(text) < 3:
                continue
            terms[key] = _Term(
                text=_display(text, names) if plain.startswith(text) else text,
                key=key,
                plural=_looks_plural(text),
                article=_article_before(plain, text),
                section=section,
                definition=None,
            )
    term_list = tuple(terms.values())

    find_mentions = _mention_finder(term_list)
    sentences = tuple(
        _Sentence(i, quote, plain, section, find_mentions(plain))
        for i, (quote, plain, section) in enumerate(raw_sentences)
    )
    by_section: dict[int, list[int]] = {}
    by_genus: dict[str, list[int]] = {}
    for i, term in enumerate(term_list):
        by_section.setdefault(term.section, []).append(i)
        if term.definition and term.definition.genus:
            by_genus.setdefault(term.definition.genus, []).append(i)
    return _Analysis(
        digest=hashlib.sha256(content.encode("utf-8")).hexdigest(),
        sections=tuple(sections),
        sentences=sentences,
        terms=term_list,
        true_texts=frozenset(normalise(s.plain) for s in sentences),
        by_section={k: tuple(v) for k, v in by_section.items()},
        by_genus={k: tuple(v) for k, v in by_genus.items()},
    )


def _definition_in(plain: str, index: int) -> _Term | None:
    match = _DEFINITION.match(plain)
    if not match:
        return None
    term, verb = match.group("term"), match.group("verb")
    description = match.group("description").strip()
    words = term.split()
    if words[0].casefold() in _NOT_A_SUBJECT or any(w.casefold() in _FUNCTION_WORDS for w in words):
        return None
    if any(mark in description for mark in ":;") or re.search(
        r"\b(while|but|example)\b", description
    ):
        return None
    first = description.split()[0].casefold()
    has_article = first in ("the", "a", "an", "one")
    if verb == "is" and not has_article:
        return None
    if not has_article and (first in _NOT_A_PLURAL_PREDICATE or first.endswith(("ed", "ly"))):
        return None
    if len(description.split()) < 3 or term.casefold() in description.casefold():
        return None
    article = (match.group("article") or "").casefold()
    return _Term(
        text=term,
        key=term.casefold(),
        plural=verb == "are",
        article=article,
        section=0,
        definition=_Definition(index, description, _genus(description)),
    )


@functools.lru_cache(maxsize=8192)
def _genus(description: str) -> str:
    """The head noun of a description: "the organelle that …" gives "organelle"."""
    words = description.split()
    if words[0].casefold() in ("the", "a", "an"):
        words = words[1:]
    head = ""
    for word in words:
        cleaned = word.strip(",.").casefold()
        if cleaned in _GENUS_STOP or cleaned.endswith("ed") or word.endswith(","):
            return head or cleaned
        head = cleaned
    return head


def _lower_first(term: str) -> str:
    first = term.split()[0]
    if len(first) > 1 and not first[1:].islower():
        return term  # an acronym or a name such as "DNA", "mRNA"
    return term[0].lower() + term[1:]


def _display(text: str, names: frozenset[str]) -> str:
    """`text` with its first letter as the prose writes it mid-sentence (`names` are the
    capitalised words found there)."""
    if text[0].islower() or not text[0].isalpha():
        return text
    lowered = _lower_first(text)
    if lowered == text:
        return text
    if text.split()[0] in names:
        return text  # capitalised mid-sentence too: a name ("Golgi apparatus")
    return lowered


def _looks_plural(text: str) -> bool:
    last = text.split()[-1].casefold()
    return last.endswith("s") and not last.endswith(("ss", "is", "us"))


def _article_before(plain: str, text: str) -> str:
    index = plain.find(text)
    if index <= 0:
        return ""
    previous = plain[:index].split()[-1].casefold() if plain[:index].split() else ""
    return previous if previous in ("the", "a", "an") else ""


def _mention_finder(
    terms: tuple[_Term, ...],
) -> Callable[[str], tuple[tuple[int, int, int], ...]]:
    """A function listing (term index, start, end) of every term in a sentence; the pattern
    and the index are built once per text, not once per sentence."""
    if not terms:
        return lambda plain: ()
    index_of = {t.key: i for i, t in enumerate(terms)}
    alternatives = "|".join(re.escape(k) for k in sorted(index_of, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)

    def mentions(plain: str) -> tuple[tuple[int, int, int], ...]:
        found = ((index_of.get(m.group(0).casefold()), m) for m in pattern.finditer(plain))
        return tuple((i, m.start(), m.end()) for i, m in found if i is not None)

    return mentions


# --------------------------------------------------------------------------------------------
# Building every candidate question of one type


@dataclass(frozen=True)
class _Candidate:
    question: dict[str, Any]
    norm: str
    """The question text as `normalise` folds it, for avoid-list and repeat checks."""
    sentence: int
    """The sentence it was built from: one answer draws on as many sentences as it can."""
    json: str
    """The question serialised once, so a call only joins strings."""
    signature: Signature
    """How the integrity screen tells repeats, so the mock never offers a near-duplicate."""


@functools.lru_cache(maxsize=32)
def _candidates(content: str, question_type: str, limit: int) -> tuple[_Candidate, ...]:
    """The first `limit` candidates; a larger limit extends the same sequence."""
    analysis = _analyse(content)
    rng = random.Random(_seed(analysis.digest, f"pool:{question_type}"))
    qtype = _question_type(question_type)
    seen: set[str] = set()
    result: list[_Candidate] = []
    for question, sentence in _BUILDERS[question_type](analysis, rng):
        if len(result) >= limit:
            break
        norm = normalise(question["question_text"])
        if norm in seen:
            continue
        parsed, _problems = qtype.parse(question)
        if parsed is None:
            continue
        seen.add(norm)
        result.append(
            _Candidate(
                question,
                norm,
                sentence,
                json.dumps(question, ensure_ascii=False),
                signature(qtype, parsed),
            )
        )
    return tuple(result)


# Every candidate this process has served, by (content digest, normalised question text): how
# the mock knows the key of a question it is asked to avoid without rebuilding every pool.
_SERVED: dict[tuple[str, str], Signature] = {}


def _remember(content: str, chosen: list[_Candidate]) -> list[_Candidate]:
    digest = _analyse(content).digest
    for candidate in chosen:
        _SERVED[(digest, candidate.norm)] = candidate.signature
    return chosen


Built = Iterable[tuple[dict[str, Any], int]]


def _question(text: str, explanation: str, quote: str, **fields: Any) -> dict[str, Any]:
    return {"question_text": text, **fields, "explanation": explanation, "source_quote": quote}


def _single_mentions(sentence: _Sentence) -> Iterable[tuple[int, int, int]]:
    """Mentions whose term appears nowhere else in the sentence, even inside another word."""
    folded = sentence.plain.casefold()
    for term_index, start, end in sentence.mentions:
        if folded.count(sentence.plain[start:end].casefold()) == 1:
            yield term_index, start, end


def _gap(plain: str, start: int, end: int, marker: str) -> str:
    return plain[:start] + marker + plain[end:]


def _other_case(text: str) -> str | None:
    first = text.split()[0]
    if not text[0].isalpha() or (len(first) > 1 and not first[1:].islower()):
        return None
    return text[0].swapcase() + text[1:]


def _shuffled(items: Iterable[Any], rng: random.Random) -> list[Any]:
    """A long text's candidates come from all of it, not its first chapter, when pools are cut."""
    result = list(items)
    rng.shuffle(result)
    return result


def _fill_in_blank(analysis: _Analysis, rng: random.Random) -> Built:
    for sentence in _shuffled(analysis.sentences, rng):
        for term_index, start, end in _single_mentions(sentence):
            surface = sentence.plain[start:end]
            text = _gap(sentence.plain, start, end, "[blank_1]")
            if surface.casefold() in text.casefold():
                continue
            answers = [surface]
            alternative = _other_case(surface)
            if alternative:
                answers.append(alternative)
            term = analysis.terms[term_index].text
            yield (
                _question(
                    text,
                    f"The missing term is “{term}”: {sentence.plain}",
                    sentence.quote,
                    blanks=[{"position": 1, "answers": answers}],
                ),
                sentence.index,
            )


def _preceded_by_article(plain: str, start: int) -> bool:
    before = plain[:start].split()
    return bool(before) and before[-1].casefold() in ("the", "a", "an")


def _fits(term: _Term, like: _Term, article: bool) -> bool:
    """Whether `term` can stand where `like` stands without breaking the grammar."""
    return term.plural == like.plural and bool(term.article) == article


def _unrelated(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a != b and a not in b and b not in a


def _kin(analysis: _Analysis, term: _Term, rng: random.Random, wide: bool = True) -> list[_Term]:
    """Other terms, nearest first: same genus, then same section, then (if `wide`) a sample of
    the rest. Each tier is shuffled; the last is bounded so a long text stays cheap to search.
    """
    genus = term.definition.genus if term.definition else ""
    tiers = [
        list(analysis.by_genus.get(genus, ())),
        list(analysis.by_section.get(term.section, ())),
    ]
    if wide:
        tiers.append(rng.sample(range(len(analysis.terms)), min(len(analysis.terms), 40)))
    seen = {term.key}
    ordered: list[_Term] = []
    for tier in tiers:
        rng.shuffle(tier)
        for index in tier:
            other = analysis.terms[index]
            if other.key not in seen:
                seen.add(other.key)
                ordered.append(other)
    return ordered


def _pick_terms(
    analysis: _Analysis,
    correct: _Term,
    avoid_text: str,
    article: bool,
    rng: random.Random,
    k: int = 3,
) -> list[_Term] | None:
    """`k` other terms that fit the gap, none in `avoid_text`, nearest kind first."""
    folded = avoid_text.casefold()
    picked: list[_Term] = []
    for term in _kin(analysis, correct, rng):
        if not _fits(term, correct, article) or term.key in folded:
            continue
        if all(_unrelated(term.text, other.text) for other in [correct, *picked]):
            picked.append(term)
            if len(picked) == k:
                return picked
    return None


def _gives_away(term: _Term, stem: str) -> bool:
    """Whether a content word of the answer appears in the stem ("nitrogen" for nitrogen cycle)."""
    stem_words = re.findall(r"\w+", stem.casefold())
    return any(
        stem_word.startswith(word)
        for word in term.key.split()
        if len(word) >= 4
        for stem_word in stem_words
    )


def _options(correct: str, wrong: Iterable[str], rng: random.Random) -> list[dict[str, Any]]:
    options = [{"text": correct, "correct": True}] + [{"text": w, "correct": False} for w in wrong]
    rng.shuffle(options)
    return options


def _capitalise(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _multiple_choice(analysis: _Analysis, rng: random.Random) -> Built:
    terms, sentences = analysis.terms, analysis.sentences
    defined = [t for t in terms if t.definition]
    # "What is X?" with descriptions as options, and "Which term is defined as …?"
    for term in _shuffled(defined, rng):
        definition = term.definition
        assert definition is not None
        sentence = sentences[definition.sentence]
        subject = f"{term.article} {term.text}" if term.article else term.text
        verb = "are" if term.plural else "is"
        stem = f"According to the notes, what {verb} {subject}?"
        others = [
            t.definition.description
            for t in defined
            if t is not term
            and t.definition
            and t.plural == term.plural
            and term.key not in t.definition.description.casefold()
            and len(t.definition.description) <= MAX_DESCRIPTION_CHARS
        ]
        if len(definition.description) <= MAX_DESCRIPTION_CHARS and len(others) >= 3:
            same_kind = [d for d in others if _genus(d) == definition.genus]
            rng.shuffle(same_kind)
            rest = [d for d in others if d not in same_kind]
            rng.shuffle(rest)
            wrong = [_capitalise(d) for d in (same_kind + rest)[:3]]
            yield (
                _question(
                    stem,
                    f"The notes define {subject} as {definition.description}.",
                    sentence.quote,
                    options=_options(_capitalise(definition.description), wrong, rng),
                ),
                sentence.index,
            )
        stem = f"Which term do the notes define as “{definition.description}”?"
        distractors = _pick_terms(analysis, term, stem, bool(term.article), rng)
        if distractors and not _gives_away(term, stem):
            yield (
                _question(
                    stem,
                    f"{sentence.plain}",
                    sentence.quote,
                    options=_options(term.text, [t.text for t in distractors], rng),
                ),
                sentence.index,
            )
    # "Which term fills the gap?" for every sentence naming a term once
    for sentence in _shuffled(sentences, rng):
        for term_index, start, end in _single_mentions(sentence):
            term = terms[term_index]
            gapped = _gap(sentence.plain, start, end, "____")
            stem = f"Which term fills the gap? “{gapped}”"
            if term.key in stem.casefold():
                continue
            article = _preceded_by_article(sentence.plain, start)
            distractors = _pick_terms(analysis, term, stem, article, rng)
            if not distractors:
                continue
            yield (
                _question(
                    stem,
                    f"The notes name {term.text} here: {sentence.plain}",
                    sentence.quote,
                    options=_options(term.text, [t.text for t in distractors], rng),
                ),
                sentence.index,
            )


_FOLLOWERS = _words(
    """of in and or to is are was were that which with from into by for as at on than has have
    can does do while where when so because but before after during inside outside between
    through its their"""
)


def _stands_alone(plain: str, start: int, end: int) -> bool:
    """Whether a mention is a whole noun phrase, not the first half of one ("cell division")."""
    if plain[:start].strip().casefold() in ("", "the", "a", "an"):
        return True
    rest = plain[end:].split(None, 1)
    return not rest or not rest[0][0].isalpha() or rest[0].casefold() in _FOLLOWERS


def _alike(a: _Term, b: _Term) -> bool:
    """Terms of one kind (same genus) or one topic (same section): a swap that is not a giveaway."""
    if a.section == b.section:
        return True
    return bool(a.definition and b.definition and a.definition.genus == b.definition.genus)


def _swap(
    analysis: _Analysis, sentence: _Sentence, mention: tuple[int, int, int], term: _Term
) -> str | None:
    """The sentence with the mentioned term replaced by `term`, or None if it would not read."""
    term_index, start, end = mention
    original = analysis.terms[term_index]
    folded = sentence.plain.casefold()
    if term.key == original.key or term.key in folded or original.key in term.key:
        return None
    if not _fits(term, original, _preceded_by_article(sentence.plain, start)):
        return None
    if not _alike(term, original) or not _stands_alone(sentence.plain, start, end):
        return None
    if term.definition is None or original.definition is None:
        return None  # a bold word may be an adjective ("semiconservative"): not swappable
    replacement = _capitalise(term.text) if start == 0 else term.text
    before = sentence.plain[:start]
    article = re.search(r"\b([Aa]n?) $", before)
    if article:
        wanted = "an" if replacement[0].casefold() in "aeiou" else "a"
        if article.group(1)[0] == "A":
            wanted = _capitalise(wanted)
        before = before[: article.start(1)] + wanted + " "
    return before + replacement + sentence.plain[end:]


def _false_versions(
    analysis: _Analysis, sentence: _Sentence, rng: random.Random, limit: int = 2
) -> list[tuple[str, _Term, _Term]]:
    """Up to `limit` (statement, term swapped out, term swapped in) made false by one swap."""
    found: list[tuple[str, _Term, _Term]] = []
    for mention in _single_mentions(sentence):
        original = analysis.terms[mention[0]]
        for other in _kin(analysis, original, rng, wide=False):
            statement = _swap(analysis, sentence, mention, other)
            if statement and normalise(statement) not in analysis.true_texts:
                found.append((statement, original, other))
                break
        if len(found) >= limit:
            break
    return found


def _statements(analysis: _Analysis) -> list[_Sentence]:
    """Sentences fit to be judged true or false: declarative, naming at least one key term."""
    return [s for s in analysis.sentences if s.mentions and not s.plain.endswith("?")]


def _true_false(analysis: _Analysis, rng: random.Random) -> Built:
    for sentence in _shuffled(_statements(analysis), rng):
        yield (
            _question(
                sentence.plain,
                "True: the notes state exactly this.",
                sentence.quote,
                correct_answer=True,
            ),
            sentence.index,
        )
        for statement, original, other in _false_versions(analysis, sentence, rng):
            yield (
                _question(
                    statement,
                    f"False: the notes name {original.text} here, not {other.text}: "
                    f"“{sentence.plain}”",
                    sentence.quote,
                    correct_answer=False,
                ),
                sentence.index,
            )


def _multiple_answer(analysis: _Analysis, rng: random.Random) -> Built:
    statements = [s for s in _statements(analysis) if len(s.plain) <= MAX_OPTION_CHARS]
    terms = analysis.terms
    true_about: dict[int, list[_Sentence]] = {}
    for sentence in statements:
        for term_index in dict.fromkeys(m[0] for m in sentence.mentions):
            true_about.setdefault(term_index, []).append(sentence)

    mentioning: dict[str, list[_Sentence]] = {}
    for sentence in statements:
        for term_index in dict.fromkeys(m[0] for m in sentence.mentions):
            mentioning.setdefault(terms[term_index].key, []).append(sentence)

    def false_about(subjects: list[_Term], limit: int = 6) -> list[tuple[str, _Sentence, _Term]]:
        """Statements about neighbouring terms, made false by naming a subject instead."""
        keys = {t.key for t in subjects}
        made: list[tuple[str, _Sentence, _Term]] = []
        for subject in subjects:
            for neighbour in _kin(analysis, subject, rng, wide=False):
                if neighbour.plural != subject.plural or not _alike(neighbour, subject):
                    continue
                for sentence in mentioning.get(neighbour.key, ()):
                    folded = sentence.plain.casefold()
                    if any(k in folded for k in keys):
                        continue
                    for mention in _single_mentions(sentence):
                        if terms[mention[0]].key != neighbour.key:
                            continue
                        statement = _swap(analysis, sentence, mention, subject)
                        if statement and normalise(statement) not in analysis.true_texts:
                            made.append((statement, sentence, neighbour))
                            if len(made) >= limit:
                                return made
        return made

    def build(stem: str, truths: list[_Sentence], falsehoods: list[tuple[str, _Sentence, _Term]]):
        truths = list(dict.fromkeys(truths))
        if len(truths) < 2 or len(truths) + len(falsehoods) < 5:
            return None
        rng.shuffle(truths)
        rng.shuffle(falsehoods)
        correct = min(len(truths), 4, rng.choice((2, 3, 3, 4)))
        correct = max(correct, 5 - len(falsehoods))
        if correct > min(4, len(truths)):
            return None
        chosen_true = truths[:correct]
        chosen_false = falsehoods[: 5 - correct]
        options = [{"text": s.plain, "correct": True} for s in chosen_true] + [
            {"text": text, "correct": False} for text, _s, _t in chosen_false
        ]
        if len({normalise(o["text"]) for o in options}) != 5:
            return None
        rng.shuffle(options)
        _text, source, swapped = chosen_false[0] if chosen_false else (None, None, None)
        explanation = f"{correct} statements are taken from the notes."
        if source is not None and swapped is not None:
            explanation += f" The others are altered; the notes say: “{source.plain}”"
        return _question(stem, explanation, chosen_true[0].quote, options=options), chosen_true[0]

    def subject(term: _Term) -> str:
        return f"the {term.text}" if term.article and not term.plural else term.text

    true_about = {i: truths for i, truths in true_about.items() if terms[i].definition}
    for term_index, truths in true_about.items():
        term = terms[term_index]
        built = build(
            f"Which of the following statements about {subject(term)} are true?",
            truths,
            false_about([term]),
        )
        if built:
            yield built[0], built[1].index
    for (a, truths_a), (b, truths_b) in itertools.combinations(true_about.items(), 2):
        first, second = terms[a], terms[b]
        if first.section != second.section or not _unrelated(first.text, second.text):
            continue
        built = build(
            f"Which of the following statements about {subject(first)} and {subject(second)} "
            "are true?",
            truths_a + truths_b,
            false_about([first, second]),
        )
        if built:
            yield built[0], built[1].index
    for section_index, (heading, _level) in enumerate(analysis.sections):
        in_section = [s for s in statements if s.section == section_index]
        mentioned = list(dict.fromkeys(terms[m[0]] for s in in_section for m in s.mentions))
        if not heading or not mentioned:
            continue
        built = build(
            f"According to the notes on “{heading}”, which of the following statements are true?",
            in_section,
            false_about(mentioned[:6]),
        )
        if built:
            yield built[0], built[1].index


def _definitions_for_pairs(analysis: _Analysis) -> list[_Term]:
    result: list[_Term] = []
    seen: set[str] = set()
    for term in analysis.terms:
        definition = term.definition
        if definition is None or len(definition.description) > MAX_DESCRIPTION_CHARS:
            continue
        key = normalise(definition.description)
        if key in seen:
            continue
        seen.add(key)
        result.append(term)
    return result


def _matching(analysis: _Analysis, rng: random.Random) -> Built:
    defined = _definitions_for_pairs(analysis)
    if len(defined) < 3:
        return
    chosen_sets: list[frozenset[str]] = []
    sizes = (4, 5, 3, 6)
    for attempt in range(400):
        size = min(sizes[attempt % len(sizes)], len(defined))
        anchor = rng.choice(defined)
        near = [t for t in defined if t.section == anchor.section and t is not anchor]
        far = [t for t in defined if t.section != anchor.section]
        rng.shuffle(near)
        rng.shuffle(far)
        group = [anchor, *near[: size - 2], *far][:size]
        keys = frozenset(t.key for t in group)
        if len(group) < 3 or any(len(keys & previous) >= size - 1 for previous in chosen_sets):
            continue
        chosen_sets.append(keys)
        extra = [t for t in defined if t.key not in keys]
        rng.shuffle(extra)
        distractors = [
            _capitalise(t.definition.description) for t in extra[: attempt % 3] if t.definition
        ]
        pairs = [
            {"prompt": t.text, "answer": _capitalise(t.definition.description)}
            for t in group
            if t.definition
        ]
        names = [t.text for t in group]
        listing = ", ".join(names[:-1]) + f" and {names[-1]}"
        first = group[0]
        assert first.definition is not None
        sentence = analysis.sentences[first.definition.sentence]
        yield (
            _question(
                f"Match each term to its description in the notes: {listing}.",
                f"Each description is the notes' own definition; for example, {sentence.plain}",
                sentence.quote,
                pairs=pairs,
                distractors=distractors,
            ),
            sentence.index,
        )
        if len(chosen_sets) >= 60:
            return


def _categorization(analysis: _Analysis, rng: random.Random) -> Built:
    by_section: dict[int, list[_Term]] = {}
    for term in analysis.terms:
        by_section.setdefault(term.section, []).append(term)
    headed = [i for i, (heading, _level) in enumerate(analysis.sections) if heading]
    deep = [i for i in headed if analysis.sections[i][1] >= 2]
    eligible = [
        i
        for i in (
            deep if len([i for i in deep if len(by_section.get(i, [])) >= 2]) >= 2 else headed
        )
        if len(by_section.get(i, [])) >= 2
    ]
    unique_names: dict[str, int] = {}
    for i in eligible:
        unique_names.setdefault(analysis.sections[i][0].casefold(), i)
    eligible = list(unique_names.values())
    for combo in _section_combos(eligible, rng):
        per_category = max(1, min(4, 12 // len(combo)))
        names = [analysis.sections[i][0] for i in combo]
        folded_names = {n.casefold() for n in names}
        categories = []
        used: set[str] = set()
        for section_index, name in zip(combo, names, strict=True):
            pool = [t for t in by_section[section_index] if t.key not in folded_names]
            rng.shuffle(pool)
            items = []
            for term in pool:
                if term.key not in used and len(items) < per_category:
                    items.append(term.text)
                    used.add(term.key)
            if not items:
                break
            categories.append({"name": name, "items": items})
        if len(categories) != len(combo):
            continue
        total = sum(len(c["items"]) for c in categories)
        if not 4 <= total <= 20:
            continue
        outside = [
            t.text
            for i in eligible
            if i not in combo
            for t in by_section.get(i, [])
            if t.key not in used and t.key not in folded_names
        ]
        rng.shuffle(outside)
        distractors = outside[: rng.choice((0, 1, 2))]
        example = next(
            (t for t in by_section[combo[0]] if t.text == categories[0]["items"][0]), None
        )
        sentence = _sentence_naming(analysis, example) if example else None
        if sentence is None:
            continue
        listing = ", ".join(f"“{n}”" for n in names[:-1]) + f" or “{names[-1]}”"
        yield (
            _question(
                f"Place each term under the section of the notes that explains it: {listing}.",
                f"Each term is explained under the heading it belongs to; for example, "
                f"under “{names[0]}”: {sentence.plain}",
                sentence.quote,
                categories=categories,
                distractors=distractors,
            ),
            sentence.index,
        )


def _section_combos(sections: list[int], rng: random.Random) -> Iterable[tuple[int, ...]]:
    """Sets of 2–4 sections, smaller sets first; sampled, not enumerated, for long texts."""
    if len(sections) < 2:
        return
    if len(sections) <= 8:
        combos = [c for size in (2, 3, 4) for c in itertools.combinations(sections, size)]
        rng.shuffle(combos)
        yield from sorted(combos, key=len)
        return
    seen: set[tuple[int, ...]] = set()
    for attempt in range(MAX_CANDIDATES * 2):
        combo = tuple(sorted(rng.sample(sections, 2 + attempt % 3)))
        if combo not in seen:
            seen.add(combo)
            yield combo


def _sentence_naming(analysis: _Analysis, term: _Term) -> _Sentence | None:
    if term.definition is not None:
        return analysis.sentences[term.definition.sentence]
    index = next(i for i, t in enumerate(analysis.terms) if t.key == term.key)
    for sentence in analysis.sentences:
        if sentence.section == term.section and any(m[0] == index for m in sentence.mentions):
            return sentence
    return None


_BUILDERS: dict[str, Callable[[_Analysis, random.Random], Built]] = {
    "multiple_choice": _multiple_choice,
    "multiple_answer": _multiple_answer,
    "true_false": _true_false,
    "fill_in_blank": _fill_in_blank,
    "matching": _matching,
    "categorization": _categorization,
}


# --------------------------------------------------------------------------------------------
# Answering a verification request from the quote alone


def verify_answer(item: VerificationItem) -> dict[str, Any]:
    """Answer one question as the verifier would: from the quote alone, by matching content words.

    Multiple choice: the one option sharing the most content words with the quote (a tie is "?").
    Multiple answer: the options the quote grounds. True/false: true when the quote holds every
    content word of the statement (with the same negation). Fill in the blank: the quote's words
    where the question has its markers. Deterministic, so verify runs are testable offline.
    """
    quote = grounding.Passage.of(item.quote)
    answer: list[str]
    if item.question_type == "multiple_choice":
        # An option the quote contains word for word wins; then the one covering most of the
        # quote's words the stem lacks (the quote usually restates the stem); then overall.
        plain = " ".join(_plain(item.quote).casefold().split())
        asked = set(grounding.content_words(item.question_text))
        words = tuple(w for w in quote.words if w not in asked)
        rest = grounding.Passage(item.quote, words, frozenset(words), quote.negated)
        scores = [
            (
                " ".join(option.casefold().split()) in plain,
                grounding.overlap(option, rest),
                grounding.overlap(option, quote),
            )
            for option in item.options
        ]
        best = max(scores, default=(False, 0.0, 0.0))
        winners = [i for i, score in enumerate(scores) if score == best]
        found = best[0] or best[1] > 0
        answer = [_LETTERS[winners[0]]] if found and len(winners) == 1 else ["?"]
    elif item.question_type == "multiple_answer":
        picked = [_LETTERS[i] for i, option in enumerate(item.options) if _holds(option, quote)]
        answer = picked or ["?"]
    elif item.question_type == "true_false":
        answer = ["true" if _holds(item.question_text, quote) else "false"]
    else:
        answer = _fill_blanks(item.question_text, item.quote, item.blanks)
    return {"number": item.number, "answer": answer}


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _holds(claim: str, quote: grounding.Passage) -> bool:
    """Every content word of the claim is in the quote, with the same negation."""
    missing = grounding.missing_words(claim, quote)
    return not missing and grounding.negated(claim) == quote.negated


_MARKER = re.compile(r"\[blank_\d+\]")


def _fill_blanks(question_text: str, quote: str, blanks: int) -> list[str]:
    """The quote's words where each marker stands: the question read against the quote as a
    whole, else found by the few words around each marker."""
    plain = " ".join(_plain(quote).split())
    parts = _MARKER.split(question_text)
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
