"""`alloygan parse-goal` and `alloygan design`: from plain words to ranked candidates."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, err_console, fits, fmt, plus_minus, print_json, print_result, progress

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import Candidate, DesignAnswer


def parse_goal(
    text: str = typer.Argument(..., help='The goal in plain words, e.g. "find Zr-based glass with Trg>0.6 avoiding Ag".'),
    json_out: bool = typer.Option(False, "--json", help="Print the parsed goal as JSON."),
) -> None:
    """Show how a goal in plain words is understood (offline grammar, no LLM)."""
    from alloygan.tools.design import parse_goal_text

    parsed = parse_goal_text(text)
    if json_out:
        print_json(parsed.to_json())
        return
    console.print(f"[bold]Goal:[/] {parsed.goal.describe()}")
    if parsed.not_understood:
        console.print(f"[yellow]not understood:[/] {' '.join(parsed.not_understood)}")


def design(
    text: str = typer.Argument(..., help='The goal in plain words, e.g. "find Zr-based glass with Trg>0.6 avoiding Ag".'),
    n: Optional[int] = typer.Option(None, "--n", min=1, max=500, help="Number of candidates (overrides the text)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Random seed (overrides the text)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array of candidate records."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the candidates as CSV."),
    force: bool = typer.Option(False, "--force", help="Replace the --out file if it exists."),
) -> None:
    """Design alloys for a goal: generate, predict, screen, cost and rank candidates."""
    from alloygan.tools.design import design_alloys, parse_goal_text, write_candidates_csv
    from alloygan.tools.outputs import checked_output_file

    if out is not None:
        out = checked_output_file(out, "--out", force=force)
    parsed = parse_goal_text(text)
    updates = {k: v for k, v in (("n_candidates", n), ("seed", seed)) if v is not None}
    if updates:
        parsed = parsed.model_copy(update={"goal": parsed.goal.model_copy(update=updates)})
    if parsed.not_understood:
        err_console.print(f"not understood: {' '.join(parsed.not_understood)} (ignored; see `alloygan parse-goal`)",
                          style="yellow")
    with progress("designing") as on_progress:
        answer = design_alloys(parsed, on_progress=on_progress)
    if out is not None:
        write_candidates_csv(answer.candidates, out)
    if json_out:
        print_json(answer.candidates)
        return
    print_design(answer)
    if out is not None:
        console.print(f"Candidates written to {out}")


DEMO_GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"


def demo(goal: str = typer.Argument(DEMO_GOAL, help="The goal to design for.")) -> None:
    """The main job on the embedded default: build the knowledge base, train what is missing, design for a goal."""
    from alloygan.tools.knowledge import kb_stats

    stats = kb_stats()
    console.print(f"[bold]alloygan[/] (offline, embedded store): {stats.unique_compositions} known alloys from "
                  f"{stats.rows_read} table rows ({stats.quarantined} quarantined with reasons)")
    console.print(f"[bold]Request:[/] {goal}")
    design(goal, n=None, seed=None, json_out=False, out=None, force=False)



def print_design(answer: DesignAnswer) -> None:
    """The answer as a person reads it: goal, candidates (a table, or one block each on a narrow screen), sources."""
    candidates, stats = answer.candidates, answer.stats
    console.print(f"[bold]Goal:[/] {answer.goal.describe()}", soft_wrap=True)
    console.print(f"[bold]{stats.returned} candidates[/] ({stats.passing:,} of {stats.unique_valid:,} unique "
                  f"generated compositions meet the goal by the forward model)", soft_wrap=True)
    table = _candidate_table(candidates)
    if fits(table):
        console.print(table)
    else:
        _print_candidate_blocks(candidates)
    sources: dict[str, str] = {}
    for c in candidates:
        for near in c.nearest_known:
            sources.setdefault(near.formula, near.source.text())
    console.print("Nearest known alloys and their sources:", style="dim")
    for formula, where in list(sources.items())[:12]:
        console.print(f"  {formula}: {where}", style="dim", soft_wrap=True)
    if any(c.near_miss for c in candidates):
        console.print("~ near miss: the forward model predicts it misses the goal (see `--json` for which range)",
                      style="yellow")
    for note in answer.notes:
        console.print(f"note: {note}", style="yellow")
    console.print(f"Predicted properties are forward-model means ±1σ (σ grows with the distance from the known alloys); "
                  f"domain: in-domain ≤ 8 at.% from a known alloy, edge ≤ 15, outside beyond (an extrapolation, "
                  f"returned only when the goal asks to explore); P(goal) is the probability of meeting every range; "
                  f"target Trg is the condition the generator was given. "
                  f"{stats.generated:,} generated in {stats.seconds:.2f} s with {stats.generator}.", style="dim")


def _candidate_table(candidates: list[Candidate]) -> Table:
    table = Table()
    for column in ("#", "composition (at.%)", "Tg K", "Tx K", "Tl K", "Trg", "γ", "ΔTx K", "P(goal)", "USD/kg",
                   "target Trg", "nearest known (Δ at.%)", "domain"):
        left = column in ("composition (at.%)", "nearest known (Δ at.%)")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for c in candidates:
        near = c.nearest_known[0]
        table.add_row(f"{c.rank}{' ~' if c.near_miss else ''}", c.formula, plus_minus(c.Tg, 0), plus_minus(c.Tx, 0),
                      plus_minus(c.Tl, 0), plus_minus(c.Trg, 3), plus_minus(c.gamma, 3), plus_minus(c.dTx, 0),
                      fmt(c.p_meets_goal, 2), fmt(c.cost_usd_per_kg, 1), fmt(c.condition.Trg, 3),
                      f"{near.formula} ({near.distance_at_pct:g})", _domain_cell(c))
    return table


def _domain_cell(c: Candidate) -> str:
    """in-domain / edge / outside, and EXTRAPOLATION for a candidate an exploring goal let through."""
    if c.domain is None:
        return ""
    return "outside: EXTRAPOLATION" if c.extrapolation else c.domain.label


def _print_candidate_blocks(candidates: list[Candidate]) -> None:
    """Three short lines per candidate: what fits a narrow terminal or a log file (80 columns)."""
    from rich.text import Text

    for c in candidates:
        near = c.nearest_known[0]
        head = Text(f"{c.rank:>2}{'~' if c.near_miss else ' '} ", style="bold")
        head.append(c.formula, style="bold cyan")
        head.append(f"   P(goal) {fmt(c.p_meets_goal, 2)}   {fmt(c.cost_usd_per_kg, 1)} USD/kg")
        console.print(head, soft_wrap=True)
        console.print(f"    Tg {plus_minus(c.Tg, 0)}  Tx {plus_minus(c.Tx, 0)}  Tl {plus_minus(c.Tl, 0)} K   "
                      f"Trg {plus_minus(c.Trg, 3)}  γ {plus_minus(c.gamma, 3)}  ΔTx {plus_minus(c.dTx, 0)} K",
                      soft_wrap=True, highlight=False, markup=False)
        console.print(f"    target Trg {fmt(c.condition.Trg, 3)}; nearest known {near.formula} "
                      f"({near.distance_at_pct:g} at.% away); {_domain_cell(c)}", style="dim", soft_wrap=True,
                      markup=False)


def bench_design(
    cold: bool = typer.Option(False, "--cold", help="Also time a first run in an empty ALLOYGAN_HOME (trains models)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The design pipeline on a fixed list of goals: time, candidates, share meeting the goal, novelty, cost."""
    from alloygan.tools.design_bench import benchmark_design

    with progress("benchmarking the design pipeline") as on_progress:
        result = benchmark_design(cold, on_progress=on_progress)
    print_result(result, json_out, _print_design_benchmark)


