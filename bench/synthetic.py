"""Synthetic course notes for benchmarks: many modules, none repeating another's facts.

Identical content in every module would make quizgen (rightly) reject most questions as
repeats, which would measure the correction loops instead of the pipeline. Each module gets its
own invented vocabulary in the same definitional style as real course notes.
"""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = [
    "ba",
    "co",
    "di",
    "fe",
    "ga",
    "hi",
    "jo",
    "ku",
    "la",
    "mo",
    "ne",
    "pi",
    "ro",
    "su",
    "ta",
    "vi",
    "xe",
    "yo",
    "zu",
    "tri",
    "pla",
    "sto",
    "gre",
    "mon",
]
TOPICS = ["Basics", "Parts", "Roles", "Cycles", "Growth", "Defence"]
KINDS = ["organelle", "enzyme", "molecule", "process", "structure", "tissue"]
ACTIONS = [
    "stores energy for the {a} during long periods of rest",
    "moves signals from the {a} to the outer layer of the cell",
    "breaks down waste that builds up inside the {a}",
    "builds new proteins next to the {a} when the cell grows",
    "controls how much water enters the {a} in dry conditions",
    "protects the {a} from damage caused by heat and light",
    "copies genetic material before the {a} divides into two parts",
    "carries oxygen from the {a} to every other part of the body",
]


def word(number: int) -> str:
    """A made-up word, distinct for every number: its syllables are the number's digits."""
    syllables = []
    for _ in range(4):
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(syllables)


def module_notes(index: int, sections: int = 6, terms_per_section: int = 8) -> str:
    rng = random.Random(index)
    counter = iter(range(index * 1000, index * 1000 + 1000))

    def fresh() -> str:
        return word(next(counter) * 7919 % len(SYLLABLES) ** 4)

    lines = [f"# Unit {index}: {fresh().title()} Systems", ""]
    for section in range(sections):
        lines += [
            f"## {fresh().title()} {TOPICS[section % len(TOPICS)]}",
            "",
        ]
        for _ in range(terms_per_section):
            term, anchor = fresh(), fresh()
            kind = rng.choice(KINDS)
            action = rng.choice(ACTIONS).format(a=anchor)
            lines.append(f"The **{term}** is the {kind} that {action}.")
            lines.append(f"Without the {term}, the {anchor} would slowly lose its shape.")
        lines.append("")
    return "\n".join(lines)


def write_course(folder: Path, modules: int, batches: list[tuple[str, int]]) -> Path:
    """Write `modules` note files and a spec using the mock; return the spec path."""
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    spec = ['title = "Synthetic benchmark course"', "[llm]", 'provider = "mock"', ""]
    listed = ", ".join(f'{{ question_type = "{t}", count = {n} }}' for t, n in batches)
    for index in range(modules):
        (content / f"unit{index}.md").write_text(module_notes(index), encoding="utf-8")
        spec += [
            f"[modules.unit{index}]",
            f'name = "Unit {index}"',
            f'sources = ["content/unit{index}.md"]',
            f"question_batches = [{listed}]",
            "",
        ]
    path = folder / "quiz.toml"
    path.write_text("\n".join(spec), encoding="utf-8")
    return path
