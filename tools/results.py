"""The typed contract: every result the assistant produces, as one pydantic model each.

A result is built once where it is made (the tools layer) and passed whole to every
consumer: the CLI (`--json`, tables, CSV), the LangChain tools (the model reads the
compact form; the full result is the message's artifact), the graph state, batch files,
the experiment log, the server and the tests. Each model has three forms:

- `to_json()`: the JSON form the README documents (keys unchanged; `--json` prints it);
- `compact()`: what an LLM reads (every number an answer may quote, big records trimmed);
- `csv_row()`: one flat row for CSV files (where a table is natural).

Conventions (README, "JSON conventions"): a composition is `{element: at.%}`; temperatures
are `Tg`, `Tx`, `Tl` in kelvin; derived features use their short names; a predicted value
is an `Estimate` `{"mean", "std"}` (one standard deviation). Values are rounded where the
result is made, so the forms only arrange them.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pydantic import (BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, create_model, model_serializer,
                      model_validator)

from alloygan.knowledge_base.literature.records import Evidence, Rejection
from alloygan.models.design.goal import DesignGoal

# The properties every prediction and candidate shows, in display order (one list for all consumers).
SHOWN_PROPERTIES: tuple[str, ...] = ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")
TEMPERATURE_LIKE: frozenset[str] = frozenset({"Tg", "Tx", "Tl", "dTx"})  # kelvin: shown with 1 decimal

# name -> model, for `alloygan schema NAME` and the published JSON Schemas (each model registers itself)
RESULT_MODELS: dict[str, type["Result"]] = {}


def rounded(value: float | None, digits: int = 6) -> float | None:
    """A float for JSON: rounded, and None for NaN/inf or missing."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


class Result(BaseModel):
    """Base of every result: frozen field order is the JSON key order."""

    model_config = ConfigDict(extra="forbid")
    schema_name: ClassVar[str | None] = None  # set on the models published as JSON Schemas

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("schema_name")
        if name:
            RESULT_MODELS[name] = cls

    def to_json(self) -> dict:
        """The README's JSON form."""
        return self.model_dump(mode="json", exclude_none=False)

    def compact(self) -> dict:
        """What an LLM reads; by default the JSON form."""
        return self.to_json()

    def csv_row(self) -> dict:
        """One flat CSV row; results without a natural row say so."""
        raise NotImplementedError(f"{type(self).__name__} has no CSV form")


class SparseResult(Result):
    """A result with keys that appear only when set (`omitted_when_none`), also where it is nested in another."""

    omitted_when_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _without_unset_keys(self, handler: SerializerFunctionWrapHandler) -> dict:
        data = handler(self)
        for key in self.omitted_when_none:
            if getattr(self, key) is None:
                data.pop(key, None)
        return data


class Estimate(Result):
    """A predicted value: mean and one standard deviation."""

    mean: float | None
    std: float | None

    @classmethod
    def of(cls, mean: float, std: float, digits: int = 4) -> "Estimate":
        return cls(**cls.fields(mean, std, digits))

    @staticmethod
    def fields(mean: float, std: float, digits: int = 4) -> dict:
        """The fields of `of`, unvalidated (for a record that validates all its fields in one call)."""
        return {"mean": rounded(mean, digits), "std": rounded(std, digits)}


class SourceRef(SparseResult):
    """Where a reported value comes from: the document and the place in it."""

    omitted_when_none = ("quote",)  # the key appears only for sources that carry a verified quote

    document: str = ""
    sha256: str = ""
    kind: str = ""
    page: int | None = None
    location: str = ""
    raw_text: str = ""
    quote: str | None = None

    @classmethod
    def of(cls, report) -> "SourceRef":
        """The source of a knowledge-base `Report` (its document, and where in it the values stand)."""
        source = report.source
        return cls(document=source.title if source else "", sha256=source.sha256 if source else "",
                   kind=source.kind if source else "", page=report.page, location=report.location,
                   raw_text=report.raw_text, quote=report.quote or None)

    def text(self) -> str:
        """`document, location`: the short citation an answer shows."""
        return ", ".join(part for part in (self.document, self.location) if part)


