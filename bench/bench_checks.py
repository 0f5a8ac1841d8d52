"""How long screening (`quizgen/checks/screen.py`) takes on a large quiz: 1,000 × 20 questions.

    python bench/bench_checks.py [--batches 1000] [--per-batch 20]

Builds a synthetic quiz (250 modules of 80 sentences from a 6,000-word vocabulary, four batches
each: multiple choice, true/false, fill in the blank, multiple answer), where about 5 % of the
questions repeat an earlier one exactly and about 10 % reword one (same key, stem words shuffled
and one dropped). Then it runs exactly what generation runs per answer — `Screen.screen` (type
checks, citation, grounding, repeats) and `Screen.admit` — on all of them, and prints the time,
the time of the repeat index alone, seeding a `Screen` from stored rows (what `retry` does), and
peak memory. No timing is asserted anywhere; the target is ≤ 2 s for 20,000 questions.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections import Counter
from typing import Any

from quizgen.checks.duplicates import Holder, signature
from quizgen.checks.screen import Screen
from quizgen.content import Section, assemble
from quizgen.questions import question_type

TYPES = ("multiple_choice", "true_false", "fill_in_blank", "multiple_answer")
SENTENCES_PER_MODULE = 80


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "tor", "vas", "quel", "bri", "dun", "sep", "ra", "xo"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def sentence(rng: random.Random, words: list[str]) -> list[str]:
    # Zipf-like: a few words are common to every module, most are rare.
    picks = [words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(3)]
    picks += rng.sample(words, 6)
    return picks


def question(kind: str, parts: list[str], others: list[list[str]], rng: random.Random) -> dict:
    text = " ".join(parts) + "."
    quote = text
    if kind == "true_false":
        return {"question_text": text.capitalize(), "correct_answer": True, "source_quote": quote}
    if kind == "fill_in_blank":
        gap = rng.randrange(3, len(parts))
        stem = " ".join([*parts[:gap], "[blank_1]", *parts[gap + 1 :]]) + "."
        return {
            "question_text": stem,
            "blanks": [{"position": 1, "answers": [parts[gap]]}],
            "source_quote": quote,
        }
    gap = rng.randrange(3, len(parts))
    stem = "Which term completes: " + " ".join([*parts[:gap], "____", *parts[gap + 1 :]]) + "?"
    if kind == "multiple_choice":
        wrong = [o[gap] for o in others[:3]]
        options = [{"text": parts[gap], "correct": True}] + [
            {"text": w, "correct": False} for w in wrong
        ]
        return {"question_text": stem, "options": options, "source_quote": quote}
    stem = f"Which of these statements about {parts[3]} {parts[4]} are true?"
    options = [{"text": " ".join(parts[3:7]), "correct": True}]
    options.append({"text": " ".join(parts[5:9]), "correct": True})
    options += [{"text": " ".join(o[3:7]), "correct": False} for o in others[:3]]
    return {"question_text": stem, "options": options, "source_quote": quote}


def build(batches: int, per_batch: int, seed: int = 7) -> list[tuple[str, str, Any, dict]]:
    """(batch key, type, content, raw question) in the order a run would screen them."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    modules = max(1, batches // len(TYPES))
    work: list[tuple[str, str, Any, dict]] = []
    made: list[tuple[str, Any, dict]] = []
    for m in range(modules):
        lines = [sentence(rng, words) for _ in range(SENTENCES_PER_MODULE)]
        content = assemble([Section(f"module{m}.md", " ".join(" ".join(p) + "." for p in lines))])
        for kind in TYPES:
            key = f"module{m}_{kind}_{per_batch}"
            for _ in range(per_batch):
                roll = rng.random()
                if made and roll < 0.05:
                    kind_, content_, raw = rng.choice(made)  # an exact repeat
                    work.append((key, kind_, content_, raw))
                    continue
                if made and roll < 0.15:
                    kind_, content_, raw = rng.choice(made)  # a rewording
                    words_ = raw["question_text"].rstrip(".?").split()
                    if len(words_) > 6 and kind_ != "fill_in_blank":
                        rng.shuffle(words_)
                        reworded = dict(raw, question_text=" ".join(words_[:-1]) + "?")
                        if kind_ == "true_false":
                            reworded["question_text"] = reworded["question_text"][:-1] + "."
                        work.append((key, kind_, content_, reworded))
                        continue
                parts = rng.choice(lines)
                raw = question(kind, parts, rng.sample(lines, 3), rng)
                made.append((kind, content, raw))
                work.append((key, kind, content, raw))
    return work


def run(work: list[tuple[str, str, Any, dict]]) -> tuple[float, float, Counter[str], Screen]:
    """Wall and CPU seconds (CPU is the steadier figure on a shared machine), the outcome, and
    the screen with every kept question."""
    screen = Screen()
    types = {kind: question_type(kind) for kind in TYPES}
    outcome: Counter[str] = Counter()
    started, cpu = time.perf_counter(), time.process_time()
    for key, kind, content, raw in work:
        verdict = screen.screen(types[kind], raw, content)
        if verdict.accepted:
            screen.admit(verdict.question, key)
            outcome["kept"] += 1
        else:
            outcome.update(verdict.reasons)
    return time.perf_counter() - started, time.process_time() - cpu, outcome, screen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--per-batch", type=int, default=20)
    args = parser.parse_args()
    work = build(args.batches, args.per_batch)
    print(f"{len(work):,} questions in {args.batches:,} batches of {args.per_batch}")

    seconds, cpu, outcome, _screen = run(work)
    print(
        f"all checks (parse, type checks, citation, grounding, repeats): {seconds:.2f} s "
        f"({cpu:.2f} s CPU)"
    )
    print("  outcome:", ", ".join(f"{code} {n:,}" for code, n in outcome.most_common()))

    parsed = []
    for key, kind, _content, raw in work:
        qtype = question_type(kind)
        q, _ = qtype.parse(raw)
        if q is not None:
            parsed.append((key, qtype, q))
    started = time.perf_counter()
    index_screen = Screen()
    repeats = 0
    for key, qtype, q in parsed:
        sig = signature(qtype, q)
        if index_screen.index.find(sig) is None:
            index_screen.index.add(sig, Holder(key, q.question_text))
        else:
            repeats += 1
    print(f"repeat index alone (signature + lookup + add): {time.perf_counter() - started:.2f} s"
          f" ({repeats:,} repeats found)")  # fmt: skip

    stored = [(key, kind, raw) for key, kind, _content, raw in work]
    started = time.perf_counter()
    Screen.of(stored)
    print(f"seeding a Screen from {len(stored):,} stored rows (retry): "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip

    tracemalloc.start()
    run(work)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of a screening pass (tracemalloc): {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
