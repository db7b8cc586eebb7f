"""Figures of the forward model and the data (matplotlib, Agg): AlloyGAN's Fig. 5d, and more.

* `parity_figure`: predicted vs measured Trg and γ (±1σ) on held-out alloys, one column per
  evaluation protocol, with R², RMSE and MAE in each panel (Fig. 5d).
* `distributions_figure`: Trg and γ of the measured alloys per family.
`write_forward_figures` runs protocols (a) and (b) of `forward.evaluation` and writes both.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from alloygan.models.dataset import AlloyTable, load_alloy_table  # noqa: E402
from alloygan.models.figures_generative import save_figure  # noqa: E402
from alloygan.models.forward.evaluation import PAPER, HeldOutPredictions, grouped_by_system, random_split, scores  # noqa: E402
from alloygan.models.forward.model import GOOD_GFA_TRG  # noqa: E402
from alloygan.knowledge_base.progress import ProgressCallback  # noqa: E402

QUANTITIES = (("Trg", "Trg = Tg/Tl"), ("gamma", "γ = Tx/(Tg+Tl)"))


def _protocol_titles(seed: int) -> dict[str, str]:
    return {"random_80_20": f"(a) random 80/20 split, seed {seed}",
            "grouped_by_system": "(b) 5 folds grouped by alloy system"}


def parity_figure(held_out: Mapping[str, HeldOutPredictions], path: Path, n_alloys: int | None = None) -> Path:
    """Rows Trg and γ, one column per protocol (key: the protocol's title): predicted mean ± 1σ vs measured."""
    columns = list(held_out.items())
    fig, axes = plt.subplots(len(QUANTITIES), len(columns), figsize=(5.0 * len(columns), 9.4), squeeze=False)
    for j, (protocol, held) in enumerate(columns):
        scored = scores(held)
        for i, (quantity, label) in enumerate(QUANTITIES):
            ax = axes[i][j]
            truth, mean, std = held.truth[quantity], held.mean[quantity], held.std[quantity]
            ax.errorbar(truth, mean, yerr=std, fmt="o", ms=2.5, color="tab:blue", mfc="tab:blue", mec="none",
                        ecolor="tab:blue", elinewidth=0.5, alpha=0.45, label="held-out alloy (mean ± 1σ)")
            values = np.concatenate([h.truth[quantity] for _, h in columns] + [h.mean[quantity] for _, h in columns])
            low, high = np.nanmin(values), np.nanmax(values)
            pad = 0.05 * (high - low or 1.0)
            ax.plot([low - pad, high + pad], [low - pad, high + pad], color="black", lw=0.9, label="y = x")
            ax.set_xlim(low - pad, high + pad)
            ax.set_ylim(low - pad, high + pad)
            ax.set_aspect("equal")
            s = scored[quantity]
            text = f"R² = {s['r2']:.3f}\nRMSE = {s['rmse']:.4f}\nMAE = {s['mae']:.4f}\nn = {truth.size}"
            if protocol.startswith("(a)") and quantity in PAPER:
                text += f"\npaper (no dedup.): R² {PAPER[quantity]['r2']:.2f}"
            ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", fontsize=8.5,
                    bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"})
            ax.set_title(f"{protocol}\n{label}", fontsize=10)
            ax.set_xlabel(f"measured {label.split(' =')[0]}")
            ax.set_ylabel(f"predicted {label.split(' =')[0]}")
            ax.legend(loc="lower right", fontsize=7.5)
    about = f" ({n_alloys} deduplicated alloys)" if n_alloys else ""
    return save_figure(fig, path, f"Forward model on held-out alloys{about}: predicted vs measured", fontsize=12)


def distributions_figure(table: AlloyTable, families: Sequence[str], path: Path) -> Path:
    """Violins of measured Trg and γ for each family and for all alloys, with the counts."""
    frame = table.frame[table.frame["base_element"].isin(list(families))]
    groups = {family: rows for family, rows in frame.groupby("base_element")}
    names = [f for f in families if f in groups]
    fig, axes = plt.subplots(1, len(QUANTITIES), figsize=(4.6 * len(QUANTITIES), 4.2), squeeze=False)
    for ax, (quantity, label) in zip(axes[0], QUANTITIES):
        data = [groups[f][quantity].to_numpy() for f in names] + [table.frame[quantity].to_numpy()]
        ticks = [f"{f}\nn={len(groups[f])}" for f in names] + [f"all\nn={len(table)}"]
        parts = ax.violinplot(data, showmedians=True, showextrema=False)
        for body in parts["bodies"]:
            body.set_alpha(0.55)
        parts["bodies"][-1].set_facecolor("0.6")
        ax.set_xticks(np.arange(1, len(data) + 1), ticks)
        ax.set_ylabel(label)
        ax.set_title(f"measured {label.split(' =')[0]} per family (line: median)", fontsize=10)
        if quantity == "Trg":
            ax.axhline(GOOD_GFA_TRG, color="tab:red", lw=0.8, ls="--", label=f"good GFA: Trg ≥ {GOOD_GFA_TRG}")
            ax.legend(loc="upper right", fontsize=8)
    return save_figure(fig, path, "Deduplicated alloys of the knowledge base, by base element", fontsize=11)


def write_forward_figures(
    out_dir: Path,
    families: Sequence[str] = ("Cu", "Fe", "Ti", "Zr"),
    seed: int = 0,
    table: AlloyTable | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict:
    """`forward_parity.png` (protocols (a) and (b)) and `data_distributions.png`; their paths and scores."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = load_alloy_table() if table is None else table
    titles = _protocol_titles(seed)

    a, b = titles["random_80_20"], titles["grouped_by_system"]
    held_out = {a: random_split(table, seed, on_progress, f"forward model, {a}"),
                b: grouped_by_system(table, on_progress=on_progress, stage=f"forward model, {b}")}
    figures = [parity_figure(held_out, out_dir / "forward_parity.png", len(table)),
               distributions_figure(table, families, out_dir / "data_distributions.png")]
    scored = {key: scores(held_out[title]) for key, title in titles.items()}
    return {
        "figures": figures,
        "n_alloys": len(table),
        "protocols": titles,
        "scores": {key: {**{q: s[q] for q, _ in QUANTITIES}, "n_test": s["n_test"]} for key, s in scored.items()},
    }
