"""Classic Quizzes question groups: one group per pooled batch, made exactly once.

A batch with `pick = k` becomes one Canvas question group (Canvas's Quiz Question Groups API,
`POST /api/v1/courses/:course_id/quizzes/:quiz_id/groups` with `quiz_groups[][name]`,
`pick_count` and `question_points`); its questions are created with `quiz_group_id`, and Canvas
shows each student `pick_count` of them, each worth `question_points`. New Quizzes cannot do
this through their public API (`plan_publication` refuses before any request).

Groups follow the rules items follow (see `publish.py`):

- What a group is (batch key, pick count, points) is stored with the publication before the
  first request; its Canvas id is stored the moment Canvas returns it.
- A group POST whose outcome is unknown is not repeated in that run, and none of its questions
  is sent (they need its id). The next run lists the quiz's groups (`GET …/groups`) and adopts
  the one whose name carries the pool's marker `[qgp:<id>]`; only a group still missing is sent.
- `group_sync.py` makes them in Canvas; this module is the pure part (names, bodies, where each
  question goes, the plan).
- Canvas puts a new group after the quiz's last question or group. So once every question and
  group exists, one reorder request (`POST /api/v1/courses/:course_id/quizzes/:id/reorder`,
  Canvas's Quizzes API) puts them in the quiz's order, whatever order a resumed run made them in.
  It states the whole order, so sending it again is harmless.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from quizgen.canvas import payloads
from quizgen.canvas.parts import PublishSettings, parse_record, question_points
from quizgen.errors import InputError
from quizgen.models import PlannedGroup, QuestionRecord
from quizgen.pools import Pool, shared_points

GROUP_MARKER_PATTERN = re.compile(r"\[qgp:([0-9a-f]+)\]")
NAME_CHARS = 255
"""Canvas's longest group name (`maximum_string_length`)."""


def group_marker(batch_key: str) -> str:
    return f"[qgp:{hashlib.sha256(batch_key.encode('utf-8')).hexdigest()[:12]}]"


def marked_batch(name: Any, batch_keys: list[str]) -> str | None:
    """The batch key whose marker a remote group's name carries, if it is one of ours."""
    if not isinstance(name, str):
        return None
    found = GROUP_MARKER_PATTERN.search(name)
    if found is None:
        return None
    for key in batch_keys:
        if group_marker(key) == f"[qgp:{found.group(1)}]":
            return key
    return None


def group_name(batch_key: str, pick_count: int, size: int) -> str:
    """`cells_multiple_choice_20: 5 of 20 [qgp:…]`: says the pool, and is findable."""
    marker = group_marker(batch_key)
    head = f"{batch_key}: {pick_count} of {size}"
    return f"{head[: NAME_CHARS - len(marker) - 1]} {marker}"


def groups_path(course_id: int, remote_quiz_id: str) -> str:
    return f"/api/v1/courses/{course_id}/quizzes/{remote_quiz_id}/groups"


def group_body(batch_key: str, pick_count: int, points: float, size: int) -> dict[str, Any]:
    return {
        "quiz_groups": [
            {
                "name": group_name(batch_key, pick_count, size),
                "pick_count": pick_count,
                "question_points": points,
            }
        ]
    }


def reorder_path(course_id: int, remote_quiz_id: str) -> str:
    return f"/api/v1/courses/{course_id}/quizzes/{remote_quiz_id}/reorder"


def reorder_body(entries: list[tuple[str, str]]) -> dict[str, Any]:
    """`entries`: ("question" | "group", remote id) in quiz order."""
    return {"order": [{"id": _numeric(remote_id), "type": kind} for kind, remote_id in entries]}


def created_group_id(answer: Any) -> str | None:
    """The id in Canvas's answer to a group create (`{"quiz_groups": [QuizGroup]}`)."""
    groups = answer.get("quiz_groups") if isinstance(answer, dict) else None
    if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], dict):
        return None
    value = groups[0].get("id")
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    return str(value)


def listed_groups(answer: Any) -> list[dict[str, Any]]:
    """The groups of `GET …/groups` (`{"quiz_groups": [QuizGroup]}`)."""
    groups = answer.get("quiz_groups") if isinstance(answer, dict) else answer
    return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def _numeric(remote_id: str) -> int | str:
    return int(remote_id) if remote_id.isdigit() else remote_id


def quiz_group_id(remote_id: str) -> int | str:
    """A stored group id as Canvas's `question[quiz_group_id]` (an integer)."""
    return _numeric(remote_id)


@dataclass(frozen=True)
class Layout:
    """Where each question sits: at the quiz's top level (its position among questions and
    groups) or inside its pool's group (its position there), and the top-level order."""

    positions: dict[str, int]
    """question id → position in its container."""
    group_of: dict[str, str]
    """question id → batch key of its group, for pooled questions."""
    roots: list[tuple[str, str]]
    """("question", question id) | ("group", batch key), in quiz order."""


