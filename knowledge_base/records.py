"""Domain records of the knowledge base: what a source reports, what was quarantined, and alloys.

A *report* is one statement of one source about one alloy (a table row, a sentence,
a measurement). An *alloy* is a canonical composition with every report about it;
its temperatures are the medians of its reports. Nothing here touches storage.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from alloygan.knowledge_base.composition import Composition, CompositionError

# Plausible ranges (K) for the characteristic temperatures of metallic glasses. The lowest
# known Tg are near 300 K (Au- and Ce-based glasses); the highest Tl of glass formers near 2300 K.
PLAUSIBLE_K = {"Tg": (250.0, 1500.0), "Tx": (250.0, 1600.0), "Tl": (400.0, 2500.0)}
# Reports of one alloy whose values differ by more than this are flagged as conflicting.
SPREAD_FLAG_K = 10.0

SOURCE_KINDS = ("published-table", "mined-rules", "mined-llm", "experiment", "user-import")


@dataclass(frozen=True)
class Source:
    """A document or other origin of reports, keyed by the SHA-256 of its content."""

    sha256: str
    kind: str
    title: str
    path: str = ""

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"source kind must be one of {', '.join(SOURCE_KINDS)}, got {self.kind!r}")


@dataclass(frozen=True)
class Report:
    """One source's values for one alloy, with where in the source they were read."""

    composition: Composition
    Tg: float
    Tx: float
    Tl: float
    raw_text: str
    location: str  # unique within the source, e.g. "p3 left line 12"
    page: int | None = None
    family: str = ""  # the section or base element the source files it under
    quote: str = ""
    method: str = ""
    heating_rate_K_per_min: float | None = None
    source: Source | None = None
    # What a user's own table may add (`kb import`): the critical casting diameter, the reference it cites.
    critical_diameter_mm: float | None = None
    doi: str = ""
    citation: str = ""
    notes: str = ""


@dataclass(frozen=True)
class QuarantinedRow:
    """A row that could not be read exactly or failed a check, kept with its reason."""

    raw_text: str
    location: str
    reason: str
    page: int | None = None
    family: str = ""


def temperature_problems(Tg: float, Tx: float, Tl: float) -> list[str]:
    """Physics and sanity checks on (Tg, Tx, Tl) in kelvin; empty when they pass."""
    problems = []
    for name, value in (("Tg", Tg), ("Tx", Tx), ("Tl", Tl)):
        low, high = PLAUSIBLE_K[name]
        if not low <= value <= high:
            problems.append(f"{name} = {value:g} K is outside the plausible range {low:g}-{high:g} K")
    if not Tg < Tx:
        relation = "equals" if Tg == Tx else "exceeds"
        problems.append(f"Tg ({Tg:g} K) {relation} Tx ({Tx:g} K); a glass needs Tg < Tx")
    if not Tx < Tl:
        problems.append(f"Tx ({Tx:g} K) is not below Tl ({Tl:g} K)")
    return problems


def checked_report(formula: str, Tg: float, Tx: float, Tl: float, raw_text: str, location: str,
                   page: int | None = None, family: str = "", source: Source | None = None, method: str = "table",
                   **details) -> Report | QuarantinedRow:
    """The one row check of the knowledge base: the formula read exactly (`knowledge_base.formula`) and the
    temperatures (K) plausible and ordered; a `Report`, or the row quarantined with the reason. `details`
    are further `Report` fields (critical diameter, DOI, citation, notes)."""
    try:
        composition = Composition.parse(formula)
    except CompositionError as error:
        reason = getattr(error, "reason", str(error))
        return QuarantinedRow(raw_text, location, f"formula {formula!r}: {reason}", page, family)
    problems = temperature_problems(Tg, Tx, Tl)
    if problems:
        return QuarantinedRow(raw_text, location, "; ".join(problems), page, family)
    return Report(composition, Tg, Tx, Tl, raw_text, location, page, family, method=method, source=source, **details)


@dataclass
class Alloy:
    """A canonical composition and every report about it."""

    composition: Composition
    reports: list[Report] = field(default_factory=list)
    base_element: str = ""

    def _median(self, name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in self.reports))

    @property
    def Tg(self) -> float:
        return self._median("Tg")

    @property
    def Tx(self) -> float:
        return self._median("Tx")

    @property
    def Tl(self) -> float:
        return self._median("Tl")

    @property
    def spread_K(self) -> float:
        """The largest max-min difference over Tg, Tx, Tl among the reports."""
        return max(
            max(getattr(r, n) for r in self.reports) - min(getattr(r, n) for r in self.reports)
            for n in ("Tg", "Tx", "Tl")
        )

    @property
    def conflicting(self) -> bool:
        return self.spread_K > SPREAD_FLAG_K


def family_base_element(family: str, composition: Composition) -> str:
    """The base element: the source's section when it names an element, else the majority element."""
    return family if family and composition[family] > 0 else composition.base_element


def group_reports(reports: list[Report]) -> list[Alloy]:
    """Deduplicate reports by canonical composition (within 0.01 at.%), keeping every report."""
    alloys: dict[Composition, Alloy] = {}
    for report in reports:
        alloy = alloys.get(report.composition)
        if alloy is None:
            alloy = Alloy(report.composition, base_element=family_base_element(report.family, report.composition))
            alloys[report.composition] = alloy
        alloy.reports.append(report)
    return list(alloys.values())
