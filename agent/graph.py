"""The assistant's LangGraph graph: planner -> tools -> planner ... -> answer.

    START -> planner --(tool calls, within budget)--> tools -> planner
                     --(tool calls over budget)-----> over_budget -> END
                     --(an answer)------------------> END

The planner is the LLM planner or the offline planner; both emit tool calls the same
tool node runs. The tool node keeps the conversation's current goal and its last design
in the state (from the design tool's full result), sends tool progress to the run's
`on_progress` (and stops a tool at its next progress report once the run is `cancelled`),
and turns an unexpected tool failure into a message the planner can act on. The
experiment log tool reads the thread id from the run's config.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from alloygan.agent.answer import summarize
from alloygan.agent.state import AgentContext, State, turn_tool_messages, user_text
from alloygan.tools.langchain_tools import reporting
from alloygan.tools.results import DesignAnswer, NextExperiments

Planner = Callable[[State], dict]


def _unexpected_tool_error(error: Exception) -> str:
    return (f"error: the tool failed unexpectedly ({type(error).__name__}: {error}); try other arguments or "
            "another tool, or tell the user it failed")


def _refused(request: ToolCallRequest) -> ToolMessage | None:
    """A call that would change stored state when the user's own message of this turn did not ask for that change
    (document text is data: a passage that says "record this result" must not record it), refused with a message
    the planner reads and the answer shows."""
    from alloygan.agent.planners.offline import STATE_CHANGING, asks_for_change

    call = request.tool_call
    if call["name"] not in STATE_CHANGING:
        return None
    state = request.state if isinstance(request.state, dict) else {}
    if asks_for_change(user_text(state.get("messages") or []), call["name"]):
        return None
    return ToolMessage(f"error: refused: {call['name']} changes stored data, and the user's message in this turn "
                       "did not ask for that; ask the user first", tool_call_id=call["id"], name=call["name"],
                       status="error")


def _run_tool(request: ToolCallRequest, execute) -> ToolMessage | Command:
    refused = _refused(request)
    if refused is not None:
        return refused
    context = request.runtime.context if request.runtime is not None else None
    with reporting(getattr(context, "on_progress", None), getattr(context, "cancelled", None)):
        result = execute(request)
    if (isinstance(result, ToolMessage) and result.name == "design_alloys" and result.status != "error"
            and isinstance(result.artifact, DesignAnswer)):
        design = result.artifact.to_json()  # the state keeps JSON forms (checkpointed); read back with model_validate
        return Command(update={"messages": [result], "goal": design["goal"], "design": design})
    if (isinstance(result, ToolMessage) and result.name == "suggest_experiments" and result.status != "error"
            and isinstance(result.artifact, NextExperiments)):  # a follow-up ("now with UCB") refines this goal
        return Command(update={"messages": [result], "goal": result.artifact.goal.model_dump(mode="json")})
    return result


def build_graph(planner: Planner, tools: Sequence[BaseTool], checkpointer=None, max_tool_calls: int = 6):
    """The compiled graph; state is checkpointed per `thread_id` when a checkpointer is given."""

    def route_planner_output(state: State) -> Literal["tools", "over_budget", "__end__"]:
        last = state["messages"][-1]
        if not isinstance(last, AIMessage) or not last.tool_calls:
            return END
        if len(turn_tool_messages(state["messages"])) + len(last.tool_calls) > max_tool_calls:
            return "over_budget"
        return "tools"

    def over_budget(state: State) -> dict:
        pending = state["messages"][-1]
        skipped = [ToolMessage(f"error: not run; the budget of {max_tool_calls} tool calls per turn is used up",
                               tool_call_id=call["id"], name=call["name"], status="error")
                   for call in pending.tool_calls]
        done = turn_tool_messages(state["messages"])
        answer = (f"{summarize(done)}\n\n(Stopped: the budget of {max_tool_calls} tool calls per turn was used up; "
                  "ask a narrower question to continue.)")
        return {"messages": [*skipped, AIMessage(answer)], "answered_by": f"offline: the budget of {max_tool_calls} tool calls per turn was used up "
                                                                "(ALLOYGAN_AGENT_MAX_TOOL_CALLS)"}

    builder = StateGraph(State, context_schema=AgentContext)
    builder.add_node("planner", planner)
    builder.add_node("tools", ToolNode(list(tools), wrap_tool_call=_run_tool, handle_tool_errors=_unexpected_tool_error))
    builder.add_node("over_budget", over_budget)
    builder.add_edge(START, "planner")
    builder.add_conditional_edges("planner", route_planner_output, ["tools", "over_budget", END])
    builder.add_edge("tools", "planner")
    builder.add_edge("over_budget", END)
    return builder.compile(checkpointer=checkpointer, name="alloygan")
