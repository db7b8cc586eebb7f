"""Element-data descriptors: hand-computed values, equality with matminer, shapes, NaN policy."""
from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from alloygan.models.descriptors.elemental import CompositionDescriptors, describe_composition
from alloygan.models.encoding import ElementVocabulary
from alloygan.knowledge_base.composition import Composition

R = 8.314  # J/(mol K), as matminer

# Table values for Cu and Zr, written out (matminer's data files):
CU_MIRACLE_RADIUS, ZR_MIRACLE_RADIUS = 126.0, 158.0  # pm, Magpie MiracleRadius
CU_PAULING, ZR_PAULING = 1.90, 1.33  # Magpie Electronegativity
CU_VEC, ZR_VEC = 11.0, 4.0  # Miedema.csv valence_electrons
CU_PHI, ZR_PHI = 4.45, 3.45  # Miedema.csv electronegativity (phi*, V)
CU_ZR_MIXING_ENTHALPY = -23.0  # kJ/mol, MiedemaLiquidDeltaHf.tsv (Takeuchi & Inoue 2005)
CU_MELTING, ZR_MELTING = 1357.77, 2128.0  # K, Magpie MeltingT

MATMINER_CHECK_FORMULAS = [
    "Cu50Zr50", "Cu64Zr36", "Zr62Cu29.6Al4.2Ag2.3Ni1.9", "Zr41.2Ti13.8Cu12.5Ni10Be22.5", "Zr55Cu30Al10Ni5",
    "Cu46Zr42Al7Y5", "Cu47Ti33Zr11Ni6Sn2Si1", "Fe80B20", "Fe73.5Si13.5B9Nb3Cu1", "Fe48Cr15Mo14Er2C15B6",
    "Fe40Ni40P14B6", "Pd40Ni40P20", "Pd40Cu30Ni10P20", "Pt57.5Cu14.7Ni5.3P22.5", "Au49Ag5.5Pd2.3Cu26.9Si16.3",
    "Mg65Cu25Y10", "Ca65Mg15Zn20", "La55Al25Ni20", "Ti40Zr25Cu12Ni3Be20", "Co43Fe20Ta5.5B31.5", "Cu100",
]  # fmt: skip


def descriptors_of(formulas: list[str]) -> tuple[list[Composition], dict[str, np.ndarray]]:
    compositions = [Composition.parse(f) for f in formulas]
    vocabulary = ElementVocabulary.from_compositions(compositions)
    descriptors = CompositionDescriptors(vocabulary.elements)
    values = descriptors.featurize(vocabulary.encode(compositions))
    return compositions, dict(zip(descriptors.feature_labels(), values.T))


def test_cu50zr50_by_hand():
    _, d = descriptors_of(["Cu50Zr50"])
    mean_radius = (CU_MIRACLE_RADIUS + ZR_MIRACLE_RADIUS) / 2
    delta = 100 * math.sqrt(0.5 * (1 - CU_MIRACLE_RADIUS / mean_radius) ** 2 + 0.5 * (1 - ZR_MIRACLE_RADIUS / mean_radius) ** 2)
    assert delta == pytest.approx(100 * 32 / 284)  # equiatomic binary: |r1 - r2| / (r1 + r2)
    assert d["atomic size mismatch delta (%)"][0] == pytest.approx(delta, rel=1e-12)
    assert d["mixing entropy (J/mol/K)"][0] == pytest.approx(R * math.log(2), rel=1e-12)
    assert d["VEC mean"][0] == pytest.approx((CU_VEC + ZR_VEC) / 2)
    assert d["electronegativity difference (Pauling)"][0] == pytest.approx(abs(CU_PAULING - ZR_PAULING) / 2, rel=1e-12)
    assert d["Electronegativity delta"][0] == pytest.approx(abs(CU_PHI - ZR_PHI) / (CU_PHI + ZR_PHI), rel=1e-12)
    mixing = 4 * CU_ZR_MIXING_ENTHALPY * 0.5 * 0.5
    assert d["mixing enthalpy (kJ/mol)"][0] == pytest.approx(mixing)
    mean_melting = (CU_MELTING + ZR_MELTING) / 2
    assert d["Yang omega"][0] == pytest.approx(mean_melting * R * math.log(2) / 1000 / abs(mixing), rel=1e-12)
    assert d["MagpieData mean MeltingT"][0] == pytest.approx(mean_melting)
    assert d["MagpieData avg_dev MeltingT"][0] == pytest.approx((ZR_MELTING - CU_MELTING) / 2)
    assert d["MagpieData range MeltingT"][0] == pytest.approx(ZR_MELTING - CU_MELTING)
    assert d["MagpieData minimum MeltingT"][0] == CU_MELTING
    assert d["MagpieData maximum MeltingT"][0] == ZR_MELTING
    assert d["MagpieData mode MeltingT"][0] == CU_MELTING  # tie of fractions: smallest value, as matminer


