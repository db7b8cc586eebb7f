"""Goal parsing and the design pipeline as plain functions with JSON-able results."""
from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from alloygan.tools.errors import ToolInputError

DEFAULT_GENERATOR = "ours"


def parse_goal_text(text: str, previous: dict | None = None):
    """A `DesignGoal` from plain words (refining `previous`, a goal's JSON form, if given)."""
    from alloygan.models.design.goal import DesignGoal
    from alloygan.models.design.goal_text import parse_goal

    earlier = DesignGoal(**_goal_fields(previous)) if previous else None
    return parse_goal(text, earlier)


def _goal_fields(data: dict) -> dict:
    fields = dict(data)
    fields.pop("not_understood", None)
    return fields


def goal_from_fields(fields: dict):
    """A `DesignGoal` from structured fields (batch files, the LLM planner); unknown keys are errors."""
    from pydantic import ValidationError

    from alloygan.models.design.goal import DesignGoal

    try:
        return DesignGoal(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "goal"
        raise ToolInputError(f"{where}: {str(first['msg']).removeprefix('Value error, ')}") from None


def load_models(base_element: str | None, on_status: Callable[[str], None] | None = None, table=None):
    """(table, generator, forward model) for a base element; trains what is missing, with progress."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward import load_forward_model
    from alloygan.models.generative import load_generator
    from alloygan.tools.training import generator_family

    table = table if table is not None else load_alloy_table()
    forward = load_forward_model(table=table, on_status=on_status)
    family = generator_family(base_element, table)
    progress = None
    if on_status is not None:
        def progress(epoch, epochs, _metrics=None):
            on_status(f"training the {DEFAULT_GENERATOR} generator for {family}: epoch {epoch}/{epochs}")
    generator = load_generator(model=DEFAULT_GENERATOR, family=family, on_progress=progress, table=table)
    return table, generator, forward


def design_alloys(goal, on_status: Callable[[str], None] | None = None, n_generated: int | None = None) -> dict:
    """Run the pipeline; returns {"goal", "candidates", "stats", "notes"} (records as in the README)."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.design.pipeline import design, family_of

    table = load_alloy_table()
    family_of(goal, table)  # a goal without data fails here, before any model is loaded or trained
    table, generator, forward = load_models(goal.base_element, on_status, table=table)
    result = design(goal, table, generator, forward, n_generated=n_generated, on_status=on_status)
    from alloygan.models.forward import model_version

    return {
        "goal": goal.as_json(),
        "candidates": [candidate_record(c, i + 1, result.table) for i, c in enumerate(result.candidates)],
        "stats": result.stats | {"forward_model": model_version()},
        "notes": result.notes,
    }


def candidate_record(candidate, rank: int, table) -> dict:
    from alloygan.models.descriptors.thermal import thermal_feature_dict
    from alloygan.tools.serialize import nearest_record, predicted, rounded

    condition = candidate.condition
    derived = thermal_feature_dict(condition["Tg"], condition["Tx"], condition["Tl"])
    return {
        "rank": rank,
        "composition": candidate.composition.as_dict(),
        "formula": candidate.composition.formula,
        **{name: predicted(candidate.mean[name], candidate.std[name], 1 if name in ("Tg", "Tx", "Tl", "dTx") else 4)
           for name in ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")},
        **{name: predicted(candidate.mean[name], candidate.std[name])
           for name in candidate.mean if name not in ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")},
        "p_meets_goal": rounded(candidate.p_meets_goal, 4),
        "p_meets": {k: rounded(v, 4) for k, v in candidate.p_meets.items()},
        "cost_usd_per_kg": rounded(candidate.cost_usd_per_kg, 2),
        "condition": {"Tg": rounded(condition["Tg"], 1), "Tx": rounded(condition["Tx"], 1),
                      "Tl": rounded(condition["Tl"], 1), "Trg": rounded(derived["Trg"][0], 4),
                      "gamma": rounded(derived["gamma"][0], 4)},
        "novelty_at_pct": rounded(candidate.novelty_at_pct, 2),
        "nearest_known": [nearest_record(table.alloys[i], d) for i, d in candidate.nearest],
        "score": rounded(candidate.score, 4),
        "near_miss": candidate.near_miss,
        "misses": candidate.misses,
    }


CSV_COLUMNS = ("rank", "formula", "Tg_mean", "Tg_std", "Tx_mean", "Tx_std", "Tl_mean", "Tl_std", "Trg_mean", "Trg_std",
               "gamma_mean", "gamma_std", "dTx_mean", "dTx_std", "p_meets_goal", "cost_usd_per_kg", "condition_Tg",
               "condition_Tx", "condition_Tl", "novelty_at_pct", "nearest_known", "nearest_distance_at_pct",
               "nearest_source", "score", "near_miss")


def write_candidates_csv(records: list[dict], path: Path) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise ToolInputError(f"--out {path}: directory {path.parent} does not exist")
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for r in records:
            near = r["nearest_known"][0] if r["nearest_known"] else {}
            row = {"rank": r["rank"], "formula": r["formula"], "p_meets_goal": r["p_meets_goal"],
                   "cost_usd_per_kg": r["cost_usd_per_kg"], "novelty_at_pct": r["novelty_at_pct"],
                   "score": r["score"], "near_miss": r["near_miss"],
                   "nearest_known": near.get("formula", ""), "nearest_distance_at_pct": near.get("distance_at_pct", ""),
                   "nearest_source": (near.get("source") or {}).get("location", "")}
            row.update({f"{p}_{s}": r[p][s] for p in ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx") for s in ("mean", "std")})
            row.update({f"condition_{t}": r["condition"][t] for t in ("Tg", "Tx", "Tl")})
            writer.writerow(row)
    tmp.replace(path)
