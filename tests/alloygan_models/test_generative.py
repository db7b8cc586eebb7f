"""Generators: shapes, seeds, the NumPy sampler against torch, save/load/reuse through the model store, bad inputs.

Models here are tiny (few epochs, narrow layers) so the whole file runs in seconds.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from alloygan.models.dataset import load_alloy_table
from alloygan.models.generative import GENERATIVE_MODELS, Generator, default_config, train_generator
from alloygan.models.generative import config as config_module
from alloygan.models.model_store import generators as store_generators
from alloygan.models.model_store import (
    ModelMissing,
    ModelStale,
    ensure_generator,
    generator_directory,
    load_generator,
    load_network,
    read_generator,
    save_generator,
)
from alloygan.models.generative.model import gated_softmax as torch_gated_softmax
from alloygan.models.generative.model import sparsemax as torch_sparsemax
from alloygan.models.generative.sampler import gated_softmax as numpy_gated_softmax
from alloygan.models.generative.sampler import sparsemax as numpy_sparsemax

FAMILY = "Pd"  # a small family (36 alloys) keeps training fast


def tiny(model: str, **changes):
    narrow = {"generator_hidden": (32,), "discriminator_hidden": (32,), "epochs": 2, "eval_every": 1}
    if default_config(model).batch_size < 8:
        narrow["batch_size"] = 8
    return default_config(model).updated(**{**narrow, **changes})


@pytest.fixture(scope="module")
def table():
    return load_alloy_table()


@pytest.fixture(scope="module")
def trained(table):
    return {model: train_generator(model, FAMILY, table=table, config=tiny(model)) for model in GENERATIVE_MODELS}


@pytest.mark.parametrize("model", GENERATIVE_MODELS)
def test_sample_shapes(trained, model):
    generator = trained[model].generator
    Tg, Tx, Tl = np.array([600.0, 610.0, 620.0]), np.array([650.0, 660.0, 670.0]), np.array([900.0, 950.0, 1000.0])
    amounts = generator.sample(Tg, Tx, Tl, family=FAMILY, seed=0)
    assert amounts.shape == (3, len(generator.vocabulary))
    assert np.all(amounts >= 0) and np.all(np.isfinite(amounts))
    assert generator.family == FAMILY and generator.families == (FAMILY,)
    assert FAMILY in generator.vocabulary
    assert np.array_equal(amounts, generator.sample(Tg, Tx, Tl, seed=0))  # the model's own family by default
    assert trained[model].history and {"kl", "js", "w1_element", "w1_pca"} <= trained[model].history[-1].keys()


@pytest.mark.parametrize("model", GENERATIVE_MODELS)
def test_numpy_sampler_equals_torch(trained, model):
    result = trained[model]
    generator, network = result.generator, result.network.eval()
    rng = np.random.default_rng(5)
    noise = rng.standard_normal((257, generator.config.noise_dim)).astype(np.float32)
    condition = generator.conditions(rng.uniform(500, 700, 257), rng.uniform(720, 800, 257), rng.uniform(900, 1200, 257))
    with torch.no_grad():
        expected = network(torch.from_numpy(noise), torch.from_numpy(condition)).numpy()
    assert np.allclose(generator.forward(noise, condition), expected, atol=1e-5)


def test_simplex_projections_match_torch():
    logits = np.random.default_rng(0).normal(size=(64, 18)).astype(np.float32) * 2
    projected = numpy_sparsemax(logits)
    assert np.allclose(projected, torch_sparsemax(torch.from_numpy(logits)).numpy(), atol=1e-6)
    assert np.allclose(projected.sum(axis=1), 1.0, atol=1e-5) and (projected == 0).any()
    gated = numpy_gated_softmax(logits)
    assert np.allclose(gated, torch_gated_softmax(torch.from_numpy(logits)).numpy(), atol=1e-6)
    assert np.allclose(gated.sum(axis=1), 1.0, atol=1e-5) and (gated == 0).any()


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "sparsemax", "gated"])
def test_every_output_layer_numpy_equals_torch(table, output):
    result = train_generator("ours", FAMILY, table=table, config=tiny("ours", output=output))
    generator = result.generator
    noise = np.random.default_rng(1).standard_normal((50, generator.config.noise_dim)).astype(np.float32)
    condition = generator.conditions(np.full(50, 600.0), np.full(50, 650.0), np.full(50, 1000.0))
    with torch.no_grad():
        expected = result.network.eval()(torch.from_numpy(noise), torch.from_numpy(condition)).numpy()
    assert np.allclose(generator.forward(noise, condition), expected, atol=1e-5)


def test_same_seed_same_weights_and_samples(table):
    first, second, other = (train_generator("cgan", FAMILY, seed=seed, table=table, config=tiny("cgan"))
                            for seed in (3, 3, 4))
    for name, tensor in first.network.state_dict().items():
        assert torch.equal(tensor, second.network.state_dict()[name]), name
    assert not torch.equal(first.network.head.weight, other.network.head.weight)
    args = ([600.0, 640.0], [650.0, 690.0], [1000.0, 1050.0])
    assert np.array_equal(first.generator.sample(*args, seed=9), second.generator.sample(*args, seed=9))
    assert not np.array_equal(first.generator.sample(*args, seed=9), first.generator.sample(*args, seed=10))


def test_multi_family_model_conditions_on_base_element(table):
    two = table.subset(table.frame["base_element"].isin(["Pd", "Ni"]).to_numpy())
    result = train_generator("ours", "all", table=two, config=tiny("ours"))
    generator = result.generator
    assert generator.family == "all" and set(generator.families) == {"Pd", "Ni"}
    for family in ("Pd", "Ni"):
        assert generator.sample([600.0], [650.0], [1000.0], family=family).shape == (1, len(generator.vocabulary))
    per_row = generator.sample([600.0, 600.0], [650.0, 650.0], [1000.0, 1000.0], family=["Pd", "Ni"])
    assert per_row.shape[0] == 2
    with pytest.raises(ValueError, match="cannot condition on base element Zr"):
        generator.sample([600.0], [650.0], [1000.0], family="Zr")
    with pytest.raises(ValueError, match="name the base element"):
        generator.sample([600.0], [650.0], [1000.0])


def test_bad_inputs_raise_clear_errors(trained, table):
    with pytest.raises(ValueError, match="unknown generative model 'vae'"):
        train_generator("vae", FAMILY, table=table)
    with pytest.raises(ValueError, match="unknown generative model"):
        load_generator("vae", FAMILY)
    with pytest.raises(ValueError, match="family 'Xe' has 0 alloys"):
        train_generator("cgan", "Xe", table=table)
    with pytest.raises(ValueError, match="at least 30"):
        train_generator("cgan", "Au", table=table)
    generator = trained["cgan"].generator
    with pytest.raises(ValueError, match="same length"):
        generator.sample([600.0, 610.0], [650.0], [1000.0, 1010.0, 1020.0])
    with pytest.raises(ValueError, match="cannot condition on base element Zr"):
        generator.sample([600.0], [650.0], [1000.0], family="Zr")
    with pytest.raises(ValueError, match="noise must have shape"):
        generator.forward(np.zeros((2, 3)), np.zeros((2, generator.scaling.width)))
    with pytest.raises(ValueError, match="kelvin"):
        generator.sample([-1.0], [650.0], [1000.0])


def test_save_load_reuse_and_retrain(fresh_home, table, monkeypatch):
    monkeypatch.setitem(config_module.PRESETS, "cgan", tiny("cgan"))
    with pytest.raises(ModelMissing, match="alloygan train"):
        load_generator("cgan", FAMILY, table=table)  # loading never trains
    generator, report = ensure_generator("cgan", FAMILY, table=table)
    assert report.trained and report.reason == "no saved model" and report.n_alloys == len(table.select(base=FAMILY))
    directory = generator_directory("cgan", FAMILY)
    assert str(directory).startswith(str(fresh_home))
    metadata = json.loads((directory / "model.json").read_text())
    for key in ("fingerprint", "config", "vocabulary", "condition_scaling", "metrics", "versions", "training_seconds",
                "history"):
        assert key in metadata
    state = torch.load(directory / "generator.pt", weights_only=True)
    with np.load(directory / "generator.npz", allow_pickle=False) as archive:
        assert set(archive.files) == set(state)
        for name in state:
            assert np.array_equal(archive[name], state[name].numpy())
    network = load_network("cgan", FAMILY)
    assert torch.equal(network.head.weight, state["head.weight"])

    # unchanged data and config: reused, never retrained
    def no_training(*args, **kwargs):
        raise AssertionError("retrained although nothing changed")

    monkeypatch.setattr(store_generators, "train_generator", no_training)
    again, report = ensure_generator("cgan", FAMILY, table=table)
    assert report.action == "reused" and report.reason == "" and report.trained_at == metadata["trained_at"]
    assert np.array_equal(again.sample([600.0], [650.0], [1000.0]), generator.sample([600.0], [650.0], [1000.0]))
    assert np.array_equal(load_generator("cgan", FAMILY, table=table).sample([600.0], [650.0], [1000.0]),
                          generator.sample([600.0], [650.0], [1000.0]))

    # the data changed (one Pd alloy fewer): stale
    keep = np.ones(len(table), dtype=bool)
    keep[np.flatnonzero(table.frame["base_element"] == FAMILY)[0]] = False
    changed = table.subset(keep)
    with pytest.raises(ModelStale, match="training data changed"):
        load_generator("cgan", FAMILY, table=changed)
    with pytest.raises(AssertionError, match="retrained"):
        ensure_generator("cgan", FAMILY, table=changed)
    monkeypatch.setattr(store_generators, "train_generator", train_generator)  # (undo() would also undo the home)
    retrained, report = ensure_generator("cgan", FAMILY, table=changed)
    assert report.trained and report.reason == "the training data changed"
    assert retrained.metadata["fingerprint"]["data_hash"] != metadata["fingerprint"]["data_hash"]
    # the config changed: stale too
    monkeypatch.setitem(config_module.PRESETS, "cgan", tiny("cgan", epochs=3))
    with pytest.raises(ModelStale, match="configuration changed"):
        load_generator("cgan", FAMILY, table=changed)
    # another seed: stale, saying so
    monkeypatch.setitem(config_module.PRESETS, "cgan", tiny("cgan"))
    with pytest.raises(ModelStale, match="trained with seed 0, asked for 1"):
        load_generator("cgan", FAMILY, table=changed, seed=1)


def test_sampling_does_not_import_torch(fresh_home, table):
    save_generator(train_generator("ours", FAMILY, table=table, config=tiny("ours")))
    code = (
        "import sys\n"
        "from alloygan.models.model_store import generator_directory, read_generator\n"
        f"g = read_generator(generator_directory('ours', {FAMILY!r}))\n"
        "x = g.sample([600.0] * 5, [650.0] * 5, [1000.0] * 5)\n"
        "assert x.shape[0] == 5\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ALLOYGAN_HOME": str(fresh_home)},
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert isinstance(read_generator(generator_directory("ours", FAMILY)), Generator)
