"""The graph end to end with the offline planner (the real tools, the real checkpointer); the LLM planner's
turns are in test_llm_planner.py."""
from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage

from alloygan.agent.assistant import Assistant
from alloygan.tools.errors import ToolInputError

FOLLOW_UP = "now also avoid Be and keep cost under $25/kg"


def test_offline_conversation_is_checkpointed_and_resumed(tmp_path):
    from alloygan.tools.results import DesignAnswer

    path = tmp_path / "conversations.sqlite"
    with Assistant(planner="offline", checkpoint_path=path) as assistant:
        first = assistant.turn("find Zr-based glass with Trg>0.6 avoiding Ag, top 2", "abc")
        assert first.answered_by == "offline" and first.tools == ["design_alloys"]
        assert "Predictions are forward-model mean ± 1σ" in first.answer
    with Assistant(planner="offline", checkpoint_path=path) as resumed:
        assert resumed.open_thread("abc") is False  # stored: continued
        assert resumed.current_goal("abc") == first.goal and resumed.last_design("abc") == first.design
        assert first.goal.excluded_elements == ["Ag"] and len(first.design.candidates) == 2
        # the tool message's artifact comes back from the checkpoint as the result's dump, and validates to it
        stored = next(m for m in resumed.values("abc")["messages"] if isinstance(m, ToolMessage))
        assert DesignAnswer.model_validate(stored.artifact) == first.design
        second = resumed.turn(FOLLOW_UP, "abc")
        assert second.goal.excluded_elements == ["Ag", "Be"] and second.goal.max_cost_usd_per_kg == 25
        assert resumed.open_thread("nope") is True  # a new name starts a conversation
        with pytest.raises(ToolInputError, match="a conversation name is"):
            resumed.open_thread("no pe")



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
