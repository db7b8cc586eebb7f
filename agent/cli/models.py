"""`alloygan predict` and `alloygan bench forward`: the forward property model from the shell."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from alloygan.agent.cli.output import console, err_console, fits, fmt, plus_minus, print_json, print_result, progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import Prediction, PredictionError



def predict(
    formulas: Optional[List[str]] = typer.Argument(None, help="Alloy formulas in at.%."),
    file: Optional[Path] = typer.Option(None, "--file", help="CSV with a 'composition' column; every row is predicted."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the predictions as CSV."),
    force: bool = typer.Option(False, "--force", help="Replace the --out file if it exists."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array, one record per input in input order."),
) -> None:
    """Predict Tg, Tx, Tl, Trg, γ, ΔTx with uncertainties, the GFA probability and the nearest known alloys."""
    from alloygan.tools.errors import ToolInputError
    from alloygan.tools.outputs import checked_output_file
    from alloygan.tools.prediction import predict_properties, read_composition_column, write_predictions_csv
    from alloygan.tools.results import PredictionError

    if out is not None:
        out = checked_output_file(out, "--out", force=force, inputs=[("--file", file)])
    inputs = list(formulas or [])
    if file is not None:
        inputs += read_composition_column(file)
    if not inputs:
        raise ToolInputError("give formulas or --file CSV, e.g. alloygan predict Zr65Cu17.5Ni10Al7.5")
    if file is None:  # formulas typed on the command line: a bad one is an input error, not a row
        from alloygan.tools.knowledge import parse_compositions

        parse_compositions(inputs)
    with progress("predicting") as on_progress:
        results = predict_properties(inputs, on_progress=on_progress)
    if out is not None:
        write_predictions_csv(results, out)
    if json_out:
        print_json(results)
    else:
        _print_predictions(results)
        if out is not None:
            console.print(f"Predictions written to {out}")
    failed = sum(isinstance(p, PredictionError) for p in results)
    if failed:
        err_console.print(f"{failed} of {len(results)} inputs could not be predicted (see their error entries)")


def _print_predictions(results: list[Prediction | PredictionError]) -> None:
    from alloygan.tools.results import PredictionError

    console.print("Predicted by the forward model (mean±1σ); distance to the nearest known alloy in at.% and the "
                  "domain of applicability (in-domain ≤ 8, edge ≤ 15, outside: an extrapolation)", soft_wrap=True)
    table = Table()
    for column in ("composition (at.%)", "Tg K", "Tx K", "Tl K", "Trg", "γ", "ΔTx K", "P(good)", "nearest known",
                   "domain"):
        left = column.startswith(("composition", "nearest"))
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for p in results:
        if isinstance(p, PredictionError):
            table.add_row(p.input, *[""] * 7, f"[red]{p.error}[/]", "")
            continue
        near = p.nearest_known[0]
        known = " (known)" if near.distance_at_pct == 0 else ""
        table.add_row(p.formula, plus_minus(p.Tg, 0), plus_minus(p.Tx, 0), plus_minus(p.Tl, 0), plus_minus(p.Trg, 3),
                      plus_minus(p.gamma, 3), plus_minus(p.dTx, 0), fmt(p.p_good_gfa, 2),
                      f"{near.formula} {near.distance_at_pct:g}{known}", p.domain.label if p.domain else "")
    if fits(table):
        console.print(table)
    else:
        _print_prediction_blocks(results)
    _print_measured_sources(results)


def _print_measured_sources(results: list[Prediction | PredictionError]) -> None:
    """Where the measured values of the known alloys among the inputs come from."""
    from alloygan.tools.results import Prediction

    known = [p for p in results if isinstance(p, Prediction) and p.measured]
    if not known:
        return
    console.print("(known): the alloy is in the knowledge base; shown are its measured values (median of its reports) "
                  "± their measurement uncertainty (the spread of its reports, else the typical spread between "
                  "reports), not the model's.", style="dim", soft_wrap=True)
    for p in known:
        near = p.nearest_known[0]
        console.print(f"  {p.formula}: measured, {near.n_reports} report(s); source {near.source.text() or 'unknown'}",
                      style="dim", soft_wrap=True, markup=False)
        if near.conflict:
            console.print(f"  note: {near.conflict}", style="yellow", soft_wrap=True, markup=False)


def _print_prediction_blocks(results: list[Prediction | PredictionError]) -> None:
    """Two or three short lines per input: what fits a narrow terminal or a log file (80 columns)."""
    from alloygan.tools.results import PredictionError

    for p in results:
        if isinstance(p, PredictionError):
            console.print(Text(f"{p.input}: ", style="bold") + Text(p.error, style="red"), soft_wrap=True)
            continue
        near = p.nearest_known[0]
        known = "  (known)" if near.distance_at_pct == 0 else ""
        console.print(Text(p.formula, style="bold cyan") + Text(f"   P(good GFA) {fmt(p.p_good_gfa, 2)}{known}"),
                      soft_wrap=True)
        console.print(f"    Tg {plus_minus(p.Tg, 0)}  Tx {plus_minus(p.Tx, 0)}  Tl {plus_minus(p.Tl, 0)} K   "
                      f"Trg {plus_minus(p.Trg, 3)}  γ {plus_minus(p.gamma, 3)}  ΔTx {plus_minus(p.dTx, 0)} K",
                      soft_wrap=True, markup=False)
        if not known:
            domain = f"; {p.domain.text()}" if p.domain else ""
            console.print(f"    nearest known {near.formula} ({near.distance_at_pct:g} at.% away){domain}",
                          style="dim", soft_wrap=True, markup=False)


def bench_forward(
    seed: int = typer.Option(0, "--seed", help="Seed of the random split."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Forward-model accuracy: random 80/20 split and 5 folds grouped by alloy system, beside the paper."""
    from alloygan.tools.prediction import benchmark_forward

    with progress("benchmarking the forward model") as on_progress:
        result = benchmark_forward(seed, on_progress=on_progress)
    print_result(result, json_out, _print_forward_benchmark)


