"""The Python API: design, predict, parse goals and search the literature from a script or a notebook.

The functions are the CLI's and the assistant's, and return the same typed results
(`alloygan.tools.results`), which have `to_json()`, `compact()` and, where a table is natural,
`to_frame()` for pandas. State (the store, trained models, the literature index) lives in
`ALLOYGAN_HOME`, as for the CLI.

Long work is never silent: a model that is missing or out of date is trained on first use, and
its progress goes to `on_progress` (a callable taking a `Progress`), or, when none is given, to
stderr as one line per stage ("training the ours generator for Zr (no saved model): epoch 1/600").
Bad input raises `ValueError` (a subclass naming the input and the fix).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alloygan.knowledge_base.progress import ProgressCallback
    from alloygan.models.design.goal import DesignGoal
    from alloygan.tools.results import DesignAnswer, GoalParse, LiteratureSearch, NextExperiments, Predictions

@contextmanager
def _reporting(on_progress: ProgressCallback | None, message: str) -> Iterator[Callable[[Any], None]]:
    """The caller's callback, or the CLI's one adapter (one line per stage on stderr in a notebook)."""
    if on_progress is not None:
        yield on_progress
        return
    from alloygan.agent.cli.output import progress

    with progress(message) as update:
        yield update


def parse_goal(text: str) -> GoalParse:
    """How a goal in plain words is understood: `.goal` (a `DesignGoal`) and `.not_understood` (words not used)."""
    from alloygan.tools.design import parse_goal_text

    return parse_goal_text(_text(text, "goal"))


def design(goal: str | DesignGoal | dict, n: int | None = None, seed: int | None = None,
           on_progress: ProgressCallback | None = None) -> DesignAnswer:
    """Ranked candidates for a goal: plain words ("find Zr-based glass with Trg>0.6 avoiding Ag"), a
    `DesignGoal`, or a dict of its fields. `n` and `seed` override what the goal says.

    Returns a `DesignAnswer`: `.candidates` (each with predictions ± 1σ, P(meets goal), cost, the
    nearest known alloys and their sources), `.stats`, `.notes`, `.not_understood`; `.to_frame()`.
    """
    from alloygan.models.design.goal import MAX_CANDIDATES, DesignGoal
    from alloygan.tools.design import design_alloys, goal_from_fields, parse_goal_text
    from alloygan.tools.errors import ToolInputError
    from alloygan.tools.results import GoalParse

    if isinstance(goal, str):
        parsed = parse_goal_text(_text(goal, "goal"))
    elif isinstance(goal, DesignGoal):
        parsed = GoalParse(goal=goal)
    elif isinstance(goal, dict):
        parsed = GoalParse(goal=goal_from_fields(goal))
    else:
        raise ToolInputError(f"goal: give plain words, a DesignGoal or a dict of its fields, not {type(goal).__name__}")
    updates = {}
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CANDIDATES:
            raise ToolInputError(f"n={n!r}: give a whole number of candidates from 1 to {MAX_CANDIDATES}")
        updates["n_candidates"] = n
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ToolInputError(f"seed={seed!r}: give a whole number >= 0")
        updates["seed"] = seed
    if updates:
        parsed = parsed.model_copy(update={"goal": parsed.goal.model_copy(update=updates)})
    with _reporting(on_progress, "designing") as report:
        return design_alloys(parsed, on_progress=report)


def predict(formulas: str | Sequence[str], on_progress: ProgressCallback | None = None) -> Predictions:
    """Tg, Tx, Tl, Trg, γ, ΔTx (mean ± 1σ), P(good GFA) and the nearest known alloys, per formula in order.

    A formula that cannot be predicted gives a `PredictionError` in its place (`.failed()` lists them).
    """
    from alloygan.tools.errors import ToolInputError
    from alloygan.tools.prediction import MAX_INPUTS, predict_properties
    from alloygan.tools.results import Predictions

    inputs = [formulas] if isinstance(formulas, str) else list(formulas)
    if not inputs or not all(isinstance(f, str) for f in inputs):
        raise ToolInputError("formulas: give a formula or a list of formulas (strings), e.g. 'Zr55Cu30Al10Ni5'")
    if len(inputs) > MAX_INPUTS:
        raise ToolInputError(f"formulas: {len(inputs):,} given; at most {MAX_INPUTS:,} per call")
    with _reporting(on_progress, "predicting") as report:
        return Predictions(predictions=predict_properties(inputs, on_progress=report))


def search_literature(query: str, k: int = 5) -> LiteratureSearch:
    """Passages of the ingested documents (`alloygan lit ingest`) about `query`, best first, with citations."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.literature import SearchArgs
    from alloygan.tools.literature import search_literature as search

    return search(validated(SearchArgs, query=query, k=k))


def suggest(goal: str, batch: int = 5, acquisition: str = "EI", log: bool = True,
            on_progress: ProgressCallback | None = None) -> NextExperiments:
    """The next experiments for a goal in plain words ("Zr-based glass with the highest Trg"): `batch` designed
    alloys chosen by `acquisition` (EI, PI, UCB, greedy, thompson) against the best measured alloy, each with
    the reason; logged as experiment suggestions unless `log` is False. `.suggestions`, `.incumbent`."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.suggest import SuggestArgs, suggest_experiments

    args = validated(SuggestArgs, request=_text(goal, "goal"), batch=batch, acquisition=acquisition, log=log)
    with _reporting(on_progress, "choosing the next experiments") as report:
        return suggest_experiments(args, on_progress=report)


def _text(value: object, what: str) -> str:
    from alloygan.tools.errors import ToolInputError

    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"{what}: give the request in plain words, e.g. 'find Zr-based glass with Trg>0.6'")
    return value
