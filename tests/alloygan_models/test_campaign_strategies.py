"""Thompson sampling, the near-twin split and the generator strategy of the campaign benchmark (issue 14, item 3):
their bookkeeping on tiny synthetic pools where the answer is known. No test asserts the benchmark's figures."""
from __future__ import annotations

import json

import numpy as np
import pytest

from alloygan.models.active_learning.acquisition import thompson_batch, thompson_scores
from alloygan.models.active_learning.campaign import (
    STRATEGIES,
    CampaignGoal,
    CampaignPool,
    CampaignResult,
    family_pool,
    near_twins,
    run_campaign,
)
from alloygan.models.active_learning.generator_strategy import GeneratorProposer, nearest_pool_votes


def _half_l1_at_pct(a: np.ndarray, b: np.ndarray) -> float:
    return 50.0 * float(np.abs(a / a.sum() - b / b.sum()).sum())


# Thompson sampling -------------------------------------------------------------------------------------------
def test_thompson_scores_are_reproducible_draws_from_the_posterior():
    mean, std = np.array([0.0, 5.0, -2.0]), np.array([1.0, 0.0, 2.0])
    first = thompson_scores(mean, std, np.random.default_rng(3))
    assert first.tolist() == thompson_scores(mean, std, np.random.default_rng(3)).tolist()  # same rng, same draw
    assert first[1] == 5.0  # σ = 0: the mean itself
    assert not np.array_equal(first, thompson_scores(mean, std, np.random.default_rng(4)))
    rng = np.random.default_rng(0)
    draws = np.stack([thompson_scores(mean, std, rng) for _ in range(4000)])
    assert draws.mean(axis=0) == pytest.approx(mean, abs=0.1)
    assert draws.std(axis=0) == pytest.approx(std, abs=0.1)
    with pytest.raises(ValueError, match="non-negative"):
        thompson_scores([0.0], [-1.0], rng)


def test_thompson_batch_without_uncertainty_is_the_greedy_batch():
    mean = np.array([0.3, 0.9, 0.1, 0.7, 0.5])
    candidates = np.eye(5)
    picks = thompson_batch(mean, np.zeros(5), candidates, 3, np.random.default_rng(0))
    assert picks.tolist() == [1, 3, 4]


def test_thompson_batch_draws_afresh_per_slot_and_keeps_picks_apart():
    candidates = np.random.default_rng(0).dirichlet([1.0, 1.0, 1.0], size=60)
    mean, std = np.zeros(60), np.ones(60)  # all equally promising: each slot's winner is a fresh draw
    picks = thompson_batch(mean, std, candidates, 6, np.random.default_rng(5), min_distance_at_pct=15.0)
    assert len(picks) == 6 and len(set(picks.tolist())) == 6
    for i, first in enumerate(picks):
        for second in picks[i + 1:]:
            assert _half_l1_at_pct(candidates[first], candidates[second]) >= 15.0
    assert picks.tolist() == thompson_batch(mean, std, candidates, 6, np.random.default_rng(5),
                                            min_distance_at_pct=15.0).tolist()
    first_picks = {int(thompson_batch(mean, std, candidates, 1, np.random.default_rng(s))[0]) for s in range(40)}
    assert len(first_picks) > 10  # the first slot goes to whichever draw is highest, not to a fixed candidate


def test_thompson_batch_respects_the_domain_nan_and_stops_short():
    known = np.array([[1.0, 0.0, 0.0]])
    candidates = np.array([[0.5, 0.5, 0.0], [0.95, 0.05, 0.0], [0.9, 0.0, 0.1], [0.0, 0.0, 1.0]])  # 50, 5, 10, 100 at.%
    picks = thompson_batch([4.0, 3.0, np.nan, 5.0], np.zeros(4), candidates, 4, np.random.default_rng(0),
                           known=known, max_domain_distance_at_pct=10.0)
    assert picks.tolist() == [1]  # 0 and 3 outside the domain, 2 has no prediction
    close = np.array([[1.0, 0.0], [0.99, 0.01], [0.98, 0.02]])  # all within 2 at.% of each other
    assert len(thompson_batch(np.zeros(3), np.ones(3), close, 3, np.random.default_rng(0), 5.0)) == 1


