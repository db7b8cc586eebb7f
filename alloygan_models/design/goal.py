"""A design goal: what the scientist asked for, typed and checked (pydantic).

Fields the issue names are kept under their names in the JSON form (`as_json`):
base_element, required_elements, excluded_elements, constraints (a list of
{"property", "min", "max"}), max_elements, max_cost_usd_per_kg, n_candidates,
min_novelty (at.%, half-L1 distance to the nearest known alloy), explore (allow candidates outside
the domain of applicability), seed, objective ({"property", "maximise"} or null: the property whose predicted
value orders the candidates that meet the goal, e.g. "the highest γ"; design/ranking.py). Every goal also
carries the implicit requirement that a candidate is a credible glass former (design/pipeline.py: in the
domain, predicted Trg not below the family's). The words of a request that the grammar could not use belong to
the parse (`goal_text.ParsedGoal`), not to the goal, which a follow-up carries on.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alloygan.models.constraints import PropertyRange, checked_property
from alloygan.knowledge_base.composition import element_symbols
from alloygan.knowledge_base.records import PLAUSIBLE_K

MAX_CANDIDATES = 500
# Where a property of any metallic glass can lie: the temperatures' plausible ranges (the
# same checks the data pass), and the bounds that Tg < Tx < Tl puts on ratios (Trg, α and
# γ are below 1; ΔTx is positive). A range wholly outside is an impossible goal.
REACHABLE = {**PLAUSIBLE_K, "Trg": (0.0, 1.0), "alpha": (0.0, 1.0), "gamma": (0.0, 1.0),
             "dTx": (0.0, PLAUSIBLE_K["Tx"][1] - PLAUSIBLE_K["Tg"][0])}


class ElementLimit(BaseModel):
    """Bounds on one element's amount in at.%."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    element: str
    min: float = Field(0.0, ge=0.0, le=100.0)
    max: float = Field(100.0, ge=0.0, le=100.0)

    @model_validator(mode="after")
    def _ordered(self) -> "ElementLimit":
        if self.min > self.max:
            raise ValueError(f"contradictory limits on {self.element}: at least {self.min:g} and at most {self.max:g} at.%")
        return self


