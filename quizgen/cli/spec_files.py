"""Writing a spec file: `init` and `suggest` write TOML (comments kept) or the same as JSON."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

SPEC_SUFFIXES = (".toml", ".json")


def spec_text_as(toml_text: str, suffix: str) -> str:
    """The spec in the file type `suffix` names: TOML as written (comments kept), or the same
    data as JSON (which has no comments)."""
    if suffix == ".toml":
        return toml_text
    return json.dumps(tomllib.loads(toml_text), indent=2, ensure_ascii=False) + "\n"


def write_spec_text(path: Path, toml_text: str) -> None:
    """Write a spec written as TOML to `path`, as JSON if its suffix says so (`init`,
    `suggest`); a folder that cannot be written to is an `InputError` naming the file."""
    from quizgen.errors import InputError

    try:
        path.write_text(spec_text_as(toml_text, path.suffix.lower()), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
