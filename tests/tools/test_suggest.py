"""`alloygan suggest` on the shipped data and the session's trained Zr models: the batch obeys the goal, stays
apart and inside the domain, improves on the right incumbent, is logged once with its acquisition and reasons,
and a recorded result moves the next suggestion."""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from alloygan.models.metrics import nearest_known

GOAL = "Zr-based glass with Trg>0.6 avoiding Ag"


def _fractions(compositions):
    elements = sorted({e for c in compositions for e in c})
    return np.array([[c.get(e, 0.0) / 100 for e in elements] for c in compositions])


def _suggestions(home) -> int:
    """Rows of the experiment log (0 before the log's table exists)."""
    with sqlite3.connect(home / "alloygan.sqlite") as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'experiment_suggestions'").fetchone():
            return 0
        return db.execute("SELECT COUNT(*) FROM experiment_suggestions").fetchone()[0]


def test_a_batch_obeys_the_goal_and_is_logged_once(trained_copy, run_cli):
    code, out, err = run_cli("suggest", GOAL, "--batch", "3", "--min-distance", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    suggestions = result["suggestions"]
    assert len(suggestions) == 3 and [s["order"] for s in suggestions] == [1, 2, 3]
    assert result["objective"] == {"property": "Trg", "maximise": True, "chosen_by": "constraint"}
    assert result["acquisition"] == "EI" and result["logged"] is True
    compositions = [s["candidate"]["composition"] for s in suggestions]
    for composition in compositions:
        assert "Ag" not in composition and max(composition, key=composition.get) == "Zr"
    fractions = _fractions(compositions)
    for i in range(len(fractions)):  # pairwise at least the asked distance apart
        others = np.delete(fractions, i, axis=0)
        assert nearest_known(fractions[i:i + 1], others)[0][0] >= 3.0 - 1e-9
    for s in suggestions:  # inside the domain of applicability (no exploration asked)
        assert s["candidate"]["domain"]["label"] in ("in-domain", "edge")
        assert s["expected_improvement"] >= 0 and s["reason"].startswith("expected improvement")

    # the incumbent: the best measured Trg of the Zr alloys without Ag, found independently
    from alloygan.models.dataset import load_alloy_table

    zr = load_alloy_table().select(base="Zr", exclude=["Ag"])
    best = int(np.argmax(zr.frame["Trg"].to_numpy()))
    assert result["incumbent"]["alloy"]["formula"] == zr.alloys[best].composition.formula
    assert result["incumbent"]["value"] == pytest.approx(zr.frame["Trg"].iloc[best], abs=1e-4)

    # the answer says so when no suggestion is predicted to beat the incumbent
    behind = all(s["objective"]["mean"] <= result["incumbent"]["value"] for s in suggestions)
    assert behind == any(note.startswith("no suggestion is predicted to beat") for note in result["notes"])

    # logged with the acquisition and the reason; the same request again logs nothing new
    ids = [s["experiment_id"] for s in suggestions]
    code, out, err = run_cli("experiments", "show", str(ids[0]), "--json")
    shown = json.loads(out)
    assert shown["acquisition"] == "EI" and shown["reason"] == suggestions[0]["reason"]
    assert shown["formula"] == suggestions[0]["candidate"]["formula"]
    count = _suggestions(trained_copy)
    code, out, err = run_cli("suggest", GOAL, "--batch", "3", "--min-distance", "3", "--json")
    again = json.loads(out)
    assert [s["experiment_id"] for s in again["suggestions"]] == ids and again["already_logged"] == ids
    assert _suggestions(trained_copy) == count


def test_each_acquisition_and_no_log(trained_copy, run_cli):
    before = _suggestions(trained_copy)
    for acquisition in ("PI", "UCB", "greedy", "thompson"):
        code, out, err = run_cli("suggest", "Zr-based glass with the lowest Tl", "--batch", "2", "--acquisition",
                                 acquisition, "--no-log", "--json")
        assert code == 0, (acquisition, err)
        result = json.loads(out)
        assert result["objective"]["property"] == "Tl" and result["objective"]["maximise"] is False
        assert len(result["suggestions"]) == 2 and not result["logged"]
        assert all(s["experiment_id"] is None for s in result["suggestions"])
        if acquisition == "greedy":  # pure exploitation: the lowest predicted Tl first
            means = [s["objective"]["mean"] for s in result["suggestions"]]
            assert means == sorted(means)
    assert _suggestions(trained_copy) == before


@pytest.mark.parametrize("args, message", [
    (["--batch", "0"], "batch"),
    (["--batch", "21"], "batch"),
    (["--acquisition", "bogus"], "bogus"),
    (["--min-distance", "-1"], "min_distance"),
])
def test_bad_flags_get_one_line_and_exit_2(trained_copy, run_cli, args, message):
    code, out, err = run_cli("suggest", GOAL, *args)
    assert code == 2 and message in err.lower() and "Traceback" not in err
    assert _suggestions(trained_copy) == 0


def test_a_goal_without_a_family_is_refused(trained_copy, run_cli):
    code, out, err = run_cli("suggest", "something with high Trg")
    assert code == 2 and "family" in err


@pytest.mark.slow  # retrains the forward model and the generator on the new data
def test_a_recorded_result_moves_the_incumbent_and_the_next_batch(trained_copy, run_cli):
    code, out, err = run_cli("suggest", GOAL, "--batch", "2", "--json")
    first = json.loads(out)
    top = first["suggestions"][0]
    # the lab casts the first suggestion and it beats every known Zr glass (Trg = 800/1100 = 0.727)
    code, out, err = run_cli("experiments", "record", str(top["experiment_id"]), "--tg", "800", "--tx", "880",
                             "--tl", "1100")
    assert code == 0, err
    code, out, err = run_cli("train")
    assert code == 0, err
    code, out, err = run_cli("suggest", GOAL, "--batch", "2", "--json")
    second = json.loads(out)
    assert second["incumbent"]["alloy"]["formula"] == top["candidate"]["formula"]
    assert second["incumbent"]["value"] == pytest.approx(800 / 1100, abs=1e-4)
    assert second["forward_model"] != first["forward_model"]  # retrained on the result
    assert {s["experiment_id"] for s in second["suggestions"]}.isdisjoint(
        {s["experiment_id"] for s in first["suggestions"]})
