"""A user's own table (`knowledge_base.imports`, `table_files`): columns, units, the row checks, provenance,
idempotence, bad files, and the XLSX / JSON / CSV round trip of the export format."""
from __future__ import annotations

import json

import pytest

from alloygan.knowledge_base.imports import (
    EXPORT_HEADER,
    EXPORT_JSON_KEYS,
    export_rows,
    read_user_table,
)
from alloygan.knowledge_base.table_files import MAX_ROWS, TableFileError, write_table_file
from alloygan.knowledge_base.table_miner import sha256_of, shipped_table


@pytest.fixture(scope="module")
def known():
    return shipped_table().reports


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_celsius_in_the_header_is_converted(tmp_path):
    path = _write(tmp_path / "c.csv", "composition,Tg (°C),Tx [C],Tl_degC\nZr55Cu30Al10Ni5,417,472,848\n")
    (report,) = read_user_table(path).reports
    assert (report.Tg, report.Tx, report.Tl) == (690.15, 745.15, 1121.15)


def test_a_unit_column_gives_each_row_its_unit(tmp_path):
    path = _write(tmp_path / "u.csv", "alloy,Tg,Tx,Tl,unit\nZr55Cu30Al10Ni5,417,472,848,°C\n"
                                      "Cu46Zr46Al8,701,765,1160,K\nPd40Ni40P20,302,,,C\n")
    table = read_user_table(path)
    assert [(r.location, r.Tg, r.Tl) for r in table.reports] == [("row 2", 690.15, 1121.15), ("row 3", 701.0, 1160.0)]
    assert [(q.location, q.reason) for q in table.quarantined] == [("row 4", "Tx not given; Tl not given")]
    assert table.unit_note == ""


def test_no_unit_means_kelvin_and_says_so(tmp_path):
    table = read_user_table(_write(tmp_path / "k.csv", "composition,Tg,Tx,Tl\nCu46Zr46Al8,701,765,1160\n"))
    assert table.reports[0].Tg == 701.0 and "read as K" in table.unit_note


def test_rows_are_checked_like_mined_rows(tmp_path, known):
    path = _write(tmp_path / "bad.csv", "\n".join([  # noqa: FLY002
        "composition,Tg (K),Tx (K),Tl (K),Dmax (mm),Trg",
        "Cu46Zr46Al8,705,770,1165,2,0.6",
        "Zr48Cu43Al7Ag2?,700,760,1150,,",        # formula grammar
        "Cu50Zr50,720,700,1200,,",              # Tg > Tx
        "Cu47Zr46Al7,905,960,1400,,",           # 200 K above every neighbour
        "Cu47Zr45Al8,700,760,1160,500,",        # Dmax implausible
    ]) + "\n")
    table = read_user_table(path, known)
    assert [r.location for r in table.reports] == ["row 2"] and table.reports[0].critical_diameter_mm == 2.0
    reasons = {q.location: q.reason for q in table.quarantined}
    assert "unexpected character '?'" in reasons["row 3"]
    assert "a glass needs Tg < Tx" in reasons["row 4"]
    assert reasons["row 5"].startswith("inconsistent with the") and "Tg +" in reasons["row 5"]
    assert "Dmax = 500 mm is outside" in reasons["row 6"]
    assert table.ignored_columns == ("Trg",)


def test_repeats_of_stored_reports_are_not_added_equal_rows_are_counted(tmp_path, known):
    first = known[0]  # Ca40Cu30Mg30 395/430/694 K is printed twice in the published table
    row = f"{first.composition},{first.Tg},{first.Tx},{first.Tl}\n"
    path = _write(tmp_path / "r.csv", "composition,Tg,Tx,Tl\n" + row * 3 + "Cu46Zr46Al8,703,766,1161\n" * 2)
    table = read_user_table(path, known)
    assert [r.location for r in table.reports] == ["row 4", "row 5", "row 6"]
    assert [d[0] for d in table.duplicates] == ["row 2", "row 3"]
    assert "already in the knowledge base (AlloyGAN collected" in table.duplicates[0][1]


def test_import_keeps_provenance_and_twice_adds_nothing(tmp_path, store):
    path = _write(tmp_path / "mine.csv", "composition,Tg,Tx,Tl,source,DOI,notes\n"
                                         "Cu46Zr46Al8,703,766,1161,J. Doe 2024,10.1000/xyz,arc melted\n")
    table = read_user_table(path, store.reports())
    assert store.import_source(table.source, table.reports, table.quarantined).added == 1
    (report,) = [r for r in store.reports() if r.source.kind == "user-import"]
    assert report.source.sha256 == sha256_of(path) and report.location == "row 2"
    assert (report.citation, report.doi, report.notes) == ("J. Doe 2024", "10.1000/xyz", "arc melted")
    counts = store.stats()
    again = read_user_table(path, store.reports())
    assert store.import_source(again.source, again.reports, again.quarantined).added == 0
    assert store.stats() == counts


