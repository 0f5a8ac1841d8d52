"""How close a rate-limited run gets to the allowed rate, and whether it finishes.

    python bench/bench_rate_limit.py [--rate 20] [--burst 20] [--modules 20] [--concurrency 8]

Starts the fake OpenAI server from the tests allowing `rate` requests per second (a token
bucket holding `burst`; 429 with Retry-After beyond it), runs `quizgen create --provider
openai` against it on a quiz of `modules` × 4 batches, and prints the achieved rate ÷ the
allowed rate (target ≥ 0.9), how many 429s the run caused, and how many batches finished.

The achieved rate counts served requests after the initial burst, over the time from the first
request to the last served one: (served − burst) / elapsed. Each module gets its own copy of
the biology notes with module-specific term names, so no two modules yield the same question.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402 - needs the repository on the path

TYPES = ("multiple_choice", "true_false", "fill_in_blank", "multiple_answer")
NOTES = ("cells.md", "genetics.md", "ecology.md")


def module_text(index: int) -> str:
    """The biology notes with every long word made module-specific (`membrane` → `membraneq7`)."""
    text = (ROOT / "examples" / "biology" / "content" / NOTES[index % len(NOTES)]).read_text(
        encoding="utf-8"
    )
    return re.sub(r"\b([A-Za-z]{7,})\b", lambda m: f"{m.group(1)}q{index}", text)


def write_spec(folder: Path, modules: int, count: int) -> Path:
    lines = ['title = "Rate limit bench"', 'language = "en"', "", "[llm]", 'provider = "openai"']
    for index in range(modules):
        name = f"m{index:02d}"
        (folder / f"{name}.md").write_text(module_text(index), encoding="utf-8")
        batches = ", ".join(f'{{ question_type = "{t}", count = {count} }}' for t in TYPES)
        lines += [
            "",
            f"[modules.{name}]",
            f'name = "Module {index}"',
            f'sources = ["{name}.md"]',
            f"question_batches = [{batches}]",
        ]
    spec = folder / "quiz.toml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="allowed requests per second")
    parser.add_argument("--burst", type=float, default=None, help="bucket size (default: rate)")
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--count", type=int, default=3, help="questions per batch")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05, help="fake seconds per answer")
    args = parser.parse_args()
    burst = args.burst if args.burst is not None else args.rate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = write_spec(folder, args.modules, args.count)
        with FakeOpenAI(rate=args.rate, burst=burst, latency=args.latency) as fake:
            env = {
                **os.environ,
                "OPENAI_API_KEY": "sk-bench-not-a-key",
                "QUIZGEN_DB": str(folder / "bench.db"),
                "QUIZGEN_CONFIG": str(folder / "none.toml"),
                "PYTHONPATH": str(ROOT),
            }
            started = time.monotonic()
            ran = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "quizgen",
                    "create",
                    str(spec),
                    "--provider",
                    "openai",
                    "--model",
                    "gpt-4o-mini",
                    "--base-url",
                    fake.base_url,
                    "--concurrency",
                    str(args.concurrency),
                    "--json",
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            wall = time.monotonic() - started
            records = list(fake.requests)

    doc = json.loads(ran.stdout) if ran.stdout.strip() else {}
    totals = doc.get("totals", {})
    served = [r.at for r in records if r.status == 200]
    limited = sum(1 for r in records if r.status == 429)
    elapsed = (max(served) - min(r.at for r in records)) if served else 0.0
    achieved = (len(served) - burst) / elapsed if elapsed > 0 else 0.0
    raw = len(served) / elapsed if elapsed > 0 else 0.0
    print(f"allowed rate R          {args.rate:g} req/s (burst {burst:g})")
    print(
        f"batches                 {totals.get('succeeded', 0)}/{totals.get('batches', 0)} "
        f"succeeded, {totals.get('questions', 0)}/{totals.get('target', 0)} questions "
        f"(exit {ran.returncode})"
    )
    print(f"requests                {len(records)} ({len(served)} served, {limited} answered 429)")
    print(f"429 share               {limited / max(1, len(records)):.1%}")
    print(f"elapsed                 {elapsed:.2f} s of requests, {wall:.2f} s wall")
    print(f"achieved rate           {achieved:.2f} req/s after the burst ({raw:.2f} raw)")
    print(f"achieved ÷ R            {achieved / args.rate:.3f}  (target ≥ 0.9)")
    if ran.returncode not in (0, 1):
        print(ran.stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
