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
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

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


class Estimate(Result):
    """A predicted value: mean and one standard deviation."""

    mean: float | None
    std: float | None

    @classmethod
    def of(cls, mean: float, std: float, digits: int = 4) -> "Estimate":
        return cls(mean=rounded(mean, digits), std=rounded(std, digits))


class SourceRef(Result):
    """Where a reported value comes from: the document and the place in it."""

    document: str = ""
    sha256: str = ""
    kind: str = ""
    page: int | None = None
    location: str = ""
    raw_text: str = ""
    quote: str | None = None

    def to_json(self) -> dict:
        data = super().to_json()
        if not self.quote:  # the key appears only for sources that carry a verified quote
            data.pop("quote")
        return data

    def text(self) -> str:
        """`document, location`: the short citation an answer shows."""
        return ", ".join(part for part in (self.document, self.location) if part)


# --- design and prediction (candidates, predictions, nearest known alloys) -----------------


# --- knowledge base (known alloys, descriptions) -------------------------------------------


# --- literature (search hits, extracted records) -------------------------------------------


# --- experiment log -------------------------------------------------------------------------
