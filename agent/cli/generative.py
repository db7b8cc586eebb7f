"""`alloygan bench generative`: GAN, GAN+, paper CGAN and ours, side by side per family."""
from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fmt, print_json, progress

MODEL_LABELS = {"gan": "GAN", "gan-plus": "GAN+", "cgan": "CGAN (paper)", "ours": "ours"}


def bench_generative(
    json_out: bool = typer.Option(False, "--json", help="Print the full results (with training curves) as JSON."),
    families: str = typer.Option("Cu,Fe,Ti,Zr", "--families", help="Base elements to benchmark, comma-separated."),
    models: Optional[str] = typer.Option(None, "--models", help="Subset of gan,gan-plus,cgan,ours (default: all)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the held-out split, training and sampling."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Override every model's epochs (quick runs)."),
    ablation: bool = typer.Option(False, "--ablation", help="Our generator and variants with one change each, "
                                                            "instead of the four models."),
) -> None:
    """Generative models vs the sampling floor: KL, JS, Wasserstein, validity, novelty, rediscovery."""
    from alloygan.tools.generative import bench_generative as run_bench

    with progress("benchmarking the generative models") as on_progress:
        result = run_bench(families, models, seed, epochs, on_progress, ablation)
    if json_out:
        print_json(result)
        return
    _print_results(result)


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}" if floor else "–"


def _print_results(result: dict) -> None:
    """One compact table per family (fits 80 columns); W1 as multiples of the sampling floor."""
    console.print(f"Generative models, seed {result['seed']}: distances to the training alloys as multiples of the "
                  f"sampling floor (×); held-out alloys for rediscovery and conditional accuracy", soft_wrap=True)
    for family, block in result["families"].items():
        floor = block["floor"]
        table = Table(title=f"{family}: {block['n_train']} training alloys, {block['n_heldout']} held out; floor KL "
                            f"{floor['kl']:.3f}, JS {floor['js']:.3f}, W1 {floor['w1_element']:.4f}, W1-PCA "
                            f"{floor['w1_pca']:.4f}", title_justify="left", box=None, padding=(0, 1, 0, 0),
                      header_style="bold underline")
        for column in ("model", "KL", "JS", "W1 ×", "PCA ×", "valid", "novel", "redisc", "MAE Trg", "MAE Tg", "train s"):
            table.add_column(column, justify="left" if column == "model" else "right", no_wrap=True)
        for model, scores in block["models"].items():
            accuracy = scores["conditional_accuracy"] or {}
            table.add_row(MODEL_LABELS.get(model, model), fmt(scores["kl"]), fmt(scores["js"]),
                          _ratio(scores["w1_element"], floor["w1_element"]), _ratio(scores["w1_pca"], floor["w1_pca"]),
                          fmt(scores["validity"], 2), fmt(scores["novelty_mean_at_pct"], 1),
                          fmt(scores["rediscovery"], 2), fmt(accuracy.get("mae_Trg"), 4), fmt(accuracy.get("mae_Tg"), 1),
                          fmt(scores["training_seconds"], 1))
        base = block["baselines"]
        lookup, rediscovery = base["conditional_accuracy"] or {}, base["rediscovery"]
        table.add_row("look-up", "", "", "", "", "", "", f"{rediscovery['nearest_property_100']:.2f}",
                      fmt(lookup.get("mae_Trg"), 4), fmt(lookup.get("mae_Tg"), 1), "", style="italic")
        console.print(table)
    paper = result["paper"]["wasserstein_pca_cu"]
    console.print("paper (Cu, its own PCA plot; compare the order only): "
                  + ", ".join(f"{MODEL_LABELS.get(m, m)} {v:.2f}" for m, v in paper.items()), style="dim")
    console.print("novel: mean at.% to the nearest training alloy; redisc: share of held-out alloys with one of 100 "
                  "generated compositions within 5 at.%; MAE: forward-model prediction of the generated compositions vs "
                  "the held-out condition; look-up: the training alloys nearest in (Tg, Tx, Tl). Memorisation bound "
                  "(held-out within 5 at.% of any training alloy): "
                  + ", ".join(f"{f} {b['baselines']['rediscovery']['any_training_alloy']:.2f}"
                              for f, b in result["families"].items()), style="dim")
    for note in result["notes"]:
        console.print(f"note: {note}", style="dim")
    console.print(f"total {result['total_seconds']:.0f} s", style="dim")
