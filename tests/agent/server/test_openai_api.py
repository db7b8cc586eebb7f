"""The OpenAI-compatible chat endpoint (/v1/), spoken to by the real `openai` client over HTTP: the assistant's
answer for the last user message, the thread in a header, streaming, OpenAI's error form."""
from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.agent.server.conftest import GOAL


@pytest.fixture(scope="module")
def chat(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server + "/v1", api_key="unused", max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def first_turn(chat):
    """The card's goal as a new conversation: (the parsed completion, the thread header)."""
    raw = chat.chat.completions.with_raw_response.create(model="alloygan", messages=[
        {"role": "system", "content": "You are helpful."}, {"role": "user", "content": GOAL}])
    return raw.parse(), raw.headers["X-Alloygan-Thread"]


def test_models_lists_the_assistant_and_its_planner(chat):
    models = chat.models.list().data

    assert [m.id for m in models] == ["alloygan"]
    assert models[0].model_extra["planner"] == "offline"
    assert chat.models.retrieve("alloygan").id == "alloygan"
    with pytest.raises(openai.NotFoundError):
        chat.models.retrieve("gpt-4o")


def test_a_chat_turn_answers_with_the_candidates_of_the_python_api(first_turn):
    from alloygan.api import design

    completion, thread = first_turn
    expected = [c.formula for c in design(GOAL, seed=0, on_progress=lambda p: None).candidates]

    extra = completion.model_extra["alloygan"]
    assert thread.startswith("web-") and extra["thread"] == thread
    assert [c["formula"] for c in extra["candidates"]] == expected
    assert extra["answered_by"] == "offline" and extra["tools"] == ["design_alloys"]
    answer = completion.choices[0].message.content
    assert completion.choices[0].message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert expected[0] in answer and "Trg" in answer
    assert completion.model == "alloygan" and completion.usage.total_tokens == 0


def test_a_follow_up_with_the_thread_header_refines_the_goal(chat, first_turn):
    completion, thread = first_turn
    history = [{"role": "user", "content": GOAL},
               {"role": "assistant", "content": completion.choices[0].message.content},
               {"role": "user", "content": [{"type": "text", "text": "now also avoid Be"}]}]

    raw = chat.chat.completions.with_raw_response.create(model="alloygan", messages=history,
                                                         extra_headers={"X-Alloygan-Thread": thread})

    follow_up = raw.parse().model_extra["alloygan"]
    assert raw.headers["X-Alloygan-Thread"] == thread and follow_up["thread"] == thread
    assert set(follow_up["goal"]["excluded_elements"]) == {"Ag", "Be"}
    assert follow_up["goal"]["constraints"] == [{"property": "Trg", "min": 0.6, "max": None}]
    assert follow_up["candidates"]
    assert all(not {"Ag", "Be"} & set(c["composition"]) for c in follow_up["candidates"])


def test_streaming_sends_the_same_answer_in_chunks(chat, first_turn):
    completion, _ = first_turn

    stream = chat.chat.completions.create(model="alloygan", messages=[{"role": "user", "content": GOAL}],
                                          stream=True, stream_options={"include_usage": True})
    chunks = list(stream)

    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert content == completion.choices[0].message.content  # a new thread, the same goal and seed: the same answer
    assert chunks[0].choices[0].delta.role == "assistant"
    last = next(c for c in reversed(chunks) if c.choices)
    assert last.choices[0].finish_reason == "stop"
    extra = last.model_extra["alloygan"]
    assert extra["thread"] != completion.model_extra["alloygan"]["thread"]
    assert [c["formula"] for c in extra["candidates"]] == [c["formula"] for c in
                                                           completion.model_extra["alloygan"]["candidates"]]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 0


def test_the_stream_on_the_wire_is_server_sent_events_with_progress_ending_with_done(live_server):
    body = {"model": "alloygan", "stream": True, "messages": [{"role": "user", "content": GOAL + ", seed 1"}]}

    with httpx.stream("POST", live_server + "/v1/chat/completions", json=body, timeout=60) as response:
        lines = [line for line in response.iter_lines() if line]
        headers = response.headers

    assert headers["content-type"].startswith("text/event-stream") and headers["x-alloygan-thread"].startswith("web-")
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith(("data: ", ": ")) for line in lines)
    assert any(line.startswith(": progress generating") for line in lines)  # the design's stages as they happen
    data = [json.loads(line[6:]) for line in lines[:-1] if line.startswith("data: ")]
    assert {d["object"] for d in data} == {"chat.completion.chunk"}
    assert data[-1]["alloygan"]["thread"] == headers["x-alloygan-thread"]
    assert data[-1]["alloygan"]["goal"]["seed"] == 1
    first = data[-1]["alloygan"]["candidates"][0]["formula"]
    assert first in "".join(d["choices"][0]["delta"].get("content", "") for d in data)


def test_an_unknown_thread_is_404_in_openais_form(chat):
    with pytest.raises(openai.NotFoundError) as refused:
        chat.chat.completions.create(model="alloygan", messages=[{"role": "user", "content": "now avoid Be"}],
                                     extra_headers={"X-Alloygan-Thread": "web-never-issued"})

    assert refused.value.body["type"] == "invalid_request_error" and refused.value.body["code"] == "not_found"
    assert "web-never-issued" in refused.value.body["message"]


@pytest.mark.parametrize("messages, param", [
    ([], "messages"),
    ([{"role": "system", "content": "hello"}], "messages"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}], "messages.0.content.parts.0.type"),
    ([{"role": "wizard", "content": "hi"}], "messages.0.role"),
])
def test_a_bad_request_is_400_in_openais_form(chat, messages, param):
    with pytest.raises(openai.BadRequestError) as refused:
        chat.chat.completions.create(model="alloygan", messages=messages)

    assert refused.value.body["type"] == "invalid_request_error"
    assert refused.value.body["param"] == param


def test_a_message_over_the_limit_and_a_body_not_json_are_refused(live_server):
    from alloygan.tools.settings import settings

    too_long = "x" * (settings().api.max_message_chars + 1)
    response = httpx.post(live_server + "/v1/chat/completions", json={"messages": [{"role": "user",
                                                                                     "content": too_long}]})
    not_json = httpx.post(live_server + "/v1/chat/completions", content=b"{messages",
                          headers={"Content-Type": "application/json"})

    assert response.status_code == 400 and response.json()["error"]["param"] == "messages"
    assert "ALLOYGAN_API_MAX_MESSAGE_CHARS" in response.json()["error"]["message"]
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "json_invalid"