def _print_design_benchmark(result: dict) -> None:
    for i, r in enumerate(result["goals"], start=1):
        console.print(f"{i:>2}. {r['goal']}", soft_wrap=True, markup=False, highlight=False)
    table = Table(title="Design pipeline on the goals above", title_justify="left", box=None, padding=(0, 1),
                  pad_edge=False, header_style="bold underline")
    for column in ("#", "s", "gen", "uniq", "pass", "ret", "meet", "P", "nov", "USD/kg", "cand/s"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    for i, r in enumerate(result["goals"], start=1):
        table.add_row(str(i), f"{r['seconds']:.2f}", f"{r['generated']:,}", f"{r['unique_valid']:,}",
                      f"{r['passing']:,}", str(r["returned"]), f"{r['share_returned_meeting_goal']:.0%}",
                      f"{r['mean_p_meets_goal']:.2f}", fmt(r["median_novelty_at_pct"], 1),
                      fmt(r["median_cost_usd_per_kg"], 0), f"{r['candidates_per_second']:,}")
    console.print(table)
    console.print("s: pipeline seconds; gen: compositions generated; uniq: unique valid ones; pass: meeting the goal "
                  "by the forward model; ret: returned; meet: share of returned meeting the goal; P: their mean "
                  "P(meets goal); nov: median at.% to the nearest known alloy; USD/kg: median raw-material cost",
                  style="dim")
    console.print(f"warm `alloygan design`: {result['warm_cli_design_seconds']:.2f} s; median throughput "
                  f"{result['throughput_candidates_per_second_median']:,} candidates/s")
    if "cold_cli_design_seconds" in result:
        console.print(f"cold first run (empty ALLOYGAN_HOME): {result['cold_cli_design_seconds']:.1f} s")
    console.print(result["protocol"], style="dim")
