"""The review page in a real browser: Debian's headless Chromium driven by Selenium.

The server runs as `quizgen serve` runs it (uvicorn on a free 127.0.0.1 port, the guard bound to
that exact host), in a thread of the test. Without Chromium and its driver the test is skipped
on a developer's machine and FAILS under CI=true (`.ci/run` installs both).

Set QUIZGEN_SCREENSHOTS=1 to rewrite docs/review-overview.png and docs/review-question.png;
otherwise the screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.test_web import (
    HOSTILE,
    add_hostile_question,
    cli_state,
    of_type,
    questions,
)
from tests.test_web import (
    quiz_id as quiz_id,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

ALERT_HOOK = """
window.__alerts = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (message) => { window.__alerts.push(name + ':' + message); };
}
"""


def _browser_missing() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    return ", ".join(missing) or None


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    missing = _browser_missing()
    if missing:
        message = f"headless Chromium is not installed: {missing}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (.ci/run installs chromium and chromium-driver)")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    browser.set_page_load_timeout(30)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_HOOK})
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def server(quiz_id: str, db_path: Path) -> Iterator[str]:
    """`quizgen serve` in a thread; yields the printed link (with its token)."""
    import uvicorn

    from quizgen.web.app import Site, create_app
    from quizgen.web.security import Guard
    from quizgen.web.server import HOST, bind

    sock = bind(None)
    port = sock.getsockname()[1]
    guard = Guard(hosts=frozenset({f"{HOST}:{port}", f"localhost:{port}"}))
    app = create_app(Site(db=db_path, quiz_id=quiz_id, guard=guard))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://{HOST}:{port}/?token={guard.token}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_for(browser, condition, timeout: float = 30):  # type: ignore[no-untyped-def]
    """Poll `condition`; an element the page replaced between finding and reading it (stale)
    counts as "not yet", as a missing one does."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda _: condition())


def notice(browser) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".notice"))


