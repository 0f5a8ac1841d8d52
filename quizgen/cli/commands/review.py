"""`quizgen review`, `approve`, `reject` and `edit`: a person's verdict on generated questions.

The rules (what a bulk approval selects, reason codes, the edit document and its checks) live in
`quizgen/review/rules.py`; this module only talks to the terminal, the editor and the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from quizgen.cli.options import DbOption, JsonOption, NoBrowserOption, PortOption, QuizArgument
from quizgen.cli.render import console
from quizgen.cli.running import run_command

if TYPE_CHECKING:
    from rich.console import Console

    from quizgen.models import QuestionRecord, Quiz
    from quizgen.store import Store

ModuleFilter = Annotated[str | None, typer.Option("--module", help="Only this module id.")]
TypeFilter = Annotated[str | None, typer.Option("--type", help="Only this question type.")]


def register(app: typer.Typer) -> None:
    app.command("review")(review)
    app.command("approve")(approve)
    app.command("reject")(reject)
    app.command("edit")(edit)


# --- approve / reject ----------------------------------------------------------------------


def _resolve_all(store: Store, quiz_id: str, references: list[str]) -> list[QuestionRecord]:
    """Every referenced question, or InputError naming all the bad ones (nothing changes)."""
    from quizgen.errors import InputError

    found: dict[str, QuestionRecord] = {}
    problems: list[str] = []
    for reference in references:
        try:
            record = store.question(quiz_id, reference)
        except InputError as exc:
            problems.append(exc.message)
            continue
        found.setdefault(record.id, record)
    if problems:
        raise InputError(
            "nothing was changed:\n" + "\n".join(f"  {problem}" for problem in problems)
        )
    return list(found.values())


def _verdict_document(
    quiz: Quiz, action: str, changed: list[QuestionRecord], **extra: object
) -> dict[str, object]:
    return {
        "quiz_id": quiz.id,
        "action": action,
        "count": len(changed),
        "questions": [q.id for q in changed],
        **extra,
    }


@run_command
def approve(
    quiz_ref: QuizArgument,
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="[IDS]...", help="Question ids or unique prefixes."),
    ] = None,
    all_pending: Annotated[bool, typer.Option("--all", help="Every pending question.")] = False,
    module: ModuleFilter = None,
    question_type: TypeFilter = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Also approve questions the generation checks rejected."),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve questions by id, or every pending one (--all, --module, --type)."""
    from quizgen.cli.filters import check_filters, quiz_in_store
    from quizgen.errors import InputError
    from quizgen.models import ReviewStatus
    from quizgen.review.rules import refuse_unforced, select_for_approval

    if not ids and not (all_pending or module or question_type):
        raise InputError("name the questions to approve, or pass --all (or --module/--type)")
    if ids and (all_pending or module or question_type):
        raise InputError("give question ids or --all/--module/--type, not both")
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        if ids:
            chosen = _resolve_all(store, quiz.id, ids)
            refuse_unforced(chosen, force)
        else:
            check_filters(store, quiz, module=module, question_type=question_type)
            chosen = select_for_approval(
                store.questions(quiz.id), module_id=module, question_type=question_type
            )
        store.set_review_status(quiz.id, [q.id for q in chosen], ReviewStatus.APPROVED)
        remaining = len(store.questions(quiz.id, review_status=ReviewStatus.PENDING))
    if as_json:
        document = _verdict_document(quiz, "approve", chosen, pending=remaining)
        typer.echo(json.dumps(document))
        return
    typer.echo(f"approved {len(chosen)} question(s); {remaining} still pending")


