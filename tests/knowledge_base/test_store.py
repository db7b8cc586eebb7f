"""The SQLite store: schema, idempotent writes, all-or-nothing transactions."""
from __future__ import annotations

import sqlite3

import pytest

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Report, Source
from alloygan.knowledge_base.store import SCHEMA_VERSION, AlloyStore, StoreError
from alloygan.knowledge_base.table_miner import shipped_table

EXPERIMENT = Source("e" * 64, "experiment", "lab notebook")


def report(formula: str, tg: float, location: str) -> Report:
    return Report(Composition.parse(formula), tg, tg + 60, tg + 450, formula, location, family="Zr", source=EXPERIMENT)


@pytest.fixture
def store(tmp_path):
    with AlloyStore(tmp_path / "kb.sqlite") as s:
        table = shipped_table()
        s.replace_source(table.source, table.reports, table.quarantined)
        yield s


def test_schema_version_and_wal(store):
    db = store.connection
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_stats_add_up(store):
    stats = store.stats()
    assert stats["rows_read"] == stats["accepted"] + stats["quarantined"] >= 1330
    assert stats["unique_compositions"] == len(store.alloys())
    assert sum(stats["families"].values()) == stats["unique_compositions"]
    assert stats["families"]["Zr"] > 100


def test_rebuilding_the_same_source_is_idempotent(store):
    before = store.stats()
    table = shipped_table()
    store.replace_source(table.source, table.reports, table.quarantined)
    assert store.stats() == before


def test_adding_reports_twice_does_not_duplicate(store):
    first = store.add_reports(EXPERIMENT, [report("Zr60Cu30Al10", 700, "run 1")])
    again = store.add_reports(EXPERIMENT, [report("Zr60Cu30Al10", 700, "run 1")])
    assert (first.added, again.added, again.already_present) == (1, 0, 1)
    alloy = next(a for a in store.alloys() if a.composition == Composition.parse("Zr60Cu30Al10"))
    assert [r.source.kind for r in alloy.reports] == ["experiment"]


def test_a_report_of_a_known_alloy_joins_it(store):
    store.add_reports(EXPERIMENT, [report("Mg30Ca40Cu30", 405, "run 2")])  # = Ca40Cu30Mg30, table says Tg 395 twice
    alloy = next(a for a in store.alloys() if a.composition.formula == "Ca40Cu30Mg30")
    assert len(alloy.reports) == 3 and alloy.Tg == pytest.approx(395.0)
    assert alloy.conflicting  # Tl 855 K here against 694 K in the table


def test_failed_write_changes_nothing(store):
    before = store.stats()
    bad = [report("Zr60Cu30Al10", 700, "ok"), "not a report"]
    with pytest.raises(AttributeError):
        store.add_reports(EXPERIMENT, bad)  # type: ignore[list-item]
    assert store.stats() == before
    assert store.connection.execute("SELECT COUNT(*) FROM sources WHERE kind='experiment'").fetchone()[0] == 0


def test_wrong_schema_version_is_refused(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 0"):
        AlloyStore(path)


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable alloygan store"):
        AlloyStore(path)
