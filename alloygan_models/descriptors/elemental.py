"""Composition descriptors from element data, vectorised over (n, V) atomic-fraction arrays.

Features (140), in this order:

- 132 Magpie statistics, exactly matminer's `ElementProperty.from_preset("magpie")`
  (Ward et al. 2016): for each of its 22 element properties, the minimum, maximum and
  range over the elements present, the fraction-weighted mean, the average deviation
  Σ x_i |p_i − mean| and the mode (the value of the most abundant element; on a tie of
  fractions, the smallest value). Labels as matminer: "MagpieData mean MeltingT".
- "atomic size mismatch delta (%)": δ = 100·sqrt(Σ x_i (1 − r_i/r̄)²), r̄ = Σ x_i r_i
  (Yang & Zhang 2012) with the Miracle et al. (2010) radii (Magpie `MiracleRadius`);
  exactly 100 × matminer's `YangSolidSolution` / `WenAlloys` "Yang delta".
- "mixing entropy (J/mol/K)": ΔSmix = −R Σ x_i ln x_i with R = 8.314 as in matminer;
  exactly −1000 × `WenAlloys` "Configuration entropy" (which is R Σ x ln x in kJ/mol/K).
- "VEC mean": Σ x_i VEC_i with the Miedema-table valence electrons, exactly `WenAlloys`
  "VEC mean". Caveat: that table counts 4f electrons for the lanthanides (Ce 4 ... Gd 10
  ... Yb 16, Lu 3), where the HEA convention (Guo et al. 2011) uses 3; Magpie's
  "mean NValence" does the same. Kept as matminer has it, so models see matminer's data.
- "electronegativity difference (Pauling)": Δχ = sqrt(Σ x_i (χ_i − χ̄)²) with Magpie's
  Pauling electronegativity (the absolute form used for metallic glasses, Fang et al.
  2003). matminer has no featurizer for this form; the benchmark checks it against
  matminer's own Pauling table.
- "Electronegativity delta": sqrt(Σ x_i (1 − φ_i/φ̄)²) with Miedema's φ*, exactly
  `WenAlloys` "Electronegativity delta" (a relative, dimensionless form).
- "mixing enthalpy (kJ/mol)": ΔHmix = Σ_{i<j} 4 ΔH_ij x_i x_j (regular-solution model)
  with the liquid-phase Miedema binary enthalpies ΔH_ij at equiatomic composition of
  Takeuchi & Inoue (2005). Signed; matminer's `WenAlloys` "Mixing enthalpy" is
  max(1e-6, |ΔHmix|). This is the descriptor of Inoue's rules for glass formation
  (a large negative heat of mixing among the main constituents) and of the δ–ΔHmix
  maps that separate glass formers from solid solutions: it is the enthalpy of the
  liquid, the state a glass freezes in, and needs only tabulated pairs.
- "Yang omega": Ω = T̄m ΔSmix / |ΔHmix| (Yang & Zhang 2012; Magpie `MeltingT`, |ΔHmix|
  floored at 1e-6 kJ/mol), exactly `YangSolidSolution` "Yang omega".
- "Miedema_deltaH_amor" (eV/atom): Miedema's formation enthalpy of the amorphous phase,
  a sum over binary pairs of the chemical term (γ = 5) plus the topological term
  3.5 Σ x_i Tm_i (de Boer et al. 1988; multicomponent extension as in Gallego et al.
  1990), exactly matminer's `Miedema(struct_types="amor")`. It complements ΔHmix with
  the concentration dependence and the enthalpy of the amorphous state itself.

Missing data: a feature is NaN for a row containing an element whose table value that
feature needs is missing (e.g. an element outside Miedema's 73, a pair absent from
Takeuchi & Inoue's table). No imputation: this equals matminer with `impute_nan=False`,
except that matminer's `WenAlloys`/`YangSolidSolution` turn an untabulated pair into
|ΔHmix| = 1e-6 (Python's `max(1e-6, nan)`), where this module gives NaN.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from alloygan.models.descriptors import element_data
from alloygan.models.encoding import ElementVocabulary

if TYPE_CHECKING:
    from alloygan.knowledge_base.composition import Composition

GAS_CONSTANT = 8.314  # J/(mol K), the value of matminer and of Yang & Zhang (2012)
KJ_PER_MOL_PER_EV_PER_ATOM = 96.4853  # matminer's Miedema conversion
MIN_ABS_MIXING_ENTHALPY = 1e-6  # kJ/mol, Yang & Zhang's Ω floor as in matminer
MAGPIE_STATS: tuple[str, ...] = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")
ALLOY_LABELS: tuple[str, ...] = (
    "atomic size mismatch delta (%)",
    "mixing entropy (J/mol/K)",
    "VEC mean",
    "electronegativity difference (Pauling)",
    "Electronegativity delta",
    "mixing enthalpy (kJ/mol)",
    "Yang omega",
    "Miedema_deltaH_amor",
)
_CHUNK_ROWS = 2048  # rows per block: keeps the (rows, elements, properties) temporaries in cache

CITATIONS: tuple[str, ...] = (
    "Ward, Agrawal, Choudhary, Wolverton (2016). A general-purpose machine learning framework for "
    "predicting properties of inorganic materials. npj Comput. Mater. 2, 16028. doi:10.1038/npjcompumats.2016.28",
    "Yang, Zhang (2012). Prediction of high-entropy stabilized solid-solution in multi-component alloys. "
    "Mater. Chem. Phys. 132, 233-238. doi:10.1016/j.matchemphys.2011.11.021",
    "Miracle, Louzguine-Luzgin, Louzguina-Luzgina, Inoue (2010). An assessment of binary metallic glasses: "
    "correlations between structure, glass forming ability and stability. Int. Mater. Rev. 55, 218-256",
    "Takeuchi, Inoue (2005). Classification of bulk metallic glasses by atomic size difference, heat of mixing "
    "and period of constituent elements. Mater. Trans. 46, 2817-2829. doi:10.2320/matertrans.46.2817",
    "Fang, Xiao, Xia, Li, Dong (2003). Relationship between the widths of supercooled liquid regions and bond "
    "parameters of Mg-based bulk metallic glasses. J. Non-Cryst. Solids 321, 120-125",
    "Guo, Ng, Lu, Liu (2011). Effect of valence electron concentration on stability of fcc or bcc phase in "
    "high entropy alloys. J. Appl. Phys. 109, 103505",
    "Wen et al. (2019). Machine learning assisted design of high entropy alloys with desired property. "
    "Acta Mater. 170, 109-117. doi:10.1016/j.actamat.2019.03.010",
    "de Boer, Boom, Mattens, Miedema, Niessen (1988). Cohesion in Metals: Transition Metal Alloys. North-Holland",
    "Gallego, Somoza, Alonso (1990). Glass formation in ternary transition metal alloys. "
    "J. Phys.: Condens. Matter 2, 6245",
    "Ward et al. (2018). Matminer: An open source toolkit for materials data mining. "
    "Comput. Mater. Sci. 152, 60-69. doi:10.1016/j.commatsci.2018.05.018",
)


@dataclass(frozen=True)
class _Tables:
    """Per-vocabulary element data; each array has a final all-zero padding row (index V)."""

    magpie: np.ndarray  # (V + 1, 22 + 1): the 22 preset properties and a column of ones
    miracle_radius: np.ndarray
    pauling: np.ndarray
    melting_magpie: np.ndarray
    miedema: dict[str, np.ndarray]
    mixing_enthalpy: np.ndarray  # (V + 1, V + 1), kJ/mol


@lru_cache(maxsize=64)
def _tables(elements: tuple[str, ...]) -> _Tables:
    properties = element_data.MAGPIE_PRESET_PROPERTIES
    magpie = element_data.magpie_matrix(elements, properties)
    ones = np.ones((len(elements) + 1, 1))
    return _Tables(
        magpie=np.concatenate([magpie, ones], axis=1),
        miracle_radius=element_data.magpie_matrix(elements, ["MiracleRadius"])[:, 0],
        pauling=magpie[:, properties.index("Electronegativity")],
        melting_magpie=magpie[:, properties.index("MeltingT")],
        miedema=element_data.miedema_matrix(elements),
        mixing_enthalpy=element_data.liquid_mixing_enthalpy_matrix(elements),
    )


class CompositionDescriptors:
    """Element-data descriptors of compositions over a fixed element vocabulary.

    `featurize` takes an (n, V) array of non-negative amounts whose columns follow
    `elements` (e.g. `ElementVocabulary.encode` output); each row is renormalised to
    atomic fractions. Tables load on first use and are cached per vocabulary.
    """

    def __init__(self, elements: Sequence[str], magpie_stats: Sequence[str] = MAGPIE_STATS,
                 miedema_amorphous: bool = True):
        self.elements = tuple(elements)
        self.magpie_stats = tuple(magpie_stats)
        self.miedema_amorphous = miedema_amorphous  # the costliest term (a loop over element pairs)
        unknown = set(self.magpie_stats) - set(MAGPIE_STATS)
        if unknown:
            raise ValueError(f"unknown Magpie statistics {sorted(unknown)}; choose from {MAGPIE_STATS}")

    def feature_labels(self) -> list[str]:
        magpie = [
            f"MagpieData {stat} {prop}"
            for prop in element_data.MAGPIE_PRESET_PROPERTIES
            for stat in MAGPIE_STATS
            if stat in self.magpie_stats
        ]
        return magpie + list(ALLOY_LABELS if self.miedema_amorphous else ALLOY_LABELS[:-1])

    def citations(self) -> list[str]:
        return list(CITATIONS)

    def featurize(self, fractions: np.ndarray) -> np.ndarray:
        """(n, n_features) descriptors of the rows of `fractions`."""
        x = _validated_fractions(fractions, len(self.elements))
        tables = _tables(self.elements)
        out = np.empty((x.shape[0], len(self.feature_labels())))
        with np.errstate(divide="ignore", invalid="ignore"):
            for start in range(0, x.shape[0], _CHUNK_ROWS):
                stop = start + _CHUNK_ROWS
                index, weight = _compact(x[start:stop])
                out[start:stop] = np.concatenate(
                    [self._magpie(x[start:stop], index, weight, tables),
                     _alloy_terms(index, weight, tables, self.miedema_amorphous)], axis=1
                )
        return out

    def _magpie(self, x: np.ndarray, index: np.ndarray, weight: np.ndarray, tables: _Tables) -> np.ndarray:
        if self.magpie_stats == ("mean",):  # the common fast case: fraction-weighted means are one product
            return x @ tables.magpie[:-1, :-1]
        full = _magpie_statistics(index, weight, tables).reshape(len(index), -1, len(MAGPIE_STATS))
        keep = [MAGPIE_STATS.index(stat) for stat in MAGPIE_STATS if stat in self.magpie_stats]
        return full[:, :, keep].reshape(len(index), -1)


def describe_composition(composition: Composition) -> dict[str, float]:
    """{feature label: value} for one composition (its own elements as the vocabulary)."""
    vocabulary = ElementVocabulary(sorted(composition.element_set))
    descriptors = CompositionDescriptors(vocabulary.elements)
    row = descriptors.featurize(vocabulary.encode([composition]))[0]
    return dict(zip(descriptors.feature_labels(), row.tolist()))


def _validated_fractions(fractions: np.ndarray, n_elements: int) -> np.ndarray:
    x = np.asarray(fractions, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != n_elements:
        raise ValueError(
            f"fractions must be an (n, {n_elements}) array with one column per vocabulary element, got shape {x.shape}"
        )
    totals = x.sum(axis=1)
    bad = ~np.isfinite(x).all(axis=1) | (x < 0).any(axis=1) | ~(totals > 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"row {row} of fractions is not a composition: amounts must be finite and non-negative "
            f"with a positive total ({int(bad.sum())} such rows)"
        )
    return x / totals[:, None]


def _compact(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as (index, weight) over the K = max elements-per-row slots; padding index V, weight 0."""
    n, size = x.shape
    present = x > 0
    counts = present.sum(axis=1)
    width = int(counts.max()) if n else 1
    rows, columns = np.nonzero(present)  # row-major: each row's elements are contiguous
    slots = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    index = np.full((n, width), size, dtype=np.intp)
    weight = np.zeros((n, width))
    index[rows, slots] = columns
    weight[rows, slots] = x[rows, columns]
    return index, weight


