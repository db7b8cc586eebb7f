"""What `ensure` did for one model: trained (and why) or reused."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class ModelReport:
    """One model brought up to date: `action` is "trained" (with the `reason`) or "reused"."""

    model: str  # "forward", or a generative model ("ours", "cgan", ...)
    family: str | None  # a generator's base element ("all" for the multi-family one); None for the forward model
    action: Literal["trained", "reused"]
    reason: str  # why it was trained ("no saved model", "the training data changed", ...); "" when reused
    n_alloys: int  # the alloys it was trained on
    training_seconds: float  # how long its training took (this run's, or the saved model's)
    trained_at: str  # ISO time of that training
    directory: Path

    @property
    def trained(self) -> bool:
        return self.action == "trained"

    @property
    def name(self) -> str:
        return "forward model" if self.family is None else f"{self.model} generator for {self.family}"

    def describe(self) -> str:
        """One line: "forward model: trained on 987 alloys in 2.3 s (no saved model)" or "...: reused (987 alloys)"."""
        if self.trained:
            return f"{self.name}: trained on {self.n_alloys} alloys in {self.training_seconds:.1f} s ({self.reason})"
        return f"{self.name}: up to date ({self.n_alloys} alloys)"

    def as_dict(self) -> dict:
        return {**asdict(self), "directory": str(self.directory), "trained": self.trained}
