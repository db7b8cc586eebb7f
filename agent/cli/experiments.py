"""`alloygan experiments ...`: the experiment log (suggestions, measured results, predicted vs measured)."""
from __future__ import annotations

from enum import Enum
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
    note = f" ({m.note})" if m.note else ""
    return f"Tg {m.Tg:g}  Tx {m.Tx:g}  Tl {m.Tl:g} K{note}" if m.amorphous else f"did not form a glass{note}"


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
        lines = [f"#{s.id}  {s.formula}  {s.status}  (logged {s.created_at[:16].replace('T', ' ')}"
                 + (f", design rank {s.design_rank})" if s.design_rank else ")"),
                 f"    predicted Tg {plus_minus(p.get('Tg'), 0)}  Tx {plus_minus(p.get('Tx'), 0)}  Tl {plus_minus(p.get('Tl'), 0)} K  "
                 f"Trg {plus_minus(p.get('Trg'), 3)}"]
        if s.measurement is not None:
            lines.append(f"    measured  {_measured(s)}")
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

    console.print(f"[bold]Suggestion {s.id}:[/] {s.formula}  ({s.status})")
    console.print(f"Goal: {s.goal_text}", markup=False)
    console.print(f"Logged {s.created_at} from design rank {s.design_rank}; generator {s.generator}, "
                  f"forward model {s.forward_model}" + (f"; thread {s.thread}" if s.thread else ""), markup=False)
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
        console.print(f"Result recorded {m.recorded_at}: {glass}; {where}." + (f" Note: {m.note}" if m.note else ""),
                      markup=False)


@app.command("record")
def record(
    suggestion_id: int = typer.Argument(..., help="Suggestion id (see `alloygan experiments list`)."),
    tg: Optional[float] = typer.Option(None, "--tg", help="Measured Tg in K (required for a glass)."),
    tx: Optional[float] = typer.Option(None, "--tx", help="Measured Tx in K (required for a glass)."),
    tl: Optional[float] = typer.Option(None, "--tl", help="Measured Tl in K (required for a glass)."),
    amorphous: YesNo = typer.Option(YesNo.yes, "--amorphous", help="Did it form a glass? 'no' records the failure "
                                                                   "without temperatures."),
    note: str = typer.Option("", "--note", help="Lab note (method, heating rate, ...)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record a lab result; a glass's Tg/Tx/Tl join the knowledge base (the next `alloygan train` uses them)."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.experiments import RecordResultArgs, record_result

    args = validated(RecordResultArgs, suggestion_id=suggestion_id, Tg=tg, Tx=tx, Tl=tl,
                     amorphous=amorphous == YesNo.yes, note=note)
    print_result(record_result(args), json_out, _print_recorded)


def _print_recorded(s: Experiment) -> None:
    m = s.measurement
    if m.in_knowledge_base:
        console.print(f"Recorded suggestion {s.id} ({s.formula}): Tg {m.Tg:g} K, Tx {m.Tx:g} K, Tl {m.Tl:g} K; "
                      "added to the knowledge base as an experiment report (retrain with `alloygan train`).",
                      markup=False)
    else:
        console.print(f"Recorded suggestion {s.id} ({s.formula}): did not form a glass; kept in the log "
                      "(no glass temperatures to add to the knowledge base).", markup=False)


@app.command("report")
def report(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Predicted vs measured: per property the mean absolute error and how often the value fell inside ±2σ."""
    from alloygan.tools.experiments import experiments_report

    print_result(experiments_report(), json_out, _print_report)


def _print_report(data: ExperimentsReport) -> None:
    from alloygan.tools.results import MEASURED, TEMPERATURE_LIKE

    glasses = f"{data.glasses} glass{'es' if data.glasses != 1 else ''}"
    not_glasses = f"{data.not_glasses} not a glass" if data.not_glasses == 1 else f"{data.not_glasses} not glasses"
    console.print(f"{data.suggestions} suggestions: {data.measured} measured ({glasses}, {not_glasses}), "
                  f"{data.pending} pending.", markup=False)
    if not data.properties:
        console.print("No glass measured yet: record results with `alloygan experiments record ID --tg … --tx … --tl …`.")
        return
    table = Table(title="Predicted vs measured (glasses)", title_justify="left")
    for column in ("property", "n", "mean abs error", "inside ±2σ"):
        table.add_column(column, justify="left" if column == "property" else "right")
    for name, p in data.properties.items():
        digits = 1 if name in TEMPERATURE_LIKE else 4
        unit = " K" if digits == 1 else ""
        table.add_row(name, str(p.n), f"{fmt(p.mean_abs_error, digits)}{unit}",
                      f"{p.within_2sigma}/{p.n} ({100 * p.within_2sigma_share:.0f}%)")
    console.print(table)
    console.print("Per experiment (predicted mean ± 1σ → measured):", style="bold")
    for row in data.experiments:
        if not row.amorphous:
            console.print(Text(f"#{row.id}  {row.formula}: did not form a glass"), soft_wrap=True)
            continue
        cells = [f"{name} {plus_minus(p.predicted, 0)} → {p.measured:g} K"
                 for name, p in row.properties.items() if name in MEASURED]
        inside = sum(p.within_2sigma for p in row.properties.values())
        console.print(Text(f"#{row.id}  {row.formula}: {', '.join(cells)}; "
                           f"{inside}/{len(row.properties)} properties inside ±2σ"), soft_wrap=True)