def _magpie_statistics(index: np.ndarray, weight: np.ndarray, tables: _Tables) -> np.ndarray:
    """(n, 22 * 6) matminer `PropertyStats` of the 22 Magpie properties."""
    values = tables.magpie[index]  # (n, K, P + 1); the last column is 1 for every element
    present = (weight > 0)[:, :, None]
    # Divided by Σ weights (≈ 1) summed in the same order, as np.average does in matminer:
    # then a property equal for all elements has mean == that value and avg_dev == 0 exactly.
    sums = (weight[:, :, None] * values).sum(axis=1)
    total = sums[:, -1:]
    values = values[:, :, :-1]
    mean = sums[:, :-1] / total
    avg_dev = (weight[:, :, None] * np.abs(values - mean[:, None, :])).sum(axis=1) / total
    minimum = np.where(present, values, np.inf).min(axis=1)
    maximum = np.where(present, values, -np.inf).max(axis=1)
    # matminer's weighted mode: the smallest value among the elements whose fraction is
    # np.isclose to the largest fraction.
    most_abundant = np.isclose(weight, weight.max(axis=1, keepdims=True)) & (weight > 0)
    mode = np.where(most_abundant[:, :, None], values, np.inf).min(axis=1)
    stats = np.stack([minimum, maximum, maximum - minimum, mean, avg_dev, mode], axis=2)  # MAGPIE_STATS order
    return stats.reshape(len(index), -1)


