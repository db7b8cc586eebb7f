"""Acquisition functions: how desirable it is to measure a candidate next, from the surrogate's predicted mean μ
and standard deviation σ of an objective to MAXIMISE (pass the negative of a property to minimise it).

With the best measured value f* and an exploration margin ξ ≥ 0, z = (μ − f* − ξ) / σ:

* expected improvement  EI  = (μ − f* − ξ) Φ(z) + σ φ(z)   (σ = 0: max(μ − f* − ξ, 0));
* probability of improvement PI = Φ(z)                     (σ = 0: 1 if μ > f* + ξ else 0);
* upper confidence bound UCB = μ + κ σ;
* greedy (pure exploitation) = μ;
* Thompson sampling = one draw per candidate from N(μ, σ²) (Thompson 1933; Russo et al. 2018, "A tutorial on
  Thompson sampling", Found. Trends Mach. Learn. 11, 1): a candidate is picked as often as it is the best;
* random = a uniform draw (the baseline a scientist picking at random would give).

Φ and φ are the standard normal distribution and density (scipy.stats.norm). `select_batch` turns scores
into a batch: the best-scoring candidates in turn, skipping any closer than a minimum composition distance
to a pick already made (diversity) or farther than a limit from every known alloy (domain of applicability).
`thompson_batch` fills a batch with a fresh draw for each slot instead (parallel Thompson sampling, Kandasamy
et al. 2018, AISTATS, PMLR 84:133), under the same diversity and domain rules.
Distances are the project's half-L1 distance in at.% (`alloygan.models.metrics.nearest_known`).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from alloygan.models.metrics import nearest_known


def _arrays(mean, std) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=float)
    std = np.broadcast_to(np.asarray(std, dtype=float), mean.shape)
    if np.any(std < 0):
        raise ValueError("std must be non-negative")
    return mean, std


def expected_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    """EI = (μ − f* − ξ) Φ(z) + σ φ(z), z = (μ − f* − ξ)/σ; max(μ − f* − ξ, 0) where σ = 0."""
    mean, std = _arrays(mean, std)
    gain = mean - best - xi
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, gain / np.where(std > 0, std, 1.0), 0.0)
        value = gain * norm.cdf(z) + std * norm.pdf(z)
    return np.where(std > 0, np.maximum(value, 0.0), np.maximum(gain, 0.0))


def probability_of_improvement(mean, std, best: float, xi: float = 0.0) -> np.ndarray:
    """PI = Φ((μ − f* − ξ)/σ); 1 where σ = 0 and μ > f* + ξ, else 0 there."""
    mean, std = _arrays(mean, std)
    gain = mean - best - xi
    safe = np.where(std > 0, std, 1.0)
    return np.where(std > 0, norm.cdf(gain / safe), (gain > 0).astype(float))


def upper_confidence_bound(mean, std, kappa: float = 2.0) -> np.ndarray:
    """UCB = μ + κσ."""
    mean, std = _arrays(mean, std)
    return mean + kappa * std


def greedy(mean, std=None) -> np.ndarray:
    """Pure exploitation: the predicted mean μ itself."""
    return np.asarray(mean, dtype=float).copy()


def random_scores(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform random scores in [0, 1): selecting by them is picking at random."""
    return rng.random(n)


def acquisition_scores(name: str, mean, std, best: float, rng: np.random.Generator | None = None, xi: float = 0.0,
                       kappa: float = 2.0) -> np.ndarray:
    """The scores of the acquisition `name`: "EI", "PI", "UCB", "greedy" or "random" (which needs `rng`)."""
    if name == "random":
        return random_scores(len(np.asarray(mean)), rng)
    if name == "greedy":
        return greedy(mean)
    if name == "EI":
        return expected_improvement(mean, std, best, xi)
    if name == "PI":
        return probability_of_improvement(mean, std, best, xi)
    if name == "UCB":
        return upper_confidence_bound(mean, std, kappa)
    raise ValueError(f"unknown acquisition {name!r}; choose one of EI, PI, UCB, greedy, random")


