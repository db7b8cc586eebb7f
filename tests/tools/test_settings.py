"""One settings object: the environment and ALLOYGAN_HOME/llm.env, read once, used by the planner and extraction."""
from __future__ import annotations

import json
import os

import pytest

from alloygan.tools.settings import SettingsError, reload_settings, setting_names, settings

TEXT = "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K."


@pytest.fixture
def no_settings_in_the_environment(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith(("ALLOYGAN_LLM_", "ALLOYGAN_AGENT_")):
            monkeypatch.delenv(name)


def write_settings_file(home, *lines: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "llm.env").write_text("".join(f"{line}\n" for line in lines))


def test_the_environment_wins_over_the_file_section_by_section(fresh_home, no_settings_in_the_environment, monkeypatch):
    write_settings_file(fresh_home, "ALLOYGAN_LLM_BASE_URL=http://127.0.0.1:9/v1", "ALLOYGAN_LLM_MODEL=from-file",
                        "ALLOYGAN_LLM_TIMEOUT=12.5", "ALLOYGAN_AGENT_MAX_TOOL_CALLS=3", "# a comment", "")
    monkeypatch.setenv("ALLOYGAN_LLM_MODEL", "from-environment")
    loaded = settings()
    assert loaded.llm.model == "from-environment" and loaded.llm.base_url == "http://127.0.0.1:9/v1"
    assert loaded.llm.timeout == 12.5 and loaded.llm.max_retries == 2 and loaded.llm.configured
    assert loaded.agent.max_tool_calls == 3 and loaded.agent.planner == "auto" and loaded.agent.history_turns == 8
    assert loaded.paths.home == fresh_home and loaded.paths.conversations == fresh_home / "conversations.sqlite"


def test_without_file_or_variables_every_setting_has_its_default(fresh_home, no_settings_in_the_environment):
    loaded = settings()
    assert not loaded.llm.configured and loaded.llm.model is None and loaded.llm.timeout == 60.0
    assert loaded.agent.planner == "auto" and loaded.agent.max_tool_calls == 6 and loaded.agent.recursion_limit == 20
    assert setting_names() == [
        "ALLOYGAN_HOME", "ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_API_KEY", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_TIMEOUT",
        "ALLOYGAN_LLM_MAX_RETRIES", "ALLOYGAN_LLM_TEMPERATURE", "ALLOYGAN_LLM_MAX_TOKENS", "ALLOYGAN_LLM_CONTEXT_TOKENS",
        "ALLOYGAN_AGENT_PLANNER", "ALLOYGAN_AGENT_MAX_TOOL_CALLS", "ALLOYGAN_AGENT_RECURSION_LIMIT",
        "ALLOYGAN_AGENT_HISTORY_TURNS", "ALLOYGAN_AGENT_TURN_SECONDS", "ALLOYGAN_API_TOKEN",
        "ALLOYGAN_API_MAX_BODY_BYTES", "ALLOYGAN_API_MAX_MESSAGE_CHARS"]
    assert (loaded.llm.max_tokens, loaded.llm.context_tokens, loaded.agent.turn_seconds) == (512, 4096, 120.0)


def test_loaded_once_until_the_environment_changes_or_a_reload(fresh_home, no_settings_in_the_environment, monkeypatch):
    first = settings()
    assert settings() is first
    write_settings_file(fresh_home, "ALLOYGAN_LLM_MODEL=m", "ALLOYGAN_LLM_BASE_URL=http://127.0.0.1:9/v1")
    assert settings() is first and not settings().llm.configured  # the file is read once
    reload_settings()
    assert settings().llm.configured and settings().llm.model == "m"
    monkeypatch.setenv("ALLOYGAN_LLM_MODEL", "other")
    assert settings().llm.model == "other"  # a changed environment is read again
    monkeypatch.setenv("ALLOYGAN_HOME", str(fresh_home.parent / "elsewhere"))
    assert settings().paths.home == fresh_home.parent / "elsewhere" and settings().llm.model == "other"
    assert settings().llm.base_url is None  # that home has no llm.env


def test_only_the_settings_file_configures_both_the_agent_and_extraction(
        fresh_home, no_settings_in_the_environment, openai_server, run_cli, tmp_path):
    write_settings_file(fresh_home, f"ALLOYGAN_LLM_BASE_URL={openai_server.base_url}", "ALLOYGAN_LLM_MODEL=file-model",
                        "ALLOYGAN_LLM_API_KEY=test-key", "ALLOYGAN_LLM_MAX_RETRIES=0", "ALLOYGAN_LLM_TIMEOUT=10")
    assert not any(name.startswith("ALLOYGAN_LLM_") for name in os.environ)

    openai_server.replies = [{"content": "I design metallic glasses and predict their properties."}]
    code, out, err = run_cli("ask", "hello, what can you do for me?")
    assert code == 0, err
    assert "LLM planner (file-model at http://127.0.0.1:" in err and "I design metallic glasses" in out
    assert len(openai_server.requests) == 1 and openai_server.requests[0][1]["model"] == "file-model"
    assert "tools" in openai_server.requests[0][1]  # the planner: the tools are bound

    paper = tmp_path / "paper.txt"
    paper.write_text(TEXT + "\n")
    record = {"composition": "Zr65Cu17.5Ni10Al7.5", "Tg": 656, "Tx": 741, "Tl": 1168, "unit": "K",
              "heating_rate": None, "heating_rate_unit": None, "quote": TEXT}
    openai_server.replies = [{"content": json.dumps({"records": [record]})}]
    code, out, err = run_cli("lit", "extract", str(paper), "--json")  # no --llm: the configured LLM is the default
    assert code == 0, err
    assert [(r["formula"], r["method"], r["Tg"]) for r in json.loads(out)] == [("Zr65Cu17.5Ni10Al7.5", "llm", 656)]
    assert len(openai_server.requests) == 2
    path, body = openai_server.requests[1]
    assert path == "/v1/chat/completions" and body["model"] == "file-model" and "tools" not in body
    assert TEXT in body["messages"][-1]["content"]


@pytest.mark.parametrize("variable, value, command, message", [
    ("ALLOYGAN_AGENT_PLANNER", "bogus", ("ask", "hello"),
     "ALLOYGAN_AGENT_PLANNER=bogus (in the environment): Input should be 'auto', 'llm' or 'offline'"),
    ("ALLOYGAN_LLM_TIMEOUT", "abc", ("lit", "extract", "{paper}"),
     "ALLOYGAN_LLM_TIMEOUT=abc (in the environment): Input should be a valid number"),
    ("ALLOYGAN_AGENT_MAX_TOOL_CALLS", "0", ("chat",),
     "ALLOYGAN_AGENT_MAX_TOOL_CALLS=0 (in the environment): Input should be greater than or equal to 1"),
    ("ALLOYGAN_LLM_MODLE", "llama3.1", ("ask", "hello"),
     "ALLOYGAN_LLM_MODLE (in the environment) is not a setting; use one of ALLOYGAN_LLM_BASE_URL,"),
    ("ALLOYGAN_HOME", "{paper}", ("ask", "hello"), "ALLOYGAN_HOME={paper}: cannot use it as the state directory"),
])
def test_a_bad_value_is_one_line_naming_the_variable_and_exit_2(
        fresh_home, no_settings_in_the_environment, monkeypatch, run_cli, tmp_path, variable, value, command, message):
    paper = tmp_path / "paper.txt"
    paper.write_text(TEXT)
    monkeypatch.setenv(variable, value.format(paper=paper))
    code, out, err = run_cli(*(part.format(paper=paper) for part in command))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert message.format(paper=paper) in lines[0], err
    assert out.strip() == "" and not (fresh_home / "conversations.sqlite").exists()


def test_a_bad_line_of_the_file_names_the_file(fresh_home, no_settings_in_the_environment, run_cli):
    write_settings_file(fresh_home, "ALLOYGAN_LLM_MODEL=m", "ALLOYGAN_LLM_TEMPERATURE=hot", "ALLOYGAN_HOME=/elsewhere")
    code, out, err = run_cli("ask", "hello")
    assert code == 2 and out.strip() == "" and len(err.strip().splitlines()) == 1, err
    assert f"ALLOYGAN_LLM_TEMPERATURE=hot (in {fresh_home / 'llm.env'}): Input should be a valid number" in err
    assert "ALLOYGAN_HOME (in " in err and "set it in the environment" in err
    with pytest.raises(SettingsError):
        settings()


def test_the_api_key_is_not_echoed(fresh_home, no_settings_in_the_environment):
    write_settings_file(fresh_home, "ALLOYGAN_LLM_API_KEY=sk-secret", "ALLOYGAN_LLM_MODEL=m")
    loaded = settings()
    assert "sk-secret" not in repr(loaded) and loaded.llm.api_key.get_secret_value() == "sk-secret"
