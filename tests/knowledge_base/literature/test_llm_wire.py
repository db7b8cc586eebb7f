"""The real ChatOpenAI client against a scripted OpenAI-compatible server on 127.0.0.1 (the wire format, offline)."""
from __future__ import annotations

import json

import pytest

from alloygan.knowledge_base.literature.errors import LLMNotConfiguredError
from alloygan.knowledge_base.literature.llm_extractor import LLMExtractor
from alloygan.knowledge_base.literature.llm_client import chat_model_from_settings
from alloygan.knowledge_base.literature.llm_settings import LLMSettings
from tests.knowledge_base.literature.conftest import text_document

TEXT = "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K."


def test_chat_openai_round_trip_through_the_scripted_server(llm_env):
    record = {"composition": "Zr65Cu17.5Ni10Al7.5", "Tg": 656, "Tx": 741, "Tl": 1168, "unit": "K",
              "heating_rate": None, "heating_rate_unit": None, "quote": TEXT}
    llm_env.replies = [{"content": "I think the answer is a list"}, {"content": json.dumps({"records": [record]})}]
    settings = LLMSettings(base_url=llm_env.base_url, model="scripted-model", max_retries=0, timeout=10)
    result = LLMExtractor(chat_model_from_settings(settings)).extract(text_document(TEXT))
    assert [(r.composition.formula, r.Tg, r.Tx, r.Tl) for r in result.records] == [("Zr65Cu17.5Ni10Al7.5", 656, 741, 1168)]
    assert len(llm_env.requests) == 2  # the first answer was invalid and was asked again
    path, body = llm_env.requests[0]
    assert path == "/v1/chat/completions" and body["model"] == "scripted-model" and body["temperature"] == 0
    assert "tools" not in body and "functions" not in body and "tool_choice" not in body
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][-1]["role"] == "user" and TEXT in body["messages"][-1]["content"]
    retry = llm_env.requests[1][1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "I think the answer is a list"}
    assert "not valid JSON" in retry[-1]["content"]


def test_settings_name_what_is_missing_and_build_the_client():
    # the values come from alloygan.tools.settings (environment and llm.env): tests/tools/test_settings.py
    with pytest.raises(LLMNotConfiguredError) as error:
        chat_model_from_settings(LLMSettings())
    assert "ALLOYGAN_LLM_BASE_URL" in str(error.value) and "ALLOYGAN_LLM_MODEL" in str(error.value)
    assert "llm.env" in str(error.value)
    assert not LLMSettings(model="llama3.1").configured  # a model without an endpoint or key is not enough
    settings = LLMSettings(model="llama3.1", base_url="http://localhost:11434/v1")
    assert settings.configured and settings.api_key is None and settings.timeout == 60.0
    model = chat_model_from_settings(settings)
    assert model.model_name == "llama3.1" and model.openai_api_base == "http://localhost:11434/v1"