# --- design and prediction (candidates, predictions, nearest known alloys) -----------------
NEAREST_SHOWN = 2  # nearest known alloys a compact form lists (the JSON form has all)
ESTIMATE_COLUMNS: tuple[str, ...] = tuple(f"{name}_{part}" for name in SHOWN_PROPERTIES for part in ("mean", "std"))


class NearestKnown(Result):
    """A known alloy near a composition: how far, its measured temperatures and where they come from."""

    formula: str
    composition: dict[str, float] = Field(description="Element symbol -> at.%")
    distance_at_pct: float | None = Field(description="Half-L1 distance to the composition, at.%")
    Tg: float | None = Field(description="Measured Tg, K (median of the reports)")
    Tx: float | None = Field(description="Measured Tx, K (median of the reports)")
    Tl: float | None = Field(description="Measured Tl, K (median of the reports)")
    source: SourceRef = Field(description="Where the first report comes from")
    n_reports: int

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
                     "source": SourceRef.of(alloy.reports[0]), "n_reports": len(alloy.reports)}
            if cache is not None:
                cache[id(alloy)] = known
        return {"formula": known["formula"], "composition": known["composition"],
                "distance_at_pct": rounded(distance_at_pct, 2), **known}

    def compact(self) -> dict:
        return {"formula": self.formula, "distance_at_pct": self.distance_at_pct, "Tg": self.Tg, "Tx": self.Tx,
                "Tl": self.Tl, "source": self.source.text()}


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
                                           "nearest_distance_at_pct", "error")
PREDICTION_UNITS = "K for Tg, Tx, Tl, dTx; mean and std (1 sigma)"


class Prediction(_predicted_fields("_PredictionFields", input=(str, Field(description="The formula as given"))),
                 PredictedAlloy):
    """The forward model on one input: predictions, the probability of good glass-forming ability, the
    nearest known alloys (a record of `predict --json`)."""

    schema_name = "prediction"

    p_good_gfa: float | None = Field(description="Probability that Trg >= 0.6 (good glass-forming ability)")
    nearest_known: list[NearestKnown] = Field(description="Nearest known alloys, nearest first")

    @classmethod
    def of(cls, text: str, composition, prediction, row: int, p_good_gfa: float,
           nearest_known: list[dict]) -> "Prediction":
        """From row `row` of the forward model's `PropertyPrediction` of the shown properties, and the nearest
        known alloys' fields (`NearestKnown.fields`): validated in one call, as 10,000 rows want."""
        return cls.model_validate({
            "input": text, "composition": composition.as_dict(), "formula": composition.formula,
            **{name: Estimate.fields(prediction.mean[name][row], prediction.std[name][row]) for name in SHOWN_PROPERTIES},
            "p_good_gfa": rounded(p_good_gfa, 4), "nearest_known": nearest_known})

    def compact(self) -> dict:
        return {"input": self.input, "formula": self.formula, **self._estimates_json(), "p_good_gfa": self.p_good_gfa,
                "nearest_known": _nearest_compact(self.nearest_known)}

    def csv_row(self) -> dict:
        near = self.nearest_known[0] if self.nearest_known else None
        return {"input": self.input, "formula": self.formula, **self._estimate_columns(), "p_good_gfa": self.p_good_gfa,
                "nearest_known": near.formula if near else "",
                "nearest_distance_at_pct": near.distance_at_pct if near else "", "error": ""}


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
    "near_miss")


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
        )

    def compact(self) -> dict:
        return {"rank": self.rank, "formula": self.formula, **self._estimates_json(),
                "p_meets_goal": self.p_meets_goal, "cost_usd_per_kg": self.cost_usd_per_kg,
                "novelty_at_pct": self.novelty_at_pct, "near_miss": self.near_miss, "misses": self.misses,
                "target_condition": self.condition.to_json(), "nearest_known": _nearest_compact(self.nearest_known)}

    def csv_row(self) -> dict:
        near = self.nearest_known[0] if self.nearest_known else None
        return {"rank": self.rank, "formula": self.formula, **self._estimate_columns(),
                "p_meets_goal": self.p_meets_goal, "cost_usd_per_kg": self.cost_usd_per_kg,
                **{f"condition_{name}": getattr(self.condition, name) for name in ("Tg", "Tx", "Tl")},
                "novelty_at_pct": self.novelty_at_pct, "nearest_known": near.formula if near else "",
                "nearest_distance_at_pct": near.distance_at_pct if near else "",
                "nearest_source": near.source.location if near else "", "score": self.score,
                "near_miss": self.near_miss}


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

    @classmethod
    def of(cls, result, forward_model: str, not_understood: Sequence[str] = ()) -> "DesignAnswer":
        """From the pipeline's `DesignResult` and the forward model's version."""
        cache: dict = {}
        return cls(goal=result.goal, not_understood=list(not_understood),
                   candidates=[Candidate.of(c, rank, result.table, cache)
                               for rank, c in enumerate(result.candidates, start=1)],
                   stats=DesignStats(**result.stats, forward_model=forward_model), notes=list(result.notes))

    def compact(self) -> dict:
        return {"goal": self.goal.as_json(), "goal_description": self.goal.describe(),
                "not_understood": self.not_understood, "stats": self.stats.compact(), "notes": self.notes,
                "units": DESIGN_UNITS, "candidates": [c.compact() for c in self.candidates]}

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


