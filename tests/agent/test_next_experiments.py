"""'What should I cast next?' through the assistant: the grammar routes it to suggest_experiments with the batch
and acquisition the words name, the answer lists the logged batch with reasons, and a follow-up refines it."""
from __future__ import annotations

import pytest

from alloygan.agent.planners.offline import asks_for_change, route


@pytest.mark.parametrize("text, args", [
    ("what should I cast next for Zr-based glass with the highest Trg?",
     {"batch": 5, "acquisition": "EI", "request": "Zr-based glass with the highest Trg"}),
    ("suggest the next 3 experiments for Cu-based glass with gamma>0.42 using UCB",
     {"batch": 3, "acquisition": "UCB", "request": "Cu-based glass with gamma>0.42"}),
    ("Which alloys should we make next towards the lowest Tl in Pd-based glasses, Thompson sampling",
     {"batch": 5, "acquisition": "thompson", "request": "lowest Tl in Pd-based glasses"}),
    ("next 4 experiments, greedy", {"batch": 4, "acquisition": "greedy"}),
    ("what should I cast next?", {"batch": 5, "acquisition": "EI"}),
])
def test_the_grammar_routes_next_experiment_requests(text, args):
    calls = route(text, None)
    assert [c["name"] for c in calls] == ["suggest_experiments"] and calls[0]["args"] == args


def test_suggesting_is_a_change_the_user_must_ask_for():
    # it logs the batch: a model (or a document) may not call it unless the user's words ask for next experiments
    assert asks_for_change("what should I cast next for Zr glass?", "suggest_experiments")
    assert not asks_for_change("find Zr-based glass with Trg>0.6", "suggest_experiments")
    assert route("find Zr-based glass with Trg>0.6", None)[0]["name"] == "design_alloys"
    assert route("predict Zr65Cu17.5Ni10Al7.5 next", None)[0]["name"] == "predict_properties"


def test_the_assistant_suggests_logs_and_refines(trained_copy, tmp_path):
    from alloygan.agent.assistant import Assistant
    from alloygan.tools.experiments import list_suggestions

    assistant = Assistant(planner="offline", checkpoint_path=tmp_path / "conversations.sqlite")
    try:
        result = assistant.turn("what should I cast next for Zr-based glass with Trg>0.6 avoiding Ag? 2 experiments",
                                "lab")
        assert result.tools == ["suggest_experiments"], result.answer
        logged = list_suggestions()
        assert len(logged) == 2, [(s.id, s.thread, s.acquisition, s.created_at, s.goal_text) for s in logged]
        assert len(logged) == 2 and {s.acquisition for s in logged} == {"EI"} and {s.thread for s in logged} == {"lab"}
        for s in logged:
            assert f"[#{s.id}]" in result.answer and s.formula in result.answer and s.reason in result.answer
        assert "Next 2 experiments for the highest Trg" in result.answer and "best measured: Zr" in result.answer
        # a follow-up without a family refines the conversation's goal
        result = assistant.turn("next 2 experiments with UCB", "lab")
        assert result.tools == ["suggest_experiments"]
        assert "without Ag" in result.answer and "(UCB over" in result.answer
        assert {s.acquisition for s in list_suggestions()} == {"EI", "UCB"}
    finally:
        assistant.close()


def test_the_llm_reads_unread_goal_words_of_a_next_experiment_request(trained_copy, scripted_assistant):
    import json

    from langchain_core.messages import AIMessage

    from alloygan.tools.experiments import list_suggestions

    refined = {"base_element": "Zr", "excluded_elements": ["Ag"], "objective": {"property": "gamma", "maximise": True}}
    assistant, model = scripted_assistant(AIMessage(json.dumps(refined)),
                                          AIMessage("These are the next experiments, with the reasons below."))
    result = assistant.turn("what should I cast next for Zr-based glass avoiding Ag, with gamma pushed up as far as "
                            "it goes? 2 experiments", "llm-next")
    assert result.tools == ["suggest_experiments"], result.answer
    assert "pushed up as far as it goes" in model.received[0][-1].text  # the model was asked about those words
    assert "Next 2 experiments for the highest gamma" in result.answer
    logged = list_suggestions()
    assert len(logged) == 2 and all("gamma" in s.reason and "Ag" not in s.composition for s in logged)
    assert all(s.goal["objective"] == {"property": "gamma", "maximise": True} for s in logged)
