"""Variants of the forward model tried against the shipped one, on the protocols of `bench forward`.

    OMP_NUM_THREADS=1 ALLOYGAN_HOME=/tmp/fx HF_HUB_OFFLINE=1 .venv/bin/python scripts/forward_experiments.py \\
        [--only NAME ...] [--no-nested] [--no-timing] [--skip-a] [--no-robustness]

Every variant is scored on protocol (a), the random 80/20 splits of seeds 0-4 (mean ± sd over
the seeds), and protocol (b), 5 folds grouped by alloy system, with the splits of
`alloygan_models.forward.evaluation`. Inputs are rebuilt on each training part (descriptor
NaNs filled with the training medians, as `ForwardFeatures` does); Trg and γ are the means
over per-tree (per-member) samples, as `ForwardModel.predict` computes them; the GFA class
is "predicted good when the mean Trg >= 0.6", which is P(Trg >= 0.6) >= 0.5 of the model.
The only hyper-parameter search ("nested CV") chooses on 5-fold CV inside each training
part; every other variant is fixed a priori. The rule for adopting a variant: its 5-seed
mean R² beats the baseline by more than one seed-sd, or protocol (b) improves clearly
without hurting (a). Last, the real `ForwardModel`: training time on all alloys and
`predict` time for 20,000 perturbed known alloys (CPU seconds of this process, best of 5).

Issue 10 (generalisation to new systems): every variant is also scored on protocol (b) fold by
fold and on leave-one-family-out (`family_folds`: one fold per base element with >= 20 alloys, the
small families together). The adoption rule: the per-fold mean of protocol (b) Trg R² (or Tg MAE)
improves on the baseline by more than one per-fold sd of the baseline, and neither gets worse by
more than one sd. Splits are canonical (sorted formulas, seeded system folds), so these figures are
the same from either build path. Run of 2026-12-02 (`--skip-a --no-nested --no-timing
--no-robustness`; "b Trg folds": per-fold mean ± sd; b Trg, b γ, b Tg MAE, LOFO: pooled over the
folds; Δ/sd: the rule's measure for Trg, and for Tg MAE where measured). Nothing met the rule; the
aim of issue 10 (b Trg R² >= 0.70, Tg MAE <= 15 K) is not reached by any composition-only variant
tried; the lowest Tg MAE (14.1 K, log-temperature targets) is +0.4 sd, within the fold-to-fold noise:

    variant                                    b Trg folds  b Trg  b γ    b Tg MAE  b F1   LOFO Trg  LOFO Tg MAE  Δ/sd Trg (Tg)  adopt
    baseline: ET 64 trees, max_feat 1, leaf 1  0.631±0.046  0.632  0.548  16.0 K    0.693   0.309     38.3 K      +0.0 (+0.0)    -
    ET 128 trees                               0.630±0.048  0.633  0.553  16.1 K    0.690   0.308     38.5 K      -0.0           no
    max_features 0.5                           0.627±0.058  0.634  0.560  16.3 K    0.682   0.329     42.8 K      -0.1           no
    max_features 0.33                          0.639±0.069  0.644  0.572  15.5 K    0.670   0.331     44.5 K      +0.2           no
    min_samples_leaf 2                         0.613±0.053  0.617  0.539  16.6 K    0.685   0.284     38.4 K      -0.4           no
    min_samples_leaf 3                         0.601±0.062  0.605  0.527  18.0 K    0.637   0.227     41.3 K      -0.6           no
    + dev, min, max of Tm                      0.625±0.060  0.628  0.553  16.3 K    0.679   0.271     41.9 K      -0.1           no
    + dev of Tm, r_cov, chi                    0.643±0.060  0.645  0.577  15.9 K    0.695   0.300     37.9 K      +0.3           no
    + 9 extra descriptors                      0.623±0.053  0.627  0.558  17.1 K    0.692   0.312     40.8 K      -0.2           no
    fractions + all Magpie statistics          0.611±0.061  0.612  0.568  17.7 K    0.658   0.285     42.9 K      -0.4           no
    + fractions of element classes             0.631±0.062  0.634  0.559  16.3 K    0.687   0.294     39.8 K      +0.0           no
    descriptors only (no fractions)            0.625±0.077  0.631  0.559  16.3 K    0.664   0.290     36.4 K      -0.1           no
    descriptors only, max_features 0.33        0.636±0.063  0.641  0.568  15.9 K    0.645   0.306     43.8 K      +0.1           no
    fractions only                             0.566±0.150  0.565  0.440  18.3 K    0.692  -0.002     88.7 K      -1.4           no
    targets log Tg, log Tx, log Tl             0.629±0.069  0.630  0.567  14.1 K    0.655   0.332     33.9 K      -0.0 (+0.4)    no
    targets log Tg, log Tx, log Tl, mf 0.33    0.637±0.065  0.640  0.575  14.4 K    0.683   0.348     43.4 K      +0.1 (+0.3)    no
    targets log Tg, log Tl, Tx/Tl              0.616±0.064  0.618  0.548  16.0 K    0.658   0.301     36.3 K      -0.3 (+0.0)    no
    targets log Tg, log Tl, Tx/Tl, mf 0.33     0.635±0.058  0.639  0.556  15.3 K    0.681   0.312     41.9 K      +0.1 (+0.2)    no
    targets log Tl, Trg, gamma                 0.638±0.050  0.640  0.565  16.2 K    0.696   0.302     36.5 K      +0.2 (-0.0)    no
    target log(Tl / Tm_mix)                    0.610±0.066  0.613  0.542  17.1 K    0.667   0.316     31.8 K      -0.4           no
    one forest per quantity                    0.625±0.056  0.626  0.537  15.3 K    0.697   0.339     37.0 K      -0.1 (+0.2)    no
    + MEGNet element embedding (16)            0.618±0.067  0.620  0.527  16.0 K    0.663   0.265     40.7 K      -0.3           no
    + Matscholar embedding (16 PCs)            0.602±0.078  0.606  0.527  16.3 K    0.663   0.255     40.7 K      -0.6           no
    + pair ΔH_ij min, max, mean, sd            0.619±0.055  0.621  0.540  16.9 K    0.660   0.276     39.6 K      -0.3           no
    + pair ΔH_ij stats + MEGNet                0.628±0.054  0.632  0.541  16.0 K    0.694   0.269     36.1 K      -0.0           no
    gradient boosting (HGB) alone              0.568±0.047  0.575  0.452  17.9 K    0.630   0.089     36.2 K      -1.3           no
    ET + HistGradientBoosting average          0.618±0.042  0.622  0.539  15.5 K    0.682   0.244     33.3 K      -0.3           no
    stack ET + HGB (NNLS, out-of-fold)         0.629±0.044  0.632  0.554  15.4 K    0.686   0.293     34.9 K      -0.0           no
    ET + 10-NN residual (descriptors)          0.626±0.047  0.631  0.539  15.2 K    0.711   0.308     36.4 K      -0.1           no
    ET + random forest average                 0.623±0.060  0.626  0.558  15.5 K    0.665   0.310     37.1 K      -0.2           no
    ET + 5-NN (fractions) average              0.568±0.079  0.573  0.438  16.3 K    0.676   0.175     42.9 K      -1.3           no
    ET + Gaussian process average              0.586±0.068  0.589  0.488  20.7 K    0.587   0.234     76.9 K      -1.0           no
    GFA: ExtraTreesClassifier (balanced; HGB)  (regression unchanged)           0.708 (0.695; 0.650)                           no
    Not tried: a liquidus estimate from binary eutectics (no binary phase-diagram data ships with the
    package or its dependencies; Tm_mix, the rule-of-mixtures melting point, is already an input).

Protocol (a) figures of the earlier run (before the canonical row order and the seeded system folds;
the forests are random, so a variant within ±0.005 of the baseline is the baseline). Nothing met the
adoption rule:

    987 alloys; protocol (a) seeds [0, 1, 2, 3, 4] (mean±sd), protocol (b) 5 folds by system
    variant                                    (a) Trg R²    (a) γ R²      b Trg b γ    F1 good (a)  F1 w   b F1   Δ/sd Trg γ
    -----------------------------------------------------------------------------------------------------------------------
    baseline: ET 64 trees, max_feat 1, leaf 1  0.805±0.038   0.764±0.037   0.618 0.520  0.809±0.033  0.902  0.699  +0.0 +0.0  (3 s)
    ET 128 trees                               0.806±0.039   0.766±0.038   0.617 0.524  0.810±0.043  0.902  0.683  +0.0 +0.1  (6 s)
    max_features 0.5                           0.804±0.042   0.762±0.036   0.629 0.537  0.804±0.035  0.899  0.684  -0.0 -0.0  (2 s)
    max_features 0.33                          0.801±0.038   0.760±0.037   0.635 0.532  0.812±0.040  0.903  0.682  -0.1 -0.1  (2 s)
    min_samples_leaf 2                         0.796±0.050   0.751±0.051   0.600 0.495  0.799±0.037  0.897  0.653  -0.2 -0.3  (2 s)
    min_samples_leaf 3                         0.799±0.033   0.749±0.039   0.602 0.499  0.799±0.030  0.896  0.679  -0.2 -0.4  (2 s)
    nested CV over max_features x leaf (9)     0.805±0.043   0.763±0.037   0.625 0.542  0.807±0.037  0.900  0.679  +0.0 -0.0  (70 s)
        chosen by inner CV per outer split: 0.5/1; 0.5/1; 0.33/1; 0.5/1; 0.5/1; 0.5/1; 0.33/1; 1.0/2; 1.0/1; 1.0/1 (max_features/leaf)
    + dev, min, max of Tm                      0.805±0.039   0.763±0.039   0.623 0.531  0.809±0.042  0.902  0.680  +0.0 -0.0  (3 s)
    + dev of Tm, r_cov, chi                    0.804±0.038   0.766±0.036   0.621 0.534  0.818±0.038  0.905  0.691  -0.0 +0.1  (4 s)
    + 9 extra descriptors                      0.800±0.036   0.760±0.035   0.629 0.562  0.818±0.038  0.907  0.683  -0.1 -0.1  (4 s)
    fractions + all Magpie statistics          0.794±0.033   0.750±0.042   0.619 0.552  0.793±0.041  0.895  0.665  -0.3 -0.4  (7 s)
    + fractions of element classes             0.802±0.043   0.758±0.038   0.633 0.552  0.804±0.036  0.899  0.686  -0.1 -0.2  (3 s)
    descriptors only (no fractions)            0.794±0.038   0.754±0.035   0.642 0.552  0.786±0.023  0.891  0.655  -0.3 -0.3  (2 s)
    fractions only                             0.795±0.038   0.726±0.040   0.546 0.395  0.809±0.038  0.901  0.686  -0.3 -1.0  (2 s)
    targets log Tg, log Tx, log Tl             0.791±0.038   0.761±0.043   0.627 0.540  0.804±0.030  0.900  0.664  -0.4 -0.1  (3 s)
    targets log Tl, Trg, gamma                 0.795±0.052   0.765±0.046   0.623 0.534  0.821±0.032  0.909  0.685  -0.3 +0.0  (3 s)
    target log(Tl / Tm_mix)                    0.796±0.039   0.757±0.040   0.619 0.525  0.804±0.049  0.900  0.707  -0.2 -0.2  (3 s)
    one forest per quantity                    0.807±0.035   0.768±0.041   0.622 0.475  0.823±0.034  0.909  0.695  +0.0 +0.1  (10 s)
    ET + HistGradientBoosting average          0.801±0.039   0.764±0.035   0.628 0.523  0.809±0.029  0.902  0.693  -0.1 +0.0  (11 s)
    ET + random forest average                 0.802±0.041   0.763±0.035   0.612 0.526  0.807±0.028  0.901  0.669  -0.1 -0.0  (5 s)
    ET + 5-NN (fractions) average              0.792±0.036   0.732±0.037   0.531 0.394  0.819±0.025  0.906  0.658  -0.3 -0.9  (3 s)
    ET + Gaussian process average              0.797±0.030   0.760±0.026   0.546 0.441  0.780±0.025  0.891  0.616  -0.2 -0.1  (36 s)
    GFA: ExtraTreesClassifier                  0.805±0.038   0.764±0.037   0.618 0.520  0.811±0.030  0.899  0.710  +0.0 +0.0  (4 s)
    GFA: ExtraTreesClassifier, balanced        0.805±0.038   0.764±0.037   0.618 0.520  0.812±0.037  0.899  0.703  +0.0 +0.0  (4 s)
    GFA: HistGradientBoostingClassifier        0.805±0.038   0.764±0.037   0.618 0.520  0.799±0.034  0.894  0.668  +0.0 +0.0  (6 s)
    Δ/sd: change of the 5-seed mean R² of Trg, γ from the baseline, in units of the baseline's seed-sd (adopt only above +1)
    (b) gain of '+ 9 extra descriptors' on 4 other random system partitions x 2 forest seeds: Trg -0.003±0.004, γ +0.007±0.006
    (b) gain of '+ fractions of element classes' on 4 other random system partitions x 2 forest seeds: Trg +0.002±0.008, γ +0.006±0.011
    (b) gain of 'descriptors only (no fractions)' on 4 other random system partitions x 2 forest seeds: Trg -0.001±0.015, γ -0.009±0.021
    real ForwardModel: fit on 987 alloys 2.1 s CPU (2.1 s wall); predict 20,000: [Trg] 0.183 s CPU, [Tg, Tx, Tl, Trg, gamma] 0.217 s CPU
"""
from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alloygan.models.dataset import load_alloy_table  # noqa: E402
from alloygan.models.descriptors.elemental import CompositionDescriptors  # noqa: E402
from alloygan.models.encoding import ElementVocabulary  # noqa: E402
from alloygan.models.descriptors.element_data import liquid_mixing_enthalpy_matrix  # noqa: E402
from alloygan.models.forward.evaluation import family_folds, gfa_scores, random_80_20_indices, system_folds  # noqa: E402
from alloygan.models.forward.features import ForwardFeatures  # noqa: E402