# campaign bookkeeping ----------------------------------------------------------------------------------------
class SpySurrogate:
    """Ranks the pool exactly (the objective is feature 0) and records what it was trained and asked on."""

    def __init__(self, log: list):
        self.log = log

    def fit(self, features, values):
        self.slope, self.intercept = np.polyfit(features[:, 0], values, 1)
        self.log.append(("fit", len(features)))
        return self

    def predict(self, features):
        self.log.append(("predict", {tuple(row) for row in features}))
        return self.slope * features[:, 0] + self.intercept, np.zeros(len(features))


def _pool(n: int = 40) -> CampaignPool:
    rng = np.random.default_rng(1)
    fractions = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    known = rng.dirichlet([1.0, 1.0, 1.0], size=10)
    temperatures = np.column_stack([600 + 100 * fractions[:, 0], 680 + 100 * fractions[:, 0], np.full(n, 1100.0)])
    return CampaignPool(fractions, fractions, fractions[:, 0], known, known[:, 0], temperatures=temperatures)


def _seed_rows(pool: CampaignPool, is_target: np.ndarray, seed: int, n_seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.flatnonzero(~is_target), size=n_seed, replace=False)  # as run


@pytest.mark.parametrize("strategy", ["thompson", "greedy"])
def test_every_round_trains_on_the_seeds_and_picks_and_never_offers_a_measured_alloy(strategy):
    from dataclasses import replace

    pool = _pool()
    worst = np.zeros(len(pool), dtype=bool)
    worst[np.argmin(pool.objective)] = True  # an exact ranking measures it last: the whole pool is spent
    log: list = []
    result = run_campaign(replace(pool, target_mask=worst), strategy, 2, lambda s: SpySurrogate(log), n_seed=3,
                          batch_size=4, min_distance_at_pct=0.0)
    assert result == CampaignResult(strategy, 37, True)  # 40 alloys - 3 seeds, the target in the last batch
    fits = [size for kind, size in log if kind == "fit"]
    assert fits == [10 + 3 + 4 * k for k in range(10)]  # known + seeds + whole batches, one fit per round
    seeds = {tuple(pool.features[i]) for i in _seed_rows(pool, worst, 2, 3)}
    offered = [rows for kind, rows in log if kind == "predict"]
    assert [len(rows) for rows in offered] == [37 - 4 * k for k in range(10)]
    assert all(not (rows & seeds) for rows in offered)
    budgeted = run_campaign(replace(pool, target_mask=worst), strategy, 2, lambda s: SpySurrogate([]), n_seed=3,
                            batch_size=4, budget=10)
    assert budgeted == CampaignResult(strategy, 10, False)  # 4 + 4 + 2: the last batch cut to the budget


def test_strategies_include_thompson_and_the_generator():
    assert {"random", "greedy", "EI", "PI", "UCB", "thompson", "generator"} == set(STRATEGIES)


# the near-twin split ------------------------------------------------------------------------------------------
def test_near_twins_are_exactly_the_known_alloys_within_the_distance():
    family = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.8, 0.2]])
    known = np.array([[0.47, 0.53, 0.0, 0.0],  # 3 at.% from the first
                      [0.451, 0.549, 0.0, 0.0],  # 4.9
                      [0.449, 0.551, 0.0, 0.0],  # 5.1
                      [0.0, 0.0, 0.751, 0.249],  # 4.9 from the second
                      [0.3, 0.0, 0.0, 0.7]])  # far from both
    assert near_twins(known, family, 5.0).tolist() == [True, True, False, True, False]
    assert near_twins(known, family, 3.5).tolist() == [True, False, False, False, False]
    assert near_twins(known[:0], family, 5.0).tolist() == []


