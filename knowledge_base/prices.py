"""Element prices (USD/kg) and the raw-material cost of an alloy.

Prices come from mendeleev's `price_per_kg` (its metadata cites English Wikipedia,
"Prices of chemical elements", revision 1262554464; that table quotes market prices of
2017-2020, gold of 2024, for ~99 % pure material unless its notes say otherwise), with
`PRICE_OVERRIDES` for values that are wrong for alloying and `PRICE_CAVEATS` for values
kept but worth knowing. Importing mendeleev takes most of a second, so the merged table
is shipped as `data/element_prices.json`, written by `build_price_snapshot` (run
`python -m alloygan.knowledge_base.prices` after changing an override or upgrading mendeleev; a
test checks the file against mendeleev + overrides).

Cost is the mass-weighted sum of element prices: at.% -> mass fractions (standard atomic
masses) -> Σ w_i · price_i. It is the price of the pure elements, not of an alloy made
from master alloys or ferroalloys, and ignores melting and processing.

Elements without a price (most radioactive ones; see the snapshot notes):
`price_usd_per_kg` and `alloy_cost_usd_per_kg` raise `MissingPriceError` naming the
element; `alloy_cost_or_none` gives None and a note instead (what `describe` shows); the vectorised `cost_usd_per_kg` returns NaN for rows that contain such an
element (and prices the other rows), so a screen over many candidates is not stopped
by one column.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from alloygan.knowledge_base.composition import Composition, atomic_mass

SNAPSHOT_PATH = Path(__file__).parent / "data" / "element_prices.json"
MENDELEEV_SOURCE = "mendeleev {version} price_per_kg (English Wikipedia 'Prices of chemical elements', rev. 1262554464)"


@dataclass(frozen=True)
class PriceOverride:
    """A price that replaces mendeleev's: the value, the date it was quoted, where from, and why."""

    usd_per_kg: float | None  # None: no usable price
    quoted_on: str  # ISO date of the quote
    source: str
    reason: str


PRICE_OVERRIDES: dict[str, PriceOverride] = {
    # Boron is a main metalloid of Fe-, Co- and Ni-based glasses (10-20 at.%).
    "B": PriceOverride(
        usd_per_kg=2386.0,
        quoted_on="2016-12-14",
        source="Shanghai Metals Market quote for boron, 16,500 CNY/kg (2,386 USD/kg), as listed by "
        "http://leonland.de/elements_by_price/list",
        reason="mendeleev's 3.68 USD/kg is boron contained in boric acid (its Wikipedia row: 'In the form of "
        "boric acid, price per boron contained', CEIC 2019), not elemental boron that can be melted into an "
        "alloy. Industrial Fe-based ribbons use ferroboron, cheaper per kg of B; this table prices pure elements.",
    ),
}

_RADIOACTIVE_SAMPLE_NOTE = (
    "price of a radioactive isotope in research quantities scaled to 1 kg (mendeleev uses the cheapest "
    "isotope listed); not an alloying raw material"
)
PRICE_CAVEATS: dict[str, str] = {
    "C": "anthracite, price per carbon contained (graphite is nearer 0.9 USD/kg per the same Wikipedia note)",
    "Ba": "barite (barium sulfate), price per barium contained, not barium metal",
    "Th": "thorium oxide, price per thorium contained",
    "U": "mainly U3O8, price per uranium contained",
    **{symbol: _RADIOACTIVE_SAMPLE_NOTE for symbol in ("Tc", "Pm", "Po", "Ac", "Np", "Pu", "Am", "Cm", "Bk", "Cf")},
}


class MissingPriceError(ValueError):
    """An element without a usable price."""


