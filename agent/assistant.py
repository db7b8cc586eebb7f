"""One assistant session: the planner chosen by configuration, the graph, the SQLite checkpointer, turns.

Used by `alloygan ask`, `alloygan chat` and the tests. A turn is one user message run
through the graph to an answer; its result carries the answer text, who wrote it, the
current goal, the design of this turn (if any) and the token usage.
"""
from __future__ import annotations

import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.errors import GraphRecursionError

from alloygan.agent.answer import compose
from alloygan.agent.state import AgentContext, current_turn, turn_tool_messages
from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.results import DesignAnswer
from alloygan.tools.settings import AgentSettings, chat_model as llm_chat_model, settings as load_settings


class TurnCancelled(Exception):
    """The user interrupted the turn (Ctrl-C); the conversation is left consistent."""


@dataclass
class TurnResult:
    thread: str
    answer: str
    answered_by: str  # "llm", "offline", "offline: <why the LLM was not used>", "llm replaced: <why>"
    goal: DesignGoal | None  # the conversation's current goal
    design: DesignAnswer | None  # the design run in this turn, if any
    usage: dict = field(default_factory=dict)
    tools: list[str] = field(default_factory=list)  # tools called this turn, in order
    brief: str = ""  # the answer without the candidate list (when a table shows them) and without the note on who
    # answered (a screen shows `answered_by` once)
    llm_text: str = ""  # the part of the answer the LLM wrote ("" when none)
    llm_model: str = ""  # the model that wrote it, as the server names it


