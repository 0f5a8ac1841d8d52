"""The errors a user is meant to read.

Every failure a person can fix (a bad spec, a missing file, an unknown quiz, a missing API key)
is raised as a `QuizgenError` carrying the whole message. `run_command` (`quizgen.cli.running`)
prints it and maps it to an exit code in one place, so no command grows its own try/except
ladder and no traceback reaches a user unless `--debug` asks for it.
"""

from __future__ import annotations

import re

_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{3})[A-Za-z0-9_\-]{6,}")


class QuizgenError(Exception):
    """A failure explained in one paragraph; `exit_code` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(QuizgenError):
    """The user's input is wrong: spec, arguments, files, an unknown quiz id. Exit 2."""


class SpecError(InputError):
    """A spec failed to load or validate; `problems` holds one located line per error."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        count = "1 error" if len(problems) == 1 else f"{len(problems)} errors"
        super().__init__(f"{path}: invalid quiz spec ({count}):\n{lines}")


class ContentError(InputError):
    """A module's content cannot be read or is empty."""


class StoreError(QuizgenError):
    """The database is not a quizgen database, is newer than this quizgen, or is busy."""


class ConfigError(InputError):
    """A setting is missing or wrong (API key, base URL, provider)."""


class ProviderError(QuizgenError):
    """An LLM call failed for good (after the adapter's own retries).

    `transient` says whether trying again later could help (rate limit, 5xx, timeout) as
    opposed to a request the provider will always refuse (bad key, unknown model).
    """

    exit_code = 1

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class RemoteError(QuizgenError):
    """A remote service (Canvas) refused or failed a request after retries."""

    exit_code = 1


def one_line(text: str, *, secret: str | None = None, limit: int = 300) -> str:
    """`text` fit for a message: one line, at most `limit` characters, with `secret` and
    anything shaped like an API key (`sk-…`) masked, since a server's error text may echo it."""
    if secret:
        text = text.replace(secret, "***")
    line = " ".join(_KEY_LIKE.sub(r"\1***", text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
