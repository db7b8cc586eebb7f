"""The experiment log in rounds, and the best measured value against the number of experiments.

A round is what was logged together: the suggestions of one design or one `suggest` batch (the same
design key; an entry without a key, logged before keys existed, goes by its logging time, which the
entries of one call share). The alloys the user chose and cast come one at a time: they form one round
per UTC day (a day of casting is the lab's natural batch). Rounds are numbered in the order of their
first entry. The best-so-far curve follows the measurements in the order they were recorded; every
measurement counts as an experiment, glass or not, but only a glass has Tg, Tx, Tl to take a value from.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from alloygan.tools.errors import ToolInputError
from alloygan.tools.results import BestSoFar, Experiment, ExperimentRound, ExperimentsReport, rounded

PLOT_SUFFIX = ".png"


def objective_property(name: str) -> str:
    """The canonical name of a property of the measured Tg, Tx, Tl (`--objective`), or ToolInputError."""
    from alloygan.models.descriptors.thermal import resolve_property

    try:
        return resolve_property(name)
    except KeyError as error:
        raise ToolInputError(f"--objective {name}: {error.args[0]}") from None


def measured_value(experiment: Experiment, name: str) -> float | None:
    """The objective computed from the measured Tg, Tx, Tl by the descriptors' own code (None: not a glass)."""
    from alloygan.models.descriptors.thermal import thermal_feature_dict

    m = experiment.measurement
    if m is None or not m.amorphous:
        return None
    value = float(thermal_feature_dict(m.Tg, m.Tx, m.Tl)[name][0])
    return value if math.isfinite(value) else None


def _round_key(experiment: Experiment, design_key: str) -> tuple[str, str]:
    if experiment.user_cast:
        return "user", experiment.created_at[:10]
    return ("suggested", design_key) if design_key else ("suggested", f"logged {experiment.created_at}")


def _best(pairs, maximise: bool) -> tuple[float | None, str | None]:
    """The best (value, formula) of `pairs` whose value is not None; the first of equals (the earlier) wins."""
    best: tuple[float | None, str | None] = (None, None)
    for value, formula in pairs:
        if value is not None and (best[0] is None or (value > best[0] if maximise else value < best[0])):
            best = (value, formula)
    return best


def round_numbers(experiments: Sequence[Experiment], design_keys: Sequence[str]) -> tuple[dict[int, int], dict]:
    """Experiment id -> round number, and round key -> its experiments (in order of first appearance)."""
    groups: dict[tuple[str, str], list[Experiment]] = {}
    for experiment, key in sorted(zip(experiments, design_keys), key=lambda pair: pair[0].id):
        groups.setdefault(_round_key(experiment, key), []).append(experiment)
    numbers = {e.id: number for number, members in enumerate(groups.values(), 1) for e in members}
    return numbers, groups


def rounds_of(experiments: Sequence[Experiment], design_keys: Sequence[str], name: str,
              maximise: bool = True) -> list[ExperimentRound]:
    """Per round: how many were suggested, measured, glasses; its measured ids; its best value and the best of it
    and the rounds before."""
    _, groups = round_numbers(experiments, design_keys)
    rounds, overall = [], (None, None)
    for number, ((kind, _), members) in enumerate(groups.items(), 1):
        measured = [e for e in members if e.measurement is not None]
        best = _best(((measured_value(e, name), e.formula) for e in measured), maximise)
        overall = _best([overall, best], maximise)
        first = members[0]
        label = (f"cast by the user on {first.created_at[:10]}" if kind == "user"
                 else first.goal_text or "(no goal recorded)")
        glasses = sum(e.measurement.amorphous for e in measured)
        rounds.append(ExperimentRound(
            round=number, kind=kind, label=label,
            acquisition=", ".join(dict.fromkeys(e.acquisition for e in members if e.acquisition)),
            logged_at=first.created_at, suggested=len(members), measured=len(measured), glasses=glasses,
            pending=len(members) - len(measured), experiments=[e.id for e in measured],
            best=rounded(best[0], 4), best_formula=best[1], best_so_far=rounded(overall[0], 4)))
    return rounds


def best_so_far(experiments: Sequence[Experiment], design_keys: Sequence[str], name: str,
                maximise: bool = True) -> list[BestSoFar]:
    """After each measured experiment, in the order recorded (ties: by id): the best value measured so far."""
    numbers, _ = round_numbers(experiments, design_keys)
    measured = sorted((e for e in experiments if e.measurement is not None),
                      key=lambda e: (e.measurement.recorded_at, e.id))
    curve, best = [], (None, None)
    for count, experiment in enumerate(measured, 1):
        value = measured_value(experiment, name)
        best = _best([best, (value, experiment.formula)], maximise)
        curve.append(BestSoFar(experiments=count, value=rounded(best[0], 4), formula=best[1], id=experiment.id,
                               round=numbers[experiment.id], measured=rounded(value, 4)))
    return curve


def checked_plot_path(path: Path | str, force: bool = False) -> Path:
    """Where `--plot` may write a PNG (checked before any work, as every output is: `tools.outputs`)."""
    from alloygan.tools.outputs import checked_output_file

    if Path(path).suffix.lower() != PLOT_SUFFIX:
        raise ToolInputError(f"--plot {path}: the plot is a PNG image; give a file name ending in {PLOT_SUFFIX}")
    return checked_output_file(path, "--plot", force=force)


def plot_best_so_far(report: ExperimentsReport, path: Path) -> Path:
    """The best measured objective against the number of experiments (each measured value as a dot), a dashed
    line where a round's first measurement comes; written whole (a PNG at 130 dpi, the house style)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from alloygan.knowledge_base.file_writes import write_whole

    curve = report.best_so_far
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    steps = [(p.experiments, p.value) for p in curve if p.value is not None]
    dots = [(p.experiments, p.measured) for p in curve if p.measured is not None]
    if dots:
        ax.plot(*zip(*dots), "o", ms=4, color="0.55", label=f"measured {report.objective} (a glass)")
    if steps:
        ax.step(*zip(*steps), where="post", color="tab:blue", lw=1.8,
                label=f"best so far ({'highest' if report.maximise else 'lowest'})")
    seen: set[int] = set()
    for p in curve:
        if p.round not in seen:
            seen.add(p.round)
            ax.axvline(p.experiments - 0.5, color="tab:red", ls="--", lw=0.8, alpha=0.7)
            ax.annotate(f"round {p.round}", (p.experiments - 0.45, 0.98), xycoords=("data", "axes fraction"),
                        va="top", fontsize=7.5, color="tab:red", rotation=90)
    ax.set_xlim(0.4, max(len(curve), 1) + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("experiments measured (in the order recorded)")
    ax.set_ylabel(report.objective)
    if not dots:
        ax.text(0.5, 0.5, "no glass measured yet", transform=ax.transAxes, ha="center", va="center", color="0.4")
    else:
        ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(f"Experiment log: best measured {report.objective} against the number of experiments", fontsize=10)
    fig.tight_layout()
    try:
        write_whole(path, lambda temporary: fig.savefig(temporary, dpi=130, format="png"))
    finally:
        plt.close(fig)
    return path
