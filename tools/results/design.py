"""Design and prediction results: nearest known alloys, predictions, candidates, design answers, parsed goals."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, create_model, model_serializer, model_validator

from alloygan.models.design.goal import DesignGoal
from alloygan.tools.results.base import (
    SHOWN_PROPERTIES,
    TEMPERATURE_LIKE,
    Estimate,
    Result,
    SourceRef,
    SparseResult,
    frame,
    rounded,
)

NEAREST_SHOWN = 2  # nearest known alloys a compact form lists (the JSON form has all)
COMPACT_CANDIDATES = 5  # candidates a design's compact form lists
ESTIMATE_COLUMNS: tuple[str, ...] = tuple(f"{name}_{part}" for name in SHOWN_PROPERTIES for part in ("mean", "std"))


class NearestKnown(SparseResult):
    """A known alloy near a composition: how far, its measured temperatures and where they come from."""

    omitted_when_none = ("conflict",)

    formula: str
    composition: dict[str, float] = Field(description="Element symbol -> at.%")
    distance_at_pct: float | None = Field(description="Half-L1 distance to the composition, at.%")
    Tg: float | None = Field(description="Measured Tg, K (median of the reports)")
    Tx: float | None = Field(description="Measured Tx, K (median of the reports)")
    Tl: float | None = Field(description="Measured Tl, K (median of the reports)")
    source: SourceRef = Field(description="Where the first report comes from")
    n_reports: int
    conflict: str | None = Field(None, description="Only when its sources contradict each other beyond the "
                                 "measurement spread: the reports that disagree and the value kept")

    @classmethod
    def of(cls, alloy, distance_at_pct: float, cache: dict | None = None) -> "NearestKnown":
        """From a store `Alloy` at a distance."""
        return cls.model_validate(cls.fields(alloy, distance_at_pct, cache))

    @staticmethod
    def fields(alloy, distance_at_pct: float, cache: dict | None = None) -> dict:
        """The fields of `of`, unvalidated: a record that holds several validates them in one call. `cache`
        (a dict kept by the caller) reuses an alloy's part: over 10,000 predictions the same alloys recur."""
        known = cache.get(id(alloy)) if cache is not None else None
        if known is None:
            known = {"formula": alloy.composition.formula, "composition": alloy.composition.as_dict(),
                     "Tg": rounded(alloy.Tg, 1), "Tx": rounded(alloy.Tx, 1), "Tl": rounded(alloy.Tl, 1),
                     "source": SourceRef.of(alloy.reports[0]), "n_reports": len(alloy.reports),
                     "conflict": alloy.conflict_note or None}
            if cache is not None:
                cache[id(alloy)] = known
        return {"formula": known["formula"], "composition": known["composition"],
                "distance_at_pct": rounded(distance_at_pct, 2), **known}

    def compact(self) -> dict:
        return {"formula": self.formula, "distance_at_pct": self.distance_at_pct, "Tg": self.Tg, "Tx": self.Tx,
                "Tl": self.Tl, "source": self.source.text()}


class Domain(Result):
    """Where a composition lies relative to the known alloys (the domain of applicability, README "The science"):
    in-domain up to 8 at.% from a known alloy, edge up to 15 at.%, outside beyond (an extrapolation)."""

    label: Literal["in-domain", "edge", "outside"] = Field(description="in-domain (<= 8 at.% from a known alloy), "
                                                           "edge (<= 15 at.%) or outside (an extrapolation)")
    distance_at_pct: float | None = Field(description="Half-L1 distance to the nearest known alloy, at.%")
    family: str = Field(description="The composition's family (its base, majority, element)")
    family_distance_at_pct: float | None = Field(
        description="Distance to the nearest known alloy of the same family, at.% (null: no known alloy of it)")

    @staticmethod
    def fields(distance_at_pct: float, family: str, family_distance_at_pct: float | None) -> dict:
        from alloygan.models.domain import domain_label

        return {"label": domain_label(distance_at_pct), "distance_at_pct": rounded(distance_at_pct, 2),
                "family": family, "family_distance_at_pct": rounded(family_distance_at_pct, 2)}  # NaN: none known

    def text(self) -> str:
        """`in-domain, 3.2 at.% (Zr family 4.1)`: what a table cell shows."""
        family = "" if self.family_distance_at_pct is None else f" ({self.family} family {self.family_distance_at_pct:g})"
        return f"{self.label}, {self.distance_at_pct:g} at.%{family}"