def _alloy(formula: str, Tg: float, Tx: float, Tl: float):
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.records import Alloy, Report

    composition = Composition.parse(formula)
    return Alloy(composition, [Report(composition, Tg, Tx, Tl, raw_text="", location="line 1")],
                 composition.base_element)


def test_the_family_pool_hides_the_family_and_its_near_twins():
    from alloygan.models.dataset import alloy_table

    table = alloy_table([
        _alloy("Zr60Cu30Al10", 680, 760, 1150), _alloy("Zr51Cu49", 670, 720, 1180),
        _alloy("Zr65Cu20Ni15", 660, 740, 1170),
        _alloy("Cu52Zr48", 690, 740, 1190),  # 3 at.% from Zr51Cu49: a near-twin
        _alloy("Cu60Ti40", 700, 740, 1200), _alloy("Fe80B20", 750, 800, 1400),
    ])
    goal = CampaignGoal("Zr", "Trg")
    pool = family_pool(table, goal)
    assert len(pool) == 3 and pool.near_twins_removed == 1
    assert pool.known_rows.tolist() == [4, 5]  # neither the family nor the twin: what a generator may train on
    assert pool.temperatures.tolist() == [[680, 760, 1150], [670, 720, 1180], [660, 740, 1170]]
    assert pool.objective == pytest.approx([680 / 1150, 670 / 1180, 660 / 1170])
    leaky = family_pool(table, goal, twin_distance_at_pct=None)
    assert leaky.near_twins_removed == 0 and leaky.known_rows.tolist() == [3, 4, 5]
    assert family_pool(table, goal, twin_distance_at_pct=0).known_rows.tolist() == [3, 4, 5]
    assert family_pool(table, goal, twin_distance_at_pct=2.0).near_twins_removed == 0


def test_the_protocol_states_the_split():
    from alloygan.tools.campaign_bench import protocol

    assert "within 5 at.% (half-L1) of any alloy of the family is removed" in protocol(20, 5)
    assert "family-only split" in protocol(20, 5, twin_distance_at_pct=0)
    assert "never on the hidden family" in protocol(20, 5) and "Generator" not in protocol(20, 5, with_generator=False)


# the generator strategy --------------------------------------------------------------------------------------
def test_votes_rank_the_pool_alloys_by_how_many_proposals_map_to_them():
    candidates = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    proposals = np.array([[0.98, 0.02, 0.0], [0.98, 0.0, 0.02], [0.96, 0.04, 0.0],  # 2, 2, 4 at.% from the first
                          [0.0, 1.0, 0.0], [0.1, 0.9, 0.0]])  # 0 and 10 at.% from the second
    scores = nearest_pool_votes(proposals, candidates)
    assert scores[0] == pytest.approx(3 + 1 / (1 + 8 / 3))
    assert scores[1] == pytest.approx(2 + 1 / (1 + 5))
    assert scores[2] == pytest.approx(-98.0)  # no votes: minus its distance to the nearest proposal
    with pytest.raises(ValueError, match="no proposals"):
        nearest_pool_votes(proposals[:0], candidates)


class StubProposer:
    """Proposes compositions near one pool alloy and records what the campaign told it."""

    def __init__(self, pool: CampaignPool, aim: int):
        self.pool, self.aim, self.calls = pool, aim, []

    def propose(self, measured_temperatures, best, n, seed):
        self.calls.append((np.asarray(measured_temperatures).copy(), best))
        noise = np.random.default_rng(seed).uniform(0.0, 0.002, size=(n, self.pool.fractions.shape[1]))
        return self.pool.fractions[self.aim] + noise


