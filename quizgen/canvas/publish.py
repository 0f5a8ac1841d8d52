"""Publishing a quiz to Canvas so that no failure leaves a duplicate or an unfinishable quiz.

How a publish stays idempotent and resumable:

1. Before the first request a publication record is stored: quiz, course, engine, settings,
   and one row per question with its position, all pending.
2. Just before the quiz POST, `quiz_requested_at` is written; the remote quiz id is written
   the moment Canvas returns it. Every item POST that succeeds writes its remote id in its own
   transaction. So after `kill -9` at any instant the record says what is known to exist.
3. A request whose outcome is unknown (a timeout or 5xx after sending, or a process killed
   while waiting) is never simply repeated. The next run looks first: it lists the remote
   quiz's items and adopts those whose title carries this publication's marker
   (`[qg:<question id>]`, see `parts.py`); for an unanswered quiz POST it lists the course's
   quizzes and adopts the one with this title that no publication owns and that holds nothing
   but this quiz's items. Only what is still missing is sent.
   The look-up happens on the next run, not right after the failure: a timed-out request may
   still be running inside Canvas, and looking a moment later could miss it.
4. Items are sent one at a time in position order. Canvas places an item at its `position`
   among the items that exist, so sending out of order can scramble the quiz; one request in
   flight also keeps within Canvas's per-token rate limit, which parallel requests drain (the
   client waits out throttling either way).
5. After the last item, `published = true` is applied if asked for (a quiz is always created
   unpublished, so students never see half of it), and the publication is marked published.
   Publishing again then does nothing unless a new copy is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from quizgen.canvas import group_sync, payloads
from quizgen.canvas.client import CanvasClient, CanvasError
from quizgen.canvas.payloads import PublishSettings
from quizgen.canvas.plan import PublishPlan, settings_document, settings_from
from quizgen.errors import QuizgenError, RemoteError
from quizgen.models import (
    ItemStatus,
    Publication,
    PublicationStatus,
    QuestionRecord,
)
from quizgen.store import LEASE_SECONDS, Store
from quizgen.store.renewal import renewing

Progress = Callable[[str], None]

MISSING_ITEM_ID = (
    "Canvas answered without the new item's id; run publish again: it looks for the item in "
    "Canvas by its marker before sending it again"
)


class PublishBusyError(QuizgenError):
    """Another live process is publishing the same publication."""

    exit_code = 1


@dataclass
class PublishOutcome:
    publication: Publication
    action: str
    """`published`, `incomplete` or `already_published`."""
    created: int = 0
    adopted: int = 0
    """Items (or the quiz) found in Canvas from an earlier run and recorded, not re-sent."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(question id, one-line reason) of items this run could not create."""
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.publication.status == PublicationStatus.PUBLISHED


def find_publication(store: Store, plan: PublishPlan, base_url: str) -> Publication | None:
    """The latest publication of this quiz to this Canvas, course and engine."""
    matching = [
        p
        for p in store.publications(plan.quiz.id)
        if p.base_url == base_url
        and p.course_id == plan.settings.course_id
        and p.engine == plan.settings.engine
    ]
    return matching[-1] if matching else None


# --- publishing -----------------------------------------------------------------------------