def _nearest_compact(nearest: list[NearestKnown]) -> list[dict]:
    return [near.compact() for near in nearest[:NEAREST_SHOWN]]


def _shown_estimates() -> dict[str, Any]:
    """One `Estimate` field per shown property, from `SHOWN_PROPERTIES` (the one list of them)."""
    return {name: (Estimate, Field(description=f"Forward-model prediction of {name}"
                                   + (", K" if name in TEMPERATURE_LIKE else "")))
            for name in SHOWN_PROPERTIES}


def _predicted_fields(name: str, **leading: Any) -> type[Result]:
    """A base whose fields are `leading`, the composition, the formula and one `Estimate` per shown property:
    the README's key order, so the JSON form is the plain dump."""
    return create_model(
        name, __base__=Result, **leading,
        composition=(dict[str, float], Field(description="Element symbol -> at.% (decreasing at.%, ties alphabetical)")),
        formula=(str, Field(description="The canonical formula")),
        **_shown_estimates(),
    )


class PredictedAlloy:
    """What a composition with the forward model's predictions offers (predictions, candidates)."""

    def estimates(self) -> dict[str, Estimate]:
        """Every predicted property, in display order: the shown ones, then any other (a candidate's goal may
        name one)."""
        return {name: getattr(self, name) for name in SHOWN_PROPERTIES} | dict(self.__pydantic_extra__ or {})

    def estimate(self, name: str) -> Estimate | None:
        return self.estimates().get(name)

    def _estimates_json(self) -> dict:
        return {name: value.to_json() for name, value in self.estimates().items()}

    def _estimate_columns(self) -> dict:
        return {f"{name}_{part}": getattr(getattr(self, name), part) for name in SHOWN_PROPERTIES
                for part in ("mean", "std")}


PREDICTION_CSV_COLUMNS: tuple[str, ...] = ("input", "formula", *ESTIMATE_COLUMNS, "p_good_gfa", "nearest_known",
                                           "nearest_distance_at_pct", "error", "measured", "domain",
                                           "family_distance_at_pct")
PREDICTION_UNITS = ("K for Tg, Tx, Tl, dTx; mean and std (1 sigma); a known alloy (measured: true) shows its measured "
                    "values and their measurement uncertainty")


class Prediction(_predicted_fields("_PredictionFields", input=(str, Field(description="The formula as given"))),
                 PredictedAlloy):
    """The forward model on one input: predictions, the probability of good glass-forming ability, the
    nearest known alloys (a record of `predict --json`)."""

    schema_name = "prediction"

    p_good_gfa: float | None = Field(description="Probability that Trg >= 0.6 (good glass-forming ability)")
    nearest_known: list[NearestKnown] = Field(description="Nearest known alloys, nearest first")
    measured: bool = Field(False, description="A known alloy: the values are its measured ones (median of its "
                           "reports, source in nearest_known[0]) with their measurement σ (the spread of its reports, "
                           "else the typical inter-report spread), not the model's")
    domain: Domain | None = Field(None, description="Domain of applicability: distances to the known alloys and label")

    @classmethod
    def of(cls, text: str, composition, prediction, row: int, p_good_gfa: float,
           nearest_known: list[dict], measured: bool = False, domain: dict | None = None) -> "Prediction":
        """From row `row` of the forward model's `PropertyPrediction` of the shown properties, and the nearest
        known alloys' fields (`NearestKnown.fields`): validated in one call, as 10,000 rows want."""
        return cls.model_validate({
            "input": text, "composition": composition.as_dict(), "formula": composition.formula,
            **{name: Estimate.fields(prediction.mean[name][row], prediction.std[name][row]) for name in SHOWN_PROPERTIES},
            "p_good_gfa": rounded(p_good_gfa, 4), "nearest_known": nearest_known, "measured": measured,
            "domain": domain})

    def compact(self) -> dict:
        return {"input": self.input, "formula": self.formula, **self._estimates_json(), "p_good_gfa": self.p_good_gfa,
                "measured": self.measured, "domain": self.domain.to_json() if self.domain else None,
                "nearest_known": _nearest_compact(self.nearest_known)}

    def csv_row(self) -> dict:
        near = self.nearest_known[0] if self.nearest_known else None
        return {"input": self.input, "formula": self.formula, **self._estimate_columns(), "p_good_gfa": self.p_good_gfa,
                "nearest_known": near.formula if near else "",
                "nearest_distance_at_pct": near.distance_at_pct if near else "", "error": "", "measured": self.measured,
                "domain": self.domain.label if self.domain else "",
                "family_distance_at_pct": "" if self.domain is None or self.domain.family_distance_at_pct is None
                else self.domain.family_distance_at_pct}


