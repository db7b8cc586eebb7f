"""The offline planner's routing: the same tool calls an LLM would emit, from deterministic rules."""
from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from alloygan.agent.planners.offline import OfflinePlanner, is_follow_up, route

ZR_GOAL = {"base_element": "Zr", "excluded_elements": ["Ag"], "constraints": [{"property": "Trg", "min": 0.6}],
           "required_elements": [], "n_candidates": 10, "seed": 0}


def _only(calls):
    assert len(calls) == 1
    return calls[0]["name"], calls[0]["args"]


@pytest.mark.parametrize("text, tool, args", [
    ("find Zr-based glass with Trg>0.6 avoiding Ag", "design_alloys",
     {"request": "find Zr-based glass with Trg>0.6 avoiding Ag", "refine": False}),
    ("predict Zr65Cu17.5Ni10Al7.5 and Cu46Zr46Al8", "predict_properties",
     {"formulas": ["Zr65Cu17.5Ni10Al7.5", "Cu46Zr46Al8"]}),
    ("what are the properties of Cu46Zr46Al8?", "predict_properties", {"formulas": ["Cu46Zr46Al8"]}),
    ("describe Cu46Zr46Al8 and its cost", "describe_alloy", {"formulas": ["Cu46Zr46Al8"]}),
    ("search the literature for Zr-based glasses with high Trg", "search_literature",
     {"query": "Zr-based glasses with high Trg", "k": 5}),
    ("list known Cu alloys with Al and Trg>0.62", "query_alloys",
     {"base": "Cu", "require": ["Al"], "exclude": [], "where": "Trg>0.62", "limit": 10}),
    ("log the top 3", "log_experiment_suggestion", {"ranks": [1, 2, 3]}),
    ("retrain the models for Zr", "train_models", {"family": "Zr"}),
])
def test_routing(text, tool, args):
    assert _only(route(text, None)) == (tool, args)


def test_follow_ups_refine_the_current_goal():
    follow_up = "now also avoid Be and keep cost under $25/kg"
    assert is_follow_up(follow_up, ZR_GOAL) and not is_follow_up(follow_up, None)
    assert _only(route(follow_up, ZR_GOAL)) == ("design_alloys", {"request": follow_up, "refine": True})
    assert _only(route("top 5 please", ZR_GOAL))[1]["refine"] is True
    # naming a family without a follow-up word starts a new goal
    assert _only(route("find Cu-based glass with gamma>0.41", ZR_GOAL))[1]["refine"] is False


def test_what_cannot_be_routed_gets_the_list_of_what_it_can_do():
    assert route("hello there", None) == []
    update = OfflinePlanner()({"messages": [HumanMessage("hello there")]})
    answer = update["messages"][0]
    assert not answer.tool_calls and "Words I did not understand: hello there." in answer.text
    assert "design alloys for a goal" in answer.text and "predict properties" in answer.text


def test_a_design_request_the_grammar_rejects_still_goes_to_the_tool_which_explains():
    name, args = _only(route("find Zr-based glass avoiding Zr", None))
    assert name == "design_alloys" and args["request"] == "find Zr-based glass avoiding Zr"
