"""Domain records of the knowledge base: what a source reports, what was quarantined, and alloys.

A *report* is one statement of one source about one alloy (a table row, a sentence,
a measurement). An *alloy* is a canonical composition with every report about it;
its temperatures are the medians of its reports while its sources agree. When sources
disagree beyond the measurement spread (`CONFLICT_K`), one new report must not move an
alloy halfway: the value is the median of the consensus, the sources that agree with the
most others (ties: the earliest source), and the alloy is marked `conflict` with a note
naming the reports that disagree. Nothing here touches storage.
"""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from alloygan.knowledge_base.composition import Composition, CompositionError

# Plausible ranges (K) for the characteristic temperatures of metallic glasses. The lowest
# known Tg are near 300 K (Au- and Ce-based glasses); the highest Tl of glass formers near 2300 K.
PLAUSIBLE_K = {"Tg": (250.0, 1500.0), "Tx": (250.0, 1600.0), "Tl": (400.0, 2500.0)}
# Reports of one alloy whose values differ by more than this are flagged as conflicting.
SPREAD_FLAG_K = 10.0
# Sources of one alloy whose values differ by more than this (K, in Tg, Tx or Tl) contradict each other: about three
# times the typical inter-laboratory spread (5-10 K: heating rate, onset construction), beyond what measurement explains.
CONFLICT_K = 30.0
# Physically plausible reduced glass transition Trg = Tg/Tl (Turnbull, Contemp. Phys. 10, 473 (1969): glass formers
# lie near 2/3; the published table spans 0.44-0.70) and gamma = Tx/(Tg + Tl) (Lu & Liu, Acta Mater. 50, 3501 (2002):
# the table spans 0.32-0.48). Values outside are misreadings (Tg, Tx and Tl of 1490/1495/1500 K give Trg 0.99).
PLAUSIBLE_TRG = (0.35, 0.80)
PLAUSIBLE_GAMMA = (0.25, 0.60)

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
    if not problems:
        for name, value, (low, high) in (("Trg = Tg/Tl", Tg / Tl, PLAUSIBLE_TRG),
                                         ("gamma = Tx/(Tg + Tl)", Tx / (Tg + Tl), PLAUSIBLE_GAMMA)):
            if not low <= value <= high:
                problems.append(f"{name} = {value:.3f} is outside the plausible range {low:g}-{high:g} "
                                "of metallic glasses")
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


def _source_key(report: Report) -> str:
    return report.source.sha256 if report.source is not None else ""


def _source_label(report: Report) -> str:
    title = report.source.title if report.source is not None else "unknown source"
    return f"{title}, {report.location}" if report.location else title


def _values_agree(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(x - y) <= CONFLICT_K for x, y in zip(a, b))


@dataclass
class Alloy:
    """A canonical composition and every report about it."""

    composition: Composition
    reports: list[Report] = field(default_factory=list)
    base_element: str = ""

    def _by_source(self) -> dict[str, list[Report]]:
        """The reports per source, sources in the order of their first report (the store lists the earliest first)."""
        groups: dict[str, list[Report]] = {}
        for report in self.reports:
            groups.setdefault(_source_key(report), []).append(report)
        return groups

    def _consensus(self) -> tuple[list[Report], list[Report]]:
        """(the reports the value is taken from, the reports that contradict them). While every source's median
        lies within `CONFLICT_K` of every other's, all reports count; else the sources agreeing with the most
        sources (ties: the earliest) are the consensus. Reports of one source never contradict each other: a
        table printing an alloy twice is one voice, its median."""
        groups = self._by_source()
        if len(groups) < 2:
            return list(self.reports), []
        medians = {key: [statistics.median(getattr(r, n) for r in reports) for n in ("Tg", "Tx", "Tl")]
                   for key, reports in groups.items()}
        keys = list(groups)
        if all(_values_agree(medians[a], medians[b]) for a in keys for b in keys):
            return list(self.reports), []
        agreeing = {a: [b for b in keys if _values_agree(medians[a], medians[b])] for a in keys}
        chosen = max(keys, key=lambda k: (len(agreeing[k]), -keys.index(k)))
        consensus = set(agreeing[chosen])
        return ([r for r in self.reports if _source_key(r) in consensus],
                [r for r in self.reports if _source_key(r) not in consensus])

    def _median(self, name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in self._consensus()[0]))

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

    @property
    def conflict(self) -> bool:
        """Sources contradict each other beyond the measurement spread; the value is the consensus one."""
        return bool(self._consensus()[1])

    @property
    def conflict_note(self) -> str:
        """One line naming the reports that disagree and the value kept; empty without a conflict."""
        kept, disagreeing = self._consensus()
        if not disagreeing:
            return ""
        values = lambda r: f"Tg/Tx/Tl {r.Tg:g}/{r.Tx:g}/{r.Tl:g} K ({_source_label(r)})"
        return (f"conflict: {'; '.join(values(r) for r in disagreeing)} disagrees with "
                f"{'; '.join(values(r) for r in kept)} by more than {CONFLICT_K:g} K; the value kept is "
                f"{self.Tg:g}/{self.Tx:g}/{self.Tl:g} K, from the consensus (the earlier source on a tie)")


def report_key(report: Report) -> tuple[Composition, float, float, float]:
    """A report's content: composition (within 0.01 at.%) and temperatures to 0.01 K."""
    return (report.composition, round(report.Tg, 2), round(report.Tx, 2), round(report.Tl, 2))


class KnownReports:
    """The stored reports by content (`report_key`), for recognising a report already known from any file: a
    re-saved copy of a document, a table exported and imported again. Equal reports are counted, not merged: a new
    report repeats a stored one while the store holds more reports equal to it than were matched so far (a table
    printing an alloy twice still gives both)."""

    def __init__(self, known: Sequence[Report]):
        self._left = Counter(report_key(report) for report in known)
        self._first: dict[tuple, Report] = {}
        for report in known:
            self._first.setdefault(report_key(report), report)

    def repeat_of(self, report: Report) -> Report | None:
        """The stored report `report` repeats (and counts it as matched), or None when it is new."""
        key = report_key(report)
        if self._left[key] <= 0:
            return None
        self._left[key] -= 1
        return self._first[key]


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
