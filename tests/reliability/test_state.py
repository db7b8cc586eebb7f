"""Corrupt, hostile and unusual state (issue 13, items 8, 13, 14, 18, 19, 20): model files that would run code
or are damaged, a conversation store that grows without bound, elements without a price, huge or raced
experiment ids, and a store that is corrupt, read-only or on a full disk. Each ends as one `error:` line (exit 2)
or as a retraining that says so; never a traceback, never code from a file."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.reliability.checks import file_hashes, one_error_line

KNOWN_ZR = "Zr55Cu30Al10Ni5"
ZR_GOAL = "Zr-based glass with Trg > 0.55, 3 candidates"






# --- a home with trained models, copied for each test that damages it -------------------------------
class RunsCode:
    """Unpickling this creates `marker`: what a crafted model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch '{self.marker}'",)


def _object_npz(path: Path, marker: Path) -> None:
    """An .npz whose array is a pickled object array: np.load(allow_pickle=True) would run it."""
    with open(path, "wb") as handle:
        np.savez(handle, max_depth=np.array([RunsCode(marker)], dtype=object))


@pytest.fixture
def home(trained_copy):
    return trained_copy


def _forward(home: Path) -> Path:
    return home / "models" / "forward"


def _generator(home: Path) -> Path:
    return home / "models" / "generative" / "ours-Zr"


