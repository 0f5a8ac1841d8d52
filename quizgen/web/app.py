"""The review page's routes: read the quiz, call the rules, render a template.

Every request reads the quiz through the `Snapshot`, which reads the database again whenever
another connection changed it, so the page and the command line (`approve`, `status`, `export`
in another terminal) always see one state. Changes are POSTs answered with a redirect (the
browser's back button never repeats one), except an edit that fails a check: the form comes
back with the messages beside the fields and nothing is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from quizgen.errors import InputError
from quizgen.models import QuestionRecord, Quiz, ReviewStatus
from quizgen.questions import REGISTRY
from quizgen.review.rules import REJECTION_REASONS, check_codes
from quizgen.web import actions, forms, presenting
from quizgen.web.security import CSRF_FIELD, Guard, GuardMiddleware
from quizgen.web.snapshot import QuizState, Snapshot

HERE = Path(__file__).parent


@dataclass
class Site:
    """One server run: which database and quiz, its guard, its undo log and pending notice."""

    db: Path | None
    quiz_id: str
    guard: Guard
    log: actions.UndoLog = field(default_factory=actions.UndoLog)
    notices: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text) shown once on the next page: `ok` or `error`."""
    snapshot: Snapshot = field(init=False)

    def __post_init__(self) -> None:
        self.snapshot = Snapshot(self.db, self.quiz_id)

    def notice(self, kind: str, text: str) -> None:
        self.notices.append((kind, text))

    def take_notices(self) -> list[tuple[str, str]]:
        taken, self.notices = self.notices, []
        return taken


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        code_sentence=presenting.code_sentence,
        blank_pieces=presenting.blank_pieces,
        answer_key=presenting.answer_key,
    )
    env.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return env


class _Forbidden(Exception):
    """A form without the page's CSRF value."""


