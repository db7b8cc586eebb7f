"""The planner with an LLM: a chat model with the tools bound (any OpenAI-compatible server).

The model decides the tool calls. Its final answer may phrase the results, but every
number in it must come from this turn's tool results or the user's message
(`agent.grounding`); otherwise the answer is replaced by the deterministic summary of
the tool results, and the reply says so. Token usage is added up per turn. If the
endpoint fails, the turn is finished by the offline planner, and the reply says that.
"""
from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool

from alloygan.agent.answer import summarize
from alloygan.agent.grounding import ungrounded_numbers
from alloygan.agent.planners.offline import OfflinePlanner
from alloygan.agent.prompts import system_message_text
from alloygan.agent.state import State, turn_tool_messages, user_text
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.settings import AgentSettings, settings

USAGE_KEYS = ("input_tokens", "output_tokens", "total_tokens")


def recent_turns(messages: Sequence[AnyMessage], turns: int) -> list[AnyMessage]:
    """The last `turns` turns (cut at user messages, so no tool call is separated from its result)."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if len(starts) <= turns:
        return list(messages)
    return list(messages[starts[-turns]:])


def add_usage(total: dict | None, message: AIMessage) -> dict:
    usage = dict(total or {})
    metadata = message.usage_metadata or {}
    for key in USAGE_KEYS:
        usage[key] = usage.get(key, 0) + int(metadata.get(key, 0) or 0)
    usage["llm_calls"] = usage.get("llm_calls", 0) + 1
    return usage


class LLMPlanner:
    """The planner node with a tool-calling chat model."""

    name = "llm"

    def __init__(self, model, tools: Sequence[BaseTool], config: AgentSettings | None = None):
        self.config = config or settings().agent
        self.model = model.bind_tools(list(tools))
        self.fallback = OfflinePlanner()

    def __call__(self, state: State) -> dict:
        messages = state["messages"]
        goal = DesignGoal.model_validate(state["goal"]) if state.get("goal") else None
        prompt = [SystemMessage(system_message_text(goal)),
                  *recent_turns(messages, self.config.history_turns)]
        try:
            response = self.model.invoke(prompt)
        except Exception as error:  # the endpoint is down or refused: the science does not need it
            update = self.fallback(state)
            reason = f"offline (LLM unavailable: {type(error).__name__}: {str(error)[:200]})"
            final = update["messages"][-1]
            if not final.tool_calls:
                final.content = f"{final.text}\n\n(The LLM could not be reached; this answer was written by the offline planner.)"
            return {**update, "answered_by": reason}
        usage = add_usage(state.get("turn_usage"), response)
        if response.tool_calls:
            return {"messages": [response], "turn_usage": usage, "answered_by": "llm"}
        return {**self._checked(response, messages), "turn_usage": usage}

    def _checked(self, response: AIMessage, messages: Sequence[AnyMessage]) -> dict:
        results = turn_tool_messages(messages)
        unfounded = ungrounded_numbers(response.text, [m.text for m in results] + [user_text(messages)])
        if not unfounded:
            return {"messages": [response], "answered_by": "llm"}
        summary = summarize(results) if results else "No tool was run this turn, so there are no computed numbers to show."
        note = (f"(The model's answer quoted numbers that no tool computed this turn ({', '.join(unfounded[:8])}); "
                "it was replaced by this summary of the tool results.)")
        replaced = AIMessage(f"{summary}\n\n{note}", id=response.id, usage_metadata=response.usage_metadata)
        return {"messages": [replaced], "answered_by": "offline (LLM answer had unverified numbers)"}
