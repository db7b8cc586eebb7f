"""The experiment log: designed alloys suggested for the lab, and what the lab measured.

Kept in the store's SQLite file (tables created with CREATE TABLE IF NOT EXISTS, so an
older store gains them on first use). Every write is one transaction. Recording a result
of an alloy that formed a glass also adds its Tg, Tx, Tl to the knowledge base as a
report of the `experiment` source, in the same transaction: the log and the alloy data
never disagree, and the next training run sees the measurement (the active-learning
loop). An alloy that did not form a glass is a real result too: it is kept in the log,
but it has no glass temperatures to add.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Report, Source, temperature_problems
from alloygan.knowledge_base.store import AlloyStore

EXPERIMENT_SOURCE = Source(
    sha256=hashlib.sha256(b"alloygan experiment log").hexdigest(),
    kind="experiment",
    title="alloygan experiment log (measured design suggestions)",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment_suggestions (
    id INTEGER PRIMARY KEY,
    formula TEXT NOT NULL,
    composition TEXT NOT NULL,
    predicted TEXT NOT NULL,
    p_meets_goal REAL,
    cost_usd_per_kg REAL,
    goal TEXT NOT NULL,
    goal_text TEXT NOT NULL DEFAULT '',
    design_rank INTEGER,
    generator TEXT NOT NULL DEFAULT '',
    forward_model TEXT NOT NULL DEFAULT '',
    thread TEXT,
    created_at TEXT NOT NULL,
    design_key TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS experiment_results (
    id INTEGER PRIMARY KEY,
    suggestion_id INTEGER NOT NULL UNIQUE REFERENCES experiment_suggestions(id),
    amorphous INTEGER NOT NULL,
    Tg REAL, Tx REAL, Tl REAL,
    note TEXT NOT NULL DEFAULT '',
    in_knowledge_base INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
)
"""


# Logging the same candidate of the same design twice is a no-op: the design's key (its goal, seed and model
# versions) and the formula name it. An older store gains the column and the index on first use.
_DESIGN_KEY_COLUMN = "ALTER TABLE experiment_suggestions ADD COLUMN design_key TEXT NOT NULL DEFAULT ''"
_DESIGN_KEY_INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS experiment_suggestions_design ON "
                     "experiment_suggestions(design_key, formula) WHERE design_key <> ''")


class ExperimentError(ValueError):
    """An experiment-log request that cannot be served (unknown id, bad measurement); the message says why."""


@dataclass(frozen=True)
class NewSuggestion:
    """A designed alloy to make, with what the models predicted for it and why it was designed."""

    composition: Composition
    predicted: dict[str, dict[str, float | None]]  # property -> {"mean", "std"}
    goal: dict
    goal_text: str = ""
    p_meets_goal: float | None = None
    cost_usd_per_kg: float | None = None
    design_rank: int | None = None
    generator: str = ""
    forward_model: str = ""
    thread: str | None = None
    design_key: str = ""  # names the design (goal, seed, model versions); "" never matches another


class Logged(NamedTuple):
    """A suggestion's id, and whether this call created it (False: the same candidate of the same design was
    logged before, under this id)."""

    id: int
    created: bool


@dataclass(frozen=True)
class Measurement:
    amorphous: bool
    Tg: float | None
    Tx: float | None
    Tl: float | None
    note: str
    in_knowledge_base: bool
    recorded_at: str


