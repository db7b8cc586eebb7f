"""The graph end to end with a scripted tool-calling chat model (the real tools, the real checkpointer)."""
from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, SystemMessage, ToolMessage

from alloygan.agent.assistant import Assistant, TurnCancelled
from alloygan.tools.settings import AgentSettings
from tests.agent.conftest import last_tool_result, tool_call
from alloygan.tools.errors import ToolInputError

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag, top 3"
FOLLOW_UP = "now also avoid Be and keep cost under $25/kg"
KNOWN = "Zr65Cu17.5Ni10Al7.5"


def _grounded_design_answer(messages) -> AIMessage:
    data = json.loads(last_tool_result(messages).text)
    best = data["candidates"][0]
    return AIMessage(f"The best candidate is {best['formula']}: Trg {best['Trg']['mean']:.3f} ± {best['Trg']['std']:.3f} "
                     f"(1σ), Tg {best['Tg']['mean']:.0f} K, P(goal) {best['p_meets_goal']:.2f}, "
                     f"{best['cost_usd_per_kg']:.1f} USD/kg; {data['stats']['returned']} candidates in all.")


def test_llm_planner_designs_and_refines_through_the_graph(scripted_assistant):
    assistant, model = scripted_assistant(
        AIMessage("", tool_calls=[tool_call("design_alloys", request=GOAL)]),
        _grounded_design_answer,
        AIMessage("", tool_calls=[tool_call("design_alloys", "call_2", request=FOLLOW_UP)]),
        _grounded_design_answer,
    )
    assert {t.name for t in model.bound_tools} >= {
        "search_literature", "extract_alloy_data", "query_alloys", "describe_alloy", "predict_properties",
        "train_models", "design_alloys", "log_experiment_suggestion", "record_experiment_result"}
    first = assistant.turn(GOAL, "t1")
    assert first.answered_by == "llm" and first.tools == ["design_alloys"]
    assert first.answer.startswith("The best candidate is ")
    assert first.goal.base_element == "Zr" and first.goal.excluded_elements == ["Ag"]
    assert len(first.design.candidates) == 3 and first.design.candidates[0].nearest_known[0].source.document
    assert first.goal == first.design.goal and str(first.goal.constraint("Trg").describe()) == "Trg > 0.6"
    assert first.usage == {"input_tokens": 200, "output_tokens": 40, "total_tokens": 240, "llm_calls": 2}
    # the model saw a compact result: every number of a candidate, but no source lists
    seen = json.loads(last_tool_result(model.received[1]).text)
    assert "sources" not in json.dumps(seen) and len(seen["candidates"][0]["nearest_known"]) <= 2
    assert {"Tg", "Tx", "Tl", "Trg", "gamma", "dTx", "p_meets_goal", "cost_usd_per_kg"} <= set(seen["candidates"][0])

    second = assistant.turn(FOLLOW_UP, "t1")
    assert second.answered_by == "llm"
    assert second.goal.excluded_elements == ["Ag", "Be"] and second.goal.max_cost_usd_per_kg == 25
    assert second.goal.constraints[0].property == "Trg" and second.goal.n_candidates == 3
    assert second.goal.constraint("Trg").describe() == "Trg > 0.6"  # the strict bound survives the state
    system = model.received[2][0]
    assert isinstance(system, SystemMessage) and '"excluded_elements": ["Ag"]' in system.text
    assert all("Ag" not in c.composition and "Be" not in c.composition for c in second.design.candidates)


def test_an_invented_number_is_replaced_by_the_tool_summary(scripted_assistant):
    assistant, _ = scripted_assistant(
        AIMessage("", tool_calls=[tool_call("predict_properties", formulas=[KNOWN])]),
        AIMessage(f"{KNOWN} has Tg of about 712 K and a Trg of 0.987, an excellent glass former."),
    )
    result = assistant.turn(f"what are the properties of {KNOWN}?", "t")
    assert result.answered_by.startswith("offline")
    assert "0.987" in result.answer and "replaced" in result.answer  # says what was wrong
    assert f"{KNOWN} (known, measured; " in result.answer  # a known alloy: its measurements, not the model's
    stored = assistant.values("t")["messages"][-1]
    assert stored.text == result.answer  # the conversation keeps the checked answer, not the invented one


def test_a_grounded_answer_may_round_and_quote_the_user(scripted_assistant):
    def answer(messages):
        data = json.loads(last_tool_result(messages).text)["predictions"][0]
        return AIMessage(f"Predicted Tg ≈ {data['Tg']['mean']:.0f} K (±2σ band), Trg {data['Trg']['mean']:.2f}; "
                         "you asked for Trg above 0.6.")
    assistant, _ = scripted_assistant(
        AIMessage("", tool_calls=[tool_call("predict_properties", formulas=[KNOWN])]), answer)
    result = assistant.turn(f"predict {KNOWN}; I need Trg above 0.6", "t")
    assert result.answered_by == "llm" and "replaced" not in result.answer


def test_a_tool_failure_is_a_message_the_planner_can_act_on(scripted_assistant):
    def react(messages):
        failed = last_tool_result(messages)
        assert failed.status == "error" and failed.text.startswith("error: ")
        assert "both required (or the base) and excluded" in failed.text
        return AIMessage("Zr cannot be both the base and excluded; drop one of them.")

    request = "find Zr-based glass avoiding Zr"
    assistant, _ = scripted_assistant(AIMessage("", tool_calls=[tool_call("design_alloys", request=request)]), react)
    result = assistant.turn(request, "t")
    assert result.answered_by == "llm" and "drop one" in result.answer
    assert result.design is None and result.goal is None


