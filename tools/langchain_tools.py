"""The agent's tools: LangChain tools over the plain functions of `tools/*` (thin, typed, compact).

Each tool has a pydantic argument schema and a description written for a model to read.
A tool answers with compact JSON (`content`, what a model sees: big records trimmed,
every number an answer may quote kept) and keeps the full result as the message's
`artifact` (for the CLI, JSON output and the experiment log). Bad input or a goal
that cannot be served comes back as an error message the planner can act on
(`ToolException`, status "error"), never as a crash of the graph.

State the tools need (the conversation's current goal, its last design) is injected by
the graph's tool node (`InjectedState`) and is invisible to the model. Progress of long
steps goes to the callback installed with `reporting(...)`; a tool whose turn was
cancelled stops at its next progress report (`ToolCancelled`), since a tool runs in a
worker thread that Ctrl-C does not reach.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langgraph.prebuilt import InjectedState
from pydantic import BaseModel, Field, ValidationError

from alloygan.knowledge_base.progress import Progress, ProgressCallback
from alloygan.knowledge_base.validation import validation_message
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.arguments import Arguments
from alloygan.tools.errors import ToolInputError, user_errors
from alloygan.tools.experiments import LogSuggestionArgs, RecordResultArgs, log_suggestions, record_result
from alloygan.tools.design import parse_goal_text
from alloygan.tools.suggest import SuggestArgs, suggest_experiments
from alloygan.tools.knowledge import AlloyQuery, DescribeArgs, describe_alloys, query_alloys
from alloygan.tools.literature import ExtractArgs, SearchArgs, extract_alloy_data, search_literature
from alloygan.tools.results import DesignAnswer, Extraction, GoalParse, Predictions, Result, TrainingReport
from alloygan.tools.training import TrainArgs, train_models

_Reporting = tuple[ProgressCallback | None, threading.Event | None]
_status: ContextVar[_Reporting] = ContextVar("alloygan_tool_status", default=(None, None))


class ToolCancelled(BaseException):
    """The turn was cancelled (Ctrl-C): the running tool stops. A BaseException, so that no
    error handler turns it into a result."""


@contextmanager
def reporting(on_progress: ProgressCallback | None, cancelled: threading.Event | None = None) -> Iterator[None]:
    """Send the progress of tools run inside this block to `on_progress`; once `cancelled` is set,
    a tool's next progress report raises `ToolCancelled`."""
    token = _status.set((on_progress, cancelled))
    try:
        yield
    finally:
        _status.reset(token)


def _report(progress: Progress) -> None:
    """The progress callback every tool passes down: forwards to `reporting`'s, or stops a cancelled turn."""
    callback, cancelled = _status.get()
    if cancelled is not None and cancelled.is_set():
        raise ToolCancelled(str(progress))
    if callback is not None:
        callback(progress)


def _as_tool_error(function: Callable) -> Callable:
    """User errors (bad arguments, goals that cannot be served) become a message for the planner."""
    @wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except user_errors() as error:
            raise ToolException(str(error)) from None
    return run


def _error_message(error: ToolException) -> str:
    return f"error: {error}"


def _invalid_arguments(error: ValidationError) -> str:
    return f"error: invalid arguments ({validation_message(error)}); correct them and call the tool again"


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _tool(function: Callable, name: str, schema: type[BaseModel], description: str) -> StructuredTool:
    return StructuredTool.from_function(
        _as_tool_error(function), name=name, description=description, args_schema=schema,
        response_format="content_and_artifact", handle_tool_error=_error_message,
        handle_validation_error=_invalid_arguments,
    )


# --- knowledge base, literature, training, experiment log -----------------------------------
def _result_tool(name: str, schema: type[BaseModel], run: Callable[[Any], Result]) -> StructuredTool:
    """A tool over a plain function that takes the tool's argument model (its one schema, whose docstring is the
    description) and returns a typed result: the model reads the compact form, the result is the artifact."""
    def call(**arguments):
        result = run(schema(**arguments))
        return _compact(result.compact()), result
    return _tool(call, name, schema, " ".join(schema.__doc__.split()))


def _extract_alloy_data(args: ExtractArgs) -> Extraction:
    _report(Progress(f"extracting alloy data from {len(args.paths)} path(s)"))
    return extract_alloy_data(args, on_progress=_report)


def _train_models(args: TrainArgs) -> TrainingReport:
    return train_models(args.family, args.model, on_progress=_report)


# --- models -------------------------------------------------------------------------------
class PredictPropertiesArgs(Arguments):
    """Predict Tg, Tx, Tl (K), Trg, gamma and dTx with uncertainty for given alloy formulas, with the nearest
    known alloys and their measured values."""

    formulas: list[str] = Field(min_length=1, max_length=50, description="Alloy formulas in at.%, e.g. 'Cu46Zr46Al8'")


