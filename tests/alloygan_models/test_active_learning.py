"""Acquisition functions, the diverse batch selector, and the bookkeeping of the retrospective campaign."""
from __future__ import annotations

import numpy as np
import pytest

from alloygan.models.active_learning.acquisition import (
    expected_improvement,
    greedy,
    probability_of_improvement,
    select_batch,
    upper_confidence_bound,
)
from alloygan.models.active_learning.campaign import (
    SURROGATE_STRATEGIES,
    CampaignPool,
    CampaignResult,
    acceleration_over_random,
    run_campaign,
    summarise,
    targets,
)

PHI_1, DENSITY_1, DENSITY_0 = 0.8413447460685429, 0.24197072451914337, 0.3989422804014327  # Φ(1), φ(1), φ(0)


def test_expected_improvement_matches_the_closed_form_by_hand():
    # μ=1, σ=1, f*=0: z=1, EI = 1·Φ(1) + 1·φ(1); μ=f*: EI = σ φ(0); ξ shifts the gain (μ=1.5, ξ=0.5: as μ=1)
    values = expected_improvement([1.0, 0.0, 1.5], [1.0, 1.0, 1.0], best=0.0, xi=np.array(0.0))
    assert values[:2] == pytest.approx([PHI_1 + DENSITY_1, DENSITY_0])
    assert expected_improvement([1.5], [1.0], best=0.0, xi=0.5)[0] == pytest.approx(PHI_1 + DENSITY_1)
    assert expected_improvement([2.0], [2.0], best=0.0)[0] == pytest.approx(2 * (PHI_1 + DENSITY_1))  # scales with σ
    assert expected_improvement([2.0, 0.5], [0.0, 0.0], best=1.0).tolist() == [1.0, 0.0]  # σ=0: max(μ-f*, 0)


def test_probability_of_improvement_and_ucb_and_greedy_by_hand():
    assert probability_of_improvement([1.0, 0.0, -1.0], [1.0, 1.0, 1.0], best=0.0) == pytest.approx(
        [PHI_1, 0.5, 1 - PHI_1])
    assert probability_of_improvement([2.0, 0.5], [0.0, 0.0], best=1.0).tolist() == [1.0, 0.0]
    assert upper_confidence_bound([1.0, 0.0], [0.5, 2.0], kappa=2.0).tolist() == [2.0, 4.0]
    assert greedy([0.3, 0.1]).tolist() == [0.3, 0.1]
    with pytest.raises(ValueError, match="non-negative"):
        expected_improvement([1.0], [-1.0], best=0.0)