def test_the_generator_strategy_picks_the_pool_alloy_the_proposals_map_to():
    pool = _pool()
    best = int(np.argmax(pool.objective))
    proposer = StubProposer(pool, best)
    result = run_campaign(pool, "generator", 0, lambda s: None, n_seed=3, batch_size=4, proposer=proposer)
    assert result == CampaignResult("generator", 4, True)
    seeds = _seed_rows(pool, pool.objective == pool.objective.max(), 0, 3)
    temperatures, told_best = proposer.calls[0]
    assert len(proposer.calls) == 1 and temperatures.tolist() == pool.temperatures[np.sort(seeds)].tolist()
    assert told_best == pytest.approx(pool.objective[seeds].max())  # the best measured, seeds only
    with pytest.raises(ValueError, match="needs a proposer"):
        run_campaign(pool, "generator", 0, lambda s: None)


class StubGenerator:
    """Rows of (Cu 0.3, Zr 0.7) whatever the condition; records the target triples."""

    class vocabulary:
        elements = ("Cu", "Zr")

    def sample(self, Tg, Tx, Tl, family=None, seed=0):
        self.triples = np.column_stack([Tg, Tx, Tl])
        return np.tile([0.3, 0.7], (len(self.triples), 1))


def test_the_generator_proposer_aims_past_the_best_and_maps_onto_the_pool_vocabulary():
    generator = StubGenerator()
    proposer = GeneratorProposer(generator, "Trg", pool_elements=("Zr", "Al", "Cu"))
    measured = np.array([[650.0, 720.0, 1150.0], [680.0, 760.0, 1120.0], [700.0, 770.0, 1200.0],
                         [660.0, 740.0, 1100.0]])
    trg = measured[:, 0] / measured[:, 2]
    out = proposer.propose(measured, float(np.median(trg)), 50, seed=1)
    assert out.shape == (50, 3) and out[0].tolist() == [0.7, 0.0, 0.3]
    triples = generator.triples
    assert len(triples) == 50 and np.all(triples[:, 0] / triples[:, 2] >= np.median(trg))  # beats the best
    assert proposer.target_range(0.6).min == 0.6
    assert GeneratorProposer(generator, "gamma", threshold=0.42).target_range(0.3).min == 0.42
    assert GeneratorProposer(generator, "Tl", maximise=False).target_range(-1000.0).max == 1000.0
    with pytest.raises(ValueError, match="lacks the generator's elements Cu"):
        GeneratorProposer(generator, "Trg", pool_elements=("Zr", "Al"))


# the command -------------------------------------------------------------------------------------------------
def _fake_result(**kwargs) -> dict:
    figures = {"median_experiments": 10.0, "p25": 5.0, "p75": 15.0, "found_share": 1.0, "runs": 1}
    return {"goals": [{"goal": "Zr-based, highest Trg", "pool_size": 124, "targets": 1, "known_alloys": 830,
                       "near_twins_removed": 33, "strategies": {s: dict(figures) for s in STRATEGIES},
                       "default_strategy": "EI", "acceleration_over_random": 1.0}],
            "seeds": 1, "batch": 5, "seconds": 1.0, "protocol": "the protocol", "called_with": kwargs}


def test_the_table_shows_every_strategy_and_the_flags_reach_the_benchmark(run_cli, monkeypatch):
    import alloygan.tools.campaign_bench as campaign_bench

    monkeypatch.setattr(campaign_bench, "benchmark_campaign", lambda seeds, batch, **kwargs: _fake_result(**{
        k: v for k, v in kwargs.items() if k != "on_progress"}))
    code, out, _err = run_cli("bench", "campaign", "--seeds", "1")
    assert code == 0
    for strategy in STRATEGIES:
        assert any(line.split()[:1] == [strategy] for line in out.splitlines()), strategy
    assert "830 known (33 near-twins hidden)" in " ".join(out.split())
    code, out, _err = run_cli("bench", "campaign", "--seeds", "1", "--twin-distance", "0", "--no-generator", "--json")
    assert code == 0 and json.loads(out)["called_with"] == {"twin_distance_at_pct": 0.0, "with_generator": False}
    code, _out, err = run_cli("bench", "campaign", "--twin-distance", "-1")
    assert code == 2 and "--twin-distance must be from 0 to 50" in err and "Traceback" not in err
