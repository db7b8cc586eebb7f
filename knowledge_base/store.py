"""The alloy records store: SQLite under ALLOYGAN_HOME (sources, reports, alloys, quarantine).

Every write runs in one transaction (`BEGIN IMMEDIATE` ... `COMMIT`), so a command that
fails part-way changes nothing. The `alloys` table is derived: after every write it is
rebuilt from all reports (deduplicated by canonical composition, medians of the
reports, or of the consensus when sources contradict each other: `records.Alloy`),
inside the same transaction. Reports are read earliest source first. A source is
removed with all its reports and quarantined rows (`remove_source`); a re-saved copy
of the published table's PDF takes the place of the stored table instead of adding a
second one. The schema version is recorded in `meta`.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy, QuarantinedRow, Report, Source, group_reports

SCHEMA_VERSION = 2
# Columns added since version 1 (a version-1 store is migrated in place by adding them).
_REPORT_COLUMNS_V2 = (
    "critical_diameter_mm REAL",
    "doi TEXT NOT NULL DEFAULT ''",
    "citation TEXT NOT NULL DEFAULT ''",
    "notes TEXT NOT NULL DEFAULT ''",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alloys (
    id INTEGER PRIMARY KEY,
    formula TEXT NOT NULL UNIQUE,
    base_element TEXT NOT NULL,
    system TEXT NOT NULL,
    n_elements INTEGER NOT NULL,
    Tg REAL NOT NULL, Tx REAL NOT NULL, Tl REAL NOT NULL,
    n_reports INTEGER NOT NULL,
    spread_K REAL NOT NULL,
    conflicting INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    alloy_id INTEGER REFERENCES alloys(id) ON DELETE SET NULL,
    location TEXT NOT NULL,
    page INTEGER,
    family TEXT NOT NULL DEFAULT '',
    raw_text TEXT NOT NULL,
    formula TEXT NOT NULL,
    Tg REAL NOT NULL, Tx REAL NOT NULL, Tl REAL NOT NULL,
    quote TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    heating_rate_K_per_min REAL,
    critical_diameter_mm REAL,
    doi TEXT NOT NULL DEFAULT '',
    citation TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, location)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    location TEXT NOT NULL,
    page INTEGER,
    family TEXT NOT NULL DEFAULT '',
    raw_text TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (source_id, location)
);
CREATE INDEX IF NOT EXISTS reports_alloy ON reports(alloy_id);
"""


class StoreError(RuntimeError):
    """The store cannot be used as asked (wrong schema version, corrupt, read-only, a full disk); the message says
    which and what to do."""


_TABLES = ("meta", "sources", "alloys", "reports", "quarantine")
_pages_checked: dict[str, tuple] = {}  # store path -> the state of its files when quick_check last passed


def _file_state(path: Path) -> tuple | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns
_FULL, _READ_ONLY, _CORRUPT = "full", "read-only", "corrupt"


