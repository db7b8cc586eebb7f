"""The web chat page: its routes over a TestClient (fast), and the page itself in a real headless Chromium driven by
Playwright (slow): typing the card's goal, reading the candidate table, sorting it, logging two candidates, reloading,
and the README's screenshot."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.server.conftest import GOAL, offline_app, serving

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "docs" / "images" / "web_chat.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def events_of(stream_text: str) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a server-sent-events body."""
    found = []
    for block in stream_text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def chat(client, message: str, thread: str | None = None) -> list[tuple[str, dict]]:
    response = client.post("/api/chat", json={"message": message, "thread": thread})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return events_of(response.text)


# --- the routes --------------------------------------------------------------------------------------------
def test_the_page_and_its_files_are_served_and_nothing_else(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in ("app.js", "app.css"):
        assert f"/static/{name}" in page.text
        assert client.get(f"/static/{name}").status_code == 200
    assert "https://" not in page.text + client.get("/static/app.css").text  # offline: no CDN, no web fonts
    assert client.get("/static/service.py").status_code == 404
    assert client.get("/static/..%2Fweb.py").status_code == 404


def test_a_turn_streams_its_thread_then_the_answer_and_the_thread_can_be_read_back(client):
    events = chat(client, "what can you do?")
    assert [kind for kind, _ in events] == ["thread", "answer"]
    thread = events[0][1]["thread"]
    answer = events[1][1]
    assert thread.startswith("web-") and len(thread) > 20 and answer["thread"] == thread
    assert answer["answered_by"] == "offline" and answer["design"] is None
    assert "design" in answer["text"] and "answered" not in answer["text"]
    assert thread in [c["thread"] for c in client.get("/api/threads", params={"ids": thread}).json()]
    assert client.get("/api/threads").json() == []  # nobody lists conversations they did not name
    stored = client.get(f"/api/threads/{thread}").json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][0]["text"] == "what can you do?" and stored["design"] is None
    follow_up = chat(client, "and what about Cu?", thread)
    assert follow_up[0][1]["thread"] == thread
    assert [m["text"] for m in client.get(f"/api/threads/{thread}").json()["messages"] if m["role"] == "user"] == [
        "what can you do?", "and what about Cu?"]


def test_progress_is_forwarded_live_and_a_failed_turn_is_one_error_event(client, monkeypatch):
    from alloygan.agent.assistant import TurnResult
    from alloygan.knowledge_base.progress import Progress

    service = client.app.state.service

    def turn(text, thread, on_progress):
        on_progress(Progress("training the ours generator for Zr", 3, 600, "epoch"))
        on_progress(Progress("describing the best candidates"))
        return TurnResult(thread, "answer", "offline", None, None, brief="brief")

    monkeypatch.setattr(service, "turn", turn)
    events = chat(client, "design something")
    assert [data["line"] for kind, data in events if kind == "progress"] in (
        ["training the ours generator for Zr: epoch 3/600", "describing the best candidates"],
        ["describing the best candidates"])  # lines that queue up while the page reads are sent as the latest
    assert events[-1][0] == "answer" and events[-1][1]["text"] == "brief"

    def failing(text, thread, on_progress):
        raise RuntimeError("the store is locked")

    monkeypatch.setattr(service, "turn", failing)
    events = chat(client, "design something")
    assert events[-1] == ("error", {"thread": events[0][1]["thread"], "message": "the turn failed: the store is locked"})


def test_threads_the_server_did_not_issue_are_neither_listed_nor_readable(client):
    service = client.app.state.service
    service.assistant.turn("what can you do?", "lab-notes")  # a CLI user's named thread in the same store
    assert "lab-notes" not in [c["thread"] for c in client.get("/api/threads", params={"ids": "lab-notes"}).json()]
    for thread in ("lab-notes", "web-not-issued"):
        assert client.get(f"/api/threads/{thread}").status_code == 404
        response = client.post("/api/chat", json={"message": "hello", "thread": thread})
        assert response.status_code == 404 and thread in response.json()["detail"]


def test_a_blank_or_oversized_message_is_refused_with_the_reason(client):
    blank = client.post("/api/chat", json={"message": "   ", "thread": None})
    assert blank.status_code == 422 and "blank" in blank.text
    long = client.post("/api/chat", json={"message": "x" * 5000, "thread": None})
    assert long.status_code == 422 and "ALLOYGAN_API_MAX_MESSAGE_CHARS" in long.text


