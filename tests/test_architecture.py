"""The import rules of docs/architecture.md, read from the source (every import, also inside
functions and `TYPE_CHECKING` blocks: a type-only import is still a dependency of the idea)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "quizgen"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def imports() -> dict[str, set[str]]:
    """Every quizgen module and the modules it imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[name] = names
    return found


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def breaking(importers: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in imports().items()
        if under(module, importers)
        for target in targets
        if any(under(target, package) for package in forbidden)
    )


def test_the_walk_finds_the_package() -> None:
    found = imports()
    assert "quizgen.cli.app" in found and "quizgen.store" in found
    assert "quizgen.store" in found["quizgen.generation.run"]


def test_only_the_command_line_imports_the_command_line() -> None:
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in imports().items()
        if not under(module, "quizgen.cli") and module != "quizgen.__main__"
        for target in targets
        if under(target, "quizgen.cli")
    )
    assert offenders == []


def test_commands_import_neither_the_app_nor_each_other() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in imports().items()
        if under(module, "quizgen.cli.commands")
        for target in targets
        if under(target, "quizgen.cli.app")
        or (under(target, "quizgen.cli.commands") and target != "quizgen.cli.commands")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("importers", "forbidden"),
    [
        # The question types are data and rules: no storage, no model, no other layer.
        (
            "quizgen.questions",
            (
                "quizgen.store",
                "quizgen.llm",
                "quizgen.checks",
                "quizgen.generation",
                "quizgen.canvas",
                "quizgen.export",
                "quizgen.review",
            ),
        ),
        # Extraction is a leaf: it knows files and Canvas pages, not what is done with them.
        (
            "quizgen.content",
            ("quizgen.store", "quizgen.llm", "quizgen.checks", "quizgen.generation"),
        ),
        # A model adapter answers requests; what is kept and how it is judged is not its business.
        ("quizgen.llm", ("quizgen.store", "quizgen.checks", "quizgen.generation")),
        # The mock is a model: its answers are screened by the pipeline, never pre-screened.
        ("quizgen.llm.mock", ("quizgen.questions",)),
        # The checks judge a question against the content; only `verify` (a model call whose
        # verdict is recorded) reaches the store, through the run's writer.
        ("quizgen.checks.screen", ("quizgen.store", "quizgen.llm", "quizgen.generation")),
        ("quizgen.checks.grounding", ("quizgen.store", "quizgen.llm", "quizgen.generation")),
        ("quizgen.checks.citations", ("quizgen.store", "quizgen.llm", "quizgen.generation")),
        ("quizgen.checks.duplicates", ("quizgen.store", "quizgen.llm", "quizgen.generation")),
        # Exports are files: no Canvas I/O. The canvaslms hand-off writes the bodies publish
        # would send, so the pure payload builders (no I/O) are allowed.
        (
            "quizgen.export",
            ("quizgen.canvas.client", "quizgen.canvas.publish", "quizgen.canvas.plan"),
        ),
        # Review rules judge and store a person's verdict; they run no generation and no model.
        (
            "quizgen.review",
            ("quizgen.generation", "quizgen.llm", "quizgen.canvas", "quizgen.export"),
        ),
        # The review page shows and changes stored questions; it never generates.
        ("quizgen.web", ("quizgen.generation", "quizgen.llm")),
        # The store keeps records; it does not generate, check or talk to Canvas.
        (
            "quizgen.store",
            ("quizgen.generation", "quizgen.checks", "quizgen.canvas", "quizgen.llm.openai"),
        ),
    ],
)
def test_layer_rules(importers: str, forbidden: tuple[str, ...]) -> None:
    assert breaking(importers, forbidden) == []


def test_only_the_store_runs_sql() -> None:
    offenders = sorted(
        module
        for module, targets in imports().items()
        if "sqlite3" in targets and not under(module, "quizgen.store")
    )
    assert offenders == []


def test_no_module_is_far_over_four_hundred_lines_without_saying_why() -> None:
    """Issue 13: one job per module. A longer one says in its docstring why it is one concept."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 440 and "one concept" not in (
            ast.get_docstring(ast.parse(text)) or ""
        ):
            long.append(f"{path.relative_to(PACKAGE.parent)}: {text.count(chr(10))} lines")
    assert sorted(long) == []


# docs/architecture.md's "may import" column, package by package ("core" is every module at the
# top of quizgen/: spec, models, errors, settings, retrying, …). A finer rule (only the payload
# builders, only llm base types) is one of the layer rules above.
MAY_IMPORT: dict[str, set[str]] = {
    "core": {"questions"},
    "content": {"core", "canvas"},
    "questions": {"core"},
    "checks": {"questions", "content", "core", "llm", "store"},
    "generation": {"checks", "llm", "questions", "store", "content", "core"},
    "llm": {"core"},
    "suggest": {"content", "canvas", "llm", "core"},
    "batch_api": {"generation", "llm", "store", "report", "core"},
    "store": {"core", "content", "llm"},
    "review": {"checks", "questions", "content", "store", "core"},
    "export": {"questions", "core", "canvas"},
    "canvas": {"questions", "store", "core"},
    "report": {"core"},
    "web": {"review", "checks", "questions", "export", "canvas", "content", "store", "core"},
}


def package_of(module: str) -> str:
    """`quizgen.store.db` → "store"; a module at the top of quizgen/ → "core"."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "quizgen":
        return ""
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "core"


def test_every_package_imports_only_what_architecture_md_allows() -> None:
    found: dict[str, set[str]] = {}
    for module, targets in imports().items():
        home = package_of(module)
        if home in ("cli", "") or module == "quizgen.__main__":
            continue
        used = {package_of(t) for t in targets} - {"", home}
        if used:
            found.setdefault(home, set()).update(used)
    unknown = sorted(set(found) - set(MAY_IMPORT))
    assert unknown == [], "a new package: add its row to docs/architecture.md and MAY_IMPORT"
    beyond = {home: sorted(used - MAY_IMPORT[home]) for home, used in found.items()}
    assert {home: extra for home, extra in beyond.items() if extra} == {}
