"""Knowledge-base results: known alloys, descriptions, statistics, quarantine entries."""
from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from alloygan.tools.results.base import FlatResult, Result, SourceRef, SparseResult, rounded

MAX_LISTED = 25  # records a compact form lists at most; the full result stays the tool's artifact


def _measured_fields() -> dict[str, Any]:
    """Tg, Tx, Tl and every published criterion (in `FEATURE_NAMES` order), as fields described from the
    descriptor module: one list of criteria for the data, the models and this contract."""
    from alloygan.models.descriptors.thermal import CRITERIA, TEMPERATURES

    described = {name: f"{name} in K (median of the reports)" for name in TEMPERATURES}
    described |= {c.name: f"{c.symbol} = {c.formula} ({c.citation})" for c in CRITERIA}
    return {name: (float | None, Field(description=text)) for name, text in described.items()}


_KnownAlloyFields = create_model(
    "_KnownAlloyFields", __base__=SparseResult,
    composition=(dict[str, float], Field(description="Element symbol -> at.% (decreasing at.%, ties alphabetical)")),
    formula=(str, Field(description="The canonical formula")),
    base_element=(str, Field(description="The element of largest amount")),
    **_measured_fields(),
    n_reports=(int, Field(description="Reports the temperatures are the median of")),
    conflicting=(bool, Field(description="Whether the reports differ by more than 10 K")),
    spread_K=(float | None, Field(description="Largest max-min difference of Tg, Tx or Tl among the reports, K")),
    sources=(list[SourceRef], Field(description="Where each report comes from")),
    conflict=(str | None, Field(None, description="Only when sources contradict each other beyond the measurement "
                                "spread: the reports that disagree and the value kept (the consensus, the earlier "
                                "source on a tie)")),
)


class KnownAlloy(_KnownAlloyFields):
    """A measured alloy of the knowledge base: composition, median temperatures, every criterion, sources
    (a record of `kb query --json`)."""

    schema_name = "known-alloy"
    omitted_when_none = ("conflict",)

    @classmethod
    def of(cls, alloy, features) -> "KnownAlloy":
        """From a store `Alloy` and its row of the alloy table's features."""
        from alloygan.models.descriptors.thermal import FEATURE_NAMES

        return cls(composition=alloy.composition.as_dict(), formula=alloy.composition.formula,
                   base_element=alloy.base_element, **{name: rounded(features[name]) for name in FEATURE_NAMES},
                   n_reports=len(alloy.reports), conflicting=alloy.conflicting, spread_K=rounded(alloy.spread_K, 3),
                   sources=[SourceRef.of(report) for report in alloy.reports], conflict=alloy.conflict_note or None)

    def compact(self) -> dict:
        return {"formula": self.formula, "Tg": self.Tg, "Tx": self.Tx, "Tl": self.Tl,
                "Trg": rounded(self.Trg, 4), "gamma": rounded(self.gamma, 4), "dTx": rounded(self.dTx, 1),
                "n_reports": self.n_reports, "source": self.sources[0].text() if self.sources else "",
                **({"conflict": self.conflict} if self.conflict else {})}

    def csv_row(self) -> dict:
        data = self.to_json()
        data.pop("composition")
        return data | {"sources": "; ".join(source.text() for source in self.sources), "conflict": self.conflict or ""}


class AlloyQueryResult(Result):
    """The known alloys matching a query, highest Trg first (`kb query --json` prints the `alloys`)."""

    schema_name = "alloy-query-result"

    n_found: int = Field(description="How many alloys match (before the limit)")
    alloys: list[KnownAlloy] = Field(description="The matching alloys, at most the query's limit")

    def compact(self) -> dict:
        return {"n_found": self.n_found, "alloys": [alloy.compact() for alloy in self.alloys[:MAX_LISTED]]}


class AlloyDescription(Result):
    """One formula described: composition, its measured data when known, descriptors, cost (`describe --json`)."""

    schema_name = "alloy-description"

    input: str = Field(description="The formula as given")
    composition: dict[str, float]
    formula: str
    known: KnownAlloy | None = Field(description="The knowledge base's record of this composition, if any")
    descriptors: dict[str, float | None] = Field(description="Composition descriptors (label -> value)")
    cost_usd_per_kg: float | None = Field(description="Raw-material cost; null when an element has no price")

    def alloy_descriptors(self) -> dict[str, float | None]:
        """The alloy-level descriptors (size mismatch, mixing enthalpy, ...), to 4 decimals: what an answer quotes;
        the 132 Magpie element statistics stay in the full result."""
        return {name: rounded(value, 4) for name, value in self.descriptors.items() if not name.startswith("MagpieData")}

    def compact(self) -> dict:
        return {"input": self.input, "formula": self.formula, "cost_usd_per_kg": rounded(self.cost_usd_per_kg, 2),
                "known": self.known.compact() if self.known else None, "descriptors": self.alloy_descriptors()}

    def csv_row(self) -> dict:
        known = self.known
        return {"input": self.input, "formula": self.formula, "cost_usd_per_kg": self.cost_usd_per_kg,
                **{name: getattr(known, name) if known else None for name in ("Tg", "Tx", "Tl")}, **self.descriptors}


