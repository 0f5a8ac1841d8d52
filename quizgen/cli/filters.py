"""What the commands share about their inputs: which database, and the --module/--type filters.

A filter that names no module of the quiz, or no question type, is a typing mistake rather than
an empty result: `show --type matchin` must not answer "no questions match" and exit 0.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from quizgen.errors import InputError

if TYPE_CHECKING:
    from quizgen.models import Quiz
    from quizgen.store import Store


def did_you_mean(value: str, choices: list[str]) -> str:
    """`; did you mean 'x'?` for the nearest choice, else the list of valid ones."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid: {', '.join(choices)}" if choices else ""


def check_filters(
    store: Store, quiz: Quiz, *, module: str | None, question_type: str | None
) -> None:
    """InputError (exit 2) for a --module the quiz lacks or a --type that does not exist."""
    from quizgen.questions import type_names

    if question_type is not None and question_type not in type_names():
        raise InputError(
            f"--type: unknown question type {question_type!r}"
            + did_you_mean(question_type, type_names())
        )
    if module is not None:
        modules = [m.module_id for m in store.modules(quiz.id)]
        if module not in modules:
            raise InputError(
                f"--module: quiz {quiz.id} has no module {module!r}" + did_you_mean(module, modules)
            )


def database_path(db: Path | None) -> tuple[Path, str]:
    """The database file a command uses and where that choice came from (for messages)."""
    from quizgen.store import default_db_path

    if db is not None:
        return db, "--db"
    if os.environ.get("QUIZGEN_DB"):
        return default_db_path(), "$QUIZGEN_DB"
    return default_db_path(), "the default, in the current folder"


def open_store(db: Path | None, *, create: bool = False) -> Store:
    """Open the database; only a command that makes quizzes (`create`) may create the file.

    Reading commands never leave an empty database behind: a missing file is an input error
    that says where it looked. A missing folder is one for every command, named as such
    (SQLite's own word for it is "unable to open database file").
    """
    from quizgen.store import Store

    path, source = database_path(db)
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"{path} ({source}): the folder {folder} {what}")
    if not create and not path.exists():
        raise InputError(missing_database(path, source))
    return Store.open(path)


def missing_database(path: Path, source: str) -> str:
    return (
        f"no quizgen database at {path.resolve()} ({source}); `quizgen create SPEC` makes "
        "one, or point --db or $QUIZGEN_DB at an existing one"
    )


@contextmanager
def quiz_in_store(db: Path | None, quiz_ref: str) -> Iterator[tuple[Store, Quiz]]:
    """The database (see `open_store`) and the quiz a command names, for the many commands
    that start with both; the store is closed however the block ends, a quiz reference that
    matches nothing included."""
    store = open_store(db)
    try:
        yield store, store.resolve_quiz(quiz_ref)
    finally:
        store.close()
