"""`alloygan bench campaign`: experiments each acquisition strategy needs to find a family's best alloy."""
from __future__ import annotations

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fail, print_result, progress


def bench_campaign(
    seeds: int = typer.Option(20, "--seeds", help="Random seeds per goal and strategy (fewer for a quick run)."),
    batch: int = typer.Option(5, "--batch", help="Experiments per round."),
    twin_distance: float = typer.Option(
        5.0, "--twin-distance",
        help="Also hide the other families' alloys within this many at.% (half-L1) of the hidden family's "
             "(their near-twins); 0 = the family-only split."),
    generator: bool = typer.Option(True, "--generator/--no-generator",
                                   help="Include the generator strategy (trains one small generator per hidden "
                                        "family, about 15 s each)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retrospective campaigns on the knowledge base: random, greedy, EI, PI, UCB, Thompson sampling and the
    generator's own suggestions against each other."""
    from alloygan.tools.campaign_bench import MAX_BATCH, MAX_SEEDS, MAX_TWIN_DISTANCE_AT_PCT, benchmark_campaign

    if not 1 <= seeds <= MAX_SEEDS:
        fail(f"--seeds must be from 1 to {MAX_SEEDS} (got {seeds}); e.g. --seeds 20")
    if not 1 <= batch <= MAX_BATCH:
        fail(f"--batch must be from 1 to {MAX_BATCH} (got {batch}); e.g. --batch 5")
    if not 0 <= twin_distance <= MAX_TWIN_DISTANCE_AT_PCT:
        fail(f"--twin-distance must be from 0 to {MAX_TWIN_DISTANCE_AT_PCT:g} at.% (got {twin_distance:g}); "
             f"e.g. --twin-distance 5, or 0 for the family-only split")
    with progress("benchmarking active-learning campaigns") as on_progress:
        result = benchmark_campaign(seeds, batch, on_progress=on_progress, twin_distance_at_pct=twin_distance,
                                    with_generator=generator)
    print_result(result, json_out, _print_campaign_benchmark)


def _print_campaign_benchmark(result: dict) -> None:
    from alloygan.models.active_learning.campaign import STRATEGIES

    for number, row in enumerate(result["goals"], start=1):
        console.print(f"goal {number}. {row['goal']}: pool of {row['pool_size']}, {row['targets']} "
                      f"target{'s' if row['targets'] != 1 else ''}; {row['known_alloys']} known "
                      f"({row['near_twins_removed']} near-twins hidden)", markup=False, highlight=False)
    shown = [s for s in STRATEGIES if any(s in row["strategies"] for row in result["goals"])]
    # One row per strategy, one column per goal: seven strategies side by side would not fit a terminal.
    console.print("Experiments to find a target (a top-1 % alloy, or one meeting the goal's threshold): "
                  "median [25th-75th percentile]", style="bold", markup=False, highlight=False)
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold underline")
    table.add_column("strategy", no_wrap=True)
    for number, _row in enumerate(result["goals"], start=1):
        table.add_column(f"goal {number}", justify="right", no_wrap=True)
    for strategy in shown:
        cells = []
        for row in result["goals"]:
            s = row["strategies"].get(strategy)
            missed = "" if s is None or s["found_share"] == 1 else f" {s['found_share']:.0%}"
            cells.append("-" if s is None else f"{s['median_experiments']:g} [{s['p25']:.0f}-{s['p75']:.0f}]{missed}")
        table.add_row(strategy, *cells)
    table.add_row("× random", *(f"{row['acceleration_over_random']:.2f}" for row in result["goals"]))
    console.print(table)
    console.print(f"× random: median(random) / median({result['goals'][0]['default_strategy']}); "
                  f"a % after the interval: share of campaigns that found a target; {result['seeds']} seeds, "
                  f"batch {result['batch']}, {result['seconds']:.0f} s", style="dim")
    console.print(result["protocol"], style="dim")
