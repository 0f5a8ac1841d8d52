"""The strict-schema transform: what OpenAI's Structured Outputs accept, from Pydantic's schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from quizgen.llm.schema import KEPT_KEYWORDS, StrictSchemaError, strict_schema
from quizgen.questions import REGISTRY


def walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_question_type_schema_becomes_strict(name: str) -> None:
    original = REGISTRY[name].batch_schema()
    before = json.dumps(original, sort_keys=True)
    strict = strict_schema(original)
    assert json.dumps(original, sort_keys=True) == before, "the input must not be mutated"
    assert "$ref" not in json.dumps(strict) and "$defs" not in strict
    for node in walk(strict):
        if isinstance(node.get("properties"), dict) and node.get("type") == "object":
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])
    for node in walk(strict):
        if node.get("type") is not None:
            assert set(node) <= KEPT_KEYWORDS, set(node) - KEPT_KEYWORDS


def test_optional_fields_become_required_with_their_own_type() -> None:
    strict = strict_schema(REGISTRY["matching"].batch_schema())
    item = strict["properties"]["questions"]["items"]
    assert "explanation" in item["required"] and "distractors" in item["required"]
    assert item["properties"]["explanation"] == {"type": "string"}
    assert item["properties"]["distractors"]["type"] == "array"


def test_array_bounds_are_kept_and_string_bounds_dropped() -> None:
    strict = strict_schema(REGISTRY["multiple_choice"].batch_schema())
    options = strict["properties"]["questions"]["items"]["properties"]["options"]
    assert options["minItems"] == 3 and options["maxItems"] == 8
    assert options["items"]["properties"]["text"] == {"type": "string"}


def test_a_model_answer_that_fits_the_strict_schema_parses_with_the_type() -> None:
    """Every field the strict schema forces is one the Pydantic model accepts."""
    for qtype in REGISTRY.values():
        example = dict(qtype.example)
        example.setdefault("explanation", "")
        if "distractors" in qtype.model.model_fields:
            example.setdefault("distractors", [])
        question, problems = qtype.parse(example)
        assert question is not None, (qtype.name, problems)


class Node(BaseModel):
    label: str
    children: list[Node] = []


class Holder(BaseModel):
    note: str | None = None
    root: Node


def test_recursive_models_keep_a_root_ref_and_nullables_stay_nullable() -> None:
    strict = strict_schema(Holder.model_json_schema())
    assert strict["required"] == ["note", "root"]
    assert {"type": "null"} in strict["properties"]["note"]["anyOf"]
    root = strict["properties"]["root"]
    assert root["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert strict["$defs"]["Node"]["additionalProperties"] is False
    assert strict["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string"}},
        {
            "type": "object",
            "properties": {"m": {"type": "object", "additionalProperties": {"type": "integer"}}},
        },
        {"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}},
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}},
    ],
)
def test_what_strict_mode_cannot_express_is_refused(schema: dict) -> None:
    with pytest.raises(StrictSchemaError):
        strict_schema(schema)
