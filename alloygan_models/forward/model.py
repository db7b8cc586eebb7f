"""Forward property model: composition -> Tg, Tx, Tl with calibrated uncertainty.

One multi-output extremely randomised forest (scikit-learn `ExtraTreesRegressor`) learns
three quantities that are independent of scale and consistent by construction:
log Tl, Trg = Tg/Tl and α = Tx/Tl (standardised). Tg = Trg·Tl and Tx = α·Tl follow, so a
prediction always has Tg < Tx < Tl when its parts are physical, and the criteria that
the design goals are written in (Trg, γ) are modelled directly rather than as ratios of
two noisy predictions.

Uncertainty that holds for new systems: every tree gives one prediction, and per quantity
σ² = (a·σ_trees)² + (b·d^q)² + c², where d is the distance (at.%, half-L1) to the nearest
training alloy: the tree spread alone understates the error far from the data, and c is
the floor of measurement scatter (a training alloy is never ±0). (a, b, c, q) are fitted by
Gaussian maximum likelihood on out-of-fold residuals of two inner 5-fold cross-validations
of the *training* data only, one random and one grouped by alloy system, so near and far
alloys both inform the fit and no benchmark test fold is ever used (`_calibration`); one factor
per quantity then rescales (a, b, c) so that ±1σ covers 68.27 % of those residuals (their tails
are heavier than a Gaussian's, so the likelihood's σ alone over-covers). Each
tree's prediction is a sample; the distance and floor terms enter as fixed normal draws
correlated across log Tl, Trg and α as the out-of-fold residuals are (Tg = Trg·Tl is better
known than Tl or Trg: their errors are anticorrelated), and each row's deviations are rescaled
to exactly that σ. scripts/domain_analysis.py prints the coverage this gives by protocol and by
distance. Any property (Tg, Tx, Tl or a GFA criterion) is computed on
each sample with the same descriptor code as the data, and summarised by its mean and
standard deviation. The probability of meeting a range is Gaussian in that mean and std.

Why these settings (scripts/forward_experiments.py; R² of Trg / γ, mean ± sd over the five
seeds of protocol (a): 0.805±0.038 / 0.764±0.037): 128 trees, max_features 0.5 or 0.33,
min_samples_leaf 2-3 (or chosen by CV inside each training part), targets log Tg/Tx/Tl or
γ in place of α, log(Tl/Tm_mix), one forest per quantity, and averaging with
HistGradientBoosting, a random forest, 5-NN or a Gaussian process raised neither mean by
more than 0.004 (a tenth of a seed-sd), and several lowered it; a GFA classifier did not beat
P(Trg >= 0.6) >= 0.5 (F1 of "good" 0.811 vs 0.809). 32 trees score the same (0.807 / 0.766)
and predict twice as fast, at a noisier per-tree spread.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from alloygan.models.constraints import PropertyRange
from alloygan.models.descriptors.thermal import TEMPERATURES, resolve_property, thermal_property
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.forward.features import ForwardFeatures
from alloygan.models.forward.uncertainty import correlated_noise, fit_uncertainty
from alloygan.knowledge_base.composition import Composition

MODELLED = ("log_Tl", "Trg", "alpha")
GOOD_GFA_TRG = 0.6  # the method's GFA class: good when Trg >= 0.6 (METHOD.md)
_CHUNK = 8192  # rows per block: bounds the (rows, trees, 3) sample array to a few MB
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_MIN_STD = 1e-9


@dataclass
class PropertyPrediction:
    """Per-candidate mean and standard deviation of each requested property."""

    mean: dict[str, np.ndarray]
    std: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.mean.values())))

    def probability(self, item: PropertyRange) -> np.ndarray:
        """P(property within the range) under a Gaussian of the predicted mean and std."""
        mean, std = self.mean[item.property], np.maximum(self.std[item.property], _MIN_STD)
        low = _normal_cdf((item.min - mean) / std) if item.min is not None else 0.0
        high = _normal_cdf((item.max - mean) / std) if item.max is not None else 1.0
        return np.clip(high - low, 0.0, 1.0)

    def subset(self, index: np.ndarray) -> "PropertyPrediction":
        return PropertyPrediction({k: v[index] for k, v in self.mean.items()}, {k: v[index] for k, v in self.std.items()})


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


class ForwardModel:
    """scikit-learn style: `__init__` stores settings, `fit` learns, fitted attributes end in `_`."""

    def __init__(self, n_estimators: int = 64, max_features: float = 1.0, min_samples_leaf: int = 1,
                 calibration_folds: int = 5, random_state: int = 0, elements: Sequence[str] | None = None):
        self.elements = elements  # the input columns; default: the elements of the training alloys
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("n_estimators", "max_features", "min_samples_leaf",
                                              "calibration_folds", "random_state", "elements")}

    # fitting ------------------------------------------------------------------------
    def fit(self, compositions: Sequence[Composition], temperatures: np.ndarray) -> "ForwardModel":
        """Learn from compositions and their measured (Tg, Tx, Tl) in K, shape (n, 3)."""
        temperatures = np.asarray(temperatures, dtype=float)
        if temperatures.shape != (len(compositions), 3):
            raise ValueError(f"temperatures must have shape ({len(compositions)}, 3), got {temperatures.shape}")
        if len(compositions) < 2 * self.calibration_folds:
            raise ValueError(f"need at least {2 * self.calibration_folds} alloys to fit, got {len(compositions)}")
        self.vocabulary_ = (ElementVocabulary(self.elements) if self.elements is not None
                            else ElementVocabulary.from_compositions(compositions))
        fractions = self.vocabulary_.encode(compositions)
        self.features_ = ForwardFeatures(self.vocabulary_).fit(fractions)
        inputs = self.features_.transform(fractions)
        targets = _modelled_quantities(temperatures)
        self.target_mean_ = targets.mean(axis=0)
        self.target_scale_ = targets.std(axis=0) + 1e-12
        self.training_fractions_ = fractions / fractions.sum(axis=1, keepdims=True)
        self.calibration_ = self._calibration(inputs, targets, self.training_fractions_)
        forest = self._new_forest().fit(inputs, (targets - self.target_mean_) / self.target_scale_)
        self.trees_ = [estimator.tree_ for estimator in forest.estimators_]  # what predicting needs of the forest
        self._index_leaves()
        self.n_train_ = len(compositions)
        return self

    def fit_table(self, table) -> "ForwardModel":
        """Fit on an `AlloyTable` (median temperatures of each deduplicated alloy)."""
        return self.fit(table.compositions, table.frame[list(TEMPERATURES)].to_numpy())

    def _new_forest(self):
        from sklearn.ensemble import ExtraTreesRegressor

        return ExtraTreesRegressor(n_estimators=self.n_estimators, max_features=self.max_features,
                                   min_samples_leaf=self.min_samples_leaf, random_state=self.random_state, n_jobs=-1)

    def _calibration(self, inputs: np.ndarray, targets: np.ndarray, fractions: np.ndarray) -> np.ndarray:
        """(3, 7): per quantity (a, b, c, q) of σ² = (a·σ_trees)² + (b·d^q)² + c² in the standardised target space,
        by maximum likelihood on the out-of-fold residuals of a random and a system-grouped inner 5-fold CV, then the
        row of the three quantities' residual correlation matrix (of residual / σ)."""
        from sklearn.model_selection import GroupKFold, KFold

        from alloygan.models.metrics import nearest_known

        systems = ["-".join(map(str, np.flatnonzero(row > 0))) for row in fractions]
        random = KFold(self.calibration_folds, shuffle=True, random_state=self.random_state).split(inputs)
        grouped = GroupKFold(min(self.calibration_folds, len(set(systems)))).split(inputs, groups=systems)
        residual, spread, distance = [], [], []
        for train, held in [*random, *grouped]:
            mean, scale = targets[train].mean(axis=0), targets[train].std(axis=0) + 1e-12
            forest = self._new_forest().fit(inputs[train], (targets[train] - mean) / scale)
            per_tree = np.stack([tree.predict(inputs[held]) for tree in forest.estimators_], axis=1)
            # back to the full model's standardised space, where the fitted σ is applied
            centre = per_tree.mean(axis=1) * scale + mean
            residual.append((targets[held] - centre) / self.target_scale_)
            spread.append(per_tree.std(axis=1) * scale / self.target_scale_)
            distance.append(np.repeat(nearest_known(fractions[held], fractions[train])[0][:, None], 3, axis=1))
        return fit_uncertainty(np.concatenate(residual), np.concatenate(spread), np.concatenate(distance))

    # the fitted state, for the model store (no I/O here) ----------------------------------
    def fitted_state(self) -> dict:
        """What a fitted model is beside its forest, as JSON-able lists (floats round-trip exactly)."""
        return {
            "vocabulary": list(self.vocabulary_.elements),
            "fill_values": self.features_.fill_values_.tolist(),
            "target_mean": self.target_mean_.tolist(),
            "target_scale": self.target_scale_.tolist(),
            "calibration": self.calibration_.tolist(),
            "training_fractions": [[[int(j), float(row[j])] for j in np.flatnonzero(row)]
                                   for row in self.training_fractions_],
            "n_train": int(self.n_train_),
        }

    @staticmethod
    def input_width(elements: Sequence[str]) -> int:
        """How many inputs (fractions and descriptors) a model over these elements has."""
        return len(ForwardFeatures(ElementVocabulary(elements)).labels())

    @classmethod
    def from_fitted_state(cls, settings: dict, state: dict, trees: list) -> "ForwardModel":
        """The model `fitted_state` and its trees (scikit-learn `Tree`s) describe; predicts exactly as the
        model that was saved. Raises ValueError when the parts do not fit together (a damaged or foreign file).
        """
        model = cls(**settings)
        model.vocabulary_ = ElementVocabulary(state["vocabulary"])
        model.features_ = ForwardFeatures(model.vocabulary_)
        n_inputs = len(model.features_.labels())
        fill_values = np.asarray(state["fill_values"], dtype=float)
        if fill_values.shape != (n_inputs - len(model.vocabulary_),):
            raise ValueError(f"{fill_values.shape[0]} descriptor fill values for {n_inputs - len(model.vocabulary_)} "
                             "descriptors")
        model.features_.fill_values_ = fill_values
        model.target_mean_, model.target_scale_, model.calibration_ = (
            np.asarray(state[key], dtype=float) for key in ("target_mean", "target_scale", "calibration"))
        if any(a.shape != (len(MODELLED),) for a in (model.target_mean_, model.target_scale_)):
            raise ValueError(f"target scaling needs {len(MODELLED)} values each")
        if model.calibration_.shape != (len(MODELLED), 4 + len(MODELLED)):
            raise ValueError(f"the uncertainty calibration needs (a, b, c, q) and a correlation row for each of "
                             f"{len(MODELLED)} quantities")
        model.training_fractions_ = np.zeros((len(state["training_fractions"]), len(model.vocabulary_)))
        for i, row in enumerate(state["training_fractions"]):
            for j, value in row:
                model.training_fractions_[i, int(j)] = value
        shapes = {(tree.n_features, tree.n_outputs) for tree in trees}
        if len(trees) != model.n_estimators or shapes != {(n_inputs, len(MODELLED))}:
            raise ValueError(f"{len(trees)} trees of (inputs, outputs) {sorted(shapes)}; the settings need "
                             f"{model.n_estimators} trees of ({n_inputs}, {len(MODELLED)})")
        model.trees_ = list(trees)
        model._index_leaves()
        model.n_train_ = int(state["n_train"])
        return model

    def _index_leaves(self) -> None:
        """Leaf values of every tree in one padded array per quantity, so per-tree predictions are one gather."""
        size = max(t.node_count for t in self.trees_)
        values = np.zeros((len(MODELLED), len(self.trees_), size), dtype=np.float32)
        for i, t in enumerate(self.trees_):
            values[:, i, : t.node_count] = t.value[:, :, 0].T
        self.leaf_values_ = values

    # predicting ---------------------------------------------------------------------
    def encode(self, compositions: Sequence[Composition]) -> np.ndarray:
        """Fractions on the model's vocabulary; a composition with an unseen element is an error naming it."""
        for composition in compositions:
            unseen = sorted(composition.element_set - set(self.vocabulary_.elements))
            if unseen:
                raise ValueError(f"{composition.formula}: no training alloy contains {', '.join(unseen)}; "
                                 "the model cannot predict it")
        return self.vocabulary_.encode(compositions)

    def predict_compositions(self, compositions: Sequence[Composition],
                             properties: Sequence[str] = TEMPERATURES) -> PropertyPrediction:
        return self.predict(self.encode(compositions), properties)

    def distance_to_training(self, fractions: np.ndarray) -> np.ndarray:
        """Half-L1 distance (at.%) of each row to the nearest alloy the model was trained on."""
        from alloygan.models.metrics import nearest_known

        return nearest_known(np.atleast_2d(fractions), self.training_fractions_)[0]

    def predict(self, fractions: np.ndarray, properties: Sequence[str] = TEMPERATURES,
                distance: np.ndarray | None = None) -> PropertyPrediction:
        """Mean and std of each property (Tg, Tx, Tl or any criterion name) for (n, V) fractions; `distance`
        (at.% to the nearest training alloy) is measured when not given."""
        fractions = np.atleast_2d(np.asarray(fractions, dtype=float))
        if fractions.shape[1] != len(self.vocabulary_):
            raise ValueError(f"fractions need {len(self.vocabulary_)} columns (the model's vocabulary), "
                             f"got {fractions.shape[1]}")
        distance = self.distance_to_training(fractions) if distance is None else np.asarray(distance, dtype=float)
        properties = tuple(dict.fromkeys(resolve_property(p) for p in properties))
        mean = {p: np.empty(len(fractions)) for p in properties}
        std = {p: np.empty(len(fractions)) for p in properties}
        tree_index = np.arange(self.leaf_values_.shape[1])[None, :]

        def predict_block(block: slice) -> None:  # writes its own rows of mean and std
            leaves = self._apply(self.features_.transform(fractions[block]))
            samples = _Samples(self.leaf_values_, tree_index, leaves, self.calibration_, self.target_mean_,
                               self.target_scale_, distance[block])
            for p in properties:
                values = samples.Trg if p == "Trg" else thermal_property(p, samples.Tg, samples.Tx, samples.Tl)
                mean[p][block] = values.mean(axis=1)
                std[p][block] = values.std(axis=1)

        blocks = _blocks(len(fractions))
        if len(blocks) == 1:
            predict_block(blocks[0])
        else:  # tree traversal and NumPy release the GIL: blocks run on every core
            list(_thread_pool().map(predict_block, blocks))
        return PropertyPrediction(mean, std)

    def _apply(self, inputs: np.ndarray) -> np.ndarray:
        """Leaf index per tree; one thread: joblib's threading overhead exceeds the work per chunk."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)  # the dtype sklearn's trees split on
        return np.column_stack([tree.apply(inputs) for tree in self.trees_])

    def p_good_gfa(self, prediction: PropertyPrediction, threshold: float = GOOD_GFA_TRG) -> np.ndarray:
        """P(Trg >= threshold): the GFA class of the method (good when Trg >= 0.6)."""
        return prediction.probability(PropertyRange(property="Trg", min=threshold))


class _Samples:
    """Calibrated per-tree samples of one block, each quantity gathered and computed only when asked for.

    float32 throughout: the leaf values are float32, and 7 significant digits are far below
    the spread of the trees (a sample of Tl is good to 1e-4 K).
    """

    def __init__(self, leaf_values: np.ndarray, tree_index: np.ndarray, leaves: np.ndarray, calibration,
                 target_mean, target_scale, distance: np.ndarray):
        self._leaf_values, self._tree_index, self._leaves = leaf_values, tree_index, leaves
        self._calibration = np.asarray(calibration, dtype=np.float32)
        self._distance = np.asarray(distance, dtype=np.float32)[:, None]
        self._mean = np.asarray(target_mean, dtype=np.float32)
        self._scale = np.asarray(target_scale, dtype=np.float32)

    def _quantity(self, j: int) -> np.ndarray:
        z = self._leaf_values[j][self._tree_index, self._leaves]  # (n, trees), the forest's standardised space
        centre = z.mean(axis=1, keepdims=True)
        a, b, c, q = self._calibration[j, :4]
        extra2 = (b * self._distance ** q) ** 2 + c ** 2
        noise = correlated_noise(z.shape[1], tuple(map(tuple, self._calibration[:, 4:].astype(float).round(6))))[:, j]
        deviation = (z - centre) * a + noise[None, :] * np.sqrt(extra2)
        sigma = np.sqrt(((z - centre) * a).var(axis=1, keepdims=True) + extra2)
        deviation *= sigma / np.maximum(deviation.std(axis=1, keepdims=True), 1e-12)  # exactly the fitted σ
        return (centre + deviation) * self._scale[j] + self._mean[j]

    @cached_property
    def Tl(self) -> np.ndarray:
        return np.exp(self._quantity(0))

    @cached_property
    def Trg(self) -> np.ndarray:
        return self._quantity(1)

    @cached_property
    def Tg(self) -> np.ndarray:
        return self.Trg * self.Tl

    @cached_property
    def Tx(self) -> np.ndarray:
        return self._quantity(2) * self.Tl


def _blocks(n: int) -> list[slice]:
    """Rows split into equal blocks of at most _CHUNK, as many as a multiple of the workers."""
    if n <= 1024:
        return [slice(0, n)]
    count = _WORKERS * -(-n // (_WORKERS * _CHUNK))
    size = -(-n // count)
    return [slice(start, start + size) for start in range(0, n, size)]


@cache
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="forward-predict")


def _modelled_quantities(temperatures: np.ndarray) -> np.ndarray:
    Tg, Tx, Tl = temperatures.T
    return np.column_stack([np.log(Tl), Tg / Tl, Tx / Tl])


def gfa_label(Trg: np.ndarray, threshold: float = GOOD_GFA_TRG) -> np.ndarray:
    """The method's GFA class: good (True) when Trg >= 0.6."""
    return np.asarray(Trg) >= threshold
