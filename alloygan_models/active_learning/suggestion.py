"""The next experiments for a goal: which designed candidates to cast, chosen by an acquisition function.

The candidates come from the design pipeline (generated, predicted by the forward model with its σ, screened
by the goal, inside the domain of applicability unless the goal explores). This module scores them:

* the **objective** is the property the goal names to maximise or minimise ("the highest Trg"); without one,
  the first property the goal bounds (a lower bound: maximise it; only an upper bound: minimise it); without
  any, Trg (the glass-forming ability the data measure best), maximised;
* the **incumbent** f* is the best measured value of the objective among the known alloys of the goal's family
  that obey its element rules (recorded experiments are known alloys, so each result moves it);
* the objective is standardised by the family's standard deviation, so ξ (EI, PI) and κ (UCB) are in units of
  it, and the acquisition is computed as in `acquisition.py`: EI, PI, UCB, greedy (the mean), or Thompson
  sampling (one draw from each candidate's predictive distribution per batch slot);
* the goal's ranges enter as the probability of meeting them: EI and PI are multiplied by P(meets goal)
  (constrained expected improvement: Gardner et al., "Bayesian optimization with inequality constraints",
  ICML 2014); the other acquisitions rank only candidates that meet the goal by the forward model's mean;
* the batch is chosen greedily by score, no two suggestions closer than `min_distance_at_pct` (half-L1 at.%);
  for Thompson sampling each slot takes the best of a fresh draw among the candidates still eligible.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alloygan.models.active_learning.acquisition import (
    acquisition_scores,
    expected_improvement,
    select_batch,
    thompson_batch,
)

ACQUISITIONS = ("EI", "PI", "UCB", "greedy", "thompson")
DEFAULT_ACQUISITION = "EI"
DEFAULT_OBJECTIVE = "Trg"
XI = 0.01  # EI/PI exploration margin, in standard deviations of the objective over the family
KAPPA = 2.0  # UCB: mean + 2σ
MIN_DISTANCE_AT_PCT = 4.0  # no two suggestions of a batch closer than this (half-L1 at.%)


@dataclass(frozen=True)
class ObjectiveChoice:
    """What the suggestions try to improve, and why this property (`chosen_by`: goal / constraint / default)."""

    property: str
    maximise: bool
    chosen_by: str

    def describe(self) -> str:
        return f"{'highest' if self.maximise else 'lowest'} {self.property}"


def choose_objective(goal) -> ObjectiveChoice:
    """The objective of a `DesignGoal` (module docstring)."""
    named = getattr(goal, "objective", None)
    if named is not None:
        return ObjectiveChoice(named.property, named.maximise, "goal")
    for c in goal.constraints:
        if c.min is not None or c.max is not None:
            return ObjectiveChoice(c.property, c.min is not None, "constraint")
    return ObjectiveChoice(DEFAULT_OBJECTIVE, True, "default")


@dataclass(frozen=True)
class Incumbent:
    """The best measured alloy for the objective: its row in the table it was found in, and its value."""

    row: int
    value: float


def incumbent(values: np.ndarray, maximise: bool) -> Incumbent | None:
    """The best finite value (None when there is none)."""
    values = np.asarray(values, dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if len(finite) == 0:
        return None
    best = finite[np.argmax(values[finite])] if maximise else finite[np.argmin(values[finite])]
    return Incumbent(int(best), float(values[best]))


@dataclass(frozen=True)
class Scored:
    """The chosen candidates (indices, best first) and, per chosen one, its acquisition value (EI: expected gain
    beyond ξ times P(meets goal), in the objective's units; PI: a probability times P(meets goal); UCB, greedy and
    Thompson: a value of the objective) and its expected improvement over the incumbent in the objective's units."""

    picks: np.ndarray
    acquisition: np.ndarray
    expected_gain: np.ndarray


def choose_batch(acquisition: str, mean: np.ndarray, std: np.ndarray, p_meets_goal: np.ndarray,
                 meets_goal: np.ndarray, fractions: np.ndarray, best: float | None, scale: float, maximise: bool,
                 batch_size: int, min_distance_at_pct: float = MIN_DISTANCE_AT_PCT, xi: float = XI,
                 kappa: float = KAPPA, seed: int = 0) -> Scored:
    """Score the candidates (predicted `mean`, `std` of the objective in its units) and choose a diverse batch.

    `best` is the incumbent's value (None: nothing measured, so every candidate improves on nothing and EI
    reduces to the predicted mean's excess over the worst candidate); `scale` standardises the objective.
    """
    if acquisition not in ACQUISITIONS:
        raise ValueError(f"unknown acquisition {acquisition!r}; choose one of {', '.join(ACQUISITIONS)}")
    sign = 1.0 if maximise else -1.0
    scale = scale if scale and np.isfinite(scale) and scale > 0 else 1.0
    mu = sign * np.asarray(mean, dtype=float) / scale
    sigma = np.asarray(std, dtype=float) / scale
    f_best = sign * best / scale if best is not None else float(np.min(mu))
    gain = expected_improvement(mu, sigma, f_best, 0.0) * scale  # in the objective's units, reported
    eligible = np.asarray(meets_goal, dtype=bool)
    if acquisition == "thompson":
        picks = thompson_batch(np.where(eligible, mu, np.nan), sigma, fractions, batch_size,
                               np.random.default_rng(seed), min_distance_at_pct)
        value = np.full(len(mu), np.nan)
        value[picks] = mu[picks]
        return Scored(picks, value[picks] * scale * sign, gain[picks])
    score = acquisition_scores(acquisition, mu, sigma, f_best, xi=xi, kappa=kappa)
    if acquisition in ("EI", "PI"):
        score = score * p_meets_goal
        if not np.any(score > 0):  # nothing promises a gain: fall back to P(goal)
            score = np.asarray(p_meets_goal, dtype=float) * 1e-12
    else:  # UCB, greedy
        score = np.where(eligible, score, -np.inf)
    score = np.where(np.isfinite(score), score, -np.inf)
    picks = select_batch(np.where(score == -np.inf, np.nan, score), fractions, batch_size, min_distance_at_pct)
    shown = score[picks]
    if acquisition in ("UCB", "greedy"):  # back to the objective's units (UCB: the optimistic value)
        shown = sign * shown * scale
    elif acquisition == "EI":  # in the objective's units: expected gain (beyond ξ) times P(meets goal)
        shown = shown * scale
    return Scored(picks, shown, gain[picks])
