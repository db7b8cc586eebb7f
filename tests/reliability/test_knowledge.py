"""Poisoned knowledge (issue 13, items 4-6): extracted and imported reports pass the mined table's checks, an
alloy's value is not moved by one contradicting report (the conflict is shown), sources can be listed and
removed, a document's reports are capped, and the same report from a re-saved copy is not counted twice."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

KNOWN_ZR = "Zr55Cu30Al10Ni5"  # the published table: Tg/Tx/Tl 690/757/1158 K (p9 right line 36)
KNOWN_PD = "Pd40Ni40P20"  # 575/640/905 K (p7 left line 21)


def _document(folder: Path, name: str, *sentences: str, title: str = "A poisoned note") -> Path:
    path = folder / name
    path.write_text(title + "\n\n" + "\n\n".join(sentences) + "\n", encoding="utf-8")
    return path


def _known(run_cli, formula: str) -> dict:
    code, out, err = run_cli("describe", formula, "--json")
    assert code == 0, err
    return json.loads(out)[0]["known"]


def _home_state(home: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.glob("alloygan.sqlite*"))}


def _store_counts() -> tuple[int, int, int]:
    from alloygan.knowledge_base.store import AlloyStore

    with AlloyStore.open_default() as store:
        db = store.connection
        return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sources", "reports", "quarantine"))


# --- item 4: poisoned values ------------------------------------------------------------------------


def test_extracted_contradicting_report_does_not_move_the_alloy_and_is_shown_as_a_conflict(fresh_home, tmp_path,
                                                                                             run_cli):
    assert _known(run_cli, KNOWN_ZR)["Tg"] == 690
    doc = _document(tmp_path, "poison.txt",
                    f"For {KNOWN_ZR}, the Tg, Tx and Tl are 595, 662 and 1063 K, respectively.")
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit")
    assert code == 0, err
    known = _known(run_cli, KNOWN_ZR)
    assert (known["Tg"], known["Tx"], known["Tl"]) == (690, 757, 1158)  # not the mean 642.5 of the two
    assert known["n_reports"] == 2 and known.get("conflict")
    assert "595" in known["conflict"] and "690" in known["conflict"] and "poison.txt" in known["conflict"]
    code, out, err = run_cli("describe", KNOWN_ZR)
    assert code == 0, err
    note = [line for line in out.splitlines() if "conflict" in line.lower()]
    assert note and "poison.txt" in " ".join(note), out


def test_extracted_report_far_from_its_neighbours_is_quarantined_with_the_reason(fresh_home, tmp_path, run_cli):
    # a new alloy amid the Zr-Cu-Ag-Al glasses (Tg near 690 K) printed 200 K too high: plausible alone, not there
    doc = _document(tmp_path, "zr.txt", "For Zr47Cu37Ag8Al8, the Tg, Tx and Tl are 890, 990 and 1400 K, respectively.")
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit", "--json", "--details")
    assert code == 0, err
    assert json.loads(out)["committed"]["quarantined"] == 1
    assert _known(run_cli, "Zr47Cu37Ag8Al8") is None
    code, out, _ = run_cli("kb", "quarantine", "--json")
    rows = [row for row in json.loads(out) if row["document"] == "zr.txt"]
    assert len(rows) == 1 and "inconsistent with the" in rows[0]["reason"] and "Tg +" in rows[0]["reason"]


def test_one_document_cannot_move_an_alloy_with_no_close_neighbours(fresh_home, tmp_path, run_cli):
    doc = _document(tmp_path, "pd.txt", f"For {KNOWN_PD}, the Tg, Tx and Tl are 788, 850 and 1120 K, respectively.")
    code, _out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit")
    assert code == 0, err
    known = _known(run_cli, KNOWN_PD)
    assert (known["Tg"], known["n_reports"]) == (575, 2) and "pd.txt" in known["conflict"]


def test_implausible_reduced_glass_transition_is_not_stored(fresh_home, tmp_path, run_cli):
    doc = _document(tmp_path, "hot.txt", "For Zr60Cu30Al10, the Tg, Tx and Tl are 1490, 1495 and 1500 K, respectively.")
    before = _store_counts()
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit", "--json", "--details")
    assert code == 0, err
    result = json.loads(out)
    assert result["records"] == [] and "Trg" in result["rejected"][0]["reason"]
    assert _store_counts()[1] == before[1]
    code, out, err = run_cli("kb", "query", "--base", "Zr", "--where", "Tg>1400", "--json")
    assert code == 0 and json.loads(out) == []


def test_imported_contradicting_row_is_flagged_not_averaged(fresh_home, tmp_path, run_cli):
    table = tmp_path / "mine.csv"
    table.write_text(f"composition,Tg (K),Tx (K),Tl (K)\n{KNOWN_ZR},595,662,1063\n", encoding="utf-8")
    code, _out, err = run_cli("kb", "import", str(table))
    assert code == 0, err
    known = _known(run_cli, KNOWN_ZR)
    assert known["Tg"] == 690 and known.get("conflict") and "mine.csv" in known["conflict"]


def _conflicting_alloy():
    """KNOWN_ZR with two reports 95 K apart: the published table's (kept) and a paper's."""
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.records import Alloy, Report, Source

    table = Source("a" * 64, "published-table", "the table")
    paper = Source("b" * 64, "mined-rules", "paper.txt")
    composition = Composition.parse(KNOWN_ZR)
    return composition, Alloy(composition, [Report(composition, 690, 757, 1158, "row", "p9", source=table),
                                            Report(composition, 595, 662, 1063, "text", "p1 para 1", source=paper)],
                              "Zr")


def test_conflict_note_in_the_answer_lines():
    from alloygan.agent.answer import _described
    from alloygan.models.dataset import alloy_table
    from alloygan.tools.results import AlloyDescription, AlloyDescriptions, KnownAlloy

    composition, alloy = _conflicting_alloy()
    assert (alloy.Tg, alloy.conflict) == (690, True)
    known = KnownAlloy.of(alloy, alloy_table([alloy]).frame.iloc[0])
    description = AlloyDescription(input=KNOWN_ZR, composition=composition.as_dict(), formula=composition.formula,
                                   known=known, descriptors={}, cost_usd_per_kg=None)
    lines = _described(AlloyDescriptions(alloys=[description]), False)
    assert any("conflict" in line and "paper.txt" in line and "the table" in line for line in lines), lines


def test_conflict_note_in_the_prediction_answer_lines():
    from alloygan.agent.answer import _predictions
    from alloygan.knowledge_base.records import Alloy
    from alloygan.tools.results import SHOWN_PROPERTIES, NearestKnown, Prediction, Predictions

    composition, alloy = _conflicting_alloy()
    near = NearestKnown.of(alloy, 0.0)
    assert "paper.txt" in near.conflict and near.to_json()["conflict"] == near.conflict
    prediction = Prediction.model_validate({
        "input": KNOWN_ZR, "composition": composition.as_dict(), "formula": composition.formula,
        **{name: {"mean": 0.5, "std": 0.01} for name in SHOWN_PROPERTIES}, "p_good_gfa": 0.3,
        "nearest_known": [near.to_json()], "measured": True})
    lines = _predictions(Predictions(predictions=[prediction]), False)
    assert any(line.strip().startswith("note: conflict") and "paper.txt" in line for line in lines), lines
    agreeing = Alloy(composition, alloy.reports[:1], "Zr")  # the table's report alone
    assert "conflict" not in NearestKnown.of(agreeing, 0.0).to_json()  # the key appears only with a conflict


@pytest.mark.slow  # trains the forward model in a fresh home
def test_predict_of_a_conflicting_alloy_prints_the_note(fresh_home, tmp_path, run_cli):
    doc = _document(tmp_path, "poison.txt", f"For {KNOWN_ZR}, the Tg, Tx and Tl are 595, 662 and 1063 K, respectively.")
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit")
    assert code == 0, err
    code, out, err = run_cli("predict", KNOWN_ZR)
    assert code == 0, err
    assert "note: conflict" in out and "poison.txt" in " ".join(out.split())
    code, out, err = run_cli("predict", KNOWN_ZR, "--json")
    (prediction,) = json.loads(out)
    assert prediction["Tg"]["mean"] == 690 and "poison.txt" in prediction["nearest_known"][0]["conflict"]


def test_agreeing_reports_of_one_source_keep_the_median():
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.records import Alloy, Report, Source

    table = Source("a" * 64, "published-table", "the table")
    composition = Composition.parse("Cu50Zr50")
    alloy = Alloy(composition, [Report(composition, 670, 720, 1200, "r1", "l1", source=table),
                                Report(composition, 750, 800, 1250, "r2", "l2", source=table)], "Cu")
    assert (alloy.Tg, alloy.conflict) == (710, False)  # one source printing an alloy twice: its median, as before


# --- item 5: sources listed and removed; reports per document capped -----------------------------------


def test_a_bad_document_is_listed_and_removed_in_one_step(fresh_home, tmp_path, run_cli):
    doc = _document(tmp_path, "bad.txt",
                    f"For {KNOWN_ZR}, the Tg, Tx and Tl are 595, 662 and 1063 K, respectively.",
                    "For Zr47Cu37Ag8Al8, the Tg, Tx and Tl are 690, 790 and 1150 K, respectively.")
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit")
    assert code == 0, err
    code, out, err = run_cli("kb", "sources", "--json")
    assert code == 0, err
    sources = json.loads(out)
    assert [(s["kind"], s["reports"]) for s in sources] == [("published-table", 1262), ("mined-rules", 2)]
    assert sources[1]["path"] == str(doc) and sources[1]["added_at"] and sources[1]["id"] > sources[0]["id"]
    bad = str(sources[1]["id"])

    before = _store_counts()
    code, out, err = run_cli("kb", "remove-source", bad)
    assert code == 0, err
    assert "Would remove source" in out and "2 reports" in out and "1 alloys lose all their reports" in out
    assert "Zr47Cu37Ag8Al8" in out and "add --yes" in out
    assert _store_counts() == before  # shown, not done

    code, out, err = run_cli("kb", "remove-source", bad, "--yes", "--json")
    assert code == 0, err
    removal = json.loads(out)
    assert removal["removed"] and removal["alloys_removed"] == ["Zr47Cu37Ag8Al8"]
    assert removal["alloys_changed"] == [KNOWN_ZR] and removal["source"]["reports"] == 2
    assert _store_counts() == (before[0] - 1, before[1] - 2, before[2])
    known = _known(run_cli, KNOWN_ZR)
    assert (known["Tg"], known["n_reports"], known.get("conflict")) == (690, 1, None)
    assert _known(run_cli, "Zr47Cu37Ag8Al8") is None


@pytest.mark.parametrize("source_id, expected", [("99", "no such source"), ("0", "no such source"),
                                                 ("99999999999999999999999", "no such source"), ("x", "valid integer")])
def test_removing_an_unknown_source_is_one_error_line(fresh_home, run_cli, source_id, expected):
    _store_counts()
    state = _home_state(fresh_home)
    code, _out, err = run_cli("kb", "remove-source", source_id, "--yes")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], err
    assert "Traceback" not in err and _home_state(fresh_home) == state


def test_a_document_over_the_report_cap_is_not_committed_and_says_so(fresh_home, tmp_path, run_cli):
    sentences = [f"For Zr{50 + i}Cu{40 - i}Al10, the Tg, Tx and Tl are {680 - i}, {760 - i} and {1150 - i} K, "
                 "respectively." for i in range(3)]
    doc = _document(tmp_path, "many.txt", *sentences)
    before = _store_counts()
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit", "--max-reports", "2")
    assert code == 0, err
    assert "more than the cap of 2 reports per document" in " ".join(out.split()) and "0 reports added" in out
    assert _store_counts() == before
    code, out, err = run_cli("lit", "extract", str(doc), "--rules", "--commit", "--max-reports", "3", "--json",
                             "--details")
    assert code == 0 and json.loads(out)["committed"]["added"] == 3


def test_an_import_over_the_report_cap_is_refused(fresh_home, tmp_path, run_cli):
    table = tmp_path / "big.csv"
    table.write_text("composition,Tg (K),Tx (K),Tl (K)\nZr50Cu40Al10,680,760,1150\nZr51Cu39Al10,679,759,1149\n",
                     encoding="utf-8")
    _store_counts()
    state = _home_state(fresh_home)
    code, _out, err = run_cli("kb", "import", str(table), "--max-reports", "1")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "more than --max-reports 1" in lines[0], err
    assert _home_state(fresh_home) == state


# --- item 6: the same reports from another file -------------------------------------------------------------


def test_a_resaved_copy_of_a_document_adds_nothing_and_says_where_its_reports_are_known(fresh_home, tmp_path,
                                                                                         run_cli):
    sentences = ["For Zr47Cu37Ag8Al8, the Tg, Tx and Tl are 690, 790 and 1150 K, respectively.",
                 "For Zr45Cu39Ag8Al8, the Tg, Tx and Tl are 692, 792 and 1152 K, respectively."]
    original = _document(tmp_path, "paper.txt", *sentences)
    code, out, err = run_cli("lit", "extract", str(original), "--rules", "--commit")
    assert code == 0 and "2 reports added" in out, out + err
    copy = tmp_path / "copy"
    copy.mkdir()
    resaved = copy / "paper (1).txt"
    resaved.write_text(original.read_text(encoding="utf-8") + "\n(saved again)\n", encoding="utf-8")
    before = _store_counts()
    code, out, err = run_cli("lit", "extract", str(resaved), "--rules", "--commit", "--json", "--details")
    assert code == 0, err
    committed = json.loads(out)["committed"]
    assert (committed["added"], committed["known_elsewhere"]) == (0, 2)
    assert committed["notes"] == ["paper (1).txt: 2 reports already known from source 'paper.txt'; not counted twice"]
    assert _store_counts() == before
    assert _known(run_cli, "Zr47Cu37Ag8Al8")["n_reports"] == 1


def test_an_imported_table_repeating_a_document_says_so(fresh_home, tmp_path, run_cli):
    table = tmp_path / "mine.csv"
    table.write_text(f"composition,Tg (K),Tx (K),Tl (K)\n{KNOWN_PD},575,640,905\n", encoding="utf-8")
    code, out, err = run_cli("kb", "import", str(table))
    assert code == 0, err
    assert "1 report already known from source 'AlloyGAN collected alloy dataset" in " ".join(out.split())
    assert _known(run_cli, KNOWN_PD)["n_reports"] == 1


@pytest.mark.slow  # mines the 12-page table PDF twice
def test_a_resaved_table_pdf_replaces_the_table_instead_of_doubling_it(fresh_home, tmp_path, run_cli, shared_pdf):
    code, out, err = run_cli("kb", "build", "--source", str(shared_pdf), "--json")
    assert code == 0, err
    accepted = json.loads(out)["accepted"]
    resaved = tmp_path / "table-resaved.pdf"
    resaved.write_bytes(shared_pdf.read_bytes() + b"\n% saved again\n")
    code, out, err = run_cli("kb", "build", "--source", str(resaved), "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["accepted"] == accepted and [s["kind"] for s in stats["sources"]] == ["published-table"]
    code, out, err = run_cli("lit", "extract", str(resaved), "--rules", "--commit", "--json", "--details")
    assert code == 0, err
    assert json.loads(out)["committed"]["added"] == 0
    code, out, _ = run_cli("kb", "stats", "--json")
    assert json.loads(out)["accepted"] == accepted
