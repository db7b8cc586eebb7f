"""`alloygan ask`, `chat` and `batch` with the offline planner (the acceptance path, no LLM)."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from langchain_core.messages import AIMessage
from rich.console import Console

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"
FOLLOW_UP = "now also avoid Be and keep cost under $25/kg"


pytestmark = pytest.mark.usefixtures("no_llm")


@pytest.mark.slow  # end to end: two turns of `ask`, each a full design
def test_ask_answers_with_ranked_candidates_and_continues_a_thread(run_cli):
    code, out, err = run_cli("ask", GOAL + ", top 3")
    assert code == 0, err
    assert "offline planner" in err and "no LLM configured" in err
    assert "3 candidates (" in out and out.count("P(goal)") >= 3 and "Nearest known alloys" in out
    thread = re.search(r"continue with: alloygan ask --thread (\w+)", out).group(1)

    code, out, err = run_cli("ask", "--json", "--thread", thread, FOLLOW_UP)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"answer", "answered_by", "llm_text", "llm_model", "goal", "candidates", "thread"}
    assert data["thread"] == thread and data["answered_by"] == "offline" and data["llm_text"] is None
    assert data["goal"]["excluded_elements"] == ["Ag", "Be"] and data["goal"]["max_cost_usd_per_kg"] == 25
    assert len(data["candidates"]) == 3 and data["candidates"][0]["nearest_known"][0]["source"]["document"]
    assert "Goal: Zr-based" in data["answer"] and " 1. " in data["answer"]


@pytest.mark.parametrize("args, message", [
    (("ask", "--thread", "no such thread", "hello"), "--thread 'no such thread': a conversation name is 1-64"),
    (("ask", "  "), "the request is empty"),
    (("ask", "--frobnicate", "x"), "No such option"),
    (("chat", "--thread", "nope/"), "letters, digits, '_', '-' and '.'"),
])
def test_bad_input_is_one_line_and_exit_2(run_cli, args, message):
    code, out, err = run_cli(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_chat_holds_the_follow_up_through_a_pipe(run_cli, monkeypatch, trained_copy):  # it logs: its own home
    script = [GOAL + ", top 3", FOLLOW_UP, "/goal", "/candidates", "/log 1 2", "/bogus", "hello", "/help", "/quit",
              "never read"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(script) + "\n"))
    code, out, err = run_cli("chat")
    assert code == 0, err
    assert "offline planner" in out and "» " + FOLLOW_UP in out
    # "Trg>0.6" stays strict through the conversation's state (it read "Trg >= 0.6" once the goal was a dict)
    goal_line = "Zr-based; Trg > 0.6; without Ag, Be; cost <= 25 USD/kg; 3 candidates, seed 0"
    assert out.count(goal_line) >= 3  # the follow-up's table, /goal and /candidates
    assert "2 experiment suggestions logged" in out
    assert "unknown command /bogus" in out and "Words I did not understand: hello" in out
    assert "/candidates        the last table of candidates" in out  # /help
    assert "never read" not in out
    thread = re.search(r"resume with `alloygan chat --thread (\w+)`", out).group(1)

    monkeypatch.setattr("sys.stdin", io.StringIO("/goal\n"))  # EOF after it also leaves
    code, out, _ = run_cli("chat", "--thread", thread)
    assert code == 0 and goal_line in out


def test_ctrl_c_in_chat_cancels_the_turn_not_the_session(scripted_assistant):
    from alloygan.agent.repl import ChatSession

    assistant, _ = scripted_assistant(KeyboardInterrupt(), AIMessage("Hello! State a design goal."))
    inputs = iter([KeyboardInterrupt(), "hello", "hello again", EOFError()])

    def read() -> str:
        item = next(inputs)
        if isinstance(item, BaseException):
            raise item
        return item

    screen = io.StringIO()
    assert ChatSession(assistant, "t", Console(file=screen, width=120), read).run() == 0
    shown = screen.getvalue()
    assert "turn cancelled" in shown and "Hello! State a design goal." in shown


BATCH = """
- find Zr-based glass with Trg>0.6 avoiding Ag, top 2
- id: contradictory
  goal: Zr-based glass avoiding Zr
- id: structured
  base_element: Zr
  excluded_elements: [Be, Ag]
  constraints: [{property: Trg, min: 0.58}]
  n_candidates: 2
- goal: Zr-based glass with gamma > 0.4 frobnicate
  n_candidates: 2
