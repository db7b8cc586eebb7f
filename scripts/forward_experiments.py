"""Variants of the forward model tried against the shipped one, on the protocols of `bench forward`.

    OMP_NUM_THREADS=1 ALLOYGAN_HOME=/tmp/fx HF_HUB_OFFLINE=1 .venv/bin/python scripts/forward_experiments.py \\
        [--only NAME ...] [--no-nested] [--no-timing]

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

Figures of the last run (987 alloys; 2 shared CPU cores; the forests are random, so a variant
within ±0.005 of the baseline is the baseline). Nothing met the adoption rule:

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
from alloygan.models.forward.evaluation import gfa_scores, random_80_20_indices, system_folds  # noqa: E402
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

    def base(self, train: np.ndarray) -> np.ndarray:
        """The shipped inputs (fractions + 29 descriptors), NaNs filled with the training medians."""
        return ForwardFeatures(self.vocabulary).fit(self.X[train]).transform(self.X)

    def with_columns(self, train: np.ndarray, columns: np.ndarray, base: bool = True) -> np.ndarray:
        columns = np.array(columns, dtype=float).reshape(len(self.X), -1)
        medians = np.nan_to_num(np.nanmedian(np.where(np.isfinite(columns[train]), columns[train], np.nan), axis=0))
        columns = np.where(np.isfinite(columns), columns, medians)
        return np.hstack([self.base(train), columns]) if base else columns


# Targets: forward (n, 3) from temperatures, back from per-tree samples (..., 3) to (Tg, Tx, Tl).
def _ratios(T, offset):
    return np.column_stack([np.log(T[:, 2]) - offset, T[:, 0] / T[:, 2], T[:, 1] / T[:, 2]])


def _ratios_back(q, offset):
    Tl = np.exp(q[..., 0] + offset)
    return q[..., 1] * Tl, q[..., 2] * Tl, Tl


TARGETS = {
    "ratios": (_ratios, _ratios_back),  # shipped: log Tl, Trg, α = Tx/Tl
    "logs": (lambda T, o: np.log(T), lambda q, o: tuple(np.exp(q[..., j]) for j in range(3))),
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


def fit_predict(data: Data, variant: Variant, train: np.ndarray, test: np.ndarray, settings: dict | None = None):
    """Mean Trg, γ and predicted GFA class of the test rows, trained on the train rows."""
    F = variant.inputs(data, train)
    offset = np.log(data.tm_mix) if variant.normalise_Tl else np.zeros(len(F))
    forward, back = TARGETS[variant.target]
    y = forward(data.T, offset)
    mean, scale = y[train].mean(axis=0), y[train].std(axis=0)
    settings = variant.forest if settings is None else settings
    if variant.separate:
        forests = [_forest(settings).fit(F[train], (y[train, j] - mean[j]) / scale[j]) for j in range(3)]
        per_tree = np.stack([np.stack([t.predict(F[test]) for t in f.estimators_], axis=1) for f in forests], axis=2)
    else:
        forest = _forest(settings).fit(F[train], (y[train] - mean) / scale)
        per_tree = np.stack([t.predict(F[test]) for t in forest.estimators_], axis=1)  # (n, trees, 3)
    per_tree = per_tree * scale + mean
    if variant.partner:  # the members' spread kept, their centre moved halfway to the partner's prediction
        centre = per_tree.mean(axis=1, keepdims=True)
        other = _partner(variant.partner, F, data.X, y[train], train, test)[:, None, :]
        per_tree = per_tree - centre + (centre + other) / 2
    Tg, Tx, Tl = back(per_tree, offset[test][:, None])
    Trg, gamma = (Tg / Tl).mean(axis=1), (Tx / (Tg + Tl)).mean(axis=1)
    if variant.classifier:
        good = _classify(variant.classifier, F, data.good, train, test)
    else:
        good = Trg >= 0.6
    return Trg, gamma, good


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
            Trg[inner_test], gamma[inner_test], _ = fit_predict(data, variant, train[inner_train], train[inner_test], settings)
        score = (r2_score(data.Trg[train], Trg) + r2_score(data.gamma[train], gamma)) / 2
        if score > best:
            best, chosen = score, settings
    return chosen


def evaluate(data: Data, variant: Variant, outer: list | None = None) -> dict:
    from sklearn.metrics import r2_score

    a = {"Trg": [], "gamma": [], "f1": [], "f1_weighted": []}
    b = {"Trg": np.full(len(data.X), np.nan), "gamma": np.full(len(data.X), np.nan), "good": np.zeros(len(data.X), bool)}
    chosen = []
    for protocol, _, train, test in outer or data.outer:
        settings = None
        if variant.nested:
            settings = _choose(data, variant, train)
            chosen.append(settings)
        Trg, gamma, good = fit_predict(data, variant, train, test, settings)
        if protocol == "a":
            gfa = gfa_scores(data.good[test], good)
            for key, value in (("Trg", r2_score(data.Trg[test], Trg)), ("gamma", r2_score(data.gamma[test], gamma)),
                               ("f1", gfa["f1"]), ("f1_weighted", gfa["f1_weighted"])):
                a[key].append(value)
        else:
            b["Trg"][test], b["gamma"][test], b["good"][test] = Trg, gamma, good
    return {"a": {k: (float(np.mean(v)), float(np.std(v))) for k, v in a.items() if v}, "a_per_seed": a,
            "b": {"Trg": r2_score(data.Trg, b["Trg"]), "gamma": r2_score(data.gamma, b["gamma"]),
                  "f1": gfa_scores(data.good, b["good"])["f1"]}, "chosen": chosen}


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
    args = parser.parse_args()
    data = Data()
    variants = [v for v in VARIANTS if not (args.no_nested and v.nested)]
    if args.only:
        variants = [variants[0]] + [v for v in variants[1:] if any(w.lower() in v.name.lower() for w in args.only)]
    print(f"{len(data.X)} alloys; protocol (a) seeds {list(SEEDS)} (mean±sd), protocol (b) 5 folds by system")
    header = (f"{'variant':42s} {'(a) Trg R²':14s}{'(a) γ R²':14s}{'b Trg':6s}{'b γ':7s}{'F1 good (a)':13s}"
              f"{'F1 w':7s}{'b F1':7s}Δ/sd Trg γ")
    print(header)
    print("-" * len(header))
    baseline = None
    for variant in variants:
        started = time.perf_counter()
        r = evaluate(data, variant)
        baseline = baseline or r
        delta = [(r["a"][q][0] - baseline["a"][q][0]) / baseline["a"][q][1] for q in ("Trg", "gamma")]
        (t, ts), (g, gs), (f, fs), (w, _) = (r["a"][k] for k in ("Trg", "gamma", "f1", "f1_weighted"))
        print(f"{variant.name[:42]:42s} {t:.3f}±{ts:.3f}   {g:.3f}±{gs:.3f}   {r['b']['Trg']:.3f} {r['b']['gamma']:.3f}  "
              f"{f:.3f}±{fs:.3f}  {w:.3f}  {r['b']['f1']:.3f}  {delta[0]:+.1f} {delta[1]:+.1f}  ({time.perf_counter() - started:.0f} s)",
              flush=True)
        if r["chosen"]:
            print("    chosen by inner CV per outer split:", "; ".join(
                f"{c['max_features']}/{c['min_samples_leaf']}" for c in r["chosen"]), "(max_features/leaf)")
    print("Δ/sd: change of the 5-seed mean R² of Trg, γ from the baseline, in units of the baseline's seed-sd "
          "(adopt only above +1)")
    for variant in variants:
        if variant.name in ROBUSTNESS:
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
