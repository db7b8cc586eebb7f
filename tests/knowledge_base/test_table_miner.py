"""Mining the published dataset table: completeness, quarantine reasons, the shipped CSV."""
from __future__ import annotations

import pytest

from alloygan.knowledge_base.records import group_reports, temperature_problems
from alloygan.knowledge_base.table_miner import (
    MiningError, mine_table, read_entry, shipped_table, shipped_table_text, table_from_csv, table_to_csv,
)

DEFECTIVE_ROWS = {  # rows of the published table that must be quarantined, with a word of the reason
    "(Zr0.55A10.20Co0.20Cu0.05)93Ag7 753 806 1222": "'A' is not an element",
    "Zr48Cu43Al7Ag2? 700 761 1152": "unexpected character '?'",
    "Pr72(Cu,Ni)21Al7 395 410 760": "unresolved mixture",
    "La62Al14(Cu,Ni)24 417 446 738": "unresolved mixture",
    "Fe72B22Y4TI2 842 914 1420": "'T' is not an element",
    "Ni62.4Nb37.6 945 923 1535": "exceeds Tx",
    "Fe91B9 600 600 1628": "equals Tx",
    "(Ti40Zr25Be20Cu12Ni3)950Y5 603 649 951": "total 955",
    "Cu48Zr48Al4 410 470 918": "look like °C",  # printed in °C: +273.15 puts it beside its neighbours
    "Pd77Si15Ag3Cu5 619 969 1050": "Tx +283 K",  # a misprinted Tx
}


@pytest.fixture(scope="module")
def mined(request):
    from tests.conftest import SHARED_PDF

    if not SHARED_PDF.is_file():
        pytest.skip(f"the shared dataset PDF is not at {SHARED_PDF} (../shared beside the clone)")
    return mine_table(SHARED_PDF)


def test_every_row_is_accounted_for(mined):
    assert mined.rows_read >= 1330
    assert mined.rows_read == len(mined.reports) + len(mined.quarantined)
    assert len(group_reports(mined.reports)) >= 980
    families = {r.family for r in mined.reports}
    assert families == {"Ca", "Cu", "Fe", "La", "Mg", "Pd", "Ti", "Zr", "Other"}


def test_defective_rows_are_quarantined_with_reasons(mined):
    by_text = {q.raw_text: q.reason for q in mined.quarantined}
    for row, reason in DEFECTIVE_ROWS.items():
        assert row in by_text, row
        assert reason in by_text[row], (row, by_text[row])


def test_reports_carry_provenance(mined):
    report = next(r for r in mined.reports if r.raw_text.startswith("(Cu50Zr43Al7)98Si2 "))
    assert report.composition["Si"] == pytest.approx(2.0)
    assert (report.Tg, report.Tx, report.Tl) == (740.0, 800.0, 1256.0)
    assert report.page == 1 and report.family == "Cu" and "right" in report.location
    assert report.source.sha256.startswith("a34375ff") and report.source.kind == "published-table"


def test_remining_reproduces_the_shipped_file_exactly(mined):
    assert table_to_csv(mined) == shipped_table_text()


def test_shipped_table_round_trips():
    text = shipped_table_text()
    table = shipped_table()
    assert table_to_csv(table_from_csv(text)) == text
    assert table.rows_read >= 1330


def test_duplicates_keep_every_report_and_flag_conflicts():
    alloys = {a.composition.formula: a for a in group_reports(shipped_table().reports)}
    cazr = alloys["Ca40Cu30Mg30"]  # printed as Ca40Cu30Mg30 and Ca40Mg30Cu30, both 395 430 694
    assert len(cazr.reports) == 2 and not cazr.conflicting
    zr = alloys["Zr48Cu36Ag8Al8"]  # four reports; Tg 690, 670, 690, 683
    assert len(zr.reports) == 4 and zr.conflicting and zr.Tg == pytest.approx(686.5)


def test_read_entry_checks():
    assert temperature_problems(600, 700, 1100) == []
    assert "outside the plausible range" in temperature_problems(100, 700, 1100)[0]
    assert "not below Tl" in read_entry("Cu50Zr50 600 1200 1100", "x", 1, "Cu").reason
    assert "three temperatures" in read_entry("Cu50Zr50 600 700", "x", 1, "Cu").reason


def test_broken_pdf_is_a_clear_error(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(MiningError, match="broken.pdf"):
        mine_table(bad)
    with pytest.raises(MiningError, match="no such file"):
        mine_table(tmp_path / "missing.pdf")
