"""`alloygan suggest`: the next experiments for a goal, chosen by an acquisition function and logged."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.text import Text

from alloygan.agent.cli.output import console, err_console, fmt, plus_minus, print_result, progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import NextExperiments


class Acquisition(str, Enum):
    EI = "EI"
    PI = "PI"
    UCB = "UCB"
    greedy = "greedy"
    thompson = "thompson"


def suggest(
    text: str = typer.Argument(..., help='The goal, e.g. "Zr-based glass with the highest Trg avoiding Be".'),
    batch: int = typer.Option(5, "--batch", help="How many experiments to suggest (1-20)."),
    acquisition: Acquisition = typer.Option(Acquisition.EI, "--acquisition", case_sensitive=False,
                                            help="EI (expected improvement), PI, UCB, greedy (pure exploitation) "
                                                 "or thompson (Thompson sampling)."),
    min_distance: float = typer.Option(4.0, "--min-distance", help="No two suggestions closer than this, at.% "
                                                                   "(half-L1)."),
    explore: bool = typer.Option(False, "--explore", help="Allow candidates outside the domain of applicability."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Random seed (overrides the text)."),
    no_log: bool = typer.Option(False, "--no-log", help="Show the batch without writing it to the experiment log."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the suggestions as CSV."),
    force: bool = typer.Option(False, "--force", help="Replace the --out file if it exists."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Suggest the next experiments for a goal: designed alloys chosen by an acquisition function against the
    best measured alloy, diverse, costed, each with the reason; logged as experiment suggestions."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.outputs import checked_output_file
    from alloygan.tools.suggest import SuggestArgs, suggest_experiments
    from alloygan.tools.tables import write_csv

    if out is not None:
        out = checked_output_file(out, "--out", force=force)
    goal = {k: v for k, v in (("explore", True if explore else None), ("seed", seed)) if v is not None}
    args = validated(SuggestArgs, request=text, goal=goal or None, batch=batch, acquisition=acquisition.value,
                     min_distance_at_pct=min_distance, log=not no_log)
    with progress("choosing the next experiments") as on_progress:
        result = suggest_experiments(args, on_progress=on_progress)
    if result.not_understood:
        err_console.print(f"not understood: {' '.join(result.not_understood)} (ignored; see `alloygan parse-goal`)",
                          style="yellow")
    if out is not None:
        rows = result.csv_rows()
        write_csv(out, list(rows[0]) if rows else ["order"], rows)
    print_result(result, json_out, print_next_experiments)
    if out is not None and not json_out:
        console.print(f"Suggestions written to {out}")


def print_next_experiments(result: NextExperiments) -> None:
    objective = result.objective
    console.print(f"[bold]Goal:[/] {result.goal_text}", highlight=False)
    console.print(f"[bold]Objective:[/] {objective.describe()} ({objective.chosen_by}); acquisition "
                  f"{result.acquisition} over {result.candidates_considered} designed candidates", highlight=False)
    if result.incumbent is not None:
        best = result.incumbent
        console.print(Text(f"Best measured: {best.alloy.formula}, {objective.property} {best.value:g} "
                           f"({best.alloy.source.text()})"))
    else:
        console.print("Best measured: none in the knowledge base for this family and these element rules.")
    for s in result.suggestions:
        c = s.candidate
        logged = f"#{s.experiment_id} " if s.experiment_id is not None else ""
        lines = [f"{s.order}. {logged}{c.formula}  {objective.property} {plus_minus(s.objective, 3)}  "
                 f"Tg {plus_minus(c.Tg, 0)} Tx {plus_minus(c.Tx, 0)} Tl {plus_minus(c.Tl, 0)} K  "
                 f"P(goal) {fmt(c.p_meets_goal, 2)}  {fmt(c.cost_usd_per_kg, 1)} USD/kg",
                 f"   why: {s.reason}"]
        console.print(Text("\n".join(lines)), soft_wrap=True)
    if result.logged:
        again = f" ({len(result.already_logged)} were logged before: same goal, data and models)" \
            if result.already_logged else ""
        console.print(f"Logged as experiment suggestions{again}. Record what you measure with `alloygan experiments "
                      "record ID --tg … --tx … --tl …`; `alloygan train` then retrains on it.", highlight=False)
    else:
        console.print("Not logged (--no-log).", style="dim")
    for note in result.notes:
        console.print(f"Note: {note}", style="yellow", highlight=False)
    console.print(f"Predictions: forward-model mean ± 1σ. xi {result.parameters['xi']:g} and kappa "
                  f"{result.parameters['kappa']:g} in standard deviations of {objective.property} over the family "
                  f"({result.parameters['objective_scale']:g}); {result.seconds:.1f} s.", style="dim")
