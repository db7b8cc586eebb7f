"""Tests for the thermodynamic (Tg, Tx, Tl + GFA criteria) features.

Expected values for the Vitreloy-like alloy (Tg = 623 K, Tx = 672 K, Tl = 996 K) were
worked out independently of the module; the arithmetic is in each comment.
Handy intermediates: Tx − Tg = 49, Tl − Tg = 373, Tl − Tx = 324, Tg + Tl = 1619,
324² = 104976, 324⁴ = 11019960576.
"""
from __future__ import annotations

import numpy as np
import pytest

from alloygan.models.descriptors.thermal import (
    CRITERIA,
    FEATURE_NAMES,
    TEMPERATURES,
    Criterion,
    resolve_property,
    thermal_feature_dict,
    thermal_features,
)

TG, TX, TL = 623.0, 672.0, 996.0

HAND_COMPUTED = {
    "dTx": 49.0,  # 672 − 623
    "Trg": 0.6255020080,  # 623 / 996
    "gamma": 0.4150710315,  # 672 / (623 + 996) = 672 / 1619
    "dTrg": 0.1313672922,  # 49 / 373
    "alpha": 0.6746987952,  # 672 / 996
    "beta": 1.7041536934,  # 672/623 + 623/996 = 1.0786516854 + 0.6255020080
    "delta": 1.8016085791,  # 672 / 373
    "gamma_m": 0.7238955823,  # (2·672 − 623) / 996 = 721 / 996
    # 0.6255020080 · (49/623)^0.143; 49/623 = 0.0786516854, ln = −2.5427262207,
    # ×0.143 = −0.3636098496, exp = 0.6951623597 → 0.6255020080 × 0.6951623597
    "phi": 0.4348254519,
    "xi": 0.6984186747,  # 623/996 + 49/672 = 0.6255020080 + 0.0729166667
    "beta2": 3.9881115684,  # 672·623 / 324² = 418656 / 104976
    "omega": 0.1574724624,  # 623/672 − 1246/1619 = 0.9270833333 − 0.7696108709
    "omega_ji": 7.6302910053,  # 996·(996 + 672) / (672·324) = 1661328 / 217728
    # (672 + 623)/996 · (49/996)^0.0728 = 1.3002008032 × exp(0.0728 · ln 0.0491967871)
    # = 1.3002008032 × exp(0.0728 × −3.0119269595) = 1.3002008032 × 0.8031062298
    "theta": 1.0441993650,
    "gamma_c": 0.7730923695,  # (3·672 − 2·623) / 996 = 770 / 996
    "Gp": 0.2907998019,  # 623·49 / 324² = 30527 / 104976
    "k": 1.8540980508,  # 623·672·996·49 / 324⁴ = 20432087424 / 11019960576
}


def test_every_criterion_has_a_hand_computed_check():
    assert set(HAND_COMPUTED) == {c.name for c in CRITERIA}


@pytest.mark.parametrize("name", list(HAND_COMPUTED))
def test_criterion_matches_hand_computation(name):
    features = thermal_feature_dict(TG, TX, TL)
    assert features[name][0] == pytest.approx(HAND_COMPUTED[name], rel=1e-9)


@pytest.mark.parametrize("criterion", CRITERIA, ids=lambda c: c.name)
def test_criterion_function_matches_hand_computation(criterion: Criterion):
    value = criterion.function(np.array([TG]), np.array([TX]), np.array([TL]))
    assert value[0] == pytest.approx(HAND_COMPUTED[criterion.name], rel=1e-9)


def test_temperatures_pass_through_first():
    row = thermal_features(TG, TX, TL)[0]
    assert tuple(row[:3]) == (TG, TX, TL)
    assert FEATURE_NAMES[:3] == TEMPERATURES == ("Tg", "Tx", "Tl")


def test_feature_names_are_temperatures_then_criteria_without_duplicates():
    assert FEATURE_NAMES == TEMPERATURES + tuple(c.name for c in CRITERIA)
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert all(name.isascii() for name in FEATURE_NAMES)


def test_criteria_carry_metadata():
    for criterion in CRITERIA:
        assert criterion.symbol and criterion.formula and criterion.citation
        assert isinstance(criterion.aliases, tuple)
    with pytest.raises(AttributeError):
        CRITERIA[0].name = "changed"  # frozen dataclass


def test_scalar_input_gives_one_row():
    assert thermal_features(TG, TX, TL).shape == (1, len(FEATURE_NAMES))


