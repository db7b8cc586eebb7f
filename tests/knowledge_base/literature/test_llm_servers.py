"""Our chat client against the recorded answers of the servers labs run (vLLM, Ollama, llama.cpp), through a strict
scripted server that rejects what those servers reject (tests/openai_server.py, tests/data/llm_wire)."""
from __future__ import annotations

import json
import socket

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from alloygan.knowledge_base.literature.errors import LLMEndpointError
from alloygan.knowledge_base.literature.llm_client import call_llm, chat_model_from_settings
from alloygan.knowledge_base.literature.llm_settings import LLMSettings
from tests.openai_server import STREAMED_TOOL_CALL, WIRE_FIXTURES, ScriptedOpenAIServer, strict_violations, wire_fixture

TOOL_CALLS = {"vllm": "vllm_tool_calls", "ollama": "ollama_tool_calls", "llama.cpp": "llama_cpp_chatml_function_calling"}
PLAIN = {"vllm": "vllm_plain", "ollama": "ollama_plain", "llama.cpp": "llama_cpp_default"}
ERRORS = ["llama_cpp_error_500", "llama_cpp_error_400_context", "ollama_error_404", "vllm_error_400_context"]
REQUEST = [SystemMessage("You design metallic glasses with the tools."),
           HumanMessage("find Zr-based glass with Trg>0.6 avoiding Ag")]


@tool
def design_alloys(base: str, min_trg: float, exclude: list[str]) -> str:
    """Design glass-forming alloys on a base element with a least reduced glass-transition temperature, avoiding
    the excluded elements."""
    return "[]"


@pytest.fixture
def strict_server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = ScriptedOpenAIServer(strict=True)
    yield server
    server.close()


def settings_for(server: ScriptedOpenAIServer, **changes) -> LLMSettings:
    return LLMSettings(**{"base_url": server.base_url, "model": "served-model", "max_retries": 0, "timeout": 10,
                          **changes})


def ask(settings: LLMSettings, messages: list):
    """One request the way the planner sends it: tools bound with tool_choice "auto", through `call_llm`."""
    model = chat_model_from_settings(settings).bind_tools([design_alloys], tool_choice="auto")
    return call_llm(lambda timeout: model.invoke(messages, timeout=timeout), settings)


def test_every_fixture_names_its_source_and_what_to_expect():
    names = sorted(path.stem for path in WIRE_FIXTURES.glob("*.json"))
    assert names == sorted([*TOOL_CALLS.values(), *PLAIN.values(), *ERRORS])
    for name in names:
        fixture = wire_fixture(name)
        assert fixture["_source"] and fixture["server"] in TOOL_CALLS and fixture["expect"], name
        assert (fixture["status"] == 200) == ("choices" in fixture["body"]), name


@pytest.mark.parametrize("server_name", sorted(TOOL_CALLS))
def test_tool_calls_parse_and_the_follow_up_passes_strict_validation(strict_server, server_name):
    calls, plain = wire_fixture(TOOL_CALLS[server_name]), wire_fixture(PLAIN[server_name])
    strict_server.replies = [calls, plain]
    settings = settings_for(strict_server)

    answer = ask(settings, REQUEST)
    expected = calls["expect"]
    assert [(c["name"], c["args"], c["id"]) for c in answer.tool_calls] == [
        (c["name"], c["args"], c["id"]) for c in expected["tool_calls"]]
    assert not answer.invalid_tool_calls
    assert answer.text == expected["content"]
    usage = answer.usage_metadata
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == tuple(expected["usage"].values())

    results = [ToolMessage("3 candidates", tool_call_id=call["id"], name=call["name"]) for call in answer.tool_calls]
    final = ask(settings, [*REQUEST, answer, *results])
    assert strict_server.violations == []
    assert final.text == plain["expect"]["content"] and final.tool_calls == []
    assert final.usage_metadata["input_tokens"] == plain["expect"]["usage"]["input_tokens"]

    first, follow_up = (body for _, body in strict_server.requests)
    for body in (first, follow_up):
        assert body["max_tokens"] == settings.max_tokens and "max_completion_tokens" not in body
        assert body["tool_choice"] == "auto" and [t["function"]["name"] for t in body["tools"]] == ["design_alloys"]
    sent_answer, sent_result = follow_up["messages"][2:]
    assert sent_answer["role"] == "assistant" and sent_answer["content"] == ""
    assert [c["id"] for c in sent_answer["tool_calls"]] == [c["id"] for c in expected["tool_calls"]]
    assert json.loads(sent_answer["tool_calls"][0]["function"]["arguments"]) == expected["tool_calls"][0]["args"]
    assert sent_result == {"role": "tool", "content": "3 candidates", "tool_call_id": expected["tool_calls"][0]["id"]}


@pytest.mark.parametrize("name", ERRORS)
def test_error_answers_become_one_line_endpoint_errors_and_are_not_retried(strict_server, name):
    fixture = wire_fixture(name)
    strict_server.replies = [fixture, wire_fixture("vllm_plain")]
    settings = settings_for(strict_server, max_retries=3)  # retries are for connection failures only

    with pytest.raises(LLMEndpointError) as error:
        ask(settings, REQUEST)
    message = str(error.value)
    assert "\n" not in message and not error.value.timed_out
    assert all(part in message for part in fixture["expect"]["error_contains"]), message
    assert len(strict_server.requests) == 1 and strict_server.violations == []


