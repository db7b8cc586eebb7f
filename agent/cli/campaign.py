"""`alloygan bench campaign`: experiments each acquisition strategy needs to find a family's best alloy."""
from __future__ import annotations

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fail, print_result, progress


def bench_campaign(
    seeds: int = typer.Option(20, "--seeds", help="Random seeds per goal and strategy (fewer for a quick run)."),
    batch: int = typer.Option(5, "--batch", help="Experiments per round."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retrospective campaigns on the knowledge base: random, greedy, EI, PI and UCB against each other."""
    from alloygan.tools.campaign_bench import benchmark_campaign

    from alloygan.tools.campaign_bench import MAX_BATCH, MAX_SEEDS

    if not 1 <= seeds <= MAX_SEEDS:
        fail(f"--seeds must be from 1 to {MAX_SEEDS} (got {seeds}); e.g. --seeds 20")
    if not 1 <= batch <= MAX_BATCH:
        fail(f"--batch must be from 1 to {MAX_BATCH} (got {batch}); e.g. --batch 5")
    with progress("benchmarking active-learning campaigns") as on_progress:
        result = benchmark_campaign(seeds, batch, on_progress=on_progress)
    print_result(result, json_out, _print_campaign_benchmark)


def _print_campaign_benchmark(result: dict) -> None:
    from alloygan.models.active_learning.campaign import STRATEGIES

    for number, row in enumerate(result["goals"], start=1):
        console.print(f"{number}. {row['goal']} (pool of {row['pool_size']} alloys, "
                      f"{row['targets']} target{'s' if row['targets'] != 1 else ''})", markup=False, highlight=False)
    table = Table(title="Experiments to find a top-1 % alloy: median [25th-75th percentile]", title_justify="left",
                  box=None, padding=(0, 1), pad_edge=False, header_style="bold underline")
    for column in ("#", *STRATEGIES, "× random"):
        table.add_column(column, justify="right", no_wrap=True)
    for number, row in enumerate(result["goals"], start=1):
        cells = []
        for strategy in STRATEGIES:
            s = row["strategies"][strategy]
            missed = "" if s["found_share"] == 1 else f" {s['found_share']:.0%}"
            cells.append(f"{s['median_experiments']:g} [{s['p25']:.0f}-{s['p75']:.0f}]{missed}")
        table.add_row(str(number), *cells, f"{row['acceleration_over_random']:.2f}")
    console.print(table)
    console.print(f"× random: median(random) / median({result['goals'][0]['default_strategy']}); "
                  f"a % after the interval: share of campaigns that found a target; {result['seeds']} seeds, "
                  f"batch {result['batch']}, {result['seconds']:.0f} s", style="dim")
    console.print(result["protocol"], style="dim")
