"""The experiment log as plain functions with typed results (the CLI, the chat REPL and the tools share them).

Suggestions come from a design result (`tools.design.design_alloys`) or a `suggest` batch:
each keeps the composition, the predicted values with their uncertainty, the goal, the
acquisition and why it was chosen, the generator and forward-model versions and the time.
A result is recorded for a suggestion (by id, or by composition: a pending suggestion of
the same composition takes it) or for an alloy the user chose and cast (a log entry of its
own, with the forward model's prediction at record time). A recorded glass joins the
knowledge base as an `experiment` report; `experiments_report` compares prediction with
measurement per round and follows the best measured value (`tools.experiment_rounds`).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from alloygan.knowledge_base.composition import Composition
from alloygan.models.design.goal import MAX_CANDIDATES, DesignGoal
from alloygan.tools.arguments import Arguments, validated
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import (
    SHOWN_PROPERTIES, Candidate, DesignAnswer, DesignStats, Experiment, ExperimentCheck, ExperimentsReport, LoggedSuggestions, Prediction,
    PropertyAccuracy, PropertyCheck, rounded,
)

SIGMAS = 2.0  # a measurement "inside the prediction" lies within mean ± 2σ


class LogSuggestionArgs(Arguments):
    """Log candidates of the last design in this conversation as experiment suggestions (composition,
    predictions with uncertainty, goal, model versions); returns their ids."""

    ranks: list[Annotated[int, Field(ge=1, le=MAX_CANDIDATES)]] | None = Field(
        None, max_length=MAX_CANDIDATES,
        description=f"Ranks (1-{MAX_CANDIDATES}) of the last design's candidates to log; default all")

    @field_validator("ranks", mode="before")
    @classmethod
    def _bounded(cls, ranks):
        """One message for "top 50000000" (more ranks, or a higher rank, than a design returns)."""
        if isinstance(ranks, list) and (len(ranks) > MAX_CANDIDATES or any(
                isinstance(r, int) and r > MAX_CANDIDATES for r in ranks)):
            raise ValueError(f"a design returns at most {MAX_CANDIDATES} candidates; give ranks 1-{MAX_CANDIDATES}")
        return ranks


COMPOSITION_EXAMPLE = "Zr58Cu22Al12Ni8"
MAX_SOURCE_CHARS = 200


class RecordResultArgs(Arguments):
    """Record a lab result: for an experiment suggestion (its id), or for any alloy the user cast (its
    composition; a pending suggestion of the same composition takes the result): whether it formed a glass and
    its measured Tg, Tx, Tl in K. A glass's values are added to the knowledge base for the next training."""

    suggestion_id: int | None = Field(None, description="Id of the experiment suggestion (from the experiment log); "
                                      "leave out to record by composition")
    composition: str | None = Field(None, min_length=1, max_length=500, description=(
        f"Formula of the alloy cast, in at.%, e.g. '{COMPOSITION_EXAMPLE}' (with suggestion_id: must be that "
        "suggestion's alloy)"))
    amorphous: bool = Field(True, description="Whether the alloy formed a glass")
    Tg: float | None = Field(None, description="Measured glass transition temperature, K (required for a glass)")
    Tx: float | None = Field(None, description="Measured crystallisation onset, K (required for a glass)")
    Tl: float | None = Field(None, description="Measured liquidus temperature, K (required for a glass)")
    note: str = Field("", max_length=500, description="Lab note (method, heating rate, ...)")
    source: str = Field("", max_length=MAX_SOURCE_CHARS, description="Where and how it was measured, e.g. "
                        "'our lab, DSC 20 K/min' (kept in the log and in the knowledge base)")

    @model_validator(mode="after")
    def _names_an_alloy(self) -> "RecordResultArgs":
        if self.suggestion_id is None and self.composition is None:
            raise ValueError("give the suggestion id (see `alloygan experiments list`) or the composition of the "
                             f"alloy cast (--composition {COMPOSITION_EXAMPLE})")
        return self


def _log(store):
    from alloygan.knowledge_base.experiments import ExperimentLog

    return ExperimentLog(store)


