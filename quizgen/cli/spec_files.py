"""Writing a spec file: `init` and `suggest` write TOML (comments kept) or the same as JSON.

Every command imports this module at start-up (for `SPEC_SUFFIXES`), so the TOML reader is
imported only when a JSON spec is written."""

from __future__ import annotations

import json
from pathlib import Path

SPEC_SUFFIXES = (".toml", ".json")


def require_spec_suffix(path: Path, example: str) -> None:
    """A spec to write must be .toml or .json: otherwise an `InputError` naming the path, with
    `example` (how to say it with .toml) as the hint."""
    from quizgen.errors import InputError

    if path.suffix.lower() not in SPEC_SUFFIXES:
        raise InputError(
            f"{path}: a spec is a .toml or .json file (got {path.suffix or 'no suffix'!r}); "
            f"for example {example}"
        )


def spec_text_as(toml_text: str, suffix: str) -> str:
    """The spec in the file type `suffix` names: TOML as written (comments kept), or the same
    data as JSON (which has no comments)."""
    if suffix == ".toml":
        return toml_text
    import tomllib

    return json.dumps(tomllib.loads(toml_text), indent=2, ensure_ascii=False) + "\n"


def write_spec_text(path: Path, toml_text: str) -> None:
    """Write a spec written as TOML to `path`, as JSON if its suffix says so (`init`,
    `suggest`)."""
    write_text(path, spec_text_as(toml_text, path.suffix.lower()))


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path`; a folder that cannot be written to is an `InputError` naming
    the file (a spec, or the example notes `init` writes beside it)."""
    from quizgen.errors import InputError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
