"""The generative benchmark's protocol: held-out split, distribution metrics, rediscovery, accuracy.

Per family (deduplicated alloys of one base element):

* **Split.** 10 % held out (at least one alloy), chosen by a seeded permutation.
* **Distribution metrics against the sampling floor, at equal sample sizes.** The training
  alloys are split `N_SPLITS` = 5 times into two random halves A and B. The floor is
  metric(B, A); the model's value is metric(B, G(conditions of A)), G sampled once per
  alloy of A. So a model that reproduced A exactly would score the floor, and both are
  measured on sets of the same size (the metric's sample noise is the same). PCA basis:
  fitted once on all training alloys. Values are the means over the 5 splits.
* **Validity, uniqueness, novelty.** `N_QUALITY` = 1,000 rows generated at training
  conditions drawn with replacement; novelty against the training alloys.
* **Rediscovery.** For each held-out alloy, `N_REDISCOVERY` = 100 compositions generated at
  its (Tg, Tx, Tl); a hit when one lies within 5 at.% (half-L1) of the true composition.
  Baselines: the training alloy nearest in standardised (Tg, Tx, Tl) (one guess), the 100
  nearest (as many guesses as the generator gets), and the share of held-out alloys within
  5 at.% of *any* training alloy (what pure memorisation could reach at best).
* **Conditional accuracy** (with a forward model not trained on the held-out alloys):
  `N_ACCURACY` = 20 compositions per held-out condition, their Tg, Tx, Tl predicted, and
  the mean absolute error of predicted Tg, Trg and γ against the condition's.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from alloygan.models import metrics
from alloygan.models.dataset import AlloyTable
from alloygan.models.descriptors.thermal import TEMPERATURES
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.generative.config import GenerativeConfig
from alloygan.models.generative.sampler import Generator
from alloygan.knowledge_base.progress import ProgressCallback

N_SPLITS = 5
N_QUALITY = 1000
N_REDISCOVERY = 100
N_ACCURACY = 20
HELDOUT_SHARE = 0.1
REDISCOVERY_AT_PCT = 5.0


def split_heldout(table: AlloyTable, share: float = HELDOUT_SHARE, seed: int = 0) -> tuple[AlloyTable, AlloyTable]:
    """(training, held-out) by a seeded permutation; at least one alloy held out."""
    if len(table) < 3:
        raise ValueError(f"need at least 3 alloys to hold some out; got {len(table)}")
    order = np.random.default_rng(seed).permutation(len(table))
    n_heldout = max(1, int(round(share * len(table))))
    return table.subset(np.sort(order[n_heldout:])), table.subset(np.sort(order[:n_heldout]))


def temperatures(table: AlloyTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(table.frame[name].to_numpy(dtype=float) for name in TEMPERATURES)


def _on_vocabulary(amounts: np.ndarray, source: ElementVocabulary, target: ElementVocabulary) -> np.ndarray:
    out = np.zeros((len(amounts), len(target)))
    out[:, [target.index(e) for e in source.elements]] = amounts
    return out


def _common_vocabulary(generator: Generator, *tables: AlloyTable) -> ElementVocabulary:
    extra = sorted({e for t in tables for c in t.compositions for e in c.element_set} - set(generator.vocabulary.elements))
    return ElementVocabulary(generator.vocabulary.elements + tuple(extra))


def _generate(generator: Generator, table: AlloyTable, index: np.ndarray, family: str, seed: int,
              vocabulary: ElementVocabulary) -> np.ndarray:
    Tg, Tx, Tl = temperatures(table)
    raw = generator.sample(Tg[index], Tx[index], Tl[index], family=family, seed=seed)
    return _on_vocabulary(metrics.clean_generated(raw), generator.vocabulary, vocabulary)


def distribution_scores(generator: Generator, train: AlloyTable, family: str, seed: int = 0) -> dict:
    """{"model": {...}, "floor": {...}}: KL, JS, W1 per element and PCA-2D, half-split protocol."""
    vocabulary = _common_vocabulary(generator, train)
    real = train.fractions(vocabulary)
    basis = metrics.pca_basis(real)
    rng = np.random.default_rng(seed)
    model_runs, floor_runs = [], []
    for split in range(N_SPLITS):
        order = rng.permutation(len(real))
        half = len(real) // 2
        a, b = order[:half], order[half:2 * half]
        generated = _generate(generator, train, a, family, seed * 1000 + split, vocabulary)
        model_runs.append(metrics.distribution_metrics(real[b], generated, basis))
        floor_runs.append(metrics.distribution_metrics(real[b], real[a], basis))
    mean = lambda runs: {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}  # noqa: E731
    return {"model": mean(model_runs), "floor": mean(floor_runs)}


def quality_scores(generator: Generator, train: AlloyTable, family: str, seed: int = 0) -> dict:
    """Validity, uniqueness and novelty of N_QUALITY rows generated at training conditions."""
    vocabulary = _common_vocabulary(generator, train)
    index = np.random.default_rng(seed + 1).integers(0, len(train), N_QUALITY)
    generated = _generate(generator, train, index, family, seed + 2, vocabulary)
    counts = train.frame["n_elements"]
    return {
        "validity": metrics.validity(generated, (int(counts.min()), int(counts.max()))),
        "uniqueness": metrics.uniqueness(generated),
        **metrics.novelty(generated, train.fractions(vocabulary)),
        "mean_elements": float(metrics.element_counts(generated).mean()),
    }


def _standardised_temperatures(train: AlloyTable, other: AlloyTable) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.column_stack(temperatures(train)), np.column_stack(temperatures(other))
    mean, scale = a.mean(axis=0), a.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return (a - mean) / scale, (b - mean) / scale


def rediscovery_baselines(train: AlloyTable, heldout: AlloyTable) -> dict:
    """Hit rates of nearest-property look-ups and of the best possible memoriser."""
    vocabulary = ElementVocabulary.from_compositions(train.compositions + heldout.compositions)
    known, targets = train.fractions(vocabulary), heldout.fractions(vocabulary)
    train_t, heldout_t = _standardised_temperatures(train, heldout)
    by_property = np.argsort(np.linalg.norm(heldout_t[:, None, :] - train_t[None, :, :], axis=-1), axis=1)
    distance = 50.0 * np.abs(targets[:, None, :] - known[None, :, :]).sum(axis=-1)  # (heldout, train)
    rows = np.arange(len(targets))[:, None]
    k = min(N_REDISCOVERY, len(train))
    return {
        "nearest_property_1": float(np.mean(distance[rows[:, 0], by_property[:, 0]] <= REDISCOVERY_AT_PCT)),
        f"nearest_property_{N_REDISCOVERY}": float(np.mean((distance[rows, by_property[:, :k]] <= REDISCOVERY_AT_PCT).any(axis=1))),
        "any_training_alloy": float(np.mean(distance.min(axis=1) <= REDISCOVERY_AT_PCT)),
    }


def rediscovery(generator: Generator, heldout: AlloyTable, family: str, seed: int = 0) -> dict:
    """Share of held-out alloys with one of N_REDISCOVERY generated rows within 5 at.%, and the mean best distance."""
    vocabulary = _common_vocabulary(generator, heldout)
    targets = heldout.fractions(vocabulary)
    index = np.repeat(np.arange(len(heldout)), N_REDISCOVERY)
    generated = _generate(generator, heldout, index, family, seed + 3, vocabulary)
    distance = 50.0 * np.abs(generated - targets[index]).sum(axis=1)
    best = distance.reshape(len(heldout), N_REDISCOVERY).min(axis=1)
    return {"rediscovery": float(np.mean(best <= REDISCOVERY_AT_PCT)), "best_distance_mean_at_pct": float(best.mean())}


PredictFunction = Callable[[Sequence[str], np.ndarray], dict[str, np.ndarray]]


def conditional_accuracy(generator: Generator, heldout: AlloyTable, family: str, predict: PredictFunction,
                         seed: int = 0) -> dict:
    """MAE of forward-model predictions of generated rows against the target Tg, Trg and γ."""
    Tg, Tx, Tl = temperatures(heldout)
    index = np.repeat(np.arange(len(heldout)), N_ACCURACY)
    generated = metrics.clean_generated(generator.sample(Tg[index], Tx[index], Tl[index], family=family, seed=seed + 4))
    predicted = predict(generator.vocabulary.elements, generated)
    p_tg, p_tx, p_tl = (np.asarray(predicted[name], dtype=float) for name in TEMPERATURES)
    target = {"Tg": Tg[index], "Trg": (Tg / Tl)[index], "gamma": (Tx / (Tg + Tl))[index]}
    prediction = {"Tg": p_tg, "Trg": p_tg / p_tl, "gamma": p_tx / (p_tg + p_tl)}
    return {f"mae_{name}": float(np.nanmean(np.abs(prediction[name] - target[name]))) for name in target}


def property_lookup_accuracy(train: AlloyTable, heldout: AlloyTable, predict: PredictFunction) -> dict:
    """The same errors for the nearest-property training alloy (the look-up baseline)."""
    train_t, heldout_t = _standardised_temperatures(train, heldout)
    nearest = np.argmin(np.linalg.norm(heldout_t[:, None, :] - train_t[None, :, :], axis=-1), axis=1)
    vocabulary = ElementVocabulary.from_compositions(train.compositions)
    predicted = predict(vocabulary.elements, train.fractions(vocabulary)[nearest])
    Tg, Tx, Tl = temperatures(heldout)
    p_tg, p_tx, p_tl = (np.asarray(predicted[name], dtype=float) for name in TEMPERATURES)
    return {"mae_Tg": float(np.mean(np.abs(p_tg - Tg))), "mae_Trg": float(np.mean(np.abs(p_tg / p_tl - Tg / Tl))),
            "mae_gamma": float(np.mean(np.abs(p_tx / (p_tg + p_tl) - Tx / (Tg + Tl))))}


def benchmark_family(
    train: AlloyTable,
    heldout: AlloyTable,
    family: str,
    models: Sequence[str] | Mapping[str, GenerativeConfig],
    seed: int = 0,
    epochs: int | None = None,
    on_progress: ProgressCallback | None = None,
    predict: PredictFunction | None = None,
) -> dict:
    """Train each model on `train` (not saved) and score it; JSON-able.

    `models` names presets, or maps labels to configs (variants of a preset, for ablations);
    each model's epochs are reported to `on_progress` as the stage "<family> <label>: training".
    """
    from alloygan.models.generative.registry import train_generator

    configs = dict(models) if isinstance(models, Mapping) else {model: None for model in models}
    floor = None
    scores: dict[str, dict] = {}
    for model, config in configs.items():
        result = train_generator(config.model if config else model, family, seed=seed, epochs=epochs,
                                 on_progress=on_progress, table=train, config=config,
                                 stage=f"{family} {model}: training")
        generator = result.generator
        distribution = distribution_scores(generator, train, family, seed)
        floor = distribution["floor"]
        scores[model] = {
            **distribution["model"],
            **quality_scores(generator, train, family, seed),
            **rediscovery(generator, heldout, family, seed),
            "conditional_accuracy": None if predict is None else conditional_accuracy(generator, heldout, family, predict, seed),
            "epochs": generator.config.epochs,
            "training_seconds": result.seconds,
            "training_curve": result.history,
        }
    return {
        "n_train": len(train),
        "n_heldout": len(heldout),
        "heldout": [c.formula for c in heldout.compositions],
        "floor": floor,
        "baselines": {
            "rediscovery": rediscovery_baselines(train, heldout),
            "conditional_accuracy": None if predict is None else property_lookup_accuracy(train, heldout, predict),
        },
        "models": scores,
    }
