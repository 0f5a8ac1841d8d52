"""A department-size run, synchronous and through the Batch API: requests, tokens, cost, time.

    python bench/batch_scale.py

Two parts, both printed:
1. Measured: the seed's 6-batch, 55-question quiz (tests/fixtures/prose/appendix.toml) created
   through the CLI against the fake OpenAI server answering as a real model does
   (`mode="realistic"`: misquotes and short answers, so corrections and top-ups happen), once
   synchronously and once with --batch-api + collect --wait. From it: calls per batch, the
   prompt's own tokens per call (instructions, avoid list, conversation; the module content
   excluded), output tokens per question asked, Batch API rounds, and the two costs.
2. Extrapolated with that shape to 200 courses × 10 modules × 4 batches × 10 questions and a
   module of CONTENT_TOKENS tokens: requests, input/output tokens, cost per model at the
   prices in quizgen/report/cost.py (sync and batch), and wall time under the Tier 1 and Tier 4
   limits below. Token counts are the fake's (characters ÷ 4, OpenAI's rule of thumb).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizgen.report.cost import BUILTIN_PRICES, batch_price, cost  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

SPEC = ROOT / "tests" / "fixtures" / "prose" / "appendix.toml"
COURSES, MODULES, BATCHES, QUESTIONS = 200, 10, 4, 10
CONTENT_TOKENS = 6_000
"""One module's notes: about 24,000 characters, a dozen pages."""
MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "o3")
LIMITS = {
    # gpt-4o: requests/min, tokens/min, Batch API queue (input tokens enqueued at once).
    # OpenAI's published usage-tier tables; an account's own page has the current figures.
    "Tier 1": (500, 30_000, 90_000),
    "Tier 4": (10_000, 800_000, 80_000_000),
}
MAX_FILE_REQUESTS, MAX_FILE_BYTES = 50_000, 200_000_000


