"""Turning a Pydantic JSON schema into one OpenAI's strict Structured Outputs accepts.

Why a transform and not the schema as Pydantic writes it: strict mode accepts a subset of JSON
Schema. Every object must list all its properties as required and forbid additional ones;
keywords such as `default`, `title`, `minLength` and `maxLength` are refused; `$ref`s resolve
against the document root only, while Pydantic nests a model's `$defs` inside the schema of the
list that holds it. quizgen validates every answer with the Pydantic model anyway, so dropping a
length bound here loses nothing: it only moves that check from decoding to validation.

Rules (pure, no I/O, the input is never mutated):
- every `$ref` is inlined; a recursive one is kept as a `$ref` into a root `$defs`;
- every object gets `additionalProperties: false` and all its properties in `required`; a field
  that was optional keeps its type (the model fills it with a value of that type — an empty
  list, an empty string — which the Pydantic model accepts like the default);
- `oneOf` becomes `anyOf`, a one-element `allOf` is merged into its parent;
- keywords outside `KEPT_KEYWORDS` are dropped;
- what strict mode cannot express at all (an open map `additionalProperties: {schema}`, a
  non-object root, a `$ref` outside the document) raises `StrictSchemaError`, and the adapter
  falls back to plain JSON mode for that request.
"""

from __future__ import annotations

import copy
from typing import Any

KEPT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "const",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "$ref",
        "$defs",
    }
)


class StrictSchemaError(ValueError):
    """The schema uses something strict Structured Outputs cannot express."""


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A strict-mode copy of `schema`; see the module docstring for the rules."""
    if schema.get("type") != "object":
        raise StrictSchemaError("the root of a strict schema must be an object")
    hoisted: dict[str, dict[str, Any]] = {}
    result = _Transform(hoisted).convert(copy.deepcopy(schema), scopes=(), stack=())
    if hoisted:
        result["$defs"] = hoisted
    return result


class _Transform:
    def __init__(self, hoisted: dict[str, dict[str, Any]]) -> None:
        self.hoisted = hoisted

    def convert(
        self,
        node: Any,
        *,
        scopes: tuple[dict[str, Any], ...],
        stack: tuple[str, ...],
    ) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise StrictSchemaError(f"expected a schema object, got {node!r}")
        local_defs = node.get("$defs") or node.get("definitions")
        if isinstance(local_defs, dict):
            scopes = (local_defs, *scopes)

        all_of = node.pop("allOf", None)
        if all_of is not None:
            if len(all_of) != 1:
                raise StrictSchemaError("allOf with more than one schema is not supported")
            node = {**all_of[0], **node}
        if "$ref" in node:
            return self._resolve(node, scopes=scopes, stack=stack)
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")

        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in KEPT_KEYWORDS or key in ("$defs", "$ref"):
                continue
            if key == "properties":
                out[key] = {
                    name: self.convert(sub, scopes=scopes, stack=stack)
                    for name, sub in value.items()
                }
            elif key == "items":
                if not isinstance(value, dict):
                    raise StrictSchemaError("tuple-style `items` lists are not supported")
                out[key] = self.convert(value, scopes=scopes, stack=stack)
            elif key == "anyOf":
                out[key] = [self.convert(sub, scopes=scopes, stack=stack) for sub in value]
            elif key == "additionalProperties":
                if isinstance(value, dict) and value:
                    raise StrictSchemaError(
                        "open maps (additionalProperties with a schema) are not supported"
                    )
            else:
                out[key] = value
        if _is_object(out):
            out["additionalProperties"] = False
            out["required"] = list(out.get("properties", {}))
            out.setdefault("properties", {})
        return out

    def _resolve(
        self,
        node: dict[str, Any],
        *,
        scopes: tuple[dict[str, Any], ...],
        stack: tuple[str, ...],
    ) -> dict[str, Any]:
        ref = node["$ref"]
        prefix = next((p for p in ("#/$defs/", "#/definitions/") if ref.startswith(p)), None)
        if prefix is None:
            raise StrictSchemaError(f"unsupported $ref {ref!r}")
        name = ref[len(prefix) :]
        target = next((scope[name] for scope in scopes if name in scope), None)
        if target is None:
            raise StrictSchemaError(f"$ref {ref!r} does not resolve")
        if name in stack:
            if name not in self.hoisted:
                self.hoisted[name] = {}  # placeholder: breaks the cycle while converting
                self.hoisted[name] = self.convert(
                    copy.deepcopy(target), scopes=scopes, stack=(name,)
                )
            return {"$ref": f"#/$defs/{name}"}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        resolved = self.convert(
            {**copy.deepcopy(target), **siblings}, scopes=scopes, stack=(*stack, name)
        )
        return resolved


def _is_object(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node