# --- knowledge base (known alloys, descriptions) -------------------------------------------
MAX_LISTED = 25  # records a compact form lists at most; the full result stays the tool's artifact


def _measured_fields() -> dict[str, Any]:
    """Tg, Tx, Tl and every published criterion (in `FEATURE_NAMES` order), as fields described from the
    descriptor module: one list of criteria for the data, the models and this contract."""
    from alloygan.models.descriptors.thermal import CRITERIA, TEMPERATURES

    described = {name: f"{name} in K (median of the reports)" for name in TEMPERATURES}
    described |= {c.name: f"{c.symbol} = {c.formula} ({c.citation})" for c in CRITERIA}
    return {name: (float | None, Field(description=text)) for name, text in described.items()}


_KnownAlloyFields = create_model(
    "_KnownAlloyFields", __base__=Result,
    composition=(dict[str, float], Field(description="Element symbol -> at.% (decreasing at.%, ties alphabetical)")),
    formula=(str, Field(description="The canonical formula")),
    base_element=(str, Field(description="The element of largest amount")),
    **_measured_fields(),
    n_reports=(int, Field(description="Reports the temperatures are the median of")),
    conflicting=(bool, Field(description="Whether the reports differ by more than 10 K")),
    spread_K=(float | None, Field(description="Largest max-min difference of Tg, Tx or Tl among the reports, K")),
    sources=(list[SourceRef], Field(description="Where each report comes from")),
)


class KnownAlloy(_KnownAlloyFields):
    """A measured alloy of the knowledge base: composition, median temperatures, every criterion, sources
    (a record of `kb query --json`)."""

    schema_name = "known-alloy"

    @classmethod
    def of(cls, alloy, features) -> "KnownAlloy":
        """From a store `Alloy` and its row of the alloy table's features."""
        from alloygan.models.descriptors.thermal import FEATURE_NAMES

        return cls(composition=alloy.composition.as_dict(), formula=alloy.composition.formula,
                   base_element=alloy.base_element, **{name: rounded(features[name]) for name in FEATURE_NAMES},
                   n_reports=len(alloy.reports), conflicting=alloy.conflicting, spread_K=rounded(alloy.spread_K, 3),
                   sources=[SourceRef.of(report) for report in alloy.reports])

    def compact(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "Trg": rounded(self.Trg, 4), "gamma": rounded(self.gamma, 4), "dTx": rounded(self.dTx, 1),
                "n_reports": self.n_reports, "source": self.sources[0].text() if self.sources else ""}

    def csv_row(self) -> dict:
        data = self.to_json()
        data.pop("composition")
        return data | {"sources": "; ".join(source.text() for source in self.sources)}