class Pages:
    """The route handlers, bound to one `Site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.env = _environment()

    # -- helpers --------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self.site.snapshot

    def question_page(
        self, request: Request
    ) -> tuple[presenting.Filters, QuizState, QuestionRecord]:
        """What every per-question handler starts from: the list filters, the current state
        and the question named in the path."""
        state = self.snapshot.state()
        return presenting.Filters.of(request.query_params), state, self.question_of(state, request)

    def question_of(self, state: QuizState, request: Request) -> QuestionRecord:
        """The question named in the path: its id, or a unique prefix (404 otherwise)."""
        reference = request.path_params["qid"]
        found = state.record(reference)
        if found is not None:
            return found
        return self.snapshot.store().question(self.site.quiz_id, reference)

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        filters = context.setdefault("filters", presenting.Filters())
        last = self.site.log.peek()
        html = self.env.get_template(name).render(
            request=request,
            csrf=self.site.guard.csrf,
            csrf_field=CSRF_FIELD,
            notices=self.site.take_notices(),
            filter_query=urlencode(filters.items()),
            undo_label=last.label if last else None,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    async def form(self, request: Request) -> forms.FormData:
        """The submitted form, once its CSRF field is checked (403 otherwise)."""
        form = await request.form()
        value = form.get(CSRF_FIELD)
        if not self.site.guard.csrf_ok(value if isinstance(value, str) else None):
            raise _Forbidden
        return forms.FormData(form)

    def back(self, path: str, filters: presenting.Filters) -> RedirectResponse:
        query = urlencode(filters.items())
        return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)

    def after(self, following: str | None, filters: presenting.Filters) -> RedirectResponse:
        """After a verdict: the next question of the filtered list, or the overview."""
        return self.back(f"/q/{following}" if following else "/", filters)

    # -- pages ----------------------------------------------------------------------------

    async def overview(self, request: Request) -> Response:
        filters = presenting.Filters.of(request.query_params)
        state = self.snapshot.state()
        chosen = presenting.select(state.records, filters)
        requested = request.query_params.get("page", "1")
        pages = max(1, -(-len(chosen) // presenting.PAGE_SIZE))
        page = min(max(1, int(requested) if requested.isdigit() else 1), pages)
        shown = chosen[(page - 1) * presenting.PAGE_SIZE : page * presenting.PAGE_SIZE]
        return self.render(
            request,
            "overview.html",
            quiz=state.quiz,
            filters=filters,
            batches=presenting.batch_rows(state.batches, state.records),
            modules=[(m.module_id, m.name) for m in state.modules.values()],
            batch_keys=sorted({r.batch_key for r in state.records}),
            types=[(name, qtype.label) for name, qtype in REGISTRY.items()],
            flags=sorted({flag for record in state.records for flag in record.flags}),
            questions=shown,
            total=len(chosen),
            page=page,
            pages=pages,
            formats=_formats(),
        )

    async def question(self, request: Request) -> Response:
        filters, state, record = self.question_page(request)
        chosen = presenting.select(state.records, filters)
        index, previous, following = presenting.neighbours(chosen, record.id)
        content = self.snapshot.content(record.module_id)
        spans = presenting.cited_spans(record, content)
        return self.render(
            request,
            "question.html",
            quiz=state.quiz,
            filters=filters,
            q=record,
            qtype=REGISTRY.get(record.question_type),
            module=state.modules.get(record.module_id),
            segments=presenting.segments(content.text, spans) if content else [],
            cited=bool(spans),
            index=index,
            count=len(chosen),
            previous=previous,
            following=following,
            reasons=REJECTION_REASONS,
            check_rejected=bool(check_codes(record)),
        )

    async def edit_form(self, request: Request) -> Response:
        filters, state, record = self.question_page(request)
        self.snapshot.prepare_edit(record.id)
        return self._edit_page(
            request, state.quiz, record, record.data, record.updated_at, [], filters
        )

    def _edit_page(
        self,
        request: Request,
        quiz: Quiz,
        record: QuestionRecord,
        data: dict[str, Any],
        stamp: str,
        problems: list[Any],
        filters: presenting.Filters,
        status: int = 200,
    ) -> Response:
        return self.render(
            request,
            "edit.html",
            status=status,
            quiz=quiz,
            filters=filters,
            q=record,
            qtype=REGISTRY.get(record.question_type),
            data=data,
            rows=forms.form_rows(record.question_type, data),
            stamp=stamp,
            problems=problems,
            by_field=forms.problems_by_field(problems),
        )

    # -- actions --------------------------------------------------------------------------

    async def approve(self, request: Request) -> Response:
        form = await self.form(request)
        filters, state, record = self.question_page(request)
        following = _following(state, record.id, filters)
        force = bool(form.get("force"))
        try:
            actions.approve(self.snapshot.store(), state.quiz, [record], self.site.log, force=force)
        except InputError as exc:
            self.site.notice("error", exc.message)
            return self.back(f"/q/{record.id}", filters)
        finally:
            self.snapshot.changed([record.id])
        self.site.notice("ok", f"approved {record.id}")
        return self.after(following, filters)

    async def reject(self, request: Request) -> Response:
        form = await self.form(request)
        filters, state, record = self.question_page(request)
        following = _following(state, record.id, filters)
        try:
            code = actions.reject(
                self.snapshot.store(),
                state.quiz,
                record,
                self.site.log,
                form.get("reason"),
                form.get("note"),
            )
        finally:
            self.snapshot.changed([record.id])
        self.site.notice("ok", f"rejected {record.id} ({code})")
        return self.after(following, filters)

    async def save_edit(self, request: Request) -> Response:
        form = await self.form(request)
        filters, state, record = self.question_page(request)
        raw = forms.data_from_form(record.question_type, form)
        stamp = form.get("updated_at")
        try:
            kept = self.snapshot.edit_screen(record.id)
            result = actions.edit(self.snapshot.store(), record, self.site.log, raw, stamp, kept)
        except InputError as exc:
            self.site.notice("error", exc.message)
            return self.back(f"/q/{record.id}", filters)
        finally:
            self.snapshot.changed([record.id])
        if result.problems:
            return self._edit_page(
                request, state.quiz, record, raw, stamp, result.problems, filters, status=422
            )
        if result.unchanged:
            self.site.notice("ok", "no changes; nothing saved")
        else:
            self.site.notice("ok", f"saved {record.id}; it is pending review again")
        return self.back(f"/q/{record.id}", filters)

    async def approve_clean(self, request: Request) -> Response:
        form = await self.form(request)
        filters = presenting.Filters.of(request.query_params)
        batch = form.get("batch")
        state = self.snapshot.state()
        chosen = presenting.clean_pending(state.records, batch)
        try:
            if chosen:
                actions.approve(self.snapshot.store(), state.quiz, chosen, self.site.log)
        finally:
            self.snapshot.changed(r.id for r in chosen)
        self.site.notice("ok", f"approved {len(chosen)} clean pending question(s) in {batch}")
        return self.back("/", filters)

    async def undo(self, request: Request) -> Response:
        await self.form(request)
        filters = presenting.Filters.of(request.query_params)
        state = self.snapshot.state()
        newest = self.site.log.peek()
        try:
            action = actions.undo(self.snapshot.store(), state.quiz, self.site.log)
        except InputError as exc:
            self.site.notice("error", exc.message)
            return self.back("/", filters)
        finally:
            if newest is not None:
                self.snapshot.changed(b.id for b in newest.before)
        self.site.notice("ok", f"undone: {action.label}")
        target = action.before[0].id if len(action.before) == 1 else None
        return self.back(f"/q/{target}" if target else "/", filters)

    # -- export and publish plan ----------------------------------------------------------

    async def export(self, request: Request) -> Response:
        from quizgen.export import FORMATS, ExportQuiz, export_quiz

        fmt = FORMATS.get(request.query_params.get("format", ""))
        if fmt is None:
            return PlainTextResponse("unknown export format", status_code=400)
        include_pending = request.query_params.get("include_pending") == "1"
        wanted = {ReviewStatus.APPROVED} | ({ReviewStatus.PENDING} if include_pending else set())
        state = self.snapshot.state()
        quiz = state.quiz
        records = [q for q in state.records if q.review_status in wanted]
        result = export_quiz(fmt, ExportQuiz.of(quiz), records)
        if not result.exported:
            self.site.notice("error", f"nothing to export in {fmt.name}: approve questions first")
            return RedirectResponse("/", status_code=303)
        name = presenting.download_name(quiz.title, quiz.id, fmt.extension)
        return Response(
            result.data,
            media_type="application/octet-stream",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def publish_plan(self, request: Request) -> Response:
        from quizgen.canvas.client import normalise_base_url
        from quizgen.canvas.plan import plan_publication, planned_requests
        from quizgen.settings import setting

        include_pending = request.query_params.get("include_pending") == "1"
        course_text = request.query_params.get("course", "").strip()
        course = int(course_text) if course_text.isdigit() else None
        quiz = self.snapshot.state().quiz
        context: dict[str, Any]
        try:
            plan = plan_publication(
                self.snapshot.store(), quiz, course_id=course, include_pending=include_pending
            )
            configured = setting("CANVAS_BASE_URL", "canvas", "base_url")
            base_url = normalise_base_url(configured) if configured else "{CANVAS_BASE_URL}"
            context = {"plan": plan, "requests": planned_requests(plan, base_url)}
        except InputError as exc:
            context = {"plan": None, "error": exc.message}
        return self.render(
            request,
            "publish.html",
            quiz=quiz,
            include_pending=include_pending,
            course=course,
            **context,
        )


def _following(state: QuizState, qid: str, filters: presenting.Filters) -> str | None:
    _, _, following = presenting.neighbours(presenting.select(state.records, filters), qid)
    return following


def _formats() -> list[tuple[str, str]]:
    from quizgen.export import FORMATS

    return [(fmt.name, fmt.description) for fmt in FORMATS.values()]


async def _forbidden(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("403 Forbidden: missing or wrong CSRF value\n", status_code=403)


async def _input_error(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, InputError) else str(exc)
    return PlainTextResponse(f"404 Not Found: {message}\n", status_code=404)


def create_app(site: Site) -> GuardMiddleware:
    """The ASGI app for one run: routes behind the guard."""
    pages = Pages(site)
    routes = [
        Route("/", pages.overview),
        Route("/q/{qid}", pages.question),
        Route("/q/{qid}/edit", pages.edit_form),
        Route("/q/{qid}/edit", pages.save_edit, methods=["POST"]),
        Route("/q/{qid}/approve", pages.approve, methods=["POST"]),
        Route("/q/{qid}/reject", pages.reject, methods=["POST"]),
        Route("/approve-clean", pages.approve_clean, methods=["POST"]),
        Route("/undo", pages.undo, methods=["POST"]),
        Route("/export", pages.export),
        Route("/publish", pages.publish_plan),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={_Forbidden: _forbidden, InputError: _input_error},
    )
    return GuardMiddleware(app, site.guard)
