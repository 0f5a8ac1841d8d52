"""What commands print for people: the console, and tables that stay readable in a narrow terminal.

Rich shrinks every column of a table that is too wide, so at 80 columns a batch key became
"cells_…" and a status "succe…". Here each column says whether it is a key (never cut, never
wrapped), text that may wrap, or a figure that may be left out: a table too wide for the
terminal first drops figures, least useful first, and says which — `--json` still has them all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.console import Console

SEPARATOR = 3
"""Characters between two columns: a padding space, the rule, a padding space."""
WRAPPED_MIN = 12
"""The narrowest a wrapping column gets before figures are dropped to make room."""


@dataclass(frozen=True)
class Column:
    header: str
    justify: Literal["left", "right"] = "left"
    role: Literal["key", "wrap", "figure"] = "figure"
    drop_rank: int = 0
    """Among figures, the lowest rank is left out first when the table is too wide."""


def fit_columns(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """The indexes of the columns to show in `width` characters: every key and wrapping
    column, and as many figures as fit, dropping the lowest `drop_rank` first."""
    natural = [
        max([len(column.header), *(len(row[i]) for row in rows)])
        for i, column in enumerate(columns)
    ]

    def least(i: int) -> int:
        if columns[i].role == "wrap":
            return min(natural[i], WRAPPED_MIN)
        if columns[i].role == "figure":
            return max(natural[i], max(map(len, columns[i].header.split())))
        return natural[i]

    shown = list(range(len(columns)))
    figures = sorted(
        (i for i, c in enumerate(columns) if c.role == "figure"), key=lambda i: columns[i].drop_rank
    )
    while figures and sum(least(i) for i in shown) + SEPARATOR * (len(shown) - 1) > width:
        shown.remove(figures.pop(0))
    return shown


def print_table(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], out: Console | None = None
) -> None:
    """Print `rows` under `columns`, fitted to the console's width (see `fit_columns`)."""
    from rich.table import Table

    out = out or console()
    shown = fit_columns(columns, rows, out.width)
    table = Table(show_edge=False, pad_edge=False)
    for i in shown:
        column = columns[i]
        key = column.role == "key"
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=key,
            min_width=max([len(column.header), *(len(row[i]) for row in rows)]) if key else None,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    out.print(table)
    left_out = [columns[i].header for i in range(len(columns)) if i not in shown]
    if left_out:
        out.print(
            f"(not shown at {out.width} columns: {', '.join(left_out)}; see --json)",
            style="dim",
        )


def console(*, piped_width: int = 160) -> Console:
    """The Rich console for stdout. Markup is off: question, spec and Canvas text print as
    written (a `[blank_1]` is text, not a tag, also in table cells); styling uses `style=`.
    Piped output is `piped_width` wide unless `COLUMNS` says otherwise."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = None if sys.stdout.isatty() else int(columns) if columns.isdigit() else piped_width
    return Console(width=width, highlight=False, markup=False)
