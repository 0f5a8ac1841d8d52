"""`quizgen suggest`: a spec proposed from the content that validates and that `create` fills
completely on the mock; the proposal is a pure function of the text, explained in comments."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from quizgen.questions import type_names
from quizgen.suggest.propose import propose
from tests.conftest import EXAMPLE, ROOT, invoke, invoke_json
from tests.fakes.canvas_server import FakeCanvas

PROSE = ROOT / "tests" / "fixtures" / "prose"
SHIPPED = {
    "examples": sorted((EXAMPLE / "content").glob("*.md")),
    "init-template": [ROOT / "quizgen" / "templates" / "content" / "intro.md"],
    "prose-txt": [PROSE / "plate_tectonics.txt"],
    "prose-md": [PROSE / "water_cycle.md"],
    "prose-pdf": [PROSE / "roman_republic.pdf"],
    "prose-docx": [PROSE / "networks.docx"],
    "saved-html": [PROSE / "volcanoes.html"],
}
"""volcanoes.html is written by hand as a browser saves a course page (head, script, header,
nav and footer around the notes; entities; a numbered list and a table), not by quizgen."""


def suggest_and_create(cli, tmp_path: Path, sources: list[Path]) -> tuple[Path, dict]:
    """Suggest a spec, validate it (no capacity warning), create it on the mock; the status."""
    spec = tmp_path / "suggested.toml"
    code, out, err = invoke(cli, "suggest", *map(str, sources), "-o", str(spec))
    assert code == 0, err
    assert f"wrote {spec}" in out
    code, summary = invoke_json(cli, "validate", str(spec))
    assert code == 0 and summary["valid"], summary
    assert summary["warnings"] == []  # the mock's own estimate: every batch can be filled
    code, created = invoke_json(cli, "create", str(spec))
    assert code == 0, created
    return spec, created


@pytest.mark.parametrize("name", list(SHIPPED))
def test_suggested_spec_validates_and_create_fills_it_on_the_mock(
    cli, tmp_path: Path, name: str
) -> None:
    spec, created = suggest_and_create(cli, tmp_path, SHIPPED[name])
    data = tomllib.loads(spec.read_text())
    assert len(data["modules"]) == len(SHIPPED[name])
    asked = sum(b["count"] for m in data["modules"].values() for b in m["question_batches"])
    assert asked > 0
    batches = created["batches"]
    assert batches and all(b["status"] == "succeeded" for b in batches), batches
    assert sum(b["generated_count"] for b in batches) == asked


def test_every_batch_is_explained_by_a_comment_above_it(cli, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    code, _out, err = invoke(cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(spec))
    assert code == 0, err
    lines = spec.read_text().splitlines()
    entries = [n for n, line in enumerate(lines) if line.strip().startswith("{ question_type")]
    assert entries
    for n in entries:
        qtype = tomllib.loads(f"b = {lines[n].strip().rstrip(',')}")["b"]["question_type"]
        above = [line for line in lines[max(0, n - 3) : n] if line.strip().startswith("#")]
        assert any(f"# {qtype}:" in line for line in above), lines[n - 3 : n + 1]
    assert "# 15 distinct facts in 14 usable sentences" in spec.read_text()


def test_the_proposal_is_a_pure_function_of_the_text(cli, tmp_path: Path) -> None:
    """The same text under another file name, read again, gets the same batches."""
    text = (PROSE / "plate_tectonics.txt").read_text()
    assert propose(text, types=type_names()) == propose(text, types=type_names())
    copy = tmp_path / "other_name.txt"
    copy.write_text(text)
    paths = (PROSE / "plate_tectonics.txt", copy)
    runs = [invoke_json(cli, "suggest", str(path)) for path in paths]
    assert [code for code, _doc in runs] == [0, 0]
    first, second = ([m["batches"] for m in doc["modules"]] for _code, doc in runs)
    assert first == second


def test_no_batch_asks_for_more_than_its_structures_give() -> None:
    """A text with one table of three rows and few sentences gets no matching batch, and the
    whole module asks at most one question per two facts."""
    text = (PROSE / "water_cycle.md").read_text()
    proposal = propose(text, types=type_names())
    assert sum(b.count for b in proposal.batches) <= proposal.profile.facts // 2
    short = "# Tiny\n\nThe mantle lies between the crust and the core of the Earth.\n"
    tiny = propose(short, types=type_names())
    assert [b.question_type for b in tiny.batches] == []


SHARED_WORD = "# Cells\n\n" + "\n".join(
    f"The cell {part} {rest}."
    for part, rest in [
        ("membrane", "controls what enters and leaves every living cell"),
        ("wall", "gives plant cells a rigid shape and extra support"),
        ("nucleus", "holds the genetic material of a eukaryotic organism"),
        ("cytoplasm", "fills the space between the membrane and the nucleus"),
        ("vacuole", "stores water and dissolved salts in most plant tissues"),
        ("ribosome", "builds proteins from amino acids in a long chain"),
        ("mitochondrion", "releases energy from sugar during respiration"),
        ("chloroplast", "captures light energy for photosynthesis in leaves"),
    ]
)


def test_a_batch_the_mock_cannot_write_is_left_out(cli, tmp_path: Path) -> None:
    """Seven subjects pair with what is said of them, but every prompt shares the word "cell"
    (a matching question would give its answers away): the mock finds no matching question,
    so none is proposed, although the module asks for less than half a question a sentence."""
    proposal = propose(SHARED_WORD, types=type_names())
    assert proposal.profile.pairs == 7
    assert [b.question_type for b in proposal.batches] == ["multiple_choice"]
    notes = tmp_path / "cells.md"
    notes.write_text(SHARED_WORD)
    suggest_and_create(cli, tmp_path, [notes])


def test_ordering_and_numeric_are_proposed_only_when_quizgen_has_them() -> None:
    text = (
        "# Making tea\n\nTea is a drink made from the leaves of the tea plant.\n\n"
        "1. Boil about 250 millilitres of fresh water in a kettle.\n"
        "2. Warm the teapot with a little of the hot water.\n"
        "3. Put one spoon of tea leaves into the teapot.\n"
        "4. Pour the water over the leaves and wait four minutes.\n\n"
        "## Numbers\n\nGreen tea is brewed at about 80 degrees in most of Japan.\n"
        "Black tea is brewed at about 95 degrees in most of Britain.\n"
        "A cup of black tea holds about 47 milligrams of caffeine on average.\n"
    )
    without = propose(text, types=["multiple_choice", "fill_in_blank"])
    assert {b.question_type for b in without.batches} <= {"multiple_choice", "fill_in_blank"}
    assert without.profile.sequences == 1 and without.profile.steps == 4
    with_them = propose(text, types=["multiple_choice", "ordering", "numeric"])
    kinds = [b.question_type for b in with_them.batches]
    assert "ordering" in kinds and "numeric" in kinds
    registry = propose(text, types=type_names())
    assert {b.question_type for b in registry.batches} <= set(type_names())


def test_existing_output_is_kept_without_force(cli, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text("keep me")
    code, _out, err = invoke(cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(spec))
    assert code == 2
    assert err == f"error: {spec} already exists; pass --force to replace it\n"
    assert spec.read_text() == "keep me"
    code, _out, err = invoke(
        cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(spec), "--force"
    )
    assert code == 0, err
    assert tomllib.loads(spec.read_text())["modules"]["water-cycle"]["name"] == "The Water Cycle"


def test_json_prints_the_proposal_only(cli, tmp_path: Path) -> None:
    code, out, err = invoke(cli, "suggest", str(PROSE / "water_cycle.md"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    [module] = doc["modules"]
    assert module["id"] == "water-cycle" and module["profile"]["facts"] == 15
    assert doc["total_questions"] == sum(b["count"] for b in module["batches"])
    assert all(b["reason"].startswith(b["question_type"]) for b in module["batches"])
    assert doc["file"] is None and not list(tmp_path.glob("*.toml"))


def test_a_json_spec_holds_the_same_batches(cli, tmp_path: Path) -> None:
    for name in ("a.toml", "a.json"):
        code, _o, err = invoke(
            cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(tmp_path / name)
        )
        assert code == 0, err
    as_toml = tomllib.loads((tmp_path / "a.toml").read_text())
    assert json.loads((tmp_path / "a.json").read_text()) == as_toml


def test_a_folder_is_one_module_and_what_it_skips_is_said(cli, tmp_path: Path) -> None:
    week = tmp_path / "week1"
    week.mkdir()
    (week / "water.md").write_text((PROSE / "water_cycle.md").read_text())
    (week / "tectonics.txt").write_text((PROSE / "plate_tectonics.txt").read_text())
    (week / "diagram.png").write_bytes(b"\x89PNG\r\n")
    code, out, err = invoke(cli, "suggest", str(week), "-o", str(tmp_path / "s.toml"), "--json")
    assert code == 0, err
    [module] = json.loads(out)["modules"]
    assert module["id"] == "week1" and module["sources"] == ["week1/"]
    assert module["profile"]["facts"] == 15 + 17
    assert "warning: module 'week1': folder 'week1/': skipped files of unsupported types" in err


# --- bad input: exit 2, one paragraph naming the file, the module and the field ----------------


def test_missing_source_names_the_file(cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    code, out, err = invoke(cli, "suggest", str(missing), "-o", str(tmp_path / "s.toml"))
    assert code == 2 and out == ""
    assert err == (
        f"error: {missing}: no such file or folder (SOURCES argument 1); name files or folders "
        "of course notes, each one module\n"
    )
    assert not (tmp_path / "s.toml").exists()


def test_empty_file_names_module_field_and_file(cli, tmp_path: Path) -> None:
    empty = tmp_path / "week1.md"
    empty.write_text("\n\n")
    code, _out, err = invoke(cli, "suggest", str(empty), "-o", str(tmp_path / "s.toml"))
    assert code == 2
    assert err == (
        f"error: module 'week1', sources[1]: week1.md ({empty}): contains no text (empty after "
        "cleaning).\n"
    )
    assert not (tmp_path / "s.toml").exists()


def test_text_without_sentences_names_the_module(cli, tmp_path: Path) -> None:
    notes = tmp_path / "terms.md"
    notes.write_text("# Terms\n\n- mitosis\n- meiosis\n")
    code, _out, err = invoke(cli, "suggest", str(notes))
    assert code == 2
    assert err.startswith(f"error: module 'terms' ({notes}): nothing to ask about: 0 usable")
    assert err.count("\n") == 1


def test_no_sources_is_a_usage_error(cli) -> None:
    code, _out, err = invoke(cli, "suggest")
    assert code == 2 and "name the files or folders to read" in err


# --- Canvas -------------------------------------------------------------------------------


def test_canvas_course_proposes_every_module_with_text(
    cli, canvas: FakeCanvas, tmp_path: Path
) -> None:
    notes = EXAMPLE / "content"
    canvas.add_course(101, "Biology 101")
    canvas.add_module(101, 11, "Week 1: Cells")
    canvas.add_file(101, 11, "cells.md", (notes / "cells.md").read_bytes(), "text/markdown")
    canvas.add_module(101, 12, "Week 2: Quizzes only")
    canvas.add_item(101, 12, "Quiz", "Practice quiz", content_id=5)
    spec = tmp_path / "course.toml"
    code, _out, err = invoke(cli, "suggest", "--canvas-course", "101", "-o", str(spec))
    assert code == 0, err
    assert "warning: skipped module 'week-2-quizzes-only'" in err
    data = tomllib.loads(spec.read_text())
    assert data["course"] == {"id": 101, "name": "Biology 101"}
    assert list(data["modules"]) == ["week-1-cells"]
    assert data["modules"]["week-1-cells"]["canvas_module"] == 11
    code, created = invoke_json(cli, "create", str(spec))
    assert code == 0, created
    assert all(b["status"] == "succeeded" for b in created["batches"])


def test_the_docs_example_is_what_suggest_writes(cli, tmp_path: Path) -> None:
    """docs/spec.md shows the water-cycle module's comments and first batch: they are real."""
    doc = (ROOT / "docs" / "spec.md").read_text()
    start = doc.index("[modules.water-cycle]")
    shown = doc[start : doc.index("  …", start)].splitlines()
    spec = tmp_path / "s.toml"
    code, _out, err = invoke(cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(spec))
    assert code == 0, err
    written = spec.read_text().splitlines()
    for line in shown:
        if not line.startswith("sources"):
            assert line in written, line