def _alloy_terms(index: np.ndarray, weight: np.ndarray, tables: _Tables, miedema_amorphous: bool = True) -> np.ndarray:
    """(n, 8) columns in ALLOY_LABELS order (n, 7 without the Miedema amorphous enthalpy)."""
    radius = tables.miracle_radius[index]
    mean_radius = (weight * radius).sum(axis=1)
    size_mismatch_pct = 100.0 * np.sqrt((weight * (1.0 - radius / mean_radius[:, None]) ** 2).sum(axis=1))

    log_weight = np.log(np.where(weight > 0, weight, 1.0))
    mixing_entropy = 0.0 - GAS_CONSTANT * (weight * log_weight).sum(axis=1)  # 0.0 - : no -0.0 for a pure element

    vec = (weight * tables.miedema["valence_electrons"][index]).sum(axis=1)

    pauling = tables.pauling[index]
    mean_pauling = (weight * pauling).sum(axis=1)
    electronegativity_difference = np.sqrt((weight * (pauling - mean_pauling[:, None]) ** 2).sum(axis=1))

    phi = tables.miedema["electronegativity"][index]
    mean_phi = (weight * phi).sum(axis=1)
    wen_electronegativity_delta = np.sqrt((weight * (1.0 - phi / mean_phi[:, None]) ** 2).sum(axis=1))

    mixing_enthalpy = np.zeros(len(index))
    width = index.shape[1]
    for a in range(width):
        for b in range(a + 1, width):
            pair = tables.mixing_enthalpy[index[:, a], index[:, b]]
            mixing_enthalpy += pair * weight[:, a] * weight[:, b]
    mixing_enthalpy *= 4.0

    mean_melting = (weight * tables.melting_magpie[index]).sum(axis=1)
    omega = mean_melting * (mixing_entropy / 1000.0) / np.maximum(MIN_ABS_MIXING_ENTHALPY, np.abs(mixing_enthalpy))

    return np.stack(
        [
            size_mismatch_pct,
            mixing_entropy,
            vec,
            electronegativity_difference,
            wen_electronegativity_delta,
            mixing_enthalpy,
            omega,
            *([_miedema_amorphous_enthalpy(index, weight, tables.miedema)] if miedema_amorphous else []),
        ],
        axis=1,
    )


