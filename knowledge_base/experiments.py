"""The experiment log: designed alloys suggested for the lab, and what the lab measured.

Kept in the store's SQLite file (tables created with CREATE TABLE IF NOT EXISTS, so an
older store gains them on first use). Every write is one transaction. Recording a result
of an alloy that formed a glass also adds its Tg, Tx, Tl to the knowledge base as a
report of the `experiment` source, in the same transaction: the log and the alloy data
never disagree, and the next training run sees the measurement (the active-learning
loop). An alloy that did not form a glass is a real result too: it is kept in the log,
but it has no glass temperatures to add.

Results come for logged suggestions (by id, or by composition when it matches a pending
one) and for alloys the user chose and cast: such an alloy gets a log entry of its own
(acquisition "user", no goal, no design rank) created together with its result, so every
measurement in the log is an experiment with what was predicted for it beside it. A repeat
cast of a user alloy is a new experiment (a second measurement is real data, and the
knowledge base keeps both reports); a logged suggestion takes one result.
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
    design_key TEXT NOT NULL DEFAULT '',
    acquisition TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS experiment_results (
    id INTEGER PRIMARY KEY,
    suggestion_id INTEGER NOT NULL UNIQUE REFERENCES experiment_suggestions(id),
    amorphous INTEGER NOT NULL,
    Tg REAL, Tx REAL, Tl REAL,
    note TEXT NOT NULL DEFAULT '',
    in_knowledge_base INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''
)
"""


# Logging the same candidate of the same design twice is a no-op: the design's key (its goal, seed and model
# versions) and the formula name it. An older store gains the column and the index on first use.
_DESIGN_KEY_INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS experiment_suggestions_design ON "
                     "experiment_suggestions(design_key, formula) WHERE design_key <> ''")
