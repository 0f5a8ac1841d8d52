"""`quizgen create` and `quizgen retry`: running batches to an end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quizgen.cli.options import (
    ContentDirOption,
    DbOption,
    JsonOption,
    QuizArgument,
    TemplateOption,
)
from quizgen.cli.running import EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, run_command

if TYPE_CHECKING:
    from quizgen.generation.run import RunReport
    from quizgen.llm.base import LLMAdapter
    from quizgen.models import Quiz
    from quizgen.store import Store

ProviderOption = Annotated[
    str | None, typer.Option("--provider", help="mock or openai (default: the spec's).")
]
ModelOption = Annotated[
    str | None, typer.Option("--model", help="Model name (default: the spec's).")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL)."),
]
VerifyOption = Annotated[
    bool,
    typer.Option(
        "--verify",
        help="Also answer each question from its quote alone with an independent LLM call "
        "(one extra call per 10 questions) and flag disagreements key_disputed.",
    ),
]
BatchApiOption = Annotated[
    bool,
    typer.Option(
        "--batch-api",
        help="Send the asks through OpenAI's Batch API (half price, results within 24 h) and "
        'return; finish with `quizgen collect QUIZ`. Same as [llm] mode = "batch".',
    ),
]
ConcurrencyOption = Annotated[
    int, typer.Option("--concurrency", min=1, max=256, help="LLM calls in flight at most.")
]


def register(app: typer.Typer) -> None:
    app.command("create")(create)
    app.command("retry")(retry)


@run_command
def create(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Quiz spec (.toml or .json).")],
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    concurrency: ConcurrencyOption = 8,
    content_dir: ContentDirOption = None,
    verify: VerifyOption = False,
    batch_api: BatchApiOption = False,
    db: DbOption = None,
    template: TemplateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate a spec, read its content, and generate every batch concurrently."""
    from quizgen.cli.filters import open_store
    from quizgen.content.sources import read_module_texts
    from quizgen.llm import make_adapter
    from quizgen.spec import load_spec, plan_batches
    from quizgen.store import NewModule

    loaded = load_spec(spec_path, template=template)
    spec = loaded.spec
    chosen_provider = provider or spec.llm.provider
    chosen_model = model or spec.llm.model
    adapter = make_adapter(
        chosen_provider,
        model=chosen_model,
        temperature=spec.llm.temperature,
        base_url=base_url or spec.llm.base_url,
    )
    remote = None
    if batch_api or spec.llm.mode == "batch":
        from quizgen.cli.batch_jobs import batch_remote
        from quizgen.errors import InputError

        if verify or spec.checks.verify:
            raise InputError(
                f"{spec_path}: --verify ([checks] verify) is not available with the Batch API "
                "yet; run the quiz without one of them"
            )
        remote = batch_remote(adapter)
        spec = spec.model_copy(update={"llm": spec.llm.model_copy(update={"mode": "batch"})})
    texts = read_module_texts(loaded, content_dir)
    for module_id, text in texts.items():
        for warning in text.content.warnings:
            typer.echo(f"warning: module {module_id!r}: {warning}", err=True)
    if adapter.provider == "mock":
        from quizgen.llm.mock.capacity import spec_warnings

        for warning in spec_warnings(plan_batches(spec), spec.modules, texts):
            typer.echo(f"warning: {warning}", err=True)
    store = open_store(db, create=True)
    try:
        quiz = store.create_quiz(
            title=spec.title,
            language=spec.language,
            provider=adapter.provider,
            model=adapter.model,
            spec_path=str(spec_path.resolve()),
            spec=spec.model_dump(mode="json"),
            modules=[
                NewModule.from_content(
                    module_id, spec.modules[module_id].name, text.content, text.origin
                )
                for module_id, text in texts.items()
            ],
            batches=plan_batches(spec),
        )
        if not as_json:
            typer.echo(f"quiz {quiz.id}: {quiz.title}", err=True)
        if remote is not None:
            from quizgen.cli.batch_jobs import submit_and_report

            try:
                submit_and_report(store, quiz, adapter, remote, as_json=as_json)
            finally:
                remote.close()
        _generate_and_report(
            store, quiz, adapter, concurrency, as_json=as_json, verify=verify or spec.checks.verify
        )
    finally:
        store.close()


