"""The next experiments for a goal (`alloygan suggest`, the `suggest_experiments` tool): design a pool of
candidates, score them with an acquisition function against the best measured alloy, choose a diverse batch,
and log it as experiment suggestions (with the acquisition and the reason for each).

The science is in `alloygan.models.active_learning.suggestion`; this module joins it to the design pipeline,
the alloy table and the experiment log, and builds the typed result.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Literal

import numpy as np
from pydantic import Field

from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.models.active_learning.suggestion import (
    DEFAULT_ACQUISITION,
    KAPPA,
    MIN_DISTANCE_AT_PCT,
    XI,
    ObjectiveChoice,
    choose_batch,
    choose_objective,
    incumbent,
)
from alloygan.models.design.goal import DesignGoal
from alloygan.tools.arguments import Arguments
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import (
    DesignAnswer, Estimate, GoalParse, Incumbent, NearestKnown, NextExperiments, ObjectiveUsed, SuggestedExperiment,
    rounded,
)
from alloygan.tools.results.suggestions import gain_text, value_text

MAX_BATCH = 20
POOL_PER_SUGGESTION = 10  # designed candidates scored per suggestion asked for
MIN_POOL, MAX_POOL = 40, 200
GENERATED = 40_000  # compositions generated for the pool (a design of 10 makes 20,000; suggest stays interactive)


class SuggestArgs(Arguments):
    """Choose the next experiments for a design goal: a batch of designed alloys to cast, picked by an
    acquisition function (expected improvement over the best measured alloy by default), diverse, inside the
    domain of applicability unless the goal explores; logged as experiment suggestions with the reason for each.
    Use it when the user asks what to cast, make or measure next."""

    request: str | None = Field(None, description="The goal in plain words, e.g. 'Zr-based glass with the highest "
                                                  "Trg avoiding Be'")
    goal: dict | None = Field(None, description="Structured goal fields (instead of or on top of `request`)")
    batch: int = Field(5, ge=1, le=MAX_BATCH, description=f"How many experiments to suggest (1-{MAX_BATCH})")
    acquisition: Literal["EI", "PI", "UCB", "greedy", "thompson"] = Field(
        DEFAULT_ACQUISITION, description="EI: expected improvement (default); PI: probability of improvement; UCB: "
                                         "upper confidence bound (explores more); greedy: the best predicted value "
                                         "(pure exploitation); thompson: Thompson sampling")
    min_distance_at_pct: float = Field(MIN_DISTANCE_AT_PCT, ge=0.0, le=50.0,
                                       description="No two suggestions closer than this (half-L1 distance, at.%)")
    log: bool = Field(True, description="Write the suggestions to the experiment log")


def _fractions(compositions: list[dict[str, float]]) -> np.ndarray:
    from alloygan.knowledge_base.composition import Composition
    from alloygan.models.encoding import ElementVocabulary

    parsed = [Composition.from_dict(c) for c in compositions]
    return ElementVocabulary.from_compositions(parsed).encode(parsed)


def _incumbent(goal: DesignGoal, objective: ObjectiveChoice, table) -> tuple[Incumbent | None, float]:
    """The best measured alloy of the goal's family that obeys its element rules, and the objective's standard
    deviation over the family (the scale of ξ and κ)."""
    family = table.select(base=goal.base_element)
    if objective.property not in family.frame.columns:
        raise ToolInputError(f"objective {objective.property!r} is not a property of the alloy table")
    scale = float(np.nanstd(family.frame[objective.property].to_numpy(dtype=float)))
    eligible = family.select(require=goal.required_elements, exclude=goal.excluded_elements)
    best = incumbent(eligible.frame[objective.property].to_numpy(dtype=float), objective.maximise)
    if best is None:
        return None, scale
    alloy = NearestKnown.of(eligible.alloys[best.row], float("nan"))
    return Incumbent(value=rounded(best.value, 4), alloy=alloy), scale


def _reason(acquisition: str, value: float | None, gain: float | None, objective: ObjectiveChoice,
            estimate: Estimate, best: Incumbent | None, candidate) -> str:
    name = objective.property
    versus = (f" vs best measured {value_text(name, best.value)} ({best.alloy.formula})" if best is not None
              else " (no measured alloy of the family to improve on)")
    acquired = {"EI": f"expected improvement {gain_text(gain, name)} (× P(goal): {gain_text(value, name)})",
                "PI": f"probability of improvement {value:.2f}" if value is not None else "",
                "UCB": f"upper confidence bound {value_text(name, value)}",
                "greedy": f"best predicted {name}", "thompson": f"Thompson draw {value_text(name, value)}"}[acquisition]
    near = candidate.nearest_known[0] if candidate.nearest_known else None
    where = (f"{near.distance_at_pct:g} at.% from {near.formula}" if near else "no known alloy near")
    domain = f" ({candidate.domain.label})" if candidate.domain else ""
    gained = f"; expected gain {gain_text(gain, name)}" if acquisition != "EI" and gain is not None else ""
    return (f"{acquired}: predicted {name} {value_text(name, estimate.mean)} ± {value_text(name, estimate.std)}"
            f"{versus}{gained}; P(goal) {candidate.p_meets_goal:.2f}; {where}{domain}; "
            f"{candidate.cost_usd_per_kg:.1f} USD/kg")


def suggest_experiments(args: SuggestArgs, previous: DesignGoal | None = None,
                        on_progress: ProgressCallback | None = None, thread: str | None = None) -> NextExperiments:
    """The next experiments for the goal of `args` (refining `previous`, the conversation's goal, if given)."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.tools.design import design_alloys, goal_from_fields, parse_goal_text

    started = time.perf_counter()
    if not args.request and not args.goal and previous is None:
        raise ToolInputError("give the goal: e.g. alloygan suggest \"Zr-based glass with the highest Trg\"")
    if args.goal:
        previous = goal_from_fields((previous.model_dump() if previous else {}) | dict(args.goal))
    parsed = parse_goal_text(args.request, previous) if args.request else GoalParse(goal=previous)
    goal = parsed.goal
    if not goal.says_anything() or goal.base_element is None:
        raise ToolInputError("the goal names no alloy family; say e.g. \"Zr-based glass with the highest Trg\"")
    objective = choose_objective(goal)
    pool_size = min(MAX_POOL, max(MIN_POOL, POOL_PER_SUGGESTION * args.batch))
    pool_goal = goal.model_copy(update={"n_candidates": pool_size})
    design = design_alloys(GoalParse(goal=pool_goal, not_understood=parsed.not_understood), on_progress=on_progress,
                           n_generated=GENERATED)
    table = load_alloy_table()
    best, scale = _incumbent(goal, objective, table)
    candidates = [c for c in design.candidates]
    estimates = [c.estimate(objective.property) for c in candidates]
    if not candidates or any(e is None or e.mean is None for e in estimates):
        raise ToolInputError(f"no candidate with a prediction of {objective.property} for {goal.describe()}")
    chosen = choose_batch(
        args.acquisition,
        mean=np.array([e.mean for e in estimates]), std=np.array([e.std or 0.0 for e in estimates]),
        p_meets_goal=np.array([c.p_meets_goal or 0.0 for c in candidates]),
        meets_goal=np.array([not c.near_miss for c in candidates]),
        fractions=_fractions([c.composition for c in candidates]),
        best=best.value if best else None, scale=scale, maximise=objective.maximise, batch_size=args.batch,
        min_distance_at_pct=args.min_distance_at_pct, seed=goal.seed)
    suggestions = []
    for order, (index, value, gain) in enumerate(zip(chosen.picks, chosen.acquisition, chosen.expected_gain), 1):
        candidate, estimate = candidates[int(index)], estimates[int(index)]
        value, gain = rounded(value, 8), rounded(gain, 8)
        suggestions.append(SuggestedExperiment(
            order=order, candidate=candidate, objective=estimate, acquisition_value=value, expected_improvement=gain,
            reason=_reason(args.acquisition, value, gain, objective, estimate, best, candidate), experiment_id=None))
    notes = list(design.notes)
    if len(suggestions) < args.batch:
        notes.append(f"only {len(suggestions)} of the {len(candidates)} candidates scored are at least "
                     f"{args.min_distance_at_pct:g} at.% apart and eligible; lower min_distance_at_pct or relax the goal")
    if best is not None and suggestions:
        sign = 1.0 if objective.maximise else -1.0
        ahead = [s for s in suggestions if s.objective.mean is not None and sign * (s.objective.mean - best.value) > 0]
        if not ahead:
            top = max((s.expected_improvement or 0.0) for s in suggestions)
            notes.append(f"no suggestion is predicted to beat the best measured {objective.property} "
                         f"({value_text(objective.property, best.value)}, {best.alloy.formula}); the largest expected "
                         f"improvement is {gain_text(top, objective.property)}: these are the best chances the model "
                         "sees, not likely improvements")
    if objective.chosen_by == "default":
        notes.append("the goal names no property to improve: the suggestions aim at the highest Trg; say e.g. "
                     "\"the highest gamma\" to choose another")
    result = NextExperiments(
        goal=goal, goal_text=goal.describe().replace(f"{goal.n_candidates} candidates, ", ""),  # the batch says how many
        objective=ObjectiveUsed(property=objective.property, maximise=objective.maximise,
                                chosen_by=objective.chosen_by),
        acquisition=args.acquisition,
        parameters={"xi": XI, "kappa": KAPPA, "min_distance_at_pct": args.min_distance_at_pct,
                    "objective_scale": rounded(scale, 6) or 0.0},
        incumbent=best, suggestions=suggestions, candidates_considered=len(candidates), logged=False, notes=notes,
        not_understood=list(parsed.not_understood), forward_model=design.stats.forward_model,
        generator=design.stats.generator, seconds=0.0)
    if args.log and suggestions:
        result = _logged(result, design, thread)
    return result.model_copy(update={"seconds": round(time.perf_counter() - started, 3)})


def batch_key(result: NextExperiments) -> str:
    """What names a batch: the goal, the acquisition and its settings, the incumbent and the models. The same
    request on the same data and models gives the same batch, logged once."""
    named = {"kind": "suggest", "goal": result.goal.model_dump(mode="json"), "acquisition": result.acquisition,
             "parameters": result.parameters, "batch": len(result.suggestions),
             "incumbent": result.incumbent.to_json() if result.incumbent else None,
             "forward_model": result.forward_model, "generator": result.generator}
    return hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()


def _logged(result: NextExperiments, design: DesignAnswer, thread: str | None) -> NextExperiments:
    from alloygan.knowledge_base.experiments import ExperimentLog
    from alloygan.tools.experiments import new_suggestion
    from alloygan.tools.knowledge import open_store

    key = batch_key(result)
    new = [new_suggestion(s.candidate, result.goal, result.goal_text, s.order, design.stats, thread, key,
                          result.acquisition, s.reason) for s in result.suggestions]
    with open_store() as store:
        ids = ExperimentLog(store).add_suggestions(new)
    suggestions = [s.model_copy(update={"experiment_id": logged.id}) for s, logged in zip(result.suggestions, ids)]
    return result.model_copy(update={"suggestions": suggestions, "logged": True,
                                     "already_logged": [logged.id for logged in ids if not logged.created]})
