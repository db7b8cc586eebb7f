"""The pipeline's steps on hand-made inputs: post-processing, condition sampling, ranking."""
from __future__ import annotations

import numpy as np
import pytest

from alloygan.models.constraints import PropertyRange
from alloygan.models.design.conditions import sample_conditions
from alloygan.models.design.goal import DesignGoal, ElementLimit
from alloygan.models.design.postprocess import postprocess
from alloygan.models.design.ranking import COST_WEIGHT, OBJECTIVE_WEIGHT, objective_credit, rank, select_diverse
from alloygan.models.encoding import ElementVocabulary

VOCABULARY = ElementVocabulary(("Zr", "Cu", "Al", "Ag", "Ni", "Be"))


def test_postprocess_enforces_the_element_rules_and_rounds():
    raw = np.array([
        [0.50, 0.30, 0.10, 0.10, 0.00, 0.00],   # Ag removed, the rest renormalised
        [0.50, 0.30, 0.10, 0.10, 0.00, 0.001],  # the same after Ag goes and the Be trace is dropped: a duplicate
        [0.20, 0.50, 0.20, 0.00, 0.10, 0.00],   # Zr is not the largest: rejected
        [0.60, 0.00, 0.40, 0.00, 0.00, 0.00],   # lacks the required Cu: rejected
        [0.40, 0.20, 0.20, 0.00, 0.10, 0.10],   # Al 20 at.% over its limit of 15: rejected
        [0.523, 0.301, 0.1, 0.0, 0.0764, 0.0],  # kept, rounded to 0.1 at.%
    ])
    goal = DesignGoal(base_element="Zr", required_elements=["Cu"], excluded_elements=["Ag"],
                      element_limits=[ElementLimit(element="Al", max=15.0)])
    fractions, source = postprocess(raw, VOCABULARY, goal)
    assert source.tolist() == [0, 5]
    at_pct = fractions * 100
    assert at_pct[0] == pytest.approx([55.6, 33.3, 11.1, 0, 0, 0], abs=1e-9)
    assert at_pct[1] == pytest.approx([52.3, 30.1, 10.0, 0, 7.6, 0], abs=1e-9)
    assert at_pct.sum(axis=1) == pytest.approx([100.0, 100.0], abs=1e-9)


def test_postprocess_applies_allowed_elements_and_element_counts():
    raw = np.array([[0.5, 0.3, 0.1, 0.0, 0.1, 0.0], [0.6, 0.4, 0.0, 0.0, 0.0, 0.0]])
    fractions, _ = postprocess(raw, VOCABULARY, DesignGoal(base_element="Zr", allowed_elements=["Cu", "Al"]))
    assert (fractions[:, 4] == 0).all()  # Ni is not allowed
    fractions, source = postprocess(raw, VOCABULARY, DesignGoal(base_element="Zr", min_elements=3))
    assert source.tolist() == [0]


def test_conditions_satisfy_the_goal_and_are_ordered():
    rng = np.random.default_rng(0)
    Tg = rng.uniform(600, 750, 200)
    data = np.column_stack([Tg, Tg + rng.uniform(40, 100, 200), Tg / rng.uniform(0.55, 0.66, 200)])
    want = PropertyRange(property="Trg", min=0.62)
    sampled = sample_conditions(data, [want], 5000, seed=3)
    assert len(sampled.Tg) == 5000 and not sampled.beyond_data
    assert (sampled.Tg < sampled.Tx).all() and (sampled.Tx < sampled.Tl).all()
    assert (sampled.Tg / sampled.Tl >= 0.62).all()
    again = sample_conditions(data, [want], 5000, seed=3)
    assert np.array_equal(sampled.Tg, again.Tg)
    far = sample_conditions(data, [PropertyRange(property="Trg", min=0.9)], 100, seed=0)
    assert far.beyond_data and len(far.Tg) == 100


def test_rank_prefers_likely_then_cheap_then_novel():
    p = np.array([0.9, 0.9, 0.5, 0.9])
    cost = np.array([10.0, 50.0, 10.0, 10.0])
    novelty = np.array([0.0, 0.0, 0.0, 8.0])
    score = rank(p, cost, novelty, np.ones(4, bool))
    assert score[3] > score[0] > score[1] > score[2]
    cheapest = rank(p, cost, novelty, np.ones(4, bool), prefer_low_cost=True)
    assert cheapest[0] - cheapest[1] > score[0] - score[1]


def test_select_diverse_keeps_candidates_apart():
    fractions = np.array([[0.5, 0.5, 0], [0.505, 0.495, 0], [0.4, 0.6, 0], [0.3, 0.3, 0.4]])
    score = np.array([4.0, 3.0, 2.0, 1.0])
    chosen = select_diverse(fractions, score, np.array([True, True, True, False]), 3)
    assert chosen.tolist() == [0, 2]  # row 1 is 0.5 at.% from row 0; row 3 is masked out


def test_an_objective_orders_the_candidates_by_its_predicted_mean():
    p, cost, novelty, passing = np.ones(4), np.full(4, 10.0), np.zeros(4), np.ones(4, bool)
    gamma = np.array([0.40, 0.44, 0.42, 0.43])
    std = np.full(4, 0.01)
    highest = rank(p, cost, novelty, passing, objective=gamma, objective_std=std)
    assert np.argsort(-highest).tolist() == [1, 3, 2, 0]
    lowest = rank(p, cost, novelty, passing, objective=gamma, objective_std=std, maximise=False)
    assert np.argsort(-lowest).tolist() == [0, 2, 3, 1]
    # õ = exp(-shortfall/σ̄): the best gets the full score, one σ̄ short 1 - 0.9 (1 - 1/e)
    assert highest[1] == pytest.approx(1.0 - COST_WEIGHT * 0.5)
    assert highest[3] / highest[1] == pytest.approx(1 - OBJECTIVE_WEIGHT * (1 - np.exp(-1.0)))
    assert np.array_equal(rank(p, cost, novelty, passing), rank(p, cost, novelty, passing, objective=None))


def test_the_objective_trades_against_the_probability_of_meeting_the_goal_on_the_models_scale():
    cost, novelty, passing, std = np.full(2, 10.0), np.zeros(2), np.ones(2, bool), np.full(2, 0.01)
    p = np.array([0.6, 1.0])  # the best objective is less likely to meet the goal
    half_sigma_short = rank(p, cost, novelty, passing, objective=np.array([0.44, 0.435]), objective_std=std)
    assert half_sigma_short[1] > half_sigma_short[0]  # a difference well inside σ: P(goal) decides
    one_sigma_short = rank(p, cost, novelty, passing, objective=np.array([0.44, 0.43]), objective_std=std)
    assert one_sigma_short[0] > one_sigma_short[1]  # a whole σ: the objective decides


def test_the_objective_credit_is_relative_to_the_passing_candidates():
    values = np.array([0.50, 0.44, 0.43, np.nan])
    passing = np.array([False, True, True, True])  # the 0.50 fails the goal: it does not set the best
    credit = objective_credit(values, np.full(4, 0.01), passing)
    assert credit[:3] == pytest.approx([1.0, 1.0, np.exp(-1.0)]) and credit[3] == 0.0
    assert objective_credit(values, None, np.zeros(4, bool))[0] == 1.0  # none passes: over all the candidates
    assert objective_credit(np.full(3, 0.4), np.zeros(3), np.ones(3, bool)).tolist() == [1.0, 1.0, 1.0]
