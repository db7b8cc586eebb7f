"""The planner without an LLM: deterministic rules that emit the same tool calls an LLM would.

At the start of a turn it routes the user's words to tool calls (first rule that applies):
  log + suggestions/candidates/them      -> log_experiment_suggestion (ranks from "top 3", "#1 #4")
  what to cast/make/measure next, next experiments -> suggest_experiments (batch from "next 3", acquisition
                                           from "UCB", "expected improvement", "greedy", "Thompson", ...)
  (re)train                              -> train_models
  search / papers / literature           -> search_literature
  formulas + describe / descriptors / cost -> describe_alloy
  formulas (predict, properties of, ...) -> predict_properties
  known / list / query / measured + elements -> query_alloys
  a design goal (parsed by tools.design.parse_goal_text, once per turn; a follow-up
  refines the conversation's goal kept in the state) -> design_alloys
  anything else                          -> an answer listing what it can do
Once the tools have run, it answers with the deterministic summary of their results.
"""
from __future__ import annotations

import re
import uuid
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, HumanMessage, ToolCall

from alloygan.agent.answer import help_answer, summarize
from alloygan.agent.state import State, current_turn, turn_tool_messages

if TYPE_CHECKING:
    from alloygan.tools.results import GoalParse

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
# "what should I cast next for ...", "suggest the next 3 experiments for ...", "next experiments for ..."
_NEXT = re.compile(r"(?i)\b(?:(?:cast|make|melt|measure|try|test|run)\s+next|next\s+(?:\d+\s+)?(?:experiments?|alloys?"
                   r"|casts?|batch|compositions?|samples?)|next\s+round)\b")
_NEXT_PREFIX = re.compile(
    r"(?i)^\s*(?:please\s+)?(?:(?:what|which)\s+(?:alloys?\s+|compositions?\s+)?(?:should|shall|could|can|do)\s+"
    r"(?:i|we)\s+(?:cast|make|melt|measure|try|test|run)\s+next|(?:suggest|propose|recommend|choose|pick|plan|give me|"
    r"what are)\s+(?:the\s+|my\s+|our\s+)?next\s+(?:\d+\s+)?(?:experiments?|alloys?|casts?|compositions?|samples?|"
    r"batch|round)|next\s+(?:\d+\s+)?(?:experiments?|alloys?|casts?))\s*(?:\?\s*)?(?:(?:for|towards?|to find|to get|"
    r"aiming at|with)\b\s*(?:an?\s+|the\s+)?)?")
_BATCH = re.compile(r"(?i)\b(?:next|batch of|a batch of)\s+(\d{1,6})\b|\b(\d{1,6})\s+(?:more\s+)?(?:experiments|alloys|"
                    r"casts|suggestions|compositions|samples)\b")
_ACQUISITIONS = (("thompson", re.compile(r"(?i)\bthompson\b")),
                 ("UCB", re.compile(r"(?i)\b(?:ucb|upper confidence|explor\w*)\b")),
                 ("PI", re.compile(r"(?i)\b(?:PI\b|probability of improvement)")),
                 ("greedy", re.compile(r"(?i)\b(?:greedy|exploit\w*|best predicted)\b")),
                 ("EI", re.compile(r"(?i)\b(?:EI\b|expected improvement)")))
_ACQUISITION_WORDS = re.compile(r"(?i)\s*,?\s*(?:(?:using|with|by|via)\s+)?(?:thompson(?: sampling)?|ucb|upper confidence bound|"
                                r"\bPI\b|probability of improvement|greedy|pure exploitation|\bEI\b|expected "
                                r"improvement)\s*(?:acquisition)?")
_SEARCH_PREFIX = re.compile(r"(?i)^\s*(please\s+)?(search|look up|find)\s+(the\s+)?(literature|papers?)\s+(for|about|on)\s+")


def _call(name: str, **args) -> ToolCall:
    return ToolCall(name=name, args=args, id=f"offline-{uuid.uuid4().hex[:12]}", type="tool_call")


def formulas_in(text: str) -> list[str]:
    return _FORMULA.findall(text)


def _ranks(text: str) -> list[int] | None:
    from alloygan.models.design.goal import MAX_CANDIDATES

    # A count above what a design returns becomes one rank past the bound, which the tool's arguments refuse
    # with a message (never a list of millions of ranks).
    top = re.search(r"(?i)\b(?:top|first|best)\s+(\d+)\b", text)
    if top:
        count = int(top.group(1)) if len(top.group(1)) <= 9 else MAX_CANDIDATES + 1
        return list(range(1, min(count, MAX_CANDIDATES + 1) + 1))
    marked = [int(n[:10]) for n in re.findall(r"#\s*(\d+)", text)]
    return marked[: MAX_CANDIDATES + 1] or None


