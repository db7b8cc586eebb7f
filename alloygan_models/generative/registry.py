"""Train, save, find and load generators: `train_generator` and `load_generator`.

A model lives in `alloygan_home()/models/generative/<model>-<family>/`:
`generator.pt` (the torch state_dict), `generator.npz` (the same tensors for the NumPy
sampler) and `model.json` (config, vocabulary, condition scaling, data hash, metrics,
training curves, versions, training time). A saved model is reused while the data hash,
the config digest, the seed and the format version are unchanged, and retrained otherwise.

Which families: a per-family model needs at least `MIN_FAMILY_ALLOYS` (30) alloys of
that base element (Fe, Zr, Cu, Ti, La, Mg, Ca, Ni, Pd, Ce with the shipped data). The
multi-family model (`family="all"`) is trained on every base element with at least
`MIN_MULTI_FAMILY_ALLOYS` (5) alloys and, for "ours", is conditioned on the base element,
so it also serves the smaller families (Ag, Pr, Co, Gd, Au).
Importing this module does not import torch; only training does.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from alloygan.models.dataset import AlloyTable, load_alloy_table
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.generative.conditions import ConditionScaling
from alloygan.models.generative.config import GENERATIVE_MODELS, GenerativeConfig, default_config
from alloygan.models.generative.sampler import META_FILE, STATE_FILE, WEIGHTS_FILE, Generator
from alloygan.knowledge_base.paths import alloygan_home

MODEL_FORMAT_VERSION = 1
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
    directory: Path | None = None


def model_directory(model: str, family: str) -> Path:
    return alloygan_home() / "models" / "generative" / f"{model}-{family}"


def _check_model(model: str) -> None:
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
    on_progress=None,
    table: AlloyTable | None = None,
    config: GenerativeConfig | None = None,
    save: bool = True,
) -> TrainingResult:
    """Train a generator for a family ("all" for the multi-family model); save it unless `save=False`.

    `table` replaces the knowledge base as the data (the bench passes its training split);
    `config` replaces the preset of `model`; `epochs` overrides the config's epochs.
    """
    from alloygan.models import metrics
    from alloygan.models.generative.train import fit_gan, make_evaluator

    _check_model(model)
    config = config or default_config(model, family)
    if config.model != model:
        raise ValueError(f"config is for {config.model!r} but model is {model!r}")
    if epochs is not None:
        config = config.updated(epochs=int(epochs))
    data = family_table(family, table)
    vocabulary, scaling, fractions, conditions = training_inputs(config, data)
    evaluate = make_evaluator(fractions.astype(np.float64), conditions, config.noise_dim, seed)
    trained = fit_gan(config, fractions, conditions, seed=seed, on_progress=on_progress, evaluate=evaluate)
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
        "version": MODEL_FORMAT_VERSION,
        "model": model,
        "family": family,
        "families": list(families),
        "config": config.to_dict(),
        "config_digest": config.digest(),
        "seed": seed,
        "vocabulary": vocabulary.to_list(),
        "condition_scaling": scaling.to_dict(),
        "data_hash": data.data_hash(),
        "metrics": result_metrics,
        "history": trained.history,
        "training_seconds": round(trained.seconds, 3),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    generator = Generator(weights, config, vocabulary, scaling, family, families, metadata)
    directory = _save(trained.generator.state_dict(), weights, metadata, model_directory(model, family)) if save else None
    return TrainingResult(generator, trained.generator, result_metrics, trained.history, trained.seconds, directory)


def _versions() -> dict:
    import torch

    from importlib.metadata import PackageNotFoundError, version

    try:
        alloygan = version("alloygan")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        alloygan = "unknown"
    return {"alloygan": alloygan, "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()}


def _save(state_dict: dict, weights: dict[str, np.ndarray], metadata: dict, directory: Path) -> Path:
    """Write the three files, each via a temporary name; model.json last, as the commit mark."""
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    (directory / META_FILE).unlink(missing_ok=True)  # a half-replaced model is never taken as valid
    temporary = directory / f".tmp-{STATE_FILE}"
    torch.save(state_dict, temporary)
    os.replace(temporary, directory / STATE_FILE)
    temporary = directory / f".tmp-{WEIGHTS_FILE}"
    np.savez(temporary, **weights)
    os.replace(temporary, directory / WEIGHTS_FILE)
    temporary = directory / f".tmp-{META_FILE}"
    temporary.write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    os.replace(temporary, directory / META_FILE)
    return directory


def saved_metadata(model: str, family: str) -> dict | None:
    path = model_directory(model, family) / META_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def stale_reason(metadata: dict | None, config: GenerativeConfig, data_hash: str, seed: int) -> str | None:
    """Why a saved model cannot be reused (None when it can)."""
    if metadata is None:
        return "no saved model"
    if metadata.get("version") != MODEL_FORMAT_VERSION:
        return f"saved in format v{metadata.get('version')}, current v{MODEL_FORMAT_VERSION}"
    if metadata.get("config_digest") != config.digest():
        return "the model's configuration changed"
    if metadata.get("data_hash") != data_hash:
        return "the training data changed"
    if metadata.get("seed") != seed:
        return f"trained with seed {metadata.get('seed')}, asked for {seed}"
    return None


def load_generator(
    model: str = "ours",
    family: str = "Zr",
    train_if_missing: bool = True,
    on_progress=None,
    seed: int = 0,
    table: AlloyTable | None = None,
) -> Generator:
    """The saved generator of (model, family), as a torch-free NumPy sampler.

    Trained first (and saved) when missing or stale (data or config changed) if
    `train_if_missing`; otherwise a missing or stale model raises FileNotFoundError.
    Pass `table` (the whole knowledge base as an AlloyTable) to skip reading the store.
    """
    _check_model(model)
    config = default_config(model, family)
    data = family_table(family, table)
    reason = stale_reason(saved_metadata(model, family), config, data.data_hash(), seed)
    if reason is None:
        return Generator.load(model_directory(model, family))
    if not train_if_missing:
        raise FileNotFoundError(f"no usable {model} generator for {family} ({reason}); train it with "
                                f"alloygan.models.generative.train_generator({model!r}, {family!r}) or `alloygan train`")
    return train_generator(model, family, seed=seed, on_progress=on_progress, table=data).generator


def load_network(model: str, family: str):
    """The saved torch generator (state_dict loaded with weights_only=True)."""
    import torch

    from alloygan.models.generative.model import CompositionGenerator

    directory = model_directory(model, family)
    metadata = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    config = GenerativeConfig.from_dict(metadata["config"])
    width = ConditionScaling.from_dict(metadata["condition_scaling"]).width
    network = CompositionGenerator(config, len(metadata["vocabulary"]), width)
    network.load_state_dict(torch.load(directory / STATE_FILE, weights_only=True))
    return network.eval()
