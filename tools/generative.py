"""Generative models as plain functions with JSON-able results (the CLI and agent tools share them)."""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.tools.errors import ToolInputError

BENCH_FAMILIES = ("Cu", "Fe", "Ti", "Zr")

# AlloyGAN's Fig. 3 (Cu family): Wasserstein distance between generated and real alloys on
# its 2-D PCA plot. Its PCA scaling and sample sizes are not stated, so the values are not
# on the same scale as ours; the order of the models is what can be compared.
PAPER_WASSERSTEIN_CU = {"cgan": 0.41, "gan": 0.48, "gan-plus": 0.60}


def name_list(value: str | Sequence[str] | None, default: Sequence[str], flag: str) -> list[str]:
    """"Cu,Fe" or ["Cu", "Fe"] -> names (`default` when None); an empty list is an error naming `flag`."""
    if value is None:
        return list(default)
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [item.strip() for item in items if item.strip()]
    if not names:
        raise ToolInputError(f"{flag} is empty; give e.g. {flag} {','.join(default)}")
    return names


def _forward_predictor(table, heldout_formulas: set[str]):
    """predict(elements, fractions) -> {"Tg","Tx","Tl": (n,)} by a forward model trained without the
    held-out alloys (rows with an element it never saw are NaN); None when no forward model exists."""
    try:
        from alloygan.models.forward import train_forward_model
    except ImportError:
        return None, "conditional accuracy skipped: no forward model (alloygan_models.forward) available"
    keep = np.array([formula not in heldout_formulas for formula in table.frame["formula"]])
    model = train_forward_model(table.subset(keep))
    known = model.vocabulary_

    def predict(elements: Sequence[str], fractions: np.ndarray) -> dict[str, np.ndarray]:
        fractions = np.asarray(fractions, dtype=float)
        inside = [j for j, e in enumerate(elements) if e in known]
        encoded = np.zeros((len(fractions), len(known)))
        encoded[:, [known.index(elements[j]) for j in inside]] = fractions[:, inside]
        unseen = fractions.sum(axis=1) - encoded.sum(axis=1) > 1e-9
        mean = model.predict(encoded).mean
        return {name: np.where(unseen, np.nan, values) for name, values in mean.items()}

    return predict, (f"conditional accuracy: forward model trained on {int(keep.sum())} alloys "
                     f"(the knowledge base without the {len(heldout_formulas)} held-out alloys)")


def model_list(value: str | Sequence[str] | None, default: Sequence[str]) -> list[str]:
    """--models as a list of known generative models (`default` when None), in the order given."""
    from alloygan.models.generative import GENERATIVE_MODELS

    names = list(dict.fromkeys(name_list(value, default, "--models")))
    unknown = [m for m in names if m not in GENERATIVE_MODELS]
    if unknown:
        raise ToolInputError(f"--models {','.join(unknown)}: unknown; use some of {','.join(default)}")
    return names


def check_families(family_names: Sequence[str], table) -> None:
    """Each name must be a base element with enough alloys for a generator of its own."""
    from alloygan.models.generative import MIN_FAMILY_ALLOYS

    counts = table.frame["base_element"].value_counts()
    small = [f for f in family_names if counts.get(f, 0) < MIN_FAMILY_ALLOYS]
    if small:
        big = ",".join(counts[counts >= MIN_FAMILY_ALLOYS].index)
        raise ToolInputError(f"--families {','.join(small)}: not a base element with at least {MIN_FAMILY_ALLOYS} "
                             f"alloys (a generator needs them); use some of {big}")


def bench_generative(
    families: str | Sequence[str] | None = None,
    models: str | Sequence[str] | None = None,
    seed: int = 0,
    epochs: int | None = None,
    on_progress: ProgressCallback | None = None,
    ablation: bool = False,
) -> dict:
    """GAN, GAN+, paper CGAN and ours per family: distribution metrics against the sampling floor,
    validity, uniqueness, novelty, rediscovery of held-out alloys and conditional accuracy.

    With `ablation`, the models are our generator and its variants with one change each
    (`alloygan_models.generative.config.ABLATIONS`) instead of the four presets."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.generative import GENERATIVE_MODELS, default_config
    from alloygan.models.generative import evaluation
    from alloygan.models.generative.config import ABLATIONS

    family_names = name_list(families, BENCH_FAMILIES, "--families")
    if ablation and models is not None:
        raise ToolInputError("--ablation runs its own list of variants; leave out --models")
    model_names = list(ABLATIONS) if ablation else model_list(models, GENERATIVE_MODELS)
    chosen = dict(ABLATIONS) if ablation else model_names
    if epochs is not None and epochs < 1:
        raise ToolInputError(f"--epochs {epochs}: must be at least 1")
    table = load_alloy_table()
    check_families(family_names, table)
    started = time.perf_counter()
    splits = {f: evaluation.split_heldout(table.select(base=f), seed=seed) for f in family_names}
    heldout_formulas = {formula for _, heldout in splits.values() for formula in heldout.frame["formula"]}
    predict, forward_note = _forward_predictor(table, heldout_formulas)
    results = {}
    for family, (train, heldout) in splits.items():
        results[family] = evaluation.benchmark_family(train, heldout, family, chosen, seed, epochs, on_progress, predict)
    return {
        "seed": seed,
        "families": results,
        "epochs": {m: epochs or (ABLATIONS[m] if ablation else default_config(m)).epochs for m in model_names},
        "paper": {"wasserstein_pca_cu": PAPER_WASSERSTEIN_CU},
        "protocol": {
            "heldout_share": evaluation.HELDOUT_SHARE,
            "splits": evaluation.N_SPLITS,
            "quality_samples": evaluation.N_QUALITY,
            "rediscovery_samples": evaluation.N_REDISCOVERY,
            "rediscovery_at_pct": evaluation.REDISCOVERY_AT_PCT,
            "accuracy_samples": evaluation.N_ACCURACY,
            "definitions": "alloygan_models/metrics.py and alloygan_models/generative/evaluation.py docstrings",
        },
        "notes": [
            forward_note,
            "Distribution metrics: metric(half B, G(conditions of half A)) vs the floor metric(B, A), equal sizes, "
            "mean of 5 random halvings of the training alloys.",
            "The paper's W (Cu: CGAN 0.41, GAN 0.48, GAN+ 0.60) is on its own PCA plot of unstated scaling; ours is "
            "exact 2-D W1 on a PCA of unscaled atomic fractions, so compare the order, not the values.",
            *([f"epochs overridden to {epochs} for every model (bench only)"] if epochs else []),
        ],
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def train_generative(model: str = "ours", family: str = "Zr", seed: int = 0, epochs: int | None = None,
                     on_progress: ProgressCallback | None = None) -> dict:
    """Train (and save) one generator; its metrics, training time and where it was saved."""
    from alloygan.models.generative import train_generator
    from alloygan.models.model_store import generator_directory, save_generator
    from alloygan.models.model_store.files import model_lock

    try:
        result = train_generator(model, family, seed=seed, epochs=epochs, on_progress=on_progress)
    except ValueError as error:
        raise ToolInputError(str(error)) from None
    with model_lock(generator_directory(result.generator.model, result.generator.family)):  # one writer at a time
        directory = save_generator(result)
    return {"model": model, "family": family, "seed": seed, "metrics": result.metrics,
            "training_seconds": round(result.seconds, 2), "saved_to": str(directory),
            "families": list(result.generator.families), "elements": list(result.generator.vocabulary.elements)}