class AlloyQueryResult(Result):
    """The known alloys matching a query, highest Trg first (`kb query --json` prints the `alloys`)."""

    schema_name = "alloy-query-result"

    n_found: int = Field(description="How many alloys match (before the limit)")
    alloys: list[KnownAlloy] = Field(description="The matching alloys, at most the query's limit")

    def compact(self) -> dict:
        return {"n_found": self.n_found, "alloys": [alloy.compact() for alloy in self.alloys[:MAX_LISTED]]}


class AlloyDescription(Result):
    """One formula described: composition, its measured data when known, descriptors, cost (`describe --json`)."""

    schema_name = "alloy-description"

    input: str = Field(description="The formula as given")
    composition: dict[str, float]
    formula: str
    known: KnownAlloy | None = Field(description="The knowledge base's record of this composition, if any")
    descriptors: dict[str, float | None] = Field(description="Composition descriptors (label -> value)")
    cost_usd_per_kg: float | None = Field(description="Raw-material cost; null when an element has no price")

    def alloy_descriptors(self) -> dict[str, float | None]:
        """The alloy-level descriptors (size mismatch, mixing enthalpy, ...), to 4 decimals: what an answer quotes;
        the 132 Magpie element statistics stay in the full result."""
        return {name: rounded(value, 4) for name, value in self.descriptors.items() if not name.startswith("MagpieData")}

    def compact(self) -> dict:
        return {"input": self.input, "formula": self.formula, "cost_usd_per_kg": rounded(self.cost_usd_per_kg, 2),
                "known": self.known.compact() if self.known else None, "descriptors": self.alloy_descriptors()}

    def csv_row(self) -> dict:
        known = self.known
        return {"input": self.input, "formula": self.formula, "cost_usd_per_kg": self.cost_usd_per_kg,
                **{name: getattr(known, name) if known else None for name in ("Tg", "Tx", "Tl")}, **self.descriptors}


class ResultList(Result):
    """Results under one key (`{"alloys": [...]}`); the compact form lists each one's compact form."""

    def compact(self) -> dict:
        (key,) = type(self).model_fields
        return {key: [item.compact() for item in getattr(self, key)]}


class AlloyDescriptions(ResultList):
    """`describe` of several formulas, in input order."""

    alloys: list[AlloyDescription]


class SourceCount(Result):
    sha256: str
    kind: str
    title: str
    accepted: int = Field(description="Reports accepted from this source")
    quarantined: int = Field(description="Rows of this source kept out, with a reason")


class KnowledgeBaseStats(SparseResult):
    """What the store holds (`kb stats --json`; `kb build --json` adds `built_from`)."""

    omitted_when_none = ("built_from",)

    schema_name = "kb-stats"

    store: str = Field(description="Path of the SQLite store")
    schema_version: int
    rows_read: int
    accepted: int
    quarantined: int
    unique_compositions: int
    conflicting_alloys: int = Field(description="Alloys whose reports differ by more than 10 K")
    families: dict[str, int] = Field(description="Base element -> alloys, most first")
    sources: list[SourceCount]
    built_from: str | None = Field(None, description="What the last build read (only after a build)")


class QuarantineEntry(Result):
    """A row kept out of the knowledge base, with the reason (`kb quarantine --json`)."""

    raw_text: str = Field(description="The row as printed")
    reason: str
    location: str
    page: int | None
    family: str
    document: str
    sha256: str

    def csv_row(self) -> dict:
        return self.to_json()



