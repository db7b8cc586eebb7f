"""Extraction records: what a document states about one alloy, in kelvin, with its evidence.

`ExtractedRecord` validates on construction (composition read exactly, temperatures
plausible and ordered) so an extractor either holds a valid record or a `Rejection`
with the reason; `make_record` turns the one into the other. `to_report` gives the
knowledge-base `Report` that `--commit` stores.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel, ConfigDict, Field, ValidationError, field_serializer, field_validator, model_validator,
)

from alloygan.knowledge_base.composition import Composition, CompositionError
from alloygan.knowledge_base.records import Report, Source, temperature_problems
from alloygan.knowledge_base.validation import validation_message

Method = Literal["rules", "llm"]


class Evidence(BaseModel):
    """Where a record was read: the document, its page, a unique location and the verbatim quote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str = Field(description="Title of the document (its file name when it has none)")
    sha256: str = Field(description="SHA-256 of the document's bytes")
    path: str = Field("", description="Path of the file the record was read from")
    page: int | None = Field(None, description="Page, counted from 1")
    location: str = Field(description="Unique within the document, e.g. 'p3 table 1 row 4'")
    quote: str = Field(description="The passage stating the values, verbatim (whitespace collapsed)")


class ExtractedRecord(BaseModel):
    """One alloy with Tg, Tx, Tl in kelvin, read from a document with evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    composition: Composition
    formula_as_written: str
    Tg: float = Field(description="Glass transition temperature, K")
    Tx: float = Field(description="Onset of crystallisation, K")
    Tl: float = Field(description="Liquidus temperature, K")
    stated_unit: Literal["K", "°C"] = Field("K", description="The unit the document used")
    heating_rate_K_per_min: float | None = Field(None, gt=0)
    source: Evidence
    method: Method
    prompt_version: str | None = None

    @field_validator("composition", mode="before")
    @classmethod
    def _composition(cls, value: Any) -> Composition:
        if isinstance(value, Composition):
            return value
        if isinstance(value, str):
            return Composition.parse(value)
        return Composition(value)

    @model_validator(mode="after")
    def _plausible(self) -> "ExtractedRecord":
        problems = temperature_problems(self.Tg, self.Tx, self.Tl)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @field_serializer("composition")
    def _composition_json(self, composition: Composition) -> dict[str, float]:
        return composition.as_dict()

    @property
    def report_method(self) -> str:
        return "rules" if self.method == "rules" else f"llm:{self.prompt_version}"

    def key(self) -> tuple[Composition, float, float, float]:
        """Identity for comparing extractions: composition (within 0.01 at.%) and temperatures to 0.01 K."""
        return (self.composition, round(self.Tg, 2), round(self.Tx, 2), round(self.Tl, 2))

    def to_report(self, source: Source) -> Report:
        return Report(
            composition=self.composition, Tg=self.Tg, Tx=self.Tx, Tl=self.Tl,
            raw_text=self.source.quote, location=self.source.location, page=self.source.page,
            family=self.composition.base_element, quote=self.source.quote, method=self.report_method,
            heating_rate_K_per_min=self.heating_rate_K_per_min, source=source,
        )


class Rejection(BaseModel):
    """A candidate record that was not accepted, with the reason."""

    model_config = ConfigDict(frozen=True)

    document: str
    sha256: str
    page: int | None
    location: str
    text: str
    reason: str
    method: Method


def make_record(evidence: Evidence, method: Method, formula: str, Tg: float, Tx: float, Tl: float,
                stated_unit: str = "K", heating_rate_K_per_min: float | None = None,
                prompt_version: str | None = None) -> ExtractedRecord | Rejection:
    """A validated record, or a `Rejection` saying which check failed."""
    try:
        composition = Composition.parse(formula)
    except CompositionError as error:
        reason = getattr(error, "reason", None) or str(error)
        return rejection(evidence, method, f"formula {formula!r}: {reason}")
    try:
        return ExtractedRecord(composition=composition, formula_as_written=formula, Tg=Tg, Tx=Tx, Tl=Tl,
                               stated_unit=stated_unit, heating_rate_K_per_min=heating_rate_K_per_min,
                               source=evidence, method=method, prompt_version=prompt_version)
    except ValidationError as error:
        return rejection(evidence, method, validation_message(error, locations=False) or str(error))


def rejection(evidence: Evidence, method: Method, reason: str) -> Rejection:
    """A rejection of what was read at `evidence`."""
    return Rejection(document=evidence.document, sha256=evidence.sha256, page=evidence.page,
                     location=evidence.location, text=evidence.quote, reason=reason, method=method)
