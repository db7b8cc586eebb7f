"""The experiment log from the shell: list, show, record, report; results join the knowledge base and training."""
from __future__ import annotations

import json
import sqlite3

import pytest

from tests.agent.conftest import synthetic_design

NOVEL = {"Zr": 53.3, "Cu": 27.1, "Al": 10.8, "Ni": 8.8}  # not in the shipped table


def _novel_design():
    design = synthetic_design(2)
    novel = design.candidates[0].model_copy(update={"composition": NOVEL, "formula": "Zr53.3Cu27.1Al10.8Ni8.8"})
    return design.model_copy(update={"candidates": [novel, *design.candidates[1:]]})


@pytest.fixture
def logged(fresh_home):
    """Two suggestions logged from a design (predicted Tg 701±10, Tx 780±12, Tl 1150±20 for #1)."""
    from alloygan.tools.experiments import log_suggestions

    return log_suggestions(_novel_design(), thread="lab-thread")


def _counts(home) -> tuple[int, int, int]:
    with sqlite3.connect(home / "alloygan.sqlite") as db:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("experiment_suggestions", "experiment_results", "reports"))


def test_a_suggestion_keeps_what_was_predicted_for_which_goal_by_which_models(logged, run_cli):
    code, out, err = run_cli("experiments", "show", "1", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["formula"] == "Zr53.3Cu27.1Al10.8Ni8.8" and s["composition"] == NOVEL and s["status"] == "pending"
    assert s["predicted"]["Tg"] == {"mean": 701.0, "std": 10.0} and s["predicted"]["Trg"] == {"mean": 0.61, "std": 0.01}
    assert s["goal"]["excluded_elements"] == ["Ag"] and s["goal_text"].startswith("Zr-based; Trg >= 0.6")
    assert (s["generator"], s["forward_model"], s["thread"], s["design_rank"]) == (
        "ours-Zr", "forward-test-version", "lab-thread", 1)
    assert s["created_at"].endswith("+00:00") and s["measurement"] is None

    code, out, _ = run_cli("experiments", "list")
    assert code == 0 and "2 experiment suggestions" in out and "Zr53.3Cu27.1Al10.8Ni8.8" in out


def test_recorded_results_join_the_knowledge_base_and_the_report_compares(logged, run_cli, fresh_home):
    code, out, err = run_cli("experiments", "record", "1", "--tg", "712", "--tx", "790", "--tl", "1300",
                             "--note", "DSC 20 K/min")
    assert code == 0, err
    assert "added to the knowledge base" in out
    code, out, err = run_cli("experiments", "record", "2", "--amorphous", "no", "--note", "crystalline")
    assert code == 0 and "did not form a glass" in out

    from alloygan.tools.knowledge import AlloyQuery, query_alloys

    found = [a for a in query_alloys(AlloyQuery(require=["Ni"], base="Zr")).alloys if a.composition == NOVEL]
    assert len(found) == 1 and (found[0].Tg, found[0].Tx, found[0].Tl) == (712, 790, 1300)
    assert [s.kind for s in found[0].sources] == ["experiment"]
    assert "DSC 20 K/min" in found[0].sources[0].raw_text
    assert _counts(fresh_home)[:2] == (2, 2)

    code, out, _ = run_cli("experiments", "report", "--json")
    data = json.loads(out)
    assert (data["suggestions"], data["measured"], data["glasses"], data["not_glasses"], data["pending"]) == (2, 2, 1, 1, 0)
    assert data["properties"]["Tg"] == {"n": 1, "mean_abs_error": 11.0, "within_2sigma": 1, "within_2sigma_share": 1.0}
    assert data["properties"]["Tl"]["mean_abs_error"] == 150.0 and data["properties"]["Tl"]["within_2sigma"] == 0
    first = data["experiments"][0]
    assert first["properties"]["Tx"] == {"predicted": {"mean": 780.0, "std": 12.0}, "measured": 790.0,
                                         "error": 10.0, "within_2sigma": True}
    assert data["experiments"][1] == {"id": 2, "formula": "Zr51Cu39Al10", "amorphous": False, "properties": {},
                                      "note": "crystalline"}

    code, out, _ = run_cli("experiments", "report")
    assert code == 0 and "2 suggestions: 2 measured (1 glass, 1 not a glass), 0 pending." in out
    assert "11.0 K" in out and "150.0 K" in out and "Zr53.3Cu27.1Al10.8Ni8.8" in out


@pytest.mark.parametrize("args, message", [
    (("show", "99"), "no experiment suggestion 99; ids run from 1 to 2"),
    (("show", "abc"), "Invalid value for 'suggestion_id'"),
    (("record", "0", "--tg", "700", "--tx", "780", "--tl", "1100"), "no experiment suggestion 0"),
    (("record", "1", "--tg", "-5", "--tx", "780", "--tl", "1100"), "Tg = -5 K is outside the plausible range"),
    (("record", "1", "--tg", "800", "--tx", "780", "--tl", "1100"), "Tg (800 K) exceeds Tx (780 K)"),
    (("record", "1", "--tg", "700"), "give --tx, --tl in K"),
    (("record", "1", "--amorphous", "maybe"), "Invalid value for '--amorphous'"),
    (("record", "1", "--amorphous", "no", "--tg", "-5"), "did not form a glass has no Tg, Tx"),
    (("record", "1", "--tg", "700", "--tx", "780", "--tl", "1100", "--bogus"), "No such option: --bogus"),
    (("frobnicate",), "No such command 'frobnicate'"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(logged, run_cli, fresh_home, args, message):
    before = _counts(fresh_home)
    code, out, err = run_cli("experiments", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _counts(fresh_home) == before


def test_a_suggestion_takes_one_result(logged, run_cli, fresh_home):
    assert run_cli("experiments", "record", "1", "--tg", "712", "--tx", "790", "--tl", "1150")[0] == 0
    before = _counts(fresh_home)
    code, _, err = run_cli("experiments", "record", "1", "--tg", "700", "--tx", "780", "--tl", "1100")
    assert code == 2 and "suggestion 1 already has a result" in err
    assert _counts(fresh_home) == before


def test_an_empty_log_says_how_to_fill_it(fresh_home, run_cli):
    code, out, _ = run_cli("experiments", "list")
    assert code == 0 and "The experiment log is empty" in out
    code, _, err = run_cli("experiments", "show", "1")
    assert code == 2 and "the log is empty" in err
    code, out, _ = run_cli("experiments", "report")
    assert code == 0 and "No glass measured yet" in out


@pytest.mark.slow  # trains the forward model on the knowledge base and the recorded result
def test_the_next_training_includes_the_recorded_experiment(logged, run_cli, monkeypatch):
    """The active-learning loop: record a result, `alloygan train`, the forward model has one more alloy."""
    import alloygan.models.model_store as model_store
    from alloygan.models.dataset import load_alloy_table

    before = len(load_alloy_table())
    assert run_cli("experiments", "record", "1", "--tg", "712", "--tx", "790", "--tl", "1150")[0] == 0
    trained_families = []

    def ensure_generator(model, family, table=None, seed=0, on_progress=None, force=False):
        trained_families.append(family)
        return None, model_store.ModelReport(model, family, "reused", "", 0, 0.0, "",
                                             model_store.generator_directory(model, family))

    # the generators are not what this test is about (and take a minute): only note that they are asked for
    monkeypatch.setattr(model_store, "ensure_generator", ensure_generator)
    code, out, err = run_cli("train", "--family", "Zr", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["alloys"] == before + 1 and report["forward_model"]["trained"] is True
    assert report["forward_model"]["n_alloys"] == before + 1 and trained_families == ["Zr"]
    table = load_alloy_table()
    assert any(c.as_dict() == NOVEL for c in table.compositions)



def test_a_family_without_data_is_refused_before_anything_trains(fresh_home, run_cli):
    code, _, err = run_cli("train", "--family", "Xx")
    assert code == 2 and "--family Xx: family 'Xx' has 0 alloys" in err and len(err.strip().splitlines()) == 1
    assert not (fresh_home / "models").exists()  # the forward model was not trained first


LOGGER = """
import json, os, signal, sys
import alloygan.knowledge_base.experiments as experiments
from tests.agent.conftest import synthetic_design
from alloygan.tools.experiments import log_suggestions

BATCH, KILL_AT_ROW = 40, int(sys.argv[1])
calls = 0

def dumps(*args, **kwargs):  # add_suggestions serialises 3 fields per row inside its transaction
    global calls
    calls += 1
    if KILL_AT_ROW and calls == 3 * KILL_AT_ROW:
        os.kill(os.getpid(), signal.SIGKILL)
    return json.dumps(*args, **kwargs)

experiments.json = type("hooked_json", (), {"dumps": staticmethod(dumps), "loads": staticmethod(json.loads)})
design = synthetic_design(BATCH)
for seed in range(10**6):  # a new design each time: the same design logged again adds nothing
    seeded = design.model_copy(update={"goal": design.goal.model_copy(update={"seed": seed})})
    ids = [s.id for s in log_suggestions(seeded, thread="killed").logged]
    print(json.dumps(ids), flush=True)  # only after the transaction has committed
"""


@pytest.mark.parametrize("kill_at_row", [0, 5 * 40 + 21], ids=["killed-from-outside", "killed-inside-a-transaction"])
def test_a_process_killed_while_logging_loses_no_committed_suggestion(fresh_home, kill_at_row):
    """SIGKILL a process that logs batches of 40 suggestions in a loop (from outside, at a random
    moment; or by itself half-way through the inserts of its 6th batch): every batch it reported
    as logged is there in full, no batch is there in part, and the database is intact."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    env = dict(os.environ, ALLOYGAN_HOME=str(fresh_home), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.Popen([sys.executable, "-c", LOGGER, str(kill_at_row)], stdout=subprocess.PIPE, text=True,
                             env=env)
    reported: list[list[int]] = []
    first_at = 0.0
    try:
        while len(reported) < 5 or (not kill_at_row and len(reported) < 8):
            line = child.stdout.readline()
            assert line, f"the logger stopped (exit code {child.poll()})"
            reported.append(json.loads(line))
            first_at = first_at or time.monotonic()
        if not kill_at_row:  # somewhere in the next batch
            time.sleep(random.uniform(0, (time.monotonic() - first_at) / (len(reported) - 1)))
            os.kill(child.pid, signal.SIGKILL)
        rest = child.stdout.read()  # what it printed before it died
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    reported += [json.loads(line) for line in rest.splitlines() if line.strip()]

    with sqlite3.connect(fresh_home / "alloygan.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT id, formula, composition, predicted, goal, thread FROM experiment_suggestions"
                          " ORDER BY id").fetchall()
    stored = {row[0] for row in rows}
    assert {i for batch in reported for i in batch} <= stored  # nothing committed is lost
    assert len(rows) % 40 == 0  # all of a batch or none of it
    if kill_at_row:
        assert len(reported) == 5 and len(rows) == 5 * 40  # the 6th batch died half-way and left nothing
    for _, formula, composition, predicted, goal, thread in rows:
        assert json.loads(predicted)["Tg"]["std"] == 10.0 and json.loads(goal)["base_element"] == "Zr"
        assert json.loads(composition) and formula and thread == "killed"
