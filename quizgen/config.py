"""Settings that are not part of a quiz spec: secrets and service addresses.

Secrets come from the environment first, then from a config file (`QUIZGEN_CONFIG`, default
`~/.config/quizgen/config.toml`), never from a spec and never into the database or the output.
The file looks like:

    [openai]
    api_key = "sk-..."
    base_url = "https://api.openai.com/v1"   # or any OpenAI-compatible server

    [canvas]
    base_url = "https://canvas.example.edu"
    token = "..."
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from quizgen.errors import ConfigError


def config_path() -> Path:
    override = os.environ.get("QUIZGEN_CONFIG")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "quizgen" / "config.toml"


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: config file cannot be read: {exc}") from None


def setting(env: str, section: str, key: str) -> str | None:
    """The environment variable `env` if set, else `[section] key` of the config file."""
    value = os.environ.get(env)
    if value:
        return value
    found = _load(config_path()).get(section, {}).get(key)
    return str(found) if found else None


def section(name: str) -> dict[str, Any]:
    """A whole table of the config file (e.g. `[prices]`), empty when absent."""
    found = _load(config_path()).get(name, {})
    if not isinstance(found, dict):
        raise ConfigError(f"{config_path()}: [{name}] must be a table")
    return found