# Columns added later, each gained by an older store on first use. Before the acquisition column existed only
# designs were logged (`log_suggestions`), so the rows it finds are marked "design"; a new row states its own.
_LATER_COLUMNS = {
    "experiment_suggestions": (
        ("design_key", "TEXT NOT NULL DEFAULT ''", ()),
        ("acquisition", "TEXT NOT NULL DEFAULT ''", ("UPDATE experiment_suggestions SET acquisition = 'design'",)),
        ("reason", "TEXT NOT NULL DEFAULT ''", ()),
    ),
    "experiment_results": (("source", "TEXT NOT NULL DEFAULT ''", ()),),
}
USER_ACQUISITION = "user"  # an alloy the user chose and cast (not suggested by alloygan)
USER_GOAL_TEXT = "cast by the user"


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
    acquisition: str = ""  # how it was chosen: "EI", "UCB", "greedy", "thompson", "design", "user", ...
    reason: str = ""  # one line: why it was chosen


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
    source: str = ""  # where the measurement was made ("our lab, DSC 20 K/min")


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
    acquisition: str = ""
    reason: str = ""
    design_key: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ExperimentLog:
    """Suggestions and measurements in the store's database (the store stays open while this is used)."""

    def __init__(self, store: AlloyStore):
        self.store = store
        if not (store.read_only and store.connection.execute(  # a read-only home: the log can still be read
                "SELECT 1 FROM sqlite_master WHERE name = 'experiment_results'").fetchone()):
            with store.transaction() as db:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                for table, columns in _LATER_COLUMNS.items():
                    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                    for name, declaration, then in columns:
                        if name not in present:
                            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                            for statement in then:
                                db.execute(statement)
                db.execute(_DESIGN_KEY_INDEX)
        # what this store has (a read-only older store lacks the later columns: they read as "")
        self._columns = {table: {row[1] for row in store.connection.execute(f"PRAGMA table_info({table})")}
                         for table in _LATER_COLUMNS}

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
                ids.append(Logged(self._insert_suggestion(db, s, created), True))
        return ids

    @staticmethod
    def _insert_suggestion(db: sqlite3.Connection, s: NewSuggestion, created: str) -> int:
        cursor = db.execute(
            "INSERT INTO experiment_suggestions(formula, composition, predicted, p_meets_goal, cost_usd_per_kg,"
            " goal, goal_text, design_rank, generator, forward_model, thread, created_at, design_key, acquisition,"
            " reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (s.composition.formula, json.dumps(s.composition.as_dict()), json.dumps(s.predicted),
             s.p_meets_goal, s.cost_usd_per_kg, json.dumps(s.goal), s.goal_text, s.design_rank, s.generator,
             s.forward_model, s.thread, created, s.design_key, s.acquisition, s.reason),
        )
        return int(cursor.lastrowid)

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

    def pending_for(self, composition: Composition) -> Suggestion | None:
        """The oldest logged suggestion of this composition still waiting for its result (None: there is none)."""
        for suggestion in self.suggestions():
            if suggestion.measurement is None and Composition.from_dict(suggestion.composition) == composition:
                return suggestion
        return None

    def record(self, suggestion_id: int, amorphous: bool, Tg: float | None = None, Tx: float | None = None,
               Tl: float | None = None, note: str = "", source: str = "") -> Suggestion:
        """Record what the lab measured; a glass's temperatures also go into the knowledge base (one transaction)."""
        suggestion = self.get(suggestion_id)
        if suggestion.measurement is not None:
            raise ExperimentError(f"suggestion {suggestion_id} already has a result (recorded "
                                  f"{suggestion.measurement.recorded_at}); each suggestion takes one result")
        check_measurement(f"suggestion {suggestion_id}", amorphous, Tg, Tx, Tl)
        try:
            with self.store.transaction() as db:
                self._insert_result(db, suggestion, amorphous, Tg, Tx, Tl, note, source)
        except sqlite3.IntegrityError:  # another process recorded it between the check above and this insert
            recorded = self.get(suggestion_id).measurement
            when = f" (recorded {recorded.recorded_at})" if recorded else ""
            raise ExperimentError(f"suggestion {suggestion_id} already has a result{when}, recorded meanwhile by "
                                  "another process; each suggestion takes one result") from None
        return self.get(suggestion_id)

    def record_user_alloy(self, composition: Composition, amorphous: bool, Tg: float | None = None,
                          Tx: float | None = None, Tl: float | None = None, note: str = "", source: str = "",
                          predicted: dict[str, dict[str, float | None]] | None = None, forward_model: str = "",
                          thread: str | None = None) -> Suggestion:
        """Record the result of an alloy the user chose and cast: a log entry of its own (acquisition "user", with
        the forward model's prediction at record time when one was available) and its result, in one transaction.
        A repeat cast is a new entry: a second measurement of the same alloy is data too."""
        check_measurement(composition.formula, amorphous, Tg, Tx, Tl)
        entry = NewSuggestion(composition=composition, predicted=predicted or {}, goal={}, goal_text=USER_GOAL_TEXT,
                              forward_model=forward_model if predicted else "", thread=thread,
                              acquisition=USER_ACQUISITION, reason="chosen and cast by the user")
        with self.store.transaction() as db:
            new_id = self._insert_suggestion(db, entry, _now())
            self._insert_result(db, self._suggestion(self._rows("WHERE s.id = ?", (new_id,), db)[0]), amorphous,
                                Tg, Tx, Tl, note, source)
        return self.get(new_id)

    def _insert_result(self, db: sqlite3.Connection, suggestion: Suggestion, amorphous: bool, Tg: float | None,
                       Tx: float | None, Tl: float | None, note: str, source: str) -> None:
        db.execute(
            "INSERT INTO experiment_results(suggestion_id, amorphous, Tg, Tx, Tl, note, in_knowledge_base,"
            " recorded_at, source) VALUES (?,?,?,?,?,?,?,?,?)",
            (suggestion.id, int(amorphous), Tg, Tx, Tl, note, int(amorphous), _now(), source),
        )
        if amorphous:
            self._add_to_knowledge_base(db, suggestion, Composition.from_dict(suggestion.composition),
                                        Tg, Tx, Tl, note, source)  # type: ignore[arg-type]

    def _add_to_knowledge_base(self, db: sqlite3.Connection, suggestion: Suggestion, composition: Composition,
                               Tg: float, Tx: float, Tl: float, note: str, source: str) -> None:
        user = suggestion.acquisition == USER_ACQUISITION
        text = f"experiment #{suggestion.id}: {composition.formula} Tg={Tg:g} K, Tx={Tx:g} K, Tl={Tl:g} K"
        details = "; ".join(part for part in (source and f"source: {source}", note) if part)
        # the location names the log entry (unique within the experiment source) and where it was measured
        location = f"{'experiment' if user else 'suggestion'} {suggestion.id}" + (f" ({source})" if source else "")
        report = Report(composition, Tg, Tx, Tl, raw_text=text + (f" ({details})" if details else ""),
                        location=location, family=suggestion.goal.get("base_element") or "",
                        method="experiment", source=EXPERIMENT_SOURCE)
        # The store's own helpers, inside this transaction, so that the log and the alloy
        # data change together or not at all (AlloyStore.add_reports opens its own).
        source_id = self.store._source_id(db, EXPERIMENT_SOURCE)
        self.store._insert_reports(db, source_id, [report])
        self.store._rebuild_alloys(db)

    def _rows(self, where: str, params: tuple = (), db: sqlite3.Connection | None = None) -> list[tuple]:
        def later(table: str, alias: str, name: str) -> str:
            return f"{alias}.{name}" if name in self._columns[table] else "''"

        suggestion, result = "experiment_suggestions", "experiment_results"
        return (db or self.store.connection).execute(
            "SELECT s.id, s.formula, s.composition, s.predicted, s.p_meets_goal, s.cost_usd_per_kg, s.goal,"
            " s.goal_text, s.design_rank, s.generator, s.forward_model, s.thread, s.created_at,"
            " r.amorphous, r.Tg, r.Tx, r.Tl, r.note, r.in_knowledge_base, r.recorded_at,"
            f" {later(result, 'r', 'source')}, {later(suggestion, 's', 'acquisition')},"
            f" {later(suggestion, 's', 'reason')}, {later(suggestion, 's', 'design_key')}"
            f" FROM experiment_suggestions s LEFT JOIN experiment_results r ON r.suggestion_id = s.id {where}"
            " ORDER BY s.id", params,
        ).fetchall()

    @staticmethod
    def _suggestion(row: tuple) -> Suggestion:
        (sid, formula, composition, predicted, p_goal, cost, goal, goal_text, rank, generator, forward, thread,
         created, amorphous, Tg, Tx, Tl, note, in_kb, recorded, source, acquisition, reason, design_key) = row
        measurement = None if recorded is None else Measurement(bool(amorphous), Tg, Tx, Tl, note, bool(in_kb),
                                                                recorded, source or "")
        return Suggestion(sid, formula, json.loads(composition), json.loads(predicted), p_goal, cost, json.loads(goal),
                          goal_text, rank, generator, forward, thread, created, measurement, acquisition, reason,
                          design_key)


def check_measurement(label: str, amorphous: bool, Tg: float | None, Tx: float | None, Tl: float | None) -> None:
    """A glass has all three temperatures, checked like any report's; an alloy that did not form a glass has none."""
    temperatures = {"Tg": Tg, "Tx": Tx, "Tl": Tl}
    if amorphous:
        missing = [f"--{k.lower()}" for k, v in temperatures.items() if v is None]
        if missing:
            raise ExperimentError(f"a glass needs its temperatures: give {', '.join(missing)} in K "
                                  "(or --amorphous no if it did not form a glass)")
        problems = temperature_problems(Tg, Tx, Tl)  # type: ignore[arg-type]
        if problems:
            raise ExperimentError(f"{label}: {'; '.join(problems)}")
    elif any(v is not None for v in temperatures.values()):
        # they would be kept unchecked and used nowhere: refuse rather than store them
        given = ", ".join(f"--{k.lower()}" for k, v in temperatures.items() if v is not None)
        raise ExperimentError(f"an alloy that did not form a glass has no Tg, Tx, Tl to record; drop {given} "
                              "(put other observations in --note)")
