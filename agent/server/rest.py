"""The REST API under /api/: design, predict, parse a goal, search the literature, query the knowledge base and the
experiment log, answering with the same JSON as the CLI's `--json`.

Request bodies are the tools' own argument models where one exists (`SearchArgs`, `AlloyQuery`,
`LogSuggestionArgs`, `SuggestArgs`, `DesignGoal`), so a bad body is HTTP 422 naming the field and the reason
(FastAPI's validation), never 500. An input the tools refuse (a formula that is not one, a goal
that cannot hold: `tools.errors.user_errors()`) is HTTP 400 with the tools' one-line message as
`detail`. Every endpoint is a plain `def`: FastAPI runs it in its thread pool, so a long design
does not hold up a prediction. Answers are the typed results' `to_json()`, returned as they are;
the declared response models give the OpenAPI page (/docs) its schemas.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import Discriminator, Field, Tag, field_validator

from alloygan.agent.server.app import service_of
from alloygan.agent.server.service import Service
from alloygan.models.design.goal import MAX_CANDIDATES, DesignGoal
from alloygan.tools.arguments import Arguments
from alloygan.tools.experiments import LogSuggestionArgs
from alloygan.tools.knowledge import AlloyQuery
from alloygan.tools.literature import SearchArgs
from alloygan.tools.prediction import MAX_INPUTS
from alloygan.tools.results import (
    Candidate,
    DesignAnswer,
    Experiment,
    ExperimentsReport,
    GoalParse,
    KnownAlloy,
    LiteratureHit,
    LoggedSuggestions,
    NextExperiments,
    Prediction,
    PredictionError,
)
from alloygan.tools.suggest import SuggestArgs

router = APIRouter(prefix="/api", tags=["alloygan"])

ServiceDependency = Annotated[Service, Depends(service_of)]
USER_ERROR = {400: {"description": "An input the tools refuse, with the one-line reason as `detail`"}}


def request_text(text: str) -> str:
    """A request in plain words: not blank, at most ALLOYGAN_API_MAX_MESSAGE_CHARS characters."""
    from alloygan.tools.settings import settings

    limit = settings().api.max_message_chars
    if not text.strip():
        raise ValueError("the request is blank; say what to design, e.g. 'find Zr-based glass with Trg>0.6'")
    if len(text) > limit:
        raise ValueError(f"{len(text):,} characters; at most {limit:,} (ALLOYGAN_API_MAX_MESSAGE_CHARS)")
    return text


def _goal_form(goal: Any) -> str | None:
    """Which form a design goal is in: "words" (a string), "fields" (an object), or neither."""
    return "words" if isinstance(goal, str) else "fields" if isinstance(goal, dict | DesignGoal) else None


GoalWordsOrFields = Annotated[
    Annotated[str, Tag("words")] | Annotated[DesignGoal, Tag("fields")],
    Discriminator(_goal_form, custom_error_type="goal_form",
                  custom_error_message="give the goal in plain words (a string) or as an object of goal fields")]


class DesignRequest(Arguments):
    """A design: the goal in plain words or as structured goal fields; `n` and `seed` override what it says."""

    goal: GoalWordsOrFields = Field(description="The goal in plain words (e.g. 'find Zr-based glass with Trg>0.6 "
                                               "avoiding Ag'), or an object of structured goal fields")
    n: int | None = Field(None, ge=1, le=MAX_CANDIDATES, description="Number of candidates (overrides the goal)")
    seed: int | None = Field(None, ge=0, description="Random seed (overrides the goal); the same goal and seed give "
                                                     "the same candidates")

    @field_validator("goal")
    @classmethod
    def _words(cls, goal: str | DesignGoal) -> str | DesignGoal:
        return request_text(goal) if isinstance(goal, str) else goal


class ParseGoalRequest(Arguments):
    """A goal in plain words to read (the offline grammar, no LLM)."""

    goal: str = Field(description="The goal in plain words, e.g. 'find Zr-based glass with Trg>0.6 avoiding Ag'")

    @field_validator("goal")
    @classmethod
    def _words(cls, goal: str) -> str:
        return request_text(goal)


class PredictRequest(Arguments):
    """Formulas to predict (the LLM's tool takes at most 50; a script may send a batch)."""

    formulas: list[str] = Field(min_length=1, max_length=MAX_INPUTS,
                                description=f"Alloy formulas in at.%, e.g. 'Zr55Cu30Al10Ni5' (at most {MAX_INPUTS:,})")


class LogRequest(LogSuggestionArgs):
    """Log candidates of a conversation's last design as experiment suggestions (the web page's button)."""

    thread: str = Field(min_length=1, max_length=200, description="The conversation (a thread id this server issued)")


@contextmanager
def user_errors_as_400() -> Iterator[None]:
    """An input the tools refuse becomes HTTP 400 with their one-line message; anything else stays a bug (500)."""
    from alloygan.tools.errors import user_errors

    try:
        yield
    except user_errors() as error:
        raise HTTPException(status_code=400, detail=str(error)) from None


def json_of(result: Any) -> JSONResponse:
    """A typed result (or a list of them) as the CLI's `--json` prints it."""
    content = [item.to_json() for item in result] if isinstance(result, list) else result.to_json()
    return JSONResponse(content)


def thread_not_found(thread: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"thread {thread!r}: no such conversation on this server "
                                                 "(give an id this server issued)")


@router.post("/design", response_model=list[Candidate] | DesignAnswer, responses=USER_ERROR)
def design(request: DesignRequest, service: ServiceDependency,
           full: Annotated[bool, Query(description="Answer the whole design (goal, words not understood, candidates, "
                                                   "counts, notes) instead of the candidates alone")] = False
           ) -> JSONResponse:
    """Ranked candidates for a goal: `alloygan design --json` (with `full=true`, the whole `DesignAnswer`)."""
    goal = request.goal if isinstance(request.goal, str) else request.goal.model_dump()
    with user_errors_as_400():
        answer = service.design(goal, n=request.n, seed=request.seed)
    return json_of(answer if full else answer.candidates)


@router.post("/predict", response_model=list[Prediction | PredictionError], responses=USER_ERROR)
def predict(request: PredictRequest, service: ServiceDependency) -> JSONResponse:
    """Tg, Tx, Tl, Trg, γ, ΔTx (mean ± 1σ) and the nearest known alloys per formula, in input order:
    `alloygan predict --json`. A formula that cannot be read refuses the request (400), as on the command line."""
    from alloygan.tools.knowledge import parse_compositions

    with user_errors_as_400():
        parse_compositions(request.formulas)
        return json_of(service.predict(request.formulas).predictions)


@router.post("/parse-goal", response_model=GoalParse, responses=USER_ERROR)
def parse_goal(request: ParseGoalRequest, service: ServiceDependency) -> JSONResponse:
    """How a goal in plain words is understood: `alloygan parse-goal --json` (the goal's fields, flat, and
    `not_understood`)."""
    with user_errors_as_400():
        return json_of(service.parse_goal(request.goal))


@router.post("/lit/search", response_model=list[LiteratureHit], responses=USER_ERROR)
def search_literature(request: SearchArgs, service: ServiceDependency) -> JSONResponse:
    """Passages of the ingested documents about a query, best first: `alloygan lit search --json`."""
    with user_errors_as_400():
        return json_of(service.search(request.query, request.k).passages)


@router.get("/kb/query", response_model=list[KnownAlloy], responses=USER_ERROR)
def query_alloys(query: Annotated[AlloyQuery, Query()], service: ServiceDependency) -> JSONResponse:
    """Known alloys matching elements and property conditions, highest Trg first: `alloygan kb query --json`.
    `require` and `exclude` may repeat or be comma-separated (`require=Cu,Al`); the header `X-Alloygan-Found` says
    how many match in all (more than returned when `limit` cut the list)."""
    fields = query.model_dump() | {name: [symbol for item in getattr(query, name) for symbol in item.split(",")]
                                   for name in ("require", "exclude")}
    with user_errors_as_400():
        result = service.query_alloys(**fields)
    response = json_of(result.alloys)
    response.headers["X-Alloygan-Found"] = str(result.n_found)
    return response


@router.get("/experiments", response_model=list[Experiment])
def experiments(service: ServiceDependency) -> JSONResponse:
    """Every experiment suggestion: `alloygan experiments list --json`."""
    with user_errors_as_400():
        return json_of(service.experiments())


@router.post("/experiments/log", response_model=LoggedSuggestions, responses={
    **USER_ERROR, 404: {"description": "No such conversation on this server"}})
def log_experiments(request: LogRequest, service: ServiceDependency) -> JSONResponse:
    """Log candidates (all, or those of `ranks`) of a conversation's last design as experiment suggestions."""
    if not service.is_served_thread(request.thread):
        raise thread_not_found(request.thread)
    with user_errors_as_400():
        return json_of(service.log_suggestions(request.thread, request.ranks))


@router.post("/suggest", response_model=NextExperiments, responses=USER_ERROR)
def suggest(request: SuggestArgs, service: ServiceDependency) -> JSONResponse:
    """The next experiments for a goal (`alloygan suggest --json`): a batch chosen by an acquisition function,
    logged as experiment suggestions unless `log` is false."""
    with user_errors_as_400():
        return json_of(service.suggest(**request.model_dump(exclude_unset=True)))


@router.get("/experiments/report", response_model=ExperimentsReport, responses=USER_ERROR)
def experiments_report(service: ServiceDependency, objective: str = "Trg", lowest: bool = False) -> JSONResponse:
    """Predicted vs measured per round and the best measured value so far (`alloygan experiments report --json`)."""
    with user_errors_as_400():
        return json_of(service.experiments_report(objective, lowest))


@router.get("/health")
def health(service: ServiceDependency) -> dict:
    """Whether the server answers, since when, how long its warm-up took and which planner answers chat turns."""
    return {"ok": True, "uptime_seconds": round(time.time() - service.started, 1),
            "warm_seconds": None if service.warm_seconds is None else round(service.warm_seconds, 2),
            "planner": service.assistant.planner_kind}
