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
    with pytest.raises(StoreError, match=r"the store is corrupt \(file is not a database\); move it aside"):
        AlloyStore(path)


def test_a_version_1_store_is_migrated_in_place_keeping_its_reports(tmp_path):
    from alloygan.knowledge_base import store as store_module

    path = tmp_path / "v1.sqlite"
    v1_schema = store_module._SCHEMA
    for column in store_module._REPORT_COLUMNS_V2:
        v1_schema = v1_schema.replace(f"    {column},\n", "")
    db = sqlite3.connect(path)
    db.executescript(v1_schema)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute("INSERT INTO sources(sha256, kind, title, path, added_at) VALUES (?, 'experiment', 'lab', '', 'now')",
               ("e" * 64,))
    db.execute("INSERT INTO reports(source_id, location, family, raw_text, formula, Tg, Tx, Tl)"
               " VALUES (1, 'row 1', 'Zr', 'x', 'Zr50Cu50', 600, 660, 1050)")
    db.commit()
    columns = {row[1] for row in db.execute("PRAGMA table_info(reports)")}
    db.close()
    assert "doi" not in columns
    with AlloyStore(path) as migrated:
        (old,) = migrated.reports()
        assert (old.composition.formula, old.Tg, old.doi) == ("Cu50Zr50", 600, "")
        version = migrated.connection.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION) == "2"
        migrated.add_reports(EXPERIMENT, [Report(Composition.parse("Zr60Cu40"), 650, 700, 1100, "y", "row 2",
                                                 source=EXPERIMENT, doi="10.1/x", critical_diameter_mm=3.0)])
        assert {(r.location, r.doi, r.critical_diameter_mm) for r in migrated.reports()} == {
            ("row 1", "", None), ("row 2", "10.1/x", 3.0)}
