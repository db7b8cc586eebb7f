"""Element property tables that ship in matminer's wheel, read straight from its files.

matminer's featurizers load these tables through pandas and pymatgen on every
construction; importing `matminer.featurizers` costs seconds. Here the files are
located with `importlib.util.find_spec` (which does not execute matminer) and parsed
with the standard library, once per process. Every reader reproduces matminer's own
parsing, so values are bit-for-bit those matminer uses with `impute_nan=False`:

- Magpie tables (`magpie_elementdata/<Property>.table`): one line per element in
  atomic-number order (H first); a line that is not a number ("Missing") or is past the
  end of the file is NaN (matminer `MagpieData`). Source: Ward et al. (2016).
- Miedema model parameters (`Miedema.csv`): 73 elements; others are missing (matminer
  `Miedema`). Source: de Boer et al., Cohesion in Metals (1988).
- Liquid binary mixing enthalpies (`MiedemaLiquidDeltaHf.tsv`): ΔH_AB^mix at the
  equiatomic composition in kJ/mol, Takeuchi & Inoue (2005) (matminer `MixingEnthalpy`).

Missing values are NaN and stay NaN: no imputation (matminer's default `impute_nan=True`
substitutes a table mean, which would give made-up descriptors to an element the tables
do not know). Each array function appends one all-zero row (index V) used as padding
by the vectorised descriptor code.
"""
from __future__ import annotations

import csv
import importlib.util
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

# The element properties of matminer's `ElementProperty.from_preset("magpie")`, in its order.
MAGPIE_PRESET_PROPERTIES: tuple[str, ...] = (
    "Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row", "CovalentRadius",
    "Electronegativity", "NsValence", "NpValence", "NdValence", "NfValence", "NValence",
    "NsUnfilled", "NpUnfilled", "NdUnfilled", "NfUnfilled", "NUnfilled", "GSvolume_pa",
    "GSbandgap", "GSmagmom", "SpaceGroupNumber",
)  # fmt: skip

MIEDEMA_PARAMETERS: tuple[str, ...] = (
    "molar_volume", "electron_density", "electronegativity", "valence_electrons", "a_const",
    "R_const", "H_trans", "compressibility", "shear_modulus", "melting_point", "structural_stability",
)  # fmt: skip

_HIGHEST_Z = 118  # matminer reads Magpie tables for Z = 1..118


@lru_cache(maxsize=1)
def matminer_data_dir() -> Path:
    """matminer's `utils/data_files` directory, found without importing matminer."""
    spec = importlib.util.find_spec("matminer")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("matminer is not installed; its element data files are needed (pip install matminer)")
    path = Path(next(iter(spec.submodule_search_locations))) / "utils" / "data_files"
    if not path.is_dir():
        raise FileNotFoundError(f"matminer's data directory {path} is missing; reinstall matminer")
    return path


@lru_cache(maxsize=1)
def _atomic_numbers() -> dict[str, int]:
    # pymatgen's periodic table, the one the rest of the project uses (and matminer's
    # `Element.from_Z` mapping of table lines to symbols).
    from pymatgen.core.periodic_table import Element

    return {Element.from_Z(z).symbol: z for z in range(1, _HIGHEST_Z + 1)}


@lru_cache(maxsize=None)
def magpie_table(name: str) -> dict[int, float]:
    """{atomic number: value} of one Magpie table (NaN where matminer reads NaN)."""
    path = matminer_data_dir() / "magpie_elementdata" / f"{name}.table"
    if not path.is_file():
        raise ValueError(f"no Magpie table named {name!r} (looked for {path})")
    lines = path.read_text().splitlines()
    values = {}
    for z in range(1, _HIGHEST_Z + 1):
        try:
            values[z] = float(lines[z - 1])
        except (ValueError, IndexError):
            values[z] = math.nan
    return values


@lru_cache(maxsize=1)
def miedema_table() -> dict[str, dict[str, float]]:
    """{symbol: {parameter: value}} from matminer's Miedema.csv."""
    with open(matminer_data_dir() / "Miedema.csv", newline="") as handle:
        return {row["element"]: {p: float(row[p]) for p in MIEDEMA_PARAMETERS} for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def liquid_mixing_enthalpy_table() -> dict[frozenset[str], float]:
    """{frozenset({A, B}): ΔH_AB^mix in kJ/mol} (Takeuchi & Inoue 2005, via matminer)."""
    table = {}
    lines = (matminer_data_dir() / "MiedemaLiquidDeltaHf.tsv").read_text().splitlines()
    for line in lines[1:]:  # header: elem_A elem_B delta_Hf
        if line.strip():
            a, b, value = line.split()
            table[frozenset((a, b))] = float(value)
    return table


def _atomic_number(symbol: str) -> int:
    z = _atomic_numbers().get(symbol)
    if z is None:
        raise ValueError(f"{symbol!r} is not a chemical element symbol")
    return z


def magpie_matrix(elements: Sequence[str], properties: Sequence[str]) -> np.ndarray:
    """(V + 1, P) Magpie values for the elements (rows) and properties (columns); last row zeros."""
    numbers = [_atomic_number(e) for e in elements]
    out = np.zeros((len(elements) + 1, len(properties)))
    for column, name in enumerate(properties):
        table = magpie_table(name)
        out[:-1, column] = [table[z] for z in numbers]
    return out


def miedema_matrix(elements: Sequence[str]) -> dict[str, np.ndarray]:
    """{parameter: (V + 1,) array}; NaN for elements without Miedema parameters, last entry 0."""
    table = miedema_table()
    out = {}
    for parameter in MIEDEMA_PARAMETERS:
        column = np.zeros(len(elements) + 1)
        column[:-1] = [table[e][parameter] if e in table else math.nan for e in elements]
        out[parameter] = column
    return out


def liquid_mixing_enthalpy_matrix(elements: Sequence[str]) -> np.ndarray:
    """(V + 1, V + 1) symmetric ΔH_AB^mix (kJ/mol): zero diagonal, NaN for untabulated pairs, zero padding."""
    table = liquid_mixing_enthalpy_table()
    size = len(elements)
    out = np.zeros((size + 1, size + 1))
    for i, a in enumerate(elements):
        for j in range(i + 1, size):
            out[i, j] = out[j, i] = table.get(frozenset((a, elements[j])), math.nan)
    return out
