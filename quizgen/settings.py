"""Every setting that is not part of a quiz spec, read once into one typed model.

Three layers, later ones winning, each value checked by the same model whatever its origin:

1. the config file (`QUIZGEN_CONFIG`, default `$XDG_CONFIG_HOME/quizgen/config.toml`):

       [openai]
       api_key = "sk-..."
       base_url = "https://api.openai.com/v1"   # or any OpenAI-compatible server
       timeout = 120          # seconds per call
       max_attempts = 4       # tries for a connection error or a 5xx
       backoff = 1.0          # base of the exponential wait between tries; 0 = no wait
       batch_poll = 30        # seconds between looks at Batch API jobs (collect --wait)
       batch_queue_tokens = 90000   # the account's Batch API queue for the model

       [canvas]
       base_url = "https://canvas.example.edu"
       token = "..."
       timeout = 30           # and max_attempts, backoff_base, backoff_cap, max_in_flight

       [prices.<model>]       # see quizgen.report.cost
       input = 2.0

2. the environment: `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `QUIZGEN_OPENAI_TIMEOUT`,
   `QUIZGEN_OPENAI_MAX_ATTEMPTS`, `QUIZGEN_OPENAI_BACKOFF`, `QUIZGEN_BATCH_POLL`,
   `QUIZGEN_BATCH_QUEUE_TOKENS`, `CANVAS_BASE_URL`,
   `CANVAS_API_TOKEN`, `CANVAS_TIMEOUT`, `CANVAS_MAX_ATTEMPTS`, `CANVAS_BACKOFF_BASE`,
   `CANVAS_BACKOFF_CAP`, `CANVAS_MAX_IN_FLIGHT` (an empty variable counts as unset);
3. command-line flags (`--base-url`), passed in by the command.

A value is present when it is given, whatever it is: `backoff = 0` in the file is 0, as
`QUIZGEN_OPENAI_BACKOFF=0` is (the hand-written readers this replaces dropped a falsy file
value). A bad value is one `ConfigError` naming where it came from. Secrets are `SecretStr`:
they never print, and errors never quote them. Nothing here is written anywhere.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from quizgen.errors import ConfigError


class OpenAISettings(BaseModel):
    """The OpenAI-compatible server. `None` means the adapter's own default."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = None
    base_url: str | None = None
    timeout: float | None = Field(None, ge=0, allow_inf_nan=False)
    max_attempts: int | None = Field(None, ge=1)
    backoff: float | None = Field(None, ge=0, allow_inf_nan=False)
    batch_poll: float | None = Field(None, ge=0, allow_inf_nan=False)
    """Seconds between looks at unfinished Batch API jobs (`collect --wait`)."""
    batch_queue_tokens: int | None = Field(None, ge=1)
    """The account's Batch API queue for the model, in input tokens (`quizgen.batch_api`)."""