def test_pure_element_has_zero_mixing_terms():
    _, d = descriptors_of(["Cu100"])
    for label in ("atomic size mismatch delta (%)", "mixing entropy (J/mol/K)", "mixing enthalpy (kJ/mol)",
                  "electronegativity difference (Pauling)", "Electronegativity delta", "Yang omega"):  # fmt: skip
        assert d[label][0] == 0.0 and math.copysign(1, d[label][0]) == 1.0, label
    assert d["VEC mean"][0] == CU_VEC


def test_equals_matminer_featurizers():
    pytest.importorskip("matminer")
    from matminer.featurizers.composition import ElementProperty, Miedema, WenAlloys, YangSolidSolution
    from pymatgen.core import Composition as PymatgenComposition

    compositions, d = descriptors_of(MATMINER_CHECK_FORMULAS)
    magpie = ElementProperty.from_preset("magpie", impute_nan=False)
    yang, wen = YangSolidSolution(impute_nan=False), WenAlloys(impute_nan=False)
    miedema = Miedema(struct_types="amor", impute_nan=False)
    labels = CompositionDescriptors(["Cu"]).feature_labels()
    assert labels[:132] == magpie.feature_labels()
    for row, composition in enumerate(compositions):
        reference = PymatgenComposition(composition.fractions())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected_magpie = magpie.featurize(reference)
            omega, delta = yang.featurize(reference)
            w = dict(zip(wen.feature_labels(), wen.featurize(reference)))
            amorphous = miedema.featurize(reference)[0]
        ours = np.array([d[label][row] for label in labels[:132]])
        np.testing.assert_allclose(ours, expected_magpie, rtol=1e-12, atol=1e-12, err_msg=composition.formula)
        checks = [
            (d["atomic size mismatch delta (%)"][row] / 100, delta),
            (d["Yang omega"][row], omega),
            (-d["mixing entropy (J/mol/K)"][row] / 1000, w["Configuration entropy"]),
            (d["VEC mean"][row], w["VEC mean"]),
            (d["Electronegativity delta"][row], w["Electronegativity delta"]),
            (max(1e-6, abs(d["mixing enthalpy (kJ/mol)"][row])), w["Mixing enthalpy"]),
            (d["Miedema_deltaH_amor"][row], amorphous),
        ]
        for ours_value, expected in checks:
            assert ours_value == pytest.approx(expected, rel=1e-12, abs=1e-15), composition.formula


def test_shapes_labels_and_citations():
    elements = ["Cu", "Zr", "Al"]
    descriptors = CompositionDescriptors(elements)
    labels = descriptors.feature_labels()
    assert len(labels) == 140 == len(set(labels))
    assert labels[0] == "MagpieData minimum Number" and "MagpieData mean MeltingT" in labels
    x = np.array([[0.5, 0.5, 0.0], [0.46, 0.46, 0.08], [1.0, 0.0, 0.0]])
    assert descriptors.featurize(x).shape == (3, 140)
    assert descriptors.featurize(np.zeros((0, 3))).shape == (0, 140)
    assert descriptors.citations() and all(isinstance(c, str) for c in descriptors.citations())