@run_command
def reject(
    quiz_ref: QuizArgument,
    ids: Annotated[
        list[str], typer.Argument(metavar="IDS...", help="Question ids or unique prefixes.")
    ],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="A reason code (incorrect_answer, poor_wording, irrelevant_content, "
            "duplicate_question, too_easy, too_hard, other) or free text.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text kept with it.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject questions with a reason; they stay in the store, out of exports."""
    from quizgen.cli.filters import quiz_in_store
    from quizgen.models import ReviewStatus
    from quizgen.review.rules import check_codes, rejection_from_text

    code, text = rejection_from_text(reason, note)
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        chosen = _resolve_all(store, quiz.id, ids)
        store.set_review_verdicts(
            quiz.id,
            [(r.id, ReviewStatus.REJECTED, (*check_codes(r), code), text) for r in chosen],
        )
    if as_json:
        typer.echo(json.dumps(_verdict_document(quiz, "reject", chosen, reason=code, note=text)))
        return
    typer.echo(f"rejected {len(chosen)} question(s) ({code})")


# --- edit ----------------------------------------------------------------------------------


def run_edit(store: Store, quiz: Quiz, record: QuestionRecord, out: Console) -> bool:
    """Edit one question in $EDITOR until it is valid or abandoned; True when saved.

    Checking and storing is `quizgen.review.rules.apply_edit`: every check generation runs."""
    from quizgen.errors import InputError
    from quizgen.questions import question_type
    from quizgen.review.rules import apply_edit, edit_document, editor_command, parse_edit_document

    if not (os.environ.get("EDITOR") or os.environ.get("VISUAL")) and not (
        sys.stdin.isatty() and sys.stdout.isatty()
    ):
        # The fallback `vi` needs a terminal; without one it waits forever for keys.
        out.print("no editor: set $EDITOR (vi needs a terminal); nothing saved")
        return False
    qtype = question_type(record.question_type)
    original = edit_document(record, qtype)
    text = original
    with tempfile.TemporaryDirectory(prefix="quizgen-edit-") as folder:
        path = Path(folder) / f"question-{record.id}.toml"
        while True:
            path.write_text(text, encoding="utf-8")
            command = [*editor_command(), str(path)]
            try:
                finished = subprocess.run(command, check=False)
            except OSError as exc:
                raise InputError(
                    f"could not start the editor {command[0]!r} ({exc}); set $EDITOR"
                ) from None
            if finished.returncode != 0:
                out.print(f"the editor exited with status {finished.returncode}; nothing saved")
                return False
            text = path.read_text(encoding="utf-8")
            if not text.strip() or text == original:
                out.print("no changes; nothing saved")
                return False
            raw, problems = parse_edit_document(text)
            applied = apply_edit(store, record, raw) if raw is not None else None
            if applied is not None and applied.outcome.valid:
                break
            problems = problems or (applied.outcome.problems if applied else [])
            out.print(f"the edit is not valid ({len(problems)} problem(s)):", style="red")
            for problem in problems:
                out.print(f"  {problem}")
            try:
                choice = typer.prompt("[r]e-edit or [a]bandon", default="r").strip().lower()
            except typer.Abort:  # end of input: abandon, as the prompt's other way out
                typer.echo()
                choice = "a"
            if choice.startswith("a"):
                out.print("abandoned; the stored question is unchanged")
                return False
    if not applied.saved:
        out.print("no changes; nothing saved")
        return False
    fields = ", ".join(dict.fromkeys(change["field"].split(".")[0] for change in applied.changes))
    out.print(f"saved {record.id} (changed: {fields}); it is pending review again")
    return True


@run_command
def edit(
    quiz_ref: QuizArgument,
    question_id: Annotated[
        str, typer.Argument(metavar="ID", help="Question id or unique prefix (see `quizgen show`).")
    ],
    db: DbOption = None,
) -> None:
    """Edit a question in $EDITOR as TOML; it is checked before it is saved."""
    from quizgen.cli.filters import quiz_in_store

    with quiz_in_store(db, quiz_ref) as (store, quiz):
        record = store.question(quiz.id, question_id)
        run_edit(store, quiz, record, console(piped_width=100))


# --- the interactive pass ------------------------------------------------------------------


def show_question(out: Console, record: QuestionRecord, number: int, total: int) -> None:
    from quizgen.questions import question_type

    qtype = question_type(record.question_type)
    out.rule(f"{number}/{total}  {record.id}  {qtype.label}  ({record.batch_key})")
    parsed, _ = qtype.parse(record.data)
    body = qtype.render(parsed) if parsed is not None else json.dumps(record.data, indent=2)
    out.print(body)
    if parsed is not None:
        out.print(f"  points: {qtype.points(parsed)}")
    if record.data.get("explanation"):
        out.print(f"  explanation: {record.data['explanation']}")
    where = (record.citation or {}).get("source") or "module content"
    out.print(f'  source ({where}): "{record.data.get("source_quote", "")}"')
    if record.flags:
        out.print(f"  flags: {', '.join(record.flags)}")


class _EndOfInput(Exception):
    """The reviewer closed the input (Ctrl-D, end of a piped script): stop and sum up."""


def _ask(text: str, **options: Any) -> str:
    """`typer.prompt`, with end of input (or Ctrl-C, which Click reports the same way) raised
    as `_EndOfInput` instead of Click's "Aborted!" and exit 1."""
    try:
        return str(typer.prompt(text, **options))
    except typer.Abort:
        typer.echo()  # end the prompt's line before the summary
        raise _EndOfInput from None


def _ask_reason(out: Console) -> tuple[str, str | None]:
    from quizgen.review.rules import REJECTION_REASONS, reviewer_code

    codes = list(REJECTION_REASONS)
    for number, code in enumerate(codes, start=1):
        out.print(f"  {number}. {code} — {REJECTION_REASONS[code]}")
    while True:
        answer = _ask("reason (number or code)", default=str(len(codes))).strip()
        code = (
            codes[int(answer) - 1] if answer.isdigit() and 0 < int(answer) <= len(codes) else answer
        )
        if code in REJECTION_REASONS:
            break
        out.print(f"  not a reason: {answer!r}")
    note = _ask("note (optional)", default="", show_default=False).strip()
    return reviewer_code(code), note or None


@run_command
def review(
    quiz_ref: QuizArgument,
    module: ModuleFilter = None,
    question_type: TypeFilter = None,
    web: Annotated[
        bool, typer.Option("--web", help="Review in the browser instead (see `quizgen serve`).")
    ] = False,
    port: PortOption = None,
    no_browser: NoBrowserOption = False,
    db: DbOption = None,
) -> None:
    """Go through pending questions: a=approve r=reject e=edit s=skip q=quit.

    Resumable: every verdict is saved at once; next time it continues with what is still
    pending (skipped questions come back). With --web, the same review in the browser.
    """
    from quizgen.cli.filters import check_filters, quiz_in_store
    from quizgen.models import ReviewStatus

    if web:
        from quizgen.cli.web_page import start_page

        start_page(db, quiz_ref, port, no_browser)
        return

    out = console(piped_width=100)
    with quiz_in_store(db, quiz_ref) as (store, quiz):
        check_filters(store, quiz, module=module, question_type=question_type)
        pending = store.questions(
            quiz.id,
            module_id=module,
            question_type=question_type,
            review_status=ReviewStatus.PENDING,
        )
        if not pending:
            out.print("no pending questions to review")
            return
        out.print(f"{quiz.title} — {len(pending)} pending question(s)", style="bold")
        counts: dict[str, int] = {}
        ended = False
        try:
            _review_loop(store, quiz, pending, out, counts)
        except _EndOfInput:
            ended = True
        remaining = len(store.questions(quiz.id, review_status=ReviewStatus.PENDING))
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    if ended:
        out.print("end of input; every verdict given is saved")
    out.print(f"{summary}; {remaining} still pending")


def _review_loop(
    store: Store, quiz: Quiz, pending: list[QuestionRecord], out: Console, counts: dict[str, int]
) -> None:
    """Ask for a verdict on each question; every verdict is stored at once and counted in
    `counts` (filled in place, so the caller can sum up after `_EndOfInput` too)."""
    from quizgen.models import ReviewStatus

    counts.update({"approved": 0, "rejected": 0, "edited": 0, "skipped": 0})
    for number, record in enumerate(pending, start=1):
        current = record
        while True:
            show_question(out, current, number, len(pending))
            answer = _ask("[a]pprove [r]eject [e]dit [s]kip [q]uit", default="s")
            key = answer.strip().lower()[:1]
            if key == "a":
                store.set_review_status(quiz.id, [current.id], ReviewStatus.APPROVED)
                counts["approved"] += 1
            elif key == "r":
                code, note = _ask_reason(out)
                store.set_review_status(
                    quiz.id, [current.id], ReviewStatus.REJECTED, reasons=(code,), note=note
                )
                counts["rejected"] += 1
            elif key == "e":
                if run_edit(store, quiz, current, out):
                    counts["edited"] += 1
                current = store.question(quiz.id, current.id)
                continue  # show it again, edited or not, and ask for a verdict
            elif key == "q":
                return
            elif key == "s":
                counts["skipped"] += 1
            else:
                out.print(f"unknown key {answer!r}")
                continue
            break