SEEDS = range(5)
N_TREES = 64
ELEMENT_CLASSES = {  # a priori chemical classes of the elements of the data
    "early transition metal": "Sc Y Ti Zr Hf V Nb Ta Cr Mo W Mn",
    "late transition metal": "Fe Co Ni Cu Pd Pt Ag Au",
    "p-block metal": "Al Ga In Sn Pb Zn",
    "metalloid": "B C Si P Ge S",
    "lanthanide": "La Ce Pr Nd Sm Gd Tb Dy Ho Er Tm Yb Lu",
    "alkali / alkaline earth": "Li Be Mg Ca",
}


class Data:
    """The deduplicated alloys, their fractions and every candidate input column, computed once."""

    def __init__(self):
        self.table = load_alloy_table()
        self.vocabulary = ElementVocabulary.from_compositions(self.table.compositions)
        self.X = self.vocabulary.encode(self.table.compositions)
        self.T = self.table.frame[["Tg", "Tx", "Tl"]].to_numpy()
        Tg, Tx, Tl = self.T.T
        self.Trg, self.gamma = Tg / Tl, Tx / (Tg + Tl)
        self.good = self.Trg >= 0.6
        full = CompositionDescriptors(self.vocabulary.elements)
        values, labels = full.featurize(self.X), full.feature_labels()

        def magpie(stat: str, prop: str) -> np.ndarray:
            return values[:, labels.index(f"MagpieData {stat} {prop}")]

        self.tm_mix = magpie("mean", "MeltingT")  # rule-of-mixtures melting temperature
        self.extra = {
            "dev Tm": magpie("avg_dev", "MeltingT"), "min Tm": magpie("minimum", "MeltingT"),
            "max Tm": magpie("maximum", "MeltingT"), "dev r_cov": magpie("avg_dev", "CovalentRadius"),
            "dev chi": magpie("avg_dev", "Electronegativity"), "range r_cov": magpie("range", "CovalentRadius"),
            "n elements": (self.X > 0).sum(axis=1).astype(float), "dev column": magpie("avg_dev", "Column"),
            "dev volume": magpie("avg_dev", "GSvolume_pa"),
        }
        self.full_magpie = values[:, :-1]  # 132 Magpie statistics + 7 alloy terms (no Miedema ΔH_amor)
        index = {e: i for i, e in enumerate(self.vocabulary.elements)}
        self.classes = np.column_stack([self.X[:, [index[e] for e in group.split() if e in index]].sum(axis=1)
                                        for group in ELEMENT_CLASSES.values()])
        self.outer = [("a", seed, *random_80_20_indices(len(self.X), seed)) for seed in SEEDS]
        self.outer += [("b", fold, train, test) for fold, (train, test) in enumerate(system_folds(self.table))]
        self.outer += [("lofo", fold, train, test) for fold, (train, test) in enumerate(family_folds(self.table))]
        self.megnet = self.X @ _element_embedding(self.vocabulary.elements, "megnet")
        self.matscholar = self.X @ _element_embedding(self.vocabulary.elements, "matscholar")
        self.pair_enthalpy = _pair_enthalpy_statistics(self.X, liquid_mixing_enthalpy_matrix(self.vocabulary.elements))

    def base(self, train: np.ndarray) -> np.ndarray:
        """The shipped inputs (fractions + 29 descriptors), NaNs filled with the training medians."""
        return ForwardFeatures(self.vocabulary).fit(self.X[train]).transform(self.X)

    def with_columns(self, train: np.ndarray, columns: np.ndarray, base: bool = True) -> np.ndarray:
        columns = np.array(columns, dtype=float).reshape(len(self.X), -1)
        medians = np.nan_to_num(np.nanmedian(np.where(np.isfinite(columns[train]), columns[train], np.nan), axis=0))
        columns = np.where(np.isfinite(columns), columns, medians)
        return np.hstack([self.base(train), columns]) if base else columns


