"""The conversation state, checkpointed per thread (LangGraph SQLite checkpointer)."""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage, HumanMessage, ToolMessage
from langgraph.graph.message import add_messages

from alloygan.knowledge_base.progress import ProgressCallback


class State(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    # JSON forms, as the checkpointer stores them; read them with DesignGoal / DesignAnswer.model_validate
    goal: dict | None  # the conversation's current design goal (strict bounds kept); follow-ups refine it
    design: dict | None  # the last design answer, with the full candidate records
    turn_usage: dict[str, int]  # token usage of this turn's LLM calls
    answered_by: str  # who wrote this turn's answer: "llm", "offline", "offline: <why>" or "llm replaced: <why>"
    llm_text: str  # the prose the LLM wrote this turn ("" when none): shown, attributed, above the computed results
    llm_model: str  # the model that answered, as the server names it
    llm_failure: str  # why the LLM is not used for the rest of this turn ("" while it is): the circuit breaker
    llm_notes: list[str]  # what the LLM's help came to this turn (e.g. a goal refinement ignored, and why)
    turn_started: float  # time.time() when the turn began (the per-turn wall budget counts from it)


@dataclass(frozen=True)
class AgentContext:
    """Per-run context (not checkpointed): where the progress of long tools goes, and the
    event that tells a running tool the turn was cancelled."""

    on_progress: ProgressCallback | None = None
    cancelled: threading.Event | None = None


def current_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages of the running turn: from the user's last message on."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index:])
    return list(messages)


def turn_tool_messages(messages: Sequence[AnyMessage]) -> list[ToolMessage]:
    return [m for m in current_turn(messages) if isinstance(m, ToolMessage)]


def user_text(messages: Sequence[AnyMessage]) -> str:
    turn = current_turn(messages)
    return turn[0].text if turn and isinstance(turn[0], HumanMessage) else ""


def tool_payload(message: ToolMessage) -> Any:
    """A tool message's content as data (the tools answer with JSON; errors are text)."""
    import json

    try:
        return json.loads(message.text)
    except ValueError:
        return message.text
