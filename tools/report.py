"""`write_report`: the figures of the forward and generative models and one Markdown page linking them.

Everything is written to a temporary directory beside `out_dir` and moved into place when
all figures exist, the page last: a failure leaves no half-written report behind.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from alloygan.knowledge_base.file_writes import make_staging_directory
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.tools.errors import ToolInputError
from alloygan.tools.generative import BENCH_FAMILIES, check_families, model_list, name_list
from alloygan.tools.outputs import checked_output_directory

REPORT_MODELS = ("gan", "gan-plus", "cgan", "ours")
PAGE = "report.md"


def _checked_out_dir(out_dir: Path | str, force: bool) -> Path:
    """Checked before any work (`tools.outputs`); stale staging directories of killed runs are removed there."""
    return checked_output_directory(out_dir, "--out", force=force, create_parents=True).resolve()


def _checked_names(families, models, seed: int) -> tuple[list[str], list[str]]:
    family_names = list(dict.fromkeys(name_list(families, BENCH_FAMILIES, "--families")))
    model_names = model_list(models, REPORT_MODELS)
    if seed < 0:
        raise ToolInputError(f"--seed {seed}: must be 0 or more")
    return family_names, model_names


def _staging_dir(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return make_staging_directory(out)
    except OSError as error:
        raise ToolInputError(f"--out {out}: cannot write there ({error.strerror or error})") from None


def _generator_summary(family: str, models: list[str]) -> str:
    from alloygan.models.figures_generative import LABELS
    from alloygan.models.model_store import generator_metadata

    parts = []
    for model in models:
        metadata = generator_metadata(model, family) or {}
        final = {key: metadata.get("metrics", {}).get(key, float("nan")) for key in ("kl", "js", "w1_pca")}
        epochs = metadata.get("config", {}).get("epochs")
        parts.append(f"{LABELS.get(model, model)} {epochs} epochs (last recorded KL {final['kl']:.3f}, "
                     f"JS {final['js']:.3f}, W1 PCA-2D {final['w1_pca']:.3f})")
    return "; ".join(parts)


def _page(forward: dict, family_counts: dict[str, int], models: list[str], seed: int, seconds: float) -> str:
    from alloygan.models.figures_generative import LABELS

    n = forward["n_alloys"]
    a, b = forward["scores"]["random_80_20"], forward["scores"]["grouped_by_system"]

    def r2(s: dict) -> str:
        trg, gamma = s["Trg"], s["gamma"]
        return f"R² Trg {trg['r2']:.3f} (MAE {trg['mae']:.4f}), R² γ {gamma['r2']:.3f} (MAE {gamma['mae']:.4f})"

    lines = [
        "# alloygan report",
        "",
        f"Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `alloygan report` in {seconds:.0f} s. "
        f"Data: the {n} alloys of the knowledge base, deduplicated by canonical composition (an alloy's "
        f"temperatures are the medians of its reports). Seed {seed} for the forward model's random split and for "
        f"the generators' training and sampling. Families: {', '.join(family_counts)}; generative models: "
        f"{', '.join(LABELS.get(m, m) for m in models)}.",
        "",
        "## Forward model: parity plots (AlloyGAN Fig. 5d)",
        "",
        "![Forward model parity plots](forward_parity.png)",
        "",
        f"Predicted (mean ± 1σ) vs measured Trg and γ for alloys the forward model did not train on. Left: "
        f"protocol (a), one random 80/20 split (seed {seed}) of the {n} deduplicated alloys, {a['n_test']} held out: "
        f"{r2(a)}. Right: protocol (b), 5 folds grouped by alloy system (no set of elements in both training and "
        f"test), each of the {b['n_test']} alloys held out once: {r2(b)}; this is the number for a new system.",
        "",
        "## The data: Trg and γ per family",
        "",
        "![Distributions of Trg and γ per family](data_distributions.png)",
        "",
        "Measured Trg and γ of the deduplicated alloys of each family ("
        + ", ".join(f"{f}: {c}" for f, c in family_counts.items())
        + f") and of all {n} alloys; the dashed line is the good-GFA threshold Trg ≥ 0.6.",
    ]
    for family, count in family_counts.items():
        lines += [
            "",
            f"## Generative models, {family} family",
            "",
            f"![{family}: real vs generated alloys, PCA](generative_pca_{family}.png)",
            "",
            f"AlloyGAN Fig. 3: the {count} real {family}-based alloys (navy points and contours) and alloys generated "
            f"by each model (orange density; 5 per real alloy, at its Tg, Tx, Tl, sampling seed {seed}) on the first "
            f"two principal components of the real atomic fractions. Each panel's title gives the 2-D Wasserstein "
            f"distance W1 between real and generated alloys (lower is closer).",
            "",
            f"![{family}: training curves](generative_training_{family}.png)",
            "",
            f"AlloyGAN Fig. 5a: KL and JS divergences and Wasserstein distances between alloys generated from fixed "
            f"noise and the {count} training alloys (every {family} alloy; seed {seed}), recorded during training. "
            f"{_generator_summary(family, models)}.",
        ]
    return "\n".join(lines) + "\n"


def write_report(
    out_dir: Path | str,
    families: str | Sequence[str] = BENCH_FAMILIES,
    models: str | Sequence[str] | None = REPORT_MODELS,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
) -> dict:
    """Forward parity plots, data distributions, generative PCA densities and training curves, and `report.md`;
    into a directory that already holds files only with `force` (files of the same names are replaced)."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.figures_forward import write_forward_figures
    from alloygan.models.figures_generative import write_generative_figures

    started = time.perf_counter()
    out = _checked_out_dir(out_dir, force)
    family_names, model_names = _checked_names(families, models, seed)
    table = load_alloy_table()
    check_families(family_names, table)

    staging = _staging_dir(out)
    try:
        forward = write_forward_figures(staging, family_names, seed, table, on_progress)
        figures = [Path(p) for p in forward["figures"]]
        for index, family in enumerate(family_names):
            report(on_progress, "generative figures", index, len(family_names), "family")
            figures += write_generative_figures(staging, [family], model_names, on_progress=on_progress, seed=seed)
        report(on_progress, "generative figures", len(family_names), len(family_names), "family")
        counts = table.frame["base_element"].value_counts()
        page = _page(forward, {f: int(counts[f]) for f in family_names}, model_names, seed,
                     time.perf_counter() - started)
        (staging / PAGE).write_text(page, encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        placed = []
        for figure in figures:
            placed.append(out / figure.name)
            figure.replace(placed[-1])
        (staging / PAGE).replace(out / PAGE)  # last: a page only ever links figures that exist
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"page": str(out / PAGE), "figures": [str(p) for p in placed], "seconds": round(time.perf_counter() - started, 1),
            "n_alloys": forward["n_alloys"], "families": family_names, "models": model_names, "seed": seed,
            "forward_scores": forward["scores"]}