def _element_embedding(elements, source: str) -> np.ndarray:
    """(V, 16) learned element vectors: MEGNet's 16-d embedding (Chen et al. 2019) or the 200-d
    Matscholar word embedding (Tshitoyan et al. 2019) reduced to 16 principal components over the
    elements of the data (no alloy and no target enters the reduction)."""
    from matminer.utils.data import MatscholarElementData, MEGNetElementData
    from pymatgen.core import Element

    table = MEGNetElementData() if source == "megnet" else MatscholarElementData()
    vectors = np.array([[table.get_elemental_property(Element(e), name) for name in table.prop_names] for e in elements])
    if vectors.shape[1] > 16:
        centred = vectors - vectors.mean(axis=0)
        vectors = centred @ np.linalg.svd(centred, full_matrices=False)[2][:16].T
    return vectors


def _pair_enthalpy_statistics(X: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """(n, 4) over the element pairs present: most negative and most positive liquid ΔH_ij (Takeuchi &
    Inoue 2005), the x_i x_j-weighted mean and the weighted sd of ΔH_ij. NaN where no pair is tabulated."""
    H = pair[:-1, :-1]
    out = np.full((len(X), 4), np.nan)
    for row, x in enumerate(X):
        present = np.flatnonzero(x > 0)
        i, j = np.triu_indices(len(present), 1)
        values, weights = H[present[i], present[j]], x[present[i]] * x[present[j]]
        keep = np.isfinite(values)
        if keep.any():
            v, w = values[keep], weights[keep] / weights[keep].sum()
            mean = (w * v).sum()
            out[row] = v.min(), v.max(), mean, np.sqrt((w * (v - mean) ** 2).sum())
    return out


# Targets: forward (n, 3) from temperatures, back from per-tree samples (..., 3) to (Tg, Tx, Tl).
def _ratios(T, offset):
    return np.column_stack([np.log(T[:, 2]) - offset, T[:, 0] / T[:, 2], T[:, 1] / T[:, 2]])


def _ratios_back(q, offset):
    Tl = np.exp(q[..., 0] + offset)
    return q[..., 1] * Tl, q[..., 2] * Tl, Tl


TARGETS = {
    "ratios": (_ratios, _ratios_back),  # shipped: log Tl, Trg, α = Tx/Tl
    "logs": (lambda T, o: np.log(T), lambda q, o: tuple(np.exp(q[..., j]) for j in range(3))),
    "log_Tg": (lambda T, o: np.column_stack([np.log(T[:, 0]), np.log(T[:, 2]), T[:, 1] / T[:, 2]]),
               lambda q, o: (np.exp(q[..., 0]), q[..., 2] * np.exp(q[..., 1]), np.exp(q[..., 1]))),
    "gamma": (lambda T, o: np.column_stack([np.log(T[:, 2]), T[:, 0] / T[:, 2], T[:, 1] / (T[:, 0] + T[:, 2])]),
              lambda q, o: (q[..., 1] * np.exp(q[..., 0]), q[..., 2] * (1 + q[..., 1]) * np.exp(q[..., 0]),
                            np.exp(q[..., 0]))),
}


@dataclass
class Variant:
    name: str
    inputs: Callable[[Data, np.ndarray], np.ndarray] = Data.base
    target: str = "ratios"
    normalise_Tl: bool = False  # learn log(Tl / Tm_mix) instead of log Tl
    forest: dict = field(default_factory=dict)  # ExtraTreesRegressor settings beyond the shipped ones
    separate: bool = False  # one forest per quantity instead of one multi-output forest
    partner: str | None = None  # a second learner averaged with the forest: "hgb", "knn", "rf", "gp"
    classifier: str | None = None  # a dedicated GFA classifier instead of thresholding the regression
    nested: list[dict] | None = None  # a grid of forest settings chosen by inner 5-fold CV
    learner: str = "et"  # "hgb": gradient boosting (one model per quantity) in place of the forest
    residual: bool = False  # add a 10-NN regression (descriptor space) of the forest's out-of-fold residuals
    stack: bool = False  # forest and gradient boosting, weighted by non-negative least squares on out-of-fold predictions


def _forest(settings: dict):
    from sklearn.ensemble import ExtraTreesRegressor

    shipped = {"n_estimators": N_TREES, "max_features": 1.0, "min_samples_leaf": 1, "random_state": 0, "n_jobs": 1}
    return ExtraTreesRegressor(**(shipped | settings))


def _partner(kind: str, F: np.ndarray, X: np.ndarray, y: np.ndarray, train, test) -> np.ndarray:
    """The partner's prediction of the test rows; y: the targets of the train rows."""
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.preprocessing import StandardScaler

    if kind == "hgb":  # sklearn defaults, one model per quantity
        return np.column_stack([HistGradientBoostingRegressor(random_state=0).fit(F[train], y[:, j]).predict(F[test])
                                for j in range(3)])
    if kind == "knn":  # 5 nearest known alloys in composition space, distance-weighted
        return KNeighborsRegressor(5, weights="distance").fit(X[train], y).predict(X[test])
    if kind == "rf":
        return RandomForestRegressor(N_TREES, max_features=0.33, random_state=0, n_jobs=1).fit(F[train], y).predict(F[test])
    if kind == "gp":  # isotropic RBF + noise on standardised inputs, marginal-likelihood fit
        scaler = StandardScaler().fit(F[train])
        kernel = ConstantKernel() * RBF(5.0) + WhiteKernel(0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.column_stack([GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)
                                    .fit(scaler.transform(F[train]), y[:, j]).predict(scaler.transform(F[test]))
                                    for j in range(3)])
    raise ValueError(kind)


def _centre(F: np.ndarray, y: np.ndarray, train, test, settings: dict, learner: str) -> np.ndarray:
    """The mean prediction (test rows, 3 quantities) of one learner trained on the train rows."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    if learner == "hgb":
        return np.column_stack([HistGradientBoostingRegressor(random_state=0).fit(F[train], y[train, j]).predict(F[test])
                                for j in range(3)])
    mean, scale = y[train].mean(axis=0), y[train].std(axis=0)
    return _forest(settings).fit(F[train], (y[train] - mean) / scale).predict(F[test]) * scale + mean


def _out_of_fold(F: np.ndarray, y: np.ndarray, train: np.ndarray, settings: dict, learner: str) -> np.ndarray:
    """Predictions of the train rows by models that did not see them (5 inner folds of the training part only)."""
    from sklearn.model_selection import KFold

    out = np.empty((len(train), 3))
    for inner_train, inner_test in KFold(5, shuffle=True, random_state=100).split(train):
        out[inner_test] = _centre(F, y, train[inner_train], train[inner_test], settings, learner)
    return out


def fit_predict(data: Data, variant: Variant, train: np.ndarray, test: np.ndarray, settings: dict | None = None):
    """Mean Trg, γ, predicted GFA class and mean Tg of the test rows, trained on the train rows."""
    F = variant.inputs(data, train)
    offset = np.log(data.tm_mix) if variant.normalise_Tl else np.zeros(len(F))
    forward, back = TARGETS[variant.target]
    y = forward(data.T, offset)
    mean, scale = y[train].mean(axis=0), y[train].std(axis=0)
    settings = variant.forest if settings is None else settings
    if variant.learner != "et":
        per_tree = _centre(F, y, train, test, settings, variant.learner)[:, None, :]
    elif variant.separate:
        forests = [_forest(settings).fit(F[train], (y[train, j] - mean[j]) / scale[j]) for j in range(3)]
        per_tree = np.stack([np.stack([t.predict(F[test]) for t in f.estimators_], axis=1) for f in forests], axis=2)
        per_tree = per_tree * scale + mean
    else:
        forest = _forest(settings).fit(F[train], (y[train] - mean) / scale)
        per_tree = np.stack([t.predict(F[test]) for t in forest.estimators_], axis=1)  # (n, trees, 3)
        per_tree = per_tree * scale + mean
    if variant.partner:  # the members' spread kept, their centre moved halfway to the partner's prediction
        centre = per_tree.mean(axis=1, keepdims=True)
        other = _partner(variant.partner, F, data.X, y[train], train, test)[:, None, :]
        per_tree = per_tree - centre + (centre + other) / 2
    if variant.residual:  # residual learning on descriptor space, from out-of-fold residuals only
        from sklearn.neighbors import KNeighborsRegressor
        from sklearn.preprocessing import StandardScaler

        residual = y[train] - _out_of_fold(F, y, train, settings, "et")
        D = F[:, len(data.vocabulary):]
        scaler = StandardScaler().fit(D[train])
        knn = KNeighborsRegressor(10, weights="distance").fit(scaler.transform(D[train]), residual)
        per_tree = per_tree + knn.predict(scaler.transform(D[test]))[:, None, :]
    if variant.stack:  # NNLS weights of (forest, boosting) per quantity, learnt on out-of-fold predictions
        from scipy.optimize import nnls

        oof = [_out_of_fold(F, y, train, settings, learner) for learner in ("et", "hgb")]
        boosted = _centre(F, y, train, test, settings, "hgb")
        centre = per_tree.mean(axis=1, keepdims=True)
        stacked = np.empty((len(test), 3))
        for j in range(3):
            A = np.column_stack([oof[0][:, j] - mean[j], oof[1][:, j] - mean[j]])
            w = nnls(A, y[train, j] - mean[j])[0]
            stacked[:, j] = mean[j] + w[0] * (centre[:, 0, j] - mean[j]) + w[1] * (boosted[:, j] - mean[j])
        per_tree = per_tree - centre + stacked[:, None, :]
    Tg, Tx, Tl = back(per_tree, offset[test][:, None])
    Trg, gamma = (Tg / Tl).mean(axis=1), (Tx / (Tg + Tl)).mean(axis=1)
    if variant.classifier:
        good = _classify(variant.classifier, F, data.good, train, test)
    else:
        good = Trg >= 0.6
    return Trg, gamma, good, Tg.mean(axis=1)


def _classify(kind: str, F, labels, train, test) -> np.ndarray:
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier

    model = {"et": ExtraTreesClassifier(N_TREES, random_state=0, n_jobs=1),
             "et-balanced": ExtraTreesClassifier(N_TREES, class_weight="balanced", random_state=0, n_jobs=1),
             "hgb": HistGradientBoostingClassifier(random_state=0)}[kind]
    return model.fit(F[train], labels[train]).predict_proba(F[test])[:, 1] >= 0.5  # threshold fixed a priori


def _choose(data: Data, variant: Variant, train: np.ndarray) -> dict:
    """The grid point with the best mean of (R² Trg, R² γ) over 5 folds of the training part alone."""
    from sklearn.metrics import r2_score
    from sklearn.model_selection import KFold

    best, chosen = -np.inf, variant.nested[0]
    for settings in variant.nested:
        Trg, gamma = np.empty(len(train)), np.empty(len(train))
        for inner_train, inner_test in KFold(5, shuffle=True, random_state=100).split(train):
            Trg[inner_test], gamma[inner_test], *_ = fit_predict(data, variant, train[inner_train], train[inner_test], settings)
        score = (r2_score(data.Trg[train], Trg) + r2_score(data.gamma[train], gamma)) / 2
        if score > best:
            best, chosen = score, settings
    return chosen


def evaluate(data: Data, variant: Variant, outer: list | None = None, protocols: tuple = ("a", "b", "lofo")) -> dict:
    """Protocol (a): mean ± sd over the seeds; (b): R² pooled over the 5 folds and the per-fold mean ± sd of
    Trg R² (the adoption rule); leave-one-family-out (lofo): pooled over its folds."""
    from sklearn.metrics import mean_absolute_error, r2_score

    a = {"Trg": [], "gamma": [], "f1": [], "f1_weighted": []}
    n = len(data.X)
    pooled = {p: {"Trg": np.full(n, np.nan), "gamma": np.full(n, np.nan), "Tg": np.full(n, np.nan),
                  "good": np.zeros(n, bool), "tested": np.zeros(n, bool)} for p in ("b", "lofo")}
    b_folds: list[float] = []
    b_folds_tg: list[float] = []
    chosen = []
    for protocol, _, train, test in outer or data.outer:
        if protocol not in protocols:
            continue
        settings = None
        if variant.nested:
            settings = _choose(data, variant, train)
            chosen.append(settings)
        Trg, gamma, good, Tg = fit_predict(data, variant, train, test, settings)
        if protocol == "a":
            gfa = gfa_scores(data.good[test], good)
            for key, value in (("Trg", r2_score(data.Trg[test], Trg)), ("gamma", r2_score(data.gamma[test], gamma)),
                               ("f1", gfa["f1"]), ("f1_weighted", gfa["f1_weighted"])):
                a[key].append(value)
            continue
        if protocol == "b":
            b_folds.append(r2_score(data.Trg[test], Trg))
            b_folds_tg.append(mean_absolute_error(data.T[test, 0], Tg))
        held = pooled[protocol]
        held["Trg"][test], held["gamma"][test], held["good"][test], held["Tg"][test] = Trg, gamma, good, Tg
        held["tested"][test] = True
    out = {"a": {k: (float(np.mean(v)), float(np.std(v))) for k, v in a.items() if v}, "a_per_seed": a, "chosen": chosen}
    for protocol, held in pooled.items():
        t = held["tested"]
        if t.any():
            out[protocol] = {"Trg": r2_score(data.Trg[t], held["Trg"][t]), "gamma": r2_score(data.gamma[t], held["gamma"][t]),
                             "Tg_mae": mean_absolute_error(data.T[t, 0], held["Tg"][t]),
                             "f1": gfa_scores(data.good[t], held["good"][t])["f1"]}
    if b_folds:
        out["b"]["Trg_folds"] = (float(np.mean(b_folds)), float(np.std(b_folds)))
        out["b"]["Tg_mae_folds"] = (float(np.mean(b_folds_tg)), float(np.std(b_folds_tg)))
    return out


def _extra(*names: str) -> Callable[[Data, np.ndarray], np.ndarray]:
    return lambda data, train: data.with_columns(train, np.column_stack([data.extra[n] for n in names]))


GRID = [{"max_features": f, "min_samples_leaf": leaf} for f in (1.0, 0.5, 0.33) for leaf in (1, 2, 3)]
VARIANTS = [
    Variant("baseline: ET 64 trees, max_feat 1, leaf 1"),
    Variant("ET 128 trees", forest={"n_estimators": 128}),
    Variant("max_features 0.5", forest={"max_features": 0.5}),
    Variant("max_features 0.33", forest={"max_features": 0.33}),
    Variant("min_samples_leaf 2", forest={"min_samples_leaf": 2}),
    Variant("min_samples_leaf 3", forest={"min_samples_leaf": 3}),
    Variant("nested CV over max_features x leaf (9)", nested=GRID),
    Variant("+ dev, min, max of Tm", inputs=_extra("dev Tm", "min Tm", "max Tm")),
    Variant("+ dev of Tm, r_cov, chi", inputs=_extra("dev Tm", "dev r_cov", "dev chi")),
    Variant("+ 9 extra descriptors", inputs=_extra("dev Tm", "min Tm", "max Tm", "dev r_cov", "dev chi",
                                                   "range r_cov", "n elements", "dev column", "dev volume")),
    Variant("fractions + all Magpie statistics", inputs=lambda d, t: np.hstack([d.X, d.with_columns(t, d.full_magpie, base=False)])),
    Variant("+ fractions of element classes", inputs=lambda d, t: d.with_columns(t, d.classes)),
    Variant("descriptors only (no fractions)", inputs=lambda d, t: d.base(t)[:, len(d.vocabulary):]),
    Variant("fractions only", inputs=lambda d, t: d.X),
    Variant("targets log Tg, log Tx, log Tl", target="logs"),
    Variant("targets log Tl, Trg, gamma", target="gamma"),
    Variant("target log(Tl / Tm_mix)", normalise_Tl=True),
    Variant("one forest per quantity", separate=True),
    Variant("ET + HistGradientBoosting average", partner="hgb"),
    Variant("ET + random forest average", partner="rf"),
    Variant("ET + 5-NN (fractions) average", partner="knn"),
    Variant("ET + Gaussian process average", partner="gp"),
    Variant("GFA: ExtraTreesClassifier", classifier="et"),
    Variant("GFA: ExtraTreesClassifier, balanced", classifier="et-balanced"),
    Variant("GFA: HistGradientBoostingClassifier", classifier="hgb"),
    # issue 10: what the field uses for composition-only models, judged on (b) and leave-one-family-out
    Variant("+ MEGNet element embedding (16)", inputs=lambda d, t: d.with_columns(t, d.megnet)),
    Variant("+ Matscholar embedding (16 PCs)", inputs=lambda d, t: d.with_columns(t, d.matscholar)),
    Variant("+ pair ΔH_ij min, max, mean, sd", inputs=lambda d, t: d.with_columns(t, d.pair_enthalpy)),
    Variant("+ pair ΔH_ij stats + MEGNet", inputs=lambda d, t: d.with_columns(t, np.hstack([d.pair_enthalpy, d.megnet]))),
    Variant("gradient boosting (HGB) alone", learner="hgb"),
    Variant("ET + 10-NN residual (descriptors)", residual=True),
    Variant("stack ET + HGB (NNLS, out-of-fold)", stack=True),
    Variant("descriptors only, max_features 0.33", inputs=lambda d, t: d.base(t)[:, len(d.vocabulary):],
            forest={"max_features": 0.33}),
    Variant("targets log Tg, log Tl, Tx/Tl", target="log_Tg"),
    Variant("targets log Tg, log Tl, Tx/Tl, max_feat 0.33", target="log_Tg", forest={"max_features": 0.33}),
    Variant("targets log Tg, log Tx, log Tl, max_feat 0.33", target="logs", forest={"max_features": 0.33}),
]


def system_partition(data: Data, seed: int) -> list:
    """Protocol (b) on another partition: the systems dealt at random into 5 folds."""
    systems = data.table.frame["system"].to_numpy()
    names = np.unique(systems)
    fold_of = dict(zip(names, np.random.default_rng(seed).permutation(len(names)) % 5))
    fold = np.array([fold_of[s] for s in systems])
    return [("b", k, np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(5)]


def robustness(data: Data, variant: Variant, partitions=range(1, 5), forest_seeds=range(2)) -> np.ndarray:
    """Paired (b) gains (Trg, γ) of a variant over the baseline on random system partitions x forest seeds."""
    gains = []
    for partition in partitions:
        outer = system_partition(data, partition)
        for seed in forest_seeds:
            scores = [evaluate(data, replace(v, forest=v.forest | {"random_state": seed}), outer)["b"]
                      for v in (VARIANTS[0], variant)]
            gains.append([scores[1][q] - scores[0][q] for q in ("Trg", "gamma")])
    return np.array(gains)


# the variants whose protocol (b) gain on the one shipped partition looked possibly real
ROBUSTNESS = ("+ 9 extra descriptors", "+ fractions of element classes", "descriptors only (no fractions)")


def timing(data: Data) -> dict:
    """CPU seconds (best of 5) of the real model: fit on all alloys, predict 20,000 candidates."""
    from alloygan.models.forward.registry import train_forward_model

    started = time.process_time()
    wall = time.perf_counter()
    model = train_forward_model(data.table)
    fit_cpu, fit_wall = time.process_time() - started, time.perf_counter() - wall
    rng = np.random.default_rng(0)
    rows = model.vocabulary_.encode(data.table.compositions)[rng.integers(0, len(data.X), 20_000)]
    candidates = rows * rng.uniform(0.8, 1.2, rows.shape)  # known alloys, each amount moved by up to ±20 %
    candidates /= candidates.sum(axis=1, keepdims=True)
    best = {}
    for properties in (("Trg",), ("Tg", "Tx", "Tl", "Trg", "gamma")):
        model.predict(candidates[:100], properties)
        times = []
        for _ in range(5):
            started = time.process_time()
            model.predict(candidates, properties)
            times.append(time.process_time() - started)
        best[", ".join(properties)] = min(times)
    return {"fit_cpu_s": fit_cpu, "fit_wall_s": fit_wall, "predict_20000_cpu_s": best}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run the variants whose name contains one of these words")
    parser.add_argument("--no-nested", action="store_true", help="skip the nested-CV search (the slowest)")
    parser.add_argument("--no-timing", action="store_true", help="skip timing the real model")
    parser.add_argument("--skip-a", action="store_true", help="score only protocol (b) and leave-one-family-out")
    parser.add_argument("--no-robustness", action="store_true", help="skip re-scoring on other system partitions")
    args = parser.parse_args()
    data = Data()
    variants = [v for v in VARIANTS if not (args.no_nested and v.nested)]
    if args.only:
        variants = [variants[0]] + [v for v in variants[1:] if any(w.lower() in v.name.lower() for w in args.only)]
    protocols = ("b", "lofo") if args.skip_a else ("a", "b", "lofo")
    print(f"{len(data.X)} alloys; protocol (a) seeds {list(SEEDS)} (mean±sd), protocol (b) 5 folds by system "
          f"(per-fold mean±sd of Trg R², then pooled), leave-one-family-out ({sum(o[0] == 'lofo' for o in data.outer)} folds)")
    header = (f"{'variant':40s} {'(a) Trg R²':13s}{'(a) γ R²':13s}{'b Trg folds':13s}{'b Trg':6s} {'b γ':6s} "
              f"{'b Tg MAE':9s}{'b F1':6s} {'LOFO Trg':9s}{'LOFO Tg MAE':12s}{'Δ/sd Trg Tg':12s}adopt")
    print(header)
    print("-" * len(header))
    baseline = None
    for variant in variants:
        started = time.perf_counter()
        r = evaluate(data, variant, protocols=protocols)
        baseline = baseline or r
        b_mean, b_sd = r["b"]["Trg_folds"]
        delta = (b_mean - baseline["b"]["Trg_folds"][0]) / baseline["b"]["Trg_folds"][1]
        delta_tg = (baseline["b"]["Tg_mae_folds"][0] - r["b"]["Tg_mae_folds"][0]) / baseline["b"]["Tg_mae_folds"][1]
        adopt = max(delta, delta_tg) > 1 and min(delta, delta_tg) > -1
        a_cells = (f"{r['a']['Trg'][0]:.3f}±{r['a']['Trg'][1]:.3f}  {r['a']['gamma'][0]:.3f}±{r['a']['gamma'][1]:.3f}  "
                   if "Trg" in r["a"] else f"{'':13s}{'':13s}")
        print(f"{variant.name[:40]:40s} {a_cells}{b_mean:.3f}±{b_sd:.3f}  {r['b']['Trg']:.3f}  {r['b']['gamma']:.3f}  "
              f"{r['b']['Tg_mae']:5.1f} K  {r['b']['f1']:.3f}  {r['lofo']['Trg']:6.3f}   {r['lofo']['Tg_mae']:5.1f} K     "
              f"{delta:+.1f} {delta_tg:+.1f}    {'-' if r is baseline else 'yes' if adopt else 'no'}  ({time.perf_counter() - started:.0f} s)", flush=True)
        if r["chosen"]:
            print("    chosen by inner CV per outer split:", "; ".join(
                f"{c['max_features']}/{c['min_samples_leaf']}" for c in r["chosen"]), "(max_features/leaf)")
    print("Δ/sd Trg Tg: improvement of the per-fold mean of protocol (b) Trg R² and Tg MAE over the baseline, in units "
          "of the baseline's per-fold sd; adopt when one is above +1 and neither below -1. "
          "b Trg, b γ, b Tg MAE, LOFO: pooled over the folds")
    for variant in variants:
        if variant.name in ROBUSTNESS and not args.no_robustness:
            gains = robustness(data, variant)
            print(f"(b) gain of '{variant.name}' on 4 other random system partitions x 2 forest seeds: "
                  f"Trg {gains[:, 0].mean():+.3f}±{gains[:, 0].std():.3f}, γ {gains[:, 1].mean():+.3f}±{gains[:, 1].std():.3f}",
                  flush=True)
    if not args.no_timing:
        t = timing(data)
        print(f"real ForwardModel: fit on {len(data.X)} alloys {t['fit_cpu_s']:.1f} s CPU ({t['fit_wall_s']:.1f} s wall); "
              "predict 20,000: " + ", ".join(f"[{k}] {v:.3f} s CPU" for k, v in t["predict_20000_cpu_s"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
