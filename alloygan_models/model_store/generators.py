"""A generator's files: `generator.pt` (torch state_dict), `generator.npz` (the same tensors for the
NumPy sampler) and `model.json` (fingerprint, config, vocabulary, condition scaling, metrics,
training curves, training time, library versions), in `models/generative/<model>-<family>/`.

Design reads only the .npz and the JSON (no torch import); `load_network` reads the
state_dict with `weights_only=True`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from alloygan.knowledge_base.paths import alloygan_home
from alloygan.knowledge_base.progress import ProgressCallback
from alloygan.models.dataset import AlloyTable
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.generative.conditions import ConditionScaling
from alloygan.models.generative.config import GenerativeConfig, default_config
from alloygan.models.generative.registry import TrainingResult, check_model, family_table, train_generator
from alloygan.models.generative.sampler import Generator
from alloygan.models.model_store.errors import FORCED, ModelCorrupt, ModelStoreError
from alloygan.models.model_store.files import (
    META_FILE,
    check_current,
    check_finite,
    load_arrays,
    load_state_dict,
    model_lock,
    read_metadata,
    save_arrays,
    saved_metadata,
    write_model,
)
from alloygan.models.model_store.report import ModelReport
from alloygan.models.model_store.versions import generator_fingerprint, library_versions

STATE_FILE = "generator.pt"
WEIGHTS_FILE = "generator.npz"


def generator_directory(model: str, family: str) -> Path:
    return alloygan_home() / "models" / "generative" / f"{model}-{family}"


def _what(model: str, family: str) -> str:
    return f"{model} generator for {family}"


def read_generator(directory: Path, what: str = "generator") -> Generator:
    """The generator saved in `directory` as it is, without asking whether it is current (see `load_generator`)."""
    metadata = read_metadata(directory, what)
    weights = load_arrays(directory / WEIGHTS_FILE, what, metadata)
    try:
        check_finite(metadata["condition_scaling"], "condition_scaling")
        for name, array in weights.items():
            if not np.isfinite(array).all():
                raise ValueError(f"{name} holds values that are not numbers")
        metadata["metrics"]["n_train"] = int(metadata["metrics"]["n_train"])  # what a report quotes
        metadata["training_seconds"] = float(metadata["training_seconds"])
        return Generator(weights, GenerativeConfig.from_dict(metadata["config"]),
                         ElementVocabulary(metadata["vocabulary"]),
                         ConditionScaling.from_dict(metadata["condition_scaling"]),
                         metadata["family"], metadata["families"], metadata)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelCorrupt(what, directory / WEIGHTS_FILE, f"its tensors and model.json do not fit: {error}") from None


def _current(model: str, family: str, table: AlloyTable | None, seed: int) -> tuple[AlloyTable, dict]:
    """The alloys a (model, family) trains on, and the fingerprint a saved one must have."""
    check_model(model)
    data = family_table(family, table)
    return data, generator_fingerprint(data.data_hash(), default_config(model, family).digest(), seed)


def load_generator(model: str = "ours", family: str = "Zr", table: AlloyTable | None = None, seed: int = 0) -> Generator:
    """The saved generator of (model, family), as a torch-free NumPy sampler. Never trains: raises
    ModelMissing, ModelStale (saying what changed) or ModelCorrupt, each naming `alloygan train`.

    `table` is the whole knowledge base as an AlloyTable (default: read from the store).
    """
    directory, what = generator_directory(model, family), _what(model, family)
    _, expected = _current(model, family, table, seed)
    check_current(read_metadata(directory, what), expected, what, directory)
    return read_generator(directory, what)


def save_generator(result: TrainingResult) -> Path:
    """Write a trained generator (its preset is in its config); returns its directory."""
    import torch

    generator = result.generator
    state = result.network.state_dict()
    weights = {name: tensor.detach().cpu().numpy() for name, tensor in state.items()}
    metadata = {
        "fingerprint": generator_fingerprint(result.data_hash, generator.config.digest(), result.seed),
        **generator.metadata,
        "versions": library_versions(),
    }
    directory = generator_directory(generator.model, generator.family)
    write_model(directory, {STATE_FILE: lambda path: torch.save(state, path),
                            WEIGHTS_FILE: lambda path: save_arrays(path, weights)}, metadata)
    generator.metadata = metadata
    return directory


def ensure_generator(model: str = "ours", family: str = "Zr", table: AlloyTable | None = None, seed: int = 0,
                     on_progress: ProgressCallback | None = None, force: bool = False) -> tuple[Generator, ModelReport]:
    """The generator of (model, family), trained (and saved) when missing, stale or refused, or always with
    `force` (`alloygan train --force`).

    The report says which: "reused", or "trained" with the reason; the training's epochs
    are reported to `on_progress` as "training the <model> generator for <family> (<reason>)".
    """
    directory, what = generator_directory(model, family), _what(model, family)
    data, expected = _current(model, family, table, seed)
    try:  # a current model is read without the writers' lock: a read-only home still serves it
        if not force:
            check_current(read_metadata(directory, what), expected, what, directory)
            generator = read_generator(directory, what)
            return generator, _report(generator.metadata, model, family, "reused", "", directory)
    except ModelStoreError:
        pass
    with model_lock(directory):
        try:
            if force:
                raise ModelStoreError(what, FORCED, FORCED)
            check_current(read_metadata(directory, what), expected, what, directory)
            generator = read_generator(directory, what)
            return generator, _report(generator.metadata, model, family, "reused", "", directory)
        except ModelStoreError as why:
            reason = why.reason
        result = train_generator(model, family, seed=seed, on_progress=on_progress, table=data,
                                 stage=f"training the {what} ({reason})")
        save_generator(result)
    return result.generator, _report(result.generator.metadata, model, family, "trained", reason, directory)


def _report(metadata: dict, model: str, family: str, action: str, reason: str, directory: Path) -> ModelReport:
    return ModelReport(model, family, action, reason, metadata["metrics"]["n_train"],  # type: ignore[arg-type]
                       metadata["training_seconds"], str(metadata.get("trained_at", "")), directory)


def load_network(model: str, family: str):
    """The saved torch generator of (model, family) (state_dict read with `weights_only=True`)."""
    from alloygan.models.generative.model import CompositionGenerator

    directory, what = generator_directory(model, family), _what(model, family)
    metadata = read_metadata(directory, what)
    state = load_state_dict(directory / STATE_FILE, what, metadata)
    try:
        config = GenerativeConfig.from_dict(metadata["config"])
        width = ConditionScaling.from_dict(metadata["condition_scaling"]).width
        network = CompositionGenerator(config, len(metadata["vocabulary"]), width)
        network.load_state_dict(state)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ModelCorrupt(what, directory / STATE_FILE, f"its tensors and {META_FILE} do not fit: {error}") from None
    return network.eval()


def generator_metadata(model: str, family: str) -> dict | None:
    """The saved `model.json` of (model, family) (None when there is none), for reports and figures."""
    return saved_metadata(generator_directory(model, family))
