"""The base of every result, the shared value types (estimates, sources) and the conventions."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

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


def frame(rows: Iterable[dict]):
    """A pandas DataFrame of flat rows (the `to_frame()` of results that are tables)."""
    import pandas as pd

    return pd.DataFrame(list(rows))


class FlatResult(Result):
    """A result whose JSON form is already flat: its CSV row is that form."""

    def csv_row(self) -> dict:
        return self.to_json()


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
