"""Experiment-log results: suggestions, measurements, the predicted-vs-measured report."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from alloygan.tools.results.base import Estimate, Result, SparseResult

MEASURED = ("Tg", "Tx", "Tl")  # what the lab measures of a glass


class Measurement(Result):
    """What the lab found for a suggestion."""

    amorphous: bool = Field(description="Whether the alloy formed a glass")
    Tg: float | None = Field(description="Measured Tg, K (a glass only)")
    Tx: float | None
    Tl: float | None
    note: str
    in_knowledge_base: bool = Field(description="Whether Tg, Tx, Tl joined the knowledge base (a glass)")
    recorded_at: str = Field(description="UTC time, ISO 8601")
    source: str = Field("", description="Where it was measured (lab, method), as the user gave it")


class Experiment(Result):
    """An experiment of the log: a suggested alloy (or one the user chose and cast: acquisition "user"), what
    was predicted for it for which goal by which models, and the lab's result once recorded
    (`experiments show --json`)."""

    schema_name = "experiment"

    id: int
    formula: str
    composition: dict[str, float]
    predicted: dict[str, Estimate] = Field(description="Property -> forward-model mean and std at logging time")
    p_meets_goal: float | None
    cost_usd_per_kg: float | None
    goal: dict[str, Any] = Field(description="The design goal's JSON form")
    goal_text: str
    design_rank: int | None
    generator: str = Field(description="Version of the generator that designed it")
    forward_model: str = Field(description="Version of the forward model that predicted it")
    thread: str | None = Field(description="The conversation it was logged from")
    created_at: str = Field(description="UTC time, ISO 8601")
    acquisition: str = Field("", description="How it was chosen: EI, PI, UCB, greedy, thompson, design (a design's "
                             "ranking; every entry logged before this field existed), user (cast by the user)")
    reason: str = Field("", description="Why it was chosen, in one line")
    measurement: Measurement | None
    status: Literal["pending", "glass", "not a glass"]

    @classmethod
    def of(cls, suggestion) -> "Experiment":
        """From the experiment log's `Suggestion`."""
        from dataclasses import asdict

        measurement = suggestion.measurement
        status = "pending" if measurement is None else "glass" if measurement.amorphous else "not a glass"
        fields = asdict(suggestion)
        fields.pop("design_key", None)  # names the round (`experiments report`), not shown
        return cls(**fields, status=status)

    @property
    def user_cast(self) -> bool:
        """An alloy the user chose and cast (not suggested by alloygan)."""
        return self.acquisition == "user"

    def compact(self) -> dict:
        m = self.measurement
        return {"id": self.id, "formula": self.formula, "status": self.status,
                "measured": {name: getattr(m, name) for name in MEASURED} if m else None,
                "predicted": {name: self.predicted[name].to_json() if name in self.predicted else None
                              for name in MEASURED},
                "added_to_knowledge_base": bool(m and m.in_knowledge_base)}

    def csv_row(self) -> dict:
        m = self.measurement
        predicted = {f"{name}_{part}": getattr(value, part) for name, value in self.predicted.items()
                     for part in ("mean", "std")}
        return {"id": self.id, "formula": self.formula, "status": self.status, "design_rank": self.design_rank,
                "created_at": self.created_at, **predicted,
                **{f"{name}_measured": getattr(m, name) if m else None for name in MEASURED},
                "note": m.note if m else "", "source": m.source if m else "", "goal": self.goal_text,
                "acquisition": self.acquisition, "reason": self.reason}


class LoggedSuggestions(Result):
    """Candidates of a design just logged as experiment suggestions."""

    schema_name = "logged-suggestions"

    logged: list[Experiment]
    already_logged: list[Experiment] = Field(default_factory=list, description="Candidates of the same design "
                                             "logged before: not logged again (their earlier suggestions)")

    def compact(self) -> dict:
        first = (self.logged or self.already_logged or [None])[0]
        data = {"logged": [{"id": s.id, "formula": s.formula, "design_rank": s.design_rank} for s in self.logged],
                "forward_model": first.forward_model if first else "", "generator": first.generator if first else ""}
        if self.already_logged:
            data["already_logged"] = [{"id": s.id, "formula": s.formula, "design_rank": s.design_rank}
                                      for s in self.already_logged]
        return data

    def already_note(self) -> str | None:
        """One line naming the candidates not logged again, or None."""
        if not self.already_logged:
            return None
        shown = ", ".join(f"{s.formula} already logged as #{s.id}" for s in self.already_logged[:10])
        more = f" (and {len(self.already_logged) - 10} more)" if len(self.already_logged) > 10 else ""
        return f"Not logged again (same candidate of the same design): {shown}{more}."


class PropertyAccuracy(Result):
    n: int = Field(description="Glasses measured with a prediction of this property")
    mean_abs_error: float | None
    within_2sigma: int = Field(description="How many measurements lay within the predicted mean ± 2σ")
    within_2sigma_share: float | None


class PropertyCheck(Result):
    predicted: Estimate
    measured: float | None
    error: float | None = Field(description="measured − predicted mean")
    within_2sigma: bool


class ExperimentCheck(SparseResult):
    omitted_when_none = ("note",)

    id: int
    formula: str
    amorphous: bool
    properties: dict[str, PropertyCheck]
    note: str | None = Field(None, description="The lab note (an alloy that did not form a glass)")


class ExperimentRound(Result):
    """Suggestions logged together (one design or one `suggest` batch), or the alloys the user cast on one UTC day."""

    round: int = Field(description="1, 2, ... in the order the rounds were first logged")
    kind: Literal["suggested", "user"] = Field(description="suggested by alloygan, or cast by the user")
    label: str = Field(description="The round's goal, or 'cast by the user on DAY'")
    acquisition: str = Field(description="How its alloys were chosen (several joined by ', ')")
    logged_at: str = Field(description="When its first entry was logged, UTC, ISO 8601")
    suggested: int = Field(description="Entries in the round")
    measured: int
    glasses: int
    pending: int
    experiments: list[int] = Field(description="Ids of its measured experiments (details in the report's experiments)")
    best: float | None = Field(description="The best measured objective value among its glasses")
    best_formula: str | None
    best_so_far: float | None = Field(description="The best measured objective value of this and earlier rounds")


class BestSoFar(Result):
    """After the n-th measured experiment (in the order recorded): the best objective value measured so far."""

    experiments: int = Field(description="Experiments measured so far (glasses or not)")
    value: float | None = Field(description="The best measured objective value so far (None before the first glass)")
    formula: str | None = Field(description="The alloy that measured it")
    id: int = Field(description="The experiment measured at this step")
    round: int = Field(description="Its round (see rounds)")
    measured: float | None = Field(description="Its own measured objective value (None: not a glass)")


class ExperimentsReport(Result):
    """Predicted vs measured over the experiment log (`experiments report --json`): the active-learning loop,
    per round, and the best measured value of an objective against the number of experiments."""

    schema_name = "experiments-report"

    suggestions: int
    measured: int
    glasses: int
    not_glasses: int
    pending: int
    properties: dict[str, PropertyAccuracy]
    experiments: list[ExperimentCheck]
    objective: str = Field("Trg", description="The property of the measured Tg, Tx, Tl that best values refer to")
    maximise: bool = Field(True, description="Whether the best value is the highest (else the lowest)")
    rounds: list[ExperimentRound] = Field(default_factory=list)
    best_so_far: list[BestSoFar] = Field(default_factory=list, description="One entry per measured experiment, "
                                         "in the order recorded")
