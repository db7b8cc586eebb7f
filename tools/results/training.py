"""Training results: what `alloygan train` trained or reused."""
from __future__ import annotations

from pydantic import Field

from alloygan.tools.results.base import Result


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