class Request:
    """The user's words in one turn. The design goal they state is parsed at most once, and only when a rule
    needs it (most routes do not)."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def parsed(self) -> GoalParse | None:
        """The words read as a design goal; None when they state one that cannot hold."""
        from alloygan.tools.design import parse_goal_text

        try:
            return parse_goal_text(self.text)
        except ValueError:
            return None

    @property
    def not_understood(self) -> list[str]:
        return self.parsed.not_understood if self.parsed else []


def _query_call(request: Request) -> ToolCall | None:
    if request.parsed is None:
        return None
    goal = request.parsed.goal
    where = ", ".join(part for c in goal.constraints for part in (
        f"{c.property}{'>=' if c.min_inclusive else '>'}{c.min:g}" if c.min is not None else "",
        f"{c.property}{'<=' if c.max_inclusive else '<'}{c.max:g}" if c.max is not None else "") if part)
    query = {"base": goal.base_element, "require": goal.required_elements, "exclude": goal.excluded_elements,
             "where": where or None}
    return _call("query_alloys", **query, limit=10) if any(query.values()) else None


def is_follow_up(request: Request | str, goal: dict | None) -> bool:
    """Whether the words refine the conversation's goal rather than start a new one."""
    request = request if isinstance(request, Request) else Request(request)
    if not goal:
        return False
    if _FOLLOW_UP.search(request.text):
        return True
    # no family named (or words that cannot stand as a goal of their own): they can only refine
    return request.parsed is None or request.parsed.goal.base_element is None


def _design_call(request: Request, goal: dict | None) -> ToolCall | None:
    follow_up = is_follow_up(request, goal)
    call = _call("design_alloys", request=request.text, refine=follow_up)
    if request.parsed is None:  # a goal that cannot hold: let the tool say why, if it reads as a design request
        return call if _DESIGN_WORDS.search(request.text) else None
    return call if request.parsed.goal.says_anything() else None


def _suggest_call(request: Request) -> ToolCall:
    """The next experiments: the goal is the words after the asking phrase (none: the conversation's goal)."""
    text = request.text
    batch = next((int(g) for m in _BATCH.finditer(text) for g in m.groups() if g), 5)
    acquisition = next((name for name, pattern in _ACQUISITIONS if pattern.search(text)), "EI")
    goal_words = _ACQUISITION_WORDS.sub(" ", _BATCH.sub(" ", _NEXT_PREFIX.sub("", text))).strip(" ?.,")
    args = {"batch": min(batch, 10**6), "acquisition": acquisition}  # the tool's bounds say what is allowed
    if goal_words:
        args["request"] = goal_words
    return _call("suggest_experiments", **args)


def route(text: str, goal: dict | None) -> list[ToolCall]:
    """The tool calls for the user's words (empty: nothing to run)."""
    return route_request(Request(text), goal)


# the words by which a user asks for a change of stored state, per tool that makes one
_CHANGES = {
    "log_experiment_suggestion": re.compile(r"(?i)\b(log|save)\b"),
    "record_experiment_result": re.compile(r"(?i)\b(record|measured|we (cast|made|got))\b"),
    "suggest_experiments": _NEXT,  # it logs the batch it suggests
    "train_models": _TRAIN,
    "extract_alloy_data": re.compile(r"(?i)\b(extract|mine|commit)\b"),
}


STATE_CHANGING = frozenset(_CHANGES)  # the tools that change stored data


def asks_for_change(text: str, tool: str) -> bool:
    """Whether the user's own words ask for the change of stored state that `tool` makes (a tool that changes
    nothing is never named here)."""
    pattern = _CHANGES.get(tool)
    return bool(pattern and pattern.search(text))


def route_request(request: Request, goal: dict | None) -> list[ToolCall]:
    text = request.text
    formulas = formulas_in(text)
    if _LOG.search(text) and re.search(r"(?i)\b(log|save)\b", text):
        return [_call("log_experiment_suggestion", ranks=_ranks(text))]
    if _NEXT.search(text) and not formulas:
        return [_suggest_call(request)]
    if _TRAIN.search(text) and not formulas:
        family = next((e for e in _ELEMENT.findall(text) if e not in ("I", "A")), None)
        return [_call("train_models", family=family)]
    if _SEARCH.search(text):
        return [_call("search_literature", query=_SEARCH_PREFIX.sub("", text).strip() or text, k=5)]
    if formulas and _DESCRIBE.search(text):
        return [_call("describe_alloy", formulas=formulas)]
    if formulas:
        return [_call("predict_properties", formulas=formulas)]
    if _QUERY.search(text) and (call := _query_call(request)) is not None:
        return [call]
    design = _design_call(request, goal)
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
        request = Request(turn[0].text if turn and isinstance(turn[0], HumanMessage) else "")
        calls = route_request(request, state.get("goal"))
        if calls:
            return {"messages": [AIMessage(content="", tool_calls=calls)], "answered_by": "offline"}
        return {"messages": [AIMessage(help_answer(request.not_understood))], "answered_by": "offline"}
