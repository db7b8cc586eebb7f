"""`alloygan bench ...`: benchmarks that print figures (tables, or JSON with --json).

Each benchmark's command lives beside the feature it measures and is registered here.
"""
from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks that print figures (JSON with --json).", no_args_is_help=True)

from alloygan.agent.cli.lit import bench_extract  # noqa: E402

app.command("extract")(bench_extract)

from alloygan.agent.cli.generative import bench_generative  # noqa: E402

app.command("generative")(bench_generative)

from alloygan.agent.cli.models import bench_forward  # noqa: E402

app.command("forward")(bench_forward)

from alloygan.agent.cli.design import bench_design  # noqa: E402

app.command("design")(bench_design)
from alloygan.agent.cli.campaign import bench_campaign  # noqa: E402

app.command("campaign")(bench_campaign)