@pytest.mark.parametrize("name, content, message", [
    ("wrong.csv", "alloy,T1,T2,T3\nZr50Cu50,600,650,1100\n", "no Tg / Tx / Tl column"),
    ("mixed.csv", "composition,Tg (K),Tx (°C),Tl (K)\nZr50Cu50,600,650,1100\n", "mixed temperature units"),
    ("half.csv", "composition,Tg (K),Tx,Tl\nZr50Cu50,600,650,1100\n", "states no unit"),
    ("both.csv", "composition,Tg (K),Tx (K),Tl (K),unit\nZr50Cu50,600,650,1100,K\n", "keep one of the two"),
    ("wt.csv", "composition,Tg,Tx,Tl\nZr50Cu50,600,650,1100\nTi-6Al-4V,600,650,1100\n", "row 3: composition"),
    ("wtcol.csv", "composition (wt.%),Tg,Tx,Tl\nZr50Cu50,600,650,1100\n", "weight percent"),
    ("dup.csv", "composition,Tg,Tx,Tl,alloy\nZr50Cu50,600,650,1100,x\n", "columns 1 ('composition') and 5"),
    ("dup2.csv", "composition,Tg,Tx,Tl,Trg,Trg\nZr50Cu50,600,650,1100,1,1\n", "'Trg' appears more than once"),
    ("unit.csv", "composition,Tg,Tx,Tl,unit\nZr50Cu50,600,650,1100,K\nZr50Cu50,600,650,1100,F\n",
     "row 3: unit 'F'"),
    ("empty.csv", "", "empty file"),
    ("header.csv", "composition,Tg,Tx,Tl\n", "no data rows"),
    ("table.xls", "x", "save it as .xlsx"),
    ("broken.xlsx", "not a zip", "not a readable XLSX"),
    ("list.json", '{"a": 1}', "expected a list of records"),
    ("nested.json", '[{"composition": {"Zr": 50}}]', "record 1"),
])
def test_bad_files_raise_one_line_naming_the_fix(tmp_path, name, content, message):
    path = _write(tmp_path / name, content)
    with pytest.raises(TableFileError) as raised:
        read_user_table(path)
    text = str(raised.value)
    assert message in text and "\n" not in text and text.startswith(str(path))


def test_non_utf8_bytes_name_the_row(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("composition,Tg,Tx,Tl,notes\nZr50Cu50,600,650,1100,ok\nCu50Zr50,600,650,1100,café\n"
                     .encode("latin-1"))
    with pytest.raises(TableFileError, match=r"line 3: byte 0xE9 is not UTF-8; save it as UTF-8.*CSV UTF-8"):
        read_user_table(path)


def test_too_many_rows_are_refused_with_the_bound(tmp_path, monkeypatch):
    from alloygan.knowledge_base import table_files

    monkeypatch.setattr(table_files, "MAX_ROWS", 3)
    path = _write(tmp_path / "big.csv", "composition,Tg,Tx,Tl\n" + "Zr50Cu50,600,650,1100\n" * 4)
    with pytest.raises(TableFileError, match="more than 3 data rows; split the file"):
        read_user_table(path)
    assert MAX_ROWS == 100_000


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_export_format_reads_back_exactly(tmp_path, known, suffix):
    reports = known[:40]
    path = tmp_path / f"alloys{suffix}"
    write_table_file(path, EXPORT_HEADER, export_rows(reports), json_keys=EXPORT_JSON_KEYS)
    if suffix == ".json":
        assert list(json.loads(path.read_text())[0]) == list(EXPORT_JSON_KEYS)
    table = read_user_table(path)
    assert table.quarantined == [] and table.duplicates == [] and table.unit_note == ""
    assert [(r.composition, r.Tg, r.Tx, r.Tl, r.citation) for r in table.reports] == [
        (r.composition, r.Tg, r.Tx, r.Tl, r.source.title) for r in reports]
    assert export_rows(table.reports) == export_rows(reports)


def test_kelvin_values_in_a_celsius_file_are_quarantined_with_the_hint(tmp_path, known):
    path = _write(tmp_path / "c.csv", "composition,Tg (°C),Tx (°C),Tl (°C)\nZr56Cu28Al10Ni6,418,476,850\n"
                                      "Zr48Cu44Al8,710,780,1170\n")
    table = read_user_table(path, known)
    assert [r.location for r in table.reports] == ["row 2"]
    (row,) = table.quarantined
    assert row.location == "row 3" and row.reason.endswith("the values look like kelvin given as °C")


def test_semicolon_files_with_decimal_commas_and_json_records(tmp_path):
    csv_path = _write(tmp_path / "eu.csv", "Legierung;composition;Tg (K);Tx (K);Tl (K)\nA;Cu46Zr46Al8;702,5;765;1160\n")
    (report,) = read_user_table(csv_path).reports
    assert (report.Tg, report.location) == (702.5, "row 2")
    json_path = _write(tmp_path / "mine.json", json.dumps({"alloys": [
        {"composition": "Cu46Zr46Al8", "Tg": 429.35, "Tx": 491.85, "Tl": 886.85, "unit": "°C"},
        {"composition": "Pd40Ni40P20", "Tg": None, "Tx": 675, "Tl": 991, "unit": "K"}]}))
    table = read_user_table(json_path)
    assert [(r.location, r.Tg) for r in table.reports] == [("record 1", 702.5)]
    assert [(q.location, q.reason) for q in table.quarantined] == [("record 2", "Tg not given")]