def log_suggestions(design: DesignAnswer | None, ranks: Sequence[int] | None = None,
                    thread: str | None = None) -> LoggedSuggestions:
    """Log candidates of a design (all, or those of the given ranks) as experiment suggestions."""
    from alloygan.tools.knowledge import open_store

    if ranks:  # the bounds a model meets, for every caller (chat /log, the REST endpoint, the Python API)
        ranks = validated(LogSuggestionArgs, ranks=list(ranks)).ranks
    if design is None or not design.candidates:
        raise ToolInputError("no designed candidates to log yet; run a design first (e.g. \"find Zr-based glass "
                             "with Trg>0.6\")")
    candidates = design.candidates
    if ranks:
        unknown = [r for r in dict.fromkeys(ranks) if design.candidate(r) is None]
        if unknown:
            shown = ", ".join(map(str, unknown[:5])) + (f", … ({len(unknown)} in all)" if len(unknown) > 5 else "")
            raise ToolInputError(f"rank {shown}: not in the last design (ranks 1-{len(candidates)})")
        candidates = [design.candidate(r) for r in dict.fromkeys(ranks)]
    goal_text, key = design.goal.describe(), design_key(design)
    new = [new_suggestion(c, design.goal, goal_text, c.rank, design.stats, thread, key, "design", _design_reason(c))
           for c in candidates]
    with open_store() as store:
        log = _log(store)
        ids = log.add_suggestions(new)
        return LoggedSuggestions(logged=[Experiment.of(log.get(i)) for i, created in ids if created],
                                 already_logged=[Experiment.of(log.get(i)) for i, created in ids if not created])


def _design_reason(candidate) -> str:
    chance = f", P(meets goal) {candidate.p_meets_goal:.2f}" if candidate.p_meets_goal is not None else ""
    return f"rank {candidate.rank} of the design{chance}"


def new_suggestion(candidate: Candidate, goal: DesignGoal, goal_text: str, rank: int, stats: DesignStats,
                   thread: str | None, key: str, acquisition: str, reason: str):
    """The experiment-log entry of a designed candidate: its composition, predictions, cost and P(goal), the goal
    it was chosen for, the versions of the models that made it (`stats`), and how and why it was chosen."""
    from alloygan.knowledge_base.experiments import NewSuggestion

    return NewSuggestion(
        composition=Composition.from_dict(candidate.composition),
        predicted={name: value.to_json() for name, value in candidate.estimates().items()},
        goal=goal.as_json(), goal_text=goal_text, p_meets_goal=candidate.p_meets_goal,
        cost_usd_per_kg=candidate.cost_usd_per_kg, design_rank=rank, generator=stats.generator,
        forward_model=stats.forward_model, thread=thread, design_key=key, acquisition=acquisition,
        reason=reason)


def design_key(design: DesignAnswer) -> str:
    """What names a design: its goal in full (bounds' strictness and seed included) and the versions of the
    models that made it. The same goal, seed and models give the same candidates, so one of them logged
    twice is one suggestion."""
    named = {"goal": design.goal.model_dump(mode="json"), "generator": design.stats.generator,
             "forward_model": design.stats.forward_model}
    return hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()


def list_suggestions() -> list[Experiment]:
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return [Experiment.of(s) for s in _log(store).suggestions()]


def show_suggestion(suggestion_id: int) -> Experiment:
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return Experiment.of(_log(store).get(suggestion_id))


def record_result(args: RecordResultArgs, thread: str | None = None) -> Experiment:
    """Record a measurement; a glass's Tg, Tx, Tl also join the knowledge base (source kind `experiment`).

    By id: that suggestion's result (with a composition too, it must be that suggestion's alloy: a check against
    a mistyped id). By composition: the oldest pending suggestion of the same canonical composition takes it;
    without one, the user's own alloy gets a log entry (acquisition "user") with the forward model's prediction
    at record time, or none when no model is trained. Checked in full before anything is stored."""
    from alloygan.knowledge_base.experiments import check_measurement
    from alloygan.tools.knowledge import open_store

    composition = parsed_composition(args.composition) if args.composition is not None else None
    with open_store() as store:
        log = _log(store)
        target = args.suggestion_id
        if target is not None and composition is not None:
            logged = log.get(target)
            if Composition.from_dict(logged.composition) != composition:
                raise ToolInputError(f"suggestion {target} is {logged.formula}, not {composition.formula}; give the "
                                     "id or the composition alone")
        elif target is None:
            pending = log.pending_for(composition)
            target = pending.id if pending is not None else None
        if target is not None:
            return Experiment.of(log.record(target, args.amorphous, args.Tg, args.Tx, args.Tl, args.note, args.source))
    check_measurement(composition.formula, args.amorphous, args.Tg, args.Tx, args.Tl)  # before the model loads
    predicted, forward_model = predicted_at_record_time(composition)
    with open_store() as store:
        return Experiment.of(_log(store).record_user_alloy(
            composition, args.amorphous, args.Tg, args.Tx, args.Tl, args.note, args.source, predicted=predicted,
            forward_model=forward_model, thread=thread))


