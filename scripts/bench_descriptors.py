"""Benchmark `CompositionDescriptors.featurize` and check it against matminer's featurizers.

    OMP_NUM_THREADS=1 python scripts/bench_descriptors.py [--n 100000] [--sample 300]

1. Compositions: the `formula` column of any knowledge_base/data/*.csv, else a built-in
   list of published metallic-glass formulas, topped up with random compositions
   (2-7 elements, Dirichlet fractions) over the elements of those formulas.
2. Throughput of `featurize` on one core (threads pinned to 1 below, before NumPy loads),
   and of `knowledge_base.prices.cost_usd_per_kg` for reference.
3. Equality with matminer (impute_nan=False) on a sample (half published, half random): ElementProperty("magpie"),
   YangSolidSolution, WenAlloys, Miedema(struct_types="amor"), and the Pauling Δχ
   against matminer's MagpieData table. Prints the max absolute and relative difference
   per family; exits 1 if any relative difference exceeds 1e-6.
"""
from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alloygan.models.descriptors.elemental import CompositionDescriptors  # noqa: E402
from alloygan.models.encoding import ElementVocabulary  # noqa: E402
from alloygan.knowledge_base.composition import Composition, CompositionError  # noqa: E402
from alloygan.knowledge_base.prices import cost_usd_per_kg  # noqa: E402

RELATIVE_TOLERANCE = 1e-6

# Published metallic-glass compositions (at.%) across the common families.
BUILTIN_FORMULAS = """
Zr41.2Ti13.8Cu12.5Ni10Be22.5 Zr46.75Ti8.25Cu7.5Ni10Be27.5 Zr55Cu30Al10Ni5 Zr65Al7.5Ni10Cu17.5
Zr52.5Cu17.9Ni14.6Al10Ti5 Zr57Nb5Cu15.4Ni12.6Al10 Zr62Cu29.6Al4.2Ag2.3Ni1.9 Zr50Cu40Al10
Zr48Cu36Al8Ag8 Zr60Cu20Al10Ni10 Zr70Ni16Cu6Al8 Cu50Zr50 Cu64Zr36 Cu46Zr46Al8 Cu60Zr30Ti10
Cu47Ti33Zr11Ni6Sn2Si1 Cu46Zr42Al7Y5 Cu43Zr43Al7Ag7 Cu50Hf42.5Al7.5 Fe80B20 Fe40Ni40P14B6 Fe78Si9B13
Fe73.5Si13.5B9Nb3Cu1 Fe48Cr15Mo14Er2C15B6 Fe41Co7Cr15Mo14C15B6Y2 Fe76Si9B10P5
Fe74Mo4P10C7.5B2.5Si2 Fe43Cr16Mo16C15B10 Ti40Zr25Cu12Ni3Be20 Ti41.5Zr2.5Hf5Cu42.5Ni7.5Si1
Ti45Zr16Ni9Cu10Be20 Ti32.8Zr30.2Ni5.3Cu9Be22.7 Pd40Ni40P20 Pd40Cu30Ni10P20 Pd77.5Cu6Si16.5
Pt42.5Cu27Ni9.5P21 Pt57.5Cu14.7Ni5.3P22.5 Au49Ag5.5Pd2.3Cu26.9Si16.3 Mg65Cu25Y10 Mg65Cu25Gd10
Mg54Cu26.5Ag8.5Gd11 Ca65Mg15Zn20 La55Al25Ni20 La55Al25Cu10Ni5Co5 Ce70Al10Cu20 Nd60Fe30Al10
Gd55Al25Co20 Er55Al25Co20 Y56Al24Co20 Ni62Nb38 Ni60Nb35Sn5 Ni40Zr28.5Ti16.5Al10Cu5 Ni80P20
Co43Fe20Ta5.5B31.5 Al85Ni5Y10 Hf50Cu30Ni10Al10
""".split()


def load_compositions() -> tuple[list[Composition], str]:
    for path in sorted((ROOT / "knowledge_base" / "data").glob("*.csv")):
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames and "formula" in reader.fieldnames:
                compositions = []
                for row in reader:
                    try:
                        compositions.append(Composition.parse(row["formula"]))
                    except CompositionError:
                        pass
                if compositions:
                    return compositions, f"{path.relative_to(ROOT)} ({len(compositions)} formulas)"
    return [Composition.parse(f) for f in BUILTIN_FORMULAS], f"built-in list ({len(BUILTIN_FORMULAS)} formulas)"


