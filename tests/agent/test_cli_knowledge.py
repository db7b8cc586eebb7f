"""`alloygan kb ...`, `describe`, `predict` and `parse-goal`: the JSON contracts and one-line errors."""
from __future__ import annotations

import csv
import json

import pytest

from alloygan.knowledge_base.composition import Composition


def _json(run_cli, *args):
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_kb_build_from_the_pdf_stats_and_quarantine(run_cli, fresh_home, shared_pdf):
    code, _, err = run_cli("kb", "build", "--source", str(shared_pdf))
    assert code == 0, err
    stats = _json(run_cli, "kb", "stats")
    assert stats["rows_read"] >= 1330 and stats["accepted"] + stats["quarantined"] == stats["rows_read"]
    assert stats["unique_compositions"] == sum(stats["families"].values()) >= 980
    assert {"Ca", "Cu", "Fe", "La", "Mg", "Pd", "Ti", "Zr"} <= set(stats["families"])
    quarantine = {row["raw_text"].split()[0]: row["reason"] for row in _json(run_cli, "kb", "quarantine")}
    assert "'A' is not an element symbol" in quarantine["(Zr0.55A10.20Co0.20Cu0.05)93Ag7"]
    assert "unexpected character '?'" in quarantine["Zr48Cu43Al7Ag2?"]
    assert "unresolved mixture (Cu,Ni)" in quarantine["La62Al14(Cu,Ni)24"]


def test_kb_query_filters_and_cites(run_cli):
    records = _json(run_cli, "kb", "query", "--base", "Zr", "--require", "Cu,Al", "--exclude", "Ag,Be",
                    "--where", "Trg>=0.6")
    assert len(records) >= 5
    for r in records:
        composition = r["composition"]
        assert max(composition.values()) == composition["Zr"] and {"Cu", "Al"} <= set(composition)
        assert not {"Ag", "Be"} & set(composition) and r["Trg"] >= 0.6
        assert r["Trg"] == pytest.approx(r["Tg"] / r["Tl"], abs=1e-6)
        assert r["sources"][0]["sha256"] and r["sources"][0]["page"] >= 1
    assert [r["Trg"] for r in records] == sorted((r["Trg"] for r in records), reverse=True)


@pytest.mark.parametrize("args, message", [
    (("kb", "query", "--where", "Trg>>0.6"), "not of the form"),
    (("kb", "query", "--base", "Qq"), "--base Qq"),
    (("kb", "query", "--where", "colour>3"), "colour"),
    (("kb", "build", "--source", "/no/such/table.pdf"), "no such file"),
    (("describe", "Zr48Cu43Al7Ag2?"), "unexpected character '?'"),
    (("describe", "Ti-6Al-4V"), "dash notation"),
    (("predict", "Pr72(Cu,Ni)21Al7"), "unresolved mixture"),
    (("parse-goal", "Zr glass with Trg > 0.7 and Trg < 0.6"), "contradictory range"),
    (("kb", "stats", "--frobnicate"), "No such option"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(run_cli, args, message):
    before = _json(run_cli, "kb", "stats")
    code, _, err = run_cli(*args)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert _json(run_cli, "kb", "stats") == before


def test_a_broken_pdf_changes_nothing(run_cli, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really" + bytes(range(256)))
    before = _json(run_cli, "kb", "stats")
    code, _, err = run_cli("kb", "build", "--source", str(broken))
    assert code == 2 and "broken.pdf" in err and len(err.strip().splitlines()) == 1
    assert _json(run_cli, "kb", "stats") == before


def test_describe_a_known_alloy(run_cli):
    [record] = _json(run_cli, "describe", "Cu46Zr46Al8")
    assert record["composition"] == {"Cu": 46.0, "Zr": 46.0, "Al": 8.0}
    known = record["known"]
    assert known["Trg"] == pytest.approx(known["Tg"] / known["Tl"]) and known["gamma"] > 0
    assert record["descriptors"]["MagpieData mean MeltingT"] > 0 and 5 < record["cost_usd_per_kg"] < 100


def test_predict_keeps_input_order_and_reports_bad_rows(run_cli, tmp_path):
    source = tmp_path / "inputs.csv"
    source.write_text("composition,note\nCu47Zr45Al8,a\nZr5?,typo\nZr55Cu25Al10Ni5Ti5,b\n", encoding="utf-8")
    out = tmp_path / "predictions.csv"
    records = _json(run_cli, "predict", "--file", str(source), "--out", str(out))
    assert [r["input"] for r in records] == ["Cu47Zr45Al8", "Zr5?", "Zr55Cu25Al10Ni5Ti5"]
    assert "unexpected character" in records[1]["error"]
    good = records[0]
    assert Composition.parse(good["input"]).as_dict() == good["composition"]
    assert good["Tg"]["mean"] < good["Tx"]["mean"] < good["Tl"]["mean"] and good["Trg"]["std"] > 0
    assert 0 <= good["p_good_gfa"] <= 1 and good["nearest_known"][0]["distance_at_pct"] >= 0
    with open(out, newline="", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_parse_goal_json(run_cli):
    goal = _json(run_cli, "parse-goal", "Cu-based BMG, gamma >= 0.41, no Be or Hf, under $30/kg, at most 4 elements")
    assert goal["base_element"] == "Cu" and goal["excluded_elements"] == ["Be", "Hf"]
    assert goal["constraints"] == [{"property": "gamma", "min": 0.41, "max": None}]
    assert goal["max_elements"] == 4 and goal["max_cost_usd_per_kg"] == 30 and goal["not_understood"] == []


@pytest.mark.parametrize("width", [80, 400])  # the narrow blocks and the wide table
def test_predict_names_a_known_alloys_source_once(run_cli, monkeypatch, width):
    from alloygan.agent.cli.output import console

    monkeypatch.setattr(console, "width", width)
    code, out, err = run_cli("predict", "Zr55Cu30Al10Ni5")
    assert code == 0, err
    assert out.count("Zr55Cu30Al10Ni5: measured") == 1 and out.count("(known): the alloy is in") == 1


def test_predict_file_with_more_compositions_than_the_bound_is_one_line_exit_2(run_cli, tmp_path, monkeypatch):
    import alloygan.tools.prediction as prediction

    monkeypatch.setattr(prediction, "MAX_INPUTS", 3)
    rows = tmp_path / "many.csv"
    rows.write_text("composition\n" + "Cu50Zr50\n" * 4)
    code, out, err = run_cli("predict", "--file", str(rows))
    assert code == 2 and out == "" and "more than 3 compositions; split the file" in err
    assert len(err.strip().splitlines()) == 1
