"""The LLM planner through the real ChatOpenAI client against a scripted OpenAI-compatible server on 127.0.0.1."""
from __future__ import annotations

import json

import pytest

KNOWN = "Zr65Cu17.5Ni10Al7.5"
LLM_VARIABLES = ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY")


@pytest.fixture
def server(llm_env):
    return llm_env


def _tool_call(call_id: str, name: str, **args) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


def test_ask_runs_the_llm_planner_over_the_openai_wire_format(server, run_cli):
    from alloygan.tools.prediction import predict_properties

    expected = predict_properties([KNOWN])[0]
    answer = (f"{KNOWN} is a known glass: Tg {expected.Tg.mean:.0f} K and Trg {expected.Trg.mean:.3f} "
              f"± {expected.Trg.std:.3f}.")
    server.replies = [{"content": answer}]
    code, out, err = run_cli("ask", "--json", f"what are the properties of {KNOWN}?")
    assert code == 0, err
    data = json.loads(out)
    assert data["answer"].startswith(answer) and data["llm_text"] == answer and data["answered_by"] == "llm"
    assert data["llm_model"] == "scripted-model" and data["candidates"] == [] and data["thread"]
    assert f"{KNOWN} (known, measured; " in data["answer"]  # the computed result, written by code, below the prose
    assert "LLM planner (scripted-model at http://127.0.0.1:" in err
    # the grammar ran the prediction first; the model was asked once, with its result
    [(path, body)] = server.requests
    assert path == "/v1/chat/completions" and body["model"] == "scripted-model"
    assert body["max_tokens"] == 512 and "max_completion_tokens" not in body and body["tool_choice"] == "auto"
    tools = {t["function"]["name"]: t["function"] for t in body["tools"]}
    assert set(tools) == {"design_alloys", "predict_properties", "query_alloys", "describe_alloy", "search_literature"}
    assert set(tools["design_alloys"]["parameters"]["properties"]) == {"request", "goal", "refine"}  # state hidden
    assert "max_cost_usd_per_kg" in tools["design_alloys"]["description"]
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "tool"] and "alloygan" in body["messages"][0]["content"]
    assert body["messages"][1] == {"role": "user", "content": f"what are the properties of {KNOWN}?"}
    call, result = body["messages"][2:]
    assert call["content"] == "" and call["tool_calls"][0]["function"]["name"] == "predict_properties"
    assert result["tool_call_id"] == call["tool_calls"][0]["id"]
    assert json.loads(result["content"])["predictions"][0]["formula"] == KNOWN


def test_an_invented_number_over_the_wire_is_replaced(server, run_cli):
    server.replies = [{"content": f"{KNOWN} has a critical casting thickness of 73 mm."}]
    code, out, err = run_cli("ask", f"how thick can {KNOWN} be cast?")
    assert code == 0, err
    assert f"{KNOWN} (known, measured; " in out and "casting thickness" not in out
    assert out.count("answered by: llm replaced: it stated numbers no tool computed this turn (73)") == 1
    assert "tokens this turn: 10 in, 10 out (1 LLM calls)" in out


def test_the_llm_endpoint_can_come_from_the_settings_file(fresh_home, monkeypatch):
    from alloygan.agent.assistant import Assistant
    from alloygan.tools.settings import reload_settings

    for name in LLM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with Assistant(checkpoint_path=fresh_home / "c.sqlite") as assistant:
        assert assistant.planner_kind == "offline" and "no LLM configured" in assistant.description
    fresh_home.mkdir(parents=True, exist_ok=True)
    (fresh_home / "llm.env").write_text("ALLOYGAN_LLM_BASE_URL=http://127.0.0.1:9/v1\nALLOYGAN_LLM_MODEL=llama3.1\n")
    reload_settings()  # settings are read once; a file written after that is read on reload (or in the next process)
    with Assistant(checkpoint_path=fresh_home / "c.sqlite") as assistant:
        assert assistant.planner_kind == "llm" and assistant.description.startswith("LLM planner (llama3.1 at http://127.0.0.1:9/v1")
    with Assistant(planner="offline", checkpoint_path=fresh_home / "c.sqlite") as assistant:
        assert assistant.planner_kind == "offline" and "configured but not used" in assistant.description


def test_a_model_name_the_server_does_not_serve_is_said(server, run_cli):
    server.models = ["smollm2"]  # llama.cpp answers under any name; its model list says what it serves
    server.replies = [{"content": "Hello."}]
    code, out, err = run_cli("ask", "hello")
    assert code == 0, err
    assert "warning: the server lists smollm2, not scripted-model" in " ".join(err.split())
    server.models = ["scripted-model"]
    server.replies = [{"content": "Hello."}]
    code, out, err = run_cli("ask", "hello")
    assert code == 0 and "warning" not in err