def random_fractions(n: int, n_elements: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((n, n_elements))
    counts = rng.integers(2, 8, size=n)
    for row, count in enumerate(counts):
        columns = rng.choice(n_elements, size=count, replace=False)
        out[row, columns] = rng.dirichlet(np.ones(count))
    return out


def time_calls(function, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def matminer_reference(elements: tuple[str, ...], fractions: np.ndarray, labels: list[str], ours: np.ndarray):
    """({family: (ours, matminer)}, rows matminer cannot featurize) over the sample rows.

    Rows with an element outside Miedema's table or an untabulated mixing-enthalpy pair
    (matminer's own prechecks) crash WenAlloys with impute_nan=False; they are compared
    for the Magpie family only, and returned so the caller can check that ours is NaN there.
    """
    from matminer.featurizers.composition import ElementProperty, Miedema, WenAlloys, YangSolidSolution
    from matminer.featurizers.utils.stats import PropertyStats
    from matminer.utils.data import MagpieData
    from pymatgen.core import Composition as PymatgenComposition

    magpie = ElementProperty.from_preset("magpie", impute_nan=False)
    yang = YangSolidSolution(impute_nan=False)
    wen = WenAlloys(impute_nan=False)
    miedema = Miedema(struct_types="amor", impute_nan=False)
    pauling = MagpieData(impute_nan=False)
    wen_labels = wen.feature_labels()
    if magpie.feature_labels() != labels[:132]:
        raise SystemExit("FAILED: the first 132 labels differ from ElementProperty.from_preset('magpie')")
    column = {label: i for i, label in enumerate(labels)}

    reference: dict[str, list] = {key: [] for key in FAMILIES}
    complete_rows, incomplete_rows = [], []
    for number, row in enumerate(fractions):
        amounts = {elements[i]: float(row[i]) for i in np.flatnonzero(row > 0)}
        composition = PymatgenComposition(amounts)
        reference["ElementProperty magpie (132)"].append(magpie.featurize(composition))
        pairs_known = all(
            not np.isnan(yang.dhf_mix.get_mixing_enthalpy(a, b))
            for i, a in enumerate(composition.elements)
            for b in composition.elements[:i]
        )
        if not (miedema.precheck(composition) and yang.precheck(composition) and pairs_known):
            incomplete_rows.append(number)
            continue
        complete_rows.append(number)
        yang_omega, yang_delta = yang.featurize(composition)
        wen_values = dict(zip(wen_labels, wen.featurize(composition)))
        chi = pauling.get_elemental_properties(list(composition.elements), "Electronegativity")
        weights = list(composition.fractional_composition.values())
        mean_chi = PropertyStats.mean(chi, weights)
        reference["YangSolidSolution Yang delta"].append(yang_delta)
        reference["YangSolidSolution Yang omega"].append(yang_omega)
        reference["WenAlloys Configuration entropy"].append(wen_values["Configuration entropy"])
        reference["WenAlloys VEC mean"].append(wen_values["VEC mean"])
        reference["WenAlloys Electronegativity delta"].append(wen_values["Electronegativity delta"])
        reference["WenAlloys Mixing enthalpy"].append(wen_values["Mixing enthalpy"])
        reference["Miedema deltaH_amor"].append(miedema.featurize(composition)[0])
        reference["Pauling Δχ vs MagpieData table"].append(
            np.sqrt(PropertyStats.mean(np.square(np.subtract(chi, mean_chi)), weights))
        )

    complete = ours[complete_rows]
    mixing = complete[:, column["mixing enthalpy (kJ/mol)"]]
    mine = {
        "ElementProperty magpie (132)": ours[:, :132],
        "YangSolidSolution Yang delta": complete[:, column["atomic size mismatch delta (%)"]] / 100.0,
        "YangSolidSolution Yang omega": complete[:, column["Yang omega"]],
        "WenAlloys Configuration entropy": -complete[:, column["mixing entropy (J/mol/K)"]] / 1000.0,
        "WenAlloys VEC mean": complete[:, column["VEC mean"]],
        "WenAlloys Electronegativity delta": complete[:, column["Electronegativity delta"]],
        "WenAlloys Mixing enthalpy": np.maximum(1e-6, np.abs(mixing)),
        "Miedema deltaH_amor": complete[:, column["Miedema_deltaH_amor"]],
        "Pauling Δχ vs MagpieData table": complete[:, column["electronegativity difference (Pauling)"]],
    }
    families = {key: (mine[key], np.asarray(reference[key], dtype=float)) for key in FAMILIES}
    return families, incomplete_rows


# Features that need Miedema parameters or a tabulated pair, hence NaN where matminer lacks them.
NEEDS_MIEDEMA_OR_PAIRS = ("VEC mean", "Electronegativity delta", "mixing enthalpy (kJ/mol)", "Yang omega",
                          "Miedema_deltaH_amor")


FAMILIES = (
    "ElementProperty magpie (132)",
    "YangSolidSolution Yang delta",
    "YangSolidSolution Yang omega",
    "WenAlloys Configuration entropy",
    "WenAlloys VEC mean",
    "WenAlloys Electronegativity delta",
    "WenAlloys Mixing enthalpy",
    "Miedema deltaH_amor",
    "Pauling Δχ vs MagpieData table",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="compositions to featurize (default 100000)")
    parser.add_argument("--sample", type=int, default=300, help="compositions checked against matminer")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    compositions, origin = load_compositions()
    vocabulary = ElementVocabulary.from_compositions(compositions)
    known = vocabulary.encode(compositions)
    fractions = np.concatenate([known, random_fractions(max(0, args.n - len(known)), len(vocabulary), rng)])
    descriptors = CompositionDescriptors(vocabulary.elements)
    labels = descriptors.feature_labels()
    print(f"compositions: {origin} + random, {len(fractions)} rows over {len(vocabulary)} elements")
    print(f"features: {len(labels)}; threads: OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")

    start = time.perf_counter()
    descriptors.featurize(fractions[:1])
    print(f"first call (loads tables): {time.perf_counter() - start:.3f} s")
    seconds = time_calls(lambda: descriptors.featurize(fractions), args.repeats)
    print(
        f"featurize: {len(fractions) / min(seconds):,.0f} compositions/s best, "
        f"{len(fractions) / statistics.median(seconds):,.0f} median of {args.repeats}"
    )
    cost_seconds = time_calls(lambda: cost_usd_per_kg(vocabulary.elements, fractions), args.repeats)
    print(f"cost_usd_per_kg: {len(fractions) / min(cost_seconds):,.0f} compositions/s best")

    # half published formulas, half random compositions (up to 7 elements)
    n_known = min(len(known), args.sample // 2)
    picked = known[np.sort(rng.choice(len(known), size=n_known, replace=False))]
    sample = np.concatenate([picked, fractions[len(known):][: args.sample - n_known]])
    ours = descriptors.featurize(sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        families, incomplete_rows = matminer_reference(vocabulary.elements, sample, labels, ours)
    print(f"\nagreement with matminer on {len(sample)} compositions (relative = |a-b| / max(|a|, |b|, 1e-6 × the feature's largest |value|)):")
    failed = False
    for family, (mine, reference) in families.items():
        mismatched_nan = int((np.isnan(mine) != np.isnan(reference)).sum())
        difference = np.abs(mine - reference)
        # Relative to the larger value, but never to less than 1e-6 of the feature's largest
        # magnitude: a deviation that is exactly 0 in matminer and 7e-13 K here is rounding.
        column_scale = np.nanmax(np.abs(reference), axis=0, keepdims=True) * 1e-6
        scale = np.maximum(np.maximum(np.abs(mine), np.abs(reference)), np.maximum(column_scale, 1e-300))
        relative = np.where(difference == 0, 0.0, difference / scale)
        worst_abs, worst_rel = float(np.nanmax(difference)), float(np.nanmax(relative))
        ok = worst_rel <= RELATIVE_TOLERANCE and mismatched_nan == 0
        failed |= not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {family:36s} max abs {worst_abs:.3e}  max rel {worst_rel:.3e}"
              + (f"  NaN mismatches {mismatched_nan}" if mismatched_nan else ""))
    if incomplete_rows:
        needs = [labels.index(label) for label in NEEDS_MIEDEMA_OR_PAIRS]
        all_nan = bool(np.isnan(ours[np.ix_(incomplete_rows, needs)]).all())
        failed |= not all_nan
        print(f"  {'ok  ' if all_nan else 'FAIL'} {len(incomplete_rows)} rows without Miedema/pair data in matminer "
              f"(magpie compared only; ours NaN for {', '.join(NEEDS_MIEDEMA_OR_PAIRS)}: {all_nan})")
    print("\nFAILED: descriptors disagree with matminer" if failed else "\nall families agree within 1e-6 relative")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
