"""How the forward model's held-out error grows with distance from the training data: the evidence for the
domain-of-applicability thresholds (`alloygan_models/domain.py`) and the coverage of its ±1σ intervals.

Held-out predictions under protocol (a) (random 80/20, seed 0), protocol (b) (5 folds grouped by alloy
system) and leave-one-family-out; each test alloy's distance (at.%, half-L1) to its nearest training alloy.
Prints, per distance bin, the number of alloys, the Tg MAE, the Trg MAE and the ±1σ coverage of Tg and Trg;
then the coverage of every property under each protocol.

    python scripts/domain_analysis.py            # ~3 minutes on two cores
"""
from __future__ import annotations

import numpy as np

from alloygan.models.dataset import load_alloy_table
from alloygan.models.forward.evaluation import grouped_by_system, interval_coverage, leave_one_family_out, random_split

BINS = (0.0, 2.0, 5.0, 8.0, 12.0, 15.0, 20.0, 30.0, 100.0)


def main() -> None:
    table = load_alloy_table()
    runs = {"(a) random 80/20": random_split(table, 0), "(b) grouped by system": grouped_by_system(table),
            "leave one family out": leave_one_family_out(table)}
    pooled_d, pooled_tg, pooled_trg, pooled_ztg, pooled_ztrg = [], [], [], [], []
    for name, held in runs.items():
        print(f"{name}: n {len(held.formulas)}, ±1σ coverage {interval_coverage(held)}")
        pooled_d.append(held.distance)
        pooled_tg.append(np.abs(held.truth["Tg"] - held.mean["Tg"]))
        pooled_trg.append(np.abs(held.truth["Trg"] - held.mean["Trg"]))
        pooled_ztg.append(pooled_tg[-1] <= held.std["Tg"])
        pooled_ztrg.append(pooled_trg[-1] <= held.std["Trg"])
    d, tg, trg, ztg, ztrg = (np.concatenate(x) for x in (pooled_d, pooled_tg, pooled_trg, pooled_ztg, pooled_ztrg))
    print("\nheld-out error by distance to the nearest training alloy (all three protocols pooled)")
    print(f"{'distance at.%':>14} {'n':>5} {'Tg MAE K':>9} {'Trg MAE':>8} {'Tg ±1σ':>7} {'Trg ±1σ':>8}")
    for low, high in zip(BINS[:-1], BINS[1:]):
        inside = (d >= low) & (d < high)
        if inside.sum() == 0:
            continue
        print(f"{low:>6.0f}-{high:<7.0f} {inside.sum():>5} {tg[inside].mean():>9.1f} {trg[inside].mean():>8.4f} "
              f"{ztg[inside].mean():>7.2f} {ztrg[inside].mean():>8.2f}")


if __name__ == "__main__":
    main()
