"""The review page over HTTP (Starlette's TestClient): guard, escaping, and the shared store.

Every change made through the page is read back with the CLI (`show --json`, `status --json`),
the same way an instructor's terminal would see it.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from quizgen.checks.citations import find_quote
from quizgen.content import module_content
from quizgen.models import QuestionRecord, ReviewStatus
from quizgen.store import NewQuestion, Store
from quizgen.web import forms, presenting
from quizgen.web.app import Site, create_app
from quizgen.web.security import CONTENT_SECURITY_POLICY, Guard
from tests.conftest import invoke, invoke_json

HOSTILE_MODULE = (
    "\n\nSecurity note: the string <script>alert('module')</script> and the tag "
    "<img src=x onerror=\"alert('img')\"> and a link javascript:alert(3) are plain text here.\n"
)
HOSTILE_QUOTE = "the string <script>alert('module')</script> and the tag"


@pytest.fixture
def quiz_id(cli: CliRunner, example: Path) -> str:
    cells = example.parent / "content" / "cells.md"
    cells.write_text(cells.read_text(encoding="utf-8") + HOSTILE_MODULE, encoding="utf-8")
    code, document = invoke_json(cli, "create", str(example))
    assert code == 0
    return document["quiz"]["id"]


@pytest.fixture
def guard() -> Guard:
    return Guard(hosts=frozenset({"testserver"}))


@pytest.fixture
def client(quiz_id: str, guard: Guard, db_path: Path) -> Iterator[TestClient]:
    """A client that opened the printed link (so it holds the cookie)."""
    app = create_app(Site(db=db_path, quiz_id=quiz_id, guard=guard))
    with TestClient(app, base_url="http://testserver") as client:
        answer = client.get(f"/?token={guard.token}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        yield client


def post(client: TestClient, guard: Guard, path: str, **data: str) -> httpx.Response:
    """A POST as the page sends it: CSRF field and the page's own Origin."""
    return client.post(
        path,
        data={"csrf": guard.csrf, **data},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )


def questions(quiz_id: str) -> list[QuestionRecord]:
    store = Store.open()
    try:
        return store.questions(quiz_id, include_rejected=True)
    finally:
        store.close()


def of_type(quiz_id: str, question_type: str) -> list[QuestionRecord]:
    return [q for q in questions(quiz_id) if q.question_type == question_type]


def cli_state(cli: CliRunner, quiz_id: str) -> dict[str, object]:
    """What the command line reports: every question by status, and the batch counts."""
    shown = {}
    for status in ("pending", "approved", "rejected"):
        code, document = invoke_json(cli, "show", quiz_id, "--status", status)
        assert code == 0
        shown[status] = {q["id"]: q for q in document["questions"]}
    code, status_doc = invoke_json(cli, "status", quiz_id)
    assert code == 0
    batches = {b["key"]: (b["kept"], b["rejections"], b["flags"]) for b in status_doc["batches"]}
    return {"questions": shown, "batches": batches}


# --- the guard --------------------------------------------------------------------------------


def test_every_request_needs_the_token(quiz_id: str, guard: Guard, db_path: Path) -> None:
    bare = TestClient(create_app(Site(db=db_path, quiz_id=quiz_id, guard=guard)))
    first = questions(quiz_id)[0]
    assert bare.get("/").status_code == 403
    assert bare.get(f"/q/{first.id}").status_code == 403
    assert bare.get("/static/review.js").status_code == 403
    assert bare.get("/?token=wrong").status_code == 403
    assert bare.get("/", headers={"cookie": f"{guard.cookie_name}=wrong"}).status_code == 403
    refused = bare.post(
        f"/q/{first.id}/approve",
        data={"csrf": guard.csrf},
        headers={"origin": "http://testserver"},
    )
    assert refused.status_code == 403
    assert questions(quiz_id)[0].review_status == ReviewStatus.PENDING


def test_the_token_moves_from_the_link_into_a_cookie(client: TestClient, guard: Guard) -> None:
    cookie = client.cookies.get(guard.cookie_name)
    assert cookie == guard.token
    page = client.get("/")
    assert page.status_code == 200
    assert guard.token not in page.text  # the page never shows the key
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"


