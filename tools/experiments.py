"""The experiment log as plain functions with JSON-able results (the CLI, the chat REPL and the tools share them).

Suggestions come from a design result (`tools.design.design_alloys`): each keeps the
composition, the predicted values with their uncertainty, the goal, the generator and
forward-model versions and the time. A recorded result of a glass joins the knowledge
base as an `experiment` report; `experiments_report` compares prediction with measurement.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from alloygan.tools.errors import ToolInputError

COMPARED = ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")
SIGMAS = 2.0  # a measurement "inside the prediction" lies within mean ± 2σ


def _log(store):
    from alloygan.knowledge_base.experiments import ExperimentLog

    return ExperimentLog(store)


def suggestion_record(suggestion) -> dict:
    record = asdict(suggestion)
    record["status"] = ("pending" if suggestion.measurement is None
                        else "glass" if suggestion.measurement.amorphous else "not a glass")
    return record


def log_suggestions(design: dict | None, ranks: Sequence[int] | None = None, thread: str | None = None) -> list[dict]:
    """Log candidates of a design result (all, or those of the given ranks) as experiment suggestions."""
    from alloygan.models.design.goal import DesignGoal
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.experiments import NewSuggestion
    from alloygan.tools.knowledge import open_store

    if not design or not design.get("candidates"):
        raise ToolInputError("no designed candidates to log yet; run a design first (e.g. \"find Zr-based glass "
                             "with Trg>0.6\")")
    candidates = design["candidates"]
    if ranks:
        by_rank = {c["rank"]: c for c in candidates}
        unknown = [r for r in ranks if r not in by_rank]
        if unknown:
            raise ToolInputError(f"rank {', '.join(map(str, unknown))}: not in the last design "
                                 f"(ranks 1-{len(candidates)})")
        candidates = [by_rank[r] for r in dict.fromkeys(ranks)]
    goal = design["goal"]
    goal_text = DesignGoal(**{k: v for k, v in goal.items()}).describe()
    stats = design.get("stats", {})
    new = [
        NewSuggestion(
            composition=Composition.from_dict(c["composition"]),
            predicted={name: value for name, value in c.items() if isinstance(value, dict) and "mean" in value},
            goal=goal, goal_text=goal_text, p_meets_goal=c.get("p_meets_goal"),
            cost_usd_per_kg=c.get("cost_usd_per_kg"), design_rank=c.get("rank"),
            generator=stats.get("generator", ""), forward_model=stats.get("forward_model", ""), thread=thread,
        )
        for c in candidates
    ]
    with open_store() as store:
        log = _log(store)
        ids = log.add_suggestions(new)
        return [suggestion_record(log.get(i)) for i in ids]


def list_suggestions() -> list[dict]:
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return [suggestion_record(s) for s in _log(store).suggestions()]


def show_suggestion(suggestion_id: int) -> dict:
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return suggestion_record(_log(store).get(suggestion_id))


def record_result(suggestion_id: int, Tg: float | None = None, Tx: float | None = None, Tl: float | None = None,
                  amorphous: bool = True, note: str = "") -> dict:
    """Record a measurement; a glass's Tg, Tx, Tl also join the knowledge base (source kind `experiment`)."""
    from alloygan.tools.knowledge import open_store

    with open_store() as store:
        return suggestion_record(_log(store).record(suggestion_id, amorphous, Tg, Tx, Tl, note))


def _measured_features(Tg: float, Tx: float, Tl: float) -> dict[str, float]:
    from alloygan.models.descriptors.thermal import thermal_feature_dict

    features = thermal_feature_dict(Tg, Tx, Tl)
    return {name: float(features[name][0]) for name in COMPARED}


def experiments_report() -> dict:
    """Predicted vs measured (the active-learning loop): per property the mean absolute error and how
    often the measurement fell inside the predicted ±2σ; per experiment the details."""
    from alloygan.tools.serialize import rounded

    suggestions = list_suggestions()
    measured = [s for s in suggestions if s["measurement"] is not None]
    glasses = [s for s in measured if s["measurement"]["amorphous"]]
    rows, errors = [], {name: [] for name in COMPARED}
    inside = {name: [] for name in COMPARED}
    for s in glasses:
        m = s["measurement"]
        values = _measured_features(m["Tg"], m["Tx"], m["Tl"])
        row = {"id": s["id"], "formula": s["formula"], "amorphous": True, "properties": {}}
        for name in COMPARED:
            predicted = s["predicted"].get(name)
            if not predicted or predicted.get("mean") is None:
                continue
            error = values[name] - predicted["mean"]
            within = abs(error) <= SIGMAS * (predicted.get("std") or 0.0)
            errors[name].append(abs(error))
            inside[name].append(within)
            row["properties"][name] = {"predicted": predicted, "measured": rounded(values[name], 4),
                                       "error": rounded(error, 4), "within_2sigma": within}
        rows.append(row)
    rows += [{"id": s["id"], "formula": s["formula"], "amorphous": False, "properties": {},
              "note": s["measurement"]["note"]} for s in measured if not s["measurement"]["amorphous"]]
    properties = {
        name: {"n": len(errors[name]),
               "mean_abs_error": rounded(sum(errors[name]) / len(errors[name]), 4),
               "within_2sigma": sum(inside[name]),
               "within_2sigma_share": rounded(sum(inside[name]) / len(inside[name]), 4)}
        for name in COMPARED if errors[name]
    }
    return {
        "suggestions": len(suggestions),
        "measured": len(measured),
        "glasses": len(glasses),
        "not_glasses": len(measured) - len(glasses),
        "pending": len(suggestions) - len(measured),
        "properties": properties,
        "experiments": sorted(rows, key=lambda r: r["id"]),
    }
