"""The forward property model: fitting, predicting with uncertainty, persistence, bad inputs."""
from __future__ import annotations

import numpy as np
import pytest

from alloygan_models.constraints import PropertyRange
from alloygan_models.dataset import load_alloy_table
from alloygan_models.forward import ForwardModel, PropertyPrediction, load_forward_model
from alloygan_models.forward.registry import model_directory, saved_metadata
from knowledge_base.composition import Composition


@pytest.fixture(scope="module")
def zr_table():
    return load_alloy_table().select(base="Zr")


@pytest.fixture(scope="module")
def model(zr_table):
    return ForwardModel(n_estimators=16, random_state=0).fit_table(zr_table)


def test_prediction_shapes_and_consistency(model, zr_table):
    compositions = zr_table.compositions[:5]
    prediction = model.predict_compositions(compositions, ["Tg", "Tx", "Tl", "Trg", "gamma", "ΔTx"])
    assert set(prediction.mean) == {"Tg", "Tx", "Tl", "Trg", "gamma", "dTx"}  # aliases resolved
    assert all(v.shape == (5,) for v in prediction.mean.values())
    # a training alloy is reproduced exactly (every tree holds it), with no spread
    truth = zr_table.frame[["Tg", "Tx", "Tl"]].to_numpy()[:5]
    np.testing.assert_allclose(prediction.mean["Tg"], truth[:, 0], rtol=1e-5)  # leaf values are float32
    np.testing.assert_allclose(prediction.mean["Trg"], truth[:, 0] / truth[:, 2], rtol=1e-5)
    assert np.all(prediction.std["Tg"] < 1e-2)


def test_uncertainty_grows_away_from_the_data(model):
    near = Composition.parse("Zr55Cu30Al10Ni5")  # a classic, close to many training alloys
    far = Composition.parse("Zr20Cu20Al20Ni20Ag20")
    prediction = model.predict_compositions([near, far], ["Tg", "Trg"])
    assert prediction.std["Tg"][1] > prediction.std["Tg"][0]
    assert 0.45 < prediction.mean["Trg"][0] < 0.75


def test_same_seed_same_model(zr_table):
    a = ForwardModel(n_estimators=8, random_state=3).fit_table(zr_table)
    b = ForwardModel(n_estimators=8, random_state=3).fit_table(zr_table)
    x = a.encode([Composition.parse("Zr60Cu25Al10Ni5")])
    assert a.predict(x, ["Tg"]).mean["Tg"][0] == b.predict(x, ["Tg"]).mean["Tg"][0]
    np.testing.assert_array_equal(a.calibration_, b.calibration_)


def test_calibration_factors_are_sane(model):
    assert model.calibration_.shape == (3,)
    assert np.all((model.calibration_ >= 0.25) & (model.calibration_ <= 20))


def test_probability_of_a_range():
    prediction = PropertyPrediction({"Trg": np.array([0.60, 0.65, 0.55])}, {"Trg": np.array([0.01, 0.025, 0.0])})
    p = prediction.probability(PropertyRange(property="Trg", min=0.6))
    np.testing.assert_allclose(p, [0.5, 0.97725, 0.0], atol=1e-4)  # Φ(0), Φ(2), a certain miss
    both = prediction.probability(PropertyRange(property="Trg", min=0.6, max=0.7))
    np.testing.assert_allclose(both[1], 0.97725 - 0.02275, atol=1e-4)  # Φ(2) - Φ(-2)


def test_bad_inputs(model):
    with pytest.raises(ValueError, match="no training alloy contains"):
        model.encode([Composition.parse("Zr50Pu50")])
    with pytest.raises(ValueError, match="columns"):
        model.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        ForwardModel().fit([Composition.parse("Zr50Cu50")], np.ones((2, 3)))
    with pytest.raises(KeyError, match="unknown thermodynamic property"):
        model.predict(model.encode([Composition.parse("Zr50Cu50")]), ["nonsense"])


def test_saved_model_is_reused_and_retrained_when_data_change(fresh_home):
    table = load_alloy_table().select(base="Cu")
    first = load_forward_model(table=table)
    metadata = saved_metadata()
    assert (model_directory() / "model.joblib").is_file() and metadata["n_alloys"] == len(table)
    again = load_forward_model(table=table, train_if_missing=False)
    x = first.encode([Composition.parse("Cu50Zr45Al5")])
    assert again.predict(x).mean["Tg"][0] == first.predict(x).mean["Tg"][0]
    smaller = table.subset(np.arange(len(table) - 1))
    with pytest.raises(FileNotFoundError, match="alloygan train"):
        load_forward_model(table=smaller, train_if_missing=False)
    load_forward_model(table=smaller)
    assert saved_metadata()["n_alloys"] == len(table) - 1
