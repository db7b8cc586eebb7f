"""Training generators: `train_generator`, and which alloys a model of a family trains on.

Saving, finding and loading are the model store's (`alloygan_models/model_store`): a model
lives in `alloygan_home()/models/generative/<model>-<family>/`; `load_generator` never
trains, `ensure_generator` trains what is missing or stale and says so.

Which families: a per-family model needs at least `MIN_FAMILY_ALLOYS` (30) alloys of
that base element (Fe, Zr, Cu, Ti, La, Mg, Ca, Ni, Pd, Ce with the shipped data). The
multi-family model (`family="all"`) is trained on every base element with at least
`MIN_MULTI_FAMILY_ALLOYS` (5) alloys and, for "ours", is conditioned on the base element,
so it also serves the smaller families (Ag, Pr, Co, Gd, Au).
Importing this module does not import torch; only training does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from alloygan.models.dataset import AlloyTable, load_alloy_table
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.generative.conditions import ConditionScaling
from alloygan.models.generative.config import GENERATIVE_MODELS, GenerativeConfig, default_config
from alloygan.models.generative.sampler import Generator
from alloygan.knowledge_base.progress import ProgressCallback

MIN_FAMILY_ALLOYS = 30
MIN_MULTI_FAMILY_ALLOYS = 5
ALL_FAMILIES = "all"


@dataclass
class TrainingResult:
    generator: Generator  # the NumPy sampler
    network: object  # the torch CompositionGenerator (for tests and further analysis)
    metrics: dict
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    data_hash: str = ""  # of the alloys it was trained on
    seed: int = 0


def check_model(model: str) -> None:
    """A known generative model name, else ValueError listing them."""
    if model not in GENERATIVE_MODELS:
        raise ValueError(f"unknown generative model {model!r}; use one of {', '.join(GENERATIVE_MODELS)}")


def family_table(family: str, table: AlloyTable | None = None) -> AlloyTable:
    """The alloys a model of `family` trains on ("all": every base element with enough alloys)."""
    table = load_alloy_table() if table is None else table
    counts = table.frame["base_element"].value_counts()
    if family == ALL_FAMILIES:
        kept = counts[counts >= MIN_MULTI_FAMILY_ALLOYS].index
        if len(kept) == 0:
            raise ValueError(f"no base element has {MIN_MULTI_FAMILY_ALLOYS} alloys; add data to the knowledge base")
        return table.subset(table.frame["base_element"].isin(kept).to_numpy())
    found = int(counts.get(family, 0))
    if found < MIN_FAMILY_ALLOYS:
        big = ", ".join(counts[counts >= MIN_FAMILY_ALLOYS].index)
        raise ValueError(f"family {family!r} has {found} alloys; a per-family generator needs at least "
                         f"{MIN_FAMILY_ALLOYS} (families with enough: {big}); use family='all'")
    return table.select(base=family)


def _families(table: AlloyTable) -> tuple[str, ...]:
    counts = table.frame["base_element"].value_counts()
    return tuple(sorted(counts.index, key=lambda f: (-counts[f], f)))


def training_inputs(config: GenerativeConfig, table: AlloyTable) -> tuple[ElementVocabulary, ConditionScaling, np.ndarray, np.ndarray]:
    """Vocabulary, fitted condition scaling, (n, V) fractions and (n, width) conditions of a table."""
    vocabulary = ElementVocabulary(config.vocabulary) if config.vocabulary else ElementVocabulary.from_compositions(table.compositions)
    families = _families(table)
    frame = table.frame
    scaling = ConditionScaling.fit(config.condition_features, frame["Tg"], frame["Tx"], frame["Tl"],
                                   families if config.family_condition else (), config.condition_clip)
    conditions = scaling.transform(frame["Tg"], frame["Tx"], frame["Tl"],
                                   list(frame["base_element"]) if scaling.families else None)
    return vocabulary, scaling, table.fractions(vocabulary).astype(np.float32), conditions


def train_generator(
    model: str = "ours",
    family: str = "Zr",
    seed: int = 0,
    epochs: int | None = None,
    on_progress: ProgressCallback | None = None,
    table: AlloyTable | None = None,
    config: GenerativeConfig | None = None,
    stage: str | None = None,
) -> TrainingResult:
    """Train a generator for a family ("all" for the multi-family model); nothing is saved
    (`model_store.save_generator` does that).

    `table` replaces the knowledge base as the data (the bench passes its training split);
    `config` replaces the preset of `model`; `epochs` overrides the config's epochs. Every
    epoch is reported to `on_progress` as `stage` (default "training the <model> generator
    for <family>"), done/total epochs.
    """
    from alloygan.models import metrics
    from alloygan.models.generative.train import fit_gan, make_evaluator

    check_model(model)
    config = config or default_config(model, family)
    if config.model != model:
        raise ValueError(f"config is for {config.model!r} but model is {model!r}")
    if epochs is not None:
        config = config.updated(epochs=int(epochs))
    data = family_table(family, table)
    vocabulary, scaling, fractions, conditions = training_inputs(config, data)
    evaluate = make_evaluator(fractions.astype(np.float64), conditions, config.noise_dim, seed)
    trained = fit_gan(config, fractions, conditions, seed=seed, on_progress=on_progress, evaluate=evaluate,
                      stage=stage or f"training the {model} generator for {family}")
    counts = data.frame["n_elements"]
    result_metrics = {
        **trained.final_metrics(),
        "n_train": len(data),
        "n_elements_range": [int(counts.min()), int(counts.max())],
        "floor": metrics.sampling_floor(fractions.astype(np.float64), seed=seed) if len(data) >= 4 else None,
    }
    weights = {name: tensor.detach().cpu().numpy() for name, tensor in trained.generator.state_dict().items()}
    families = _families(data)
    metadata = {
        "model": model,
        "family": family,
        "families": list(families),
        "config": config.to_dict(),
        "seed": seed,
        "vocabulary": vocabulary.to_list(),
        "condition_scaling": scaling.to_dict(),
        "metrics": result_metrics,
        "history": trained.history,
        "training_seconds": round(trained.seconds, 3),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    generator = Generator(weights, config, vocabulary, scaling, family, families, metadata)
    return TrainingResult(generator, trained.generator, result_metrics, trained.history, trained.seconds,
                          data.data_hash(), seed)