class ResultList(Result):
    """Results under one key (`{"alloys": [...]}`); the compact form lists each one's compact form."""

    def compact(self) -> dict:
        (key,) = type(self).model_fields
        return {key: [item.compact() for item in getattr(self, key)]}


class AlloyDescriptions(ResultList):
    """`describe` of several formulas, in input order."""

    alloys: list[AlloyDescription]


class SourceCount(Result):
    sha256: str
    kind: str
    title: str
    accepted: int = Field(description="Reports accepted from this source")
    quarantined: int = Field(description="Rows of this source kept out, with a reason")


class KnowledgeBaseStats(SparseResult):
    """What the store holds (`kb stats --json`; `kb build --json` adds `built_from`)."""

    omitted_when_none = ("built_from",)

    schema_name = "kb-stats"

    store: str = Field(description="Path of the SQLite store")
    schema_version: int
    rows_read: int
    accepted: int
    quarantined: int
    unique_compositions: int
    conflicting_alloys: int = Field(description="Alloys whose reports differ by more than 10 K")
    families: dict[str, int] = Field(description="Base element -> alloys, most first")
    sources: list[SourceCount]
    built_from: str | None = Field(None, description="What the last build read (only after a build)")


class QuarantineEntry(FlatResult):
    """A row kept out of the knowledge base, with the reason (`kb quarantine --json`)."""

    raw_text: str = Field(description="The row as printed")
    reason: str
    location: str
    page: int | None
    family: str
    document: str
    sha256: str


class ImportedRowIssue(FlatResult):
    """A row of an imported table that was not added: quarantined with the reason, or a repeat of a known report."""

    location: str = Field(description="Row of the file, as a spreadsheet numbers it (header = row 1), or JSON record")
    raw_text: str = Field("", description="The row's cells as read, joined by ' | '")
    reason: str


class TableImport(Result):
    """`kb import FILE`: what a user's table added to the knowledge base (`kb import --json`)."""

    schema_name = "table-import"

    file: str = Field(description="Path of the imported file")
    sha256: str = Field(description="SHA-256 of the file's bytes: the source its reports cite")
    format: str = Field(description="csv, xlsx or json")
    rows_read: int = Field(description="Data rows read (= added + already_present + quarantined)")
    added: int = Field(description="Reports added to the knowledge base (with --dry-run: that would be added)")
    already_present: int = Field(description="Rows equal to a stored report or to an earlier row; not added again")
    quarantined: int = Field(description="Rows kept out, each with its reason")
    written: bool = Field(description="False for --dry-run, or when this file was imported before")
    already_imported: bool = Field(description="The same file (same SHA-256) was imported before: nothing added")
    unit_note: str = Field("", description="How temperatures were read when the file states no unit")
    ignored_columns: list[str] = Field(default_factory=list, description="Columns that are not read")
    quarantined_rows: list[ImportedRowIssue] = Field(default_factory=list)
    duplicate_rows: list[ImportedRowIssue] = Field(default_factory=list)
    unique_compositions: int = Field(description="Alloys in the knowledge base after the import")
    notes: list[str] = Field(default_factory=list, description="One line each: rows already known from a stored "
                             "source (N reports already known from source X), not counted twice")

    def compact(self) -> dict:
        data = self.to_json()
        data["quarantined_rows"] = [row.compact() for row in self.quarantined_rows[:MAX_LISTED]]
        data["duplicate_rows"] = [row.compact() for row in self.duplicate_rows[:MAX_LISTED]]
        return data


class TableExport(Result):
    """`kb export FILE`: the stored reports written in the format `kb import` reads (`kb export --json`)."""

    schema_name = "table-export"

    file: str
    format: str = Field(description="csv, xlsx or json (from the file's suffix)")
    rows: int = Field(description="Reports written (one row each; quarantined rows are not exported)")
    columns: list[str] = Field(description="The header written")


class SourceEntry(FlatResult):
    """A source of the knowledge base (`kb sources --json`): a document, table or the experiment log."""

    schema_name = "kb-source"

    id: int = Field(description="The store's id of the source (what `kb remove-source` takes)")
    kind: str = Field(description="published-table, mined-rules, mined-llm, experiment or user-import")
    title: str
    path: str = Field(description="The file it was read from, as given then")
    reports: int = Field(description="Reports accepted from it")
    quarantined: int = Field(description="Rows of it kept out, each with a reason")
    added_at: str = Field(description="When it was added (UTC, ISO 8601)")
    sha256: str = Field(description="SHA-256 of its content")

    @classmethod
    def of(cls, summary: dict) -> SourceEntry:
        """From a row of `AlloyStore.source_summaries`."""
        return cls(**{name: summary[name] for name in cls.model_fields})


class SourceRemoval(Result):
    """`kb remove-source ID`: what removing a source takes out (and, with --yes, took out) of the knowledge base."""

    schema_name = "source-removal"

    source: SourceEntry
    removed: bool = Field(description="True when the source was removed (--yes); false: only shown")
    alloys_removed: list[str] = Field(description="Alloys left with no report, which leave the knowledge base")
    alloys_changed: list[str] = Field(description="Alloys that keep reports of other sources (their values may change)")
    unique_compositions: int = Field(description="Alloys in the knowledge base after the removal (or now, if shown)")