def test_a_refused_connection_is_retried_max_retries_times(monkeypatch):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LLMSettings(base_url=f"http://127.0.0.1:{port}/v1", model="served-model", max_retries=2, timeout=5)
    attempts = []
    monkeypatch.setattr("alloygan.knowledge_base.literature.llm_client.BACKOFF_SECONDS", 0.01)
    model = chat_model_from_settings(settings)

    def call(timeout: float):
        attempts.append(timeout)
        return model.invoke(REQUEST, timeout=timeout)

    with pytest.raises(LLMEndpointError) as error:
        call_llm(call, settings)
    assert len(attempts) == 3  # the first try and max_retries=2 retries
    assert "cannot reach the LLM" in str(error.value) and "\n" not in str(error.value)


def test_strict_mode_rejects_what_the_servers_reject(strict_server):
    call = {"id": "call_1", "type": "function", "function": {"name": "design_alloys", "arguments": "{}"}}
    broken = {"model": "m", "max_completion_tokens": 512, "tools": [{"type": "function", "function": {
        "name": "design_alloys", "parameters": {}}}], "messages": [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "late"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "content": "x", "tool_call_id": "call_2"},
    ]}
    reasons = " | ".join(reason for _, reason in strict_violations(broken))
    for part in ("system messages at [1]", "not a string", "tool_call_id 'call_2'", "missing ['call_1']",
                 "only max_completion_tokens", "tool_choice None"):
        assert part in reasons
    good = {"model": "m", "max_tokens": 512, "tools": broken["tools"], "tool_choice": "auto", "messages": [
        {"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "x", "tool_call_id": "call_1"}]}
    assert strict_violations(good) == []

    client = openai.OpenAI(base_url=strict_server.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.InternalServerError) as error:  # llama.cpp's answer to a template failure
        client.chat.completions.create(**broken)
    assert error.value.status_code == 500 and error.value.body["type"] == "internal_server_error"
    assert "Input should be a valid string" in error.value.body["message"]
    assert len(strict_server.violations) == 6 and strict_server.violations[0].startswith("request 1: ")
    strict_server.violations.clear()
    with pytest.raises(openai.BadRequestError) as error:  # only an OpenAI-spec rule broken: 400
        client.chat.completions.create(**{key: value for key, value in good.items() if key != "max_tokens"})
    assert error.value.status_code == 400 and "max_tokens is missing" in error.value.body["message"]
    assert strict_server.violations == ["request 2: max_tokens is missing"]
    assert client.chat.completions.create(**good).choices[0].message.content == '{"records": []}'
    assert len(strict_server.violations) == 1


def test_plain_chat_openai_would_break_strict_mode_which_is_why_the_wrapper_exists(strict_server):
    from langchain_openai import ChatOpenAI

    call = {"name": "design_alloys", "args": {"base": "Zr", "min_trg": 0.6, "exclude": ["Ag"]}, "id": "call_1"}
    follow_up = [*REQUEST, AIMessage("", tool_calls=[call]), ToolMessage("3 candidates", tool_call_id="call_1")]
    plain = ChatOpenAI(model="served-model", base_url=strict_server.base_url, api_key="k", max_retries=0,
                       timeout=10, temperature=0, max_tokens=512).bind_tools([design_alloys], tool_choice="auto")
    with pytest.raises(openai.InternalServerError):
        plain.invoke(follow_up)
    body = strict_server.requests[0][1]
    assert body["messages"][2]["content"] is None and body["max_completion_tokens"] == 512 and "max_tokens" not in body
    assert any("not a string" in v for v in strict_server.violations)
    assert any("only max_completion_tokens" in v for v in strict_server.violations)

    strict_server.replies = [wire_fixture("llama_cpp_default")]
    settings = settings_for(strict_server)
    assert ask(settings, follow_up).text == wire_fixture("llama_cpp_default")["expect"]["content"]
    assert len(strict_server.violations) == 2  # the wrapper's request broke no rule


def test_a_streamed_tool_call_is_an_empty_stream_as_llama_cpp_serves_it(strict_server):
    # recorded against llama-cpp-python 0.3.36 (chatml-function-calling): a tool call cannot be streamed
    calls = wire_fixture("llama_cpp_chatml_function_calling")["body"]["choices"][0]["message"]["tool_calls"]
    strict_server.replies = [{"tool_calls": calls}, {"content": "Zr-based candidates follow."}]
    client = openai.OpenAI(base_url=strict_server.base_url, api_key="k", max_retries=0)
    request = {"model": "m", "max_tokens": 64, "tool_choice": "auto", "stream": True,
               "tools": [{"type": "function", "function": {"name": "design_alloys", "parameters": {}}}],
               "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]}
    assert list(client.chat.completions.create(**request)) == []
    assert strict_server.violations == [f"request 1: {STREAMED_TOOL_CALL}"]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in client.chat.completions.create(**request)
                   if chunk.choices)
    assert text == "Zr-based candidates follow." and len(strict_server.violations) == 1  # text streams fine