class PredictionError(Result):
    """An input that could not be predicted, and why (in `predict --json`, in the input's place)."""

    schema_name = "prediction-error"

    input: str = Field(description="The formula as given")
    error: str = Field(description="What is wrong with it")

    def csv_row(self) -> dict:
        return dict.fromkeys(PREDICTION_CSV_COLUMNS, "") | {"input": self.input, "error": self.error}


class Predictions(Result):
    """Predictions of several inputs, in input order (what the predict tool answers)."""

    predictions: list[Prediction | PredictionError]

    def compact(self) -> dict:
        return {"predictions": [p.compact() for p in self.predictions], "units": PREDICTION_UNITS}

    def failed(self) -> list[PredictionError]:
        return [p for p in self.predictions if isinstance(p, PredictionError)]

    def to_frame(self):
        """One row per input (the `predict --out` CSV columns): a pandas DataFrame."""
        return frame(p.csv_row() for p in self.predictions)

    def __str__(self) -> str:
        """What `print(predictions)` shows in a notebook: one row per input."""
        return self.to_frame().to_string(index=False)


class TargetCondition(Result):
    """What the generator was asked for: (Tg, Tx, Tl) in K and their Trg and γ (shown, never screened on)."""

    Tg: float | None
    Tx: float | None
    Tl: float | None
    Trg: float | None
    gamma: float | None

    @classmethod
    def of(cls, condition: dict[str, float]) -> "TargetCondition":
        from alloygan.models.descriptors.thermal import thermal_feature_dict

        derived = thermal_feature_dict(condition["Tg"], condition["Tx"], condition["Tl"])
        return cls(**{name: rounded(condition[name], 1) for name in ("Tg", "Tx", "Tl")},
                   Trg=rounded(derived["Trg"][0], 4), gamma=rounded(derived["gamma"][0], 4))


CANDIDATE_CSV_COLUMNS: tuple[str, ...] = (
    "rank", "formula", *ESTIMATE_COLUMNS, "p_meets_goal", "cost_usd_per_kg", "condition_Tg", "condition_Tx",
    "condition_Tl", "novelty_at_pct", "nearest_known", "nearest_distance_at_pct", "nearest_source", "score",
    "near_miss", "domain", "family_distance_at_pct", "extrapolation")


