"""`alloygan experiments ...`: the experiment log (suggestions, measured results, predicted vs measured)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table
from rich.text import Text

from alloygan.agent.cli.output import console, fmt, plus_minus, print_result

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import Experiment, ExperimentsReport

app = typer.Typer(help="The experiment log: suggested alloys, measured results, predicted vs measured.",
                  no_args_is_help=True)


class YesNo(str, Enum):
    yes = "yes"
    no = "no"



def _measured(s: Experiment) -> str:
    m = s.measurement
    details = "; ".join(part for part in (m.note, m.source and f"source: {m.source}") if part)
    note = f" ({details})" if details else ""
    return f"Tg {m.Tg:g}  Tx {m.Tx:g}  Tl {m.Tl:g} K{note}" if m.amorphous else f"did not form a glass{note}"


def _chosen(s: Experiment) -> str | None:
    """How it was chosen and why, when the log says (None for an entry logged before it did)."""
    if s.user_cast:
        return "cast by the user"
    by = "the design ranking" if s.acquisition == "design" else s.acquisition
    parts = [part for part in (by and f"chosen by {by}", s.reason) if part]
    return ": ".join(parts) if parts else None


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every suggestion: composition, predicted Tg/Tx/Tl ±1σ, status, measured values, goal."""
    from alloygan.tools.experiments import list_suggestions

    print_result(list_suggestions(), json_out, _print_suggestions)


def _print_suggestions(suggestions: list[Experiment]) -> None:
    if not suggestions:
        console.print("The experiment log is empty: log candidates with /log in `alloygan chat` "
                      "(or ask the assistant to log them).")
        return
    # a block of lines per suggestion rather than a table: it stays readable on a narrow terminal
    console.print(f"{len(suggestions)} experiment suggestions (predicted: forward-model mean ± 1σ)", style="bold")
    for s in suggestions:
        p = s.predicted
        logged = f"{'cast by the user, ' if s.user_cast else ''}logged {s.created_at[:16].replace('T', ' ')}"
        lines = [f"#{s.id}  {s.formula}  {s.status}  ({logged}"
                 + (f", design rank {s.design_rank})" if s.design_rank else ")"),
                 f"    predicted Tg {plus_minus(p.get('Tg'), 0)}  Tx {plus_minus(p.get('Tx'), 0)}  "
                 f"Tl {plus_minus(p.get('Tl'), 0)} K  Trg {plus_minus(p.get('Trg'), 3)}"
                 if p else "    predicted: nothing (no trained forward model then)"]
        if s.measurement is not None:
            lines.append(f"    measured  {_measured(s)}")
        chosen = _chosen(s)
        if chosen and not s.user_cast:
            lines.append(f"    {chosen}")
        if not s.user_cast:
            lines.append(f"    goal: {s.goal_text}")
        console.print(Text("\n".join(lines)), soft_wrap=True)