def build_price_snapshot() -> dict[str, dict[str, float | str | None]]:
    """{symbol: {"usd_per_kg", "source", "note"}} from mendeleev today plus the overrides."""
    import mendeleev
    from mendeleev.fetch import fetch_table

    table = fetch_table("elements").sort_values("atomic_number")
    source = MENDELEEV_SOURCE.format(version=mendeleev.__version__)
    snapshot: dict[str, dict[str, float | str | None]] = {}
    for symbol, price in zip(table["symbol"], table["price_per_kg"]):
        price = None if price is None or math.isnan(price) else float(price)
        entry = {"usd_per_kg": price, "source": source, "note": PRICE_CAVEATS.get(symbol, "")}
        if price is None:
            entry["note"] = "no price in mendeleev (not traded, or no reliable price)"
        override = PRICE_OVERRIDES.get(symbol)
        if override is not None:
            entry = {
                "usd_per_kg": override.usd_per_kg,
                "source": f"{override.source} (quoted {override.quoted_on})",
                "note": f"override in knowledge_base/prices.py: {override.reason} (mendeleev: {price} USD/kg)",
            }
        snapshot[symbol] = entry
    unknown = set(PRICE_OVERRIDES) - snapshot.keys()
    if unknown:
        raise ValueError(f"PRICE_OVERRIDES has symbols mendeleev does not know: {sorted(unknown)}")
    return snapshot


def write_price_snapshot(path: Path = SNAPSHOT_PATH) -> Path:
    path.write_text(json.dumps(build_price_snapshot(), indent=1, ensure_ascii=False) + "\n")
    return path


@lru_cache(maxsize=1)
def price_table() -> dict[str, dict[str, float | str | None]]:
    """The shipped snapshot: {symbol: {"usd_per_kg", "source", "note"}}."""
    try:
        return json.loads(SNAPSHOT_PATH.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{SNAPSHOT_PATH} is missing; regenerate it with `python -m alloygan.knowledge_base.prices`"
        ) from None


def price_usd_per_kg(symbol: str) -> float:
    """Price of one element in USD/kg; raises MissingPriceError if it has none."""
    entry = price_table().get(symbol)
    if entry is None:
        raise ValueError(f"{symbol!r} is not an element symbol in the price table")
    if entry["usd_per_kg"] is None:
        raise MissingPriceError(
            f"no price for {symbol}: {entry['note']}. Add a dated, sourced PriceOverride to "
            f"knowledge_base/prices.py and run `python -m alloygan.knowledge_base.prices`"
        )
    return float(entry["usd_per_kg"])


def alloy_cost_usd_per_kg(composition: Composition) -> float:
    """Raw-material cost of the alloy: Σ mass fraction × element price (USD/kg)."""
    return sum(w * price_usd_per_kg(symbol) for symbol, w in composition.weight_fractions().items())


def alloy_cost_or_none(composition: Composition) -> tuple[float | None, str]:
    """(cost in USD/kg, "") or, when an element has no price, (None, "no price for At, Ra"): what a listing shows
    as "–" with the note. An unknown cost is never taken as zero."""
    unpriced = [symbol for symbol in composition.as_dict() if price_table().get(symbol, {}).get("usd_per_kg") is None]
    if unpriced:
        return None, f"no price for {', '.join(unpriced)}"
    return alloy_cost_usd_per_kg(composition), ""


def cost_usd_per_kg(elements: Sequence[str], fractions: np.ndarray) -> np.ndarray:
    """(n,) cost in USD/kg of each row of an (n, V) array of atomic amounts over `elements`.

    Rows need not sum to 1 (they are normalised by their mass). A row containing an
    element without a price is NaN; a row with no positive amount raises ValueError.
    """
    x = np.asarray(fractions, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(elements):
        raise ValueError(f"fractions must be an (n, {len(elements)}) array over the elements, got shape {x.shape}")
    if not np.isfinite(x).all() or (x < 0).any() or not (x.sum(axis=1) > 0).all():
        raise ValueError("fractions must be finite and non-negative, with a positive total in every row")
    masses, prices = _masses_and_prices(tuple(elements))
    unpriced = np.isnan(prices)
    mass_per_row = x @ masses
    cost = (x @ (masses * np.where(unpriced, 0.0, prices))) / mass_per_row
    if unpriced.any():
        cost[(x[:, unpriced] > 0).any(axis=1)] = np.nan
    return cost


@lru_cache(maxsize=64)
def _masses_and_prices(elements: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    table = price_table()
    unknown = [e for e in elements if e not in table]
    if unknown:
        raise ValueError(f"not element symbols in the price table: {', '.join(unknown)}")
    prices = np.array([np.nan if table[e]["usd_per_kg"] is None else table[e]["usd_per_kg"] for e in elements])
    masses = np.array([atomic_mass(e) for e in elements])
    masses.flags.writeable = prices.flags.writeable = False  # shared by the cache
    return masses, prices


def main() -> None:
    path = write_price_snapshot()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
