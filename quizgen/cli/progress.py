"""The live display of a generation run: one line per batch on a terminal, silence elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from quizgen.generation.context import BatchEvent, EventSink
from quizgen.models import BatchStatus

_STYLE = {
    BatchStatus.RUNNING: "cyan",
    BatchStatus.SUCCEEDED: "green",
    BatchStatus.PARTIAL: "yellow",
    BatchStatus.FAILED: "red",
    BatchStatus.PENDING: "dim",
}


@contextmanager
def batch_progress(keys: list[str], *, enabled: bool | None = None) -> Iterator[EventSink]:
    """Yield an event sink; on a TTY it drives a Rich progress display on stderr."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or not keys:
        yield lambda event: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    width = max(len(key) for key in keys)
    progress = Progress(
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[state]}"),
        console=console,
    )
    tasks = {key: progress.add_task(key, total=None, state="pending", start=False) for key in keys}

    def on_event(event: BatchEvent) -> None:
        task = tasks.get(event.key)
        if task is None:
            return
        style = _STYLE.get(event.status, "")
        state = f"[{style}]{event.status.value}[/]"
        if event.note:
            state += f" [dim]{escape(event.note[:60])}[/]"
        progress.start_task(task)
        progress.update(task, total=event.target, completed=event.generated, state=state)

    with progress:
        yield on_event