def test_changes_without_csrf_or_from_another_origin_are_refused(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    before = cli_state(cli, quiz_id)
    target = questions(quiz_id)[0].id
    attempts = [
        {"data": {}, "headers": {"origin": "http://testserver"}},
        {"data": {"csrf": "forged"}, "headers": {"origin": "http://testserver"}},
        {"data": {"csrf": guard.csrf}, "headers": {"origin": "http://evil.example"}},
        {"data": {"csrf": guard.csrf}, "headers": {"origin": "null"}},
        {"data": {"csrf": guard.csrf}, "headers": {}},
        {"data": {"csrf": guard.csrf}, "headers": {"origin": "http://testserver:1"}},
    ]
    for path in (f"/q/{target}/approve", f"/q/{target}/reject", "/undo", "/approve-clean"):
        for attempt in attempts:
            answer = client.post(path, follow_redirects=False, **attempt)
            assert answer.status_code == 403, (path, attempt)
    # A DNS-rebinding page reaches the server under another host name.
    rebound = client.get("/", headers={"host": "attacker.example"})
    assert rebound.status_code == 403
    assert cli_state(cli, quiz_id) == before


# --- what the page shows ----------------------------------------------------------------------


def test_overview_filters_and_search(client: TestClient, quiz_id: str) -> None:
    page = client.get("/")
    assert "cells_multiple_choice_10" in page.text
    listed = re.findall(r'data-id="(\w+)"', page.text)
    assert len(listed) == len(questions(quiz_id))
    by_type = client.get("/?type=true_false")
    ids = re.findall(r'data-id="(\w+)"', by_type.text)
    assert set(ids) == {q.id for q in of_type(quiz_id, "true_false")}
    word = of_type(quiz_id, "matching")[0].data["question_text"].split()[-1]
    found = re.findall(r'data-id="(\w+)"', client.get(f"/?q={word.upper()}").text)
    expected = {
        q.id for q in questions(quiz_id) if word.casefold() in q.data["question_text"].casefold()
    }
    assert set(found) == expected and found
    none = client.get("/?status=approved")
    assert re.findall(r'data-id="(\w+)"', none.text) == []


def test_question_view_marks_the_key_and_highlights_the_cited_span(
    client: TestClient, quiz_id: str
) -> None:
    record = of_type(quiz_id, "multiple_choice")[0]
    page = client.get(f"/q/{record.id}")
    assert page.status_code == 200
    marked = re.search(r'<mark class="cited">(.*?)</mark>', page.text, re.S)
    assert marked is not None
    start, end = record.citation["start"], record.citation["end"]
    store = Store.open()
    try:
        module = {m.module_id: m for m in store.modules(quiz_id)}[record.module_id]
    finally:
        store.close()
    assert html.unescape(marked.group(1)) == module.content[start:end]
    key = next(o["text"] for o in record.data["options"] if o["correct"])
    assert re.search(rf'<li class="key">.*{re.escape(html.escape(key))}', page.text)


# --- actions reach the store the CLI reads ----------------------------------------------------


def test_actions_change_exactly_what_the_cli_then_shows(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    before = cli_state(cli, quiz_id)
    approve_me, reject_me = of_type(quiz_id, "true_false")[:2]
    assert post(client, guard, f"/q/{approve_me.id}/approve").status_code == 303
    answer = post(client, guard, f"/q/{reject_me.id}/reject", reason="too_easy", note="trivial")
    assert answer.status_code == 303
    batch = "genetics_matching_5"
    clean = [q for q in questions(quiz_id) if q.batch_key == batch and not q.flags]
    assert post(client, guard, "/approve-clean", batch=batch).status_code == 303

    after = cli_state(cli, quiz_id)
    moved = {
        qid: status
        for status, listed in after["questions"].items()
        for qid in listed
        if qid not in before["questions"][status]
    }
    assert moved == {
        approve_me.id: "approved",
        reject_me.id: "rejected",
        **{q.id: "approved" for q in clean},
    }
    rejected = after["questions"]["rejected"][reject_me.id]
    assert rejected["rejection_reasons"] == ["reviewer:too_easy"]
    assert rejected["rejection_note"] == "trivial"
    assert after["batches"]["genetics_true_false_10"][1] == {"reviewer:too_easy": 1}


def test_an_edit_that_fails_a_check_saves_nothing_then_a_fix_saves(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    record = of_type(quiz_id, "multiple_choice")[0]
    options = record.data["options"]
    key = next(n for n, o in enumerate(options) if o["correct"])
    fields = {
        "updated_at": record.updated_at,
        "question_text": record.data["question_text"],
        "explanation": record.data["explanation"],
        "source_quote": record.data["source_quote"],
        "correct": str(key),
        **{f"option{n}_text": o["text"] for n, o in enumerate(options)},
    }
    before = cli_state(cli, quiz_id)
    ungrounded = {**fields, f"option{key}_text": "photosynthetic zebra stripes"}
    answer = post(client, guard, f"/q/{record.id}/edit", **ungrounded)
    assert answer.status_code == 422
    assert "key_not_grounded" in answer.text
    assert "Not saved" in answer.text
    assert 'value="photosynthetic zebra stripes"' in answer.text  # the reviewer's input is kept
    assert cli_state(cli, quiz_id) == before

    fixed = {**fields, "explanation": "Edited: " + record.data["explanation"]}
    answer = post(client, guard, f"/q/{record.id}/edit", **fixed)
    assert answer.status_code == 303
    shown = cli_state(cli, quiz_id)["questions"]["pending"][record.id]
    assert shown["data"]["explanation"].startswith("Edited: ")
    store = Store.open()
    try:
        history = store.question_edits(quiz_id, record.id)
    finally:
        store.close()
    assert [c["field"] for c in history[-1]["changes"]] == ["explanation"]


def test_an_edit_that_repeats_another_question_is_refused(
    client: TestClient, guard: Guard, quiz_id: str
) -> None:
    first, second = of_type(quiz_id, "true_false")[:2]
    fields = {
        "updated_at": second.updated_at,
        "question_text": first.data["question_text"],
        "explanation": second.data["explanation"],
        "source_quote": first.data["source_quote"],
        "correct_answer": "true" if first.data["correct_answer"] else "false",
    }
    answer = post(client, guard, f"/q/{second.id}/edit", **fields)
    assert answer.status_code == 422
    assert "duplicate_question" in answer.text
    assert of_type(quiz_id, "true_false")[1].data == second.data


def test_undo_restores_verdicts_and_edits(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    before = cli_state(cli, quiz_id)
    first, second = of_type(quiz_id, "true_false")[:2]
    post(client, guard, f"/q/{first.id}/approve")
    post(client, guard, f"/q/{second.id}/reject", reason="poor_wording")
    fields = {
        "updated_at": first.updated_at,
        "question_text": first.data["question_text"],
        "explanation": "Rewritten explanation.",
        "source_quote": first.data["source_quote"],
        "correct_answer": "true" if first.data["correct_answer"] else "false",
    }
    fields["updated_at"] = of_type(quiz_id, "true_false")[0].updated_at
    assert post(client, guard, f"/q/{first.id}/edit", **fields).status_code == 303
    assert "Undo: edited" in client.get("/").text
    for _ in range(3):
        assert post(client, guard, "/undo").status_code == 303
    assert cli_state(cli, quiz_id)["questions"] == before["questions"]
    post(client, guard, "/undo")
    assert "nothing to undo" in client.get("/").text


def test_undo_refuses_when_the_cli_changed_the_question_since(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    target = questions(quiz_id)[0]
    post(client, guard, f"/q/{target.id}/approve")
    code, _, _ = invoke(cli, "reject", quiz_id, target.id, "--reason", "too_hard")
    assert code == 0
    post(client, guard, "/undo")
    assert "changed since" in client.get("/").text
    assert cli_state(cli, quiz_id)["questions"]["rejected"][target.id]["rejection_reasons"] == [
        "reviewer:too_hard"
    ]


def test_a_question_the_checks_rejected_needs_approve_anyway(
    client: TestClient, guard: Guard, quiz_id: str
) -> None:
    target = questions(quiz_id)[0]
    store = Store.open()
    try:
        store.set_review_status(
            quiz_id, [target.id], ReviewStatus.REJECTED, reasons=("key_not_grounded",)
        )
    finally:
        store.close()
    post(client, guard, f"/q/{target.id}/approve")
    page = client.get(f"/q/{target.id}")
    assert "--force" in page.text and 'id="force"' in page.text
    assert questions(quiz_id)[0].review_status == ReviewStatus.REJECTED
    post(client, guard, f"/q/{target.id}/approve", force="1")
    assert questions(quiz_id)[0].review_status == ReviewStatus.APPROVED


# --- hostile content --------------------------------------------------------------------------

HOSTILE = "<script>alert('q')</script><img src=x onerror=alert(1)> javascript:alert(2) \"'&"


def add_hostile_question(quiz_id: str) -> str:
    store = Store.open()
    try:
        module = {m.module_id: m for m in store.modules(quiz_id)}["cells"]
        citation = find_quote(HOSTILE_QUOTE, module_content(module))
        assert citation is not None
        data = {
            "question_text": f"Which is plain text? {HOSTILE}",
            "explanation": HOSTILE,
            "source_quote": HOSTILE_QUOTE,
            "options": [
                {"text": "the string", "correct": True},
                {"text": f"<b onmouseover=alert(4)>bold</b> {HOSTILE}", "correct": False},
                {"text": "javascript:alert(5)", "correct": False},
                {"text": "</textarea><script>alert(6)</script>", "correct": False},
            ],
        }
        (qid,) = store.add_questions(
            quiz_id,
            "imported_hostile",
            [
                (
                    "cells",
                    "multiple_choice",
                    NewQuestion(
                        copy.deepcopy(data), citation=citation.as_dict(), flags=("key_disputed",)
                    ),
                )
            ],
        )
    finally:
        store.close()
    return qid


def parsed_elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag the browser's parser would see, with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collect().feed(page)
    return found


def test_hostile_question_and_module_text_render_as_text(client: TestClient, quiz_id: str) -> None:
    qid = add_hostile_question(quiz_id)
    plan = "/publish?course=1&include_pending=1"
    assert "alert(&#39;q&#39;)" in client.get(plan).text  # the hostile stem is in the plan
    for path in ("/", f"/q/{qid}", f"/q/{qid}/edit", "/?q=%3Cscript%3E", plan):
        elements = parsed_elements(client.get(path).text)
        scripts = [attrs for tag, attrs in elements if tag == "script"]
        assert scripts == [{"src": "/static/review.js", "defer": None}], path
        assert not [tag for tag, _ in elements if tag in ("img", "b", "iframe", "object")], path
        handlers = [name for _, attrs in elements for name in attrs if name.startswith("on")]
        assert handlers == [], path
        urls = [attrs.get(n) or "" for _, attrs in elements for n in ("href", "src", "action")]
        assert not [u for u in urls if u.strip().lower().startswith("javascript:")], path
    question = client.get(f"/q/{qid}").text
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;" in question
    assert "&lt;script&gt;alert(&#39;module&#39;)&lt;/script&gt;" in question  # module text
    assert "A second model disagreed" in question and "key_disputed" in question
    edit = client.get(f"/q/{qid}/edit").text
    assert "&lt;/textarea&gt;&lt;script&gt;" in edit


# --- export and the publish plan --------------------------------------------------------------


def test_export_downloads_the_approved_questions(
    client: TestClient, guard: Guard, quiz_id: str
) -> None:
    target = questions(quiz_id)[0]
    post(client, guard, f"/q/{target.id}/approve")
    answer = client.get("/export?format=json")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    document = json.loads(answer.content)
    assert [q["id"] for q in document["questions"]] == [target.id]
    with_pending = json.loads(client.get("/export?format=json&include_pending=1").content)
    kept = [q for q in questions(quiz_id) if q.review_status != ReviewStatus.REJECTED]
    assert len(with_pending["questions"]) == len(kept)
    assert client.get("/export?format=nope").status_code == 400


def test_publish_plan_shows_the_dry_run_or_what_is_missing(
    client: TestClient, guard: Guard, quiz_id: str
) -> None:
    assert "no Canvas course" in client.get("/publish").text
    target = of_type(quiz_id, "true_false")[0]
    post(client, guard, f"/q/{target.id}/approve")
    plan = client.get("/publish?course=42").text
    assert "1 question(s) to course 42" in plan
    assert "/api/v1/courses/42" in plan
    assert "CANVAS_API_TOKEN" in plan
    assert html.escape(target.data["question_text"], quote=True) in plan


# --- the pure parts ---------------------------------------------------------------------------


def test_segments_and_cited_spans() -> None:
    assert presenting.segments("abcdef", [(1, 3)]) == [
        presenting.Segment("a", False),
        presenting.Segment("bc", True),
        presenting.Segment("def", False),
    ]
    assert presenting.segments("abc", []) == [presenting.Segment("abc", False)]
    merged = presenting.segments("abcdef", [(1, 4), (2, 5)])
    assert "".join(s.text for s in merged) == "abcdef"
    from quizgen.content import Section, assemble

    content = assemble([Section("a.md", "Cells divide. Mitochondria make ATP for the cell.")])

    def record(citation: object) -> QuestionRecord:
        return QuestionRecord(
            "q1",
            "z",
            "m",
            "b",
            "true_false",
            1,
            {"source_quote": "Mitochondria make ATP"},
            ReviewStatus.PENDING,
            [],
            citation,  # type: ignore[arg-type]
            "",
            "",
        )

    assert presenting.cited_spans(record({"source": "a.md", "start": 0, "end": 5}), content) == [
        (0, 5)
    ]
    assert presenting.cited_spans(
        record([{"start": 0, "end": 5}, {"start": 14, "end": 26}]), content
    ) == [(0, 5), (14, 26)]
    at = content.text.index("Mitochondria")
    # A span that no longer fits, or a quote-only citation: found again by the quote.
    assert presenting.cited_spans(record({"start": 5, "end": 999}), content) == [(at, at + 21)]
    assert presenting.cited_spans(record({"quote": "Cells divide"}), content) == [(0, 12)]
    assert presenting.cited_spans(record(None), None) == []


def test_forms_build_question_data_per_type() -> None:
    from starlette.datastructures import FormData

    form = forms.FormData(
        FormData(
            [
                ("question_text", "Q"),
                ("pair0_prompt", "a"),
                ("pair0_answer", "1"),
                ("pair1_prompt", ""),
                ("pair1_answer", ""),
                ("distractors", "x\n\n y \n"),
            ]
        )
    )
    data = forms.data_from_form("matching", form)
    assert data["pairs"] == [{"prompt": "a", "answer": "1"}]
    assert data["distractors"] == ["x", "y"]
    choice = forms.FormData(
        FormData([("option0_text", "a"), ("option1_text", "b"), ("correct", "1")])
    )
    assert forms.data_from_form("multiple_answer", choice)["options"] == [
        {"text": "a", "correct": False},
        {"text": "b", "correct": True},
    ]
    order = forms.FormData(FormData([("items", "Prophase\n\n Metaphase \nAnaphase\n")]))
    assert forms.data_from_form("ordering", order)["items"] == ["Prophase", "Metaphase", "Anaphase"]
    assert forms.form_rows("ordering", {"items": ["a", "b"]}) == {"items": "a\nb"}


# --- the command ------------------------------------------------------------------------------


def test_help_does_not_load_the_web_stack() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom quizgen.cli.app import app\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "print(sorted(m for m in ('starlette', 'jinja2', 'uvicorn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [["serve"], ["review", "--web"]])
def test_serve_prints_the_link_answers_it_and_stops_cleanly_on_ctrl_c(
    quiz_id: str, db_path: Path, command: list[str]
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quizgen",
            command[0],
            quiz_id[:6],
            *command[1:],
            "--no-browser",
            "--db",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
        assert url is not None, line
        with httpx.Client(timeout=10) as http:
            page = http.get(url.group(), follow_redirects=True)
            assert page.status_code == 200 and "Biology 101" in page.text
            assert http.get(url.group().split("?")[0]).status_code == 200  # the cookie
        with httpx.Client(timeout=10) as stranger:
            assert stranger.get(url.group().split("?")[0]).status_code == 403
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err
    # The page's connection was closed: SQLite folded its write-ahead log into the file, so the
    # database file alone holds every change (a copy of it misses nothing).
    assert not Path(f"{db_path}-wal").exists()


def test_an_edit_of_a_question_changed_since_the_form_opened_saves_nothing(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    record = of_type(quiz_id, "true_false")[0]
    form = client.get(f"/q/{record.id}/edit").text
    assert f'name="updated_at" value="{record.updated_at}"' in form
    code, _, _ = invoke(cli, "approve", quiz_id, record.id)
    assert code == 0
    fields = {
        "updated_at": record.updated_at,
        "question_text": record.data["question_text"],
        "explanation": "Too late.",
        "source_quote": record.data["source_quote"],
        "correct_answer": "true" if record.data["correct_answer"] else "false",
    }
    answer = post(client, guard, f"/q/{record.id}/edit", **fields)
    assert answer.status_code == 303
    assert "changed after you opened the edit form" in client.get(f"/q/{record.id}").text
    stored = cli_state(cli, quiz_id)["questions"]["approved"][record.id]
    assert stored["data"] == record.data


def test_the_repeat_check_prepared_when_the_form_opened_sees_later_changes(
    client: TestClient, guard: Guard, quiz_id: str
) -> None:
    """Opening the form screens the other questions ahead; a change made elsewhere before the
    save (here: another connection rewords a question) is still checked against."""
    edited, other = of_type(quiz_id, "true_false")[:2]
    assert client.get(f"/q/{edited.id}/edit").status_code == 200
    reworded = "Zebra stripes confuse the biting flies of open grassland."
    store = Store.open()
    try:
        store.update_question_data(
            quiz_id,
            other.id,
            data={**other.data, "question_text": reworded},
            citation=other.citation,
            changes=[{"field": "question_text", "old": other.data["question_text"], "new": ""}],
            expected_updated_at=other.updated_at,
        )
    finally:
        store.close()
    fields = {
        "updated_at": edited.updated_at,
        "question_text": reworded,
        "explanation": edited.data["explanation"],
        "source_quote": edited.data["source_quote"],
        "correct_answer": "true" if edited.data["correct_answer"] else "false",
    }
    answer = post(client, guard, f"/q/{edited.id}/edit", **fields)
    assert answer.status_code == 422
    assert "duplicate_question" in answer.text


def test_approve_clean_leaves_flagged_questions_and_undoes_as_one(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    flagged = add_hostile_question(quiz_id)  # pending, flagged key_disputed
    before = cli_state(cli, quiz_id)
    post(client, guard, "/approve-clean", batch="imported_hostile")
    assert "approved 0 clean" in client.get("/").text
    assert cli_state(cli, quiz_id) == before
    batch = "cells_multiple_choice_10"
    post(client, guard, "/approve-clean", batch=batch)
    approved = cli_state(cli, quiz_id)["questions"]["approved"]
    assert {q.id for q in questions(quiz_id) if q.batch_key == batch} == set(approved)
    assert flagged not in approved
    post(client, guard, "/undo")
    assert cli_state(cli, quiz_id)["questions"] == before["questions"]


DOGMA = (
    "The **central dogma** is the principle that genetic information flows from DNA to RNA to "
    "protein."
)


def add_ordering_question(quiz_id: str) -> str:
    store = Store.open()
    try:
        module = {m.module_id: m for m in store.modules(quiz_id)}["genetics"]
        citation = find_quote(DOGMA, module_content(module))
        assert citation is not None
        data = {
            "question_text": "Put these in the order genetic information flows.",
            "items": ["DNA", "RNA", "Protein"],
            "explanation": "The central dogma.",
            "source_quote": DOGMA,
        }
        (qid,) = store.add_questions(
            quiz_id,
            "imported_ordering",
            [("genetics", "ordering", NewQuestion(data, citation=citation.as_dict()))],
        )
    finally:
        store.close()
    return qid


def test_an_ordering_question_shows_its_order_and_an_edit_out_of_order_saves_nothing(
    client: TestClient, guard: Guard, cli: CliRunner, quiz_id: str
) -> None:
    qid = add_ordering_question(quiz_id)
    page = client.get(f"/q/{qid}").text
    order = re.search(r'<ol class="options" aria-label="Correct order">(.*?)</ol>', page, re.S)
    assert order is not None
    assert re.findall(r'<li class="key">([^<]*)</li>', order.group(1)) == ["DNA", "RNA", "Protein"]
    assert ">DNA\nRNA\nProtein</textarea>" in client.get(f"/q/{qid}/edit").text
    record = next(q for q in questions(quiz_id) if q.id == qid)
    fields = {
        "updated_at": record.updated_at,
        "question_text": record.data["question_text"],
        "explanation": record.data["explanation"],
        "source_quote": DOGMA,
    }
    before = cli_state(cli, quiz_id)
    answer = post(client, guard, f"/q/{qid}/edit", **fields, items="RNA\nDNA\nProtein")
    assert answer.status_code == 422 and "key_contradicted" in answer.text
    assert cli_state(cli, quiz_id) == before
    answer = post(client, guard, f"/q/{qid}/edit", **fields, items="DNA\nRNA\nprotein")
    assert answer.status_code == 303
    assert next(q for q in questions(quiz_id) if q.id == qid).data["items"][2] == "protein"


# --- the types a student answers by writing: numeric and essay -------------------------

PAIRS = "Human body cells contain 46 chromosomes, arranged in 23 pairs."
SEMI = (
    "Replication is described as **semiconservative**, because each new DNA molecule keeps one "
    "original strand and gains one newly built strand."
)


def add(quiz_id: str, question_type: str, data: dict) -> str:
    store = Store.open()
    try:
        module = {m.module_id: m for m in store.modules(quiz_id)}["genetics"]
        citation = find_quote(data["source_quote"], module_content(module))
        assert citation is not None
        (qid,) = store.add_questions(
            quiz_id,
            f"imported_{question_type}",
            [("genetics", question_type, NewQuestion(data, citation=citation.as_dict()))],
        )
    finally:
        store.close()
    return qid


def fields_of(quiz_id: str, qid: str) -> dict[str, str]:
    record = next(q for q in questions(quiz_id) if q.id == qid)
    return {
        "updated_at": record.updated_at,
        "question_text": record.data["question_text"],
        "explanation": record.data["explanation"],
        "source_quote": record.data["source_quote"],
    }


def test_a_numeric_question_shows_its_key_and_is_edited_as_numbers(
    client, guard, cli: CliRunner, quiz_id: str
) -> None:
    data = {
        "question_text": "In how many pairs are the chromosomes of a body cell arranged?",
        "answer": 23.0, "margin": 0.0, "range": None, "explanation": "", "source_quote": PAIRS,
    }  # fmt: skip
    qid = add(quiz_id, "numeric", data)
    assert '<p class="key" id="numeric-key">Answer: 23</p>' in client.get(f"/q/{qid}").text
    edit = client.get(f"/q/{qid}/edit").text
    assert 'name="answer" id="answer" value="23"' in edit and 'id="range_low" value=""' in edit
    fields = fields_of(quiz_id, qid)
    before = cli_state(cli, quiz_id)
    unitless = {**fields, "question_text": "How many are there in a human body cell, as a count?"}
    answer = post(client, guard, f"/q/{qid}/edit", **unitless, answer="23", margin="0")
    assert answer.status_code == 422 and "wrong_unit" in answer.text
    assert cli_state(cli, quiz_id) == before
    answer = post(client, guard, f"/q/{qid}/edit", **fields, answer="23", margin="1")
    assert answer.status_code == 303
    assert next(q for q in questions(quiz_id) if q.id == qid).data["margin"] == 1.0


def test_an_essay_shows_its_model_answer_and_rubric_and_is_edited_as_text(
    client, guard, cli: CliRunner, quiz_id: str
) -> None:
    data = {
        "question_text": "Explain why DNA replication is described as semiconservative.",
        "model_answer": "Each new DNA molecule keeps one original strand and gains one newly "
        "built strand, so replication is described as semiconservative.",
        "rubric": ["States that each new molecule keeps one original strand"],
        "explanation": "",
        "source_quote": SEMI,
    }
    qid = add(quiz_id, "essay", data)
    page = client.get(f"/q/{qid}").text
    assert "keeps one original strand and gains one newly built strand, so" in page
    assert '<li class="key">States that each new molecule keeps one original strand</li>' in page
    assert (
        ">States that each new molecule keeps one original strand</textarea>"
        in client.get(f"/q/{qid}/edit").text
    )
    fields = {**fields_of(quiz_id, qid), "model_answer": data["model_answer"]}
    before = cli_state(cli, quiz_id)
    outside = "States that each new molecule keeps one original strand\nNames DNA ligase"
    answer = post(client, guard, f"/q/{qid}/edit", **fields, rubric=outside)
    assert answer.status_code == 422 and "key_not_grounded" in answer.text
    assert cli_state(cli, quiz_id) == before
    grounded = (
        "States that each new molecule keeps one original strand\n"
        "States that it gains one newly built strand"
    )
    answer = post(client, guard, f"/q/{qid}/edit", **fields, rubric=grounded)
    assert answer.status_code == 303
    assert len(next(q for q in questions(quiz_id) if q.id == qid).data["rubric"]) == 2
