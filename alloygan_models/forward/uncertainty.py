"""The forward model's uncertainty law and the fixed draws that carry it into the per-tree samples.

σ² = (a·σ_trees)² + (b·d^q)² + c² per modelled quantity, d the distance (at.%) to the nearest training
alloy; `fit_uncertainty` fits it to out-of-fold residuals (see `model.ForwardModel._calibration`).
"""
from __future__ import annotations

from functools import cache

import numpy as np

ONE_SIGMA_COVERAGE = 0.6827  # a Gaussian's share within ±1σ: what the calibrated σ covers of its residuals
_NOISE_SEED = 20240611  # fixed standard-normal draws that carry the distance and floor terms into the samples


@cache
def correlated_noise(n_samples: int, correlation: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """(n_samples, k) fixed normal draws with exactly mean 0, sd 1 and the given correlation between columns:
    deterministic predictions."""
    k = len(correlation)
    draws = np.random.default_rng(_NOISE_SEED).standard_normal((max(n_samples, k + 1), k))
    draws -= draws.mean(axis=0)
    whitening = np.linalg.cholesky(np.cov(draws, rowvar=False, ddof=0))
    white = draws @ np.linalg.inv(whitening).T  # identity covariance exactly
    try:
        mixing = np.linalg.cholesky(np.asarray(correlation))
    except np.linalg.LinAlgError:
        mixing = np.eye(k)
    return (white @ mixing.T)[:n_samples].astype(np.float32)


def fit_uncertainty(residual: np.ndarray, spread: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """(k, 4 + k): per column, the (a, b, c, q) of σ² = (a·spread)² + (b·distance^q)² + c² maximising the Gaussian
    likelihood of the residuals (all arrays (n, k)), then the correlation matrix of residual / σ. a, b >= 0,
    c >= 1e-3 so no σ is ever 0, q in [0.25, 1.5]."""
    from scipy.optimize import minimize

    out, standardised = [], []
    for j in range(residual.shape[1]):
        r2, s2, d = residual[:, j] ** 2, spread[:, j] ** 2, np.maximum(distance[:, j], 0.0)

        def variance(params: np.ndarray, s2: np.ndarray = s2, d: np.ndarray = d) -> np.ndarray:
            a, b, c = np.exp(params[:3])
            q = float(np.clip(params[3], 0.25, 1.5))
            return a * a * s2 + (b * d ** q) ** 2 + max(c, 1e-3) ** 2

        def nll(params: np.ndarray, r2: np.ndarray = r2) -> float:
            var = variance(params)
            return float(np.mean(np.log(var) + r2 / var))

        start = np.array([0.0, np.log(0.01), np.log(max(float(np.sqrt(np.median(r2))) / 2, 1e-3)), 1.0])
        fitted = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-7, "maxiter": 4000})
        # The residuals' tails are heavier than a Gaussian's, so the maximum-likelihood σ makes ±1σ cover more
        # than 68 %: one factor per quantity rescales (a, b, c) so that ±1σ covers 68.27 % of these residuals,
        # keeping the shape (how σ grows with the tree spread and the distance).
        sigma = np.sqrt(variance(fitted.x))
        factor = float(np.quantile(np.abs(residual[:, j]) / sigma, ONE_SIGMA_COVERAGE))
        a, b, c = np.exp(fitted.x[:3]) * factor
        out.append([a, b, max(c, 1e-3), float(np.clip(fitted.x[3], 0.25, 1.5))])
        standardised.append(residual[:, j] / (sigma * factor))
    correlation = np.atleast_2d(np.corrcoef(np.stack(standardised)))
    return np.hstack([np.asarray(out), correlation])
