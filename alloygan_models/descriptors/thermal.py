"""Thermodynamic features: the three characteristic temperatures and published GFA criteria.

AlloyGAN (arXiv 2502.18127) conditions its generator on Tg (glass transition), Tx (onset
of crystallisation) and Tl (liquidus), all in kelvin, plus glass-forming-ability (GFA)
criteria computed from them. This module holds only the criteria whose published form we
could confirm; `docs/gfa_criteria.md` says, for each one, which source confirmed it, and
lists the criteria named by the method that were left out because their form could not be
confirmed (An 2009, Dong 2011, Blyskun 2015, Long 2018, Xiong 2019, Deng 2020).

Every function works on whole NumPy arrays (no per-row loops). Physically odd inputs are
not rejected row by row: where a criterion is undefined (Tx < Tg makes phi's fractional
power NaN; Tl == Tx divides by zero) the value is NaN or inf and is passed on unchanged.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
CriterionFunction = Callable[[FloatArray, FloatArray, FloatArray], FloatArray]


@dataclass(frozen=True)
class Criterion:
    """One published GFA criterion computed from (Tg, Tx, Tl) in kelvin."""

    name: str  # canonical ASCII key used in JSON, tables and FEATURE_NAMES
    symbol: str  # symbol as printed in the literature
    formula: str  # human-readable formula
    citation: str  # where the criterion was proposed (see docs/gfa_criteria.md for confidence)
    aliases: tuple[str, ...]  # other spellings a user might type
    function: CriterionFunction


# --- Criteria, in the order METHOD.md lists them --------------------------------------
# Arguments are float arrays of equal shape: Tg, Tx, Tl in kelvin.


def supercooled_liquid_region(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """ΔTx = Tx − Tg, in K (Inoue; METHOD.md dates it 1991)."""
    return Tx - Tg


def reduced_glass_transition(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """Trg = Tg / Tl (Lu, Tan, Li, Ng, Scripta Mater. 42 (2000) 667)."""
    return Tg / Tl


def gamma_lu_liu(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """γ = Tx / (Tg + Tl) (Lu & Liu, Acta Mater. 2002)."""
    return Tx / (Tg + Tl)


def reduced_supercooled_region(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """ΔTrg = (Tx − Tg) / (Tl − Tg) (Xiao et al. 2004, per METHOD.md)."""
    return (Tx - Tg) / (Tl - Tg)


def alpha_mondal(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """α = Tx / Tl (Mondal & Murty, J. Non-Cryst. Solids 2005)."""
    return Tx / Tl


def beta_mondal(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """β = Tx / Tg + Tg / Tl (Mondal & Murty, J. Non-Cryst. Solids 2005)."""
    return Tx / Tg + Tg / Tl


def delta_chen(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """δ = Tx / (Tl − Tg) (Chen et al., Mater. Sci. Eng. A 2006)."""
    return Tx / (Tl - Tg)


def gamma_m_du(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """γm = (2Tx − Tg) / Tl (Du et al., J. Appl. Phys. 101 (2007))."""
    return (2.0 * Tx - Tg) / Tl


def phi_fan(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """φ = Trg · (ΔTx / Tg)^0.143 (Fan, Choo & Liaw 2007). NaN when Tx < Tg."""
    return (Tg / Tl) * np.power((Tx - Tg) / Tg, 0.143)


def xi_du(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """ξ = Tg / Tl + ΔTx / Tx (Du & Huang 2008)."""
    return Tg / Tl + (Tx - Tg) / Tx


def beta_yuan(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """β = Tx·Tg / (Tl − Tx)² (Yuan et al., J. Alloys Compd. 459 (2008) 251)."""
    return Tx * Tg / (Tl - Tx) ** 2


def omega_long(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """ω = Tg / Tx − 2Tg / (Tg + Tl) (Long et al., J. Alloys Compd. 2009). Lower is better."""
    return Tg / Tx - 2.0 * Tg / (Tg + Tl)


def omega_ji(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """ω = Tl·(Tl + Tx) / [Tx·(Tl − Tx)] (Ji & Pan 2009; attribution from secondary code)."""
    return Tl * (Tl + Tx) / (Tx * (Tl - Tx))


def theta_zhang(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """θ = (Tx + Tg)/Tl · [(Tx − Tg)/Tl]^0.0728 (Zhang & Chou, J. Appl. Phys. 106 (2009) 094902)."""
    return (Tx + Tg) / Tl * np.power((Tx - Tg) / Tl, 0.0728)


def gamma_c_guo(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """γc = (3Tx − 2Tg) / Tl (Guo & Liu, Intermetallics 18 (2010) 2065)."""
    return (3.0 * Tx - 2.0 * Tg) / Tl


def gp_tripathi(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """Gp = Tg·(Tx − Tg) / (Tl − Tx)² (Tripathi et al., Comput. Mater. Sci. 2016)."""
    return Tg * (Tx - Tg) / (Tl - Tx) ** 2


def k_ren(Tg: FloatArray, Tx: FloatArray, Tl: FloatArray) -> FloatArray:
    """k = Tg·Tx·Tl·(Tx − Tg) / (Tl − Tx)⁴ (Ren, Long & Deng, Comput. Mater. Sci. 189 (2021) 110259)."""
    return Tg * Tx * Tl * (Tx - Tg) / (Tl - Tx) ** 4


CRITERIA: tuple[Criterion, ...] = (
    Criterion("dTx", "ΔTx", "Tx − Tg  [K]",
              "A. Inoue et al.; dated 1991 by METHOD.md (exact 1991 paper not located; cf. "
              "Inoue, Zhang & Masumoto, J. Non-Cryst. Solids 156-158 (1993) 473)",
              ("ΔTx", "deltaTx", "delta_Tx", "dTx", "supercooled_liquid_region"),
              supercooled_liquid_region),
    Criterion("Trg", "Trg", "Tg / Tl",
              "Z.P. Lu, H. Tan, Y. Li, S.C. Ng, Scripta Mater. 42 (2000) 667-673",
              ("Tg/Tl", "T_rg", "Tgr", "reduced_glass_transition"),
              reduced_glass_transition),
    Criterion("gamma", "γ", "Tx / (Tg + Tl)",
              "Z.P. Lu, C.T. Liu, Acta Mater. (2002)",
              ("γ", "gamma_lu"),
              gamma_lu_liu),
    Criterion("dTrg", "ΔTrg", "(Tx − Tg) / (Tl − Tg)",
              "X.S. Xiao et al. (2004), per METHOD.md; original not located",
              ("ΔTrg", "deltaTrg", "delta_Trg"),
              reduced_supercooled_region),
    Criterion("alpha", "α", "Tx / Tl",
              "K. Mondal, B.S. Murty, J. Non-Cryst. Solids (2005)",
              ("α", "alpha_mondal"),
              alpha_mondal),
    Criterion("beta", "β", "Tx / Tg + Tg / Tl",
              "K. Mondal, B.S. Murty, J. Non-Cryst. Solids (2005)",
              ("β", "beta_mondal", "β_Mondal"),
              beta_mondal),
    Criterion("delta", "δ", "Tx / (Tl − Tg)",
              "Q.J. Chen et al., Mater. Sci. Eng. A (2006)",
              ("δ", "delta_chen"),
              delta_chen),
    Criterion("gamma_m", "γm", "(2Tx − Tg) / Tl",
              "X.H. Du et al., 'New criterion of glass forming ability for bulk metallic "
              "glasses', J. Appl. Phys. 101 (2007)",
              ("γm", "γ_m", "gammam"),
              gamma_m_du),
    Criterion("phi", "φ", "Trg · ((Tx − Tg) / Tg)^0.143",
              "G.J. Fan, H. Choo, P.K. Liaw (2007)",
              ("φ", "ϕ", "Φ"),
              phi_fan),
    Criterion("xi", "ξ", "Tg / Tl + (Tx − Tg) / Tx",
              "X.H. Du, J.C. Huang (2008)",
              ("ξ",),
              xi_du),
    Criterion("beta2", "β₂", "Tx · Tg / (Tl − Tx)²",
              "Z.Z. Yuan et al., J. Alloys Compd. 459 (2008) 251-260, "
              "doi:10.1016/j.jallcom.2007.05.037",
              ("β₂", "β2", "beta_yuan", "β_Yuan"),
              beta_yuan),
    Criterion("omega", "ω", "Tg / Tx − 2Tg / (Tg + Tl)",
              "Z. Long et al., J. Alloys Compd. (2009)",
              ("ω", "omega_long", "ω_Long"),
              omega_long),
    Criterion("omega_ji", "ω_Ji", "Tl · (Tl + Tx) / [Tx · (Tl − Tx)]",
              "X.L. Ji, Y. Pan (2009); attribution inferred from secondary sources",
              ("ω_Ji", "omegaji", "ωJi"),
              omega_ji),
    Criterion("theta", "θ", "(Tx + Tg) / Tl · ((Tx − Tg) / Tl)^0.0728",
              "G.H. Zhang, K.C. Chou, J. Appl. Phys. 106 (2009) 094902, doi:10.1063/1.3255952",
              ("θ", "theta_zhang"),
              theta_zhang),
    Criterion("gamma_c", "γc", "(3Tx − 2Tg) / Tl",
              "S. Guo, C.T. Liu, Intermetallics 18 (2010) 2065-2068",
              ("γc", "γ_c", "gammac"),
              gamma_c_guo),
    Criterion("Gp", "Gp", "Tg · (Tx − Tg) / (Tl − Tx)²",
              "M.K. Tripathi et al., 'Evolution of glass forming ability indicator by genetic "
              "programming', Comput. Mater. Sci. (2016), doi:10.1016/j.commatsci.2016.02.037",
              ("G_p", "gp_tripathi"),
              gp_tripathi),
    Criterion("k", "k", "Tg · Tx · Tl · (Tx − Tg) / (Tl − Tx)⁴",
              "B. Ren, Z. Long, R. Deng, Comput. Mater. Sci. 189 (2021) 110259",
              ("k_ren", "ren_k"),
              k_ren),
)

TEMPERATURES: tuple[str, ...] = ("Tg", "Tx", "Tl")
FEATURE_NAMES: tuple[str, ...] = TEMPERATURES + tuple(c.name for c in CRITERIA)

_TEMPERATURE_ALIASES: dict[str, tuple[str, ...]] = {
    "Tg": ("T_g", "glass_transition", "glass_transition_temperature", "glass_transition_K"),
    "Tx": ("T_x", "crystallization_onset", "crystallisation_onset", "onset_crystallization"),
    "Tl": ("T_l", "Tliq", "T_liq", "liquidus", "liquidus_temperature"),
}


def _alias_key(spelling: str) -> str:
    """Normalise a spelling: drop spaces, '_' and '-', lower-case ASCII letters only.

    Greek letters keep their case (Ω is not ω), and the increment sign ∆ (U+2206), which
    keyboards often produce, is read as the Greek capital Δ.
    """
    cleaned = spelling.strip().replace("\u2206", "\u0394")
    cleaned = "".join(ch for ch in cleaned if ch not in " _-")
    return "".join(ch.lower() if ch.isascii() else ch for ch in cleaned)


def _build_alias_index() -> dict[str, str]:
    spellings: dict[str, tuple[str, ...]] = dict(_TEMPERATURE_ALIASES)
    for criterion in CRITERIA:
        spellings[criterion.name] = (criterion.symbol, *criterion.aliases)
    index: dict[str, str] = {}
    for canonical, others in spellings.items():
        for spelling in (canonical, *others):
            key = _alias_key(spelling)
            if index.setdefault(key, canonical) != canonical:
                raise RuntimeError(f"alias {spelling!r} names both {index[key]!r} and {canonical!r}")
    return index


_ALIAS_INDEX: dict[str, str] = _build_alias_index()


def resolve_property(name: str) -> str:
    """Map a user's spelling ("trg", "γ", "ΔTx", "Tg", ...) to its name in FEATURE_NAMES.

    ASCII letters are matched case-insensitively, and spaces, '_' and '-' are ignored.
    "β"/"beta" mean Mondal's β (2005); Yuan's β (2008) is "beta2"/"β2". Likewise "ω"/"omega"
    is Long's ω (2009) and Ji's is "omega_ji".
    """
    canonical = _ALIAS_INDEX.get(_alias_key(name)) if isinstance(name, str) else None
    if canonical is None:
        raise KeyError(
            f"unknown thermodynamic property {name!r}; use one of {', '.join(FEATURE_NAMES)} "
            "(symbols such as γ, ΔTx or ω are accepted too; see docs/gfa_criteria.md)"
        )
    return canonical


def _as_temperature_arrays(Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike) -> tuple[FloatArray, ...]:
    arrays = []
    for label, values in zip(TEMPERATURES, (Tg, Tx, Tl)):
        try:
            array = np.atleast_1d(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{label} must be numbers (temperatures in K): {error}") from None
        if array.ndim != 1:
            raise ValueError(f"{label} must be a scalar or a 1-D array; got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{label} contains NaN or infinite values; drop or fill those rows first")
        if np.any(array <= 0.0):
            raise ValueError(f"{label} must be absolute temperatures in kelvin (> 0); "
                             "convert from °C by adding 273.15")
        arrays.append(array)
    try:
        return tuple(np.broadcast_arrays(*arrays))
    except ValueError:
        lengths = ", ".join(f"{label}={a.size}" for label, a in zip(TEMPERATURES, arrays))
        raise ValueError(f"Tg, Tx and Tl must have the same length; got {lengths}") from None


def thermal_features(Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike) -> FloatArray:
    """Feature matrix of shape (n, len(FEATURE_NAMES)): Tg, Tx, Tl, then every criterion.

    Scalars give one row. Temperatures must be finite and positive (kelvin), else ValueError.
    """
    glass, onset, liquidus = _as_temperature_arrays(Tg, Tx, Tl)
    columns = [glass, onset, liquidus]
    # Undefined criteria (e.g. Tl == Tx) become inf/NaN by IEEE rules; see module docstring.
    with np.errstate(divide="ignore", invalid="ignore"):
        columns.extend(criterion.function(glass, onset, liquidus) for criterion in CRITERIA)
    return np.column_stack(columns)


def thermal_feature_dict(Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike) -> dict[str, FloatArray]:
    """The same features as `thermal_features`, keyed by FEATURE_NAMES, one array per feature."""
    matrix = thermal_features(Tg, Tx, Tl)
    return {name: matrix[:, i].copy() for i, name in enumerate(FEATURE_NAMES)}


_BY_NAME: dict[str, Criterion] = {criterion.name: criterion for criterion in CRITERIA}


def thermal_property(name: str, Tg: np.ndarray, Tx: np.ndarray, Tl: np.ndarray) -> np.ndarray:
    """One feature (any alias) elementwise on arrays of any equal shape, e.g. (candidates, samples).

    No validation: for the forward model's samples, which are positive by construction.
    """
    canonical = resolve_property(name)
    if canonical in TEMPERATURES:
        return {"Tg": Tg, "Tx": Tx, "Tl": Tl}[canonical]
    with np.errstate(divide="ignore", invalid="ignore"):
        return _BY_NAME[canonical].function(Tg, Tx, Tl)


def property_spellings() -> dict[str, str]:
    """Every spelling `resolve_property` accepts as written (names, symbols, aliases) -> canonical name."""
    spellings = {name: name for name in FEATURE_NAMES}
    for canonical, others in _TEMPERATURE_ALIASES.items():
        spellings.update({other: canonical for other in others})
    for criterion in CRITERIA:
        spellings.update({other: criterion.name for other in (criterion.symbol, *criterion.aliases)})
    return spellings