def run(args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "quizgen", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(done.stdout)


def measure(batch_api: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder, FakeOpenAI(mode="realistic") as fake:
        env = {
            **os.environ,
            "QUIZGEN_DB": f"{folder}/q.db",
            "QUIZGEN_CONFIG": f"{folder}/none.toml",
            "OPENAI_API_KEY": "sk-bench",
            "QUIZGEN_BATCH_POLL": "0.01",
        }
        base = ["--provider", "openai", "--model", "gpt-4o", "--base-url", fake.base_url]
        doc = run(["create", str(SPEC), *base, *(["--batch-api"] if batch_api else [])], env)
        if batch_api:
            doc = run(["collect", doc["quiz"]["id"], "--wait"], env)
        content_chars = sum(m["chars"] for m in doc["modules"])
    batches = doc["batches"]
    content_tokens = {}
    for module in doc["modules"]:
        content_tokens[module["module_id"]] = module["chars"] // 4
    calls = sum(b["calls"] for b in batches)
    own_input = sum(
        b["input_tokens"] - b["calls"] * content_tokens[b["module_id"]] for b in batches
    )
    return {
        "questions": doc["totals"]["questions"],
        "target": doc["totals"]["target"],
        "batches": len(batches),
        "calls": calls,
        "input": doc["totals"]["input_tokens"],
        "output": doc["totals"]["output_tokens"],
        "own_input_per_call": own_input / calls,
        "output_per_question": doc["totals"]["output_tokens"] / doc["totals"]["target"],
        "cost": doc["totals"]["estimated_cost_usd"],
        "rounds": len({j["round"] for j in doc.get("batch_api_jobs", [])}),
        "content_chars": content_chars,
    }


def hours(minutes: float) -> str:
    return f"{minutes / 60:,.1f} h" if minutes >= 90 else f"{minutes:,.0f} min"


def main() -> None:
    sync, batch = measure(False), measure(True)
    print("## Measured: the seed's quiz against the realistic fake (gpt-4o prices)\n")
    print("| run | questions | calls | calls/batch | tokens in | tokens out | rounds | cost |")
    print("|---|---|---|---|---|---|---|---|")
    for label, m in (("synchronous", sync), ("--batch-api", batch)):
        print(
            f"| {label} | {m['questions']}/{m['target']} | {m['calls']} | "
            f"{m['calls'] / m['batches']:.2f} | {m['input']:,} | {m['output']:,} | "
            f"{m['rounds'] or '-'} | ${m['cost']:.4f} |"
        )
    # The shape is taken from the batch run: it records answers job by job, in a fixed order,
    # so it is the same every time; the synchronous run records them as they arrive.
    calls_per_batch = batch["calls"] / batch["batches"]
    own = batch["own_input_per_call"]
    out_q = batch["output_per_question"]
    rounds = max(batch["rounds"], 1)
    print(
        f"\nper call, besides the module content: {own:,.0f} input tokens; per question asked: "
        f"{out_q:,.0f} output tokens; calls per batch: {calls_per_batch:.2f}; "
        f"Batch API rounds: {rounds}\n"
    )

    batches = COURSES * MODULES * BATCHES
    questions = batches * QUESTIONS
    requests = math.ceil(batches * calls_per_batch)
    input_per_call = CONTENT_TOKENS + own
    input_tokens = requests * input_per_call
    output_tokens = questions * out_q
    first_bytes = batches * (CONTENT_TOKENS + own) * 4 * 1.1  # JSON escaping, schema, envelope
    jobs = max(math.ceil(batches / MAX_FILE_REQUESTS), math.ceil(first_bytes / MAX_FILE_BYTES))
    print(f"## Extrapolated: {COURSES} courses × {MODULES} modules × {BATCHES} batches\n")
    print(f"- batches: {COURSES} × {MODULES} × {BATCHES} = {batches:,}")
    print(f"- questions: {batches:,} × {QUESTIONS} = {questions:,}")
    print(f"- requests: {batches:,} × {calls_per_batch:.2f} calls per batch = {requests:,}")
    print(
        f"- input tokens: {requests:,} × ({CONTENT_TOKENS:,} content + {own:,.0f} prompt) = "
        f"{input_tokens / 1e6:,.1f} M"
    )
    print(
        f"- output tokens: {questions:,} × {out_q:,.0f} = {output_tokens / 1e6:,.1f} M "
        "(reasoning models add their hidden reasoning tokens to this)"
    )
    print(
        f"- first-round input files: {batches:,} requests ≈ {first_bytes / 1e6:,.0f} MB → "
        f"{jobs} job(s) (≤ {MAX_FILE_REQUESTS:,} requests and ≤ 200 MB each)\n"
    )
    print("| model | synchronous | Batch API |")
    print("|---|---|---|")
    for model in MODELS:
        price = BUILTIN_PRICES[model]
        tokens = {
            "input_tokens": int(input_tokens),
            "cached_tokens": 0,
            "output_tokens": int(output_tokens),
        }
        sync_cost = cost(price, **tokens)
        batch_cost = cost(batch_price(price), **tokens)
        print(f"| {model} | ${sync_cost:,.0f} | ${batch_cost:,.0f} |")
    print("\nwall time, gpt-4o:\n")
    print("| tier | RPM | TPM | batch queue | synchronous | Batch API |")
    print("|---|---|---|---|---|---|")
    total_tokens = input_tokens + output_tokens
    first_input = batches * input_per_call
    for tier, (rpm, tpm, queue) in LIMITS.items():
        by_requests = requests / rpm
        by_tokens = total_tokens / tpm
        per_wave = min(batches, math.floor(queue / input_per_call))
        waves = math.ceil(batches / per_wave)
        print(
            f"| {tier} | {rpm:,} | {tpm:,} | {queue:,} | "
            f"{hours(max(by_requests, by_tokens))} (tokens: {total_tokens / 1e6:,.1f} M ÷ "
            f"{tpm:,}/min) | {waves:,} wave(s) of ≤ {per_wave:,} requests "
            f"({first_input / 1e6:,.1f} M tokens) for the first round, then {rounds - 1} "
            "follow-up round(s); each ≤ 24 h |"
        )


if __name__ == "__main__":
    main()
