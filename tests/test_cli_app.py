"""The command table: a run builds only its own command, and the table says which that is."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module

import typer
from typer.testing import CliRunner

from quizgen.cli.app import COMMAND_MODULE, COMMAND_MODULES, build_app, modules_for


def registered(module: str) -> list[str]:
    app = typer.Typer()
    import_module(f"quizgen.cli.commands.{module}").register(app)
    names = [info.name for info in app.registered_commands]
    return names + [group.typer_instance.info.name for group in app.registered_groups]


def test_the_table_names_every_command_each_module_registers_and_no_other() -> None:
    table: dict[str, list[str]] = {}
    for command, module in COMMAND_MODULE.items():
        table.setdefault(module, []).append(command)
    assert {module: registered(module) for module in COMMAND_MODULES} == table


def test_a_command_line_builds_only_its_command_module() -> None:
    assert modules_for(["create", "spec.toml", "--json"]) == ("generate",)
    assert modules_for(["--debug", "canvas", "courses"]) == ("canvas",)
    assert modules_for(["--help"]) == COMMAND_MODULES
    assert modules_for([]) == COMMAND_MODULES
    assert modules_for(["crate", "spec.toml"]) == COMMAND_MODULES  # a typo: all, for the hint


def test_help_of_the_whole_app_and_of_one_command_built_alone() -> None:
    runner = CliRunner()
    listing = runner.invoke(build_app(), ["--help"])
    assert listing.exit_code == 0
    for command in COMMAND_MODULE:
        assert command in listing.output
    alone = runner.invoke(build_app(modules_for(["retry"])), ["retry", "--help"])
    assert alone.exit_code == 0 and "--concurrency" in alone.output


def test_an_unknown_command_is_a_usage_error_with_a_hint() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quizgen", "crate", "spec.toml"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 2
    assert "create" in done.stderr
