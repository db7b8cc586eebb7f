"""Configuration of the agent in one place: fields with descriptions, read from ALLOYGAN_AGENT_* variables.

The LLM endpoint itself (ALLOYGAN_LLM_BASE_URL, _MODEL, _API_KEY, or the same lines in
ALLOYGAN_HOME/llm.env) is configured by the settings shared with literature extraction
(`tools.langchain_tools.llm_settings`); this class only says how the agent uses it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PlannerChoice = Literal["auto", "llm", "offline"]


class AgentConfig(BaseSettings):
    """How the assistant plans, and the limits of one turn."""

    model_config = SettingsConfigDict(env_prefix="ALLOYGAN_AGENT_", extra="forbid")

    planner: PlannerChoice = Field(
        "auto", description="'llm' (needs an endpoint), 'offline' (deterministic rules) or 'auto' (llm when configured)")
    max_tool_calls: int = Field(6, ge=1, le=50, description="Tool calls allowed in one turn (the budget)")
    recursion_limit: int = Field(20, ge=4, le=200, description="Graph steps allowed in one turn (LangGraph recursion limit)")
    history_turns: int = Field(8, ge=1, le=100, description="Earlier turns of the conversation sent to the LLM")