@run_command
def retry(
    quiz_ref: QuizArgument,
    provider: ProviderOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    concurrency: ConcurrencyOption = 8,
    force: Annotated[
        bool,
        typer.Option("--force", help="Also take over batches a live process seems to be running."),
    ] = False,
    verify: VerifyOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Regenerate only failed, partial, pending and interrupted batches, from stored content."""
    from quizgen.cli.filters import quiz_in_store
    from quizgen.llm import make_adapter
    from quizgen.spec import stored_spec

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        spec = stored_spec(quiz)
        if spec.llm.mode == "batch":
            from quizgen.cli.batch_jobs import collect_and_report

            collect_and_report(
                store,
                quiz,
                wait=False,
                cancel=False,
                as_json=as_json,
                retry=True,
                base_url=base_url,
            )
        adapter = make_adapter(
            provider or quiz.provider,
            model=model or quiz.model,
            temperature=spec.llm.temperature,
            base_url=base_url or spec.llm.base_url,
        )
        verify = verify or spec.checks.verify
        _generate_and_report(
            store, quiz, adapter, concurrency, as_json=as_json, force=force, verify=verify
        )


def _generate_and_report(
    store: Store,
    quiz: Quiz,
    adapter: LLMAdapter,
    concurrency: int,
    *,
    as_json: bool,
    force: bool = False,
    verify: bool = False,
) -> None:
    import anyio

    from quizgen.cli.progress import batch_progress
    from quizgen.generation.run import RunReport, generate
    from quizgen.store import new_id

    run_id = new_id()
    keys = [b.key for b in store.batches(quiz.id)]
    progress = RunReport(quiz.id, run_id)

    async def run() -> RunReport:
        try:
            with batch_progress(keys, enabled=None if not as_json else False) as on_event:
                return await generate(
                    store,
                    quiz,
                    adapter,
                    concurrency=concurrency,
                    on_event=on_event,
                    force=force,
                    run_id=run_id,
                    verify=verify,
                    report=progress,
                )
        finally:
            with anyio.CancelScope(shield=True):
                await adapter.aclose()

    try:
        report = anyio.run(run)
    except KeyboardInterrupt:
        # The run put its batches back to pending as it ended; count those, and any it had
        # no chance to (interrupted before its end ran).
        released = progress.released + store.release_batches(quiz.id, run_id)
        _print_outcome(store, quiz.id, as_json=as_json, interrupted=True, released=released)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _print_outcome(store, quiz.id, as_json=as_json, busy=report.busy)
    raise typer.Exit(EXIT_OK if report.complete else EXIT_INCOMPLETE)


def _print_outcome(
    store: Store,
    quiz_id: str,
    *,
    as_json: bool,
    interrupted: bool = False,
    released: int = 0,
    busy: list[str] | None = None,
) -> None:
    from quizgen.cli.status import full_status, print_batches, print_checks, totals_line

    quiz = store.quiz(quiz_id)
    document, batches, costs = full_status(store, quiz)
    document["interrupted"] = interrupted
    document["busy_batches"] = busy or []
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    print_batches(quiz, batches, costs)
    print_checks(document)
    typer.echo(totals_line(document, costs))
    totals = document["totals"]
    if busy:
        typer.echo(f"left alone (running in another process): {', '.join(busy)}", err=True)
    if interrupted:
        typer.echo(
            f"interrupted: {released} batch(es) back to pending; "
            f"finish with `quizgen retry {quiz.id}`",
            err=True,
        )
    elif totals["succeeded"] < totals["batches"]:
        typer.echo(f"some batches did not finish; run `quizgen retry {quiz.id}`", err=True)