def thompson_scores(mean, std, rng: np.random.Generator) -> np.ndarray:
    """One draw per candidate from N(μ, σ²) (σ = 0: μ itself); the same rng state gives the same draws."""
    mean, std = _arrays(mean, std)
    return mean + std * rng.standard_normal(mean.shape)


def _domain_mask(candidates: np.ndarray, known: np.ndarray | None,
                 max_domain_distance_at_pct: float | None) -> np.ndarray:
    """True for the candidates within the domain limit of the known alloys (all of them without a limit)."""
    if max_domain_distance_at_pct is None:
        return np.ones(len(candidates), dtype=bool)
    if known is None or len(known) == 0:
        raise ValueError("a domain limit needs the known alloys")
    domain_distance, _ = nearest_known(candidates, known)
    return domain_distance <= max_domain_distance_at_pct


def _eligible(values: np.ndarray, what: str, candidates, batch_size: int, known: np.ndarray | None,
              max_domain_distance_at_pct: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The candidates as an array and which of them a batch may take (a finite value, within the domain limit);
    ValueError for a count of `what` (scores, predictions) that does not match, or a batch size below 1."""
    candidates = np.asarray(candidates, dtype=float)
    if len(values) != len(candidates):
        raise ValueError(f"{len(values)} {what} for {len(candidates)} candidates")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    return candidates, np.isfinite(values) & _domain_mask(candidates, known, max_domain_distance_at_pct)


def select_batch(scores, candidates: np.ndarray, batch_size: int, min_distance_at_pct: float = 0.0,
                 known: np.ndarray | None = None, max_domain_distance_at_pct: float | None = None) -> np.ndarray:
    """Indices of up to `batch_size` candidates, best score first, chosen greedily:

    a candidate is skipped if its half-L1 distance (at.%) to any candidate already picked is below
    `min_distance_at_pct`, or, when `max_domain_distance_at_pct` is given, if its distance to the nearest row
    of `known` exceeds it. `candidates` and `known` are (n, V) / (m, V) amounts on the same vocabulary.
    Fewer than `batch_size` come back when the rules leave fewer eligible candidates.
    """
    scores = np.asarray(scores, dtype=float)
    candidates, eligible = _eligible(scores, "scores", candidates, batch_size, known, max_domain_distance_at_pct)
    nearest_pick = np.full(len(candidates), np.inf)  # distance of each candidate to its nearest pick so far
    picks: list[int] = []
    for index in np.argsort(-scores, kind="stable"):
        if len(picks) == batch_size:
            break
        if not eligible[index] or nearest_pick[index] < min_distance_at_pct:
            continue
        picks.append(int(index))
        if min_distance_at_pct > 0:
            distance, _ = nearest_known(candidates, candidates[index:index + 1])
            nearest_pick = np.minimum(nearest_pick, distance)
    return np.asarray(picks, dtype=np.int64)


def thompson_batch(mean, std, candidates: np.ndarray, batch_size: int, rng: np.random.Generator,
                   min_distance_at_pct: float = 0.0, known: np.ndarray | None = None,
                   max_domain_distance_at_pct: float | None = None) -> np.ndarray:
    """Indices of up to `batch_size` candidates by Thompson sampling with a fresh draw for each slot: slot k takes
    the best of `thompson_scores(mean, std, rng)` among the candidates not yet picked, not closer than
    `min_distance_at_pct` to a pick, and within the domain limit (as `select_batch`); a NaN mean makes a
    candidate ineligible. One draw per slot rather
    than per batch, so that the batch spreads over the candidates that might be best instead of being the
    top `batch_size` of a single draw (which, with a small σ, is nearly the greedy batch)."""
    mean, std = _arrays(mean, std)
    candidates, allowed = _eligible(mean, "predictions", candidates, batch_size, known, max_domain_distance_at_pct)
    picks: list[int] = []
    while len(picks) < batch_size and allowed.any():
        draw = np.where(allowed, thompson_scores(mean, std, rng), -np.inf)
        pick = int(np.argmax(draw))
        picks.append(pick)
        allowed[pick] = False
        if min_distance_at_pct > 0:
            distance, _ = nearest_known(candidates, candidates[pick:pick + 1])
            allowed &= distance >= min_distance_at_pct
    return np.asarray(picks, dtype=np.int64)
