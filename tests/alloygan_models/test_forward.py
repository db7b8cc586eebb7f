"""The forward property model: fitting, predicting with uncertainty, bad inputs (saving: test_model_store.py)."""
from __future__ import annotations

import numpy as np
import pytest

from alloygan.models.constraints import PropertyRange
from alloygan.models.dataset import load_alloy_table
from alloygan.models.forward import ForwardModel, PropertyPrediction
from alloygan.knowledge_base.composition import Composition


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
    # a training alloy is reproduced (every tree holds it) but never with ±0: the fitted floor of the
    # out-of-fold error (measurement scatter) remains; the floor's samples shift the mean of Tg = Trg·Tl a little
    truth = zr_table.frame[["Tg", "Tx", "Tl"]].to_numpy()[:5]
    np.testing.assert_allclose(prediction.mean["Tg"], truth[:, 0], rtol=2e-3)
    np.testing.assert_allclose(prediction.mean["Trg"], truth[:, 0] / truth[:, 2], rtol=1e-5)
    assert np.all(prediction.std["Tg"] > 1.0) and np.all(prediction.std["Trg"] > 1e-3)


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
    assert model.calibration_.shape == (3, 7)  # (a, b, c, q) and a correlation row per quantity
    a, b, c, q = model.calibration_[:, :4].T
    assert np.all((a > 0.1) & (a < 20)) and np.all(b >= 0) and np.all(c >= 1e-3) and np.all((q >= 0.25) & (q <= 1.5))
    correlation = model.calibration_[:, 4:]
    np.testing.assert_allclose(np.diag(correlation), 1.0)
    np.testing.assert_allclose(correlation, correlation.T)


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


def test_gfa_scores_by_hand():
    from alloygan.models.forward.evaluation import gfa_scores

    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    predicted = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    s = gfa_scores(truth, predicted)
    # good class: 2 right of 3 predicted, 2 found of 3 -> P = R = F1 = 2/3; poor class: F1 = 6/7
    assert s["precision"] == s["recall"] == s["f1"] == round(2 / 3, 4)
    assert s["f1_weighted"] == round((3 * 2 / 3 + 7 * 6 / 7) / 10, 4) == 0.8  # support-weighted over the classes
    assert s["f1_macro"] == round((2 / 3 + 6 / 7) / 2, 4)
    assert s["accuracy"] == 0.8 and s["n_good"] == 3 and s["n"] == 10
    nothing_good = gfa_scores(np.zeros(4, bool), np.zeros(4, bool))  # no good alloy: the good-class F1 is 0, not an error
    assert nothing_good["f1"] == 0.0 and nothing_good["accuracy"] == 1.0


def test_splits_of_the_two_protocols():
    from alloygan.models.forward.evaluation import random_80_20_indices, system_folds

    table = load_alloy_table().select(base="Cu")
    train, test = random_80_20_indices(len(table), seed=3)
    assert len(test) == round(0.2 * len(table)) and not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(len(table)))
    np.testing.assert_array_equal(test, random_80_20_indices(len(table), seed=3)[1])  # seeded
    assert not np.array_equal(test, random_80_20_indices(len(table), seed=4)[1])
    systems = table.frame["system"].to_numpy()
    folds = system_folds(table)
    assert len(folds) == 5 and sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(len(table)))
    assert all(not set(systems[tr]) & set(systems[te]) for tr, te in folds)


@pytest.fixture(scope="module")
def small_benchmark():
    from alloygan.models.forward.evaluation import benchmark_forward

    return benchmark_forward(load_alloy_table().select(base="Cu"), seed=0, repeats=2)


@pytest.mark.slow  # a benchmark: both protocols, two seeds, eight forward models
def test_benchmark_reports_every_gfa_average(small_benchmark):
    for protocol in ("random_80_20", "grouped_by_system", "random_80_20_not_deduplicated"):
        gfa = small_benchmark[protocol]["GFA"]
        assert all(0 <= gfa[k] <= 1 for k in ("precision", "recall", "f1", "f1_weighted", "f1_macro", "accuracy"))
        # the averages are consistent: the poor class's F1 from the macro average gives the weighted one
        f1_poor = 2 * gfa["f1_macro"] - gfa["f1"]
        weighted = (gfa["n_good"] * gfa["f1"] + (gfa["n"] - gfa["n_good"]) * f1_poor) / gfa["n"]
        assert abs(weighted - gfa["f1_weighted"]) < 1e-3
    over_seeds = small_benchmark["random_80_20_over_seeds"]
    assert over_seeds["seeds"] == [0, 1]
    assert {"f1_weighted_mean", "f1_weighted_sd", "f1_macro_mean", "accuracy_mean"} <= set(over_seeds["GFA"])
    assert "weighted" in small_benchmark["protocol"]["GFA"] and small_benchmark["paper"]["GFA"]["average"] == "not stated"
    assert small_benchmark["random_80_20"]["Trg"]["r2"] > 0.3  # a working model even on 150 Cu alloys
    for protocol in ("random_80_20", "grouped_by_system"):  # ±1σ coverage of every scored property
        assert set(small_benchmark[protocol]["interval_coverage"]) == {"Tg", "Tx", "Tl", "Trg", "gamma"}
        assert all(0.3 <= v <= 1.0 for v in small_benchmark[protocol]["interval_coverage"].values())
    assert "leave_one_family_out" not in small_benchmark  # one family


@pytest.mark.slow  # prints the benchmark above
def test_bench_forward_prints_both_averages(run_cli, monkeypatch, small_benchmark):
    import alloygan.tools.prediction
    from alloygan.agent.cli.output import console

    monkeypatch.setattr(alloygan.tools.prediction, "benchmark_forward", lambda seed, on_progress=None: small_benchmark)
    monkeypatch.setattr(console, "width", 400)  # one line per table row: the cells are not wrapped
    code, out, err = run_cli("bench", "forward")
    assert code == 0, err
    gfa = small_benchmark["random_80_20"]["GFA"]
    assert f"F1 {gfa['f1']:.3f}" in out and f"F1 {gfa['f1_weighted']:.3f} / {gfa['f1_macro']:.3f}" in out
    assert f"acc {gfa['accuracy']:.3f}" in out and "average not stated" in out
    assert "f1_weighted: mean of both classes' F1 weighted by their support" in out  # the protocol line says which is which
