"""The floor under the latency targets: the least a program on quizgen's stack can take.

    python bench/floor.py [--runs 5]

Issue 14 asks for 20 batches at mock latency L = 1 s in ≤ 1.15 L and 80 batches at L = 0.5 s
(four rounds of 20) in ≤ 4.3 L, start-up included: 150 ms for everything that is not waiting.
This measures, on this machine, three programs of the same shape that do no quiz work at all —
parse `create`'s eleven options, validate a two-model spec, open a SQLite file, then run the
calls as tasks that each only wait L, twenty at a time:

- `python`: the interpreter starting and stopping, nothing imported (argparse, asyncio);
- `pinned`: the same on the pinned packages quizgen is built on (Typer for the options,
  Pydantic for the spec, anyio for the task group, sqlite3);
- `quizgen`: `quizgen create` itself on bench/synthetic.py's course (as bench_latency.py).

`pinned` is the floor for quizgen: what its wall time cannot go under without replacing Typer,
Pydantic or anyio. Figures are wall time ÷ L, best and median of `--runs`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import write_course

TYPES = ["multiple_choice", "true_false", "fill_in_blank", "matching"]

PYTHON_ONLY = """
import argparse, asyncio, sqlite3, sys
parser = argparse.ArgumentParser()
parser.add_argument("spec")
for option in ("--provider", "--model", "--base-url", "--content-dir", "--db", "--template"):
    parser.add_argument(option)
parser.add_argument("--concurrency", type=int, default=8)
for flag in ("--verify", "--batch-api", "--json"):
    parser.add_argument(flag, action="store_true")
args = parser.parse_args(sys.argv[2:])
latency, calls = float(sys.argv[1]), int(args.spec)
sqlite3.connect(args.db).execute("CREATE TABLE IF NOT EXISTS t (x)").connection.commit()

async def main():
    slots = asyncio.Semaphore(args.concurrency)
    async def call():
        async with slots:
            await asyncio.sleep(latency)
    await asyncio.gather(*(call() for _ in range(calls)))

asyncio.run(main())
"""

PINNED = """
import sqlite3, sys
from pathlib import Path
from typing import Annotated

import typer

latency = float(sys.argv.pop(1))
app = typer.Typer(add_completion=False)


@app.command()
def create(
    calls: int,
    provider: Annotated[str | None, typer.Option("--provider")] = None,
    model: Annotated[str | None, typer.Option("--model")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256)] = 8,
    content_dir: Annotated[Path | None, typer.Option("--content-dir")] = None,
    verify: Annotated[bool, typer.Option("--verify")] = False,
    batch_api: Annotated[bool, typer.Option("--batch-api")] = False,
    db: Annotated[Path | None, typer.Option("--db")] = None,
    template: Annotated[Path | None, typer.Option("--template")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    import anyio
    from pydantic import BaseModel, Field

    class Batch(BaseModel):
        question_type: str
        count: int = Field(ge=1, le=20)

    class Module(BaseModel):
        name: str
        sources: list[str]
        question_batches: list[Batch] = Field(min_length=1, max_length=4)

    batches = [{"question_type": "true_false", "count": 5}]
    Module.model_validate({"name": "Unit", "sources": ["a.md"], "question_batches": batches})
    sqlite3.connect(db).execute("CREATE TABLE IF NOT EXISTS t (x)").connection.commit()

    async def main() -> None:
        slots = anyio.CapacityLimiter(concurrency)

        async def call() -> None:
            async with slots:
                await anyio.sleep(latency)

        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(call)

    anyio.run(main)


app()
"""

SHAPES = [
    # (label, modules, latency, target in L)
    ("20 batches, L = 1 s", 5, 1.0, 1.15),
    ("80 batches, L = 0.5 s", 20, 0.5, 4.3),
]


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(runs: int) -> None:
    for label, modules, latency, target in SHAPES:
        calls = modules * len(TYPES)
        print(f"{label}, concurrency 20 (target ≤ {target:g} L):", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            db = str(Path(folder) / "floor.db")
            spec = write_course(Path(folder), modules, [(t, 5) for t in TYPES])
            programs = {
                "python": [sys.executable, "-c", PYTHON_ONLY, f"{latency:g}", str(calls)],
                "pinned": [sys.executable, "-c", PINNED, f"{latency:g}", str(calls)],
            }
            for command in programs.values():
                command += ["--concurrency", "20", "--json", "--db", db]
            env = {**os.environ, "QUIZGEN_MOCK_LATENCY": f"{latency:g}"}
            quizgen = [sys.executable, "-m", "quizgen", "create", str(spec), "--json"]
            quizgen += ["--concurrency", "20"]
            results: dict[str, list[float]] = {name: [] for name in (*programs, "quizgen")}
            for run in range(runs):  # interleaved, so load changes hit every program alike
                for name, command in programs.items():
                    results[name].append(timed(command) / latency)
                env["QUIZGEN_DB"] = str(Path(folder) / f"quizgen{run}.db")
                results["quizgen"].append(timed(quizgen, env) / latency)
            for name, ratios in results.items():
                median = statistics.median(ratios)
                print(f"  {name:>8}: best {min(ratios):.3f} L, median {median:.3f} L", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each program per shape")
    measure(parser.parse_args().runs)


if __name__ == "__main__":
    main()