def test_rows_are_renormalised_and_chunks_do_not_matter():
    descriptors = CompositionDescriptors(["Cu", "Zr", "Al"])
    fractions = np.array([[0.46, 0.46, 0.08]])
    np.testing.assert_array_equal(descriptors.featurize(fractions * 100), descriptors.featurize(fractions))
    rng = np.random.default_rng(1)
    many = rng.dirichlet(np.ones(3), size=5000) * (rng.random((5000, 1)) > 0.1)
    many[many.sum(axis=1) == 0, 0] = 1.0
    all_at_once = descriptors.featurize(many)
    np.testing.assert_allclose(all_at_once[4321], descriptors.featurize(many[4321:4322])[0], rtol=1e-14)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([[0.5, 0.5]]), "shape"),
        (np.array([0.5, 0.3, 0.2]), "shape"),
        (np.array([[0.5, -0.1, 0.6]]), "row 0"),
        (np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]), "row 1"),
        (np.array([[np.nan, 0.5, 0.5]]), "row 0"),
    ],
)
def test_rejects_arrays_that_are_not_compositions(bad, message):
    with pytest.raises(ValueError, match=message):
        CompositionDescriptors(["Cu", "Zr", "Al"]).featurize(bad)


def test_missing_table_values_give_nan_only_where_needed():
    # S has no Miedema parameters and no liquid mixing enthalpies: the features that need
    # them are NaN; those from complete tables are not; rows without S are unaffected.
    _, d = descriptors_of(["Pd40Ni40P16S4", "Pd40Ni40P20"])
    for label in ("VEC mean", "Electronegativity delta", "mixing enthalpy (kJ/mol)", "Yang omega", "Miedema_deltaH_amor"):
        assert np.isnan(d[label][0]) and np.isfinite(d[label][1]), label
    for label in ("atomic size mismatch delta (%)", "mixing entropy (J/mol/K)", "MagpieData mean MeltingT"):
        assert np.isfinite(d[label][0]), label


def test_missing_magpie_value_follows_matminer_without_imputation():
    # Ar has no Pauling electronegativity: every statistic over the elements present is
    # NaN, except the mode, which only looks at the most abundant element (Cu).
    _, d = descriptors_of(["Cu90Ar10"])
    for stat in ("minimum", "maximum", "range", "mean", "avg_dev"):
        assert np.isnan(d[f"MagpieData {stat} Electronegativity"][0]), stat
    assert d["MagpieData mode Electronegativity"][0] == CU_PAULING
    assert np.isnan(d["electronegativity difference (Pauling)"][0])
    assert np.isnan(d["atomic size mismatch delta (%)"][0])  # no Miracle radius for Ar
    assert np.isfinite(d["MagpieData mean MeltingT"][0])


def test_describe_composition_matches_featurize():
    composition = Composition.parse("Zr62Cu29.6Al4.2Ag2.3Ni1.9")
    described = describe_composition(composition)
    _, d = descriptors_of(["Zr62Cu29.6Al4.2Ag2.3Ni1.9"])
    assert list(described) == CompositionDescriptors(["Cu"]).feature_labels()
    for label, value in described.items():
        assert value == pytest.approx(d[label][0], rel=1e-13, abs=1e-15), label


def test_import_and_featurize_stay_light():
    code = (
        "import sys, numpy as np\n"
        "from alloygan.models.descriptors.elemental import CompositionDescriptors\n"
        "heavy = {'matminer', 'pandas', 'mendeleev', 'pymatgen'}\n"
        "assert not heavy & {m.split('.')[0] for m in sys.modules}, 'heavy import at module import'\n"
        "CompositionDescriptors(['Cu', 'Zr']).featurize(np.array([[0.5, 0.5]]))\n"
        "assert not {'matminer', 'pandas', 'mendeleev'} & {m.split('.')[0] for m in sys.modules}\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
