"""Target conditions for generation: (Tg, Tx, Tl) triples drawn from the family's data under the goal.

A Gaussian kernel density estimate of the family's measured (Tg, Tx, Tl), in kelvin with a
per-axis bandwidth of Scott's factor × the axis' standard deviation, is sampled (an alloy
at random plus Gaussian noise), and a draw is kept when Tg < Tx < Tl and every property
range of the goal holds for it (computed with the descriptor code). When the goal lies
beyond the family's data and nothing is accepted, the draws nearest to satisfying it are
kept instead (topping up when too few are accepted) and the result says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alloygan.models.constraints import PropertyRange
from alloygan.models.descriptors.thermal import thermal_property

MAX_ROUNDS = 20


@dataclass
class SampledConditions:
    Tg: np.ndarray
    Tx: np.ndarray
    Tl: np.ndarray
    acceptance: float  # share of KDE draws that met the goal's ranges
    beyond_data: bool  # under a tenth of the draws met them: mostly the nearest draws were used


def _violation(ranges: list[PropertyRange], Tg, Tx, Tl) -> np.ndarray:
    """Sum over ranges of the distance outside each, in units of the family's spread of that property."""
    total = np.zeros(len(Tg))
    for item in ranges:
        values = thermal_property(item.property, Tg, Tx, Tl)
        scale = np.nanstd(values) or 1.0
        if item.min is not None:
            total += np.clip(item.min - values, 0, None) / scale
        if item.max is not None:
            total += np.clip(values - item.max, 0, None) / scale
    return np.nan_to_num(total, nan=np.inf)


def sample_conditions(temperatures: np.ndarray, ranges: list[PropertyRange], n: int, seed: int) -> SampledConditions:
    """`n` triples from the KDE of `temperatures` ((m, 3) Tg, Tx, Tl in K) that meet `ranges`."""
    rng = np.random.default_rng(seed)
    data = np.asarray(temperatures, dtype=float)
    m = len(data)
    bandwidth = m ** (-1.0 / 7.0) * data.std(axis=0)  # Scott's rule, d = 3
    kept: list[np.ndarray] = []
    drawn = accepted = 0
    pool: list[np.ndarray] = []
    for _ in range(MAX_ROUNDS):
        draw = data[rng.integers(0, m, size=max(n, 1024))] + rng.standard_normal((max(n, 1024), 3)) * bandwidth
        draw = draw[(draw[:, 0] < draw[:, 1]) & (draw[:, 1] < draw[:, 2]) & (draw[:, 0] > 0)]
        drawn += len(draw)
        ok = np.ones(len(draw), dtype=bool)
        for item in ranges:
            ok &= item.contains(thermal_property(item.property, draw[:, 0], draw[:, 1], draw[:, 2]))
        accepted += int(ok.sum())
        kept.append(draw[ok])
        pool.append(draw)
        if sum(len(k) for k in kept) >= n:
            break
    good = np.concatenate(kept)[:n] if kept else np.empty((0, 3))
    beyond = len(good) < n // 10
    if len(good) < n:
        # Too few draws meet the goal (it lies at or beyond the edge of the family's data): fill up
        # with the draws that come nearest to meeting it, so the generator still sees varied targets.
        everything = np.concatenate(pool)
        order = np.argsort(_violation(ranges, *everything.T), kind="stable")
        good = np.concatenate([good, everything[order[len(good): n]]]) if len(good) else everything[order[:n]]
    return SampledConditions(good[:, 0], good[:, 1], good[:, 2], accepted / max(drawn, 1), beyond)