class Objective(BaseModel):
    """A property to make as high (or as low) as possible among the candidates that meet the goal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    property: str = Field(description="The property to optimise: Tg, Tx, Tl, Trg, gamma, dTx or any GFA criterion")
    maximise: bool = Field(True, description="true for the highest value, false for the lowest")

    @field_validator("property")
    @classmethod
    def _canonical_name(cls, value: str) -> str:
        return checked_property(value)  # the names a PropertyRange accepts, under the same canonical spelling

    def describe(self) -> str:
        return f"{'highest' if self.maximise else 'lowest'} {self.property}"


def _check_symbols(values: list[str], what: str) -> list[str]:
    cleaned = [v.strip() for v in values if v and v.strip()]
    unknown = [v for v in cleaned if v not in element_symbols()]
    if unknown:
        raise ValueError(f"{what}: {', '.join(unknown)} not element symbols (symbols are case-sensitive, e.g. Zr, Be)")
    return list(dict.fromkeys(cleaned))


class DesignGoal(BaseModel):
    """Everything the design pipeline needs to know about a request."""

    model_config = ConfigDict(extra="forbid")

    base_element: str | None = Field(None, description="Base (majority) element of the alloy family, e.g. 'Zr'")
    required_elements: list[str] = Field(default_factory=list, description="Elements every candidate must contain")
    allowed_elements: list[str] | None = Field(None, description="If set, candidates use only these (plus base and required)")
    excluded_elements: list[str] = Field(default_factory=list, description="Elements no candidate may contain")
    constraints: list[PropertyRange] = Field(default_factory=list, description="Ranges on Tg, Tx, Tl or any GFA criterion")
    min_elements: int | None = Field(None, ge=1, le=12, description="At least this many elements")
    max_elements: int | None = Field(None, ge=1, le=12, description="At most this many elements")
    element_limits: list[ElementLimit] = Field(default_factory=list, description="Per-element at.% bounds")
    max_cost_usd_per_kg: float | None = Field(None, gt=0, description="Raw-material cost ceiling, USD/kg")
    prefer_low_cost: bool = Field(False, description="Rank cheaper candidates first among those meeting the goal")
    n_candidates: int = Field(10, ge=1, le=MAX_CANDIDATES, description="How many candidates to return")
    min_novelty: float = Field(0.0, ge=0.0, le=100.0, description="Minimum distance (at.%) to every known alloy")
    explore: bool = Field(False, description="Also return candidates outside the domain of applicability (more than "
                          "15 at.% from every known alloy), marked as extrapolations; no ranking penalty for distance")
    seed: int = Field(0, ge=0, description="Random seed: the same goal and seed give the same answer")
    objective: Objective | None = Field(
        None, description="Only for 'the highest/lowest <property>': {\"property\": \"gamma\", \"maximise\": true}; "
        "ranks the candidates by it (a bound such as Trg > 0.6 is a constraint; 'cheapest' is prefer_low_cost)")

    @field_validator("required_elements", "excluded_elements")
    @classmethod
    def _symbols(cls, values: list[str], info) -> list[str]:
        return _check_symbols(values, info.field_name.replace("_", " "))

    @field_validator("allowed_elements")
    @classmethod
    def _allowed(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _check_symbols(values, "allowed elements")

    @field_validator("base_element")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return None if value is None else _check_symbols([value], "base element")[0]

    @model_validator(mode="after")
    def _consistent(self) -> "DesignGoal":
        excluded = set(self.excluded_elements)
        needed = set(self.required_elements) | ({self.base_element} if self.base_element else set())
        clash = sorted(needed & excluded)
        if clash:
            raise ValueError(f"{', '.join(clash)} both required (or the base) and excluded")
        for c in self.constraints:
            low, high = REACHABLE.get(c.property, (-np.inf, np.inf))
            if (c.min is not None and c.min >= high) or (c.max is not None and c.max <= low):
                unit = " K" if c.property in PLAUSIBLE_K or c.property == "dTx" else ""
                raise ValueError(f"{c.describe()} cannot hold for any metallic glass: {c.property} lies between "
                                 f"{low:g} and {high:g}{unit}")
        names = [c.property for c in self.constraints]
        if len(names) != len(set(names)):
            raise ValueError("give one range per property (merge them with PropertyRange.intersect)")
        if self.min_elements and self.max_elements and self.min_elements > self.max_elements:
            raise ValueError(f"at least {self.min_elements} and at most {self.max_elements} elements cannot both hold")
        if self.max_elements is not None and len(needed) > self.max_elements:
            raise ValueError(f"{len(needed)} elements are required but at most {self.max_elements} are allowed")
        limited = [limit.element for limit in self.element_limits]
        if len(limited) != len(set(limited)):
            raise ValueError("give one limit per element")
        bad = sorted(set(limited) & excluded)
        if any(limit.min > 0 for limit in self.element_limits if limit.element in bad):
            raise ValueError(f"{', '.join(bad)} has a minimum amount but is excluded")
        if sum(limit.min for limit in self.element_limits) > 100:
            raise ValueError("the per-element minimum amounts add up to more than 100 at.%")
        return self

    def says_anything(self) -> bool:
        """Whether the goal asks for anything: some field differs from a blank goal's."""
        return self.model_dump() != type(self)().model_dump()

    def constraint(self, name: str) -> PropertyRange | None:
        return next((c for c in self.constraints if c.property == name), None)

    def as_json(self) -> dict:
        """The README's form (`parse-goal --json`): ranges as {"property", "min", "max"}, strictness left out
        (`model_dump` keeps it, for a goal that must come back the same, e.g. the conversation's)."""
        data = self.model_dump(exclude={"constraints", "element_limits"})
        data["constraints"] = [c.as_json() for c in self.constraints]
        data["element_limits"] = [limit.model_dump() for limit in self.element_limits]
        return data

    def describe(self) -> str:
        """One line a person can check: what the pipeline will look for."""
        parts = [f"{self.base_element}-based" if self.base_element else "any base element"]
        parts += [c.describe() for c in self.constraints]
        if self.required_elements:
            parts.append("with " + ", ".join(self.required_elements))
        if self.allowed_elements is not None:
            parts.append("only " + ", ".join(self.allowed_elements))
        if self.excluded_elements:
            parts.append("without " + ", ".join(self.excluded_elements))
        if self.min_elements or self.max_elements:
            parts.append(f"{self.min_elements or 2}-{self.max_elements or '∞'} elements")
        parts += [f"{limit.min:g}-{limit.max:g} at.% {limit.element}" for limit in self.element_limits]
        if self.max_cost_usd_per_kg:
            parts.append(f"cost <= {self.max_cost_usd_per_kg:g} USD/kg")
        if self.objective is not None:
            parts.append(f"{self.objective.describe()} first")
        if self.prefer_low_cost:
            parts.append("cheapest first")
        if self.min_novelty:
            parts.append(f">= {self.min_novelty:g} at.% from known alloys")
        if self.explore:
            parts.append("exploring beyond the known alloys (extrapolations allowed)")
        parts.append(f"{self.n_candidates} candidates, seed {self.seed}")
        return "; ".join(parts)
