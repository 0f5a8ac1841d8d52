"""Question pools (`pick = k`): the spec's rule, and how a pool's questions are kept together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.errors import SpecError
from quizgen.pools import Pool, in_pool_order, pick_note, points_note, pools_of, segments
from quizgen.spec import load_spec
from tests.conftest import invoke, spec_with_batches, write_spec


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path / "spec.toml", text))
    return caught.value.problems


def test_a_batch_may_pick_k_of_its_count(tmp_path: Path) -> None:
    text = spec_with_batches(
        '{ question_type = "multiple_choice", count = 20, pick = 5 },'
        ' { question_type = "true_false", count = 4 }'
    )
    spec = load_spec(write_spec(tmp_path / "spec.toml", text)).spec
    assert pools_of(spec) == {"cells_multiple_choice_20": Pool("cells_multiple_choice_20", 5, 20)}
    assert pools_of(spec)["cells_multiple_choice_20"].label() == "5 of 20"


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (0, "pick must be between 1 and the batch's count (20) (got 0)"),
        (21, "pick must be between 1 and the batch's count (20) (got 21)"),
    ],
)
def test_pick_out_of_range_names_module_batch_and_field(
    tmp_path: Path, pick: int, message: str
) -> None:
    text = spec_with_batches(
        '{ question_type = "true_false", count = 3 },'
        f' {{ question_type = "multiple_choice", count = 20, pick = {pick} }}'
    )
    assert problems(tmp_path, text) == [f"module 'cells', batch 2: {message}"]


def test_validate_refuses_pick_above_count_with_the_file_named(cli, tmp_path: Path) -> None:
    path = write_spec(
        tmp_path / "bad.toml",
        spec_with_batches('{ question_type = "matching", count = 3, pick = 4 }'),
    )
    code, out, err = invoke(cli, "validate", str(path))
    assert code == 2
    assert f"{path}: invalid quiz spec (1 error)" in err
    assert "module 'cells', batch 1: pick must be between 1 and the batch's count (3)" in err
    assert "Traceback" not in out + err


def test_pick_equal_to_count_is_a_pool_of_everything(tmp_path: Path) -> None:
    text = spec_with_batches('{ question_type = "true_false", count = 3, pick = 3 }')
    assert pools_of(load_spec(write_spec(tmp_path / "s.toml", text)).spec) == {
        "cells_true_false_3": Pool("cells_true_false_3", 3, 3)
    }


def test_segments_gather_each_pool_at_its_first_question() -> None:
    pools = {"p": Pool("p", 2, 3)}
    items = [("a", "x"), ("b", "p"), ("c", "y"), ("d", "p"), ("e", "p")]
    runs = segments(items, lambda item: item[1], pools)
    assert [(pool, [name for name, _ in run]) for pool, run in runs] == [
        (None, ["a"]),
        (pools["p"], ["b", "d", "e"]),
        (None, ["c"]),
    ]
    assert [name for name, _ in in_pool_order(items, lambda i: i[1], pools)] == list("abdec")


def test_validate_states_the_pool(cli, tmp_path: Path) -> None:
    (tmp_path / "cells.md").write_text("# Cells\n\nCells have membranes.\n", encoding="utf-8")
    path = write_spec(
        tmp_path / "quiz.toml",
        spec_with_batches('{ question_type = "true_false", count = 3, pick = 2 }')
        + '[llm]\nprovider = "mock"\n',
    )
    code, out, _err = invoke(cli, "validate", str(path))
    assert code == 0 and "cells_true_false_3" in out and "pool: 2 of 3" in out
    code, out, _err = invoke(cli, "validate", str(path), "--json")
    assert json.loads(out)["batches"][0]["pick"] == 2


def test_status_and_show_state_the_pool(cli, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import EXAMPLE

    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE / "content", folder / "content")
    spec = folder / "quiz.toml"
    spec.write_text(
        """
title = "Pools"
[llm]
provider = "mock"
[modules.cells]
name = "Cells"
sources = ["content/cells.md"]
question_batches = [
  { question_type = "multiple_choice", count = 3, pick = 2 },
  { question_type = "true_false", count = 1 },
]
""",
        encoding="utf-8",
    )
    code, out, err = invoke(cli, "create", str(spec), "--json")
    assert code == 0, err
    quiz_id = json.loads(out)["quiz"]["id"]
    code, out, _err = invoke(cli, "status", quiz_id, "--json")
    batches = {b["key"]: b["pool"] for b in json.loads(out)["batches"]}
    assert batches == {
        "cells_multiple_choice_3": {"pick": 2, "count": 3, "label": "2 of 3"},
        "cells_true_false_1": None,
    }
    code, out, _err = invoke(cli, "status", quiz_id)
    assert code == 0 and "pool 2 of 3" in out
    code, out, _err = invoke(cli, "show", quiz_id)
    assert code == 0 and out.count("cells_multiple_choice_3, pool: 2 of 3 shown") == 3
    code, out, _err = invoke(cli, "show", quiz_id, "--json")
    pools = [q["pool"] for q in json.loads(out)["questions"]]
    assert pools.count({"pick": 2, "count": 3, "label": "2 of 3"}) == 3 and None in pools


def test_a_group_says_when_it_shows_fewer_or_evens_out_points() -> None:
    pool = Pool("m1_multiple_choice_5", pick=4, count=5)
    assert pick_note(pool, 4) is None and pick_note(pool, 5) is None
    assert pick_note(pool, 3) == (
        "batch m1_multiple_choice_5 is a pool of 4 per student, but only 3 of its questions "
        "are exported: the group shows 3"
    )
    assert points_note(pool, [1, 1, 1], "a question group", "1") is None
    assert points_note(pool, [1, 2], "a question group", "2") == (
        "batch m1_multiple_choice_5: a question group gives every question the same points, "
        "so each is worth 2"
    )
