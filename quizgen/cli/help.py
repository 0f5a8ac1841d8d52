"""How the command line shows itself: help pages without type names, and usage errors as JSON.

Typer prints each parameter with a type label (`QUIZ <str>`, `--concurrency <int range>`,
`[IDS]... <list[str]>`) and a usage line with braces (`{QUIZ}`). Those are Python's words, not
an instructor's. `QuizgenCommand` writes the same help with plain metavars (`QUIZ`,
`--concurrency N`), and `QuizgenGroup` turns a usage error under `--json` into the same
`{"error", "exit_code"}` document every other error prints.

Only public Typer and Click hooks are used (`cls=` classes and the `format_options`,
`collect_usage_pieces`, `parse_args` and `invoke` methods), so this works with the Click that
Typer bundles and with the stand-alone one older Typers use.
"""

from __future__ import annotations

import json
import re
from typing import Any

import typer
import typer.core

_TYPE_LABEL = re.compile(r" <([^>]*)>(\.\.\.)?$")

# Typer's type labels, as the word a person reads after an option.
_METAVARS = {
    "str": "TEXT",
    "path": "PATH",
    "file": "PATH",
    "directory": "FOLDER",
    "int": "N",
    "int range": "N",
    "float": "NUMBER",
    "float range": "NUMBER",
}


def plain_metavar(label: str) -> str:
    """`str` → `TEXT`, `int range` → `N`, `new|classic` → `[new|classic]`, `list[str]` → `TEXT`."""
    inner = re.fullmatch(r"list\[(.*)\]", label)
    if inner:
        label = inner.group(1)
    if "|" in label:
        return f"[{label}]"
    return _METAVARS.get(label, label.upper() or "VALUE")


def _argument_name(param: Any) -> str:
    return str(param.metavar or (param.name or "").upper())


class QuizgenCommand(typer.core.TyperCommand):
    """A Typer command whose help shows metavars, never Python type names."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            name, text = record
            if param.param_type_name == "argument":
                many = "..." if param.nargs != 1 and "..." not in _argument_name(param) else ""
                arguments.append((_argument_name(param) + many, text))
                continue

            def plain(match: re.Match[str]) -> str:
                return " " + plain_metavar(match.group(1)) + (match.group(2) or "")

            options.append((" / ".join(_TYPE_LABEL.sub(plain, n) for n in name.split(" / ")), text))
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            name = _argument_name(param)
            if param.nargs != 1 and "..." not in name:
                name += "..."
            pieces.append(name if param.required or name.startswith("[") else f"[{name}]")
        return pieces


class QuizgenGroup(typer.core.TyperGroup):
    """The top-level group: remembers `--json` so a usage error can answer in JSON too."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        # The group's own options are parsed here (`quizgen --bogus list --json`).
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except Exception as exc:
            _answer_in_json(exc, wanted=_asks_for_json(args))
            raise

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["quizgen.json"] = _asks_for_json(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        # A command's options and arguments are parsed here, inside the group's invoke.
        try:
            return super().invoke(ctx)
        except Exception as exc:
            _answer_in_json(exc, wanted=bool(ctx.meta.get("quizgen.json")))
            raise


def _asks_for_json(args: list[str]) -> bool:
    words = args[: args.index("--")] if "--" in args else args
    return "--json" in words


def _answer_in_json(exc: Exception, *, wanted: bool) -> None:
    """Print `{"error", "exit_code"}` on stdout for a usage error when --json was asked for.

    Click's UsageError (bad option, missing argument, bad value) has exit code 2 and a
    message; it is matched by shape, since Typer may bundle its own Click.
    """
    code = getattr(exc, "exit_code", None)
    format_message = getattr(exc, "format_message", None)
    if wanted and code == 2 and callable(format_message):
        typer.echo(json.dumps({"error": format_message(), "exit_code": code}))


def use_plain_help(app: typer.Typer) -> None:
    """Give every command of `app` (and of its sub-apps) `QuizgenCommand` unless it chose one.

    Called once after registration, so a command module registers with a plain
    `app.command("name")(function)` and still gets the same help.
    """
    for info in app.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = QuizgenCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_plain_help(group.typer_instance)
