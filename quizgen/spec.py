"""The quiz spec: one Pydantic model, two syntaxes (TOML, JSON), errors that say where.

The JSON request body of the original system (`canvas_course_id`, `selected_modules`,
`llm_model`, …) loads as it is: a before-validator maps its flat keys onto the native nested
shape, so there is exactly one model and one set of rules.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from quizgen.errors import SpecError
from quizgen.models import PlannedBatch, Quiz, batch_key
from quizgen.spec_limits import (
    MIN_COUNT,
    LimitsSpec,
    config_limits,
    limits_in,
)

MODULE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

Language = Literal["en", "no"]
Difficulty = Literal["easy", "medium", "hard"]
Provider = Literal["mock", "openai"]

# The original JSON body's flat keys, and where each lives in the native shape.
_SEED_KEYS: dict[str, tuple[str, str | None]] = {
    "canvas_course_id": ("course", "id"),
    "canvas_course_name": ("course", "name"),
    "llm_model": ("llm", "model"),
    "llm_temperature": ("llm", "temperature"),
    "selected_modules": ("modules", None),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BatchSpec(_Strict):
    question_type: str
    count: int
    difficulty: Difficulty | None = None
    pick: int | None = None
    """A pool: each student sees `pick` of the `count` questions (quizgen/pools.py)."""

    @field_validator("count")
    @classmethod
    def _count_within_limits(cls, value: int, info: ValidationInfo) -> int:
        most = limits_in(info).max_questions_per_batch
        if not MIN_COUNT <= value <= most:
            raise ValueError(f"count must be between {MIN_COUNT} and {most} (got {value!r})")
        return value

    @field_validator("question_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        from quizgen.questions import type_names

        if value not in type_names():
            hint = difflib.get_close_matches(value, type_names(), n=1)
            maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(
                f"unknown question type {value!r}{maybe}; valid types: {', '.join(type_names())}"
            )
        return value

    @model_validator(mode="after")
    def _pick_within_count(self) -> BatchSpec:
        if self.pick is not None and not 1 <= self.pick <= self.count:
            raise ValueError(
                f"pick must be between 1 and the batch's count ({self.count}) (got {self.pick})"
            )
        return self


class ModuleSpec(_Strict):
    name: str = Field(min_length=1, max_length=255)
    sources: list[str] = Field(default_factory=list)
    canvas_module: int | None = None
    template: str | None = None
    """The named mix this module's batches came from (`quizgen.spec_templates`); its own
    `question_batches` win."""
    question_batches: list[BatchSpec] = Field(min_length=1)

    @field_validator("question_batches")
    @classmethod
    def _batches_within_limits(cls, batches: list[BatchSpec], info: ValidationInfo) -> list:
        most = limits_in(info).max_batches_per_module
        if len(batches) > most:
            raise ValueError(
                f"question_batches has {len(batches)} batches; at most {most} are allowed"
            )
        return batches

    @model_validator(mode="after")
    def _each_type_once(self) -> ModuleSpec:
        seen: dict[str, int] = {}
        for index, batch in enumerate(self.question_batches, start=1):
            if batch.question_type in seen:
                raise ValueError(
                    f"question type {batch.question_type!r} appears in batches "
                    f"{seen[batch.question_type]} and {index}; a module may use each type once"
                )
            seen[batch.question_type] = index
        return self


class CourseSpec(_Strict):
    id: int | None = None
    name: str | None = None


class LLMSpec(_Strict):
    provider: Provider = "openai"
    model: str = "o3"
    temperature: float = Field(default=1.0, ge=0, le=2)
    base_url: str | None = None
    mode: Literal["sync", "batch"] = "sync"
    """"batch": send the asks through OpenAI's Batch API (half price, results within 24 h)
    and collect them with `quizgen collect`; see docs/batch-api.md."""


DEFAULT_MAX_CHARS = 120_000
"""About 30,000 tokens: room in any current model's context for the content of one module,
the instructions and the answer, and a prompt prefix cheap enough to send once per batch."""


class ContentSpec(_Strict):
    """How module content is bounded and read (`[content]` in TOML)."""

    max_chars: int = Field(default=DEFAULT_MAX_CHARS, ge=1000, le=2_000_000)
    on_overflow: Literal["truncate", "error"] = "truncate"
    slide_notes: bool = True


class ChecksSpec(_Strict):
    verify: bool = False
    """Answer every keyed question again from its quote alone; flag disagreements."""


class PublishSpec(_Strict):
    """`[publish]`: how `quizgen publish` builds the Canvas quiz (command flags win)."""

    engine: Literal["new", "classic"] = "new"
    published: bool = False
    shuffle_answers: bool = False
    time_limit_minutes: int | None = Field(default=None, ge=1, le=10080)
    allowed_attempts: int = Field(default=1, ge=-1, le=100)
    """How many times a student may take the quiz; -1 for no limit (Canvas's convention)."""
    points: dict[str, float] = Field(default_factory=dict)
    """Points per question of a type, e.g. `{ multiple_choice = 2 }`; others keep the type's."""

    @field_validator("allowed_attempts")
    @classmethod
    def _attempts(cls, value: int) -> int:
        if value == 0:
            raise ValueError("allowed_attempts must be 1 or more, or -1 for unlimited (got 0)")
        return value

    @field_validator("points")
    @classmethod
    def _known_types(cls, points: dict[str, float]) -> dict[str, float]:
        from quizgen.questions import type_names

        for name, value in points.items():
            if name not in type_names():
                raise ValueError(
                    f"points: unknown question type {name!r}; valid types: "
                    f"{', '.join(type_names())}"
                )
            if not 0 < value <= 1000:
                raise ValueError(f"points: {name} must be more than 0 and at most 1000")
        return points


class QuizSpec(_Strict):
    title: str = Field(min_length=1, max_length=255)
    template: str | None = None
    """The named mix (`[templates.NAME]`, or built in) for modules without their own batches."""
    language: Language = "en"
    difficulty: Difficulty | None = None
    instructions: str | None = Field(default=None, max_length=2000)
    course: CourseSpec | None = None
    llm: LLMSpec = Field(default_factory=LLMSpec)
    content: ContentSpec = Field(default_factory=ContentSpec)
    checks: ChecksSpec = Field(default_factory=ChecksSpec)
    modules: dict[str, ModuleSpec] = Field(min_length=1)
    publish: PublishSpec = Field(default_factory=PublishSpec)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    """The limits the spec was validated under: the config file's `[limits]` with the spec's
    own over them, kept so the stored snapshot validates again without the config file."""

    @model_validator(mode="before")
    @classmethod
    def _accept_seed_body(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(key in data for key in _SEED_KEYS):
            return data
        data = dict(data)
        for flat, (section, field) in _SEED_KEYS.items():
            if flat not in data:
                continue
            value = data.pop(flat)
            if field is None:
                if section in data:
                    raise ValueError(f"give either {flat!r} or {section!r}, not both")
                data[section] = value
            else:
                nested = data.setdefault(section, {})
                if isinstance(nested, dict):
                    data[section] = {**nested, field: value}
        return data

    @field_validator("modules")
    @classmethod
    def _module_ids(cls, modules: dict[str, ModuleSpec]) -> dict[str, ModuleSpec]:
        for module_id in modules:
            if not MODULE_ID_PATTERN.match(module_id):
                raise ValueError(
                    f"module id {module_id!r} must start with a letter or digit and use only "
                    "letters, digits, '_', '-' and '.' (at most 100 characters)"
                )
        return modules

    def batch_count(self) -> int:
        return sum(len(module.question_batches) for module in self.modules.values())

    def question_count(self) -> int:
        return sum(b.count for m in self.modules.values() for b in m.question_batches)


def plan_batches(spec: QuizSpec) -> list[PlannedBatch]:
    """One batch per (module, question type), in spec order."""
    return [
        PlannedBatch(
            key=batch_key(module_id, batch.question_type, batch.count),
            module_id=module_id,
            question_type=batch.question_type,
            target_count=batch.count,
            difficulty=batch.difficulty,
        )
        for module_id, module in spec.modules.items()
        for batch in module.question_batches
    ]


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec and the file it came from (sources resolve against its folder)."""

    spec: QuizSpec
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_spec(path: Path, *, template: str | None = None) -> LoadedSpec:
    """Read and validate a TOML or JSON spec; `SpecError` lists every problem, located.

    The config file's `[limits]` and `[templates]` apply here (and only here: a stored
    snapshot carries its limits and batches); `template` (`--template`) replaces the spec's."""
    from quizgen.settings import read_config_file
    from quizgen.spec_templates import apply_templates

    config = read_config_file()
    data = read_spec_data(path)
    limits = config_limits(config)
    data = apply_templates(data, str(path), template, config, limits)
    return LoadedSpec(parse_spec(data, str(path), config_limits=limits), path)


def read_spec_data(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(str(path), ["file not found"]) from None
    except IsADirectoryError:
        raise SpecError(str(path), ["is a directory, not a spec file"]) from None
    except OSError as exc:
        raise SpecError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(str(path), [f"is not UTF-8 text (byte {exc.start})"]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                str(path), [f"not valid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})"]
            ) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(str(path), [f"not valid TOML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SpecError(str(path), ["the top level must be an object/table of settings"])
    return data


def parse_spec(
    data: dict[str, Any], origin: str, *, config_limits: dict[str, Any] | None = None
) -> QuizSpec:
    """Validate spec data under its limits: `config_limits` (the config file's `[limits]`,
    already checked) with the spec's own `[limits]` over them."""
    own = data.get("limits")
    if config_limits or isinstance(own, dict):
        merged = {**(config_limits or {}), **(own if isinstance(own, dict) else {})}
        data = {**data, "limits": merged if isinstance(own, dict) or own is None else own}
    try:
        limits = LimitsSpec.model_validate(data.get("limits") or {})
    except ValidationError:
        limits = LimitsSpec()  # the spec's own [limits] is wrong: reported, located, below
    try:
        return QuizSpec.model_validate(data, context={"limits": limits})
    except ValidationError as exc:
        raise SpecError(origin, [describe_error(e) for e in exc.errors()]) from None


def stored_spec(quiz: Quiz) -> QuizSpec:
    """The spec snapshot `create` stored with the quiz, validated again.

    Commands that run after `create` (retry, publish) read this copy, never the spec file: the
    file may have changed or moved, or another folder's `quiz.toml` may sit at the same relative
    path. It is validated on the way out, not trusted as a raw dict, so a snapshot this quizgen
    cannot read is one located error (exit 2) instead of a wrong default or a KeyError.
    """
    return parse_spec(quiz.spec, f"the spec stored with quiz {quiz.id}")


# --- turning Pydantic's errors into sentences that say where ------------------------------

_FIELD_MODELS: dict[str, type[BaseModel]] = {
    "batch": BatchSpec,
    "module": ModuleSpec,
    "course": CourseSpec,
    "llm": LLMSpec,
    "content": ContentSpec,
    "checks": ChecksSpec,
    "publish": PublishSpec,
    "limits": LimitsSpec,
    "quiz": QuizSpec,
}


def describe_error(error: Any) -> str:
    """One located line, e.g. "module 'cells', batch 2: count must be between 1 and 20 (got 25)"."""
    where, field, owner = _locate(tuple(error["loc"]))
    return f"{where}: {_explain(error, field, owner)}" if where else _explain(error, field, owner)


def _locate(loc: tuple[Any, ...]) -> tuple[str, str | None, str]:
    parts: list[str] = []
    owner = "quiz"
    field: str | None = None
    index = 0
    while index < len(loc):
        part = loc[index]
        if part == "modules" and index + 1 < len(loc):
            parts.append(f"module {loc[index + 1]!r}")
            owner = "module"
            index += 2
            continue
        if part == "question_batches" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            parts.append(f"batch {loc[index + 1] + 1}")
            owner = "batch"
            index += 2
            continue
        if (
            part in _FIELD_MODELS
            and part not in ("quiz", "module", "batch")
            and index + 1 < len(loc)
        ):
            owner = str(part)
            parts.append(f"[{part}]")
            index += 1
            continue
        field = str(part)
        index += 1
    return ", ".join(parts), field, owner


def _explain(error: Any, field: str | None, owner: str) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    name = field or "value"
    if kind == "missing" and (name, owner) == ("question_batches", "module"):
        return 'question_batches is required, or a template to fill them: template = "exam"'
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        known = list(_FIELD_MODELS[owner].model_fields)
        hint = difflib.get_close_matches(name, known, n=1)
        maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"unknown field {name!r}{maybe}; known fields: {', '.join(known)}"
    if name == "temperature" and kind in ("greater_than_equal", "less_than_equal"):
        return f"temperature must be between 0 and 2 (got {value!r})"
    if name == "question_batches" and kind == "too_short":
        return "question_batches needs at least 1 batch"
    if name == "modules" and kind == "too_short":
        return "modules: the spec needs at least one module"
    if kind in ("string_too_short", "string_too_long"):
        limit = ctx.get("min_length", ctx.get("max_length"))
        bound = "at least" if kind == "string_too_short" else "at most"
        return f"{name} must be {bound} {limit} characters (got {len(str(value))})"
    if kind == "literal_error":
        return f"{name} must be one of {ctx.get('expected')} (got {value!r})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{name} must be a whole number (got {value!r})"
    if kind in ("float_parsing", "float_type"):
        return f"{name} must be a number (got {value!r})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{name} must be a table/object (got {type(value).__name__})"
    if kind == "list_type":
        return f"{name} must be a list (got {type(value).__name__})"
    if kind == "string_type":
        return f"{name} must be text (got {value!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if kind == "value_error" else f"{name}: {message} (got {value!r})"