def test_the_tool_call_budget_ends_the_turn(scripted_assistant):
    calls = [AIMessage("", tool_calls=[tool_call("predict_properties", f"c{i}", formulas=[KNOWN])]) for i in range(3)]
    assistant, model = scripted_assistant(*calls, config=AgentSettings(max_tool_calls=2))
    result = assistant.turn(f"predict {KNOWN}", "t")
    assert "budget of 2 tool calls" in result.answer and result.answered_by.startswith("offline")
    assert len(model.received) == 3 and model.replies == []
    messages = assistant.values("t")["messages"]
    skipped = [m for m in messages if isinstance(m, ToolMessage) and "not run" in m.text]
    assert [m.tool_call_id for m in skipped] == ["c2"]  # every tool call has its answer: the thread stays valid


def test_the_recursion_limit_stops_a_looping_planner(scripted_assistant):
    calls = [AIMessage("", tool_calls=[tool_call("predict_properties", f"c{i}", formulas=[KNOWN])]) for i in range(10)]
    assistant, _ = scripted_assistant(*calls, config=AgentSettings(max_tool_calls=50, recursion_limit=4))
    result = assistant.turn(f"predict {KNOWN}", "t")
    assert "Stopped after 4 steps" in result.answer
    last = assistant.values("t")["messages"][-1]
    assert isinstance(last, AIMessage) and not last.tool_calls


def test_an_unreachable_llm_falls_back_to_the_offline_planner(scripted_assistant):
    assistant, _ = scripted_assistant(ConnectionError("connection refused"), ConnectionError("connection refused"))
    result = assistant.turn(f"predict {KNOWN}", "t")
    assert result.tools == ["predict_properties"]
    assert f"{KNOWN} (known, measured; " in result.answer and "could not be reached" in result.answer
    assert "LLM unavailable" in result.answered_by


def test_ctrl_c_cancels_the_turn_and_the_thread_stays_usable(scripted_assistant):
    assistant, _ = scripted_assistant(KeyboardInterrupt(), AIMessage("Hello; state a design goal."))
    with pytest.raises(TurnCancelled):
        assistant.turn("hello", "t")
    assert "cancelled" in assistant.values("t")["messages"][-1].text
    assert assistant.turn("hello again", "t").answer == "Hello; state a design goal."


def test_offline_conversation_is_checkpointed_and_resumed(tmp_path):
    from alloygan.tools.results import DesignAnswer

    path = tmp_path / "conversations.sqlite"
    with Assistant(planner="offline", checkpoint_path=path) as assistant:
        first = assistant.turn("find Zr-based glass with Trg>0.6 avoiding Ag, top 2", "abc")
        assert first.answered_by == "offline" and first.tools == ["design_alloys"]
        assert "Predictions are forward-model mean ± 1σ" in first.answer
    with Assistant(planner="offline", checkpoint_path=path) as resumed:
        assert resumed.require_thread("abc") == "abc"
        assert resumed.current_goal("abc") == first.goal and resumed.last_design("abc") == first.design
        assert first.goal.excluded_elements == ["Ag"] and len(first.design.candidates) == 2
        # the tool message's artifact comes back from the checkpoint as the result's dump, and validates to it
        stored = next(m for m in resumed.values("abc")["messages"] if isinstance(m, ToolMessage))
        assert DesignAnswer.model_validate(stored.artifact) == first.design
        second = resumed.turn(FOLLOW_UP, "abc")
        assert second.goal.excluded_elements == ["Ag", "Be"] and second.goal.max_cost_usd_per_kg == 25
        with pytest.raises(ToolInputError, match="no conversation"):
            resumed.require_thread("nope")


def test_an_unexpected_tool_failure_or_bad_arguments_are_messages_the_planner_reads(scripted_assistant, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("alloygan.tools.prediction.predict_properties", boom)
    seen = []

    def react(messages):
        seen.append(last_tool_result(messages))
        return AIMessage("The prediction failed; try again later.")

    assistant, _ = scripted_assistant(
        AIMessage("", tool_calls=[tool_call("query_alloys", base="Zr", colour="red")]),
        AIMessage("", tool_calls=[tool_call("predict_properties", "call_2", formulas=[KNOWN])]), react)
    result = assistant.turn(f"predict {KNOWN}", "t")
    assert result.answer == "The prediction failed; try again later." and result.tools == ["query_alloys",
                                                                                           "predict_properties"]
    invalid, failed = [m for m in assistant.values("t")["messages"] if isinstance(m, ToolMessage)]
    assert invalid.status == "error" and "invalid arguments (colour: Extra inputs are not permitted)" in invalid.text
    assert failed.status == "error" and "failed unexpectedly (RuntimeError: disk on fire)" in failed.text


def test_logging_through_the_graph_uses_the_conversations_design_and_thread(offline_assistant, fresh_home):
    from tests.agent.conftest import synthetic_design
    from alloygan.tools.experiments import list_suggestions

    design = synthetic_design(3)
    state = design.to_json()
    offline_assistant.graph.update_state({"configurable": {"thread_id": "lab"}},
                                         {"design": state, "goal": state["goal"]}, as_node="tools")
    result = offline_assistant.turn("log the top 2", "lab")
    assert result.tools == ["log_experiment_suggestion"] and "Logged 2 experiment suggestions: #1 Zr50Cu40Al10" in result.answer
    assert [(s.design_rank, s.thread) for s in list_suggestions()] == [(1, "lab"), (2, "lab")]
