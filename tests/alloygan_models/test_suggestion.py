"""The next-experiment choice on hand-made candidates whose answer is known: objective, incumbent, each
acquisition's pick, batch diversity, the goal's ranges as eligibility."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from alloygan.models.active_learning.suggestion import (
    ObjectiveChoice, choose_batch, choose_objective, incumbent,
)
from alloygan.models.constraints import PropertyRange
from alloygan.models.design.goal import DesignGoal
from alloygan.models.metrics import nearest_known

# four well-separated compositions (half-L1 distances >= 10 at.%) on a three-element vocabulary
FRACTIONS = np.array([[0.6, 0.3, 0.1], [0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.7, 0.1, 0.2]])


def _choose(acquisition, mean, std, best=0.60, maximise=True, meets=None, p=None, fractions=FRACTIONS, batch=1,
            **kwargs):
    n = len(mean)
    return choose_batch(acquisition, np.asarray(mean, float), np.asarray(std, float),
                        np.ones(n) if p is None else np.asarray(p, float),
                        np.ones(n, bool) if meets is None else np.asarray(meets, bool), fractions, best, 0.02,
                        maximise, batch, **kwargs)


def test_the_objective_comes_from_the_goal_then_its_first_range_then_trg():
    assert choose_objective(DesignGoal(base_element="Zr")) == ObjectiveChoice("Trg", True, "default")
    ranged = DesignGoal(base_element="Cu", constraints=[PropertyRange(property="Tl", max=1100)])
    assert choose_objective(ranged) == ObjectiveChoice("Tl", False, "constraint")
    above = DesignGoal(base_element="Cu", constraints=[PropertyRange(property="gamma", min=0.42)])
    assert choose_objective(above) == ObjectiveChoice("gamma", True, "constraint")


def test_the_incumbent_is_the_best_finite_value_in_the_objectives_direction():
    values = np.array([0.61, np.nan, 0.66, 0.59])
    assert incumbent(values, maximise=True).row == 2 and incumbent(values, True).value == pytest.approx(0.66)
    assert incumbent(values, maximise=False).row == 3
    assert incumbent(np.array([np.nan]), True) is None


def test_expected_improvement_trades_mean_against_uncertainty():
    # same mean below the incumbent: the uncertain one has the better chance of beating it
    chosen = _choose("EI", mean=[0.58, 0.58, 0.50, 0.50], std=[0.001, 0.03, 0.001, 0.001])
    assert list(chosen.picks) == [1]
    # the reported expected improvement is EI in the objective's units: σ φ(z) + (μ − f*) Φ(z)
    z = (0.58 - 0.60) / 0.03
    assert chosen.expected_gain[0] == pytest.approx((0.58 - 0.60) * norm.cdf(z) + 0.03 * norm.pdf(z), rel=1e-6)
    # greedy ignores σ: the highest mean
    assert list(_choose("greedy", mean=[0.58, 0.57, 0.50, 0.59], std=[0.001, 0.2, 0.001, 0.001]).picks) == [3]
    # UCB with κ = 2 prefers μ + 2σ
    assert list(_choose("UCB", mean=[0.58, 0.57, 0.50, 0.59], std=[0.001, 0.02, 0.001, 0.001]).picks) == [1]


def test_minimising_picks_the_lowest():
    chosen = _choose("greedy", mean=[1100, 1050, 1200, 1080], std=[10, 10, 10, 10], best=1060, maximise=False)
    assert list(chosen.picks) == [1] and chosen.acquisition[0] == pytest.approx(1050)
    chosen = _choose("EI", mean=[1100, 1050, 1200, 1080], std=[10, 10, 10, 10], best=1060, maximise=False)
    assert list(chosen.picks) == [1] and chosen.expected_gain[0] > 10  # 1060 − 1050 plus the spread's share


def test_probability_of_meeting_the_goal_weighs_ei_and_the_ranges_bound_the_others():
    mean, std = [0.62, 0.61, 0.50, 0.50], [0.01, 0.01, 0.01, 0.01]
    assert list(_choose("EI", mean, std, p=[0.05, 0.9, 0.9, 0.9]).picks) == [1]
    # UCB and greedy only consider candidates that meet the goal by the mean
    assert list(_choose("greedy", mean, std, meets=[False, True, True, True]).picks) == [1]
    assert list(_choose("UCB", mean, std, meets=[False, False, True, False]).picks) == [2]


def test_a_batch_keeps_its_suggestions_apart():
    twins = np.array([[0.6, 0.3, 0.1], [0.59, 0.31, 0.1], [0.5, 0.3, 0.2], [0.58, 0.32, 0.1]])  # 0, 1, 3 within 2 at.%
    for acquisition in ("EI", "greedy", "UCB", "thompson"):
        chosen = _choose(acquisition, mean=[0.65, 0.64, 0.62, 0.63], std=[0.01] * 4, fractions=twins, batch=3,
                         min_distance_at_pct=4.0, seed=3)
        picks = list(chosen.picks)
        assert len(picks) == 2 and 2 in picks, (acquisition, picks)  # one of the three twins, and the distinct one
        distance, _ = nearest_known(twins[picks[:1]], twins[picks[1:]])
        assert distance[0] >= 4.0
    # no distance asked: the twins may all be picked
    assert len(_choose("greedy", [0.65, 0.64, 0.62, 0.63], [0.01] * 4, fractions=twins, batch=3,
                       min_distance_at_pct=0.0).picks) == 3


def test_thompson_sampling_is_reproducible_for_a_seed_and_follows_the_draws():
    mean, std = [0.60, 0.60, 0.60, 0.60], [0.02, 0.02, 0.02, 0.02]
    first = _choose("thompson", mean, std, batch=2, seed=7)
    assert list(first.picks) == list(_choose("thompson", mean, std, batch=2, seed=7).picks)
    seen = {tuple(_choose("thompson", mean, std, batch=1, seed=s).picks) for s in range(20)}
    assert len(seen) > 1  # equal candidates: the draws decide, so different seeds pick differently
    # a candidate far better than the rest wins every draw
    assert all(list(_choose("thompson", [0.60, 0.70, 0.60, 0.60], [0.005] * 4, seed=s).picks) == [1]
               for s in range(10))


def test_unknown_acquisition_is_refused():
    with pytest.raises(ValueError, match="unknown acquisition 'bogus'"):
        _choose("bogus", [0.6] * 4, [0.01] * 4)