@dataclass(frozen=True)
class Suggestion:
    id: int
    formula: str
    composition: dict[str, float]
    predicted: dict[str, dict[str, float | None]]
    p_meets_goal: float | None
    cost_usd_per_kg: float | None
    goal: dict
    goal_text: str
    design_rank: int | None
    generator: str
    forward_model: str
    thread: str | None
    created_at: str
    measurement: Measurement | None = field(default=None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ExperimentLog:
    """Suggestions and measurements in the store's database (the store stays open while this is used)."""

    def __init__(self, store: AlloyStore):
        self.store = store
        if store.read_only and store.connection.execute(  # a read-only home: the log can still be read
                "SELECT 1 FROM sqlite_master WHERE name = 'experiment_results'").fetchone():
            return
        with store.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            if "design_key" not in {row[1] for row in db.execute("PRAGMA table_info(experiment_suggestions)")}:
                db.execute(_DESIGN_KEY_COLUMN)
            db.execute(_DESIGN_KEY_INDEX)

    def add_suggestions(self, suggestions: Sequence[NewSuggestion]) -> list[Logged]:
        """Store the suggestions (all or none); their ids, in order. A candidate of a design (same `design_key`,
        same formula) logged before is not stored again: its id comes back with `created` False."""
        created = _now()
        ids = []
        with self.store.transaction() as db:
            for s in suggestions:
                earlier = db.execute("SELECT id FROM experiment_suggestions WHERE design_key = ? AND formula = ?",
                                     (s.design_key, s.composition.formula)).fetchone() if s.design_key else None
                if earlier is not None:
                    ids.append(Logged(int(earlier[0]), False))
                    continue
                cursor = db.execute(
                    "INSERT INTO experiment_suggestions(formula, composition, predicted, p_meets_goal, cost_usd_per_kg,"
                    " goal, goal_text, design_rank, generator, forward_model, thread, created_at, design_key)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (s.composition.formula, json.dumps(s.composition.as_dict()), json.dumps(s.predicted),
                     s.p_meets_goal, s.cost_usd_per_kg, json.dumps(s.goal), s.goal_text, s.design_rank, s.generator,
                     s.forward_model, s.thread, created, s.design_key),
                )
                ids.append(Logged(int(cursor.lastrowid), True))
        return ids

    def suggestions(self) -> list[Suggestion]:
        return [self._suggestion(row) for row in self._rows("")]

    def get(self, suggestion_id: int) -> Suggestion:
        # an id beyond SQLite's 64-bit integers names no row (binding it would raise OverflowError)
        rows = self._rows("WHERE s.id = ?", (suggestion_id,)) if 0 < suggestion_id < 2**63 else []
        if not rows:
            last = self.store.connection.execute("SELECT MAX(id) FROM experiment_suggestions").fetchone()[0]
            known = f"ids run from 1 to {last}" if last else "the log is empty; log candidates first (/log in chat)"
            raise ExperimentError(f"no experiment suggestion {suggestion_id}; {known} (see `alloygan experiments list`)")
        return self._suggestion(rows[0])

    def record(self, suggestion_id: int, amorphous: bool, Tg: float | None = None, Tx: float | None = None,
               Tl: float | None = None, note: str = "") -> Suggestion:
        """Record what the lab measured; a glass's temperatures also go into the knowledge base (one transaction)."""
        suggestion = self.get(suggestion_id)
        if suggestion.measurement is not None:
            raise ExperimentError(f"suggestion {suggestion_id} already has a result (recorded "
                                  f"{suggestion.measurement.recorded_at}); each suggestion takes one result")
        temperatures = {"Tg": Tg, "Tx": Tx, "Tl": Tl}
        if amorphous:
            missing = [f"--{k.lower()}" for k, v in temperatures.items() if v is None]
            if missing:
                raise ExperimentError(f"a glass needs its temperatures: give {', '.join(missing)} in K "
                                      "(or --amorphous no if it did not form a glass)")
            problems = temperature_problems(Tg, Tx, Tl)  # type: ignore[arg-type]
            if problems:
                raise ExperimentError(f"suggestion {suggestion_id}: {'; '.join(problems)}")
        elif any(v is not None for v in temperatures.values()):
            # they would be kept unchecked and used nowhere: refuse rather than store them
            given = ", ".join(f"--{k.lower()}" for k, v in temperatures.items() if v is not None)
            raise ExperimentError(f"an alloy that did not form a glass has no Tg, Tx, Tl to record; drop {given} "
                                  "(put other observations in --note)")
        composition = Composition.from_dict(suggestion.composition)
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO experiment_results(suggestion_id, amorphous, Tg, Tx, Tl, note, in_knowledge_base,"
                    " recorded_at) VALUES (?,?,?,?,?,?,?,?)",
                    (suggestion_id, int(amorphous), Tg, Tx, Tl, note, int(amorphous), _now()),
                )
                if amorphous:
                    self._add_to_knowledge_base(db, suggestion, composition, Tg, Tx, Tl, note)  # type: ignore[arg-type]
        except sqlite3.IntegrityError:  # another process recorded it between the check above and this insert
            recorded = self.get(suggestion_id).measurement
            when = f" (recorded {recorded.recorded_at})" if recorded else ""
            raise ExperimentError(f"suggestion {suggestion_id} already has a result{when}, recorded meanwhile by "
                                  "another process; each suggestion takes one result") from None
        return self.get(suggestion_id)

    def _add_to_knowledge_base(self, db: sqlite3.Connection, suggestion: Suggestion, composition: Composition,
                               Tg: float, Tx: float, Tl: float, note: str) -> None:
        text = f"experiment #{suggestion.id}: {composition.formula} Tg={Tg:g} K, Tx={Tx:g} K, Tl={Tl:g} K"
        report = Report(composition, Tg, Tx, Tl, raw_text=text + (f" ({note})" if note else ""),
                        location=f"suggestion {suggestion.id}", family=suggestion.goal.get("base_element") or "",
                        method="experiment", source=EXPERIMENT_SOURCE)
        # The store's own helpers, inside this transaction, so that the log and the alloy
        # data change together or not at all (AlloyStore.add_reports opens its own).
        source_id = self.store._source_id(db, EXPERIMENT_SOURCE)
        self.store._insert_reports(db, source_id, [report])
        self.store._rebuild_alloys(db)

    def _rows(self, where: str, params: tuple = ()) -> list[tuple]:
        return self.store.connection.execute(
            "SELECT s.id, s.formula, s.composition, s.predicted, s.p_meets_goal, s.cost_usd_per_kg, s.goal,"
            " s.goal_text, s.design_rank, s.generator, s.forward_model, s.thread, s.created_at,"
            " r.amorphous, r.Tg, r.Tx, r.Tl, r.note, r.in_knowledge_base, r.recorded_at"
            f" FROM experiment_suggestions s LEFT JOIN experiment_results r ON r.suggestion_id = s.id {where}"
            " ORDER BY s.id", params,
        ).fetchall()

    @staticmethod
    def _suggestion(row: tuple) -> Suggestion:
        (sid, formula, composition, predicted, p_goal, cost, goal, goal_text, rank, generator, forward, thread,
         created, amorphous, Tg, Tx, Tl, note, in_kb, recorded) = row
        measurement = None if recorded is None else Measurement(bool(amorphous), Tg, Tx, Tl, note, bool(in_kb), recorded)
        return Suggestion(sid, formula, json.loads(composition), json.loads(predicted), p_goal, cost, json.loads(goal),
                          goal_text, rank, generator, forward, thread, created, measurement)
