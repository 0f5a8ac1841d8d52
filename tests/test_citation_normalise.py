"""Citations are matched the way a careful reader would: markup, quote marks, dashes, spacing,
hyphenation, case, a final full stop and an ellipsis carry no meaning; words do."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from quizgen.checks.citations import cited_text, find_quote, normalise, normalised_quote
from quizgen.content import Section, assemble
from tests.conftest import invoke, invoke_json

ALPHABET = "ab \n\t-\u00ad\u200b\u201c\u201d\u2019\u2014.*_[]()`\u2026\ufb01~'\""

NOTES = (
    "# Cells\n\n"
    "The **nucleus** is the organelle that stores most of the cell's DNA and controls which "
    "genes are expressed.\n"
    "Mitochondria \u2014 the \u201cpowerhouse\u201d of the cell \u2014 produce most of the ATP "
    "a eukaryotic cell uses. Free ribosomes float in the `cytosol` and make proteins; see "
    "[the ribosome page](https://example.org/ribosome) for more.\n"
    "Photosynthesis takes place in the chloro-\nplasts of plant cells, which contain "
    "chloro\u00adphyll and use the sun\ufb02ower's light energy.\n"
    "- Prokaryotic cells lack a nucleus\n"
    "- Eukaryotic cells have one\n"
)


@pytest.fixture(scope="module")
def notes():
    return assemble([Section("cells.md", NOTES)])


def test_fast_and_mapped_normalisation_agree_on_random_text() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
        assert normalised_quote(text) == normalise(text).text.rstrip(" "), repr(text)


@pytest.mark.parametrize(
    ("quote", "original"),
    [
        # Markdown emphasis dropped, final full stop added, case of the first letter changed
        (
            "the nucleus is the organelle that stores most of the cell's DNA.",
            "The **nucleus** is the organelle that stores most of the cell's DNA",
        ),
        # typographic apostrophe, emphasis kept by the quote
        (
            "The **nucleus** is the organelle that stores most of the cell\u2019s DNA",
            "The **nucleus** is the organelle that stores most of the cell's DNA",
        ),
        # dashes written as hyphens or doubled, quote marks dropped or made single
        (
            "Mitochondria -- the 'powerhouse' of the cell -- produce most of the ATP",
            "Mitochondria \u2014 the \u201cpowerhouse\u201d of the cell \u2014 produce most "
            "of the ATP",
        ),
        (
            "Mitochondria - the powerhouse of the cell",
            "Mitochondria \u2014 the \u201cpowerhouse\u201d of the cell",
        ),
        # inline code and link markup
        (
            "Free ribosomes float in the cytosol and make proteins; see the ribosome page for "
            "more.",
            "Free ribosomes float in the `cytosol` and make proteins; see "
            "[the ribosome page](https://example.org/ribosome) for more.",
        ),
        # a word hyphenated across a line break (PDF), with and without the hyphen, soft hyphen,
        # a ligature
        (
            "Photosynthesis takes place in the chloroplasts of plant cells, which contain "
            "chlorophyll and use the sunflower's light energy",
            "Photosynthesis takes place in the chloro-\nplasts of plant cells, which contain "
            "chloro\u00adphyll and use the sun\ufb02ower's light energy",
        ),
        (
            "takes place in the chloro-plasts of plant cells",
            "takes place in the chloro-\nplasts of plant cells",
        ),
        # line breaks collapsed, a list item quoted with an extra full stop
        ("Prokaryotic cells lack a nucleus.", "Prokaryotic cells lack a nucleus"),
        (
            "genes are expressed. Mitochondria",
            "genes are expressed.\nMitochondria",
        ),
        # quote marks around the whole quote
        ("\u201cThe nucleus is the organelle\u201d", "The **nucleus** is the organelle"),
        # an ellipsis for omitted words, in three spellings
        (
            "The nucleus is the organelle ... controls which genes are expressed.",
            "The **nucleus** is the organelle that stores most of the cell's DNA and controls "
            "which genes are expressed.",
        ),
        (
            "The nucleus \u2026 stores most of the cell's DNA",
            "The **nucleus** is the organelle that stores most of the cell's DNA",
        ),
        (
            "The nucleus [...] stores most of the cell's DNA",
            "The **nucleus** is the organelle that stores most of the cell's DNA",
        ),
    ],
)
def test_a_quote_differing_only_in_form_is_found_and_cites_the_original(
    notes, quote: str, original: str
) -> None:
    citation = find_quote(quote, notes)
    assert citation is not None, quote
    assert citation.source == "cells.md"
    assert cited_text(notes.text, citation) == original


@pytest.mark.parametrize(
    "quote",
    [
        "The nucleus is the organelle that keeps most of the cell's DNA",  # changed word
        "The nucleus is the organelle that stores the cell's DNA",  # dropped word, no ellipsis
        "The nucleus is the large organelle that stores most of the cell's DNA",  # added word
        "The nucleus stores most of the cell's DNA",  # words left out without an ellipsis
        "Most of the cell's DNA is stored in the nucleus",  # reordered
        "Eukaryotic cells lack a nucleus",  # parts of two list items
        "Prokaryotic cells lack a nucleus ... expressed",  # an ellipsis cannot go backwards
        "The nucleus ... light energy",  # nor leave out whole paragraphs
        "the cells DNA",  # an apostrophe inside a word is a letter of that word
    ],
)
def test_a_quote_with_other_words_is_not_found(notes, quote: str) -> None:
    assert find_quote(quote, notes) is None


def test_found_offsets_point_at_the_original_passage_in_the_right_source() -> None:
    first = (
        "# Cells\n\nThe  mito-\nchondria is the \u201cpower\u201d\u00adhouse \u2014 of the cell."
    )
    content = assemble([Section("a.md", first), Section("b.md", "Second   source text.")])
    citation = find_quote('The mitochondria is the "power"house - of the cell.', content)
    assert citation is not None and citation.source == "a.md"
    assert content.text[citation.start : citation.end] == first[first.index("The") :]
    second = find_quote("Second source text.", content)
    assert second is not None and second.source == "b.md"
    assert content.text[second.start : second.end] == "Second   source text."
    without_stop = find_quote("Second source text", content)
    assert without_stop is not None and without_stop.end == second.end - 1


def test_cited_text_refuses_offsets_outside_the_content() -> None:
    assert cited_text("abc", {"source": None, "start": 1, "end": 9}) is None
    assert cited_text("abc", None) is None
    assert cited_text("abc", {"source": None, "start": 0, "end": 2}) == "ab"


def test_show_prints_the_original_passage_not_the_models_quote(
    cli, example: Path, tmp_path: Path
) -> None:
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    quiz_id = document["quiz"]["id"]
    question = {
        "question_text": "Which cells are given as an example of cells with high energy demands?",
        "options": [
            {"text": "Muscle cells", "correct": True},
            {"text": "Skin cells", "correct": False},
            {"text": "Red blood cells", "correct": False},
            {"text": "Guard cells", "correct": False},
        ],
        "explanation": "",
        "source_quote": "\u201ccells with high energy demands, such as muscle cells, contain "
        "\u2026 mitochondria\u201d",
    }
    bank = {
        "format": "quizgen-quiz",
        "version": 1,
        "quiz": {"id": quiz_id, "title": "Old bank", "language": "en"},
        "questions": [
            {"id": "old1", "module_id": "cells", "batch_key": "old", "question_type":
             "multiple_choice", "review_status": "approved", "data": question, "citation": None}
        ],
    }  # fmt: skip
    path = tmp_path / "bank.json"
    path.write_text(__import__("json").dumps(bank), encoding="utf-8")
    code, imported = invoke_json(cli, "import", quiz_id, str(path))
    assert imported["questions"][0]["status"] == "pending", imported["questions"][0][
        "rejection_reasons"
    ]
    _, out, _ = invoke(cli, "show", quiz_id, "--module", "cells", "--type", "multiple_choice")
    assert (
        'source (content/cells.md): "Cells with high energy demands, such as muscle cells, '
        'contain thousands of mitochondria"' in out  # the model's quote left out "thousands of"
    )