def layout(question_ids: list[str], batch_of: Callable[[str], str], grouped: set[str]) -> Layout:
    """The containers of `question_ids` (in publication order; a pool's questions are
    together), given the batch keys that are groups."""
    positions: dict[str, int] = {}
    group_of: dict[str, str] = {}
    roots: list[tuple[str, str]] = []
    members: dict[str, int] = {}
    for question_id in question_ids:
        key = batch_of(question_id)
        if key in grouped:
            if key not in members:
                members[key] = 0
                roots.append(("group", key))
            members[key] += 1
            positions[question_id] = members[key]
            group_of[question_id] = key
        else:
            roots.append(("question", question_id))
            positions[question_id] = len(roots)
    return Layout(positions, group_of, roots)


# --- planning (no network) -------------------------------------------------------------------


def plan_groups(
    records: list[QuestionRecord], pools: Mapping[str, Pool], settings: PublishSettings
) -> tuple[list[PlannedGroup], list[str]]:
    """One group per pool among `records` (a pool's records together, in quiz order), and the
    notes to say before any request. Refused (exit 2) where the pool cannot be kept: on New
    Quizzes, and where fewer questions are to be published than the pool shows."""
    members: dict[str, list[QuestionRecord]] = {}
    for record in records:
        if record.batch_key in pools:
            members.setdefault(record.batch_key, []).append(record)
    if not members:
        return [], []
    if settings.engine == "new":
        raise InputError(NEW_QUIZZES_REFUSAL.format(pools=", ".join(members)))
    short = [
        f"batch {key} shows {pools[key].pick} question(s) per student but only "
        f"{len(chosen)} of its questions are to be published"
        for key, chosen in members.items()
        if len(chosen) < pools[key].pick
    ]
    if short:
        raise InputError(
            "; ".join(short) + ": approve more of them, or lower `pick` in the spec and pass it "
            "with --spec FILE"
        )
    groups, notes = [], []
    for key, chosen in members.items():
        worth = [question_points(r, parse_record(r), settings.points) for r in chosen]
        points = shared_points(worth)
        groups.append(PlannedGroup(key, pools[key].pick, points, len(chosen)))
        note = (
            f"batch {key} is a pool: one question group, each student sees "
            f"{pools[key].pick} of {len(chosen)}"
        )
        if len(set(worth)) > 1:
            note += (
                f"; a group gives every question the same points, so each is worth {points:g} "
                f"(on their own they are worth {min(worth):g} to {max(worth):g})"
            )
        notes.append(note)
    return groups, notes


NEW_QUIZZES_REFUSAL = (
    "New Quizzes cannot hold a pool ({pools}): the New Quizzes API cannot create item banks or "
    "random draws (bank entries can only be made in Canvas's page), so nothing was sent; "
    "publish with --engine classic, or export --format qti and import it"
)


def planned_requests(
    records: list[QuestionRecord],
    planned: list[PlannedGroup],
    settings: PublishSettings,
    base_url: str,
    quiz_id: str,
) -> list[dict[str, Any]]:
    """The item requests of a fresh publish for `--dry-run`: each pool's group POST before its
    first question, group ids as `{group:<batch key>}`, and the closing reorder."""
    by_key = {group.batch_key: group for group in planned}
    batch_of = {record.id: record.batch_key for record in records}
    where = layout([r.id for r in records], batch_of.__getitem__, set(by_key))
    requests: list[dict[str, Any]] = []
    for position, record in enumerate(records, start=1):
        body = payloads.item_body(record, position, settings)
        key = where.group_of.get(record.id)
        if key is not None:
            if not any(r.get("group") == key for r in requests):
                group = by_key[key]
                requests.append(
                    {
                        "method": "POST",
                        "url": base_url + groups_path(settings.course_id, quiz_id),
                        "group": key,
                        "body": group_body(
                            key, group.pick_count, group.question_points, group.size
                        ),
                    }
                )
            body["question"]["quiz_group_id"] = f"{{group:{key}}}"
        if planned:
            body["question"]["position"] = where.positions[record.id]
        requests.append(
            {
                "method": "POST",
                "url": base_url + payloads.items_path(settings, quiz_id),
                "question_id": record.id,
                "body": body,
            }
        )
    if planned:
        entries = [
            (kind, f"{{group:{key}}}" if kind == "group" else f"{{item:{key}}}")
            for kind, key in where.roots
        ]
        requests.append(
            {
                "method": "POST",
                "url": base_url + reorder_path(settings.course_id, quiz_id),
                "body": reorder_body(entries),
            }
        )
    return requests
