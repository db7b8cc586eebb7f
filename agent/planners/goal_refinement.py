"""The LLM's one job on a design request the grammar did not fully read: the goal as structured output.

When the deterministic grammar leaves words of a design request unread, the model is asked
for the whole goal as one JSON object (a `DesignGoal`, validated by pydantic; an invalid
answer is sent back once with the validation error). Its reading is used only if it keeps
everything the grammar read (family, required and excluded elements, each bound at least as
tight, the cost ceiling, the objective): a model may add to the request, never drop part of it. An objective
the model adds is a property name, validated like a constraint's, never a number. Otherwise,
or when the answer stays invalid, the grammar's reading is used and the user is told why.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from alloygan.knowledge_base.validation import validation_message
from alloygan.models.design.goal import DesignGoal

ATTEMPTS = 2  # the first answer, and one more with the validation error

INSTRUCTIONS = """You turn a materials scientist's request into a design goal for metallic glasses.
Answer with one JSON object and nothing else. Its fields (omit those the request does not set):
{fields}
Constraints are a list of {{"property": "Trg", "min": 0.6, "max": null}}; properties are Tg, Tx, Tl (K), Trg, gamma, dTx (K).
An objective ("the highest gamma", "as low a Tl as possible") is {{"property": "gamma", "maximise": true}}; only one.
Element symbols are written as in the periodic table (e.g. "Zr", "Ag")."""


@dataclass(frozen=True)
class Refinement:
    goal: DesignGoal | None  # the model's goal, when it is valid, keeps the grammar's reading and adds to it
    note: str  # what happened, in one line for the user


def _fields() -> str:
    skip = {"seed"}
    return "\n".join(f"- {name}: {field.description}" for name, field in DesignGoal.model_fields.items()
                     if name not in skip)


def refinement_messages(request: str, read: DesignGoal, unread: list[str]) -> list[AnyMessage]:
    shown = {k: v for k, v in read.as_json().items() if v not in (None, [], False)}
    return [SystemMessage(INSTRUCTIONS.format(fields=_fields())),
            HumanMessage(f"Request: {request}\nAlready read from it (JSON): {json.dumps(shown)}\n"
                         f"Words not yet read: {' '.join(unread)}\n"
                         "Give the complete goal as one JSON object.")]


def parse_goal_answer(text: str) -> DesignGoal:
    """The goal in the model's answer (a surrounding code fence or prose is tolerated); ValueError says why not."""
    found = re.search(r"\{.*\}", text, re.DOTALL)
    if found is None:
        raise ValueError("the answer holds no JSON object")
    try:
        data = json.loads(found.group())
    except json.JSONDecodeError as error:
        raise ValueError(f"the answer is not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    try:
        return DesignGoal.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"the goal is not valid ({validation_message(error, 'goal', most=3)})") from None


def dropped(read: DesignGoal, proposed: DesignGoal) -> list[str]:
    """What of the grammar's reading the proposed goal leaves out or loosens (empty: it keeps all of it)."""
    lost = []
    if read.base_element and proposed.base_element != read.base_element:
        lost.append(f"{read.base_element}-based")
    lost += [f"without {e}" for e in read.excluded_elements if e not in proposed.excluded_elements]
    lost += [f"with {e}" for e in read.required_elements if e not in proposed.required_elements]
    for bound in read.constraints:
        other = proposed.constraint(bound.property)
        looser = other is None or (bound.min is not None and (other.min is None or other.min < bound.min)) or (
            bound.max is not None and (other.max is None or other.max > bound.max))
        if looser:
            lost.append(bound.describe())
    if read.objective is not None and proposed.objective != read.objective:
        lost.append(f"{read.objective.describe()} first")
    if read.prefer_low_cost and not proposed.prefer_low_cost:
        lost.append("cheapest first")
    if read.max_cost_usd_per_kg is not None and (proposed.max_cost_usd_per_kg is None
                                                 or proposed.max_cost_usd_per_kg > read.max_cost_usd_per_kg):
        lost.append(f"cost ≤ {read.max_cost_usd_per_kg:g} USD/kg")
    return lost


def refine_goal(ask: Callable[[list[AnyMessage]], AIMessage], request: str, read: DesignGoal,
                unread: list[str]) -> Refinement:
    """The model's reading of the whole request, checked. `ask` sends messages to the model (endpoint failures
    propagate: the caller's circuit breaker handles them)."""
    words = " ".join(unread)
    messages = refinement_messages(request, read, unread)
    problem = ""
    for _ in range(ATTEMPTS):
        reply = ask(messages)
        try:
            proposed = parse_goal_answer(reply.text)
        except ValueError as error:
            problem = str(error)
            messages = [*messages, AIMessage(reply.text), HumanMessage(
                f"That answer was not usable: {problem}. Answer again with only the JSON object.")]
            continue
        lost = dropped(read, proposed)
        if lost:
            return Refinement(None, f"the LLM's reading of \"{words}\" dropped part of the request "
                                    f"({', '.join(lost)}); the grammar's reading was used")
        proposed = proposed.model_copy(update={"seed": read.seed})
        if proposed == read:
            return Refinement(None, f"the LLM read nothing more into \"{words}\"")
        return Refinement(proposed, f"the LLM read \"{words}\" into the goal: {proposed.describe()}")
    return Refinement(None, f"the LLM gave no valid goal for \"{words}\" ({problem}); those words were ignored")
