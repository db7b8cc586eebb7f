"""`alloygan experiments ...`: the experiment log (suggestions, measured results, predicted vs measured)."""
from __future__ import annotations

from enum import Enum
from typing import Optional

import typer
from rich.table import Table

from agent.cli.output import console, fmt, print_json

app = typer.Typer(help="The experiment log: suggested alloys, measured results, predicted vs measured.",
                  no_args_is_help=True)


class YesNo(str, Enum):
    yes = "yes"
    no = "no"


def _pm(value: dict | None, digits: int = 0) -> str:
    if not value or value.get("mean") is None:
        return "–"
    return f"{fmt(value['mean'], digits)}±{fmt(value.get('std'), digits)}"


def _measured(s: dict) -> str:
    m = s["measurement"]
    if m is None:
        return "–"
    if not m["amorphous"]:
        return "not a glass"
    return f"{m['Tg']:g} / {m['Tx']:g} / {m['Tl']:g}"


@app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every suggestion: composition, predicted Tg/Tx/Tl ±1σ, status, measured values."""
    from tools.experiments import list_suggestions

    suggestions = list_suggestions()
    if json_out:
        print_json(suggestions)
        return
    if not suggestions:
        console.print("The experiment log is empty: log candidates with /log in `alloygan chat` "
                      "(or ask the assistant to log them).")
        return
    table = Table(title=f"{len(suggestions)} experiment suggestions", title_justify="left")
    for column in ("id", "composition (at.%)", "Tg K", "Tx K", "Tl K", "Trg", "status", "measured Tg/Tx/Tl K",
                   "logged", "goal"):
        table.add_column(column, justify="right" if column in ("id", "Tg K", "Tx K", "Tl K", "Trg") else "left")
    for s in suggestions:
        p = s["predicted"]
        table.add_row(str(s["id"]), s["formula"], _pm(p.get("Tg")), _pm(p.get("Tx")), _pm(p.get("Tl")),
                      _pm(p.get("Trg"), 3), s["status"], _measured(s), s["created_at"][:16].replace("T", " "),
                      s["goal_text"])
    console.print(table)


@app.command("show")
def show(suggestion_id: int = typer.Argument(..., help="Suggestion id (see `alloygan experiments list`)."),
         json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One suggestion in full: predictions, goal, model versions, the recorded result."""
    from tools.experiments import show_suggestion

    s = show_suggestion(suggestion_id)
    if json_out:
        print_json(s)
        return
    console.print(f"[bold]Suggestion {s['id']}:[/] {s['formula']}  ({s['status']})")
    console.print(f"Goal: {s['goal_text']}", markup=False)
    console.print(f"Logged {s['created_at']} from design rank {s['design_rank']}; generator {s['generator']}, "
                  f"forward model {s['forward_model']}" + (f"; thread {s['thread']}" if s["thread"] else ""),
                  markup=False)
    console.print(f"P(goal) {fmt(s['p_meets_goal'], 2)}, cost {fmt(s['cost_usd_per_kg'], 1)} USD/kg", markup=False)
    table = Table(title_justify="left")
    for column in ("property", "predicted (mean ± 1σ)", "measured"):
        table.add_column(column, justify="left" if column == "property" else "right")
    m = s["measurement"]
    for name, value in s["predicted"].items():
        digits = 0 if name in ("Tg", "Tx", "Tl", "dTx") else 3
        measured = m[name] if m and name in ("Tg", "Tx", "Tl") and m[name] is not None else None
        table.add_row(name, _pm(value, digits), f"{measured:g}" if measured is not None else "–")
    console.print(table)
    if m:
        glass = "formed a glass" if m["amorphous"] else "did not form a glass"
        where = "added to the knowledge base" if m["in_knowledge_base"] else "kept in the log only"
        console.print(f"Result recorded {m['recorded_at']}: {glass}; {where}."
                      + (f" Note: {m['note']}" if m["note"] else ""), markup=False)


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
    from tools.experiments import record_result

    s = record_result(suggestion_id, Tg=tg, Tx=tx, Tl=tl, amorphous=amorphous == YesNo.yes, note=note)
    if json_out:
        print_json(s)
        return
    if s["measurement"]["in_knowledge_base"]:
        console.print(f"Recorded suggestion {s['id']} ({s['formula']}): Tg {tg:g} K, Tx {tx:g} K, Tl {tl:g} K; "
                      "added to the knowledge base as an experiment report (retrain with `alloygan train`).",
                      markup=False)
    else:
        console.print(f"Recorded suggestion {s['id']} ({s['formula']}): did not form a glass; kept in the log "
                      "(no glass temperatures to add to the knowledge base).", markup=False)


@app.command("report")
def report(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Predicted vs measured: per property the mean absolute error and how often the value fell inside ±2σ."""
    from tools.experiments import experiments_report

    data = experiments_report()
    if json_out:
        print_json(data)
        return
    console.print(f"{data['suggestions']} suggestions: {data['measured']} measured ({data['glasses']} glasses, "
                  f"{data['not_glasses']} not glasses), {data['pending']} pending.", markup=False)
    if not data["properties"]:
        console.print("No glass measured yet: record results with `alloygan experiments record ID --tg … --tx … --tl …`.")
        return
    table = Table(title="Predicted vs measured (glasses)", title_justify="left")
    for column in ("property", "n", "mean abs error", "inside ±2σ"):
        table.add_column(column, justify="left" if column == "property" else "right")
    for name, p in data["properties"].items():
        digits = 1 if name in ("Tg", "Tx", "Tl", "dTx") else 4
        unit = " K" if digits == 1 else ""
        table.add_row(name, str(p["n"]), f"{fmt(p['mean_abs_error'], digits)}{unit}",
                      f"{p['within_2sigma']}/{p['n']} ({100 * p['within_2sigma_share']:.0f}%)")
    console.print(table)
    details = Table(title="Per experiment", title_justify="left")
    for column in ("id", "composition", "Tg pred / meas", "Tx pred / meas", "Tl pred / meas", "inside ±2σ"):
        details.add_column(column, justify="left" if column == "composition" else "right")
    for row in data["experiments"]:
        if not row["amorphous"]:
            details.add_row(str(row["id"]), row["formula"], "not a glass", "", "", "")
            continue
        cells = []
        for name in ("Tg", "Tx", "Tl"):
            p = row["properties"].get(name)
            cells.append(f"{_pm(p['predicted'])} / {p['measured']:g}" if p else "–")
        inside = [name for name, p in row["properties"].items() if p["within_2sigma"]]
        details.add_row(str(row["id"]), row["formula"], *cells, f"{len(inside)}/{len(row['properties'])}")
    console.print(details)
