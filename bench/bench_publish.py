"""Publish the biology example (45 questions, all six types) to the fake Canvas and print
figures: wall time, requests sent, and what a resume after a failure costs.

    python bench/bench_publish.py [--latency SECONDS]

`--latency` makes the fake answer every item POST that much later (a real Canvas answers in
roughly 0.2-0.5 s), which is what dominates a real publish.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    os.environ.update(
        QUIZGEN_DB=str(tmp / "bench.db"),
        QUIZGEN_CONFIG=str(tmp / "none.toml"),
        QUIZGEN_MOCK_LATENCY="0",
    )
    spec = tmp / "quiz.toml"
    text = (ROOT / "examples/biology/quiz.toml").read_text(encoding="utf-8")
    text = text.replace("content/", str(ROOT / "examples/biology/content") + "/")
    spec.write_text(text + "\n[course]\nid = 12345\n", encoding="utf-8")

    from typer.testing import CliRunner

    from quizgen.cli.app import app
    from quizgen.models import ReviewStatus
    from quizgen.store import Store
    from tests.fakes.canvas_server import FakeCanvas, running

    runner = CliRunner()
    quiz_id = json.loads(runner.invoke(app, ["create", str(spec), "--json"]).stdout)["quiz"]["id"]
    store = Store.open()
    store.set_review_status(
        quiz_id, [q.id for q in store.questions(quiz_id)], ReviewStatus.APPROVED
    )
    store.close()
    with running(FakeCanvas()) as canvas:
        canvas.add_course(12345, "Biology")
        os.environ.update(CANVAS_BASE_URL=canvas.base_url, CANVAS_API_TOKEN=canvas.token)
        if args.latency:
            canvas.slow_after(args.latency, times=10**6, path=r"/(items|questions)$")
        for engine in ("new", "classic"):
            started = time.perf_counter()
            result = runner.invoke(app, ["publish", quiz_id, "--engine", engine, "--json"])
            seconds = time.perf_counter() - started
            doc = json.loads(result.stdout)
            print(
                f"{engine:8} publish: {doc['publication']['items_done']} items in {seconds:.2f} s, "
                f"{len(canvas.log)} requests so far"
            )
        before = len(canvas.log)
        canvas.fail_request(20, 500, method="POST", path=r"/items$")
        runner.invoke(app, ["publish", quiz_id, "--new"])
        first = len(canvas.log) - before
        started = time.perf_counter()
        before = len(canvas.log)
        runner.invoke(app, ["publish", quiz_id])
        print(
            f"resume after a 500 on item 20: first run {first} requests; the re-run "
            f"{len(canvas.log) - before} requests (course check, item list, 1 item) in "
            f"{time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
