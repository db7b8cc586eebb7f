"""Fixtures of the agent tests: a scripted tool-calling chat model, an assistant on it, design results."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

Reply = AIMessage | Callable[[list[BaseMessage]], AIMessage] | BaseException


class ScriptedToolModel(BaseChatModel):
    """Answers from a script (AIMessages, possibly with tool_calls, or functions of the messages); records calls.

    `bind_tools` records the tools and returns the model itself, as the fake models of
    langchain-core would need.
    """

    replies: list[Any] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[Any] = Field(default_factory=list)
    bindings: list[tuple[list[str], dict]] = Field(default_factory=list)  # (tool names, options) of each binding

    @property
    def _llm_type(self) -> str:
        return "scripted-tools"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.received.append(list(messages))
        if not self.replies:
            raise AssertionError("the script has no more replies")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        message = reply(list(messages)) if callable(reply) else reply
        if message.usage_metadata is None:
            message = message.model_copy(update={"usage_metadata": {"input_tokens": 100, "output_tokens": 20,
                                                                    "total_tokens": 120}})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, tools, **kwargs):
        self.bound_tools = list(tools)
        self.bindings.append(([t.name for t in tools], kwargs))
        return self


def tool_call(name: str, call_id: str = "call_1", **args) -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def last_tool_result(messages: list[BaseMessage]) -> ToolMessage:
    return next(m for m in reversed(messages) if isinstance(m, ToolMessage))


@pytest.fixture
def no_llm(monkeypatch):
    """No LLM endpoint in the environment: the assistant plans offline."""
    for name in ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def scripted_assistant(tmp_path):
    """An assistant whose planner is a scripted model; conversations in a temporary file."""
    from alloygan.agent.assistant import Assistant
    from alloygan.tools.settings import AgentSettings

    made = []

    def make(*replies: Reply, config: AgentSettings | None = None):
        model = ScriptedToolModel(replies=list(replies))
        assistant = Assistant(config=config, planner="llm", chat_model=model,
                              checkpoint_path=tmp_path / f"conversations-{len(made)}.sqlite")
        made.append(assistant)
        return assistant, model

    yield make
    for assistant in made:
        assistant.close()


@pytest.fixture
def offline_assistant(tmp_path):
    from alloygan.agent.assistant import Assistant

    assistant = Assistant(planner="offline", checkpoint_path=tmp_path / "conversations.sqlite")
    yield assistant
    assistant.close()


def synthetic_design(n: int = 3):
    """A `DesignAnswer` like tools.design.design_alloys returns, built from the typed models (no models needed):
    Zr{50+i}Cu{40-i}Al10, ranked 1..n, for "Zr-based, Trg >= 0.6, without Ag"."""
    from alloygan.models.constraints import PropertyRange
    from alloygan.models.design.goal import DesignGoal
    from alloygan.tools.results import Candidate, DesignAnswer, DesignStats, Estimate, TargetCondition

    candidates = [
        Candidate(
            rank=rank, composition={"Zr": 49.0 + rank, "Cu": 41.0 - rank, "Al": 10.0},
            formula=f"Zr{49 + rank}Cu{41 - rank}Al10",
            Tg=Estimate(mean=700.0 + rank, std=10.0), Tx=Estimate(mean=780.0, std=12.0),
            Tl=Estimate(mean=1150.0, std=20.0), Trg=Estimate(mean=0.61, std=0.01),
            gamma=Estimate(mean=0.42, std=0.01), dTx=Estimate(mean=80.0, std=15.0),
            p_meets_goal=0.9, p_meets={"Trg": 0.9}, cost_usd_per_kg=24.5,
            condition=TargetCondition(Tg=700.0, Tx=780.0, Tl=1150.0, Trg=0.61, gamma=0.42),
            novelty_at_pct=3.0, nearest_known=[], score=0.9, near_miss=False, misses=[],
        )
        for rank in range(1, n + 1)
    ]
    goal = DesignGoal(base_element="Zr", excluded_elements=["Ag"], constraints=[PropertyRange(property="Trg", min=0.6)],
                      n_candidates=n)
    stats = DesignStats(generated=20000, unique_valid=19000, passing=10000, returned=n, near_misses=0,
                        condition_acceptance=0.45, seconds=0.5, generate_predict_screen_seconds=0.4,
                        candidates_per_second=50000, generator="ours-Zr", family_alloys=124,
                        forward_model="forward-test-version")
    return DesignAnswer(goal=goal, candidates=candidates, stats=stats, notes=[])
