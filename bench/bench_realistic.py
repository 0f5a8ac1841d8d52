"""Model requests per batch, and flaws reaching review, on a realistic answer stream.

    python bench/bench_realistic.py [--seeds 5] [--misquote-rate 0.5] [--flaw-rate 0.25]

Runs `quizgen create --provider openai` on the plain-prose appendix flow (3 modules, 6 batches,
55 questions) and the shipped biology example (3 modules, 6 batches, 45 questions) against the
fake OpenAI server in realistic mode (tests/fakes/realistic_model.py), through the real openai
client over HTTP on 127.0.0.1. Two streams, each over `--seeds` seeds:

- misquoting: about half the source quotes deviate harmlessly (emphasis dropped, typographic
  quotes, a line break as a space, no final full stop, an ellipsis); no flaws. The figure is
  model requests per batch; issue 11's target is ≤ 1.3.
- flawed: the same misquoting plus a flaw in about a quarter of the questions (wrong key, two
  correct, a true/false that negates its quote, a give-away, a quote with a changed word). The
  figure is, per flaw kind, how many the fake made and how many reached review (target 0).

Also printed: why quizgen rejected the misquoted questions it rejected (reason codes), so a
check that is too narrow shows by name.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.realistic_model import FLAWS, RealisticModel  # noqa: E402
from tests.realistic_harness import Outcome, run_quizzes  # noqa: E402


def run(seed: int, misquote_rate: float, flaw_rate: float) -> Outcome:
    model = RealisticModel(seed=seed, misquote_rate=misquote_rate, flaw_rate=flaw_rate)
    with tempfile.TemporaryDirectory() as tmp:
        return run_quizzes(Path(tmp), model)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--misquote-rate", type=float, default=0.5)
    parser.add_argument("--flaw-rate", type=float, default=0.25)
    args = parser.parse_args()

    print(f"misquoting stream: {args.misquote_rate:.0%} of quotes deviate, no flaws")
    requests = batches = 0
    misquotes = refused = 0
    why: Counter[str] = Counter()
    for seed in range(args.seeds):
        outcome = run(seed, args.misquote_rate, 0.0)
        requests += outcome.requests
        batches += len(outcome.batches)
        short = sum(b["target_count"] - b["generated_count"] for b in outcome.batches)
        print(
            f"  seed {seed}: {outcome.requests} requests / {len(outcome.batches)} batches = "
            f"{outcome.per_batch:.2f} per batch; {short} question(s) short"
        )
        for item in outcome.injected("misquote"):
            misquotes += 1
            reasons = outcome.reasons(item)
            if reasons:
                refused += 1
                why.update(f"{item.detail}: {code}" for code in reasons)
    print(f"model requests per batch: {requests / max(1, batches):.2f} (target <= 1.30)")
    print(f"misquoted questions rejected: {refused} of {misquotes}")
    for reason, count in why.most_common():
        print(f"  {reason}: {count}")

    print(f"\nflawed stream: flaws in {args.flaw_rate:.0%} of questions, same misquoting")
    made: Counter[str] = Counter()
    reached: Counter[str] = Counter()
    requests = batches = 0
    for seed in range(args.seeds):
        outcome = run(seed, args.misquote_rate, args.flaw_rate)
        requests += outcome.requests
        batches += len(outcome.batches)
        for kind in FLAWS:
            for item in outcome.injected(kind):
                made[kind] += 1
                reached[kind] += outcome.reached_review(item)
    print(f"model requests per batch: {requests / max(1, batches):.2f}")
    print("flaws reaching review, per kind (made by the fake -> reached review):")
    for kind in FLAWS:
        print(f"  {kind:<17} {made[kind]:>4} -> {reached[kind]}")


if __name__ == "__main__":
    main()