def parsed_composition(text: str) -> Composition:
    """The project's formula parser, its refusal named with an example of what it reads."""
    from alloygan.knowledge_base.composition import CompositionError
    from alloygan.knowledge_base.formula import FormulaError

    try:
        return Composition.parse(text)
    except CompositionError as error:
        what = str(error) if isinstance(error, FormulaError) else f"cannot read composition {text!r}: {error}"
        raise ToolInputError(f"{what}; give the alloy in at.%, e.g. {COMPOSITION_EXAMPLE}") from None


def predicted_at_record_time(composition: Composition) -> tuple[dict[str, dict[str, float | None]], str]:
    """What the saved forward model predicts for the alloy, and its version; ({}, "") when no model is trained
    or it cannot predict this alloy (an element it never saw). A model saved before the newest data is used as
    it is: its prediction is what was known before this measurement. Nothing is trained here. A known alloy
    gets the model's prediction too (not its measured values, which `predict` shows): the log compares the
    model with the lab."""
    from alloygan.models.model_store import ModelStoreError, forward_version
    from alloygan.models.model_store.forward import load_saved_forward
    from alloygan.tools.prediction import predict_properties

    try:
        model = load_saved_forward()
    except ModelStoreError:
        return {}, ""
    result = predict_properties([composition.formula], nearest=1, model=model, known_as_measured=False)[0]
    if not isinstance(result, Prediction):
        return {}, ""
    return {name: value.to_json() for name, value in result.estimates().items()}, forward_version()


def _measured_features(Tg: float, Tx: float, Tl: float) -> dict[str, float]:
    from alloygan.models.descriptors.thermal import thermal_feature_dict

    features = thermal_feature_dict(Tg, Tx, Tl)
    return {name: float(features[name][0]) for name in SHOWN_PROPERTIES}


def _checked(experiment: Experiment) -> tuple[ExperimentCheck, dict[str, float]]:
    """One measured experiment: per predicted property the measurement, the error and whether it lay inside
    ±2σ; and the errors unrounded (for the means)."""
    m = experiment.measurement
    if not m.amorphous:
        return ExperimentCheck(id=experiment.id, formula=experiment.formula, amorphous=False, properties={},
                               note=m.note), {}
    values = _measured_features(m.Tg, m.Tx, m.Tl)
    properties, errors = {}, {}
    for name in SHOWN_PROPERTIES:
        predicted = experiment.predicted.get(name)
        if predicted is None or predicted.mean is None:
            continue
        errors[name] = values[name] - predicted.mean
        properties[name] = PropertyCheck(predicted=predicted, measured=rounded(values[name], 4),
                                         error=rounded(errors[name], 4),
                                         within_2sigma=abs(errors[name]) <= SIGMAS * (predicted.std or 0.0))
    return ExperimentCheck(id=experiment.id, formula=experiment.formula, amorphous=True, properties=properties), errors


def experiments_report(objective: str = "Trg", lowest: bool = False) -> ExperimentsReport:
    """Predicted vs measured (the active-learning loop): per property the mean absolute error and how
    often the measurement fell inside the predicted ±2σ; per experiment the details; per round the counts;
    and the best measured `objective` (any property of Tg, Tx, Tl: Trg, gamma, ...; the highest, or the
    lowest with `lowest`) after each experiment, in the order recorded."""
    from alloygan.knowledge_base.experiments import ExperimentLog
    from alloygan.tools.experiment_rounds import best_so_far, objective_property, rounds_of
    from alloygan.tools.knowledge import open_store

    name = objective_property(objective)  # refused before the log is read
    with open_store() as store:
        logged = ExperimentLog(store).suggestions()
    suggestions = [Experiment.of(s) for s in logged]
    measured = [s for s in suggestions if s.measurement is not None]
    glasses = sum(s.measurement.amorphous for s in measured)
    checked = [_checked(s) for s in measured]
    checks = [check for check, _ in checked]
    properties = {}
    for shown in SHOWN_PROPERTIES:
        errors = [abs(found[shown]) for _, found in checked if shown in found]
        if errors:
            inside = sum(check.properties[shown].within_2sigma for check in checks if shown in check.properties)
            properties[shown] = PropertyAccuracy(n=len(errors), mean_abs_error=rounded(sum(errors) / len(errors), 4),
                                                 within_2sigma=inside, within_2sigma_share=rounded(inside / len(errors), 4))
    keys = [s.design_key for s in logged]
    return ExperimentsReport(suggestions=len(suggestions), measured=len(measured), glasses=glasses,
                             not_glasses=len(measured) - glasses, pending=len(suggestions) - len(measured),
                             properties=properties, experiments=sorted(checks, key=lambda check: check.id),
                             objective=name, maximise=not lowest,
                             rounds=rounds_of(suggestions, keys, name, maximise=not lowest),
                             best_so_far=best_so_far(suggestions, keys, name, maximise=not lowest))