# --- item 8: pickles are never read -----------------------------------------------------------------
def test_a_crafted_model_joblib_is_ignored_by_predict(home, run_cli, tmp_path):
    marker = tmp_path / "pwned"
    (_forward(home) / "model.joblib").write_bytes(pickle.dumps(RunsCode(marker)))
    code, out, err = run_cli("predict", KNOWN_ZR, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["formula"] == KNOWN_ZR and "training" not in err  # the saved model, as it was
    assert not marker.exists()


@pytest.mark.slow  # retrains the forward model and the quick generator
def test_pickled_object_arrays_in_model_files_run_nothing_and_are_replaced(home, run_cli, tmp_path):
    marker = tmp_path / "pwned"
    _object_npz(_forward(home) / "forest.npz", marker)
    _object_npz(_generator(home) / "generator.npz", marker)
    code, _, err = run_cli("predict", KNOWN_ZR, "--json")
    assert code == 0 and "Traceback" not in err, err
    assert "training the forward model on" in err and "(its file forest.npz was refused)" in err
    code, _, err = run_cli("design", ZR_GOAL, "--json")
    assert code == 0 and "Traceback" not in err, err
    assert "training the ours generator for Zr (its file generator.npz was refused)" in err
    assert not marker.exists()


def test_every_npz_is_read_without_pickle():
    """The one reader of arrays refuses pickled objects (np.load's allow_pickle=False), and nothing else loads."""
    repo = Path(__file__).resolve().parents[2]
    for folder in ("alloygan_models", "knowledge_base", "tools", "agent"):
        for path in (repo / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in ("np.load(", "numpy.load("):
                for part in text.split(call)[1:]:
                    assert "allow_pickle=False" in part.split("\n")[0], f"{path}: {call} without allow_pickle=False"
            assert "joblib.load" not in text and "pickle.load" not in text, path


# --- item 14: damaged model files -------------------------------------------------------------------
def _edit_json(path: Path, change) -> None:
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


def _edit_npz(path: Path, change) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _scale_values(arrays, factor) -> None:
    for name in arrays:
        if name.startswith("values_"):
            arrays[name] = arrays[name] * factor


FORWARD_DAMAGE = {
    "truncated forest": lambda d: (d / "forest.npz").write_bytes((d / "forest.npz").read_bytes()[:5000]),
    "garbled forest": lambda d: (d / "forest.npz").write_bytes(os.urandom(4096)),
    "model.json a list": lambda d: (d / "model.json").write_text("[1, 2]"),
    "NaN tree values": lambda d: _edit_npz(d / "forest.npz", lambda a: _scale_values(a, np.nan)),
    "zero tree values": lambda d: _edit_npz(d / "forest.npz", lambda a: _scale_values(a, 0.0)),
    "NaN target scale": lambda d: _edit_json(d / "model.json", lambda m: m["state"].update(
        target_scale=[float("nan")] * len(m["state"]["target_scale"]))),
    "edited vocabulary": lambda d: _edit_json(d / "model.json", lambda m: m["state"].update(vocabulary=["Zr", "Xx"])),
}


@pytest.mark.parametrize("damage", list(FORWARD_DAMAGE), ids=list(FORWARD_DAMAGE))
def test_a_damaged_forward_model_is_refused_and_nothing_runs_on_it(home, damage):
    """Every kind of damage is found when the model is read (the CLI then retrains it, saying why)."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.model_store import ModelCorrupt, load_forward

    FORWARD_DAMAGE[damage](_forward(home))
    with pytest.raises(ModelCorrupt) as error:
        load_forward(load_alloy_table())
    message = str(error.value)
    assert "was refused" in message and "alloygan train" in message and "\n" not in message


GENERATOR_DAMAGE = {
    "truncated weights": lambda d: (d / "generator.npz").write_bytes((d / "generator.npz").read_bytes()[:300]),
    "NaN weights": lambda d: _edit_npz(d / "generator.npz", lambda a: a.update(
        {k: v * np.nan for k, v in a.items()})),
    "zero weights": lambda d: _edit_npz(d / "generator.npz", lambda a: a.update({k: v * 0 for k, v in a.items()})),
    "model.json a list": lambda d: (d / "model.json").write_text("[]"),
    "edited scaling": lambda d: _edit_json(d / "model.json", lambda m: m["condition_scaling"].update(
        scale=[float("nan")] * len(m["condition_scaling"]["scale"]))),
}


@pytest.mark.parametrize("damage", list(GENERATOR_DAMAGE), ids=list(GENERATOR_DAMAGE))
def test_a_damaged_generator_is_refused(home, damage):
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.model_store import ModelCorrupt, load_generator

    GENERATOR_DAMAGE[damage](_generator(home))
    with pytest.raises(ModelCorrupt) as error:
        load_generator("ours", "Zr", load_alloy_table())
    assert "was refused" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.slow  # retrains the quick generator twice
def test_design_and_train_on_a_damaged_generator_retrain_it_saying_so(home, run_cli):
    GENERATOR_DAMAGE["zero weights"](_generator(home))
    code, out, err = run_cli("design", ZR_GOAL, "--json")
    assert code == 0 and "Traceback" not in err, err
    assert "relax" not in err and "training the ours generator for Zr (its file generator.npz was refused)" in err
    assert json.loads(out)
    GENERATOR_DAMAGE["NaN weights"](_generator(home))
    code, out, err = run_cli("train", "--family", "Zr", "--model", "ours")
    assert code == 0 and "Traceback" not in err, err
    assert "ours generator for Zr: trained" in out and "(its file generator.npz was refused)" in err


@pytest.mark.slow  # trains the forward model and the quick generator again
def test_train_force_rebuilds_what_is_current(home, run_cli):
    before = file_hashes(home)
    code, out, err = run_cli("train", "--family", "Zr", "--model", "ours", "--force")
    assert code == 0, err
    assert "forward model: trained" in out and "ours generator for Zr: trained" in out
    assert before["models/forward/model.json"] != file_hashes(home)["models/forward/model.json"]


# --- item 18: elements without a price --------------------------------------------------------------
@pytest.mark.parametrize("formula", ["Zr50At50", "Zr50Ra50", "Zr90Pa10", "Cu50Fr50", "Zr50Rn50", "Zr50Og50"])
def test_an_element_without_a_price_costs_unknown_with_a_note(fresh_home, run_cli, formula):
    code, out, err = run_cli("describe", formula, "--json")
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)[0]["cost_usd_per_kg"] is None
    code, out, err = run_cli("describe", formula)
    assert code == 0, err
    line = next(line for line in out.splitlines() if "cost" in line.lower())
    assert "–" in line and "no price for" in line, out


def test_an_unknown_cost_ranks_as_dearest_not_free():
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.prices import alloy_cost_or_none, cost_usd_per_kg
    from alloygan.models.design.ranking import rank

    cost = cost_usd_per_kg(["Zr", "At"], np.array([[1.0, 0.0], [0.5, 0.5]]))
    assert np.isfinite(cost[0]) and np.isnan(cost[1])
    score = rank(np.array([0.9, 0.9]), cost, np.zeros(2), np.ones(2, dtype=bool), prefer_low_cost=True)
    assert score[0] > score[1]
    assert alloy_cost_or_none(Composition.parse("Zr50At50")) == (None, "no price for At")
    value, note = alloy_cost_or_none(Composition.parse("Zr50Cu50"))
    assert value > 0 and note == ""


# --- item 19: experiment ids ------------------------------------------------------------------------
@pytest.fixture
def logged(fresh_home):
    from alloygan.tools.experiments import log_suggestions
    from tests.agent.test_experiments import _novel_design

    return log_suggestions(_novel_design(), thread="lab")


@pytest.mark.parametrize("command", [("experiments", "show"), ("experiments", "record")])
@pytest.mark.parametrize("number", ["99999999999999999999999", "-99999999999999999999999", "9223372036854775808"])
def test_an_id_beyond_any_row_is_one_line(logged, run_cli, fresh_home, command, number):
    before = file_hashes(fresh_home)
    extra = ("--tg", "700", "--tx", "780", "--tl", "1150") if command[1] == "record" else ()
    code, _, err = run_cli(*command, *extra, "--", number)
    one_error_line(code, err, "no experiment suggestion", "alloygan experiments list")
    assert file_hashes(fresh_home) == before


def test_a_result_recorded_meanwhile_by_another_process_is_already_recorded(logged, run_cli, fresh_home,
                                                                            monkeypatch):
    """Two `record` at once: both read "no result yet", one inserts first; the other says so, one line."""
    from alloygan.knowledge_base.experiments import ExperimentLog
    from alloygan.knowledge_base.store import AlloyStore

    original = ExperimentLog.get
    raced = []

    def get_then_lose_the_race(self, suggestion_id):
        found = original(self, suggestion_id)
        if not raced:
            raced.append(True)
            with AlloyStore(fresh_home / "alloygan.sqlite") as other:
                original_record(ExperimentLog(other), suggestion_id, True, 701.0, 781.0, 1151.0)
        return found

    original_record = ExperimentLog.record
    monkeypatch.setattr(ExperimentLog, "get", get_then_lose_the_race)
    code, _, err = run_cli("experiments", "record", "1", "--tg", "700", "--tx", "780", "--tl", "1150")
    one_error_line(code, err, "suggestion 1", "already")
    with sqlite3.connect(fresh_home / "alloygan.sqlite") as db:
        assert db.execute("SELECT Tg FROM experiment_results").fetchall() == [(701.0,)]


@pytest.mark.slow  # ten interpreters at once
def test_ten_parallel_records_of_one_id_store_one_and_say_already_recorded(logged, fresh_home):
    command = [sys.executable, "-m", "alloygan.agent.cli", "experiments", "record", "1",
               "--tg", "700", "--tx", "780", "--tl", "1150"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "ALLOYGAN_HOME": str(fresh_home)}) for _ in range(10)]
    results = [(run.wait(120), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in results) == [0] + [2] * 9, results
    for code, err in results:
        assert "Traceback" not in err
        if code:
            assert "already" in err and len(err.strip().splitlines()) == 1, err
    with sqlite3.connect(fresh_home / "alloygan.sqlite") as db:
        assert db.execute("SELECT count(*) FROM experiment_results").fetchone() == (1,)


# --- item 13: the conversation store stays bounded ---------------------------------------------------
@pytest.fixture
def no_llm(monkeypatch):
    for name in ("ALLOYGAN_LLM_BASE_URL", "ALLOYGAN_LLM_MODEL", "ALLOYGAN_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_llm")
def test_a_long_conversation_keeps_a_bounded_number_of_checkpoints(fresh_home):
    from alloygan.agent.assistant import Assistant
    from alloygan.agent.threads import CHECKPOINTS_KEPT

    path = fresh_home / "conversations.sqlite"
    fresh_home.mkdir(parents=True, exist_ok=True)
    with Assistant(planner="offline", checkpoint_path=path) as assistant:
        for i in range(5):
            assistant.turn(f"describe Zr5{i}Cu{50 - i}", "long")
            assistant.turn("hello", "other")
        answer = assistant.turn("what did I ask first?", "long")
        assert answer.answer  # the thread still works
        values = assistant.values("long")
    assert sum(1 for m in values["messages"] if m.type == "human") == 6  # the whole conversation is kept
    with sqlite3.connect(path) as db:
        counts = dict(db.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id").fetchall())
        orphans = db.execute("SELECT count(*) FROM writes w WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE "
                             "c.thread_id = w.thread_id AND c.checkpoint_id = w.checkpoint_id)").fetchone()[0]
    assert counts == {"long": CHECKPOINTS_KEPT, "other": CHECKPOINTS_KEPT} and orphans == 0


@pytest.mark.usefixtures("no_llm")
def test_threads_delete_removes_one_conversation(fresh_home, run_cli):
    for thread in ("keep-me", "drop-me"):
        code, _, err = run_cli("ask", "--offline", "--thread", thread, "hello")
        assert code == 0, err
    code, out, err = run_cli("threads", "delete", "drop-me")
    one_error_line(code, err, "--yes")
    code, out, err = run_cli("threads", "delete", "drop-me", "--yes")
    assert code == 0 and "drop-me" in out, err
    code, out, _ = run_cli("threads", "list", "--json")
    assert [row["thread"] for row in json.loads(out)] == ["keep-me"]
    code, out, err = run_cli("threads", "delete", "drop-me", "--yes")
    one_error_line(code, err, "drop-me", "alloygan threads list")


# --- item 20: a corrupt, read-only or full store ----------------------------------------------------
@pytest.fixture
def built(fresh_home, run_cli):
    code, _, err = run_cli("kb", "stats", "--json")
    assert code == 0, err
    return fresh_home


@pytest.mark.parametrize("where", ["first page", "middle"])
def test_a_garbled_store_is_called_corrupt_and_moved_aside_not_deleted(built, run_cli, where):
    path = built / "alloygan.sqlite"
    data = bytearray(path.read_bytes())
    start = 100 if where == "first page" else len(data) // 2
    data[start:start + 40000] = os.urandom(40000)
    path.write_bytes(bytes(data))
    before = file_hashes(built)
    code, _, err = run_cli("kb", "stats")
    one_error_line(code, err, "corrupt", str(path))
    assert "delete" not in err.lower() and "move it aside" in err
    assert file_hashes(built) == before


def test_a_store_with_a_dropped_table_is_called_corrupt(built, run_cli):
    with sqlite3.connect(built / "alloygan.sqlite") as db:
        db.execute("DROP TABLE alloys")
    for command in (("kb", "stats"), ("describe", KNOWN_ZR), ("experiments", "list")):
        code, _, err = run_cli(*command)
        one_error_line(code, err, "corrupt", "alloys")


def test_a_garbled_literature_index_is_one_line(built, run_cli):
    chroma = built / "literature" / "chroma"
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(os.urandom(8192))
    code, _, err = run_cli("lit", "search", "zirconium glass")
    one_error_line(code, err, "literature index", "corrupt")
    assert "delete" not in err.lower()


@contextmanager
def _read_only(directory: Path):
    """`directory` made read-only: a read-only bind mount as root (permissions do not stop root), else chmod."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [directory, *directory.rglob("*")]}
        for p, mode in modes.items():
            p.chmod(mode & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(directory), str(directory)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only directory here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=True)


def test_read_only_commands_work_on_a_read_only_home(home, run_cli):
    code, expected, err = run_cli("predict", KNOWN_ZR, "--json")
    assert code == 0, err
    before = file_hashes(home)
    with _read_only(home):
        code, out, err = run_cli("kb", "stats", "--json")
        assert code == 0 and json.loads(out)["accepted"] > 900, err
        code, out, err = run_cli("predict", KNOWN_ZR, "--json")
        assert code == 0 and out == expected, err
        code, out, err = run_cli("design", ZR_GOAL, "--json")
        assert code == 0 and len(json.loads(out)) == 3, err
        # a write that needs no earlier suggestion: a user's own alloy
        code, out, err = run_cli("experiments", "record", "--composition", "Zr53.3Cu27.1Al10.8Ni8.8", "--tg", "700",
                                 "--tx", "780", "--tl", "1150")
        one_error_line(code, err, "read-only")
        assert "delete" not in err.lower() and "corrupt" not in err
    assert file_hashes(home) == before


def test_a_full_disk_is_called_full(built, run_cli):
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root")
    small = built.parent / "small"
    small.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        os.environ["ALLOYGAN_HOME"] = str(small / "home")
        code, _, err = run_cli("kb", "stats")
        one_error_line(code, err, "the disk is full", "free some space")
        assert "corrupt" not in err and "delete" not in err.lower() and "not a usable" not in err
    finally:
        os.environ["ALLOYGAN_HOME"] = str(built)
        subprocess.run(["umount", "-l", str(small)], check=True)