class CanvasSettings(BaseModel):
    """The Canvas instance and the client's tuning. `None` means the client's own default."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    token: SecretStr | None = None
    timeout: float | None = Field(None, ge=0, allow_inf_nan=False)
    max_attempts: int | None = Field(None, ge=1)
    backoff_base: float | None = Field(None, ge=0, allow_inf_nan=False)
    backoff_cap: float | None = Field(None, ge=0, allow_inf_nan=False)
    max_in_flight: int | None = Field(None, ge=1)

    def tuning(self) -> dict[str, Any]:
        """The knobs that were set, as `CanvasClient` keyword arguments."""
        knobs = ("timeout", "max_attempts", "backoff_base", "backoff_cap", "max_in_flight")
        return {k: getattr(self, k) for k in knobs if getattr(self, k) is not None}


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")  # other tables are other tools' business

    openai: OpenAISettings = OpenAISettings()
    canvas: CanvasSettings = CanvasSettings()
    prices: dict[str, Any] = {}
    """`[prices.<model>]` tables, checked by `quizgen.report.cost.price_table`."""


ENVIRONMENT: dict[tuple[str, str], str] = {
    ("openai", "api_key"): "OPENAI_API_KEY",
    ("openai", "base_url"): "OPENAI_BASE_URL",
    ("openai", "timeout"): "QUIZGEN_OPENAI_TIMEOUT",
    ("openai", "max_attempts"): "QUIZGEN_OPENAI_MAX_ATTEMPTS",
    ("openai", "backoff"): "QUIZGEN_OPENAI_BACKOFF",
    ("openai", "batch_poll"): "QUIZGEN_BATCH_POLL",
    ("openai", "batch_queue_tokens"): "QUIZGEN_BATCH_QUEUE_TOKENS",
    ("canvas", "base_url"): "CANVAS_BASE_URL",
    ("canvas", "token"): "CANVAS_API_TOKEN",
    ("canvas", "timeout"): "CANVAS_TIMEOUT",
    ("canvas", "max_attempts"): "CANVAS_MAX_ATTEMPTS",
    ("canvas", "backoff_base"): "CANVAS_BACKOFF_BASE",
    ("canvas", "backoff_cap"): "CANVAS_BACKOFF_CAP",
    ("canvas", "max_in_flight"): "CANVAS_MAX_IN_FLIGHT",
}
"""The environment variable for each `(table, key)`: one list, read by `load_settings`."""

SECRETS = frozenset({("openai", "api_key"), ("canvas", "token")})


def config_path() -> Path:
    override = os.environ.get("QUIZGEN_CONFIG")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "quizgen" / "config.toml"


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The config file as TOML data; `{}` when there is none."""
    path = path or config_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: config file cannot be read: {exc}") from None


def load_settings(flags: Mapping[str, Mapping[str, Any]] | None = None) -> Settings:
    """File, then environment, then `flags` (`{"openai": {"base_url": ...}}`, `None` values
    skipped), checked by `Settings`; a bad value is a `ConfigError` saying where it came from."""
    path = config_path()
    data = read_config_file(path)
    layered: dict[str, Any] = {}
    sources: dict[tuple[str, str], str] = {}
    for table in ("openai", "canvas", "prices"):
        found = data.get(table, {})
        if not isinstance(found, dict):
            raise ConfigError(f"{path}: [{table}] must be a table")
        layered[table] = dict(found)
        sources.update({(table, key): f"[{table}] {key} in {path}" for key in found})
    for (table, key), env in ENVIRONMENT.items():
        value = os.environ.get(env)
        if value:
            layered[table][key] = value
            sources[(table, key)] = env
    for table, values in (flags or {}).items():
        for key, value in values.items():
            if value is not None:
                layered[table][key] = value
                sources[(table, key)] = f"--{key.replace('_', '-')}"
    try:
        return Settings.model_validate(layered)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, layered, sources, path)) from None


def _describe(
    exc: ValidationError,
    layered: Mapping[str, Any],
    sources: Mapping[tuple[str, str], str],
    path: Path,
) -> str:
    lines = []
    for error in exc.errors():
        table, key = (str(part) for part in (*error["loc"], "")[:2])
        where = sources.get((table, key), f"[{table}] {key} in {path}")
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: not a setting quizgen knows (see `quizgen.settings`)")
            continue
        shown = "" if (table, key) in SECRETS else f" (got {layered[table].get(key)!r})"
        lines.append(f"{where}: {error['msg'].lower()}{shown}")
    return "settings are wrong:\n" + "\n".join(f"  {line}" for line in lines)


def setting(env: str, table: str, key: str) -> str | None:
    """One raw value, for callers that have not moved to `load_settings`: the environment
    variable `env` if set and not empty, else `[table] key` of the config file (0 included).
    Secrets come back in clear text: print none of them."""
    value = os.environ.get(env)
    if value:
        return value
    found = read_config_file().get(table, {})
    if not isinstance(found, dict) or found.get(key) is None:
        return None
    return str(found[key])


def section(name: str) -> dict[str, Any]:
    """A whole table of the config file (e.g. `[prices]`), empty when absent."""
    found = read_config_file().get(name, {})
    if not isinstance(found, dict):
        raise ConfigError(f"{config_path()}: [{name}] must be a table")
    return found