def test_known_alloys_of_a_family_carry_the_cost_describe_gives_them(client):
    known = client.get("/api/known", params={"base": "Zr"}).json()
    assert len(known) > 50 and all("Zr" in alloy["formula"] and alloy["source"] for alloy in known)
    trgs = [alloy["Trg"] for alloy in known]
    assert trgs == sorted(trgs, reverse=True)  # highest Trg first, as `kb query`
    described = client.app.state.service.describe([alloy["formula"] for alloy in known[:5]])
    assert [alloy["cost_usd_per_kg"] for alloy in known[:5]] == [
        round(d.cost_usd_per_kg, 2) for d in described.alloys]
    assert client.get("/api/known", params={"base": "Xx"}).status_code == 422


# --- the page in a real browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`: the machine may be offline)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium on PATH: install it with `apt-get install -y chromium` (python3 quickstart.py test "
                    "does, as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: "
                                   "`pip install playwright` (or `pip install -e .[test]`)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory) -> Iterator[str]:
    """The app on a free loopback port with a home of its own (the page logs experiments), for this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALLOYGAN_HOME", str(tmp_path_factory.mktemp("web-home")))
        with serving(offline_app(tmp_path_factory.mktemp("web-server"))) as url:
            yield url


def cells(page, key: str) -> list[str]:
    """The sort values of one column of the candidate table, top to bottom (the server's numbers as sent)."""
    return page.eval_on_selector_all(f"table.candidates tbody td.col-{key}", "cells => cells.map(c => c.dataset.sort)")


@pytest.mark.slow
def test_the_page_answers_the_card_goal_in_a_real_browser(browser, web_server):
    from alloygan.api import design
    from alloygan.knowledge_base.composition import Composition

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(web_server + "/")
    page.evaluate("""() => {  // every progress line the page shows, as it shows them
        window.progressLines = [];
        new MutationObserver(() => window.progressLines.push(document.querySelector('#progress-line').textContent))
            .observe(document.querySelector('#progress-line'), {childList: true, characterData: true, subtree: true});
    }""")
    page.fill("#message", GOAL)
    page.click("#send")
    page.wait_for_selector("table.candidates tbody tr", timeout=600_000)
    page.wait_for_selector("svg.scatter .known circle")
    page.wait_for_selector("#progress", state="hidden")

    expected = [c.formula for c in design(GOAL, seed=0).candidates]
    shown = page.eval_on_selector_all("table.candidates tbody tr", "rows => rows.map(r => r.dataset.formula)")
    assert shown == expected
    assert page.inner_text("table.candidates tbody tr:first-child td.col-formula") == expected[0]
    assert not any("Ag" in Composition.parse(formula).as_dict() for formula in shown)
    assert "Ag" not in page.inner_text("table.candidates tbody")
    lines = page.evaluate("window.progressLines")
    assert any(line.startswith(("generating", "predicting")) for line in lines), lines
    assert page.locator("svg.scatter g.candidate").count() == 2 * len(expected)  # both panels
    thread = page.evaluate("localStorage.getItem('alloygan.thread')")
    assert thread.startswith("web-")
    assert page.get_attribute("#threads button[aria-current]", "data-thread") == thread

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert 10_000 < os.path.getsize(SCREENSHOT) < 500_000

    # sorting: by cost, cheapest first, then dearest first; by rank again restores the order
    page.click("table.candidates th[data-key=cost] button")
    costs = [float(v) for v in cells(page, "cost")]
    assert costs == sorted(costs) and page.get_attribute("th[data-key=cost]", "aria-sort") == "ascending"
    page.click("table.candidates th[data-key=cost] button")
    assert [float(v) for v in cells(page, "cost")] == sorted(costs, reverse=True)
    page.click("table.candidates th[data-key=formula] button")
    assert cells(page, "formula") == sorted(expected)
    page.click("table.candidates th[data-key=rank] button")
    assert [int(v) for v in cells(page, "rank")] == list(range(1, len(expected) + 1))

    # logging ranks 1 and 2 as experiment suggestions shows the new ids; the experiment log has them
    page.check("table.candidates tbody tr[data-rank='1'] input")
    page.check("table.candidates tbody tr[data-rank='2'] input")
    page.click(".log-selected")
    page.wait_for_selector(".logged[data-ids]")
    ids = [int(i) for i in page.get_attribute(".logged", "data-ids").split(",")]
    logged = {e["id"]: e for e in page.request.get(web_server + "/api/experiments").json()}
    assert [logged[i]["formula"] for i in ids] == expected[:2]
    assert all(logged[i]["thread"] == thread for i in ids)

    # a reload shows the conversation again: the message, the answer and its table
    page.reload()
    page.wait_for_selector("table.candidates tbody tr")
    assert page.inner_text(".message.user .text") == GOAL
    assert page.eval_on_selector_all("table.candidates tbody tr", "rows => rows.map(r => r.dataset.formula)") == expected
    assert page.evaluate("localStorage.getItem('alloygan.thread')") == thread
    assert "last design" not in page.inner_text("#conversation")  # the table is back under the answer of its turn
    assert errors == []
    page.close()
