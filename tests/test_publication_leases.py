"""Who holds a Canvas publication: a process on a host since a boot, while it renews its
lease — the same rule as a generation batch's (`store.lease_alive`), never a pid alone."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from quizgen.canvas.publish import publish_quiz
from quizgen.models import Publication
from quizgen.store import Runner, Store
from tests.conftest import invoke
from tests.fakes.canvas_server import FakeCanvas
from tests.publish_helpers import COURSE, ITEMS_PATH, make_quiz
from tests.test_generation import make_quiz as make_stored_quiz

LONG_AGO = "2000-01-01T00:00:00.000+00:00"


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path / "publications.db")
    yield opened
    opened.close()


def publication(store: Store) -> Publication:
    quiz = make_stored_quiz(store, {"tf": 1})
    return store.create_publication(
        quiz_id=quiz.id,
        engine="new",
        base_url="http://127.0.0.1:9",
        course_id=COURSE,
        title="Quiz",
        settings={},
        question_ids=[],
    )


def lapse(store: Store) -> None:
    """What a holder that stopped renewing (killed, or its host gone) leaves behind."""
    store.db.conn.execute("UPDATE publications SET lease_expires_at = ?", (LONG_AGO,))


def test_pid_1_of_another_host_holds_a_publication_only_while_it_renews(store: Store) -> None:
    pub = publication(store)
    me = Runner.current()
    other = Runner(1, "another-container", me.boot)
    assert store.claim_publication(pub.id, runner=other) is None
    assert store.claim_publication(pub.id) == other, "a live lease elsewhere blocks"
    lapse(store)
    assert store.claim_publication(pub.id) is None, "pid 1 lives here too: not a proof"
    assert store.claim_publication(pub.id, runner=other) == me


def test_a_pid_of_an_earlier_boot_does_not_hold_a_publication(store: Store) -> None:
    pub = publication(store)
    me = Runner.current()
    alive_now = os.getppid()  # a live process today, which the earlier boot's holder is not
    store.claim_publication(pub.id, runner=Runner(alive_now, me.host, "an-earlier-boot"))
    assert store.claim_publication(pub.id) is None


def test_a_live_holder_on_this_host_blocks_until_it_releases(store: Store) -> None:
    pub = publication(store)
    me = Runner.current()
    holder = Runner(os.getppid(), me.host, me.boot)
    assert store.claim_publication(pub.id, runner=holder) is None
    assert store.claim_publication(pub.id) == holder
    assert store.renew_publication(pub.id, runner=holder)
    assert not store.renew_publication(pub.id), "only the holder renews"
    store.release_publication(pub.id)  # not ours: nothing changes
    assert store.claim_publication(pub.id) == holder
    store.release_publication(pub.id, runner=holder)
    assert store.claim_publication(pub.id) is None


def test_a_publish_renews_its_lease_while_canvas_is_slow(
    cli, tmp_path: Path, canvas: FakeCanvas, monkeypatch: pytest.MonkeyPatch
) -> None:
    canvas.add_course(COURSE, "Introduction to Biology")
    quiz_id, _ = make_quiz(cli, tmp_path)
    monkeypatch.setitem(publish_quiz.__kwdefaults__, "lease_seconds", 0.3)
    canvas.slow_request(1.5, method="GET", path=rf"/api/v1/courses/{COURSE}$")
    result: list[int] = []
    publishing = threading.Thread(target=lambda: result.append(invoke(cli, "publish", quiz_id)[0]))
    publishing.start()
    try:
        db = Path(os.environ["QUIZGEN_DB"])
        while not canvas.requests("GET", rf"/api/v1/courses/{COURSE}$"):
            time.sleep(0.02)
        time.sleep(0.9)  # three lease lengths into the slow request
        other = Runner(1, "another-container", "boot-b")
        watcher = Store.open(db)
        try:
            (pub,) = watcher.publications(quiz_id)
            assert watcher.claim_publication(pub.id, runner=other) == Runner.current()
        finally:
            watcher.close()
    finally:
        publishing.join()
    assert result == [0]
    watcher = Store.open(db)
    try:
        assert watcher.claim_publication(pub.id, runner=other) is None, "released at the end"
    finally:
        watcher.close()


def test_publish_names_a_holder_in_another_container_and_takes_over_once_it_lapses(
    cli, tmp_path: Path, canvas: FakeCanvas
) -> None:
    canvas.add_course(COURSE, "Introduction to Biology")
    quiz_id, _ = make_quiz(cli, tmp_path)
    canvas.fail_request(2, 500, method="POST", path=ITEMS_PATH["new"])
    assert invoke(cli, "publish", quiz_id)[0] == 1  # leaves an unfinished publication
    db = Path(os.environ["QUIZGEN_DB"])
    held = Store.open(db)
    try:
        (pub,) = held.publications(quiz_id)
        assert held.claim_publication(pub.id, runner=Runner(1, "container-b", "boot-b")) is None
    finally:
        held.close()
    posts = len(canvas.requests("POST"))
    code, _, err = invoke(cli, "publish", quiz_id)
    assert code == 1 and "(pid 1 on container-b)" in err
    assert len(canvas.requests("POST")) == posts, "nothing sent while it is held"
    held = Store.open(db)
    try:
        lapse(held)
    finally:
        held.close()
    code, _, err = invoke(cli, "publish", quiz_id)
    assert code == 0, err
    assert len(canvas.requests("POST")) > posts
