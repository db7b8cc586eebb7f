"""Metric values on hand-made distributions, and `nearest_known` against brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest

from alloygan.models import metrics


def _two_element(first_fractions) -> np.ndarray:
    first = np.asarray(first_fractions, dtype=float)
    return np.column_stack([first, 1.0 - first])


def test_identical_distributions_score_zero():
    real = np.random.default_rng(0).dirichlet(np.ones(5), size=40)
    scores = metrics.distribution_metrics(real, real.copy())
    assert scores["kl"] == pytest.approx(0.0, abs=1e-12)
    assert scores["js"] == pytest.approx(0.0, abs=1e-12)
    assert scores["w1_element"] == pytest.approx(0.0, abs=1e-12)
    assert scores["w1_pca"] == pytest.approx(0.0, abs=1e-12)


def test_known_shift_gives_known_w1():
    # Element A at 0.2/0.4 vs 0.3/0.5: every quantile moves by 0.1, so W1 = 0.1 for A and
    # (its complement) for B; the mean over the two present elements is 0.1.
    real, generated = _two_element([0.2, 0.4]), _two_element([0.3, 0.5])
    assert metrics.wasserstein_per_element(real, generated) == pytest.approx(0.1)
    # In 2-D PCA the points move along the first component by 0.1·√2 (the direction (1, −1)/√2).
    assert metrics.wasserstein_pca(real, generated) == pytest.approx(0.1 * math.sqrt(2))


def test_kl_and_js_on_hand_computed_histograms():
    # 20 bins on [0, 1]. Element A: real at 0.025 and 0.975 (bins 0 and 19, ½ each);
    # generated both at 0.025 (bin 0). Element B = 1 − A has the mirrored histograms.
    real, generated = _two_element([0.025, 0.975]), _two_element([0.025, 0.025])
    eps, bins = metrics.SMOOTHING, metrics.N_BINS
    p = (np.array([0.5] + [0.0] * 18 + [0.5]) + eps) / (1 + bins * eps)
    q = (np.array([1.0] + [0.0] * 19) + eps) / (1 + bins * eps)
    kl = float(np.sum(p * np.log(p / q)))
    # By hand: KL = ½·ln(½ / 1) + ½·ln(½ / ε) (the other 18 bins carry ~ε·ln 1 = 0).
    assert kl == pytest.approx(0.5 * math.log(0.5) + 0.5 * math.log(0.5 / eps), rel=1e-4)
    m = (p + q) / 2
    js = 0.5 * float(np.sum(p * np.log(p / m))) + 0.5 * float(np.sum(q * np.log(q / m)))
    # JS by hand: M = (¾, 0, ..., ¼); KL(P‖M) = ½ln(⅔) + ½ln 2, KL(Q‖M) = ln(4/3).
    assert js == pytest.approx(0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2)) + 0.5 * math.log(4 / 3), rel=1e-4)
    scores = metrics.histogram_divergences(real, generated)
    assert scores["kl"] == pytest.approx(kl)  # both elements have the same divergence
    assert scores["js"] == pytest.approx(js)
    assert scores["js"] <= math.log(2)


def test_absent_elements_are_not_averaged():
    real = np.array([[0.5, 0.5, 0.0], [0.6, 0.4, 0.0]])
    generated = np.array([[0.6, 0.4, 0.0], [0.5, 0.5, 0.0]])
    assert metrics.wasserstein_per_element(real, generated) == 0.0


def test_sampling_floor_is_positive_and_deterministic():
    real = np.random.default_rng(1).dirichlet(np.ones(4), size=50)
    first, second = metrics.sampling_floor(real, seed=3), metrics.sampling_floor(real, seed=3)
    assert first == second
    assert all(value > 0 for value in first.values())


def test_clean_generated_drops_traces_and_renormalises():
    cleaned = metrics.clean_generated(np.array([[0.6, 0.3, 0.004, 0.096]]))
    assert cleaned[0, 2] == 0.0
    assert cleaned.sum() == pytest.approx(1.0)
    assert np.allclose(cleaned * 1000, np.round(cleaned * 1000))  # 0.1 at.% steps


def test_validity_uniqueness_novelty():
    generated = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    assert metrics.validity(generated, (2, 2)) == pytest.approx(0.5)
    assert metrics.uniqueness(generated) == pytest.approx(0.75)
    scores = metrics.novelty(generated, np.array([[0.5, 0.5, 0.0]]))
    # distances: 0, 0, 50, half of |−0.3|+|−0.2|+|0.5| = 50 at.%
    assert scores["novelty_mean_at_pct"] == pytest.approx(25.0)
    assert scores["novel_share"] == pytest.approx(0.5)


def test_nearest_known_matches_brute_force():
    rng = np.random.default_rng(2)
    reference = rng.dirichlet(np.full(12, 0.3), size=60)
    candidates = rng.dirichlet(np.full(12, 0.3), size=200)
    brute = 50.0 * np.abs(candidates[:, None, :] - reference[None, :, :]).sum(axis=-1)
    distances, indices = metrics.nearest_known(candidates, reference)
    assert distances.shape == (200,) and indices.shape == (200,)
    assert np.allclose(distances, brute.min(axis=1))
    assert np.allclose(brute[np.arange(200), indices], brute.min(axis=1))
    distances3, indices3 = metrics.nearest_known(candidates, reference, k=3)
    assert distances3.shape == (200, 3)
    assert np.allclose(distances3, np.sort(brute, axis=1)[:, :3])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="same ElementVocabulary"):
        metrics.wasserstein_per_element(np.ones((3, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"\(n, V\)"):
        metrics.histogram_divergences(np.ones(4), np.ones((3, 4)))
    with pytest.raises(ValueError, match="k must be"):
        metrics.nearest_known(np.ones((2, 3)), np.ones((2, 3)), k=5)
