"""Start-up: a command imports what it needs and no more (issue 14: fixed work per run in
milliseconds). A Markdown spec on the mock never pays for the PDF reader, the OpenAI client,
the Office readers or the web page; each would add tens of milliseconds to every run."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

NOT_NEEDED = (
    "pypdf",
    "openai",
    "docx",
    "pptx",
    "starlette",
    "jinja2",
    "uvicorn",
    "httpx",
    "html",
)
"""`html` is the standard library's HTML parser: only HTML sources and Canvas pages need it."""

PROBE = """
import json, runpy, sys
sys.argv = ["quizgen", *sys.argv[1:]]
try:
    runpy.run_module("quizgen", run_name="__main__")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def run_probe(args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=False
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def write_cells_quiz(folder: Path) -> Path:
    """A one-module Markdown spec on the mock: two true/false questions."""
    (folder / "notes.md").write_text(
        "# Cells\n\nThe **nucleus** is the organelle that holds the genetic material of a cell.\n"
        "The **ribosome** is the structure that builds proteins from amino acids.\n"
        "The **mitochondrion** is the organelle that releases energy from glucose.\n",
        encoding="utf-8",
    )
    spec = folder / "quiz.toml"
    spec.write_text(
        'title = "Cells"\n[llm]\nprovider = "mock"\n\n[modules.cells]\nname = "Cells"\n'
        'sources = ["notes.md"]\n'
        'question_batches = [{ question_type = "true_false", count = 2 }]\n',
        encoding="utf-8",
    )
    return spec


def test_a_markdown_create_on_the_mock_imports_no_pdf_office_openai_or_web(tmp_path: Path) -> None:
    spec = write_cells_quiz(tmp_path)
    db = tmp_path / "q.db"
    env = {**os.environ, "QUIZGEN_DB": str(db), "QUIZGEN_MOCK_LATENCY": "0"}
    found = run_probe(["create", str(spec), "--json"], env)
    assert found["code"] == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM questions").fetchone()[0] >= 2
    assert [name for name in NOT_NEEDED if name in found["loaded"]] == []


def test_help_reads_no_toml() -> None:
    """Every command imports `cli.spec_files` for its suffixes; the TOML reader it uses to
    write a JSON spec is imported only then, not at every start-up."""
    found = run_probe(["--help"], {**os.environ})
    assert found["code"] == 0
    assert "tomllib" not in found["loaded"]


FIRST_CALL_PROBE = """
import json, runpy, sys
import quizgen.llm.mock.adapter as mock

seen = {}
complete = mock.MockAdapter.complete


async def first_call(self, request):
    seen.setdefault("loaded", sorted(m for m in sys.modules if m.startswith("quizgen.")))
    return await complete(self, request)


mock.MockAdapter.complete = first_call
sys.argv = ["quizgen", *sys.argv[1:]]
try:
    runpy.run_module("quizgen", run_name="__main__")
except SystemExit as stop:
    seen["code"] = stop.code
seen["after"] = sorted(m for m in sys.modules if m.startswith("quizgen."))
print(json.dumps(seen), file=sys.stderr)
"""


def test_the_first_ask_goes_out_before_the_checks_load(tmp_path: Path) -> None:
    """Screening an answer needs the checks (~40 ms of imports) and no ask does: they load in a
    worker thread while the first asks are out, so a run's wall time does not include them."""
    spec = write_cells_quiz(tmp_path)
    env = {**os.environ, "QUIZGEN_DB": str(tmp_path / "q.db"), "QUIZGEN_MOCK_LATENCY": "0.2"}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL_PROBE, "create", str(spec), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["code"] == 0
    assert [m for m in seen["loaded"] if m.startswith("quizgen.checks")] == []
    assert "quizgen.generation.answers" not in seen["loaded"]
    # ... and they did load, and screened: the run kept its questions.
    assert "quizgen.checks.screen" in seen["after"]
    assert json.loads(done.stdout)["totals"]["questions"] == 2


FREEZE_PROBE = """
import atexit, gc, json, sys
from quizgen.cli.app import main

atexit.register(lambda: print(json.dumps({"frozen": gc.get_freeze_count()}), file=sys.stderr))
sys.argv = ["quizgen", *sys.argv[1:]]
main()
"""


def test_a_command_leaves_its_objects_to_the_os_and_loses_nothing(tmp_path: Path) -> None:
    """`main` freezes the run's objects before the interpreter's teardown (~45 ms of garbage
    collection passes at every exit); what the run wrote is complete and closed all the same."""
    spec = write_cells_quiz(tmp_path)
    db = tmp_path / "q.db"
    env = {**os.environ, "QUIZGEN_DB": str(db), "QUIZGEN_MOCK_LATENCY": "0"}
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_PROBE, "create", str(spec), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1])["frozen"] > 10_000
    quiz_id = json.loads(done.stdout)["quiz"]["id"]
    # Every connection was closed: SQLite folded its write-ahead log back and removed it.
    assert sorted(p.name for p in tmp_path.glob("q.db*")) == ["q.db"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM questions").fetchone() == (2,)
    out = tmp_path / "quiz.gift"
    export = ["export", quiz_id, "-f", "gift", "-o", str(out), "--include-pending"]
    exported = subprocess.run(
        [sys.executable, "-m", "quizgen", *export],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    assert out.read_text(encoding="utf-8").count("{") == 2
