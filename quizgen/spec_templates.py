"""Named mixes of question batches a spec can apply: `template = "exam"`.

A template is a list of batches, like a module's `question_batches`. Three are built in
(`practice`, `exam`, `review`); the config file's `[templates.NAME]` tables add more or replace
a built-in one. The spec's `template` (or `--template`, which replaces it) fills every module
that lists no `question_batches` of its own; a module's own `template` names another for it,
and its own batches always win.

Templates are applied to the spec's data before it is validated, so the stored snapshot holds
the batches themselves and never needs the config file again.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import Field, ValidationError

from quizgen.errors import ConfigError, SpecError
from quizgen.settings import config_path
from quizgen.spec import BatchSpec, _Strict, describe_error
from quizgen.spec_limits import LimitsSpec


class TemplateSpec(_Strict):
    """One `[templates.NAME]` table."""

    description: str | None = Field(default=None, max_length=500)
    question_batches: list[BatchSpec] = Field(min_length=1)


BUILT_IN: dict[str, dict[str, Any]] = {
    "practice": {
        "description": "low-stakes self-check: quick recall of single facts",
        "question_batches": [
            {"question_type": "multiple_choice", "count": 5, "difficulty": "easy"},
            {"question_type": "true_false", "count": 5, "difficulty": "easy"},
            {"question_type": "fill_in_blank", "count": 5, "difficulty": "easy"},
        ],
    },
    "exam": {
        "description": "graded test: single facts, several facts at once, and connections",
        "question_batches": [
            {"question_type": "multiple_choice", "count": 10},
            {"question_type": "multiple_answer", "count": 5},
            {"question_type": "fill_in_blank", "count": 5},
            {"question_type": "matching", "count": 2},
        ],
    },
    "review": {
        "description": "end-of-unit review: statements to judge and things to connect",
        "question_batches": [
            {"question_type": "true_false", "count": 8},
            {"question_type": "matching", "count": 3},
            {"question_type": "categorization", "count": 2},
        ],
    },
}


def available(config: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """Every template by name: (its data, where it comes from); the config file's win."""
    found: dict[str, tuple[dict[str, Any], str]] = {
        name: (data, "built in") for name, data in BUILT_IN.items()
    }
    tables = config.get("templates", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{config_path()}: [templates] must be a table of [templates.NAME]")
    for name, data in tables.items():
        found[str(name)] = (data, f"[templates.{name}] in {config_path()}")
    return found


def template_batches(
    name: str,
    origin: str,
    field: str,
    templates: dict[str, tuple[dict[str, Any], str]],
    limits: LimitsSpec,
) -> list[dict[str, Any]]:
    """The batches of template `name`, checked under `limits`; a `SpecError` for the spec
    `origin` names the `field` that asked for it, the template and where it is defined."""
    if name not in templates:
        hint = difflib.get_close_matches(name, list(templates), n=1)
        maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise SpecError(
            origin,
            [
                f"{field}: unknown template {name!r}{maybe}; known: {', '.join(sorted(templates))}"
                f" (a [templates.{name}] table in {config_path()} defines one)"
            ],
        )
    data, defined = templates[name]
    try:
        checked = TemplateSpec.model_validate(data, context={"limits": limits})
    except ValidationError as exc:
        raise SpecError(
            origin, [f"template {name!r} ({defined}): {_describe(e)}" for e in exc.errors()]
        ) from None
    return [batch.model_dump(exclude_none=True) for batch in checked.question_batches]


def _describe(error: Any) -> str:
    """A template's error in the spec's words; a template's own unknown field listed with the
    template's fields (not the quiz's)."""
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        known = ", ".join(TemplateSpec.model_fields)
        return f"unknown field {error['loc'][0]!r}; known fields: {known}"
    if error["type"] in ("dict_type", "model_type") and not error["loc"]:
        return "must be a table with question_batches = [...]"
    return describe_error(error)


def apply_templates(
    data: dict[str, Any],
    origin: str,
    override: str | None,
    config: dict[str, Any],
    config_limits: dict[str, Any],
) -> dict[str, Any]:
    """`data` with each module lacking `question_batches` filled from its template (its own
    `template`, else the quiz's; `override` replaces the quiz's). Unknown names and bad
    templates are `SpecError`s naming the template and the field."""
    if override is not None:
        data = {**data, "template": override}
    quiz_template = data.get("template")
    modules_key = "selected_modules" if "selected_modules" in data else "modules"
    modules = data.get(modules_key)
    named = [quiz_template] if isinstance(quiz_template, str) else []
    if isinstance(modules, dict):
        named += [m.get("template") for m in modules.values() if isinstance(m, dict)]
    if not any(isinstance(name, str) for name in named):
        return data
    templates = available(config)
    own_limits = data.get("limits") if isinstance(data.get("limits"), dict) else {}
    try:
        limits = LimitsSpec.model_validate({**config_limits, **own_limits})
    except ValidationError:
        limits = LimitsSpec()  # reported, located, when the spec is validated
    quiz_batches = None
    if isinstance(quiz_template, str):
        flag = " (--template)" if override is not None else ""
        quiz_batches = template_batches(quiz_template, origin, f"template{flag}", templates, limits)
    if not isinstance(modules, dict):
        return data
    filled: dict[str, Any] = {}
    for module_id, module in modules.items():
        if not isinstance(module, dict) or "question_batches" in module:
            filled[module_id] = module
            continue
        own = module.get("template")
        if isinstance(own, str):
            batches = template_batches(
                own, origin, f"module {module_id!r}, template", templates, limits
            )
        elif quiz_batches is not None:
            batches = quiz_batches
            module = {**module, "template": quiz_template}
        else:
            filled[module_id] = module
            continue
        filled[module_id] = {**module, "question_batches": [dict(b) for b in batches]}
    return {**data, modules_key: filled}