def _half_l1_at_pct(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a / a.sum(), b / b.sum()
    return 50.0 * float(np.abs(a - b).sum())


def test_batch_keeps_picks_apart_and_takes_the_best_first():
    rng = np.random.default_rng(0)
    candidates = rng.dirichlet([1.0, 1.0, 1.0], size=60)
    scores = candidates[:, 0]  # the best candidate is the one richest in element 0
    picks = select_batch(scores, candidates, batch_size=6, min_distance_at_pct=15.0)
    assert len(picks) == 6 and picks[0] == int(np.argmax(scores))
    for i, first in enumerate(picks):
        for second in picks[i + 1:]:
            assert _half_l1_at_pct(candidates[first], candidates[second]) >= 15.0
    assert select_batch(scores, candidates, 6).tolist() == np.argsort(-scores)[:6].tolist()  # no rule: top 6


def test_batch_stops_short_when_the_diversity_rule_leaves_too_few():
    candidates = np.array([[1.0, 0.0], [0.99, 0.01], [0.98, 0.02]])  # all within 2 at.% of each other
    assert select_batch([3.0, 2.0, 1.0], candidates, batch_size=3, min_distance_at_pct=5.0).tolist() == [0]


def test_batch_respects_the_domain_limit():
    known = np.array([[1.0, 0.0, 0.0]])
    candidates = np.array([[0.5, 0.5, 0.0], [0.95, 0.05, 0.0], [0.9, 0.0, 0.1], [0.0, 0.0, 1.0]])  # 50, 5, 10, 100 at.%
    picks = select_batch([4.0, 3.0, 2.0, 5.0], candidates, batch_size=4, known=known, max_domain_distance_at_pct=10.0)
    assert picks.tolist() == [1, 2]
    with pytest.raises(ValueError, match="known alloys"):
        select_batch([1.0], candidates[:1], 1, max_domain_distance_at_pct=10.0)


def test_targets_are_the_top_share_with_at_least_the_best_and_ties():
    assert targets(np.arange(50.0)).tolist() == [False] * 49 + [True]
    assert targets(np.arange(300.0)).sum() == 3
    assert targets(np.array([1.0, 3.0, 3.0, 2.0])).tolist() == [False, True, True, False]


class PerfectSurrogate:
    """Knows that the objective is the first feature: ranks the pool exactly, with no uncertainty."""

    def fit(self, features, values):  # the training values are an affine map of feature 0 (standardised)
        self.slope, self.intercept = np.polyfit(features[:, 0], values, 1)
        return self

    def predict(self, features):
        return self.slope * features[:, 0] + self.intercept, np.zeros(len(features))


def _pool(n: int = 40) -> CampaignPool:
    rng = np.random.default_rng(1)
    fractions = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    known = rng.dirichlet([1.0, 1.0, 1.0], size=10)
    return CampaignPool(fractions, fractions, fractions[:, 0], known, known[:, 0])


@pytest.mark.parametrize("strategy", ["greedy", "EI", "UCB", "thompson"])
def test_a_perfect_surrogate_finds_the_best_in_the_first_batch(strategy):
    for seed in range(5):
        result = run_campaign(_pool(), strategy, seed, lambda s: PerfectSurrogate(), n_seed=3, batch_size=4,
                              min_distance_at_pct=0.0)
        assert result == CampaignResult(strategy, 4, True)


def test_counts_never_exceed_the_pool_and_random_finds_the_target_within_it():
    pool = _pool()
    for strategy in ("random", *SURROGATE_STRATEGIES):
        for seed in range(5):
            result = run_campaign(pool, strategy, seed, lambda s: PerfectSurrogate(), n_seed=3, batch_size=4)
            assert result.found and 1 <= result.experiments <= len(pool) - 3
    counts = [run_campaign(pool, "random", seed, lambda s: PerfectSurrogate(), n_seed=3, batch_size=1).experiments
              for seed in range(30)]
    assert len(set(counts)) > 5  # random really varies with the seed, one experiment at a time
    assert run_campaign(pool, "random", 0, lambda s: PerfectSurrogate(), n_seed=3, batch_size=1) == run_campaign(
        pool, "random", 0, lambda s: PerfectSurrogate(), n_seed=3, batch_size=1)  # seeded: reproducible


def test_a_spent_budget_is_counted_at_the_budget_and_not_found():
    pool = _pool()
    results = [run_campaign(pool, "random", seed, lambda s: PerfectSurrogate(), n_seed=3, batch_size=4, budget=6)
               for seed in range(10)]
    assert all(r.experiments <= 6 for r in results)
    assert all(r.experiments == 6 for r in results if not r.found)
    assert any(not r.found for r in results)
    with pytest.raises(ValueError, match="unknown strategy"):
        run_campaign(pool, "annealing", 0, lambda s: PerfectSurrogate())


def test_summary_and_acceleration():
    results = [CampaignResult("random", n, True) for n in (10, 20, 30, 40)]
    summary = summarise(results)
    assert summary["median_experiments"] == 25.0 and summary["p25"] == 17.5 and summary["p75"] == 32.5
    assert acceleration_over_random({"random": summary, "EI": {"median_experiments": 5.0}}) == 5.0


def test_bench_campaign_rejects_bad_counts(run_cli):
    code, _out, err = run_cli("bench", "campaign", "--seeds", "0")
    assert code == 2 and "error:" in err and "--seeds" in err and "Traceback" not in err


def test_a_goal_threshold_sets_the_targets():
    from dataclasses import replace

    from alloygan.models.active_learning.campaign import CampaignGoal

    pool = _pool()
    order = np.argsort(-pool.objective)
    only_the_fifth_best = np.zeros(len(pool), dtype=bool)
    only_the_fifth_best[order[4]] = True
    greedy_run = run_campaign(replace(pool, target_mask=only_the_fifth_best), "greedy", 0,
                              lambda s: PerfectSurrogate(), n_seed=3, batch_size=2, min_distance_at_pct=0.0)
    seeds = np.random.default_rng(0).choice(np.flatnonzero(~only_the_fifth_best), size=3, replace=False)  # as run
    ahead = int((~np.isin(order[:4], seeds)).sum())  # better alloys greedy measures first
    assert greedy_run == CampaignResult("greedy", 2 * int(np.ceil((ahead + 1) / 2)), True)
    with pytest.raises(ValueError, match="meets the goal"):
        run_campaign(replace(pool, target_mask=np.zeros(len(pool), dtype=bool)), "greedy", 0,
                     lambda s: PerfectSurrogate())
    assert CampaignGoal("Cu", "gamma", threshold=0.42, max_cost_usd_per_kg=30).text == (
        "Cu-based, gamma >= 0.42, under $30/kg")
    assert CampaignGoal("Zr", "Tl", maximise=False).text == "Zr-based, lowest Tl"


@pytest.mark.parametrize("args, message", [
    (("--seeds", "0"), "--seeds must be from 1 to 200"), (("--seeds", "100000"), "--seeds must be from 1 to 200"),
    (("--batch", "0"), "--batch must be from 1 to 50"), (("--batch", "99999"), "--batch must be from 1 to 50"),
])
def test_the_campaign_counts_are_bounded(run_cli, args, message):
    code, out, err = run_cli("bench", "campaign", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
