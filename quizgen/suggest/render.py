"""A suggested spec as TOML text, each choice explained in a comment (pure).

tomli-w writes no comments, so the text is written here, line by line; values go through
tomli-w so strings are escaped as TOML wants. `quizgen suggest` validates the text with the
spec loader before writing it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import tomli_w

from quizgen.suggest.propose import Proposal

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
WIDTH = 99
HEADER = """\
# Suggested by `quizgen suggest` from the content itself: for each module, the question types
# its text can support and how many, each choice explained below (docs/spec.md, "Suggested
# specs"). At most one question per two distinct facts of a module, so no batch asks for more
# than the text holds. Edit freely, then:
#   quizgen validate {path}
#   quizgen create {path}
"""


@dataclass(frozen=True)
class SuggestedModule:
    module_id: str
    name: str
    proposal: Proposal
    sources: tuple[str, ...] = ()
    canvas_module: int | None = None


def value(data: str | int) -> str:
    """One TOML string or integer as tomli-w writes it (escaped as TOML wants)."""
    return tomli_w.dumps({"v": data}).split("=", 1)[1].strip()


def inline(items: Sequence[str]) -> str:
    return "[" + ", ".join(value(item) for item in items) + "]"


def key(name: str) -> str:
    return name if _BARE_KEY.match(name) else value(name)


def comment(text: str, indent: str = "") -> list[str]:
    """`text` as comment lines of at most `WIDTH` characters (no line break gets through)."""
    width = WIDTH - 2 - len(indent)
    return [indent + "# " + line for line in textwrap.wrap(" ".join(text.split()), width)]


def spec_text(
    *,
    title: str,
    language: str,
    provider: str,
    modules: Sequence[SuggestedModule],
    course: tuple[int, str] | None = None,
    skipped: Sequence[str] = (),
    path: str = "quiz.toml",
    limits: Mapping[str, int] | None = None,
) -> str:
    """The whole spec: header, quiz fields, `[llm]`, `[course]`, `[limits]` and one table per
    module. `limits` are the config file's that shaped the proposal: the spec states them so it
    validates as written without that config file."""
    lines = [HEADER.format(path=path).rstrip("\n")]
    lines.append(f"title = {value(title)}")
    lines.append(f'language = {value(language)}               # "en" or "no"')
    lines += ["", "[llm]", f'provider = {value(provider)}   # "mock" (offline) or "openai"']
    if course is not None:
        lines += ["", "[course]", f"id = {course[0]}", f"name = {value(course[1])}"]
    if limits:
        lines += ["", "[limits]"]
        lines += comment("From the config file: the batches below were proposed under them.")
        lines += [f"{key(name)} = {limit}" for name, limit in limits.items()]
    for note in skipped:
        lines += comment(f"Skipped {note}.")
    for module in modules:
        lines += ["", *module_lines(module)]
    return "\n".join(lines) + "\n"


def module_lines(module: SuggestedModule) -> list[str]:
    proposal = module.proposal
    lines = [f"[modules.{key(module.module_id)}]", f"name = {value(module.name)}"]
    if module.canvas_module is not None:
        lines.append(f"canvas_module = {module.canvas_module}")
    else:
        lines.append(f"sources = {inline(module.sources)}")
    lines += comment(proposal.summary + ".")
    asked = sum(b.count for b in proposal.batches)
    lines += comment(
        f"{asked} questions in all: at most one per two facts ({proposal.profile.facts} "
        "facts), shared by type."
    )
    lines.append("question_batches = [")
    for batch in proposal.batches:
        lines += comment(batch.reason, "  ")
        lines.append(
            f"  {{ question_type = {value(batch.question_type)}, count = {batch.count} }},"
        )
    lines.append("]")
    for left in proposal.left_out:
        lines += comment(f"Also possible, left out: {left}.")
    return lines