def _predict_properties(args: PredictPropertiesArgs) -> Predictions:
    from alloygan.tools.prediction import predict_properties

    result = Predictions(predictions=predict_properties(args.formulas, on_progress=_report))
    failed = result.failed()
    if len(failed) == len(result.predictions):
        raise ToolInputError("; ".join(f"{p.input}: {p.error}" for p in failed))
    return result


# --- design -------------------------------------------------------------------------------
def _goal_fields_help() -> str:
    return "; ".join(f"{name}: {field.description}" for name, field in DesignGoal.model_fields.items())


class DesignAlloysArgs(Arguments):
    request: str | None = Field(
        None, description="The goal in plain words, e.g. 'Zr-based glass with Trg>0.6 avoiding Ag, under $30/kg'")
    goal: dict[str, Any] | None = Field(
        None, description="Structured goal fields (instead of or on top of `request`). Constraints are a list of "
                          "{\"property\": \"Trg\", \"min\": 0.6, \"max\": null}.")
    refine: bool = Field(
        True, description="Apply this to the conversation's current goal (follow-ups such as 'now also avoid Be'); "
                          "false starts a new goal")
    current_goal: Annotated[DesignGoal | None, InjectedState("goal")] = None


def _design_alloys(request: str | None = None, goal: dict | None = None, refine: bool = True,
                   current_goal: DesignGoal | None = None):
    from alloygan.tools.design import design_alloys, goal_from_fields, parse_goal_text

    if not request and not goal:
        raise ToolInputError("give the goal: `request` in plain words and/or structured `goal` fields")
    previous = current_goal if refine else None
    if goal:  # structured fields on top of the conversation's goal, then the words on top of both
        previous = goal_from_fields((previous.model_dump() if previous else {}) | dict(goal))
    asked = parse_goal_text(request, previous) if request else GoalParse(goal=previous)
    answer = design_alloys(asked, on_progress=_report)
    return _compact(answer.compact()), answer


# --- experiment log -----------------------------------------------------------------------
class _LogSuggestionToolArgs(LogSuggestionArgs):
    """The tool's arguments: the plain function's, and the conversation's last design (injected by the graph's
    tool node, invisible to the model)."""

    design: Annotated[DesignAnswer | None, InjectedState("design")] = None


def _log_experiment_suggestion(ranks: list[int] | None = None, design: DesignAnswer | None = None,
                               config: RunnableConfig = None):
    # the conversation's thread id, from the run's config (an injected argument would be stripped by the tool node)
    thread = ((config or {}).get("configurable") or {}).get("thread_id")
    logged = log_suggestions(design, ranks, thread)
    return _compact(logged.compact()), logged


class _SuggestToolArgs(SuggestArgs):
    """The tool's arguments: the plain function's, and the conversation's goal (injected, invisible to the model)."""

    current_goal: Annotated[DesignGoal | None, InjectedState("goal")] = None


def _suggest_experiments(current_goal: DesignGoal | None = None, config: RunnableConfig = None, **arguments):
    thread = ((config or {}).get("configurable") or {}).get("thread_id")
    previous = DesignGoal.model_validate(current_goal) if isinstance(current_goal, dict) else current_goal
    args = SuggestArgs(**arguments)
    if args.request and parse_goal_text(args.request).goal.base_element:  # names a family: a new goal
        previous = None
    result = suggest_experiments(args, previous=previous, on_progress=_report, thread=thread)
    return _compact(result.compact()), result


def agent_tools() -> list[BaseTool]:
    """Every tool the planner may call, with descriptions for a model."""
    return [
        _tool(_design_alloys, "design_alloys", DesignAlloysArgs,
              "Design new metallic-glass compositions for a goal: generate with the conditional generator, predict "
              "Tg, Tx, Tl and GFA criteria with uncertainty, screen, cost and rank. Returns ranked candidates with "
              "predicted mean and std, the probability of meeting the goal, cost in USD/kg, the nearest known alloys "
              "and their sources, and the words of the request that were not understood. Structured goal fields: "
              + _goal_fields_help() + "."),
        _result_tool("predict_properties", PredictPropertiesArgs, _predict_properties),
        _result_tool("query_alloys", AlloyQuery, query_alloys),
        _result_tool("describe_alloy", DescribeArgs, describe_alloys),
        _result_tool("search_literature", SearchArgs, search_literature),
        _result_tool("extract_alloy_data", ExtractArgs, _extract_alloy_data),
        _result_tool("train_models", TrainArgs, _train_models),
        _tool(_log_experiment_suggestion, "log_experiment_suggestion", _LogSuggestionToolArgs,
              " ".join(LogSuggestionArgs.__doc__.split())),
        _result_tool("record_experiment_result", RecordResultArgs, record_result),
        _tool(_suggest_experiments, "suggest_experiments", _SuggestToolArgs, " ".join(SuggestArgs.__doc__.split())),
    ]