def test_array_input_shape_and_dict_shape():
    n = 5
    matrix = thermal_features(np.full(n, TG), np.full(n, TX), np.full(n, TL))
    assert matrix.shape == (n, len(FEATURE_NAMES))
    assert matrix.dtype == np.float64
    features = thermal_feature_dict([TG] * n, [TX] * n, [TL] * n)
    assert list(features) == list(FEATURE_NAMES)
    assert all(values.shape == (n,) for values in features.values())


def test_vectorised_result_equals_per_row_results():
    rng = np.random.default_rng(0)
    n = 1000
    Tg = rng.uniform(350.0, 900.0, n)
    Tx = Tg + rng.uniform(10.0, 120.0, n)
    Tl = Tx + rng.uniform(100.0, 600.0, n)
    matrix = thermal_features(Tg, Tx, Tl)
    assert matrix.shape == (n, len(FEATURE_NAMES))
    per_row = np.vstack([thermal_features(g, x, l) for g, x, l in zip(Tg, Tx, Tl)])
    np.testing.assert_allclose(matrix, per_row, rtol=1e-12)
    assert np.all(np.isfinite(matrix))


def test_undefined_criteria_give_nan_or_inf_without_raising():
    features = thermal_feature_dict([700.0], [650.0], [996.0])  # Tx < Tg
    assert np.isnan(features["phi"][0])
    assert features["dTx"][0] == -50.0
    features = thermal_feature_dict([623.0], [996.0], [996.0])  # Tl == Tx
    assert np.isinf(features["beta2"][0])


@pytest.mark.parametrize(
    "Tg, Tx, Tl, message",
    [
        ([623.0, np.nan], [672.0, 672.0], [996.0, 996.0], "Tg contains NaN"),
        (623.0, -10.0, 996.0, "Tx must be absolute temperatures in kelvin"),
        ([623.0, 600.0], [672.0, 650.0, 700.0], [996.0, 990.0], "same length"),
        ([[623.0]], [[672.0]], [[996.0]], "1-D"),
        ("hot", 672.0, 996.0, "Tg must be numbers"),
    ],
)
def test_bad_temperatures_raise_value_error(Tg, Tx, Tl, message):
    with pytest.raises(ValueError, match=message):
        thermal_features(Tg, Tx, Tl)


@pytest.mark.parametrize(
    "spelling, canonical",
    [
        ("trg", "Trg"), ("TRG", "Trg"), ("Trg", "Trg"), ("Tg/Tl", "Trg"),
        ("γ", "gamma"), ("Gamma", "gamma"), ("GAMMA", "gamma"),
        ("ΔTx", "dTx"), ("∆Tx", "dTx"), ("dTx", "dTx"), ("deltaTx", "dTx"), ("delta_Tx", "dTx"),
        ("Tg", "Tg"), ("tg", "Tg"), ("glass_transition", "Tg"), ("liquidus", "Tl"), ("Tx", "Tx"),
        ("γm", "gamma_m"), ("gamma m", "gamma_m"), ("γc", "gamma_c"),
        ("β", "beta"), ("beta", "beta"), ("β2", "beta2"), ("beta2", "beta2"),
        ("ω", "omega"), ("omega_ji", "omega_ji"), ("δ", "delta"), ("ΔTrg", "dTrg"),
        ("φ", "phi"), ("Phi", "phi"), ("θ", "theta"), ("ξ", "xi"), ("α", "alpha"),
        ("gp", "Gp"), ("GP", "Gp"), ("k", "k"), ("  Trg  ", "Trg"),
    ],
)
def test_resolve_property_accepts_common_spellings(spelling, canonical):
    assert resolve_property(spelling) == canonical


def test_every_canonical_name_symbol_and_alias_resolves_to_itself():
    for name in FEATURE_NAMES:
        assert resolve_property(name) == name
    for criterion in CRITERIA:
        for spelling in (criterion.symbol, *criterion.aliases):
            assert resolve_property(spelling) == criterion.name


@pytest.mark.parametrize("spelling", ["Dmax", "Ω", "", "gamma_x", "Γ"])
def test_resolve_property_unknown_name_lists_valid_names(spelling):
    with pytest.raises(KeyError) as info:
        resolve_property(spelling)
    text = str(info.value)
    assert repr(spelling) in text
    assert "Trg" in text and "gamma" in text and "Tg" in text
