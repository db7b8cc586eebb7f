"""Figures of the generative models (matplotlib, Agg): AlloyGAN's Fig. 3 and Fig. 5a, ours.

* `pca_density_figure`: per family, real vs generated alloys on the first two principal
  components of the real atomic fractions, one panel per model (Fig. 3).
* `training_curves_figure`: KL, JS and both Wasserstein distances over the epochs, one line
  per model, from the curves recorded during training (Fig. 5a).
`write_generative_figures` writes both for the saved models (training missing ones).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from alloygan.models import metrics  # noqa: E402
from alloygan.models.dataset import AlloyTable, load_alloy_table  # noqa: E402
from alloygan.models.encoding import ElementVocabulary  # noqa: E402
from alloygan.models.generative import GENERATIVE_MODELS, Generator  # noqa: E402
from alloygan.models.model_store import ensure_generator  # noqa: E402
from alloygan.knowledge_base.progress import ProgressCallback  # noqa: E402

LABELS = {"gan": "GAN", "gan-plus": "GAN+", "cgan": "CGAN (paper)", "ours": "ours"}
CURVES = (("kl", "KL divergence"), ("js", "JS divergence"), ("w1_element", "W1 per element"), ("w1_pca", "W1 PCA-2D"))


def save_figure(fig, path: Path, title: str, fontsize: float | None = None) -> Path:
    """Title, tight layout, PNG at 130 dpi, figure closed (every figure of the report is saved so)."""
    fig.suptitle(title, **({} if fontsize is None else {"fontsize": fontsize}))
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def _generated_on(generator: Generator, real: AlloyTable, family: str, seed: int, repeats: int) -> tuple[np.ndarray, list[str]]:
    """Cleaned generated fractions at the real alloys' conditions, on vocabulary elements ∪ real elements."""
    frame = real.frame
    index = np.tile(np.arange(len(real)), repeats)
    raw = generator.sample(frame["Tg"].to_numpy()[index], frame["Tx"].to_numpy()[index], frame["Tl"].to_numpy()[index],
                           family=family, seed=seed)
    elements = list(generator.vocabulary.elements)
    elements += sorted({e for c in real.compositions for e in c.element_set} - set(elements))
    out = np.zeros((len(raw), len(elements)))
    out[:, :len(generator.vocabulary)] = metrics.clean_generated(raw)
    return out, elements


def pca_density_figure(
    real: AlloyTable, generators: dict[str, Generator], family: str, path: Path, seed: int = 0, repeats: int = 5
) -> Path:
    """Real alloys (points, density contours) and generated ones (shaded density) on the real data's PCA."""
    from scipy.stats import gaussian_kde

    projected = {}
    for model, generator in generators.items():
        generated, elements = _generated_on(generator, real, family, seed, repeats)
        real_fractions = real.fractions(ElementVocabulary(elements))
        basis = metrics.pca_basis(real_fractions)
        w = metrics.wasserstein_pca(real_fractions, generated[: len(real_fractions)], basis)
        projected[model] = metrics.project(real_fractions, basis), metrics.project(generated, basis), w
    # One grid for all panels, so no density is cut off at the edge of its own panel's data.
    span = np.vstack([points for a, b, _ in projected.values() for points in (a, b)])
    low, high = span.min(axis=0) - 0.05, span.max(axis=0) + 0.05
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120))
    grid = np.vstack([gx.ravel(), gy.ravel()])
    fig, axes = plt.subplots(1, len(generators), figsize=(4.2 * len(generators), 4.0), squeeze=False, sharex=True, sharey=True)
    for ax, (model, (a, b, w)) in zip(axes[0], projected.items()):
        try:
            density = gaussian_kde(b.T)(grid).reshape(gx.shape)
            # No band from zero: it would paint the whole grid as a pale box.
            ax.contourf(gx, gy, density, levels=np.linspace(0, density.max(), 13)[1:], cmap="Oranges")
            ax.contour(gx, gy, gaussian_kde(a.T)(grid).reshape(gx.shape), levels=6, colors="navy", linewidths=0.7)
        except (np.linalg.LinAlgError, ValueError):  # a degenerate (collapsed) sample has no density
            ax.scatter(b[:, 0], b[:, 1], s=4, color="darkorange", alpha=0.4)
        ax.scatter(a[:, 0], a[:, 1], s=6, color="navy", label="real")
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
        ax.set_title(f"{LABELS.get(model, model)}: W1 = {w:.3f}")
        ax.set_xlabel("PC1")
    axes[0][0].set_ylabel("PC2")
    axes[0][0].legend(loc="upper right", fontsize=8)
    return save_figure(fig, path, f"{family}-based alloys: real (navy) vs generated (orange density), PCA of atomic fractions")


def training_curves_figure(histories: dict[str, list[dict]], family: str, path: Path) -> Path:
    """KL, JS and Wasserstein distances over the epochs for each model."""
    fig, axes = plt.subplots(1, len(CURVES), figsize=(4.0 * len(CURVES), 3.4))
    last_epochs = [history[-1]["epoch"] for history in histories.values() if history]
    # ours trains 600 epochs, the paper's models 100: on a log axis the short curves are not squeezed
    log_epochs = bool(last_epochs) and max(last_epochs) > 2 * min(last_epochs)
    for ax, (key, title) in zip(axes, CURVES):
        for model, history in histories.items():
            if history:
                ax.plot([h["epoch"] for h in history], [h[key] for h in history], label=LABELS.get(model, model))
        ax.set_title(title)
        ax.set_xlabel("epoch (log scale)" if log_epochs else "epoch")
        if log_epochs:
            ax.set_xscale("log")
    axes[-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))  # outside: curves spike anywhere
    return save_figure(fig, path, f"{family} family: generated vs training alloys during training (fixed noise)")


def write_generative_figures(
    out_dir: Path,
    families: Sequence[str] = ("Cu", "Fe", "Ti", "Zr"),
    models: Sequence[str] = GENERATIVE_MODELS,
    on_progress: ProgressCallback | None = None,
    seed: int = 0,
) -> list[Path]:
    """`generative_pca_<family>.png` and `generative_training_<family>.png` for each family (a generator
    that is missing or stale is trained first, its epochs reported to `on_progress`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = load_alloy_table()
    written = []
    for family in families:
        generators = {}
        for model in models:
            generators[model], _ = ensure_generator(model, family, table, seed, on_progress)
        real = table.select(base=family)
        written.append(pca_density_figure(real, generators, family, out_dir / f"generative_pca_{family}.png", seed))
        histories = {m: g.metadata.get("history", []) for m, g in generators.items()}
        written.append(training_curves_figure(histories, family, out_dir / f"generative_training_{family}.png"))
    return written
