"""How long pulling one large Canvas module takes, by requests in flight.

Runs against the fake Canvas (tests/fakes/canvas_server.py) with a fixed delay per request to
stand in for network latency, so the figures show what concurrency and pagination buy, not
Canvas's real speed. Usage: python bench/canvas_pull.py [items] [latency_seconds]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizgen.canvas.client import CanvasClient
from quizgen.content.canvas import pull_module
from tests.fakes.canvas_server import FakeCanvas, Fault, running


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    canvas = FakeCanvas()
    canvas.add_course(1, "Bench")
    canvas.add_module(1, 10, "Big module")
    for index in range(items):
        if index % 2:
            canvas.add_page(1, 10, f"Page {index}", f"<p>Sentence number {index} is here.</p>")
        else:
            canvas.add_file(1, 10, f"notes{index}.txt", f"Notes {index}.".encode(), "text/plain")
    canvas.add_fault(Fault(delay=latency, times=10**9))
    with running(canvas):
        print(f"{items} items (half pages, half files), {latency * 1000:.0f} ms per request")
        for in_flight in (1, 4, 8, 16):
            before = len(canvas.log)

            async def pull(in_flight: int = in_flight) -> int:
                async with CanvasClient(
                    canvas.base_url, canvas.token, max_in_flight=in_flight
                ) as client:
                    pulled = await pull_module(client, 1, 10)
                    return len(pulled.sections)

            started = time.perf_counter()
            sections = anyio.run(pull)
            seconds = time.perf_counter() - started
            requests = len(canvas.log) - before
            print(
                f"  max_in_flight={in_flight:>2}: {sections} sections, {requests} requests, "
                f"{seconds:.2f} s"
            )


if __name__ == "__main__":
    main()