class Candidate(_predicted_fields("_CandidateFields", rank=(int, Field(ge=1, description="1 = best"))),
                PredictedAlloy):
    """A designed composition: predictions, the probability of meeting the goal, cost, the target it was
    generated for, novelty, the nearest known alloys with sources, score (a record of `design --json`).

    Besides the shown properties it has an `Estimate` for every other property its goal names, which
    the JSON form puts right after the shown ones (README).
    """

    schema_name = "candidate"
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Estimate] = Field(init=False)  # other predicted properties, by name

    p_meets_goal: float | None = Field(description="Probability of meeting every range of the goal")
    p_meets: dict[str, float | None] = Field(description="Property -> probability of meeting its range")
    cost_usd_per_kg: float | None = Field(description="Raw-material cost; null when an element has no price")
    condition: TargetCondition = Field(description="The target the generator was conditioned on")
    novelty_at_pct: float | None = Field(description="Distance to the nearest known alloy, at.%")
    nearest_known: list[NearestKnown] = Field(description="Nearest known alloys, nearest first")
    score: float | None = Field(description="Ranking utility (README: how a request is answered)")
    near_miss: bool = Field(description="The forward model predicts it misses the goal")
    misses: list[str] = Field(description="Why a near miss misses")
    domain: Domain | None = Field(None, description="Domain of applicability: distances to the known alloys and label")
    extrapolation: bool = Field(False, description="Outside the domain of applicability (only for a goal that asks to "
                                "explore): its predictions are extrapolations, their σ inflated for the distance")

    # no return annotation: the serialization schema stays the model's
    @model_serializer(mode="wrap")
    def _other_properties_after_the_shown(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        if not self.__pydantic_extra__:
            return data
        others = {key: data.pop(key) for key in self.__pydantic_extra__}
        ordered = {}
        for key, value in data.items():
            ordered[key] = value
            if key == SHOWN_PROPERTIES[-1]:
                ordered.update(others)
        return ordered

    @model_validator(mode="after")
    def _other_properties_are_properties(self) -> "Candidate":
        from alloygan.models.descriptors.thermal import FEATURE_NAMES

        unknown = sorted(set(self.__pydantic_extra__ or {}) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a predicted property (Tg, Tx, Tl or a GFA criterion)")
        return self

    @classmethod
    def of(cls, candidate, rank: int, table, cache: dict | None = None) -> "Candidate":
        """From the pipeline's candidate (`models.design.pipeline.Candidate`) at a rank; `table` is the alloy
        table its nearest-alloy indices point into."""
        return cls(
            rank=rank, composition=candidate.composition.as_dict(), formula=candidate.composition.formula,
            **{name: Estimate.of(candidate.mean[name], candidate.std[name], 1 if name in TEMPERATURE_LIKE else 4)
               for name in candidate.mean},
            p_meets_goal=rounded(candidate.p_meets_goal, 4),
            p_meets={name: rounded(p, 4) for name, p in candidate.p_meets.items()},
            cost_usd_per_kg=rounded(candidate.cost_usd_per_kg, 2), condition=TargetCondition.of(candidate.condition),
            novelty_at_pct=rounded(candidate.novelty_at_pct, 2),
            nearest_known=[NearestKnown.of(table.alloys[i], d, cache) for i, d in candidate.nearest],
            score=rounded(candidate.score, 4), near_miss=candidate.near_miss, misses=list(candidate.misses),
            domain=Domain(**Domain.fields(candidate.novelty_at_pct, candidate.composition.base_element,
                                          candidate.family_distance_at_pct)),
            extrapolation=candidate.domain == "outside",
        )

    def compact(self) -> dict:
        """What an LLM reads (small enough that a design fits a 4k-token context): estimates as "mean ± std"."""
        near = self.nearest_known[0] if self.nearest_known else None
        return {"rank": self.rank, "formula": self.formula,
                **{name: f"{value.mean:g} ± {value.std:g}" for name, value in self.estimates().items()
                   if value.mean is not None},
                "p_meets_goal": self.p_meets_goal, "cost_usd_per_kg": self.cost_usd_per_kg,
                "near_miss": self.near_miss, "misses": self.misses,
                "domain": self.domain.label if self.domain else None,
                "nearest_known": (f"{near.formula} ({near.distance_at_pct:g} at.%, {near.source.text()})"
                                  if near else None)}

    def csv_row(self) -> dict:
        near = self.nearest_known[0] if self.nearest_known else None
        return {"rank": self.rank, "formula": self.formula, **self._estimate_columns(),
                "p_meets_goal": self.p_meets_goal, "cost_usd_per_kg": self.cost_usd_per_kg,
                **{f"condition_{name}": getattr(self.condition, name) for name in ("Tg", "Tx", "Tl")},
                "novelty_at_pct": self.novelty_at_pct, "nearest_known": near.formula if near else "",
                "nearest_distance_at_pct": near.distance_at_pct if near else "",
                "nearest_source": near.source.location if near else "", "score": self.score,
                "near_miss": self.near_miss, "domain": self.domain.label if self.domain else "",
                "family_distance_at_pct": "" if self.domain is None or self.domain.family_distance_at_pct is None
                else self.domain.family_distance_at_pct, "extrapolation": self.extrapolation}


class DesignStats(Result):
    """Counts and timing of one design run, and the versions of the models that made it."""

    generated: int = Field(description="Compositions generated")
    unique_valid: int = Field(description="Unique compositions left after post-processing")
    passing: int = Field(description="Those that meet the goal by the forward model")
    returned: int
    near_misses: int
    condition_acceptance: float = Field(description="Share of sampled target conditions inside the goal's ranges")
    seconds: float
    generate_predict_screen_seconds: float
    candidates_per_second: int = Field(description="Generated / (generation + prediction + screening seconds)")
    generator: str = Field(description="The generator: model-family")
    family_alloys: int = Field(description="Known alloys of the goal's family")
    forward_model: str = Field(description="Version of the forward model")

    def compact(self) -> dict:
        return {key: getattr(self, key) for key in ("generated", "unique_valid", "passing", "returned", "near_misses",
                                                    "generator", "forward_model", "family_alloys")}


DESIGN_UNITS = "K for Tg, Tx, Tl, dTx; predictions are mean and std (1 sigma) of the forward model"


class DesignAnswer(Result):
    """The answer to a design goal: the goal, the ranked candidates, counts, notes and model versions
    (`design --json` prints its candidates; the conversation keeps it as its last design)."""

    schema_name = "design-answer"

    goal: DesignGoal = Field(description="The goal designed for (strict and inclusive bounds kept)")
    not_understood: list[str] = Field(default_factory=list, description="Words of the request that were not used")
    candidates: list[Candidate] = Field(description="Best first; near misses, marked, after those that pass")
    stats: DesignStats
    notes: list[str] = Field(description="What a reader must know about this answer (e.g. only near misses)")

    def to_frame(self):
        """One row per candidate, best first (the `design --out` CSV columns): a pandas DataFrame."""
        return frame(c.csv_row() for c in self.candidates)

    def __str__(self) -> str:
        """What `print(answer)` shows in a notebook: the goal, the notes and the candidate table."""
        columns = ["rank", "formula", "Trg_mean", "Trg_std", "Tg_mean", "Tl_mean", "p_meets_goal", "cost_usd_per_kg",
                   "nearest_known", "nearest_distance_at_pct", "near_miss"]
        table = self.to_frame()
        shown = table[[c for c in columns if c in table]].to_string(index=False) if len(table) else "(no candidates)"
        return "\n".join([f"Goal: {self.goal.describe()}", shown, *[f"Note: {note}" for note in self.notes]])

    @classmethod
    def of(cls, result, forward_model: str, not_understood: Sequence[str] = ()) -> "DesignAnswer":
        """From the pipeline's `DesignResult` and the forward model's version."""
        cache: dict = {}
        return cls(goal=result.goal, not_understood=list(not_understood),
                   candidates=[Candidate.of(c, rank, result.table, cache)
                               for rank, c in enumerate(result.candidates, start=1)],
                   stats=DesignStats(**result.stats, forward_model=forward_model), notes=list(result.notes))

    def compact(self) -> dict:
        """What an LLM reads: the goal, counts, notes and the first `COMPACT_CANDIDATES` candidates (the person
        sees the whole table, rendered by code)."""
        shown = self.candidates[:COMPACT_CANDIDATES]
        return {"goal": self.goal.as_json(), "goal_description": self.goal.describe(),
                "not_understood": self.not_understood, "stats": self.stats.compact(), "notes": self.notes,
                "units": DESIGN_UNITS, "candidates": [c.compact() for c in shown],
                "candidates_not_listed": len(self.candidates) - len(shown)}

    def candidate(self, rank: int) -> Candidate | None:
        return next((c for c in self.candidates if c.rank == rank), None)


class GoalParse(Result):
    """A goal read from plain words, and the words that were not used (`parse-goal --json`: the goal's
    fields with `not_understood` among them)."""

    schema_name = "goal"

    goal: DesignGoal
    not_understood: list[str] = Field(default_factory=list, description="Words of the request that were not used")

    def to_json(self) -> dict:
        fields = list(self.goal.as_json().items())
        at = next(i for i, (key, _) in enumerate(fields) if key == "constraints")  # the README's order
        return dict(fields[:at] + [("not_understood", self.not_understood)] + fields[at:])

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema of the JSON form: the goal's fields, flat, and `not_understood`."""
        schema = DesignGoal.model_json_schema(*args, **kwargs)
        schema["properties"]["not_understood"] = {
            "description": cls.model_fields["not_understood"].description, "items": {"type": "string"},
            "title": "Not Understood", "type": "array"}
        return schema | {"title": cls.__name__, "description": cls.__doc__}

    def compact(self) -> dict:
        return {"goal": self.goal.as_json(), "goal_description": self.goal.describe(),
                "not_understood": self.not_understood}
