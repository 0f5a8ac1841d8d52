"""The offline mock's own cost in the 1,000 batches × 20 questions benchmark, without the rest of
quizgen: `python bench/bench_mock.py [MODULES]` (default 250 modules × 4 types × 20).

Runs what `quizgen create` asks of the mock — the capacity count over every module, then each
batch's first ask, either together (avoiding nothing, as when a module's batches go out at once)
or in turn (avoiding the module's questions so far, as at `--concurrency 1`) — and prints the CPU
time of each part (best of `--runs`, default 3; the reading caches are emptied between runs)
and the memory the mock still holds after the count (tracemalloc, one more run): what stays
alive during the rest of a run. `bench/mock_fingerprint.py` shows the questions did not change.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import module_notes
from quizgen.llm.mock import capacity_warnings, generate_questions, memo, reading

TYPES = ("multiple_choice", "true_false", "fill_in_blank", "matching")


def modules(count: int) -> dict[str, tuple[str, str, tuple[tuple[str, str, int], ...]]]:
    return {
        f"unit{i}": (f"Unit {i}", module_notes(i), tuple((f"unit{i}_{t}_20", t, 20) for t in TYPES))
        for i in range(count)
    }


def forget() -> None:
    reading.read.cache_clear()
    reading._outline.cache_clear()
    memo.clear()


def one_run(found: dict, in_turn: bool) -> tuple[float, float, int]:
    """(CPU of the count, CPU of the first asks, questions). `in_turn`: each batch avoids the
    module's questions so far, as at `--concurrency 1`; else the asks avoid nothing, as when a
    module's batches go out together (the benchmark's `--concurrency 64`, the default 8)."""
    forget()
    started = time.process_time()
    capacity_warnings(found)
    counted = time.process_time()
    questions = 0
    for name, content, batches in found.values():
        so_far: list[str] = []
        for key, kind, count in batches:
            made = generate_questions(
                content, kind, count, key, avoid=so_far, module_batches=batches, topic=name
            )
            if in_turn:
                so_far += [q["question_text"] for q in made]
            questions += len(made)
    return counted - started, time.process_time() - counted, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="?", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    found = modules(args.modules)
    together = [one_run(found, False) for _ in range(args.runs)]
    in_turn = [one_run(found, True) for _ in range(args.runs)]
    count = min(r[0] for r in together + in_turn)
    forget()
    gc.collect()
    tracemalloc.start()
    capacity_warnings(found)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{args.modules} modules × {len(TYPES)} batches × 20, {together[0][2]} questions, "
        f"CPU (best of {args.runs}): capacity count {count:.2f} s; first asks "
        f"{min(r[1] for r in together):.2f} s together, {min(r[1] for r in in_turn):.2f} s in "
        f"turn; held by the mock after the count {held / 1e6:.1f} MB (kept for the first "
        f"asks: {memo.kept_bytes() / 1e6:.1f} MB), peak {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
