"""Element prices and alloy cost."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from alloygan.knowledge_base import prices
from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.prices import (
    PRICE_OVERRIDES,
    SNAPSHOT_PATH,
    MissingPriceError,
    alloy_cost_usd_per_kg,
    build_price_snapshot,
    cost_usd_per_kg,
    price_usd_per_kg,
)

# Values written out: snapshot prices (USD/kg) and pymatgen standard atomic masses (g/mol).
CU_PRICE, ZR_PRICE = 6.00, 35.7
CU_MASS, ZR_MASS = 63.546, 91.224


@pytest.mark.parametrize("symbol", ["Cu", "Zr", "Pd", "B"])
def test_pure_element_costs_its_price(symbol):
    assert alloy_cost_usd_per_kg(Composition({symbol: 100})) == pytest.approx(price_usd_per_kg(symbol), rel=1e-12)


def test_cu50zr50_by_hand():
    assert price_usd_per_kg("Cu") == CU_PRICE and price_usd_per_kg("Zr") == ZR_PRICE
    # equal atoms -> mass fractions m_i / (m_Cu + m_Zr)
    expected = (CU_MASS * CU_PRICE + ZR_MASS * ZR_PRICE) / (CU_MASS + ZR_MASS)
    assert expected == pytest.approx(23.5057, abs=1e-4)
    assert alloy_cost_usd_per_kg(Composition.parse("Cu50Zr50")) == pytest.approx(expected, rel=1e-9)


def test_vectorised_equals_scalar():
    formulas = ["Zr62Cu29.6Al4.2Ag2.3Ni1.9", "Cu50Zr50", "Fe80B20", "Pd40Ni40P20", "Zr41.2Ti13.8Cu12.5Ni10Be22.5"]
    compositions = [Composition.parse(f) for f in formulas]
    elements = sorted({e for c in compositions for e in c.element_set})
    fractions = np.array([[c[e] / 100 for e in elements] for c in compositions])
    vectorised = cost_usd_per_kg(elements, fractions)
    assert vectorised.shape == (len(formulas),)
    np.testing.assert_allclose(vectorised, [alloy_cost_usd_per_kg(c) for c in compositions], rtol=1e-12)
    # rows need not be normalised
    np.testing.assert_allclose(cost_usd_per_kg(elements, fractions * 100), vectorised, rtol=1e-12)


def test_unpriced_element_raises_in_scalar_and_is_nan_in_vectorised():
    assert prices.price_table()["At"]["usd_per_kg"] is None
    with pytest.raises(MissingPriceError, match="At"):
        alloy_cost_usd_per_kg(Composition.parse("Cu90At10"))
    costs = cost_usd_per_kg(["Cu", "Zr", "At"], np.array([[0.5, 0.5, 0.0], [0.5, 0.4, 0.1]]))
    assert costs[0] == pytest.approx(alloy_cost_usd_per_kg(Composition.parse("Cu50Zr50")))
    assert np.isnan(costs[1])


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="not an element"):
        price_usd_per_kg("Xx")
    with pytest.raises(ValueError, match="not element symbols"):
        cost_usd_per_kg(["Cu", "Xx"], np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="shape"):
        cost_usd_per_kg(["Cu", "Zr"], np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="positive total"):
        cost_usd_per_kg(["Cu", "Zr"], np.array([[0.0, 0.0]]))


def test_overrides_are_documented_and_applied():
    snapshot = prices.price_table()
    for symbol, override in PRICE_OVERRIDES.items():
        assert override.source and override.reason and len(override.quoted_on) == 10, symbol
        assert snapshot[symbol]["usd_per_kg"] == override.usd_per_kg
        assert "override" in snapshot[symbol]["note"]
    assert price_usd_per_kg("B") == 2386.0  # not boron-in-boric-acid's 3.68


def test_snapshot_equals_mendeleev_plus_overrides_today():
    pytest.importorskip("mendeleev")
    shipped = json.loads(SNAPSHOT_PATH.read_text())
    assert shipped == build_price_snapshot(), "regenerate with `python -m alloygan.knowledge_base.prices`"
    assert set(shipped) >= {"Zr", "Cu", "Pd", "Pt", "Au", "Be", "B", "P"}
    for entry in shipped.values():
        assert set(entry) == {"usd_per_kg", "source", "note"}


def test_knowledge_base_prices_does_not_import_the_science_core():
    tree = ast.parse(Path(prices.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.split(".")[:2] in (["alloygan", "models"], ["alloygan", "agent"], ["alloygan", "tools"]) for name in imported)
