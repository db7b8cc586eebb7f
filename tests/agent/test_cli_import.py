"""`alloygan kb import / export`, `kb stats` by source and `lit extract` of tables, through the CLI."""
from __future__ import annotations

import csv
import json

import pytest

from alloygan.knowledge_base.table_miner import sha256_of, shipped_table

HEADER = "composition,Tg (K),Tx (K),Tl (K),source,notes\n"


def _json(run_cli, *args):
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _file_of_100_with_3_bad(path):
    """97 alloys of the published table, each 2 K warmer (new reports, consistent with their neighbours),
    and 3 bad rows: a misprinted formula, Tg above Tx, and a Tg 200 K above every close neighbour."""
    seen, good = set(), []
    for report in shipped_table().reports:
        if report.composition not in seen:
            seen.add(report.composition)
            good.append(f"{report.composition},{report.Tg + 2:g},{report.Tx + 2:g},{report.Tl + 2:g},lab book,\n")
    rows = good[:97]
    rows.insert(10, "Zr48Cu43Al7Ag2?,700,760,1150,lab book,misprint\n")
    rows.insert(50, "Cu50Zr50,720,700,1200,lab book,swapped\n")
    rows.insert(90, "Cu47Zr46Al7,905,960,1400,lab book,outlier\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_100_rows_with_3_bad_imports_97_and_quarantines_3_with_reasons(run_cli, fresh_home, tmp_path):
    path = _file_of_100_with_3_bad(tmp_path / "mine.csv")
    result = _json(run_cli, "kb", "import", str(path))
    assert (result["rows_read"], result["added"], result["quarantined"], result["already_present"]) == (100, 97, 3, 0)
    reasons = {row["location"]: row["reason"] for row in result["quarantined_rows"]}
    assert list(reasons) == ["row 12", "row 52", "row 92"]
    assert "unexpected character '?'" in reasons["row 12"] and "Tg < Tx" in reasons["row 52"]
    assert reasons["row 92"].startswith("inconsistent with the")
    quarantine = {q["location"]: q for q in _json(run_cli, "kb", "quarantine") if q["document"] == "mine.csv"}
    assert {k: q["reason"] for k, q in quarantine.items()} == reasons
    assert all(q["sha256"] == sha256_of(path) for q in quarantine.values())
    stats = _json(run_cli, "kb", "stats")
    (mine,) = [s for s in stats["sources"] if s["kind"] == "user-import"]
    assert (mine["title"], mine["accepted"], mine["quarantined"], mine["sha256"]) == ("mine.csv", 97, 3, sha256_of(path))
    code, out, _ = run_cli("kb", "stats")
    assert code == 0 and "user-import: mine.csv" in out and "published-table" in out


def test_provenance_and_importing_twice_adds_nothing(run_cli, fresh_home, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("composition,Tg (°C),Tx (°C),Tl (°C),DOI\nCu46Zr46Al8,430,493,888,10.1000/x\n", encoding="utf-8")
    first = _json(run_cli, "kb", "import", str(path))
    assert first["added"] == 1 and first["written"] and not first["already_imported"]
    (alloy,) = [a for a in _json(run_cli, "kb", "query", "--require", "Cu,Zr,Al") if a["formula"] == "Cu46Zr46Al8"]
    (source,) = [s for s in alloy["sources"] if s["kind"] == "user-import"]
    assert (source["sha256"], source["location"], source["document"]) == (sha256_of(path), "row 2", "mine.csv")
    stats = _json(run_cli, "kb", "stats")
    second = _json(run_cli, "kb", "import", str(path))
    assert second["added"] == 0 and second["already_imported"] and not second["written"]
    assert _json(run_cli, "kb", "stats") == stats
    dry = _json(run_cli, "kb", "import", str(_file_of_100_with_3_bad(tmp_path / "other.csv")), "--dry-run")
    assert dry["added"] == 97 and not dry["written"] and _json(run_cli, "kb", "stats") == stats


# the fast tier round-trips CSV; XLSX and JSON (about 2 s each) in the slow tier
@pytest.mark.parametrize("suffix", [".csv", pytest.param(".xlsx", marks=pytest.mark.slow),
                                    pytest.param(".json", marks=pytest.mark.slow)])
def test_import_round_trips_export(run_cli, tmp_path, monkeypatch, suffix):
    monkeypatch.setenv("ALLOYGAN_HOME", str(tmp_path / "home1"))
    mine = tmp_path / "mine.csv"
    mine.write_text("alloy,Tg,Tx,Tl,unit,Dmax (cm),reference,notes\n"
                    "Cu46Zr46Al8,430,493,888,°C,0.8,J. Doe 2024,arc melted\n"
                    "Pd40Ni40P20,580,675,995,K,,,\n", encoding="utf-8")
    assert _json(run_cli, "kb", "import", str(mine))["added"] == 2
    exported = tmp_path / f"all{suffix}"
    assert _json(run_cli, "kb", "export", str(exported))["rows"] == _json(run_cli, "kb", "stats")["accepted"]
    monkeypatch.setenv("ALLOYGAN_HOME", str(tmp_path / "home2"))
    imported = _json(run_cli, "kb", "import", str(exported))
    assert (imported["added"], imported["quarantined"]) == (2, 0)
    again = tmp_path / f"again{suffix}"
    run_cli("kb", "export", str(again))
    first, second = (tmp_path / "first.csv", tmp_path / "second.csv")
    for source, target in ((exported, first), (again, second)):  # compare through CSV: xlsx files carry timestamps
        monkeypatch.setenv("ALLOYGAN_HOME", str(tmp_path / f"home-{target.stem}"))
        run_cli("kb", "import", str(source))
        run_cli("kb", "export", str(target))
    assert first.read_bytes() == second.read_bytes()
    rows = list(csv.DictReader(first.open(encoding="utf-8")))
    (doe,) = [r for r in rows if r["source"] == "J. Doe 2024"]
    assert (doe["composition"], doe["Tg (K)"], doe["Dmax (mm)"], doe["notes"]) == ("Cu46Zr46Al8", "703.15", "8.0",
                                                                                   "arc melted")


def test_imported_alloys_change_the_training_data_hash(tmp_path, fresh_home):
    from alloygan.knowledge_base.imports import read_user_table
    from alloygan.knowledge_base.store import AlloyStore
    from alloygan.models.dataset import alloy_table

    path = tmp_path / "mine.csv"
    path.write_text("composition,Tg,Tx,Tl\nCu46Zr46Al8,703,766,1161\n", encoding="utf-8")
    with AlloyStore.open_default() as store:
        before = alloy_table(store.alloys()).data_hash()
        table = read_user_table(path, store.reports())
        store.import_source(table.source, table.reports, table.quarantined)
        assert alloy_table(store.alloys()).data_hash() != before


@pytest.mark.parametrize("name, content, message", [
    ("wrong.csv", "alloy,T1,T2,T3\nZr50Cu50,600,650,1100\n", "no Tg / Tx / Tl column"),
    ("mixed.csv", "composition,Tg (K),Tx (°C),Tl (K)\nZr50Cu50,600,650,1100\n", "mixed temperature units"),
    ("wt.csv", "composition,Tg,Tx,Tl\nCu46Zr46Al8,703,766,1161\nZr65Cu17.5 wt.%,600,650,1100\n", "row 3:"),
    ("dup.csv", "composition,Tg,Tx,Tl,composition\nCu46Zr46Al8,703,766,1161,x\n", "keep one of them"),
    ("latin.csv", b"composition,Tg,Tx,Tl,notes\nCu46Zr46Al8,703,766,1161,caf\xe9\n", "line 2: byte 0xE9"),
    ("unit.csv", "composition,Tg,Tx,Tl,unit\nCu46Zr46Al8,703,766,1161,F\n", "row 2: unit 'F'"),
    ("broken.xlsx", "not a workbook", "not a readable XLSX workbook"),
])
def test_bad_files_are_one_line_exit_2_and_change_nothing(run_cli, fresh_home, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = _json(run_cli, "kb", "stats")
    code, _, err = run_cli("kb", "import", str(path))
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert _json(run_cli, "kb", "stats") == before


def test_export_refuses_to_replace_a_file_without_force(run_cli, fresh_home, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    code, _, err = run_cli("kb", "export", str(target))
    assert code == 2 and "add --force" in err and target.read_text() == "keep me"
    code, _, err = run_cli("kb", "export", str(tmp_path / "out.txt"))
    assert code == 2 and "unsupported table file" in err
    assert _json(run_cli, "kb", "export", str(target), "--force")["rows"] > 1000
    assert target.read_text(encoding="utf-8").startswith("composition,Tg (K),Tx (K),Tl (K),Dmax (mm),source,DOI")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_lit_extract_reads_tables_through_the_import_reader(run_cli, fresh_home, tmp_path, suffix):
    from alloygan.knowledge_base.imports import EXPORT_HEADER
    from alloygan.knowledge_base.table_files import write_table_file

    path = tmp_path / f"table{suffix}"
    write_table_file(path, ("composition", "Tg (°C)", "Tx (°C)", "Tl (°C)"),
                     [("Cu46Zr46Al8", 430, 493, 888), ("Cu50Zr50", 720, 700, 1200)])
    result = _json(run_cli, "lit", "extract", str(path), "--rules", "--details")
    (record,) = result["records"]
    assert (record["formula"], record["Tg"], record["stated_unit"]) == ("Cu46Zr46Al8", 703.15, "°C")
    assert record["source"]["location"] == "row 2" and record["source"]["sha256"] == sha256_of(path)
    (rejected,) = result["rejected"]
    assert rejected["location"] == "row 3" and "Tg < Tx" in rejected["reason"]
    assert EXPORT_HEADER[0] == "composition"
