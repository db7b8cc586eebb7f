"""The planner without an LLM: deterministic rules that emit the same tool calls an LLM would.

At the start of a turn it routes the user's words to tool calls (first rule that applies):
  log + suggestions/candidates/them      -> log_experiment_suggestion (ranks from "top 3", "#1 #4")
  (re)train                              -> train_models
  search / papers / literature           -> search_literature
  formulas + describe / descriptors / cost -> describe_alloy
  formulas (predict, properties of, ...) -> predict_properties
  known / list / query / measured + elements -> query_alloys
  a design goal (parsed by tools.design.parse_goal_text; a follow-up refines the
  conversation's goal kept in the state)  -> design_alloys
  anything else                          -> an answer listing what it can do
Once the tools have run, it answers with the deterministic summary of their results.
"""
from __future__ import annotations

import re
import uuid

from langchain_core.messages import AIMessage, HumanMessage, ToolCall

from alloygan.agent.answer import help_answer, summarize
from alloygan.agent.state import State, current_turn, turn_tool_messages

_FORMULA = re.compile(r"(?<![\w.])(?:\(?[A-Z][a-z]?\d+(?:\.\d+)?\)?\d*(?:\.\d+)?){2,}(?![\w.])")
_ELEMENT = re.compile(r"\b[A-Z][a-z]?\b")
_LOG = re.compile(r"(?i)\b(log|save|record)\b.*\b(suggestions?|candidates?|them|these|those|all|top|#?\d+)\b")
_TRAIN = re.compile(r"(?i)\b(re-?train|train)\b")
_SEARCH = re.compile(r"(?i)\b(search|papers?|literature|publications?|articles?|references?)\b")
_DESCRIBE = re.compile(r"(?i)\b(describe|descriptors?|cost|price|featur\w+)\b")
_PREDICT = re.compile(r"(?i)\b(predict\w*|propert(y|ies)|estimate|what (is|are))\b")
_QUERY = re.compile(r"(?i)\b(known|list|query|measured|reported|existing|database)\b")
_FOLLOW_UP = re.compile(r"(?i)^\s*(now|also|and|but|then|instead|same|again|keep|make|what about|how about|plus|"
                        r"only|more|fewer|less|with|without|avoid|no)\b|\b(also|too|instead|as well|additionally|"
                        r"still|again)\b")
_DESIGN_WORDS = re.compile(r"(?i)\b(find|design|suggest|propose|generate|glass(es)?|alloys?|based|candidates?)\b")
_SEARCH_PREFIX = re.compile(r"(?i)^\s*(please\s+)?(search|look up|find)\s+(the\s+)?(literature|papers?)\s+(for|about|on)\s+")


def _call(name: str, **args) -> ToolCall:
    return ToolCall(name=name, args=args, id=f"offline-{uuid.uuid4().hex[:12]}", type="tool_call")


def formulas_in(text: str) -> list[str]:
    return _FORMULA.findall(text)


def _ranks(text: str) -> list[int] | None:
    top = re.search(r"(?i)\b(?:top|first|best)\s+(\d+)\b", text)
    if top:
        return list(range(1, int(top.group(1)) + 1))
    marked = [int(n) for n in re.findall(r"#\s*(\d+)", text)]
    return marked or None


def _query_call(text: str) -> ToolCall | None:
    from alloygan.tools.design import parse_goal_text

    try:
        goal = parse_goal_text(text)
    except ValueError:
        return None
    if not (goal.base_element or goal.required_elements or goal.excluded_elements or goal.constraints):
        return None
    where = ", ".join(part for c in goal.constraints for part in (
        f"{c.property}{'>=' if c.min_inclusive else '>'}{c.min:g}" if c.min is not None else "",
        f"{c.property}{'<=' if c.max_inclusive else '<'}{c.max:g}" if c.max is not None else "") if part)
    return _call("query_alloys", base=goal.base_element, require=goal.required_elements,
                 exclude=goal.excluded_elements, where=where or None, limit=10)


def is_follow_up(text: str, goal: dict | None) -> bool:
    """Whether the words refine the conversation's goal rather than start a new one."""
    if not goal:
        return False
    if _FOLLOW_UP.search(text):
        return True
    from alloygan.tools.design import parse_goal_text

    try:
        return parse_goal_text(text).base_element is None  # no family named: it can only refine
    except ValueError:
        return True


def _design_call(text: str, goal: dict | None) -> ToolCall | None:
    from alloygan.tools.design import parse_goal_text

    follow_up = is_follow_up(text, goal)
    try:
        parsed = parse_goal_text(text, goal if follow_up else None)
    except ValueError:  # a goal that cannot hold: let the tool say why, if it reads as a design request
        return _call("design_alloys", request=text, refine=follow_up) if _DESIGN_WORDS.search(text) else None
    fresh = parse_goal_text(text) if follow_up else parsed
    says_something = (fresh.base_element or fresh.constraints or fresh.excluded_elements or fresh.required_elements
                      or fresh.allowed_elements is not None or fresh.max_cost_usd_per_kg or fresh.element_limits
                      or fresh.max_elements or fresh.min_elements or fresh.min_novelty or fresh.prefer_low_cost
                      or fresh.model_fields_set & {"n_candidates", "seed"})
    if not says_something:
        return None
    return _call("design_alloys", request=text, refine=follow_up)


def route(text: str, goal: dict | None) -> list[ToolCall]:
    """The tool calls for the user's words (empty: nothing to run)."""
    formulas = formulas_in(text)
    if _LOG.search(text) and re.search(r"(?i)\b(log|save)\b", text):
        return [_call("log_experiment_suggestion", ranks=_ranks(text))]
    if _TRAIN.search(text) and not formulas:
        family = next((e for e in _ELEMENT.findall(text) if e not in ("I", "A")), None)
        return [_call("train_models", family=family)]
    if _SEARCH.search(text):
        return [_call("search_literature", query=_SEARCH_PREFIX.sub("", text).strip() or text, k=5)]
    if formulas and _DESCRIBE.search(text):
        return [_call("describe_alloy", formulas=formulas)]
    if formulas:
        return [_call("predict_properties", formulas=formulas)]
    if _QUERY.search(text) and (call := _query_call(text)) is not None:
        return [call]
    design = _design_call(text, goal)
    return [design] if design is not None else []


class OfflinePlanner:
    """The planner node without an LLM (same graph, same tool node)."""

    name = "offline"

    def __call__(self, state: State) -> dict:
        messages = state["messages"]
        results = turn_tool_messages(messages)
        if results:
            return {"messages": [AIMessage(summarize(results))], "answered_by": "offline"}
        turn = current_turn(messages)
        text = turn[0].text if turn and isinstance(turn[0], HumanMessage) else ""
        calls = route(text, state.get("goal"))
        if calls:
            return {"messages": [AIMessage(content="", tool_calls=calls)], "answered_by": "offline"}
        return {"messages": [AIMessage(help_answer(_not_understood(text)))], "answered_by": "offline"}


def _not_understood(text: str) -> list[str]:
    from alloygan.tools.design import parse_goal_text

    try:
        return parse_goal_text(text).not_understood
    except ValueError:
        return []
