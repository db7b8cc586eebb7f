"""`alloygan parse-goal` and `alloygan design`: from plain words to ranked candidates."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from agent.cli.output import console, err_console, fmt, print_json


def parse_goal(
    text: str = typer.Argument(..., help='The goal in plain words, e.g. "find Zr-based glass with Trg>0.6 avoiding Ag".'),
    json_out: bool = typer.Option(False, "--json", help="Print the parsed goal as JSON."),
) -> None:
    """Show how a goal in plain words is understood (offline grammar, no LLM)."""
    from tools.design import parse_goal_text

    goal = parse_goal_text(text)
    if json_out:
        print_json(goal.as_json())
        return
    console.print(f"[bold]Goal:[/] {goal.describe()}")
    if goal.not_understood:
        console.print(f"[yellow]not understood:[/] {' '.join(goal.not_understood)}")


def design(
    text: str = typer.Argument(..., help='The goal in plain words, e.g. "find Zr-based glass with Trg>0.6 avoiding Ag".'),
    n: Optional[int] = typer.Option(None, "--n", min=1, max=500, help="Number of candidates (overrides the text)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Random seed (overrides the text)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array of candidate records."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the candidates as CSV."),
) -> None:
    """Design alloys for a goal: generate, predict, screen, cost and rank candidates."""
    from tools.design import design_alloys, parse_goal_text, write_candidates_csv

    goal = parse_goal_text(text)
    updates = {k: v for k, v in (("n_candidates", n), ("seed", seed)) if v is not None}
    if updates:
        goal = goal.model_copy(update=updates)
    if goal.not_understood:
        err_console.print(f"not understood: {' '.join(goal.not_understood)} (ignored; see `alloygan parse-goal`)",
                          style="yellow")
    if json_out:
        result = design_alloys(goal)
    else:
        with console.status("designing", spinner="dots") as status:
            result = design_alloys(goal, on_status=lambda m: status.update(m))
    if out is not None:
        write_candidates_csv(result["candidates"], out)
    if json_out:
        print_json(result["candidates"])
        return
    print_design(result)
    if out is not None:
        console.print(f"Candidates written to {out}")


def _pm(value: dict, digits: int) -> str:
    return f"{fmt(value['mean'], digits)}±{fmt(value['std'], digits)}"


def print_design(result: dict) -> None:
    """The answer as a person reads it: goal, table of candidates, sources, notes."""
    from alloygan_models.design.goal import DesignGoal

    goal = DesignGoal(**{k: v for k, v in result["goal"].items()})
    console.print(f"[bold]Goal:[/] {goal.describe()}")
    stats = result["stats"]
    table = Table(title=f"{stats['returned']} candidates ({stats['passing']:,} of {stats['unique_valid']:,} unique "
                        f"generated compositions meet the goal by the forward model)", title_justify="left")
    for column in ("#", "composition (at.%)", "Tg K", "Tx K", "Tl K", "Trg", "γ", "ΔTx K", "P(goal)", "USD/kg",
                   "target Trg", "nearest known (Δ at.%)"):
        left = column in ("composition (at.%)", "nearest known (Δ at.%)")
        table.add_column(column, justify="left" if left else "right", no_wrap=column == "composition (at.%)")
    for c in result["candidates"]:
        near = c["nearest_known"][0]
        label = f"{c['rank']}{' ~' if c['near_miss'] else ''}"
        condition = c["condition"]
        table.add_row(label, c["formula"], _pm(c["Tg"], 0), _pm(c["Tx"], 0), _pm(c["Tl"], 0), _pm(c["Trg"], 3),
                      _pm(c["gamma"], 3), _pm(c["dTx"], 0), fmt(c["p_meets_goal"], 2), fmt(c["cost_usd_per_kg"], 1),
                      fmt(condition["Trg"], 3),
                      f"{near['formula']} ({near['distance_at_pct']:g})")
    console.print(table)
    sources = {}
    for c in result["candidates"]:
        for near in c["nearest_known"]:
            source = near["source"]
            sources.setdefault(near["formula"], f"{source['document']}, {source['location']}")
    console.print("Nearest known alloys and their sources:", style="dim")
    for formula, where in list(sources.items())[:12]:
        console.print(f"  {formula}: {where}", style="dim")
    if any(c["near_miss"] for c in result["candidates"]):
        console.print("~ near miss: the forward model predicts it misses the goal (see `--json` for which range)",
                      style="yellow")
    for note in result["notes"]:
        console.print(f"note: {note}", style="yellow")
    console.print(f"Predicted properties are forward-model means ±1σ; P(goal) is the probability of meeting every range; "
                  f"target Trg is the condition the generator was given. "
                  f"{stats['generated']:,} generated in {stats['seconds']:.2f} s with {stats['generator']}.", style="dim")