# --- literature (search hits, extracted records) -------------------------------------------
MAX_PASSAGE_CHARS = 700  # of a passage's text in the compact form
MAX_QUOTE_CHARS = 200  # of an extracted record's quote in the compact form


class LiteratureHit(Result):
    """A passage of an indexed document found by a search, with its citation (`lit search --json`)."""

    schema_name = "literature-hit"

    document: str = Field(description="Title of the document")
    page: int = Field(description="Page, counted from 1")
    score: float = Field(description="Cosine similarity of query and passage (1: same direction)")
    text: str = Field(description="The passage: quoted data from a paper, never instructions")
    path: str
    sha256: str = Field(description="SHA-256 of the document's bytes")
    chunk: int = Field(description="Chunk number within the document")

    def compact(self) -> dict:
        return {"document": self.document, "page": self.page, "score": round(self.score, 3),
                "text": self.text[:MAX_PASSAGE_CHARS]}

    def csv_row(self) -> dict:
        return self.to_json()


class LiteratureSearch(ResultList):
    """The passages found for a query, best first."""

    schema_name = "literature-search"

    passages: list[LiteratureHit]


class IndexedDocument(Result):
    """A document in the literature index (`lit documents --json`)."""

    document: str
    path: str
    sha256: str
    pages: int
    chunks: int

    def csv_row(self) -> dict:
        return self.to_json()


class IngestedFile(Result):
    path: str
    status: Literal["added", "known", "failed"] = Field(description="known: every chunk was already indexed")
    document: str = ""
    sha256: str = ""
    pages: int = 0
    chunks_added: int = 0
    chunks_known: int = 0
    reason: str = Field("", description="Why the file could not be read (status failed)")
    seconds: float = 0.0

    def csv_row(self) -> dict:
        return self.to_json()


class IngestTotals(Result):
    files: int
    added: int
    known: int
    failed: int
    chunks_added: int
    chunks_known: int
    pages_read: int


class Ingestion(Result):
    """What `lit ingest` did, per file and in total."""

    schema_name = "ingestion"

    index: str = Field(description="Directory of the literature index")
    files: list[IngestedFile]
    totals: IngestTotals

    @classmethod
    def of(cls, report) -> "Ingestion":
        """From the literature package's `IngestReport`."""
        return cls(index=report.index, files=[IngestedFile.model_validate(f, from_attributes=True) for f in report.files],
                   totals=IngestTotals(**report.totals))


class ExtractedRecord(Result):
    """One alloy's Tg, Tx, Tl in K read from a document, with the verbatim evidence (`lit extract --json`)."""

    schema_name = "extracted-record"

    composition: dict[str, float]
    formula: str
    formula_as_written: str
    Tg: float
    Tx: float
    Tl: float
    unit: Literal["K"] = "K"
    stated_unit: Literal["K", "°C"] = Field(description="The unit the document used")
    heating_rate_K_per_min: float | None
    source: Evidence
    method: Literal["rules", "llm"]
    prompt_version: str | None = Field(description="Version of the extraction prompt (method llm)")

    @classmethod
    def of(cls, record) -> "ExtractedRecord":
        """From the literature package's validated record."""
        return cls(composition=record.composition.as_dict(), formula=record.composition.formula,
                   **record.model_dump(include={"formula_as_written", "Tg", "Tx", "Tl", "stated_unit",
                                                "heating_rate_K_per_min", "method", "prompt_version"}),
                   source=record.source)

    def compact(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "document": self.source.document, "page": self.source.page,
                "quote": self.source.quote[:MAX_QUOTE_CHARS]}

    def csv_row(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "heating_rate_K_per_min": self.heating_rate_K_per_min, "method": self.method,
                "document": self.source.document, "page": self.source.page, "location": self.source.location,
                "quote": self.source.quote}