@app.command("show")
def show(suggestion_id: int = typer.Argument(..., help="Suggestion id (see `alloygan experiments list`)."),
         json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One suggestion in full: predictions, goal, model versions, the recorded result."""
    from alloygan.tools.experiments import show_suggestion

    print_result(show_suggestion(suggestion_id), json_out, _print_suggestion)


def _print_suggestion(s: Experiment) -> None:
    from alloygan.tools.results import MEASURED, TEMPERATURE_LIKE

    if s.user_cast:
        console.print(f"[bold]Experiment {s.id}:[/] {s.formula}  ({s.status}; your own alloy, cast by the user)")
        predicted_by = f"forward model {s.forward_model}" if s.predicted else "nothing: no trained forward model then"
        console.print(f"Logged {s.created_at} with its result; predicted at record time by {predicted_by}"
                      + (f"; thread {s.thread}" if s.thread else ""), markup=False)
    else:
        console.print(f"[bold]Suggestion {s.id}:[/] {s.formula}  ({s.status})")
        console.print(f"Goal: {s.goal_text}", markup=False)
        rank = f"design rank {s.design_rank}" if s.design_rank is not None else "no design rank"
        console.print(f"Logged {s.created_at} ({rank}); generator {s.generator}, "
                      f"forward model {s.forward_model}" + (f"; thread {s.thread}" if s.thread else ""), markup=False)
        chosen = _chosen(s)
        if chosen:
            console.print(chosen[0].upper() + chosen[1:], markup=False)
        console.print(f"P(goal) {fmt(s.p_meets_goal, 2)}, cost {fmt(s.cost_usd_per_kg, 1)} USD/kg", markup=False)
    table = Table(title_justify="left")
    for column in ("property", "predicted (mean ± 1σ)", "measured"):
        table.add_column(column, justify="left" if column == "property" else "right")
    m = s.measurement
    for name, value in s.predicted.items():
        digits = 0 if name in TEMPERATURE_LIKE else 3
        measured = getattr(m, name) if m and name in MEASURED else None
        table.add_row(name, plus_minus(value, digits), f"{measured:g}" if measured is not None else "–")
    console.print(table)
    if m:
        glass = "formed a glass" if m.amorphous else "did not form a glass"
        where = "added to the knowledge base" if m.in_knowledge_base else "kept in the log only"
        console.print(f"Result recorded {m.recorded_at}: {glass}; {where}." + (f" Note: {m.note}" if m.note else "")
                      + (f" Source: {m.source}" if m.source else ""), markup=False)


@app.command("record")
def record(
    suggestion_id: Optional[int] = typer.Argument(None, help="Suggestion id (see `alloygan experiments list`); "
                                                              "or give --composition instead."),
    composition: Optional[str] = typer.Option(None, "--composition", help="The alloy cast, in at.% (e.g. "
                                              "Zr58Cu22Al12Ni8): a pending suggestion of it takes the result, else "
                                              "it is logged as your own alloy. With an id: a check that they match."),
    tg: Optional[float] = typer.Option(None, "--tg", help="Measured Tg in K (required for a glass)."),
    tx: Optional[float] = typer.Option(None, "--tx", help="Measured Tx in K (required for a glass)."),
    tl: Optional[float] = typer.Option(None, "--tl", help="Measured Tl in K (required for a glass)."),
    amorphous: YesNo = typer.Option(YesNo.yes, "--amorphous", help="Did it form a glass? 'no' records the failure "
                                                                   "without temperatures."),
    source: str = typer.Option("", "--source", help='Where and how it was measured, e.g. "our lab, DSC 20 K/min" '
                                                    "(kept in the log and in the knowledge base)."),
    note: str = typer.Option("", "--note", help="Lab note (method, heating rate, ...)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record a lab result for a suggestion or any alloy you cast; a glass's Tg/Tx/Tl join the knowledge base
    (the next `alloygan train` uses them)."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.experiments import RecordResultArgs, record_result

    args = validated(RecordResultArgs, suggestion_id=suggestion_id, composition=composition, Tg=tg, Tx=tx, Tl=tl,
                     amorphous=amorphous == YesNo.yes, note=note, source=source)
    result = record_result(args)
    matched = suggestion_id is None and not result.user_cast  # found by its composition
    print_result(result, json_out, lambda s: _print_recorded(s, matched))


def _print_recorded(s: Experiment, matched: bool = False) -> None:
    from alloygan.tools.experiments import list_suggestions

    m = s.measurement
    if s.user_cast:
        earlier = [f"#{e.id}" for e in list_suggestions() if e.formula == s.formula and e.id != s.id and e.measurement]
        again = f"; measured before as {', '.join(earlier)}: a repeat cast" if earlier else ""
        what = f"your alloy {s.formula} as experiment {s.id} (cast by the user{again})"
    else:
        what = f"suggestion {s.id} ({s.formula})"
        if matched:
            console.print(f"{s.formula} is pending suggestion {s.id} of the log: the result is recorded for it.",
                          markup=False)
    if m.in_knowledge_base:
        console.print(f"Recorded {what}: Tg {m.Tg:g} K, Tx {m.Tx:g} K, Tl {m.Tl:g} K; "
                      "added to the knowledge base as an experiment report (retrain with `alloygan train`).",
                      markup=False)
    else:
        console.print(f"Recorded {what}: did not form a glass; kept in the log "
                      "(no glass temperatures to add to the knowledge base).", markup=False)
    if s.user_cast:
        console.print(f"Predicted at record time by forward model {s.forward_model} (see `alloygan experiments show "
                      f"{s.id}`)." if s.predicted else "No trained forward model: no prediction stored for it.",
                      markup=False)


@app.command("report")
def report(
    objective: str = typer.Option("Trg", "--objective", help="The property whose best measured value is followed "
                                  "(any of Tg, Tx, Tl: Trg, gamma, dTx, ...)."),
    lowest: bool = typer.Option(False, "--lowest", help="The best value is the lowest (e.g. --objective Tl)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Also draw the best measured value against the "
                                        "number of experiments, rounds marked (a PNG file)."),
    force: bool = typer.Option(False, "--force", help="Replace the --plot file if it exists."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Predicted vs measured per round (error, inside ±2σ or not) and the best measured value so far."""
    from alloygan.tools.experiment_rounds import checked_plot_path, plot_best_so_far
    from alloygan.tools.experiments import experiments_report

    if plot is not None:
        plot = checked_plot_path(plot, force=force)
    data = experiments_report(objective, lowest=lowest)
    if plot is not None:
        plot_best_so_far(data, plot)
    print_result(data, json_out, _print_report)
    if plot is not None and not json_out:
        console.print(f"Plot written to {plot}", markup=False)


def _print_report(data: ExperimentsReport) -> None:
    from alloygan.tools.results import TEMPERATURE_LIKE

    glasses = f"{data.glasses} glass{'es' if data.glasses != 1 else ''}"
    not_glasses = f"{data.not_glasses} not a glass" if data.not_glasses == 1 else f"{data.not_glasses} not glasses"
    console.print(f"{data.suggestions} suggestions: {data.measured} measured ({glasses}, {not_glasses}), "
                  f"{data.pending} pending.", markup=False)
    if not data.glasses:
        console.print("No glass measured yet: record results with `alloygan experiments record ID --tg … --tx … "
                      "--tl …` (or --composition FORMULA for an alloy of your own).")
    if data.properties:
        _print_accuracy(data)
    digits = 1 if data.objective in TEMPERATURE_LIKE else 3
    experiments = {row.id: row for row in data.experiments}
    for r in data.rounds:
        if not r.measured:
            continue  # nothing to compare yet: the counts above say how many wait
        chosen = f"{r.acquisition}; " if r.acquisition else ""
        console.print(Text(f"Round {r.round} ({chosen}logged {r.logged_at[:16].replace('T', ' ')}): {r.label}",
                           style="bold"), soft_wrap=True)
        glasses = f"{r.glasses} glass{'es' if r.glasses != 1 else ''}"
        best = ""
        if r.best is not None:
            best = f"; best {data.objective} {fmt(r.best, digits)} ({r.best_formula}), best so far "
            best += fmt(r.best_so_far, digits)
        elif r.best_so_far is not None:
            best = f"; best {data.objective} so far {fmt(r.best_so_far, digits)}"
        console.print(Text(f"  {r.suggested} suggested, {r.measured} measured ({glasses}), {r.pending} pending{best}"),
                      soft_wrap=True)
        for experiment_id in r.experiments:
            _print_check(experiments[experiment_id])
    last = data.best_so_far[-1] if data.best_so_far else None
    if last is not None and last.value is not None:
        console.print(f"Best measured {data.objective} ({'highest' if data.maximise else 'lowest'}) after "
                      f"{last.experiments} experiments: {fmt(last.value, digits)} ({last.formula}).", markup=False)


def _print_accuracy(data: ExperimentsReport) -> None:
    from alloygan.tools.results import TEMPERATURE_LIKE

    table = Table(title="Predicted vs measured (glasses)", title_justify="left")
    for column in ("property", "n", "mean abs error", "inside ±2σ"):
        table.add_column(column, justify="left" if column == "property" else "right")
    for name, p in data.properties.items():
        digits = 1 if name in TEMPERATURE_LIKE else 4
        unit = " K" if digits == 1 else ""
        table.add_row(name, str(p.n), f"{fmt(p.mean_abs_error, digits)}{unit}",
                      f"{p.within_2sigma}/{p.n} ({100 * p.within_2sigma_share:.0f}%)")
    console.print(table)


def _print_check(row) -> None:
    from alloygan.tools.results import MEASURED

    if not row.amorphous:
        console.print(Text(f"  #{row.id}  {row.formula}: did not form a glass"), soft_wrap=True)
        return
    if not row.properties:
        console.print(Text(f"  #{row.id}  {row.formula}: a glass; nothing was predicted for it"), soft_wrap=True)
        return
    cells = [f"{name} {plus_minus(p.predicted, 0)} → {p.measured:g} K (error {p.error:+.0f})"
             for name, p in row.properties.items() if name in MEASURED]
    inside = sum(p.within_2sigma for p in row.properties.values())
    console.print(Text(f"  #{row.id}  {row.formula}: {', '.join(cells)}; "
                       f"{inside}/{len(row.properties)} properties inside ±2σ"), soft_wrap=True)
