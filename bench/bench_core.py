"""Core benchmark: concurrency scaling on the mock, start-up time, and a 1,000-batch run.

    python bench/bench_core.py [--latency 1.0]

Prints, for the mock with latency L, the wall time of generation divided by L for 1×1, 1×4,
5×4 and 20×4 batches (concurrency 20); the start-up time of `quizgen --help`; and a real
`quizgen create` of 1,000 batches × 20 questions at zero latency (wall time, CPU time, peak
RSS; on a shared machine the CPU time is the steadier figure).
Targets (issue #2): 5×4 ≤ 1.15 L; --help ≤ 0.25 s; 1,000 batches ≤ 3 s and ≤ 150 MB.
The mock synthesises questions on the CPU (work a real model does elsewhere), so the
1,000-batch run is also timed with answers prepared beforehand: quizgen's own cost.
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


def scaling(latency: float) -> list[tuple[str, float]]:
    """Generation wall time ÷ L, in-process (imports warm), with the real store on disk."""
    import anyio

    from quizgen.content.sources import read_modules
    from quizgen.generation.run import generate
    from quizgen.llm.mock import MockAdapter
    from quizgen.spec import load_spec, plan_batches
    from quizgen.store import NewModule, Store

    results = []
    for modules, per_module in [(1, 1), (1, 4), (5, 4), (20, 4)]:
        with tempfile.TemporaryDirectory() as folder:
            spec_path = write_course(Path(folder), modules, [(t, 10) for t in TYPES[:per_module]])
            loaded = load_spec(spec_path)
            contents = read_modules(loaded, None)
            store = Store.open(Path(folder) / "bench.db")
            quiz = store.create_quiz(
                title="bench",
                language="en",
                provider="mock",
                model="mock-1",
                spec_path=str(spec_path),
                spec=loaded.spec.model_dump(mode="json"),
                modules=[
                    NewModule.from_content(module_id, module_id, content)
                    for module_id, content in contents.items()
                ],
                batches=plan_batches(loaded.spec),
            )
            adapter = MockAdapter(latency=latency)
            started = time.perf_counter()
            report = anyio.run(lambda: generate(store, quiz, adapter, concurrency=20))  # noqa: B023
            elapsed = time.perf_counter() - started
            store.close()
            assert report.complete, report.outcomes
            results.append((f"{modules}×{per_module}", elapsed / latency))
    return results


def startup(runs: int = 15) -> tuple[float, float]:
    command = [sys.executable, "-m", "quizgen", "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def thousand_batches() -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system: what other load on a shared machine does not
    inflate), peak RSS in MB, and the exit status of one `quizgen create`."""
    with tempfile.TemporaryDirectory() as folder:
        spec_path = write_course(Path(folder), 250, [(t, 20) for t in TYPES])
        env = {
            **os.environ,
            "QUIZGEN_DB": str(Path(folder) / "big.db"),
            "QUIZGEN_MOCK_LATENCY": "0",
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quizgen",
                "create",
                str(spec_path),
                "--json",
                "--concurrency",
                "64",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        outcome = "exit 0" if process.returncode == 0 else f"exit {process.returncode}"
        cpu = usage.ru_utime + usage.ru_stime
        return elapsed, cpu, usage.ru_maxrss / 1024, outcome


def pipeline_only() -> None:
    """Child process: 1,000 batches with answers prepared first, so only quizgen is timed."""
    import json
    import resource

    import anyio

    from bench.replay import ReplayAdapter
    from quizgen.content.sources import read_modules
    from quizgen.generation.run import generate
    from quizgen.llm.base import GenerationTask, LLMRequest
    from quizgen.spec import load_spec, plan_batches
    from quizgen.store import NewModule, Store

    with tempfile.TemporaryDirectory() as folder:
        spec_path = write_course(Path(folder), 250, [(t, 20) for t in TYPES])
        loaded = load_spec(spec_path)
        contents = read_modules(loaded, None)
        plans = plan_batches(loaded.spec)
        module_batches: dict[str, tuple[tuple[str, str, int], ...]] = {}
        for p in plans:
            entry = (p.key, p.question_type, p.target_count)
            module_batches[p.module_id] = (*module_batches.get(p.module_id, ()), entry)
        # The first ask as the run makes it: with the module's whole plan, which the mock uses
        # to give each batch its own facts (without it, batches of one module collide and the
        # run's follow-ups, answered live by the mock, would be timed as quizgen's work).
        requests = [
            LLMRequest(
                GenerationTask(
                    "bench",
                    p.key,
                    p.module_id,
                    p.module_id,
                    p.question_type,
                    p.target_count,
                    "en",
                    contents[p.module_id].text,
                    module_batches=module_batches[p.module_id],
                ),
                (),
                {},
            )
            for p in plans
        ]
        adapter = anyio.run(ReplayAdapter.prepared, requests)
        store = Store.open(Path(folder) / "pipeline.db")
        quiz = store.create_quiz(
            title="bench",
            language="en",
            provider="replay",
            model="mock-1",
            spec_path=str(spec_path),
            spec=loaded.spec.model_dump(mode="json"),
            modules=[NewModule.from_content(key, key, c) for key, c in contents.items()],
            batches=plans,
        )
        started = time.perf_counter()
        report = anyio.run(lambda: generate(store, quiz, adapter, concurrency=64))
        elapsed = time.perf_counter() - started
        questions = len(store.questions(quiz.id))
        calls = len(store.llm_calls(quiz.id))
        store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_mb": rss,
                "complete": report.complete,
                "questions": questions,
                "calls": calls,
                "follow_ups_answered_live": adapter.follow_ups,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0, help="mock latency L in seconds")
    parser.add_argument("--pipeline-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pipeline_only:
        pipeline_only()
        return
    print(f"mock latency L = {args.latency:g} s, concurrency 20")
    for label, ratio in scaling(args.latency):
        print(f"  {label:>5} batches: wall time = {ratio:.3f} L")
    best, median = startup()
    print(f"quizgen --help: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms")
    elapsed, cpu, rss, outcome = thousand_batches()
    print(
        f"1,000 batches × 20 questions (20,000), latency 0, `quizgen create` end to end: "
        f"{elapsed:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MB, {outcome}"
    )
    import json

    child = subprocess.run(
        [sys.executable, __file__, "--pipeline-only"], capture_output=True, text=True, check=True
    )
    alone = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"  the same, answers prepared beforehand (quizgen's own work: checks, store, tasks): "
        f"{alone['seconds']:.2f} s, peak RSS {alone['rss_mb']:.0f} MB "
        f"(includes the prepared answers), {alone['questions']} questions stored, "
        f"{alone['calls']} calls ({alone['follow_ups_answered_live']} follow-ups answered live)"
    )


if __name__ == "__main__":
    main()