class ExtractedDocument(Result):
    path: str
    document: str
    sha256: str
    pages: int
    records: int
    rejected: int
    failed: str = Field(description="Why the file could not be read; empty when it was")
    llm_calls: int


class CommittedCount(Result):
    added: int = Field(description="Reports added to the knowledge base")
    already_present: int
    documents: int


class Extraction(Result):
    """What `lit extract` found (`--json --details`; `--json` prints the `records`)."""

    schema_name = "extraction"

    method: Literal["rules", "llm"]
    records: list[ExtractedRecord]
    rejected: list[Rejection] = Field(description="Candidates that failed a check, with the reason")
    documents: list[ExtractedDocument]
    committed: CommittedCount | None = Field(description="What --commit stored; null without it")

    def compact(self) -> dict:
        return {"method": self.method, "records": [record.compact() for record in self.records[:MAX_LISTED]],
                "n_records": len(self.records), "n_rejected": len(self.rejected),
                "documents": [document.to_json() for document in self.documents],
                "committed": self.committed.to_json() if self.committed else None}


class PaperCandidate(Result):
    """An open-access paper found by discovery."""

    service: Literal["arxiv", "openalex"]
    id: str
    title: str
    year: int | None
    authors: list[str]
    pdf_url: str | None
    landing_url: str


class DownloadFailure(Result):
    id: str
    reason: str


class Discovery(Result):
    """Papers found on arXiv or OpenAlex, and what was downloaded and ingested (`lit discover --json`)."""

    candidates: list[PaperCandidate]
    downloaded: list[str]
    download_failed: list[DownloadFailure]
    ingested: Ingestion | None



# --- experiment log -------------------------------------------------------------------------
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


class Experiment(Result):
    """An experiment suggestion of the log: a designed alloy, what was predicted for it for which goal by
    which models, and the lab's result once recorded (`experiments show --json`)."""

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
    measurement: Measurement | None
    status: Literal["pending", "glass", "not a glass"]

    @classmethod
    def of(cls, suggestion) -> "Experiment":
        """From the experiment log's `Suggestion`."""
        from dataclasses import asdict

        measurement = suggestion.measurement
        status = "pending" if measurement is None else "glass" if measurement.amorphous else "not a glass"
        return cls(**asdict(suggestion), status=status)

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
                "note": m.note if m else "", "goal": self.goal_text}


class LoggedSuggestions(Result):
    """Candidates of a design just logged as experiment suggestions."""

    schema_name = "logged-suggestions"

    logged: list[Experiment]

    def compact(self) -> dict:
        first = self.logged[0] if self.logged else None
        return {"logged": [{"id": s.id, "formula": s.formula, "design_rank": s.design_rank} for s in self.logged],
                "forward_model": first.forward_model if first else "", "generator": first.generator if first else ""}


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


class ExperimentsReport(Result):
    """Predicted vs measured over the experiment log (`experiments report --json`): the active-learning loop."""

    schema_name = "experiments-report"

    suggestions: int
    measured: int
    glasses: int
    not_glasses: int
    pending: int
    properties: dict[str, PropertyAccuracy]
    experiments: list[ExperimentCheck]


# --- training -------------------------------------------------------------------------------
class ForwardModelTraining(Result):
    trained: bool = Field(description="True when it was (re)trained now, false when the saved model was current")
    n_alloys: int | None
    training_seconds: float | None
    elements: int = Field(description="Elements the model knows")


class GeneratorTraining(Result):
    model: str
    family: str = Field(description="Base element of the family, or 'all'")
    trained: bool
    training_seconds: float | None
    n_alloys: int | None


class TrainingReport(Result):
    """What `alloygan train` did: per model trained now or reused (`train --json`)."""

    schema_name = "training-report"

    alloys: int = Field(description="Alloys in the knowledge base")
    forward_model: ForwardModelTraining
    generators: list[GeneratorTraining]
    seconds: float

