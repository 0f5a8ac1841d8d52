"""The config file's location and raw values, for callers that have not moved to
`quizgen.settings` (the one typed model for file, environment and flags; read it there)."""

from __future__ import annotations

from typing import Any

from quizgen.errors import ConfigError
from quizgen.settings import config_path, read_config_file, setting

__all__ = ["config_path", "section", "setting"]


def section(name: str) -> dict[str, Any]:
    """A whole table of the config file (e.g. `[prices]`), empty when absent."""
    found = read_config_file().get(name, {})
    if not isinstance(found, dict):
        raise ConfigError(f"{config_path()}: [{name}] must be a table")
    return found
