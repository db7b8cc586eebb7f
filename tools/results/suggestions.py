"""The next experiments for a goal (`alloygan suggest`): a batch of designed candidates chosen by an acquisition
function, each with why it was chosen, and the log ids they were recorded under."""
from __future__ import annotations

from pydantic import Field

from alloygan.models.design.goal import DesignGoal
from alloygan.tools.results.base import Estimate, Result, rounded
from alloygan.tools.results.design import Candidate, NearestKnown

_DIGITS = {"Tg": 1, "Tx": 1, "Tl": 1, "dTx": 1}


def value_text(name: str, value: float | None) -> str:
    """A property's value as shown: kelvin with no decimals, ratios with three."""
    if value is None:
        return "–"
    return f"{value:.0f} K" if name in _DIGITS else f"{value:.3f}"


class ObjectiveUsed(Result):
    """What the suggestions try to improve."""

    property: str = Field(description="The property, e.g. Trg")
    maximise: bool
    chosen_by: str = Field(description="goal (the request named it), constraint (the first bounded property) or "
                                       "default (Trg)")

    def describe(self) -> str:
        return f"{'highest' if self.maximise else 'lowest'} {self.property}"


class Incumbent(Result):
    """The best measured alloy of the goal's family for the objective: what a suggestion must improve on."""

    value: float = Field(description="Its measured value of the objective")
    alloy: NearestKnown = Field(description="The alloy, its measured temperatures and source")


class SuggestedExperiment(Result):
    """One alloy to cast next: the designed candidate, its acquisition value and why it was chosen."""

    order: int = Field(ge=1, description="1 = the acquisition's first choice")
    candidate: Candidate = Field(description="The designed candidate (predictions ± 1σ, cost, nearest known alloys, "
                                             "domain)")
    objective: Estimate = Field(description="Forward-model mean and std of the objective")
    acquisition_value: float | None = Field(description="The acquisition's value (EI, PI: probability; UCB, greedy: "
                                            "in the objective's units; thompson: the draw)")
    expected_improvement: float | None = Field(description="Expected improvement over the incumbent, in the "
                                               "objective's units")
    reason: str = Field(description="Why it was chosen, in one line")
    experiment_id: int | None = Field(description="Its id in the experiment log (null: not logged)")

    def compact(self) -> dict:
        c = self.candidate
        return {"order": self.order, "formula": c.formula, "objective": self.objective.to_json(),
                "acquisition": self.acquisition_value, "expected_improvement": self.expected_improvement,
                "p_meets_goal": c.p_meets_goal, "cost_usd_per_kg": c.cost_usd_per_kg,
                "nearest_known": c.nearest_known[0].compact() if c.nearest_known else None,
                "domain": c.domain.label if c.domain else None, "experiment_id": self.experiment_id,
                "reason": self.reason}

    def csv_row(self) -> dict:
        return {"order": self.order, "experiment_id": self.experiment_id, **self.candidate.csv_row(),
                "objective_mean": self.objective.mean, "objective_std": self.objective.std,
                "acquisition_value": self.acquisition_value, "expected_improvement": self.expected_improvement,
                "reason": self.reason}


class NextExperiments(Result):
    """A batch of next experiments for a goal (`suggest --json`)."""

    schema_name = "next-experiments"

    goal: DesignGoal
    goal_text: str
    objective: ObjectiveUsed
    acquisition: str = Field(description="EI, PI, UCB, greedy or thompson")
    parameters: dict[str, float] = Field(description="xi, kappa (in standard deviations of the objective over the "
                                         "family), min_distance_at_pct, the objective's scale")
    incumbent: Incumbent | None = Field(description="The best measured alloy of the family (null: none measured)")
    suggestions: list[SuggestedExperiment]
    candidates_considered: int = Field(description="Designed candidates the acquisition scored")
    logged: bool = Field(description="Whether the suggestions were written to the experiment log")
    already_logged: list[int] = Field(default_factory=list, description="Log ids of suggestions logged before "
                                      "(the same batch for the same goal, data and models): not logged again")
    notes: list[str]
    not_understood: list[str] = Field(default_factory=list, description="Words of the request that were not used")
    forward_model: str
    generator: str
    seconds: float

    def compact(self) -> dict:
        return {"goal": self.goal_text, "objective": self.objective.describe(), "acquisition": self.acquisition,
                "incumbent": ({"formula": self.incumbent.alloy.formula, "value": self.incumbent.value,
                               "source": self.incumbent.alloy.source.text()} if self.incumbent else None),
                "suggestions": [s.compact() for s in self.suggestions], "logged": self.logged,
                "notes": self.notes, **({"not_understood": self.not_understood} if self.not_understood else {})}

    def csv_rows(self) -> list[dict]:
        return [s.csv_row() for s in self.suggestions]


def gain_text(value: float | None, name: str) -> str:
    """An expected gain: two significant figures (EI far below the incumbent is tiny, and still ranks)."""
    if value is None:
        return "–"
    return f"{value:.2g} K" if name in _DIGITS else f"{value:.2g}"
