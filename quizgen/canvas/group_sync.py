"""Making a publication's Classic question groups in Canvas, and putting questions in them.

The rules are those of `groups.py` (and of items in `publish.py`): a group's Canvas id is stored
the moment Canvas returns it; a group POST whose outcome is unknown is not repeated in the run,
its questions wait, and the next run adopts the group by its marker (`reconcile_groups`);
`reorder` puts groups and questions in the quiz's order once everything exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quizgen.canvas.client import CanvasClient, CanvasError
from quizgen.canvas.groups import (
    Layout,
    created_group_id,
    group_body,
    groups_path,
    layout,
    listed_groups,
    marked_batch,
    quiz_group_id,
    reorder_body,
    reorder_path,
)
from quizgen.models import ItemStatus, Publication, PublicationGroup

if TYPE_CHECKING:
    from quizgen.canvas.publish import PublishOutcome
    from quizgen.store import Store


MISSING_GROUP_ID = (
    "Canvas answered without the new question group's id; run publish again: it looks for the "
    "group in Canvas by its marker before sending it again"
)


async def reconcile_groups(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    remote_quiz_id: str,
    outcome: PublishOutcome,
) -> None:
    """Make the record agree with Canvas: adopt groups an earlier run created without hearing
    back; put back to pending groups the record has but Canvas no longer holds (deleting a
    group deletes its questions; the items' own look-up sends those again)."""
    if not publication.groups:
        return
    answer = await client.get_json(groups_path(publication.course_id, remote_quiz_id))
    keys = [group.batch_key for group in publication.groups]
    found: dict[str, list[str]] = {}
    for remote in listed_groups(answer):
        key = marked_batch(remote.get("name"), keys)
        if key is not None:
            found.setdefault(key, []).append(str(remote.get("id")))
    for group in publication.groups:
        ids = found.get(group.batch_key, [])
        if len(ids) > 1:
            outcome.warnings.append(
                f"Canvas holds the question group of pool {group.batch_key} {len(ids)} times "
                f"(groups {', '.join(ids)}); delete the extra ones in Canvas"
            )
        if group.status == ItemStatus.CREATED:
            if group.remote_group_id not in ids:
                store.record_group(
                    publication.id,
                    group.batch_key,
                    ItemStatus.PENDING,
                    error="no longer in Canvas; created again",
                )
                outcome.warnings.append(
                    f"the question group of pool {group.batch_key} was no longer in the Canvas "
                    "quiz; created again"
                )
        elif ids:
            store.record_group(
                publication.id, group.batch_key, ItemStatus.CREATED, remote_group_id=ids[0]
            )
            outcome.adopted += 1


async def send_group(
    store: Store,
    client: CanvasClient,
    publication: Publication,
    group: PublicationGroup,
    remote_quiz_id: str,
    outcome: PublishOutcome,
) -> str | None:
    """Create one pool's group; its id, or None when it failed (recorded; its questions wait
    for the next run)."""
    body = group_body(group.batch_key, group.pick_count, group.question_points, group.size)
    try:
        answer = await client.post_json(groups_path(publication.course_id, remote_quiz_id), body)
    except CanvasError as exc:
        _failed(store, publication, group, outcome, exc.message)
        if exc.status in (401, 403, 404):
            raise
        return None
    remote_id = created_group_id(answer)
    if remote_id is None:
        _failed(store, publication, group, outcome, MISSING_GROUP_ID)
        return None
    store.record_group(
        publication.id, group.batch_key, ItemStatus.CREATED, remote_group_id=remote_id
    )
    return remote_id


def _failed(
    store: Store,
    publication: Publication,
    group: PublicationGroup,
    outcome: PublishOutcome,
    message: str,
) -> None:
    store.record_group(publication.id, group.batch_key, ItemStatus.FAILED, error=message)
    outcome.failed.append((f"question group of pool {group.batch_key}", message))


@dataclass
class Placement:
    """Where this run puts each Classic question: the layout, and the group ids known so far."""

    layout: Layout
    group_ids: dict[str, str]
    failed: set[str]
    """Pools whose group could not be made in this run: their questions wait."""


def placement(store: Store, publication: Publication) -> Placement | None:
    """The placement of a publication with pools; None for one without (nothing changes)."""
    if not publication.groups:
        return None
    batch_of = {
        record.id: record.batch_key
        for record in store.questions(publication.quiz_id, include_rejected=True)
    }
    found = layout(
        [item.question_id for item in publication.items],
        lambda question_id: batch_of.get(question_id, ""),
        {group.batch_key for group in publication.groups},
    )
    known = {
        group.batch_key: group.remote_group_id
        for group in publication.groups
        if group.status == ItemStatus.CREATED and group.remote_group_id is not None
    }
    return Placement(found, known, set())


async def place(
    where: Placement,
    store: Store,
    client: CanvasClient,
    publication: Publication,
    question_id: str,
    body: dict[str, Any],
    remote_quiz_id: str,
    outcome: PublishOutcome,
) -> bool:
    """Put a Classic question body in its place: in its pool's group (made first if it does not
    exist yet) at its position there, or at its position among the quiz's questions and groups.
    False when its group could not be made: the question waits for the next run."""
    key = where.layout.group_of.get(question_id)
    if key is not None:
        if key in where.failed:
            return False
        if key not in where.group_ids:
            group = next(g for g in publication.groups if g.batch_key == key)
            remote_id = await send_group(store, client, publication, group, remote_quiz_id, outcome)
            if remote_id is None:
                where.failed.add(key)
                return False
            where.group_ids[key] = remote_id
        body["question"]["quiz_group_id"] = quiz_group_id(where.group_ids[key])
    body["question"]["position"] = where.layout.positions[question_id]
    return True


async def reorder(
    store: Store, client: CanvasClient, publication: Publication, remote_quiz_id: str
) -> None:
    """Once every question and group exists: put them in the quiz's order (see the module
    docstring). Nothing for a publication without pools."""
    where = placement(store, publication)
    if where is None:
        return
    items = {item.question_id: item.remote_item_id for item in publication.items}
    entries = [
        (kind, where.group_ids[key] if kind == "group" else items[key] or "")
        for kind, key in where.layout.roots
    ]
    await client.post_json(
        reorder_path(publication.course_id, remote_quiz_id), reorder_body(entries)
    )