def press(browser, keys: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(keys).perform()


def on_question(browser, qid: str) -> bool:  # type: ignore[no-untyped-def]
    return (
        f"/q/{qid}" in browser.current_url
        and browser.execute_script("return document.readyState") == "complete"
    )


def screenshot_folder(tmp_path: Path) -> Path:
    return ROOT / "docs" if os.environ.get("QUIZGEN_SCREENSHOTS") == "1" else tmp_path


def test_walk_a_quiz_with_the_keyboard(
    driver,
    server: str,
    quiz_id: str,
    cli: CliRunner,
    db_path: Path,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    browser = driver
    before = cli_state(cli, quiz_id)
    choices = of_type(quiz_id, "multiple_choice")
    first, second, third = choices[:3]

    browser.get(server)
    assert "/?token" not in browser.current_url  # the key moved into the cookie
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "Biology 101 — Midterm"

    # Filter: multiple choice only.
    Select(browser.find_element(By.ID, "f-type")).select_by_value("multiple_choice")
    browser.find_element(By.ID, "apply-filters").click()
    wait_for(browser, lambda: "type=multiple_choice" in browser.current_url)
    listed = [e.get_attribute("data-id") for e in browser.find_elements(By.CSS_SELECTOR, ".qlink")]
    assert listed == [q.id for q in choices]

    # Open the first question with the keyboard: j selects it, Enter opens it.
    press(browser, "j")
    assert browser.switch_to.active_element.get_attribute("data-id") == first.id
    press(browser, Keys.ENTER)
    wait_for(browser, lambda: on_question(browser, first.id))
    mark = browser.find_element(By.CSS_SELECTOR, "mark.cited")
    store_text = _module_text(quiz_id, first.module_id)
    start, end = first.citation["start"], first.citation["end"]
    assert mark.text.split() == store_text[start:end].split()
    box = browser.find_element(By.ID, "module-text")
    visible = browser.execute_script(
        "const m = arguments[0].getBoundingClientRect(), b = arguments[1].getBoundingClientRect();"
        "return m.top >= b.top && m.bottom <= b.bottom;",
        mark,
        box,
    )
    assert visible, "the cited passage is scrolled into view"
    assert "255, 240, 160" in mark.value_of_css_property("background-color")
    browser.save_screenshot(str(screenshot_folder(tmp_path) / "review-question.png"))

    # Approve with "a": saved, and the next question of the filter opens.
    press(browser, "a")
    wait_for(browser, lambda: on_question(browser, second.id))
    assert f"approved {first.id}" in notice(browser)

    # Edit the key so the quote no longer supports it: the message, and nothing saved.
    press(browser, "e")
    wait_for(browser, lambda: "/edit" in browser.current_url)
    key = next(n for n, o in enumerate(second.data["options"]) if o["correct"])
    field = browser.find_element(By.ID, f"option{key}_text")
    field.clear()
    field.send_keys("photosynthetic zebra stripes")
    browser.find_element(By.ID, "save").click()
    wait_for(browser, lambda: browser.find_elements(By.ID, "problems"))
    messages = browser.find_element(By.ID, "key-fields").text
    assert "key_not_grounded" in messages
    assert "Not saved" in browser.find_element(By.ID, "problems").text
    assert of_type(quiz_id, "multiple_choice")[1].data == second.data

    # Fix it: the original key back, a better explanation; saved and pending again.
    field = browser.find_element(By.ID, f"option{key}_text")
    field.clear()
    field.send_keys(second.data["options"][key]["text"])
    explanation = browser.find_element(By.ID, "explanation")
    explanation.clear()
    explanation.send_keys("Checked against the notes.")
    browser.find_element(By.ID, "save").click()
    wait_for(browser, lambda: on_question(browser, second.id) and "saved" in notice(browser))

    # Reject the next one: j, r, pick a reason, a note, Enter.
    press(browser, "j")
    wait_for(browser, lambda: on_question(browser, third.id))
    press(browser, "r")
    assert browser.switch_to.active_element.get_attribute("id") == "reason"
    Select(browser.find_element(By.ID, "reason")).select_by_value("too_easy")
    browser.find_element(By.ID, "note").send_keys("everyone knows this")
    browser.find_element(By.ID, "reason").send_keys(Keys.ENTER)
    wait_for(browser, lambda: f"rejected {third.id}" in notice(browser))

    # Undo it with "u": the rejection is gone.
    press(browser, "u")
    wait_for(browser, lambda: "undone" in notice(browser))
    assert on_question(browser, third.id)

    # Help opens with "?".
    press(browser, "?")
    assert browser.find_element(By.ID, "help").is_displayed()

    after = cli_state(cli, quiz_id)
    changed = {
        qid: status
        for status, listed in after["questions"].items()
        for qid, entry in listed.items()
        if before["questions"][status].get(qid) != entry
    }
    assert changed == {first.id: "approved", second.id: "pending"}
    edited = after["questions"]["pending"][second.id]["data"]
    assert edited["explanation"] == "Checked against the notes."
    assert edited["options"] == second.data["options"]
    assert third.id in after["questions"]["pending"]
    assert {k: v[1] for k, v in after["batches"].items()} == {
        k: v[1] for k, v in before["batches"].items()
    }
    assert _console_errors(browser) == []
    browser.get(server.split("?")[0])
    browser.save_screenshot(str(screenshot_folder(tmp_path) / "review-overview.png"))


def test_hostile_content_runs_nothing_and_shows_as_text(
    driver,
    server: str,
    quiz_id: str,
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser = driver
    qid = add_hostile_question(quiz_id)
    browser.get(server)
    # The hook catches what a payload would call (and the page has no way to call it).
    browser.execute_script("alert('probe')")
    assert browser.execute_script("return window.__alerts") == ["alert:probe"]
    browser.execute_script("window.__alerts.length = 0")
    for path in ("/?q=%3Cscript%3E", f"/q/{qid}", f"/q/{qid}/edit", "/"):
        browser.get(server.split("?")[0].rstrip("/") + path)
        wait_for(
            browser, lambda: browser.execute_script("return document.readyState") == "complete"
        )
        # Hover over and focus everything a payload could hang an event handler on.
        for element in browser.find_elements(By.CSS_SELECTOR, ".qlink, .options li, mark, input"):
            if element.is_displayed():
                ActionChains(browser).move_to_element(element).perform()
        assert browser.execute_script("return window.__alerts") == [], path
        scripts = browser.execute_script(
            "return [...document.scripts].map(s => s.getAttribute('src'))"
        )
        assert scripts == ["/static/review.js"], path
        assert browser.find_elements(By.CSS_SELECTOR, "main img, main b") == [], path
    browser.get(server.split("?")[0].rstrip("/") + f"/q/{qid}")
    stem = browser.find_element(By.ID, "stem").text
    assert HOSTILE.splitlines()[0] in stem
    module = browser.find_element(By.ID, "module-text").text
    assert "<script>alert('module')</script>" in module
    assert browser.find_element(By.CSS_SELECTOR, "mark.cited").text.startswith(
        "the string <script>"
    )
    assert _console_errors(browser) == []


def test_a_narrow_window_or_200_percent_zoom_needs_no_sideways_scrolling(
    driver, server: str, quiz_id: str
) -> None:
    """640 CSS pixels wide is a 1,280-pixel window at 200 % zoom."""
    browser = driver
    record = of_type(quiz_id, "matching")[0]
    browser.set_window_size(640, 900)
    try:
        browser.get(server)
        for path in ("/", f"/q/{record.id}", f"/q/{record.id}/edit", "/publish"):
            browser.get(server.split("?")[0].rstrip("/") + path)
            wide = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert wide <= 0, f"{path} is {wide}px wider than the window"
        # Focus stays visible: a focused link gets an outline.
        browser.get(server.split("?")[0].rstrip("/") + f"/q/{record.id}")
        press(browser, "\t")
        style = browser.execute_script(
            "return getComputedStyle(document.activeElement).outlineStyle"
        )
        assert style not in ("none", "")
    finally:
        browser.set_window_size(1280, 900)


def _module_text(quiz_id: str, module_id: str) -> str:
    from quizgen.store import Store

    store = Store.open()
    try:
        return {m.module_id: m.content for m in store.modules(quiz_id)}[module_id]
    finally:
        store.close()


def _console_errors(browser) -> list[str]:  # type: ignore[no-untyped-def]
    """Script errors and CSP refusals (a blocked inline script would show up here); failed
    loads are left out, as the 422 of a refused edit is one by design."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING") and entry.get("source") != "network"
    ]


__all__ = ["questions"]
