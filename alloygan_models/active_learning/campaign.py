"""A pool-based retrospective campaign: how many experiments each acquisition strategy needs to find the best
alloy of a family that the models have not seen.

Protocol (`run_campaign`, one strategy, one random seed): the family's known alloys are hidden and form the
pool; the alloys of every other family stay known, except their near-twins: by default (`family_pool`) a known
alloy within `TWIN_DISTANCE_AT_PCT` (5 at.%, half-L1) of any alloy of the hidden family is removed too, so that
the surrogate cannot look up the answer on, say, Cu50Zr50 when Zr50Cu50 is hidden (`twin_distance_at_pct=None`
keeps the family-only split). `n_seed` pool alloys, drawn at random among those that are not targets, are
measured first. Then, in rounds, the strategy scores the rest of the pool with the surrogate (trained on the
known alloys plus those measured so far), `select_batch` picks a diverse batch (Thompson sampling:
`thompson_batch`, a fresh posterior draw per slot), and the "lab" returns the pool alloys' recorded values. The
"generator" strategy uses no surrogate: a `CompositionProposer` generates compositions for conditions that beat
the best measured value, and the unmeasured pool alloys most of them map to are picked (`generator_strategy`).
It stops when a target is measured: an alloy in the top 1 % of the pool by the objective (at least the single
best; ties count). The count is the number of experiments chosen by the strategy (seeds excluded), whole
batches included; a campaign that spends its budget without a target is marked not found and counted at the
budget.

The objective is standardised on the training alloys before each fit, so ξ (EI, PI) and κ (UCB) are in units
of its standard deviation, and the best measured value f* is the best of the family's measured alloys.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from alloygan.models.active_learning.acquisition import acquisition_scores, select_batch, thompson_batch
from alloygan.models.active_learning.generator_strategy import (
    PROPOSALS_PER_ROUND,
    CompositionProposer,
    nearest_pool_votes,
)
from alloygan.models.descriptors.thermal import TEMPERATURES
from alloygan.models.metrics import nearest_known

SURROGATE_STRATEGIES = ("greedy", "EI", "PI", "UCB", "thompson")
GENERATOR_STRATEGY = "generator"
STRATEGIES = ("random", *SURROGATE_STRATEGIES, GENERATOR_STRATEGY)
DEFAULT_STRATEGY = "EI"
TOP_SHARE = 0.01
TWIN_DISTANCE_AT_PCT = 5.0


class Surrogate(Protocol):
    """A regressor that gives a mean and a standard deviation for each row."""

    def fit(self, features: np.ndarray, values: np.ndarray) -> Surrogate: ...

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class ForestSurrogate:
    """A random forest (scikit-learn); σ is the spread of its trees' predictions. Light enough to retrain after
    every batch of a benchmark (about 0.1 s on 1,000 alloys), unlike the project's forward model."""

    def __init__(self, n_estimators: int = 50, random_state: int = 0):
        from sklearn.ensemble import RandomForestRegressor

        self.forest = RandomForestRegressor(n_estimators=n_estimators, max_features=0.3, min_samples_leaf=1,
                                            n_jobs=1, random_state=random_state)

    def fit(self, features: np.ndarray, values: np.ndarray) -> ForestSurrogate:
        self.forest.fit(features, values)
        return self

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per_tree = np.stack([tree.predict(features) for tree in self.forest.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)


@dataclass(frozen=True)
class CampaignPool:
    """The hidden family (`fractions`, `features`, `objective`: to maximise) and the known alloys of the
    other families (`known_features`, `known_objective`), which every surrogate trains on."""

    fractions: np.ndarray
    features: np.ndarray
    objective: np.ndarray
    known_features: np.ndarray
    known_objective: np.ndarray
    target_mask: np.ndarray | None = None  # the alloys meeting the goal; None: the top 1 % by the objective
    temperatures: np.ndarray | None = None  # (n, 3) Tg, Tx, Tl of the pool: what the generator strategy conditions on
    known_rows: np.ndarray | None = None  # the known alloys' rows in the source table (to train a generator on)
    near_twins_removed: int = 0  # known alloys left out as near-twins of the hidden family

    def __len__(self) -> int:
        return len(self.objective)


@dataclass(frozen=True)
class CampaignResult:
    strategy: str
    experiments: int  # chosen by the strategy, seeds excluded; the budget when not found
    found: bool


def targets(objective: np.ndarray, top_share: float = TOP_SHARE) -> np.ndarray:
    """True for the alloys in the top `top_share` by the objective: at least the single best, ties included."""
    objective = np.asarray(objective, dtype=float)
    count = max(1, int(np.floor(top_share * len(objective))))
    threshold = np.sort(objective)[::-1][count - 1]
    return objective >= threshold


def run_campaign(pool: CampaignPool, strategy: str, seed: int, surrogate: Callable[[int], Surrogate],
                 n_seed: int = 5, batch_size: int = 5, budget: int | None = None, min_distance_at_pct: float = 2.0,
                 xi: float = 0.01, kappa: float = 2.0, top_share: float = TOP_SHARE,
                 proposer: CompositionProposer | None = None,
                 proposals_per_round: int = PROPOSALS_PER_ROUND) -> CampaignResult:
    """One campaign (see the module docstring); `surrogate(seed)` makes a fresh surrogate for each round;
    the generator strategy needs `proposer` and the pool's temperatures."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if strategy == GENERATOR_STRATEGY and (proposer is None or pool.temperatures is None):
        raise ValueError("the generator strategy needs a proposer and the pool's temperatures")
    rng = np.random.default_rng(seed)
    is_target = targets(pool.objective, top_share) if pool.target_mask is None else np.asarray(pool.target_mask)
    if not is_target.any():
        raise ValueError("no alloy of the pool meets the goal")
    if n_seed > int((~is_target).sum()):
        raise ValueError(f"n_seed {n_seed} exceeds the {int((~is_target).sum())} non-target alloys of the pool")
    measured = np.zeros(len(pool), dtype=bool)
    measured[rng.choice(np.flatnonzero(~is_target), size=n_seed, replace=False)] = True
    budget = int(len(pool) - n_seed if budget is None else min(budget, len(pool) - n_seed))
    experiments = 0
    while experiments < budget:
        remaining = np.flatnonzero(~measured)
        size = min(batch_size, budget - experiments)
        if strategy in ("random", GENERATOR_STRATEGY):
            mean = std = np.zeros(len(remaining))
            best = 0.0
        else:
            values = np.concatenate([pool.known_objective, pool.objective[measured]])
            centre, scale = values.mean(), values.std() or 1.0
            model = surrogate(seed).fit(np.vstack([pool.known_features, pool.features[measured]]),
                                        (values - centre) / scale)
            mean, std = model.predict(pool.features[remaining])
            best = (pool.objective[measured].max() - centre) / scale
        if strategy == "thompson":
            chosen = thompson_batch(mean, std, pool.fractions[remaining], size, rng, min_distance_at_pct)
        else:
            if strategy == GENERATOR_STRATEGY:
                proposals = proposer.propose(pool.temperatures[measured], float(pool.objective[measured].max()),
                                             proposals_per_round, int(rng.integers(2**31)))
                scores = nearest_pool_votes(proposals, pool.fractions[remaining])
            else:
                scores = acquisition_scores(strategy, mean, std, best, rng, xi, kappa)
            chosen = select_batch(scores, pool.fractions[remaining], size, min_distance_at_pct)
        if len(chosen) == 0:  # nothing eligible is left (no finite score): the campaign cannot go on
            break
        picks = remaining[chosen]
        measured[picks] = True
        experiments += len(picks)
        if is_target[picks].any():
            return CampaignResult(strategy, experiments, True)
    return CampaignResult(strategy, budget, False)


def summarise(results: list[CampaignResult]) -> dict:
    """Median experiments, the 25th-75th percentile interval and the share of campaigns that found a target."""
    counts = np.array([r.experiments for r in results], dtype=float)
    return {
        "median_experiments": float(np.median(counts)),
        "p25": float(np.percentile(counts, 25)),
        "p75": float(np.percentile(counts, 75)),
        "found_share": float(np.mean([r.found for r in results])),
        "runs": len(results),
    }


def acceleration_over_random(summary: dict[str, dict], default: str = DEFAULT_STRATEGY) -> float:
    """median experiments of random ÷ median experiments of the default strategy."""
    return summary["random"]["median_experiments"] / max(summary[default]["median_experiments"], 1.0)


@dataclass(frozen=True)
class CampaignGoal:
    """A family (base element) and a property of the alloy table to maximise (or minimise); optionally a
    threshold the target must reach (else the top 1 % is the target) and a raw-material cost ceiling, which
    restricts the pool to the alloys under it (their cost is known before casting)."""

    family: str
    objective: str
    maximise: bool = True
    threshold: float | None = None
    max_cost_usd_per_kg: float | None = None

    @property
    def text(self) -> str:
        if self.threshold is None:
            text = f"{self.family}-based, {'highest' if self.maximise else 'lowest'} {self.objective}"
        else:
            text = f"{self.family}-based, {self.objective} {'>=' if self.maximise else '<='} {self.threshold:g}"
        return text if self.max_cost_usd_per_kg is None else f"{text}, under ${self.max_cost_usd_per_kg:g}/kg"


def near_twins(known_fractions: np.ndarray, family_fractions: np.ndarray, distance_at_pct: float) -> np.ndarray:
    """True for the known alloys within `distance_at_pct` (half-L1 at.%, inclusive) of some alloy of the family."""
    known_fractions = np.asarray(known_fractions, dtype=float)
    if len(known_fractions) == 0 or len(family_fractions) == 0:
        return np.zeros(len(known_fractions), dtype=bool)
    distance, _ = nearest_known(known_fractions, family_fractions)
    return distance <= distance_at_pct


def family_pool(table, goal: CampaignGoal, twin_distance_at_pct: float | None = TWIN_DISTANCE_AT_PCT) -> CampaignPool:
    """The campaign pool of an `AlloyTable`: the goal family's alloys hidden, the other alloys known except their
    near-twins (within `twin_distance_at_pct` of any alloy of the family, the ones a cost ceiling keeps out of the
    pool included; None or 0: the family-only split), on the forward model's composition features
    (`ForwardFeatures`: fractions plus element-data descriptors)."""
    from alloygan.knowledge_base.prices import cost_usd_per_kg
    from alloygan.models.encoding import ElementVocabulary
    from alloygan.models.forward.features import ForwardFeatures

    frame = table.frame
    if goal.objective not in frame.columns:
        raise ValueError(f"unknown property {goal.objective!r}")
    vocabulary = ElementVocabulary.from_compositions(table.compositions)
    fractions = table.fractions(vocabulary)
    features = ForwardFeatures(vocabulary).fit(fractions).transform(fractions)
    objective = frame[goal.objective].to_numpy(dtype=float) * (1.0 if goal.maximise else -1.0)
    usable = np.isfinite(objective)
    family = frame["base_element"].to_numpy().astype(str) == goal.family
    hidden = family & usable
    known = ~family & usable
    twins = np.zeros(len(frame), dtype=bool)
    if twin_distance_at_pct:
        twins[known] = near_twins(fractions[known], fractions[family], twin_distance_at_pct)
        known &= ~twins
    if goal.max_cost_usd_per_kg is not None:
        hidden &= np.nan_to_num(cost_usd_per_kg(vocabulary.elements, fractions), nan=np.inf) <= goal.max_cost_usd_per_kg
    target_mask = None
    if goal.threshold is not None:
        target_mask = objective[hidden] >= goal.threshold * (1.0 if goal.maximise else -1.0)
    temperatures = frame[list(TEMPERATURES)].to_numpy(dtype=float)[hidden]
    return CampaignPool(fractions[hidden], features[hidden], objective[hidden], features[known], objective[known],
                        target_mask, temperatures, np.flatnonzero(known), int(twins.sum()))
