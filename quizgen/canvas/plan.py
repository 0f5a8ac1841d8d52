"""What `publish` would put in Canvas, decided before any request: settings from the stored
spec (flags win), the questions, what the engine changes; and the request list `--dry-run`
prints. No network, no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.canvas import groups, payloads
from quizgen.canvas.payloads import Engine, PublishSettings
from quizgen.errors import InputError
from quizgen.models import PlannedGroup, Publication, QuestionRecord, Quiz, ReviewStatus
from quizgen.pools import in_pool_order, pools_of
from quizgen.store import Store


@dataclass(frozen=True)
class PublishPlan:
    """What `publish` would put in Canvas, decided before any request."""

    quiz: Quiz
    settings: PublishSettings
    records: list[QuestionRecord]
    pending_included: int
    """Pending (unreviewed) questions included by `--include-pending`."""
    notes: list[str]
    """What the engine changes or leaves out; shown before anything is created."""
    settings_source: str
    """Where `[publish]` came from: the snapshot stored at create, or the `--spec` file."""
    course_source: str
    """Where the course id came from: `--course` or the spec's `[course] id`."""
    groups: list[PlannedGroup] = field(default_factory=list)
    """One Classic question group per pool among `records` (see canvas/groups.py)."""


def plan_publication(
    store: Store,
    quiz: Quiz,
    *,
    course_id: int | None = None,
    engine: Engine | None = None,
    published: bool | None = None,
    include_pending: bool = False,
    spec_file: Path | None = None,
) -> PublishPlan:
    """Settings from the spec snapshot stored at `create` (flags win) and the questions to
    publish, checked.

    The spec file is never read again on its own: publishing from another folder whose
    `quiz.toml` names another course must not send the quiz there. `spec_file` (`--spec`) is
    the one way to take `[course]` and `[publish]` from a file, and only when it is named.
    """
    from quizgen.spec import load_spec, stored_spec

    if spec_file is not None:
        spec = load_spec(spec_file).spec  # a broken spec is a SpecError naming the file: exit 2
        source = f"{spec_file} (--spec)"
    else:
        spec = stored_spec(quiz)
        source = "the spec stored with the quiz at create"
    spec_course = spec.course.id if spec.course else None
    chosen_course = course_id if course_id is not None else spec_course
    if chosen_course is None:
        raise InputError(
            f"no Canvas course to publish quiz {quiz.id} to: pass --course ID (the spec it was "
            "created from sets no [course] id, canvas_course_id in a JSON spec)"
        )
    course_source = "--course" if course_id is not None else f"[course] id of {source}"
    settings = PublishSettings(
        title=quiz.title,
        course_id=int(chosen_course),
        engine=engine or spec.publish.engine,
        published=spec.publish.published if published is None else published,
        shuffle_answers=spec.publish.shuffle_answers,
        time_limit_minutes=spec.publish.time_limit_minutes,
        allowed_attempts=spec.publish.allowed_attempts,
        points=dict(spec.publish.points),
    )
    approved = store.questions(quiz.id, review_status=ReviewStatus.APPROVED)
    pending = store.questions(quiz.id, review_status=ReviewStatus.PENDING)
    wanted = {q.id for q in approved} | ({q.id for q in pending} if include_pending else set())
    records = [q for q in store.questions(quiz.id) if q.id in wanted]
    if not records:
        hint = (
            f"; {len(pending)} question(s) await review: approve them, or pass --include-pending"
            if pending and not include_pending
            else ""
        )
        raise InputError(f"quiz {quiz.id} has no approved questions to publish{hint}")
    records, notes = payloads.held_by_engine(records, settings.engine)
    if not records:
        raise InputError("nothing to publish: " + "; ".join(notes))
    unusable = []
    for record in records:
        try:
            payloads.parse_record(record)
        except ValueError as exc:
            unusable.append(str(exc))
    if unusable:
        raise InputError(
            "some questions cannot be published as they stand (edit or reject them):\n  "
            + "\n  ".join(unusable)
        )
    pools = pools_of(spec)
    records = in_pool_order(records, lambda record: record.batch_key, pools)
    planned_groups, pool_notes = groups.plan_groups(records, pools, settings)
    notes += payloads.classic_limitations(records) if settings.engine == "classic" else []
    return PublishPlan(
        quiz=quiz,
        settings=settings,
        records=records,
        pending_included=len(wanted) - len(approved),
        notes=notes + pool_notes,
        settings_source=source,
        course_source=course_source,
        groups=planned_groups,
    )


def planned_requests(plan: PublishPlan, base_url: str) -> list[dict[str, Any]]:
    """Every request a fresh publish would send, in order, for `--dry-run` (no token)."""
    settings = plan.settings
    quiz_id = "{remote_quiz_id}"
    requests: list[dict[str, Any]] = [
        {"method": "GET", "url": f"{base_url}/api/v1/courses/{settings.course_id}"},
        {
            "method": "POST",
            "url": base_url + payloads.quiz_path(settings),
            "body": payloads.quiz_body(settings, payloads.total_points(plan.records, settings)),
        },
    ]
    requests += groups.planned_requests(plan.records, plan.groups, settings, base_url, quiz_id)
    if settings.published:
        path, body = payloads.publish_request(settings, quiz_id)
        requests.append({"method": "PUT", "url": base_url + path, "body": body})
    return requests


def settings_document(settings: PublishSettings) -> dict[str, Any]:
    return {
        "engine": settings.engine,
        "published": settings.published,
        "shuffle_answers": settings.shuffle_answers,
        "time_limit_minutes": settings.time_limit_minutes,
        "allowed_attempts": settings.allowed_attempts,
        "points": dict(settings.points),
    }


def settings_from(publication: Publication) -> PublishSettings:
    stored = publication.settings
    return PublishSettings(
        title=publication.title,
        course_id=publication.course_id,
        engine=stored["engine"],
        published=stored["published"],
        shuffle_answers=stored["shuffle_answers"],
        time_limit_minutes=stored["time_limit_minutes"],
        allowed_attempts=stored.get("allowed_attempts", 1),  # publications before it: 1
        points=stored["points"],
    )
