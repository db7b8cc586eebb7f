"""Named conversations: `ask` / `chat --thread NAME` start or continue them; `alloygan threads list|show`."""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3

import jsonschema
import pytest

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag, top 2"
FOLLOW_UP = "now also avoid Be"
ZR_GOAL = "Zr-based; Trg > 0.6; without Ag, Be; 2 candidates, seed 0"


pytestmark = pytest.mark.usefixtures("no_llm")


def _listed(run_cli) -> dict[str, dict]:
    code, out, err = run_cli("threads", "list", "--json")
    assert code == 0, err
    return {row["thread"]: row for row in json.loads(out)}


def test_a_named_thread_is_started_then_continued_listed_and_shown(run_cli, session_home):
    store = session_home / "conversations.sqlite"
    code, out, err = run_cli("ask", "--offline", "--thread", "named.1", "hello")
    assert code == 0, err
    assert err.count("new conversation named.1") == 1 and "continue with: alloygan ask --thread named.1" in out
    code, out, err = run_cli("ask", "--offline", "--json", "--thread", "named.1", "hello again")
    assert code == 0 and json.loads(out)["thread"] == "named.1"
    assert "new conversation" not in err  # continued, not started again
    code, _, err = run_cli("ask", "--offline", "--thread", "other_2", "what can you do")
    assert code == 0 and "new conversation other_2" in err

    before = hashlib.sha256(store.read_bytes()).hexdigest()
    listed = _listed(run_cli)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before  # listing changes nothing
    named, other = listed["named.1"], listed["other_2"]
    assert (named["user_turns"], named["goal"], named["last_message"]) == (2, "", "hello again")
    assert (other["user_turns"], other["last_message"]) == (1, "what can you do")
    order = list(listed)
    assert order.index("other_2") < order.index("named.1")  # newest first
    assert other["updated_at"] >= named["updated_at"] and named["updated_at"].endswith("+00:00")
    schema = json.loads(run_cli("schema", "conversation")[1])
    for row in listed.values():
        jsonschema.validate(row, schema)

    code, out, _ = run_cli("threads", "list")
    assert code == 0 and "named.1" in out and "hello again" in out and "newest first" in out
    code, out, _ = run_cli("threads", "show", "named.1")
    assert code == 0 and out.index("» hello\n") < out.index("» hello again") and "Words I did not understand" in out


@pytest.mark.slow  # two offline designs (and, run alone, the quick generator's training)
def test_a_named_design_conversation_refines_its_goal(run_cli):
    code, out, err = run_cli("ask", "--offline", "--thread", "zr-named", GOAL)
    assert code == 0, err
    assert "new conversation zr-named" in err and "Goal: Zr-based" in out
    code, out, err = run_cli("ask", "--offline", "--json", "--thread", "zr-named", FOLLOW_UP)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["goal"]["excluded_elements"] == ["Ag", "Be"]  # the follow-up refined the stored goal
    assert answer["candidates"] and all({"Ag", "Be"}.isdisjoint(c["composition"]) for c in answer["candidates"])
    row = _listed(run_cli)["zr-named"]
    assert (row["user_turns"], row["goal"], row["last_message"]) == (2, ZR_GOAL, FOLLOW_UP)


@pytest.mark.parametrize("name", ["", "has space", "slash/y", "a" * 65, "ünïcode", "semi;colon"])
@pytest.mark.parametrize("command", ["ask", "chat"])
def test_a_bad_thread_name_is_one_line_exit_2(run_cli, command, name):
    args = ("ask", "--offline", "--thread", name, "hello") if command == "ask" else ("chat", "--thread", name)
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: --thread ")
    assert "1-64 characters: letters, digits, '_', '-' and '.'" in err


def test_chat_starts_a_named_conversation(run_cli, monkeypatch, session_home):
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n/thread\n/quit\n"))
    code, out, err = run_cli("chat", "--offline", "--thread", "chat_named-2")
    assert code == 0, err
    assert err.count("new conversation chat_named-2") == 1 and "resume with `alloygan chat --thread chat_named-2`" in out

    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    code, _, err = run_cli("chat", "--offline", "--thread", "chat_named-2")
    assert code == 0 and "new conversation" not in err
    assert _listed(run_cli)["chat_named-2"]["user_turns"] == 1


def test_an_empty_or_missing_store_lists_nothing_and_creates_nothing(run_cli, fresh_home):
    code, out, err = run_cli("threads", "list")
    assert code == 0, err
    assert "No conversations yet" in out and "alloygan ask --thread NAME" in out
    code, out, _ = run_cli("threads", "list", "--json")
    assert code == 0 and json.loads(out) == []
    assert not (fresh_home / "conversations.sqlite").exists()

    sqlite3.connect(fresh_home / "conversations.sqlite").close()  # a file no conversation was written to
    code, out, _ = run_cli("threads", "list")
    assert code == 0 and "No conversations yet" in out
    assert (fresh_home / "conversations.sqlite").stat().st_size == 0

    code, _, err = run_cli("threads", "show", "nope")
    assert code == 2 and err.startswith("error: threads show nope: no conversation with that id")


def test_the_store_listing_counts_turns_and_shortens_the_last_message(offline_assistant, tmp_path):
    from alloygan.agent.threads import LAST_MESSAGE_CHARS, conversation_exchanges, list_conversations
    from alloygan.models.constraints import PropertyRange
    from alloygan.models.design.goal import DesignGoal

    assert offline_assistant.open_thread("first") is True
    offline_assistant.turn("hello", "first")
    offline_assistant.turn("hello again", "first")
    long_message = "what " + "very " * 30 + "long message"
    offline_assistant.turn(long_message, "second")
    assert offline_assistant.open_thread("first") is False
    goal = DesignGoal(base_element="Zr", excluded_elements=["Ag"], constraints=[PropertyRange(property="Trg", min=0.6)])
    offline_assistant.graph.update_state({"configurable": {"thread_id": "second"}},
                                         {"goal": goal.model_dump(mode="json")}, as_node="over_budget")

    rows = list_conversations(tmp_path / "conversations.sqlite")
    assert [(r.thread, r.user_turns) for r in rows] == [("second", 1), ("first", 2)]
    shortened = rows[0].last_message
    assert shortened.startswith("what very") and shortened.endswith(" …") and len(shortened) <= LAST_MESSAGE_CHARS
    assert rows[0].goal == goal.describe() and rows[0].goal.startswith("Zr-based; Trg >= 0.6; without Ag")
    assert rows[1].last_message == "hello again" and rows[1].goal == "" and rows[1].updated_at

    exchanges = conversation_exchanges("first", tmp_path / "conversations.sqlite")
    assert [role for role, _ in exchanges] == ["user", "assistant", "user", "assistant"]
    assert exchanges[0][1] == "hello" and "Words I did not understand" in exchanges[1][1]


def test_the_conversation_result_is_published():
    from alloygan.tools.results import RESULT_MODELS, Conversation

    assert RESULT_MODELS["conversation"] is Conversation
    row = Conversation(thread="t", user_turns=1, goal="", last_message="hi", updated_at=None)
    assert row.to_json() == row.csv_row() == {"thread": "t", "user_turns": 1, "goal": "", "last_message": "hi",
                                               "updated_at": None}
