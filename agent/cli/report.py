"""`alloygan report --out DIR`: PNG figures (parity plots, data, PCA densities, training curves) and one page."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from alloygan.agent.cli.output import console, print_json, progress


def report(
    out: Path = typer.Option(..., "--out", help="Directory for the figures and report.md (created when missing)."),
    families: str = typer.Option("Cu,Fe,Ti,Zr", "--families", help="Base elements, comma-separated."),
    models: Optional[str] = typer.Option(None, "--models", help="Subset of gan,gan-plus,cgan,ours (default: all)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the forward model's random split and of the generators."),
    force: bool = typer.Option(False, "--force", help="Write into --out even if it already holds files (a report "
                                                      "there is replaced)."),
    json_out: bool = typer.Option(False, "--json", help="Print the page, the figures and the scores as JSON."),
) -> None:
    """Figures of the forward and generative models (AlloyGAN Fig. 3, 5a, 5d) and a Markdown page linking them."""
    from alloygan.tools.report import write_report

    with progress("writing the report") as on_progress:
        result = write_report(out, families, models, seed, on_progress, force=force)
    if json_out:
        print_json(result)
        return
    # soft_wrap: a path is never folded across lines, so it can be copied from a narrow terminal
    console.print(f"Report written to {result['page']} ({result['seconds']:.0f} s); figures:", soft_wrap=True)
    for figure in result["figures"]:
        console.print(f"  {figure}", soft_wrap=True)