def _miedema_amorphous_enthalpy(index: np.ndarray, weight: np.ndarray, miedema: dict[str, np.ndarray]) -> np.ndarray:
    """Miedema ΔH of the amorphous phase in eV/atom, term for term as matminer's `Miedema`."""
    params = {name: column[index] for name, column in miedema.items()}
    molar_volume_23 = np.power(params["molar_volume"], 2.0 / 3.0)
    n_ws_13 = np.power(params["electron_density"], 1.0 / 3.0)
    phi, valence = params["electronegativity"], params["valence_electrons"]
    transition_like = (valence >= 3) & (valence <= 11) & (valence == np.floor(valence))  # matminer: val in range(3, 12)
    gamma = 5.0  # amorphous phase
    total = np.zeros(len(index))
    width = index.shape[1]
    for a in range(width):
        for b in range(a + 1, width):
            xa, xb = weight[:, a], weight[:, b]
            va23, vb23 = molar_volume_23[:, a], molar_volume_23[:, b]
            d_phi = phi[:, a] - phi[:, b]
            # surface concentrations, then volumes corrected for charge transfer
            csa, csb = xa * va23 / (xa * va23 + xb * vb23), xb * vb23 / (xa * va23 + xb * vb23)
            order = 1.0 + gamma * np.power(csa * csb, 2)
            va = va23 * (1.0 + params["a_const"][:, a] * (csb * order) * d_phi)
            vb = vb23 * (1.0 + params["a_const"][:, b] * (csa * order) * -d_phi)
            csa_alloy, csb_alloy = xa * va / (xa * va + xb * vb), xb * vb / (xa * va + xb * vb)
            fab = csb_alloy * (1.0 + gamma * np.power(csa_alloy * csb_alloy, 2))
            both = transition_like[:, a] & transition_like[:, b]
            neither = ~transition_like[:, a] & ~transition_like[:, b]
            p = np.where(both, 14.1, np.where(neither, 10.7, 12.35))
            r = np.where(both | neither, 0.0, params["R_const"][:, a] * params["R_const"][:, b] * p)
            q = p * 9.4
            eta = (
                2
                * (-p * np.power(d_phi, 2) - r + q * np.power(n_ws_13[:, a] - n_ws_13[:, b], 2))
                / (1 / n_ws_13[:, a] + 1 / n_ws_13[:, b])
            )
            chemical = fab * xa * va * eta + (xa * params["H_trans"][:, a] + xb * params["H_trans"][:, b])
            total += np.where((xa > 0) & (xb > 0), chemical, 0.0)
    topological = 3.5 * (weight * params["melting_point"]).sum(axis=1) / 1000
    return (total + topological) / KJ_PER_MOL_PER_EV_PER_ATOM