"""


def test_batch_reports_a_bad_goal_runs_the_rest_and_resumes(run_cli, tmp_path):
    goals, out_dir = tmp_path / "goals.yaml", tmp_path / "out"
    goals.write_text(BATCH)
    code, out, err = run_cli("batch", str(goals), "--out", str(out_dir))
    assert code == 1, err  # one goal failed
    assert "contradictory: failed" in out and "4 goals: 4 run, 0 skipped, 1 failed" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "contradictory.json", "goal-01.json", "goal-04.json", "structured.json", "summary.csv"]
    rows = list(csv.DictReader((out_dir / "summary.csv").open()))
    assert [(r["id"], r["status"]) for r in rows] == [
        ("goal-01", "ok"), ("contradictory", "failed"), ("structured", "ok"), ("goal-04", "ok")]
    assert "both required (or the base) and excluded" in rows[1]["error"]
    assert rows[3]["not_understood"] == "frobnicate" and rows[0]["best_formula"]
    structured = json.loads((out_dir / "structured.json").read_text())
    assert structured["goal"]["excluded_elements"] == ["Be", "Ag"] and len(structured["candidates"]) == 2
    assert all("Be" not in c["composition"] for c in structured["candidates"])

    code, out, _ = run_cli("batch", str(goals), "--out", str(out_dir))
    assert code == 1 and "4 goals: 1 run, 3 skipped, 1 failed" in out  # only the failed goal is retried

    goals.write_text(BATCH.replace("avoiding Zr", "avoiding Be"))  # fix the bad entry
    code, out, _ = run_cli("batch", str(goals), "--out", str(out_dir), "--json")
    assert code == 0
    assert [r["status"] for r in json.loads(out)] == ["ok"] * 4


@pytest.mark.parametrize("content, message", [
    ("- Zr-based glass\n- id: x\n  goal: Cu glass\n  colour: red\n", "entry 2 (id x): unknown key 'colour'"),
    ("- [unclosed\n", "not valid YAML"),
    ("goal: Zr glass\n", "expected a non-empty list of goals"),
    ("- id: a\n  goal: Zr glass\n- id: a\n  goal: Cu glass\n", "entry 2: id a is also the id of entry 1"),
    ("- 42\n", "entry 1: a goal is a string or a mapping, not int"),
    ("- id: ../escape\n  goal: Zr glass\n", "id must be 1-64 letters"),
])
def test_a_bad_goals_file_is_one_line_exit_2_and_writes_nothing(run_cli, tmp_path, content, message):
    goals, out_dir = tmp_path / "goals.yaml", tmp_path / "out"
    goals.write_text(content)
    code, out, err = run_cli("batch", str(goals), "--out", str(out_dir))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out_dir.exists()


def test_an_unexpected_error_in_one_goal_does_not_stop_the_batch(run_cli, tmp_path, monkeypatch):
    import alloygan.tools.design

    real = alloygan.tools.design.design_alloys

    def flaky(asked, **kwargs):  # the batch passes the parse of each goal's words
        if asked.goal.base_element == "Cu":
            raise RuntimeError("simulated bug")
        return real(asked, **kwargs)

    monkeypatch.setattr(alloygan.tools.design, "design_alloys", flaky)
    goals = tmp_path / "goals.yaml"
    goals.write_text("- Cu-based glass, 2 candidates\n- Zr-based glass with Trg>0.6, 2 candidates\n")
    code, out, _ = run_cli("batch", str(goals), "--out", str(tmp_path / "out"), "--json")
    assert code == 1
    assert [(r["status"], r["error"]) for r in json.loads(out)] == [
        ("failed", "unexpected error (RuntimeError: simulated bug)"), ("ok", "")]
    assert "raise RuntimeError" in json.loads((tmp_path / "out" / "goal-01.json").read_text())["traceback"]


def test_a_missing_goals_file_or_an_unusable_out_is_one_line_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("batch", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.yaml'}: no such goals file"
    goals = tmp_path / "goals.yaml"
    goals.write_text("- Zr-based glass\n")
    code, _, err = run_cli("batch", str(goals), "--out", str(goals))
    assert code == 2 and "exists and is not a directory" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_batch_reads_json_too(run_cli, tmp_path):
    goals = tmp_path / "goals.json"
    goals.write_text(json.dumps([{"id": "bad", "goal": "Zr glass", "n_candidates": "ten"}]))
    code, out, err = run_cli("batch", str(goals), "--out", str(tmp_path / "o"), "--json")
    assert code == 1
    assert json.loads(out)[0]["error"].startswith("n_candidates:")
