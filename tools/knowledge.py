"""Knowledge-base operations as plain functions with JSON-able results (CLI and agent tools share them)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alloygan.knowledge_base.composition import Composition, element_symbols
from alloygan.knowledge_base.store import AlloyStore
from alloygan.knowledge_base.table_miner import mine_table, shipped_table, table_to_csv
from alloygan.tools.errors import ToolInputError


def open_store() -> AlloyStore:
    """The default store; on first use it is filled from the mined table shipped with the package."""
    return AlloyStore.open_default()


def build_knowledge_base(
    source: Path | None = None,
    export: Path | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> dict:
    """(Re)build the published-table source: mine `source` (a PDF) or load the shipped CSV."""
    if source is not None:
        source = Path(source)
        if not source.exists():
            raise ToolInputError(f"--source {source}: no such file; give the path of the dataset table PDF")
        table = mine_table(source, on_page=on_page)
    else:
        table = shipped_table()
    if export is not None:
        export = Path(export)
        if not export.parent.is_dir():
            raise ToolInputError(f"--export {export}: directory {export.parent} does not exist")
        tmp = export.with_suffix(export.suffix + ".tmp")
        tmp.write_text(table_to_csv(table), encoding="utf-8")
        tmp.replace(export)  # never a half-written file
    with AlloyStore.open_default(fill=False) as store:
        store.replace_source(table.source, table.reports, table.quarantined)
        stats = store.stats()
    stats["built_from"] = str(source) if source else "shipped table (knowledge_base/data/published_table.csv)"
    return stats


def kb_stats() -> dict:
    with open_store() as store:
        return store.stats()


def _element_list(value: str | Sequence[str] | None, flag: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    symbols = [s.strip() for s in items if s.strip()]
    unknown = [s for s in symbols if s not in element_symbols()]
    if unknown:
        raise ToolInputError(f"{flag} {','.join(unknown)}: not element symbols (write e.g. {flag} Cu,Al)")
    return symbols


class AlloyQuery(BaseModel):
    """Which known alloys to list."""

    model_config = ConfigDict(extra="forbid")

    base: str | None = Field(None, description="Base element, e.g. 'Zr'")
    require: list[str] = Field(default_factory=list, description="Elements every alloy must contain")
    exclude: list[str] = Field(default_factory=list, description="Elements no alloy may contain")
    where: str | None = Field(None, description="Conditions such as 'Trg>=0.6, Tg<700'")
    limit: int | None = Field(None, ge=1, description="At most this many alloys (highest Trg first)")

    @field_validator("require", "exclude", mode="before")
    @classmethod
    def _split(cls, value):
        return value.split(",") if isinstance(value, str) else value


def query_alloys(query: AlloyQuery) -> list[dict]:
    from alloygan.models.constraints import parse_conditions
    from alloygan.models.dataset import alloy_table
    from alloygan.tools.serialize import alloy_record

    base = _element_list(query.base, "--base")
    require = _element_list(query.require, "--require")
    exclude = _element_list(query.exclude, "--exclude")
    clash = sorted(set(require) & set(exclude))
    if clash:
        raise ToolInputError(f"{','.join(clash)} both required and excluded; drop one of them")
    ranges = parse_conditions(query.where) if query.where else []
    with open_store() as store:
        table = alloy_table(store.alloys())
    selected = table.select(base=base[0] if base else None, require=require, exclude=exclude, ranges=ranges)
    order = selected.frame.sort_values(["Trg", "formula"], ascending=[False, True]).index
    if query.limit:
        order = order[: query.limit]
    return [alloy_record(selected.alloys[i], selected.frame.iloc[i]) for i in order]


def quarantine_rows() -> list[dict]:
    with open_store() as store:
        return [
            {"raw_text": q.raw_text, "reason": q.reason, "location": q.location, "page": q.page,
             "family": q.family, "document": s.title, "sha256": s.sha256}
            for s, q in store.quarantine()
        ]


def parse_compositions(formulas: Sequence[str]) -> list[Composition]:
    """Every formula read exactly, or the first failure as the error (naming the formula)."""
    return [Composition.parse(text) for text in formulas]


def describe_alloys(formulas: Sequence[str]) -> list[dict]:
    """Composition, known data and all features when known, composition descriptors and cost."""
    from alloygan.models.dataset import alloy_table
    from alloygan.models.descriptors.elemental import describe_composition
    from alloygan.knowledge_base.prices import alloy_cost_usd_per_kg
    from alloygan.tools.serialize import alloy_record, rounded

    if not formulas:
        raise ToolInputError("give at least one formula, e.g. alloygan describe Zr65Cu17.5Ni10Al7.5")
    compositions = parse_compositions(formulas)
    with open_store() as store:
        alloys = {a.composition: a for a in store.alloys()}
    out = []
    for text, composition in zip(formulas, compositions):
        known = alloys.get(composition)
        record = {
            "input": text,
            "composition": composition.as_dict(),
            "formula": composition.formula,
            "known": alloy_record(known, alloy_table([known]).frame.iloc[0]) if known else None,
            "descriptors": {k: rounded(v) for k, v in describe_composition(composition).items()},
            "cost_usd_per_kg": rounded(alloy_cost_usd_per_kg(composition), 4),
        }
        out.append(record)
    return out