def _kind_of_failure(path: Path, error: BaseException) -> str | None:
    """"full", "read-only" or "corrupt" for an error opening or writing the store at `path`; None for another."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary == sqlite3.SQLITE_FULL or getattr(error, "errno", None) == errno.ENOSPC or "disk is full" in text:
        return _FULL
    if primary == sqlite3.SQLITE_READONLY or getattr(error, "errno", None) in (errno.EROFS, errno.EACCES):
        return _READ_ONLY
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text or "not a database" in text \
            or "is missing" in text or "no such table" in text:
        return _CORRUPT
    if primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN) and shutil.disk_usage(path.parent).free < 1 << 20:
        return _FULL
    return None


def unusable_store(path: Path, error: BaseException) -> str:
    """Why the store at `path` cannot be used, and what to do: the disk is full, it is read-only, or it is corrupt
    (only then is it moved aside; nothing here suggests deleting it)."""
    what = getattr(error, "strerror", None) or str(error)
    kind = _kind_of_failure(path, error)
    if kind == _FULL:
        return f"{path}: the disk is full ({what}); nothing was changed; free some space and run the command again"
    if kind == _READ_ONLY:
        return (f"{path}: the store is read-only here ({what}); commands that only read it work; to change it, "
                "make it writable")
    if kind == _CORRUPT:
        return (f"{path}: the store is corrupt ({what}); move it aside (mv {path.name} {path.name}.corrupt, keeping "
                "it: its experiment log and added sources may be recoverable) and run `alloygan kb build` for a new one")
    return f"{path}: the store cannot be opened ({what})"


@dataclass(frozen=True)
class WriteResult:
    added: int
    already_present: int
    quarantined: int = 0


class AlloyStore:
    """The SQLite store of sources, reports, quarantined rows and the derived alloys."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(unusable_store(self.path, error)) from None
        # Where the store cannot be written (a read-only home), it is opened read-only: reading commands work.
        self.read_only = not os.access(self.path.parent, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK))
        try:
            self._db = self._connect()
            self._db.execute("PRAGMA foreign_keys=ON")
            self._ensure_schema()
            self._check_pages()
        except (sqlite3.DatabaseError, StoreError) as error:
            if getattr(self, "_db", None) is not None:
                self._db.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(unusable_store(self.path, error)) from None

    def _check_pages(self) -> None:
        """SQLite's quick_check (a few ms for the shipped store), once per process while the files are unchanged:
        garbled pages are found when the store is opened, not by the query that first reads them."""
        key = tuple(_file_state(Path(f"{self.path}{suffix}")) for suffix in ("", "-wal"))
        if _pages_checked.get(str(self.path)) == key:
            return
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"database disk image is malformed: {problems[0].splitlines()[-1]}")
        _pages_checked[str(self.path)] = key

    def _connect(self) -> sqlite3.Connection:
        if not self.read_only:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            return db
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no store here, and {self.path.parent} is read-only; make it writable "
                             "(or set ALLOYGAN_HOME to a writable directory) to create one")
        uri = self.path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=30.0)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # a WAL store in a read-only directory: nobody can be writing it
            db.close()
            db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, timeout=30.0)
        return db

    @classmethod
    def open_default(cls, fill: bool = True) -> "AlloyStore":
        """The store under ALLOYGAN_HOME; when empty and `fill`, loaded from the mined table shipped with the package."""
        from alloygan.knowledge_base.paths import store_path

        store = cls(store_path())
        if fill and store.is_empty():
            from alloygan.knowledge_base.table_miner import shipped_table

            table = shipped_table()
            store.replace_source(table.source, table.reports, table.quarantined)
        return store

    def revision(self) -> tuple:
        """A cheap fingerprint of the stored rows that changes with every insert or delete, and with the updates
        the store makes (a source renamed; reports regrouped, which rebuilds the alloys): caches compare it."""
        counts = tuple(self._db.execute(f"SELECT count(*), coalesce(max(rowid), 0), coalesce(sum(rowid), 0) FROM {t}")
                       .fetchone() for t in ("alloys", "reports", "quarantine"))
        sources = self._db.execute("SELECT group_concat(id || ':' || coalesce(path, '') || ':' || coalesce(title, ''),"
                                   " '|') FROM sources").fetchone()
        return (*counts, sources)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "AlloyStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for modules that keep their own tables in this database."""
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: commits on success, rolls back on any exception. A full disk, a read-only or a corrupt
        store is a StoreError saying which."""
        if self.read_only:
            raise StoreError(f"{self.path}: the store is read-only here (no write access to it or to "
                             f"{self.path.parent}); commands that only read it work; to change it, make it writable")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            if _kind_of_failure(self.path, error) is None:
                raise
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(unusable_store(self.path, error)) from None

    def _ensure_schema(self) -> None:
        names = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" in names:
            version = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if version is None or str(version[0]) not in ("1", str(SCHEMA_VERSION)):
                found = version[0] if version else "none"
                raise StoreError(
                    f"{self.path}: schema version {found}, this alloygan needs {SCHEMA_VERSION}; "
                    "move the file aside and run `alloygan kb build`"
                )
            missing = [table for table in _TABLES if table not in names]
            if missing:  # a dropped table: the store is damaged (DatabaseError: reported as corrupt)
                raise sqlite3.DatabaseError(f"its table{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                            f"{'are' if len(missing) > 1 else 'is'} missing")
            if str(version[0]) == "1":
                self._migrate_from_v1()
            return
        with self.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _migrate_from_v1(self) -> None:
        """Version 2 adds the columns of a user's own table (critical diameter, DOI, citation, notes)."""
        with self.transaction() as db:
            for column in _REPORT_COLUMNS_V2:
                db.execute(f"ALTER TABLE reports ADD COLUMN {column}")
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    # writing ------------------------------------------------------------------------
    def _source_id(self, db: sqlite3.Connection, source: Source) -> int:
        row = db.execute("SELECT id FROM sources WHERE sha256=?", (source.sha256,)).fetchone()
        if row:
            return int(row[0])
        if source.kind == "published-table":
            # The published table is one source: a re-saved copy of its PDF (other bytes, other SHA-256) is the
            # same document, so it takes the place of the stored one instead of doubling every report.
            row = db.execute("SELECT id FROM sources WHERE kind=? AND title=? ORDER BY id",
                             (source.kind, source.title)).fetchone()
            if row:
                db.execute("UPDATE sources SET sha256=? WHERE id=?", (source.sha256, row[0]))
                return int(row[0])
        cursor = db.execute(
            "INSERT INTO sources(sha256, kind, title, path, added_at) VALUES (?, ?, ?, ?, ?)",
            (source.sha256, source.kind, source.title, source.path, datetime.now(timezone.utc).isoformat()),
        )
        return int(cursor.lastrowid)

    @staticmethod
    def _insert_reports(db: sqlite3.Connection, source_id: int, reports: Sequence[Report]) -> int:
        added = 0
        for r in reports:
            cursor = db.execute(
                "INSERT OR IGNORE INTO reports(source_id, location, page, family, raw_text, formula, Tg, Tx, Tl,"
                " quote, method, heating_rate_K_per_min, critical_diameter_mm, doi, citation, notes)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (source_id, r.location, r.page, r.family, r.raw_text, r.composition.to_text(6),
                 r.Tg, r.Tx, r.Tl, r.quote, r.method, r.heating_rate_K_per_min,
                 r.critical_diameter_mm, r.doi, r.citation, r.notes),
            )
            added += cursor.rowcount
        return added

    def replace_source(self, source: Source, reports: Sequence[Report], quarantined: Sequence[QuarantinedRow]) -> WriteResult:
        """Make the store hold exactly these reports and quarantined rows for `source`."""
        with self.transaction() as db:
            source_id = self._source_id(db, source)
            db.execute("UPDATE sources SET path=?, title=? WHERE id=?", (source.path, source.title, source_id))
            db.execute("DELETE FROM reports WHERE source_id=?", (source_id,))
            db.execute("DELETE FROM quarantine WHERE source_id=?", (source_id,))
            added = self._insert_reports(db, source_id, reports)
            for q in quarantined:
                db.execute(
                    "INSERT INTO quarantine(source_id, location, page, family, raw_text, reason) VALUES (?,?,?,?,?,?)",
                    (source_id, q.location, q.page, q.family, q.raw_text, q.reason),
                )
            self._rebuild_alloys(db)
        return WriteResult(added, 0, len(quarantined))

    def import_source(self, source: Source, reports: Sequence[Report],
                      quarantined: Sequence[QuarantinedRow]) -> WriteResult:
        """Add a new source with its reports and quarantined rows in one transaction; a source already stored
        (same SHA-256) is left as it is and nothing is written (importing a file twice adds nothing)."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM sources WHERE sha256=?", (source.sha256,)).fetchone():
                return WriteResult(0, len(reports), 0)
            added = self._add(db, source, reports, quarantined)
        return WriteResult(added, len(reports) - added, len(quarantined))

    def has_source(self, sha256: str) -> bool:
        return self._db.execute("SELECT 1 FROM sources WHERE sha256=?", (sha256,)).fetchone() is not None

    def add_reports(self, source: Source, reports: Sequence[Report],
                    quarantined: Sequence[QuarantinedRow] = ()) -> WriteResult:
        """Add reports of `source` (and the rows of it that failed a check, to the quarantine); a report already
        stored (same source and location) is not duplicated."""
        with self.transaction() as db:
            added = self._add(db, source, reports, quarantined)
        return WriteResult(added, len(reports) - added, len(quarantined))

    def _add(self, db: sqlite3.Connection, source: Source, reports: Sequence[Report],
             quarantined: Sequence[QuarantinedRow]) -> int:
        """Within a transaction: the source (made if new), its new reports and quarantined rows (what is already
        stored is skipped), then the alloys rebuilt; how many reports were added."""
        source_id = self._source_id(db, source)
        added = self._insert_reports(db, source_id, reports)
        db.executemany(
            "INSERT OR IGNORE INTO quarantine(source_id, location, page, family, raw_text, reason)"
            " VALUES (?,?,?,?,?,?)",
            [(source_id, q.location, q.page, q.family, q.raw_text, q.reason) for q in quarantined],
        )
        self._rebuild_alloys(db)
        return added

    def source_summaries(self) -> list[dict]:
        """Every source with its store id, when it was added, and how many reports and quarantined rows it has."""
        rows = self._db.execute(
            "SELECT s.id, s.sha256, s.kind, s.title, s.path, s.added_at,"
            " (SELECT COUNT(*) FROM reports r WHERE r.source_id = s.id),"
            " (SELECT COUNT(*) FROM quarantine q WHERE q.source_id = s.id) FROM sources s ORDER BY s.id"
        ).fetchall()
        keys = ("id", "sha256", "kind", "title", "path", "added_at", "reports", "quarantined")
        return [dict(zip(keys, row)) for row in rows]

    def remove_source(self, source_id: int, apply: bool = False) -> dict | None:
        """What removing source `source_id` takes out of the store (its summary, the alloys left with no report,
        the alloys that keep reports of other sources), and with `apply` the removal itself, in one transaction
        (its reports and quarantined rows go with it; the alloys are rebuilt). None when there is no such source."""
        with self.transaction() as db:
            summary = next((s for s in self.source_summaries() if s["id"] == source_id), None)
            if summary is None:
                return None
            touched = db.execute(
                "SELECT a.formula, EXISTS (SELECT 1 FROM reports o WHERE o.alloy_id = a.id AND o.source_id != ?)"
                " FROM alloys a WHERE EXISTS (SELECT 1 FROM reports r WHERE r.alloy_id = a.id AND r.source_id = ?)"
                " ORDER BY a.formula", (source_id, source_id)).fetchall()
            if apply:
                db.execute("DELETE FROM sources WHERE id=?", (source_id,))
                self._rebuild_alloys(db)
        formula = lambda text: Composition.parse(text).formula
        return {**summary, "alloys_removed": [formula(f) for f, others in touched if not others],
                "alloys_changed": [formula(f) for f, others in touched if others], "removed": apply}

    def _rebuild_alloys(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE reports SET alloy_id=NULL")
        db.execute("DELETE FROM alloys")
        rows = self._read_reports(db)
        row_id = {id(report): rid for rid, report in rows}
        for alloy in group_reports([report for _, report in rows]):
            cursor = db.execute(
                "INSERT INTO alloys(formula, base_element, system, n_elements, Tg, Tx, Tl, n_reports, spread_K,"
                " conflicting) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (alloy.composition.to_text(6), alloy.base_element, alloy.composition.system, len(alloy.composition),
                 alloy.Tg, alloy.Tx, alloy.Tl, len(alloy.reports), alloy.spread_K, int(alloy.conflicting)),
            )
            db.executemany(
                "UPDATE reports SET alloy_id=? WHERE id=?", [(cursor.lastrowid, row_id[id(r)]) for r in alloy.reports]
            )

    # reading ------------------------------------------------------------------------
    @staticmethod
    def _read_reports(db: sqlite3.Connection) -> list[tuple[int, Report]]:
        rows = db.execute(
            "SELECT r.id, r.location, r.page, r.family, r.raw_text, r.formula, r.Tg, r.Tx, r.Tl, r.quote, r.method,"
            " r.heating_rate_K_per_min, r.critical_diameter_mm, r.doi, r.citation, r.notes,"
            " s.sha256, s.kind, s.title, s.path"
            " FROM reports r JOIN sources s ON s.id = r.source_id ORDER BY s.id, r.id"  # the earliest source first
        ).fetchall()
        sources: dict[str, Source] = {}
        reports = []
        for row in rows:
            (rid, location, page, family, raw, formula, Tg, Tx, Tl, quote, method, rate, dmax, doi, citation, notes,
             sha, kind, title, path) = row
            source = sources.setdefault(sha, Source(sha, kind, title, path))
            reports.append((rid, Report(Composition.parse(formula), Tg, Tx, Tl, raw, location, page, family, quote,
                                        method, rate, source, dmax, doi, citation, notes)))
        return reports

    def reports(self) -> list[Report]:
        return [report for _, report in self._read_reports(self._db)]

    def alloys(self) -> list[Alloy]:
        """Every alloy (deduplicated), with all its reports and their sources."""
        return group_reports(self.reports())

    def quarantine(self) -> list[tuple[Source, QuarantinedRow]]:
        rows = self._db.execute(
            "SELECT q.raw_text, q.location, q.reason, q.page, q.family, s.sha256, s.kind, s.title, s.path"
            " FROM quarantine q JOIN sources s ON s.id = q.source_id ORDER BY q.id"
        ).fetchall()
        return [
            (Source(sha, kind, title, path), QuarantinedRow(raw, location, reason, page, family))
            for raw, location, reason, page, family, sha, kind, title, path in rows
        ]

    def sources(self) -> list[Source]:
        rows = self._db.execute("SELECT sha256, kind, title, path FROM sources ORDER BY id").fetchall()
        return [Source(*row) for row in rows]

    def is_empty(self) -> bool:
        return self._db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0

    def stats(self) -> dict:
        count = lambda sql: int(self._db.execute(sql).fetchone()[0])  # noqa: E731
        accepted = count("SELECT COUNT(*) FROM reports")
        quarantined = count("SELECT COUNT(*) FROM quarantine")
        families = Counter(row[0] for row in self._db.execute("SELECT base_element FROM alloys"))
        by_source = [
            {"sha256": sha, "kind": kind, "title": title, "accepted": a, "quarantined": q}
            for sha, kind, title, a, q in self._db.execute(
                "SELECT s.sha256, s.kind, s.title,"
                " (SELECT COUNT(*) FROM reports r WHERE r.source_id = s.id),"
                " (SELECT COUNT(*) FROM quarantine q WHERE q.source_id = s.id) FROM sources s ORDER BY s.id"
            )
        ]
        return {
            "store": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "rows_read": accepted + quarantined,
            "accepted": accepted,
            "quarantined": quarantined,
            "unique_compositions": count("SELECT COUNT(*) FROM alloys"),
            "conflicting_alloys": count("SELECT COUNT(*) FROM alloys WHERE conflicting = 1"),
            "families": dict(sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))),
            "sources": by_source,
        }
