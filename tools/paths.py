"""Where the agent keeps its files under ALLOYGAN_HOME (the agent imports no core package directly)."""
from __future__ import annotations

from pathlib import Path

from alloygan.knowledge_base.paths import alloygan_home

__all__ = ["alloygan_home", "conversations_path", "chat_history_path", "llm_settings_path"]


def conversations_path() -> Path:
    """The LangGraph SQLite checkpointer's file: one conversation state per thread id."""
    return alloygan_home() / "conversations.sqlite"


def chat_history_path() -> Path:
    """Input history of `alloygan chat` (prompt_toolkit FileHistory)."""
    return alloygan_home() / "chat_history.txt"


def llm_settings_path() -> Path:
    """An optional settings file with ALLOYGAN_LLM_* lines (the environment takes precedence)."""
    return alloygan_home() / "llm.env"