@contextmanager
def cancel_on_interrupt(cancelled: threading.Event) -> Iterator[None]:
    """While the block runs, Ctrl-C also sets `cancelled`.

    Ctrl-C raises KeyboardInterrupt in the main thread only, but a tool runs in a worker
    thread of the tool node, which the graph waits for; the event makes the tool stop at
    its next progress report, so the turn ends now rather than when the tool is done.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield  # signal handlers can only be set in the main thread; an ignored Ctrl-C stays ignored
        return

    def on_interrupt(signum, frame) -> None:
        cancelled.set()
        previous(signum, frame)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def new_thread_id() -> str:
    return uuid.uuid4().hex[:10]


def planner_description(kind: str, configured: bool, model: str | None, where: str | None = None) -> str:
    if kind == "llm":
        at = f" at {where}" if where else ""
        return f"LLM planner ({model}{at}; the offline planner finishes a turn when the LLM fails)"
    if configured:
        return "offline planner (deterministic rules; LLM configured but not used)"
    return ("offline planner (deterministic rules; no LLM configured: set ALLOYGAN_LLM_BASE_URL and "
            "ALLOYGAN_LLM_MODEL, in the environment or in ALLOYGAN_HOME/llm.env, to use one)")


def _served_note(llm, model_name: str) -> str:
    """A warning when the server lists models and the configured one is not among them."""
    from alloygan.knowledge_base.literature.llm_client import served_models

    served = served_models(llm)
    if not served or model_name in served:
        return ""
    return (f"\nwarning: the server lists {', '.join(served[:3])}, not {model_name}; it may answer with another "
            "model than ALLOYGAN_LLM_MODEL names")


class Assistant:
    """The graph with its planner and checkpointer; `turn()` runs one message of a thread."""

    def __init__(self, config: AgentSettings | None = None, planner: str | None = None, chat_model=None,
                 checkpoint_path=None):
        from langgraph.checkpoint.sqlite import SqliteSaver

        from alloygan.agent.graph import build_graph
        from alloygan.tools.langchain_tools import agent_tools

        settings = load_settings()
        llm = settings.llm
        self.config = config or settings.agent
        choice = planner or self.config.planner
        tools = agent_tools()
        if chat_model is None and (choice == "llm" or (choice == "auto" and llm.configured)):
            chat_model = llm_chat_model(llm, purpose="ALLOYGAN_AGENT_PLANNER=llm", alternative=(
                "or use the offline planner (--offline, or ALLOYGAN_AGENT_PLANNER=offline)"))
        if chat_model is not None and choice != "offline":
            from alloygan.agent.planners.llm import LLMPlanner

            self.planner_kind = "llm"
            model_name = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None) or type(chat_model).__name__
            self.description = planner_description("llm", True, str(model_name), llm.base_url)
            if chat_model is not None and llm.configured and isinstance(model_name, str) and llm.base_url:
                self.description += _served_note(llm, model_name)
            node = LLMPlanner(chat_model, tools, self.config, llm)
        else:
            from alloygan.agent.planners.offline import OfflinePlanner

            self.planner_kind = "offline"
            self.description = planner_description("offline", llm.configured, llm.model)
            node = OfflinePlanner()
        path = checkpoint_path or settings.paths.conversations
        # The tool node runs tools in worker threads; SqliteSaver serialises access with its own lock.
        self._connection = sqlite3.connect(str(path), check_same_thread=False, timeout=30.0)
        self.checkpointer = SqliteSaver(self._connection)
        self.graph = build_graph(node, tools, self.checkpointer, self.config.max_tool_calls)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "Assistant":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # threads --------------------------------------------------------------------------
    def _config(self, thread: str) -> dict:
        return {"configurable": {"thread_id": thread}, "recursion_limit": self.config.recursion_limit}

    def thread_exists(self, thread: str) -> bool:
        return self.checkpointer.get_tuple({"configurable": {"thread_id": thread}}) is not None

    def open_thread(self, thread: str) -> bool:
        """Check a --thread name (ToolInputError if it is not one): True when it starts a new conversation,
        False when it continues a stored one."""
        from alloygan.agent.threads import open_thread

        return open_thread(self.checkpointer, thread)

    def values(self, thread: str) -> dict:
        return dict(self.graph.get_state(self._config(thread)).values or {})

    def current_goal(self, thread: str) -> DesignGoal | None:
        """The goal follow-ups in this thread refine."""
        goal = self.values(thread).get("goal")
        return DesignGoal.model_validate(goal) if goal else None

    def last_design(self, thread: str) -> DesignAnswer | None:
        design = self.values(thread).get("design")
        return DesignAnswer.model_validate(design) if design else None

    # turns ----------------------------------------------------------------------------
    def turn(self, text: str, thread: str, on_progress: ProgressCallback | None = None) -> TurnResult:
        """Run one user message to an answer. Ctrl-C raises TurnCancelled with the thread left consistent."""
        config = self._config(thread)
        start = {"messages": [HumanMessage(text)], "turn_usage": {}, "answered_by": "", "llm_text": "",
                 "llm_model": "", "llm_failure": "", "llm_notes": [], "turn_started": time.time()}
        cancelled = threading.Event()
        try:
            with cancel_on_interrupt(cancelled):
                self.graph.invoke(start, config, context=AgentContext(on_progress=on_progress, cancelled=cancelled))
        except KeyboardInterrupt:
            self._close_turn(config, "(turn cancelled by the user)", "offline: the turn was cancelled")
            raise TurnCancelled() from None
        except GraphRecursionError:
            self._close_turn(config, f"(Stopped after {self.config.recursion_limit} steps, the limit of one turn.)",
                             f"offline: stopped after {self.config.recursion_limit} steps (ALLOYGAN_AGENT_RECURSION_LIMIT)")
        from alloygan.agent.threads import prune_checkpoints

        prune_checkpoints(self.checkpointer, thread)  # the store keeps the latest state, not every step's copy
        return self._result(thread)

    def _close_turn(self, config: dict, reason: str, answered_by: str) -> None:
        """End an interrupted turn: answer its pending tool calls and add a final answer."""
        messages = self.graph.get_state(config).values.get("messages", [])
        closing = []
        last = messages[-1] if messages else None
        if isinstance(last, AIMessage) and last.tool_calls:
            closing += [ToolMessage("error: not run (the turn was stopped)", tool_call_id=c["id"], name=c["name"],
                                    status="error") for c in last.tool_calls]
        done = turn_tool_messages(messages)
        answer = f"{compose(done)}\n\n{reason}" if done else reason
        closing.append(AIMessage(answer))
        self.graph.update_state(config, {"messages": closing, "answered_by": answered_by}, as_node="over_budget")

    def _result(self, thread: str) -> TurnResult:
        values = self.values(thread)
        messages = values.get("messages", [])
        turn = current_turn(messages)
        results = [m for m in turn if isinstance(m, ToolMessage)]
        final = messages[-1] if messages else None
        answer = final.text if isinstance(final, AIMessage) else ""
        # a tool message's artifact is the typed result, or its dump once the message comes back from a checkpoint
        designed = next((DesignAnswer.model_validate(m.artifact) for m in reversed(results)
                         if m.name == "design_alloys" and m.status != "error" and m.artifact is not None), None)
        answered_by = values.get("answered_by") or self.planner_kind
        llm_text, model = values.get("llm_text") or "", values.get("llm_model") or ""
        # the LLM's reading of the goal's unread words (used, or why not) is for the person too; who wrote the
        # answer is said apart ("answered by")
        notes = "; ".join(values.get("llm_notes") or [])
        brief = (compose(results, llm_text, model, notes, show_candidates=designed is None) if results or llm_text
                 else answer)
        return TurnResult(thread, answer, answered_by, self.current_goal(thread), designed,
                          dict(values.get("turn_usage") or {}), [m.name or "" for m in results], brief, llm_text,
                          model)
