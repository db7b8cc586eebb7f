"""The composition type and the alloy formula grammar, including why pymatgen's parser is wrapped."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alloygan.knowledge_base.composition import Composition, CompositionError
from alloygan.knowledge_base.formula import FormulaError, parse_formula


def at_pct(text: str) -> dict[str, float]:
    return Composition.parse(text).as_dict()


def assert_amounts(text: str, expected: dict[str, float]) -> None:
    got = at_pct(text)
    assert set(got) == set(expected), (text, got)
    for element, value in expected.items():
        assert got[element] == pytest.approx(value, abs=1e-6), (text, element, got)


# --- the required outcomes ---------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zr62Cu29.6Al4.2Ag2.3Ni1.9", {"Zr": 62, "Cu": 29.6, "Al": 4.2, "Ag": 2.3, "Ni": 1.9}),
        ("(Cu50Zr43Al7)98Si2", {"Cu": 49, "Zr": 42.14, "Al": 6.86, "Si": 2}),
        ("(Cu50Zr42.5Al7.5)0.99Si1", {"Cu": 49.5, "Zr": 42.075, "Al": 7.425, "Si": 1}),
        ("(Cu50Zr42.5Al7.5)0.988Sn0.6Si0.6", {"Cu": 49.4, "Zr": 41.99, "Al": 7.41, "Sn": 0.6, "Si": 0.6}),
        ("(Zr0.55Al0.20Co0.20Cu0.05)95Ag5", {"Zr": 52.25, "Al": 19, "Co": 19, "Cu": 4.75, "Ag": 5}),
        ("La62Al14(Cu5/6Ag1/6)12(Ni1/2Co1/2)12", {"La": 62, "Al": 14, "Cu": 10, "Ag": 2, "Ni": 6, "Co": 6}),
        ("Zr 62 Cu 29.6 Al 4.2 Ag 2.3 Ni 1.9", {"Zr": 62, "Cu": 29.6, "Al": 4.2, "Ag": 2.3, "Ni": 1.9}),
        ("Zr₆₂Cu₂₉.₆Al₄.₂Ag₂.₃Ni₁.₉", {"Zr": 62, "Cu": 29.6, "Al": 4.2, "Ag": 2.3, "Ni": 1.9}),
        ("Zr62Cu29.6Al4.2Ag2.3Ni1.9 (at.%)", {"Zr": 62, "Cu": 29.6, "Al": 4.2, "Ag": 2.3, "Ni": 1.9}),
        ("Zr62Cu29.6Al4.2Ag2.3Ni1.9 at%", {"Zr": 62, "Cu": 29.6, "Al": 4.2, "Ag": 2.3, "Ni": 1.9}),
        ("[(Fe0.6Co0.4)0.75Si0.05B0.20]94Nb4Gd2", {"Fe": 42.3, "Co": 28.2, "Si": 4.7, "B": 18.8, "Nb": 4, "Gd": 2}),
        ("Fe46Co30Mo4(P0.45,C0.2,B0.2,Si0.15)20", {"Fe": 46, "Co": 30, "Mo": 4, "P": 9, "C": 4, "B": 4, "Si": 3}),
        ("Cu0.5Zr0.5", {"Cu": 50, "Zr": 50}),
        ("Cu50Zr50Ti0", {"Cu": 50, "Zr": 50}),
    ],
)
def test_required_outcomes(text, expected):
    assert_amounts(text, expected)


def test_element_order_does_not_matter():
    a, b = Composition.parse("Ca40Mg30Cu30"), Composition.parse("Ca40Cu30Mg30")
    assert a == b and hash(a) == hash(b)
    assert a.formula == b.formula == "Ca40Cu30Mg30"  # canonical: decreasing at.%, ties alphabetical


@pytest.mark.parametrize(
    "text, reason_fragment",
    [
        ("Pr72(Cu,Ni)21Al7", "unresolved mixture (Cu,Ni)"),
        ("(Zr0.55A10.20Co0.20Cu0.05)93Ag7", "'A' is not an element symbol"),
        ("Zr48Cu43Al7Ag2?", "unexpected character '?'"),
        ("Ti-6Al-4V", "dash notation"),
        ("Cu50Zr50 wt.%", "weight-percent"),
        ("Zr65Al7.5Ni10Cu17.5 (wt%)", "weight-percent"),
        ("Fe72B22Y4TI2", "'T' is not an element symbol"),
        ("Fe38Ni38B15.5PNb2.5", "element P has no amount"),
        ("Fe25Co25Ni25(P0.4C0.2B02Si0.2)25", "group total 2.8"),
        ("[(Fe0.6Co0.4)0.75B0.2Si0.05]0.96Nb0.0496Cr4", "total"),
        ("(Cu50Zr43Al7)0.99Si0.5", "total"),
        ("Pt42.5Cu7Ni9.5P21", "total 80"),
        ("", "empty"),
        ("Cu50Zr50)", "unexpected ')'"),
        ("(Cu50Zr50", "missing ')'"),
        ("Cu50(Zr)", "element Zr has no amount"),
        ("La62Al14(CuNi)24", "unresolved mixture (Cu,Ni)"),
        ("50Cu50Zr", "follows no element"),
        ("zr50cu50", "unexpected character 'z'"),
        ("CuZr", "has no amount"),
    ],
)
def test_rejected_with_reason(text, reason_fragment):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert reason_fragment in str(caught.value)
    assert repr(text.strip()) in str(caught.value)  # the message names the input


def test_composition_rejects_bad_amounts():
    with pytest.raises(CompositionError):
        Composition({"Cu": -1, "Zr": 101})
    with pytest.raises(CompositionError):
        Composition({"Xx": 100})
    with pytest.raises(CompositionError):
        Composition({"Cu": 0})


def test_equality_tolerance_is_001_at_pct():
    base = Composition({"Cu": 50, "Zr": 50})
    assert base == Composition({"Cu": 50.009, "Zr": 49.991})
    assert base != Composition({"Cu": 50.02, "Zr": 49.98})
    assert base != Composition({"Cu": 50, "Zr": 49.99, "Al": 0.01})  # another element set


def test_views():
    c = Composition.parse("Cu50Zr42.5Al7.5")
    assert c.base_element == "Cu" and c.system == "Al-Cu-Zr" and len(c) == 3
    assert c["Al"] == pytest.approx(7.5) and c["Ag"] == 0.0
    assert sum(c.fractions().values()) == pytest.approx(1.0)
    weights = c.weight_fractions()
    # by hand: masses Cu 63.546, Zr 91.224, Al 26.9815:
    # 50*63.546 = 3177.30; 42.5*91.224 = 3877.02; 7.5*26.9815 = 202.36; total 7256.68 -> Zr 0.53427
    assert weights["Zr"] == pytest.approx(0.53427, rel=1e-4)
    assert c.distance(Composition.parse("Cu50Zr50")) == pytest.approx(7.5)


# --- why pymatgen is wrapped: each of these is what pymatgen does on its own -----------------

def test_pymatgen_reads_nested_alloy_notation_as_stoichiometry():
    from pymatgen.core import Composition as PmgComposition

    si = PmgComposition("(Cu50Zr43Al7)98Si2").get_atomic_fraction("Si")
    assert si == pytest.approx(0.0002, rel=0.05)  # 0.02 at.% Si, where the alloy has 2 at.%
    assert Composition.parse("(Cu50Zr43Al7)98Si2")["Si"] == pytest.approx(2.0)


def test_pymatgen_accepts_misprints_as_species():
    from pymatgen.core import Composition as PmgComposition

    misread = PmgComposition("(Zr0.55A10.20Co0.20Cu0.05)93Ag7")  # 'A10.20' is a misprinted 'Al0.20'
    assert any(str(species).startswith("A0") for species in misread)  # a dummy species, silently
    hydrogen = PmgComposition("Fe72B22Y4TI2")  # 'TI' (Ti misprinted) becomes tritium->H plus iodine
    assert {str(e) for e in hydrogen.elements} >= {"H", "I"}
    with pytest.raises(FormulaError):
        parse_formula("(Zr0.55A10.20Co0.20Cu0.05)93Ag7")


def test_pymatgen_misreads_spaced_formulas():
    from pymatgen.core import Composition as PmgComposition

    spaced = PmgComposition("Zr 62 Cu 29.6")
    assert spaced.get_atomic_fraction("Zr") != pytest.approx(0.62, abs=1e-3)
    assert Composition.parse("Zr 62 Cu 38")["Zr"] == pytest.approx(62)


# --- property: the canonical text reads back as the same composition ------------------------

ELEMENTS = ["Zr", "Cu", "Al", "Ni", "Ti", "Fe", "B", "Si", "Pd", "La", "Mg", "Ca", "Ag", "Be", "Co", "Y", "Nb", "P"]


@st.composite
def compositions(draw):
    chosen = draw(st.lists(st.sampled_from(ELEMENTS), min_size=1, max_size=7, unique=True))
    amounts = draw(st.lists(st.floats(0.001, 100.0, allow_nan=False), min_size=len(chosen), max_size=len(chosen)))
    return Composition(dict(zip(chosen, amounts)))


@settings(max_examples=300, deadline=None)
@given(compositions())
def test_canonical_text_round_trip(composition):
    again = Composition.parse(composition.formula)
    assert again == composition
    assert Composition.parse(composition.to_text(6)).to_text(6) == composition.to_text(6)
    assert abs(sum(again.as_dict().values()) - 100.0) < 0.01