def test_a_spec_suggested_under_raised_config_limits_carries_them(cli, tmp_path: Path) -> None:
    """The config file's `[limits]` shape the proposal, so the spec says them itself: it
    validates as written on another machine, or after the config changes."""
    config = tmp_path / "no-config.toml"  # conftest points QUIZGEN_CONFIG here
    config.write_text("[limits]\nmax_batches_per_module = 6\nmax_questions_per_batch = 30\n")
    spec = tmp_path / "s.toml"
    code, _out, err = invoke(cli, "suggest", *map(str, SHIPPED["examples"]), "-o", str(spec))
    assert code == 0, err
    data = tomllib.loads(spec.read_text())
    assert max(len(m["question_batches"]) for m in data["modules"].values()) > 4
    assert data["limits"] == {"max_batches_per_module": 6, "max_questions_per_batch": 30}
    config.unlink()
    code, summary = invoke_json(cli, "validate", str(spec))
    assert code == 0 and summary["valid"], summary


def test_a_spec_suggested_under_default_limits_has_no_limits_table(cli, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    code, _out, err = invoke(cli, "suggest", str(PROSE / "water_cycle.md"), "-o", str(spec))
    assert code == 0, err
    assert "limits" not in tomllib.loads(spec.read_text())


def test_a_saved_html_page_is_one_module_named_by_its_heading(cli) -> None:
    code, out, err = invoke(cli, "suggest", str(PROSE / "volcanoes.html"), "--json")
    assert code == 0, err
    (module,) = json.loads(out)["modules"]
    assert (module["id"], module["name"]) == ("volcanoes", "Volcanoes")
    assert {b["question_type"] for b in module["batches"]} >= {"ordering", "matching"}
