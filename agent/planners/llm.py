"""The planner with an LLM (any OpenAI-compatible server): the science first, the model as help.

A turn goes like this:
1. The deterministic goal grammar reads the user's message first (`offline.route`). The tool
   calls it finds (a design, a prediction, a query...) run whatever the model does; when a
   design request leaves words unread, the model may read them into the goal as structured
   output (`goal_refinement`: validated, and used only if it keeps the grammar's reading).
2. Then the model sees the results (their compact form, the history trimmed to its context)
   with the read-only tools bound (`tool_choice="auto"`; no second design when one ran this
   turn; tools that change stored state only when the user's own message asks for that
   change), and may call more tools or write its prose.
3. The answer is the model's prose, attributed, above the results rendered by code
   (`answer.compose`). Prose stating a number that no tool computed this turn (a number of the
   user's message counts only as a stated requirement) is replaced by the deterministic
   answer, and the reply says so.
Any endpoint failure (refused, timeout, HTTP error, an unreadable answer) or the turn's wall
budget used up trips a circuit breaker: the rest of the turn is finished offline from the
results already computed, and one line says why. Every request carries `max_tokens`, a
timeout cut to the time the turn has left, and is retried only when the server could not be
reached (`knowledge_base.literature.llm_client.call_llm`).
"""
from __future__ import annotations

import html
import json
import time
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately, trim_messages
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from alloygan.agent.answer import compose, help_answer
from alloygan.agent.grounding import excluded_named, ungrounded_numbers
from alloygan.agent.planners.goal_refinement import refine_goal
from alloygan.agent.planners.offline import STATE_CHANGING, Request, asks_for_change, route_request
from alloygan.agent.prompts import system_message_text
from alloygan.agent.state import AgentContext, State, current_turn, tool_payload, turn_tool_messages, user_text
from alloygan.knowledge_base.literature.errors import LLMEndpointError
from alloygan.knowledge_base.literature.llm_client import call_llm, stream_reply
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.knowledge_base.literature.llm_settings import LLMSettings
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.settings import AgentSettings, settings

USAGE_KEYS = ("input_tokens", "output_tokens", "total_tokens")
READ_ONLY_TOOLS = ("design_alloys", "predict_properties", "query_alloys", "describe_alloy", "search_literature")
CHARS_PER_TOKEN = 3.0  # conservative for JSON and numbers (small models' tokenizers split digits)
TRUNCATED = " …(cut to fit the model's context)"


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


def tokens(messages: Sequence[AnyMessage]) -> int:
    return count_tokens_approximately(messages, chars_per_token=CHARS_PER_TOKEN)


def fit_context(system: SystemMessage, history: Sequence[AnyMessage], budget: int) -> list[AnyMessage]:
    """The system message and as much recent history as fits `budget` tokens, whole turns first (never a tool
    result without its call); if the running turn alone is too long, its longest tool results are cut."""
    kept = trim_messages([system, *history], max_tokens=budget, token_counter=tokens, strategy="last",
                         include_system=True, start_on="human", allow_partial=False)
    if len(kept) > 1:
        return kept
    turn = [m.model_copy() for m in current_turn(history)]
    while tokens([system, *turn]) > budget:
        # a result already cut to its first 200 characters cannot be cut further (the loop would never end)
        results = [m for m in turn if isinstance(m, ToolMessage) and len(m.text) > 200 + len(TRUNCATED)]
        if not results:
            break
        longest = max(results, key=lambda m: len(m.text))
        excess = int((tokens([system, *turn]) - budget) * CHARS_PER_TOKEN) + len(TRUNCATED)
        longest.content = longest.text[:max(200, len(longest.text) - excess)] + TRUNCATED
    return [system, *turn]


def _unescaped(value: Any) -> Any:
    """Tool arguments as the model wrote them, with HTML entities undone (some servers' templates escape the
    text the model sees, so it may write `Trg&gt;0.6`)."""
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [_unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescaped(v) for k, v in value.items()}
    return value


def _split_goal(data: Any) -> tuple[Any, Any]:
    """A design result's data without its goal (what was computed), and the goal with the bounds each candidate
    misses, which restate it (what was asked)."""
    if isinstance(data, dict) and "goal" in data and "candidates" in data:
        computed = {k: v for k, v in data.items() if k not in ("goal", "goal_description", "candidates")}
        computed["candidates"] = [{k: v for k, v in c.items() if k != "misses"} for c in data["candidates"]]
        return computed, [data["goal"], [c.get("misses") for c in data["candidates"]]]
    return data, None


class _Writing:
    """Progress while the model writes: how many pieces of text have come in."""

    def __init__(self, on_progress: ProgressCallback | None):
        self.on_progress = on_progress
        self.pieces = 0

    def __call__(self, text: str) -> None:
        self.pieces += 1
        report(self.on_progress, "the LLM is writing", self.pieces, None, "tokens")


