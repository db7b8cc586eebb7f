"""The experiment log as plain functions with typed results (the CLI, the chat REPL and the tools share them).

Suggestions come from a design result (`tools.design.design_alloys`): each keeps the
composition, the predicted values with their uncertainty, the goal, the generator and
forward-model versions and the time. A recorded result of a glass joins the knowledge
base as an `experiment` report; `experiments_report` compares prediction with measurement.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, field_validator

from alloygan.models.design.goal import MAX_CANDIDATES
from alloygan.tools.arguments import Arguments, validated
from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import (
    SHOWN_PROPERTIES, DesignAnswer, Experiment, ExperimentCheck, ExperimentsReport, LoggedSuggestions, PropertyAccuracy,
    PropertyCheck, rounded,
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


class RecordResultArgs(Arguments):
    """Record a lab result for an experiment suggestion: whether it formed a glass and its measured Tg, Tx, Tl
    in K. A glass's values are added to the knowledge base for the next training."""

    suggestion_id: int = Field(description="Id of the experiment suggestion (from the experiment log)")
    amorphous: bool = Field(True, description="Whether the alloy formed a glass")
    Tg: float | None = Field(None, description="Measured glass transition temperature, K (required for a glass)")
    Tx: float | None = Field(None, description="Measured crystallisation onset, K (required for a glass)")
    Tl: float | None = Field(None, description="Measured liquidus temperature, K (required for a glass)")
    note: str = Field("", max_length=500, description="Lab note (method, heating rate, ...)")


def _log(store):
    from alloygan.knowledge_base.experiments import ExperimentLog

    return ExperimentLog(store)


def log_suggestions(design: DesignAnswer | None, ranks: Sequence[int] | None = None,
                    thread: str | None = None) -> LoggedSuggestions:
    """Log candidates of a design (all, or those of the given ranks) as experiment suggestions."""
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.experiments import NewSuggestion
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
    goal, goal_text, key = design.goal.as_json(), design.goal.describe(), design_key(design)
    new = [
        NewSuggestion(
            composition=Composition.from_dict(c.composition),
            predicted={name: value.to_json() for name, value in c.estimates().items()},
            goal=goal, goal_text=goal_text, p_meets_goal=c.p_meets_goal, cost_usd_per_kg=c.cost_usd_per_kg,
            design_rank=c.rank, generator=design.stats.generator, forward_model=design.stats.forward_model,
            thread=thread, design_key=key,
        )
        for c in candidates
    ]
    with open_store() as store:
        log = _log(store)
        ids = log.add_suggestions(new)
        return LoggedSuggestions(logged=[Experiment.of(log.get(i)) for i, created in ids if created],
                                 already_logged=[Experiment.of(log.get(i)) for i, created in ids if not created])


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


def record_result(args: RecordResultArgs) -> Experiment:
    """Record a measurement; a glass's Tg, Tx, Tl also join the knowledge base (source kind `experiment`)."""
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return Experiment.of(_log(store).record(args.suggestion_id, args.amorphous, args.Tg, args.Tx, args.Tl,
                                                args.note))


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


def experiments_report() -> ExperimentsReport:
    """Predicted vs measured (the active-learning loop): per property the mean absolute error and how
    often the measurement fell inside the predicted ±2σ; per experiment the details."""
    suggestions = list_suggestions()
    measured = [s for s in suggestions if s.measurement is not None]
    glasses = sum(s.measurement.amorphous for s in measured)
    checked = [_checked(s) for s in measured]
    checks = [check for check, _ in checked]
    properties = {}
    for name in SHOWN_PROPERTIES:
        errors = [abs(found[name]) for _, found in checked if name in found]
        if errors:
            inside = sum(check.properties[name].within_2sigma for check in checks if name in check.properties)
            properties[name] = PropertyAccuracy(n=len(errors), mean_abs_error=rounded(sum(errors) / len(errors), 4),
                                                within_2sigma=inside, within_2sigma_share=rounded(inside / len(errors), 4))
    return ExperimentsReport(suggestions=len(suggestions), measured=len(measured), glasses=glasses,
                             not_glasses=len(measured) - glasses, pending=len(suggestions) - len(measured),
                             properties=properties, experiments=sorted(checks, key=lambda check: check.id))