async def publish_quiz(
    store: Store,
    plan: PublishPlan,
    client: CanvasClient,
    *,
    new_copy: bool = False,
    progress: Progress | None = None,
    on_start: Callable[[], None] | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> PublishOutcome:
    """Create (or finish) the remote quiz of `plan`; see the module docstring.

    `on_start` runs once it is decided that something will be sent (not for an already
    published quiz): the command announces the plan there. The publication is leased to this
    process for `lease_seconds`, renewed while it publishes.
    """
    say = progress or (lambda message: None)
    settings = plan.settings
    existing = find_publication(store, plan, client.base_url)
    resuming = existing is not None and not new_copy
    if existing is not None and resuming and existing.status == PublicationStatus.PUBLISHED:
        return PublishOutcome(existing, "already_published")
    if on_start is not None:
        on_start()
    if existing is not None and resuming:
        publication = existing
        say(
            f"resuming publication {publication.id}: "
            f"{publication.created_count}/{len(publication.items)} items already in Canvas"
        )
    else:
        publication = store.create_publication(
            quiz_id=plan.quiz.id,
            engine=settings.engine,
            base_url=client.base_url,
            course_id=settings.course_id,
            title=settings.title,
            settings=settings_document(settings),
            question_ids=[record.id for record in plan.records],
            groups=plan.groups,
        )
    holder = store.claim_publication(publication.id, lease_seconds=lease_seconds)
    if holder is not None:
        raise PublishBusyError(
            f"publication {publication.id} is being published by another quizgen process "
            f"(pid {holder.pid} on {holder.host}); wait for it to finish"
        )
    # A resumed publication keeps its own settings and question list.
    settings = settings_from(publication)
    outcome = PublishOutcome(publication, "incomplete")
    left_out = {r.id for r in plan.records} - set(_question_ids(publication))
    if left_out:
        outcome.warnings.append(
            f"{len(left_out)} question(s) selected now are not in this publication (approved "
            "after it started); once it is done, `publish --new` makes a copy holding them"
        )
    renew = partial(_renew_publication, publication.id, lease_seconds)
    with renewing(store.path, renew, lease_seconds=lease_seconds, name=f"lease-{publication.id}"):
        return await _publish_claimed(store, client, publication, settings, outcome, say)


async def _publish_claimed(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    settings: PublishSettings,
    outcome: PublishOutcome,
    say: Progress,
) -> PublishOutcome:
    """`publish_quiz` once this process holds the publication: the lease is released at the
    end, however it ends."""
    try:
        await _check_course(client, settings)
        resumed_quiz = publication.remote_quiz_id is not None
        remote_quiz_id = publication.remote_quiz_id or await _remote_quiz(
            store, client, publication, settings, outcome, say
        )
        publication = store.publication(publication.id)
        if resumed_quiz or outcome.adopted:
            await _reconcile_items(store, client, publication, settings, remote_quiz_id, outcome)
            await group_sync.reconcile_groups(store, client, publication, remote_quiz_id, outcome)
            publication = store.publication(publication.id)
        await _send_items(store, client, publication, settings, remote_quiz_id, outcome, say)
        publication = store.publication(publication.id)
        if publication.created_count == len(publication.items):
            await group_sync.reorder(store, client, publication, remote_quiz_id)
            if settings.published:
                path, body = payloads.publish_request(settings, remote_quiz_id)
                await client.put_json(path, body)
            store.finish_publication(publication.id, PublicationStatus.PUBLISHED, None)
            outcome.action = "published"
        else:
            missing = len(publication.items) - publication.created_count
            store.finish_publication(
                publication.id,
                PublicationStatus.IN_PROGRESS,
                f"{missing} item(s) not created; run publish again to finish",
            )
    except CanvasError as exc:
        store.finish_publication(publication.id, PublicationStatus.IN_PROGRESS, exc.message)
        raise _explained(exc, settings, client.base_url) from None
    finally:
        store.release_publication(publication.id)
    outcome.publication = store.publication(publication.id)
    return outcome


def _renew_publication(publication_id: str, lease_seconds: float, store: Store) -> None:
    store.renew_publication(publication_id, lease_seconds=lease_seconds)


async def _check_course(client: CanvasClient, settings: PublishSettings) -> None:
    """One read before any write: a wrong token or course fails here, having created nothing."""
    await client.get_json(f"/api/v1/courses/{settings.course_id}")


async def _remote_quiz(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    settings: PublishSettings,
    outcome: PublishOutcome,
    say: Progress,
) -> str:
    """The remote quiz id: adopted from an unanswered earlier POST, or created now."""
    if publication.quiz_requested_at is not None:
        adopted = await _find_unanswered_quiz(store, client, publication, settings)
        if adopted is not None:
            store.set_remote_quiz(
                publication.id, adopted, payloads.remote_url(client.base_url, settings, adopted)
            )
            outcome.adopted += 1
            say(f"found the quiz an earlier run created (id {adopted}); not creating another")
            return adopted
    records = [_record(store, publication, qid) for qid in _question_ids(publication)]
    body = payloads.quiz_body(settings, payloads.total_points(records, settings))
    store.mark_quiz_requested(publication.id)
    created = await client.post_json(payloads.quiz_path(settings), body)
    remote_id = _answered_id(created)
    if remote_id is None:
        raise RemoteError("Canvas created the quiz but its answer holds no id; check Canvas")
    store.set_remote_quiz(
        publication.id, remote_id, payloads.remote_url(client.base_url, settings, remote_id)
    )
    say(f"created the Canvas quiz {remote_id}")
    return remote_id


async def _find_unanswered_quiz(
    store: Store, client: CanvasClient, publication: Publication, settings: PublishSettings
) -> str | None:
    """The quiz an unanswered POST may have created: same title, owned by no publication, and
    holding only this publication's items (a fresh quiz holds none)."""
    owned = store.remote_quiz_ids(publication.base_url, publication.course_id)
    ours = set(_question_ids(publication))
    found = []
    for quiz in await client.get_paginated(payloads.quiz_path(settings)):
        remote_id = str(quiz.get("id"))
        if quiz.get("title") != publication.title or remote_id in owned:
            continue
        items = await client.get_paginated(payloads.items_path(settings, remote_id))
        markers = [
            payloads.marked_question_id(payloads.remote_title(i, settings.engine)) for i in items
        ]
        if all(marker in ours for marker in markers):
            found.append(remote_id)
    if len(found) > 1:
        raise RemoteError(
            f"course {settings.course_id} holds {len(found)} unpublished quizzes titled "
            f"{publication.title!r} that quizgen may have created (ids {', '.join(found)}); "
            "delete the extra ones in Canvas, then run publish again"
        )
    return found[0] if found else None


async def _reconcile_items(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    settings: PublishSettings,
    remote_quiz_id: str,
    outcome: PublishOutcome,
) -> None:
    """Make the record agree with Canvas: adopt items an earlier run created without hearing
    back; put back to pending items the record has but Canvas no longer holds."""
    try:
        remote = await client.get_paginated(payloads.items_path(settings, remote_quiz_id))
    except CanvasError as exc:
        if exc.status == 404:
            raise RemoteError(
                f"the Canvas quiz {remote_quiz_id} of publication {publication.id} is gone "
                "(deleted in Canvas?); publish with --new to make a fresh copy"
            ) from None
        raise
    by_question: dict[str, list[str]] = {}
    for item in remote:
        question_id = payloads.marked_question_id(payloads.remote_title(item, settings.engine))
        if question_id is not None:
            by_question.setdefault(question_id, []).append(str(item.get("id")))
    for item in publication.items:
        found = by_question.get(item.question_id, [])
        if len(found) > 1:
            outcome.warnings.append(
                f"Canvas holds question {item.question_id} {len(found)} times (items "
                f"{', '.join(found)}); delete the extra copies in Canvas"
            )
        if item.status == ItemStatus.CREATED:
            if item.remote_item_id not in found:
                store.record_item(
                    publication.id,
                    item.question_id,
                    ItemStatus.PENDING,
                    error="no longer in Canvas; created again",
                )
                outcome.warnings.append(
                    f"question {item.question_id} was no longer in the Canvas quiz; sent again"
                )
        elif found:
            store.record_item(
                publication.id, item.question_id, ItemStatus.CREATED, remote_item_id=found[0]
            )
            outcome.adopted += 1


async def _send_items(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    settings: PublishSettings,
    remote_quiz_id: str,
    outcome: PublishOutcome,
    say: Progress,
) -> None:
    path = payloads.items_path(settings, remote_quiz_id)
    total = len(publication.items)
    where = group_sync.placement(store, publication)
    for item in publication.items:
        if item.status == ItemStatus.CREATED:
            continue
        record = _record(store, publication, item.question_id)
        try:
            body = payloads.item_body(record, item.position, settings)
        except ValueError as exc:
            store.record_item(publication.id, item.question_id, ItemStatus.FAILED, error=str(exc))
            outcome.failed.append((item.question_id, str(exc)))
            continue
        if where is not None and not await group_sync.place(
            where, store, client, publication, item.question_id, body, remote_quiz_id, outcome
        ):
            continue  # its pool's group could not be made: it waits for the next run
        try:
            created = await client.post_json(path, body)
        except CanvasError as exc:
            store.record_item(
                publication.id, item.question_id, ItemStatus.FAILED, error=exc.message
            )
            outcome.failed.append((item.question_id, exc.message))
            if exc.status in (401, 403, 404):
                raise  # every other item would fail the same way
            continue
        remote_id = _answered_id(created)
        if remote_id is None:
            # Canvas may have created it: store no id (a made-up one would hide the item from
            # the next run's look-up), record the failure; the next run adopts it by marker.
            store.record_item(
                publication.id, item.question_id, ItemStatus.FAILED, error=MISSING_ITEM_ID
            )
            outcome.failed.append((item.question_id, MISSING_ITEM_ID))
            continue
        store.record_item(
            publication.id, item.question_id, ItemStatus.CREATED, remote_item_id=remote_id
        )
        outcome.created += 1
        say(f"item {item.position}/{total} created ({record.question_type})")


def _answered_id(created: Any) -> str | None:
    """The id in Canvas's answer to a create, or None when it holds none."""
    value = created.get("id") if isinstance(created, dict) else None
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    return str(value)


def _question_ids(publication: Publication) -> list[str]:
    return [item.question_id for item in publication.items]


def _record(store: Store, publication: Publication, question_id: str) -> QuestionRecord:
    """The question as it is now (an edit after a failed item is picked up on the re-run)."""
    return store.question(publication.quiz_id, question_id)


def _explained(exc: CanvasError, settings: PublishSettings, base_url: str) -> CanvasError:
    """The client's error, in publishing terms for the refusals a user must fix."""
    if exc.status == 401:
        message = (
            "Canvas rejected the token (401): CANVAS_API_TOKEN is wrong or expired; make a new "
            "one under Account → Settings → New Access Token"
        )
    elif exc.status == 403:
        message = (
            f"Canvas refused (403): the token's user may not create quizzes in course "
            f"{settings.course_id}; use a teacher's token"
        )
    elif exc.status == 404:
        message = (
            f"Canvas has no course {settings.course_id} at {base_url}, or the token's user "
            "cannot see it (404); check --course / [course] id and CANVAS_BASE_URL"
        )
    else:
        message = (
            f"{exc.message}\nwhat was created is recorded: run `quizgen publish` again to "
            "finish; it looks in Canvas for anything unconfirmed before sending it again"
        )
    return CanvasError(message, status=exc.status, exit_code=exc.exit_code)