class LLMPlanner:
    """The planner node with a tool-calling chat model, behind the deterministic grammar."""

    name = "llm"

    def __init__(self, model, tools: Sequence[BaseTool], config: AgentSettings | None = None,
                 llm: LLMSettings | None = None):
        loaded = settings() if config is None or llm is None else None
        self.config = config or loaded.agent
        self.llm = llm or loaded.llm
        self.model = model
        self.tools = {tool.name: tool for tool in tools}
        self._bound: dict[tuple[str, ...], Any] = {}
        self.model_name = str(getattr(model, "model_name", None) or getattr(model, "model", None) or "")

    # --- the node ------------------------------------------------------------------------------------------
    def __call__(self, state: State, runtime: Runtime[AgentContext] | None = None) -> dict:
        context = runtime.context if runtime is not None else None
        on_progress = getattr(context, "on_progress", None)  # per run: one planner serves concurrent turns
        messages = state["messages"]
        turn = current_turn(messages)
        started = state.get("turn_started") or time.time()
        base = {"turn_started": started}
        if len(turn) == 1 and isinstance(turn[0], HumanMessage):  # the turn starts: the grammar reads it first
            update = self._start(state, base, on_progress)
            if update is not None:
                return update
        if state.get("llm_failure"):
            return self._finish_offline(state, state["llm_failure"])
        try:
            response = self._invoke(state, started, on_progress)
        except LLMEndpointError as error:
            return self._finish_offline(state, str(error))
        update = {**base, "turn_usage": add_usage(state.get("turn_usage"), response),
                  "llm_model": self._served_model(response)}
        calls = self._allowed_calls(response, state)
        if calls:
            call_message = AIMessage(content=response.text or "", tool_calls=calls, id=response.id,
                                     usage_metadata=response.usage_metadata)
            return {**update, "messages": [call_message], "answered_by": "llm"}
        return {**update, **self._final(state, response, update["llm_model"])}

    # --- step 1: the grammar ---------------------------------------------------------------------------------
    def _start(self, state: State, base: dict, on_progress: ProgressCallback | None) -> dict | None:
        text = user_text(state["messages"])
        goal = state.get("goal")
        request = Request(text)
        calls = route_request(request, goal)
        if not calls:
            return None  # nothing the grammar can run: the model plans the turn
        notes: list[str] = []
        failure = ""
        for call in calls:
            refined = None
            try:
                if call["name"] == "design_alloys" and request.not_understood:
                    previous = DesignGoal.model_validate(goal) if goal and call["args"].get("refine") else None
                    refined = self._refined_goal(request, previous, state, on_progress)
                elif call["name"] == "suggest_experiments" and call["args"].get("request"):
                    # the goal words after "what should I cast next for" (a family named: a new goal)
                    words = Request(call["args"]["request"])
                    if words.not_understood:
                        refined = self._refined_goal(words, None, state, on_progress)
            except LLMEndpointError as error:
                failure = str(error)
            if refined is not None:
                note, new_goal = refined
                notes.append(note)
                if new_goal is not None:
                    call["args"] = ({"goal": new_goal.as_json(), "refine": False} if call["name"] == "design_alloys"
                                    else {k: v for k, v in call["args"].items() if k != "request"}
                                    | {"goal": new_goal.as_json()})
        return {**base, "messages": [AIMessage(content="", tool_calls=calls)], "answered_by": "offline",
                "llm_notes": notes, "llm_failure": failure}

    def _refined_goal(self, request: Request, previous: DesignGoal | None, state: State,
                      on_progress: ProgressCallback | None) -> tuple[str, DesignGoal | None] | None:
        """The model's reading of the words the grammar left (`refine_goal`): a note for the user and the refined
        goal, or None for the goal when the grammar's reading stands; None when the words state no goal that can
        hold (the tool then says why)."""
        from alloygan.tools.design import parse_goal_text

        try:
            read = parse_goal_text(request.text, previous)
        except ValueError:
            return None
        deadline = self._deadline(state.get("turn_started") or time.time())
        refinement = refine_goal(lambda messages: self._ask(messages, deadline, on_progress), request.text, read.goal,
                                 read.not_understood)
        return refinement.note, refinement.goal

    # --- step 2: the model ------------------------------------------------------------------------------------
    def _deadline(self, started: float) -> float:
        """The turn's wall budget as a `time.monotonic()` deadline."""
        return time.monotonic() + (started + self.config.turn_seconds - time.time())

    def _ask(self, messages: list[AnyMessage], deadline: float, on_progress: ProgressCallback | None,
             model=None) -> AIMessage:
        """The model's answer, streamed (cut at max_tokens: some servers ignore it) with the turn's deadline."""
        model = model or self.model
        written = _Writing(on_progress)
        return call_llm(lambda timeout: stream_reply(model, messages, self.llm.max_tokens, timeout, written),
                        self.llm, deadline)

    def _tool_names(self, state: State) -> tuple[str, ...]:
        text = user_text(state["messages"])
        designed = any(m.name == "design_alloys" for m in turn_tool_messages(state["messages"]))
        names = [n for n in READ_ONLY_TOOLS if not (designed and n == "design_alloys")]
        names += [n for n in self.tools if n not in READ_ONLY_TOOLS and asks_for_change(text, n)]
        return tuple(n for n in names if n in self.tools)

    def _bound_model(self, names: tuple[str, ...]):
        if names not in self._bound:
            tools = [self.tools[n] for n in names]
            self._bound[names] = self.model.bind_tools(tools, tool_choice="auto") if tools else self.model
        return self._bound[names]

    def _invoke(self, state: State, started: float, on_progress: ProgressCallback | None) -> AIMessage:
        goal = DesignGoal.model_validate(state["goal"]) if state.get("goal") else None
        names = self._tool_names(state)
        system = SystemMessage(system_message_text(goal))
        schema_tokens = sum(len(json.dumps(self.tools[n].tool_call_schema.model_json_schema())) + len(
            self.tools[n].description) for n in names) / CHARS_PER_TOKEN
        budget = int(self.llm.context_tokens - self.llm.max_tokens - schema_tokens - 64)
        if budget < 256:
            raise LLMEndpointError(f"the model's context ({self.llm.context_tokens} tokens, "
                                   "ALLOYGAN_LLM_CONTEXT_TOKENS) leaves no room for the conversation")
        prompt = fit_context(system, recent_turns(state["messages"], self.config.history_turns), budget)
        return self._ask(prompt, self._deadline(started), on_progress, self._bound_model(names))

    def _allowed_calls(self, response: AIMessage, state: State) -> list[dict]:
        """The model's tool calls to run, arguments unescaped: those of the tools it was given, and calls that would
        change stored data, which the tool node refuses with a message the model and the user see (the user did not
        ask for the change); a second design in a turn that ran one, or an unknown tool, is dropped."""
        allowed = set(self._tool_names(state)) | STATE_CHANGING
        return [{**call, "args": _unescaped(call["args"])} for call in response.tool_calls if call["name"] in allowed]

    @staticmethod
    def _served_model(response: AIMessage) -> str:
        return str((response.response_metadata or {}).get("model_name") or "")

    # --- step 3: the answer -----------------------------------------------------------------------------------
    def _final(self, state: State, response: AIMessage, model: str) -> dict:
        messages = state["messages"]
        results = turn_tool_messages(messages)
        prose = response.text.strip()
        notes = list(state.get("llm_notes") or [])
        if not prose:
            return self._replaced(results, notes, "the model wrote no answer")
        computed, asked = [], [user_text(messages), state.get("goal")]
        for message in results:
            data, goal = _split_goal(tool_payload(message))  # what the model read: the compact form
            computed.append(data)
            asked.append(goal)
        unfounded = ungrounded_numbers(prose, computed, asked)
        if unfounded:
            return self._replaced(results, notes, f"it stated numbers no tool computed this turn "
                                                  f"({', '.join(unfounded[:6])})")
        goal = state.get("goal") or {}
        against = excluded_named(prose, goal.get("excluded_elements") or [])
        if against:
            return self._replaced(results, notes, f"it names {', '.join(against)} as if present, which the goal "
                                                  "excludes")
        note = "; ".join(notes)
        text = compose(results, prose, model or self.model_name, note)
        return {"messages": [AIMessage(text, id=response.id, usage_metadata=response.usage_metadata)],
                "answered_by": "llm", "llm_text": prose}

    def _replaced(self, results: list[ToolMessage], notes: list[str], why: str) -> dict:
        note = "; ".join([*notes, f"The LLM's answer was replaced by this one, written from the tool results: {why}"])
        text = compose(results, note=note) if results else f"{help_answer()}\n\n({note})"
        return {"messages": [AIMessage(text)], "answered_by": f"llm replaced: {why}", "llm_text": ""}

    def _finish_offline(self, state: State, reason: str) -> dict:
        """The circuit breaker: the turn ends with what the tools computed, written by code."""
        messages = state["messages"]
        results = turn_tool_messages(messages)
        if results:
            text = compose(results, note="; ".join(state.get("llm_notes") or []))
        else:  # nothing ran: the grammar found nothing to do either
            text = help_answer(Request(user_text(messages)).not_understood)
        return {"messages": [AIMessage(text)], "answered_by": f"offline: {reason}", "llm_failure": reason,
                "llm_text": ""}
