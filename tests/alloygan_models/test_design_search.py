"""The pruned candidate search (`_best_passing`) picks exactly what scoring every candidate picks.

`_best_passing` searches the novelty (distance to the nearest known alloy) only for the best
candidates by base score, growing the searched set until no unsearched candidate could enter
the answer. The reference below searches every candidate, scores it and keeps the best that
are pairwise apart, as the ranking module's docstring describes.
"""
from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings, strategies as st

from alloygan.models.design import pipeline
from alloygan.models.design.goal import DesignGoal
from alloygan.models.design.ranking import DIVERSITY_AT_PCT, distance_score, rank

ELEMENTS = ("Zr", "Cu", "Al")


class NoveltyTable:
    """Stands in for `KnownAlloys`: a fixed novelty per composition, and a count of the rows searched."""

    def __init__(self, fractions: np.ndarray, novelty: np.ndarray):
        self.by_row: dict[bytes, float] = {}
        for row, value in zip(fractions, novelty):
            self.by_row.setdefault(row.tobytes(), float(value))  # one composition, one distance
        self.searched = 0

    def novelty(self, fractions: np.ndarray) -> np.ndarray:
        return np.array([self.by_row[row.tobytes()] for row in fractions])

    def nearest(self, elements, fractions: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        assert tuple(elements) == ELEMENTS and k == 1
        self.searched += len(fractions)
        return self.novelty(fractions)[:, None], np.zeros((len(fractions), 1), dtype=int)


def choose_by_scoring_everything(fractions, base, meets, novelty, n_candidates, min_novelty) -> tuple[list[int], np.ndarray]:
    """The reference: every candidate searched and scored; best score first (ties by position), each kept
    only if it is DIVERSITY_AT_PCT or more (half-L1, at.%) from every one kept before."""
    passing = meets & (novelty >= min_novelty - 1e-9)
    score = base + distance_score(novelty)  # a goal that does not ask to explore
    chosen: list[int] = []
    for row in sorted(np.flatnonzero(passing), key=lambda r: (-score[r], r)):
        if len(chosen) == n_candidates:
            break
        if all(50.0 * np.abs(fractions[other] - fractions[row]).sum() >= DIVERSITY_AT_PCT for other in chosen):
            chosen.append(int(row))
    return chosen, score


def pruned_search(fractions, base, meets, table, n_candidates, min_novelty):
    goal = DesignGoal(base_element="Zr", n_candidates=n_candidates, min_novelty=min_novelty)
    novelty = pipeline._LazyNovelty(table, ELEMENTS, fractions)
    return pipeline._best_passing(fractions, base, meets, novelty, goal)


@st.composite
def candidate_sets(draw):
    """Candidates with probabilities, costs, novelties and pass masks. Hypothesis draws the shape of a case
    (size, grid, clusters, shares) and a seed for the arrays: drawing thousands of elements one by one would
    make the test slow for no more power."""
    rows = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def mixed(levels: list[float], share: float, low: float, high: float) -> np.ndarray:
        """Values from a few levels (ties are common) or, with probability `share`, uniform in [low, high]."""
        return np.where(rng.random(rows) < share, rng.uniform(low, high, rows), rng.choice(levels, rows))

    # compositions on a grid of 0.5 at.% steps: coarse grids put many candidates closer than the diversity distance
    steps = rng.integers(0, draw(st.sampled_from([1, 3, 8, 30])) + 1, size=(rows, 2))
    fractions = np.column_stack([0.40 + 0.005 * steps[:, 0], 0.30 + 0.005 * steps[:, 1],
                                 0.30 - 0.005 * steps.sum(axis=1)])
    # clusters of probability (gaps above and below the novelty bonus's 0.1) let the search stop early, near
    # its stopping rule
    p_levels = draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6))
    p_meets = mixed(p_levels, draw(st.sampled_from([0.0, 0.3, 1.0])), 0.0, 1.0)
    cost = mixed([5.0, 20.0, np.nan], draw(st.sampled_from([0.0, 0.5, 1.0])), 1.0, 100.0)
    novelty = mixed([0.0, 0.5, 2.0, 10.0, 14.0], draw(st.sampled_from([0.0, 0.5, 1.0])), 0.0, 20.0)
    meets = rng.random(rows) < draw(st.sampled_from([0.1, 0.5, 0.9, 1.0]))
    # a goal with an objective ("the highest γ") scales the base score by the objective's credit
    objective = draw(st.sampled_from([None, "max", "min"]))
    return {
        "objective": None if objective is None else mixed([0.40, 0.41, 0.44, np.nan], 0.5, 0.35, 0.45),
        "objective_std": rng.uniform(0.0, 0.02, rows), "maximise": objective == "max",
        "fractions": fractions, "p_meets": p_meets, "cost": cost, "novelty": novelty, "meets": meets,
        "prefer_low_cost": draw(st.booleans()), "n_candidates": draw(st.integers(1, 6) | st.integers(7, 20)),
        "min_novelty": draw(st.sampled_from([0.0, 0.0, 1.0, 5.0])),
        # small first searches, so that the growing search and its stopping rule are what is tested
        "first_search": draw(st.integers(1, 8)), "per_candidate": draw(st.integers(0, 2)),
    }


@settings(max_examples=500, deadline=None)
@given(candidate_sets())
def test_the_pruned_search_picks_what_scoring_every_candidate_picks(case):
    fractions, meets, n, min_novelty = case["fractions"], case["meets"], case["n_candidates"], case["min_novelty"]
    base = rank(case["p_meets"], case["cost"], np.zeros(len(meets)), meets, case["prefer_low_cost"],
                objective=case["objective"], objective_std=case["objective_std"], maximise=case["maximise"])
    table = NoveltyTable(fractions, case["novelty"])
    novelty = table.novelty(fractions)  # what a search of every candidate finds
    expected, expected_score = choose_by_scoring_everything(fractions, base, meets, novelty, n, min_novelty)

    with mock.patch.object(pipeline, "FIRST_SEARCH", case["first_search"]), \
            mock.patch.object(pipeline, "FIRST_SEARCH_PER_CANDIDATE", case["per_candidate"]):
        passing, score, chosen = pruned_search(fractions, base, meets, table, n, min_novelty)

    assert chosen.tolist() == expected
    assert np.array_equal(score[chosen], expected_score[chosen]) and passing[chosen].all()
    if len(expected) < n:  # too few pass: everything was searched, so the near misses see the whole picture
        assert np.array_equal(passing, meets & (novelty >= min_novelty - 1e-9))


def test_with_the_shipped_search_sizes_it_searches_a_fraction_and_agrees():
    rng = np.random.default_rng(7)
    rows = 20000
    steps = rng.integers(0, 200, size=(rows, 2))
    fractions = np.column_stack([0.30 + 0.001 * steps[:, 0], 0.20 + 0.001 * steps[:, 1],
                                 0.50 - 0.001 * steps.sum(axis=1)])
    fractions = np.unique(fractions, axis=0)  # one row per composition
    rows = len(fractions)
    meets = rng.random(rows) < 0.6
    base = rank(rng.random(rows), rng.uniform(5, 80, rows), np.zeros(rows), meets)
    table = NoveltyTable(fractions, rng.uniform(0, 15, rows))
    expected, _ = choose_by_scoring_everything(fractions, base, meets, table.novelty(fractions), 10, 0.0)

    _, _, chosen = pruned_search(fractions, base, meets, table, 10, 0.0)
    assert chosen.tolist() == expected and len(expected) == 10
    assert pipeline.FIRST_SEARCH <= table.searched < meets.sum() / 2  # the point of pruning
