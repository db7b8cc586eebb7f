"""`alloygan describe` (one alloy's data, features, descriptors, cost) and `alloygan demo`."""
from __future__ import annotations

from typing import TYPE_CHECKING, List

import typer
from rich.table import Table

from alloygan.agent.cli.output import console, fmt, print_result

if TYPE_CHECKING:  # the CLI imports the tools layer when a command runs
    from alloygan.tools.results import AlloyDescription


def describe(
    formulas: List[str] = typer.Argument(..., help="Alloy formulas in at.%, e.g. Zr65Cu17.5Ni10Al7.5."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array, one record per formula."),
) -> None:
    """Parsed composition, known temperatures and all 26 features (when in the store), descriptors and cost."""
    from alloygan.tools.arguments import validated
    from alloygan.tools.knowledge import DescribeArgs, describe_alloys

    described = describe_alloys(validated(DescribeArgs, formulas=formulas))
    print_result(described.alloys, json_out, _print_records)


def _print_records(records: list[AlloyDescription]) -> None:
    for record in records:
        _print_record(record)


def _print_record(record: AlloyDescription) -> None:
    console.rule(f"[bold]{record.formula}[/]  (input: {record.input})")
    cost = record.cost_usd_per_kg
    if cost is not None:
        console.print(f"Raw-material cost: [bold]{fmt(cost, 2)}[/] USD/kg")
    else:
        from alloygan.knowledge_base.composition import Composition
        from alloygan.knowledge_base.prices import alloy_cost_or_none

        note = alloy_cost_or_none(Composition.from_dict(record.composition))[1]
        console.print(f"Raw-material cost: – ({note}: unknown, not zero)", markup=False)
    known = record.known
    if known is None:
        console.print("Not in the knowledge base (no measured temperatures).", style="yellow")
    else:
        from alloygan.models.descriptors.thermal import CRITERIA

        console.print(f"Known: Tg {known.Tg:g} K, Tx {known.Tx:g} K, Tl {known.Tl:g} K "
                      f"(median of {known.n_reports} report(s))")
        if known.conflict:
            console.print(f"note: {known.conflict}", style="yellow", highlight=False, markup=False, soft_wrap=True)
        features = Table(title="GFA criteria", title_justify="left")
        for column in ("name", "formula", "value", "reference"):
            features.add_column(column)
        for criterion in CRITERIA:
            features.add_row(f"{criterion.symbol} ({criterion.name})", criterion.formula,
                             fmt(getattr(known, criterion.name), 4), criterion.citation)
        console.print(features)
        for source in known.sources:
            console.print(f"  source: {source.document}, {source.location}: “{source.raw_text}”", style="dim")
    descriptors = Table(title="Composition descriptors", title_justify="left")
    descriptors.add_column("descriptor")
    descriptors.add_column("value", justify="right")
    for name, value in record.descriptors.items():
        if not name.startswith("MagpieData") or " mean " in name:  # the full Magpie set is in --json
            descriptors.add_row(name, fmt(value, 4))
    console.print(descriptors)

