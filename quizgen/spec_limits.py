"""How many batches a module and questions a batch may have: `[limits]`, and its ceilings.

The defaults (1–4 batches, 1–20 questions) are the original system's and the validation
messages say them. A `[limits]` table in the config file, or in the spec (which wins), may
raise them up to two ceilings, each with its reason (docs/spec.md, "Limits"). `parse_spec`
passes the limits to the spec's validators in Pydantic's validation context.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

MAX_BATCHES_PER_MODULE = 4
MIN_COUNT, MAX_COUNT = 1, 20
"""The defaults; `[limits]` in the config file or the spec may raise them to the ceilings."""
CEILING_COUNT = 40
"""Questions per batch at most, whatever `[limits]` says: one call answers a whole batch, and
40 questions at twice the measured 171 output tokens each (docs/scale.md) stay within the
16,384 output tokens of the smallest model quizgen prices (gpt-4o, gpt-4o-mini)."""


def ceiling_batches() -> int:
    """Batches per module at most, whatever `[limits]` says: a module uses each question type
    once, so more batches than types cannot be written."""
    from quizgen.questions import type_names

    return len(type_names())


class LimitsSpec(BaseModel):
    """`[limits]` (config file or spec): batches per module and questions per batch."""

    model_config = ConfigDict(extra="forbid")

    max_batches_per_module: int = MAX_BATCHES_PER_MODULE
    max_questions_per_batch: int = MAX_COUNT

    @field_validator("max_batches_per_module")
    @classmethod
    def _batches_ceiling(cls, value: int) -> int:
        ceiling = ceiling_batches()
        if not 1 <= value <= ceiling:
            raise ValueError(
                f"max_batches_per_module must be between 1 and {ceiling} (got {value}); a "
                "module uses each question type once, so it cannot have more batches than "
                "there are types"
            )
        return value

    @field_validator("max_questions_per_batch")
    @classmethod
    def _count_ceiling(cls, value: int) -> int:
        if not MIN_COUNT <= value <= CEILING_COUNT:
            raise ValueError(
                f"max_questions_per_batch must be between {MIN_COUNT} and {CEILING_COUNT} "
                f"(got {value}); one model call answers a whole batch, and more questions "
                "would not fit the output of every model quizgen supports (docs/spec.md)"
            )
        return value


def limits_in(info: ValidationInfo) -> LimitsSpec:
    """The limits a validation runs under (`parse_spec` passes them in its context)."""
    found = (info.context or {}).get("limits")
    return found if isinstance(found, LimitsSpec) else LimitsSpec()


def config_limits(config: dict[str, Any]) -> dict[str, Any]:
    """The config file's `[limits]`, checked (a bad one is a `ConfigError` naming the file)."""
    from quizgen.errors import ConfigError
    from quizgen.settings import config_path

    found = config.get("limits", {})
    where = f"{config_path()}: [limits]"
    if not isinstance(found, dict):
        raise ConfigError(f"{where} must be a table")
    try:
        LimitsSpec.model_validate(found)
    except ValidationError as exc:
        raise ConfigError("; ".join(f"{where} {_explain(e)}" for e in exc.errors())) from None
    return dict(found)


def _explain(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        import difflib

        name, known = str(error["loc"][0]), list(LimitsSpec.model_fields)
        hint = difflib.get_close_matches(name, known, n=1)
        maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"has an unknown key {name!r}{maybe}; known keys: {', '.join(known)}"
    from quizgen.spec import describe_error

    return describe_error(error)
