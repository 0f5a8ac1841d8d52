"""Time every export format on a large quiz (every type, repeated); prints figures, asserts nothing.

python bench/export_formats.py [QUESTIONS]
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizgen.export import FORMATS, export_quiz
from tests.every_type import QUIZ, records


def main() -> None:
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    base = records()
    many = [dataclasses.replace(base[n % len(base)], id=f"q{n:06d}") for n in range(wanted)]
    print(f"{len(many)} questions, every type")
    for name, fmt in FORMATS.items():
        start = time.perf_counter()
        result = export_quiz(fmt, QUIZ, many)
        seconds = time.perf_counter() - start
        print(
            f"  {name:9s} {seconds * 1000:8.1f} ms  {len(result.data) / 1024:9.1f} KiB  "
            f"{len(result.exported)} exported, {len(result.left_out)} left out"
        )


if __name__ == "__main__":
    main()
