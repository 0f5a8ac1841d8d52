"""Latency benchmark: `quizgen create` end to end (start-up included) against the mock at L s.

    python bench/bench_latency.py [--runs 3]

Two shapes from issue 14, each run `--runs` times, printing wall time ÷ L:
- 20 batches (5 modules × 4 types × 5 questions), L = 1 s, --concurrency 20: floor 1 L, target
  ≤ 1.15 L;
- 80 batches (20 modules × 4 types × 5 questions), L = 0.5 s, --concurrency 20: four rounds
  of 20 calls, floor 4 L, target ≤ 4.3 L.
Also how many LLM calls each run made (a batch needing a second round costs one more L), and
where the time beyond the waiting goes: when the first ask left and how long the run took
after the last answer came back, in milliseconds from the moment the process was started.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import write_course

TYPES = ["multiple_choice", "true_false", "fill_in_blank", "matching"]
SHAPES = [
    # (label, modules, latency, concurrency, target in L)
    ("20 batches, L = 1 s, concurrency 20", 5, 1.0, 20, 1.15),
    ("80 batches, L = 0.5 s, concurrency 20", 20, 0.5, 20, 4.3),
]


TIMELINE = """
import json, runpy, sys, time
import quizgen.llm.mock.adapter as mock

seen = []
complete = mock.MockAdapter.complete


async def timed(self, request):
    seen.append(("ask", time.time()))
    answer = await complete(self, request)
    seen.append(("answer", time.time()))
    return answer


mock.MockAdapter.complete = timed
sys.argv = ["quizgen", *sys.argv[1:]]
try:
    runpy.run_module("quizgen", run_name="__main__")
finally:
    asks = [t for kind, t in seen if kind == "ask"]
    answers = [t for kind, t in seen if kind == "answer"]
    print(json.dumps({"first_ask": min(asks), "last_answer": max(answers)}), file=sys.stderr)
"""
"""`quizgen create` with the mock's `complete` timed: the same run, plus two clock readings."""


def one_run(
    modules: int, latency: float, concurrency: int
) -> tuple[float, int, int, str, float, float]:
    """Wall seconds of one `quizgen create`, its LLM calls, batches, the exit status, and the
    milliseconds to the first ask and after the last answer."""
    with tempfile.TemporaryDirectory() as folder:
        spec_path = write_course(Path(folder), modules, [(t, 5) for t in TYPES])
        db = Path(folder) / "latency.db"
        env = {**os.environ, "QUIZGEN_DB": str(db), "QUIZGEN_MOCK_LATENCY": f"{latency:g}"}
        command = [
            sys.executable,
            "-c",
            TIMELINE,
            "create",
            str(spec_path),
            "--json",
            "--concurrency",
            str(concurrency),
        ]
        started, clock = time.perf_counter(), time.time()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed, ended = time.perf_counter() - started, time.time()
        outcome = "exit 0" if done.returncode == 0 else f"exit {done.returncode}"
        marks = json.loads(done.stderr.strip().splitlines()[-1])
        first_ask = (marks["first_ask"] - clock) * 1000
        after_last = (ended - marks["last_answer"]) * 1000
        with sqlite3.connect(db) as conn:
            calls = conn.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
            batches = conn.execute("SELECT count(*) FROM batches").fetchone()[0]
        return elapsed, calls, batches, outcome, first_ask, after_last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per shape")
    args = parser.parse_args()
    results = {}
    for label, modules, latency, concurrency, target in SHAPES:
        ratios = []
        for _ in range(args.runs):
            elapsed, calls, batches, outcome, first, after = one_run(modules, latency, concurrency)
            ratios.append(elapsed / latency)
            print(
                f"{label}: {elapsed:.2f} s = {elapsed / latency:.3f} L "
                f"({calls} calls for {batches} batches, {outcome}; first ask at {first:.0f} ms, "
                f"{after:.0f} ms after the last answer)",
                flush=True,
            )
        results[label] = ratios
        print(
            f"  → best {min(ratios):.3f} L, worst {max(ratios):.3f} L (target ≤ {target:g} L)",
            flush=True,
        )
    print(json.dumps({label: [round(r, 3) for r in ratios] for label, ratios in results.items()}))


if __name__ == "__main__":
    main()