def _print_forward_benchmark(result: dict) -> None:
    table = Table(title=f"Forward model on {result['protocol']['n_alloys']} deduplicated alloys", title_justify="left")
    table.add_column("quantity")
    for key, label in (("random_80_20", "(a) random 80/20"), ("grouped_by_system", "(b) grouped by system"),
                       ("random_80_20_not_deduplicated", "(a) without dedup — leaks"), ("paper", "paper")):
        table.add_column(label, justify="right")
    for quantity in ("Tg", "Tx", "Tl", "Trg", "gamma"):
        cells = []
        for key in ("random_80_20", "grouped_by_system", "random_80_20_not_deduplicated", "paper"):
            s = result[key].get(quantity)
            cells.append(f"R² {s['r2']:.3f}  RMSE {s['rmse']:.4g}  MAE {s['mae']:.4g}" if s else "–")
        table.add_row(quantity, *cells)
    gfa = [result[k]["GFA"] for k in ("random_80_20", "grouped_by_system", "random_80_20_not_deduplicated")]
    paper = result["paper"]["GFA"]
    table.add_row("GFA good class (Trg ≥ 0.6)", *[f"P {g['precision']:.3f}  R {g['recall']:.3f}  F1 {g['f1']:.3f}" for g in gfa],
                  f"P {paper['precision']:.2f}  R {paper['recall']:.2f}  F1 {paper['f1']:.2f}")
    table.add_row("GFA F1 weighted / macro", *[f"F1 {g['f1_weighted']:.3f} / {g['f1_macro']:.3f}  acc {g['accuracy']:.3f}"
                                               for g in gfa], f"average {paper['average']}")
    cover = [result[k]["Trg_interval_coverage"] for k in ("random_80_20", "grouped_by_system")]
    table.add_row("Trg ±1σ/±2σ coverage", *[f"{c['1sigma']:.2f} / {c['2sigma']:.2f}" for c in cover], "", "")
    console.print(table)
    lofo = result.get("leave_one_family_out")
    protocols = [("(a) random 80/20", result["random_80_20"]), ("(b) grouped by system", result["grouped_by_system"])]
    protocols += [("leave one family out", lofo)] if lofo else []
    console.print("±1σ coverage (share of held-out alloys within mean ± 1σ; calibrated: about 0.68):")
    for label, scored in protocols:
        coverage = scored.get("interval_coverage", {})
        console.print(f"  {label:<22} " + "  ".join(f"{name} {value:.2f}" for name, value in coverage.items()))
    if lofo:
        console.print(f"leave one family out: R² Trg {lofo['Trg']['r2']:.3f}, γ {lofo['gamma']['r2']:.3f}; "
                      f"MAE Tg {lofo['Tg']['mae']:.1f} K; GFA F1 good class {lofo['GFA']['f1']:.3f}")
    seeds = result["random_80_20_over_seeds"]
    console.print(f"(a) over seeds {seeds['seeds']}: R² Trg {seeds['Trg']['r2_mean']:.3f} ± {seeds['Trg']['r2_sd']:.3f}, "
                  f"γ {seeds['gamma']['r2_mean']:.3f} ± {seeds['gamma']['r2_sd']:.3f}; "
                  f"GFA F1 good class {seeds['GFA']['f1_mean']:.3f} ± {seeds['GFA']['f1_sd']:.3f}, "
                  f"weighted {seeds['GFA']['f1_weighted_mean']:.3f} ± {seeds['GFA']['f1_weighted_sd']:.3f}, "
                  f"macro {seeds['GFA']['f1_macro_mean']:.3f}, accuracy {seeds['GFA']['accuracy_mean']:.3f}")
    for name, text in result["protocol"].items():
        if name in ("random_80_20", "grouped_by_system", "leave_one_family_out", "interval_coverage",
                    "random_80_20_not_deduplicated", "GFA"):
            console.print(f"  {name}: {text}", style="dim")



def train(
    family: Optional[str] = typer.Option(None, "--family", help="Base element (e.g. Zr) or 'all'; default: every family design uses."),
    model: Optional[str] = typer.Option(None, "--model", help="cgan, gan, gan-plus or ours (default: ours)."),
    force: bool = typer.Option(False, "--force", help="Rebuild the models even when they are up to date."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Bring the forward model and the generators up to date with the knowledge base (retrains what is stale)."""
    from alloygan.tools.training import train_models

    with progress("training") as on_progress:
        report = train_models(family, model, on_progress=on_progress, force=force)
    if json_out:
        print_json(report.to_json())
        return
    fm = report.forward_model
    console.print(f"forward model: {'trained' if fm.trained else 'up to date'} on {fm.n_alloys} alloys"
                  + (f" in {fm.training_seconds:.1f} s" if fm.trained else ""))
    for g in report.generators:
        console.print(f"{g.model} generator for {g.family}: {'trained' if g.trained else 'up to date'} "
                      f"({g.n_alloys} alloys" + (f", {g.training_seconds:.1f} s)" if g.trained else ")"))
    console.print(f"done in {report.seconds:.1f} s", style="dim")
