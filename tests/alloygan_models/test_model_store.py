"""The model store: `load` never trains, `ensure` trains and says so, no file can run code when read."""
from __future__ import annotations

import json
import os
import pickle
import shutil

import numpy as np
import pytest

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.progress import Progress
from alloygan.models.dataset import load_alloy_table
from alloygan.models.forward import train_forward_model
from alloygan.models.generative import config as config_module
from alloygan.models.generative.registry import family_table
from alloygan.models.model_store import (
    ModelCorrupt,
    ModelMissing,
    ModelStale,
    ensure_forward,
    ensure_generator,
    forward_directory,
    generator_directory,
    load_forward,
    load_generator,
    load_network,
)
from tests.alloygan_models.test_generative import FAMILY, tiny

PROPERTIES = ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx")


class RunsCode:
    """Unpickling this runs a shell command that creates `marker`: what a crafted model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch '{self.marker}'",)


def crafted_pickle(marker) -> bytes:
    return pickle.dumps(RunsCode(marker))


@pytest.fixture(scope="module")
def cu_table():
    return load_alloy_table().select(base="Cu")  # 129 alloys: trains in well under a second


@pytest.fixture(scope="module")
def trained_forward_files(tmp_path_factory, cu_table):
    """The files of a forward model trained once for this module (tests then damage their own copy)."""
    home = tmp_path_factory.mktemp("forward-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALLOYGAN_HOME", str(home))
        _, report = ensure_forward(cu_table)
        assert report.trained
        return forward_directory()


@pytest.fixture
def saved_forward(fresh_home, trained_forward_files):
    shutil.copytree(trained_forward_files, forward_directory())


def test_the_crafted_pickle_really_runs_code(tmp_path):
    """The payload the refusal tests plant is live: unpickled, it creates its marker."""
    marker = tmp_path / "ran"
    pickle.loads(crafted_pickle(marker))
    assert marker.exists()


# --- the forward model -------------------------------------------------------------------
def test_load_on_a_fresh_home_raises_and_trains_nothing(fresh_home, cu_table):
    with pytest.raises(ModelMissing) as error:
        load_forward(cu_table)
    assert "no saved forward model" in str(error.value) and "alloygan train" in str(error.value)
    assert not forward_directory().exists() or not any(forward_directory().iterdir())


def test_ensure_trains_says_so_then_reuses(fresh_home, cu_table):
    events: list[Progress] = []
    model, report = ensure_forward(cu_table, events.append)
    assert report.action == "trained" and report.trained and report.reason == "no saved model"
    assert report.n_alloys == len(cu_table) and report.training_seconds > 0 and report.model == "forward"
    assert [str(e) for e in events] == [f"training the forward model on {len(cu_table)} alloys (no saved model)"]
    assert report.describe().startswith(f"forward model: trained on {len(cu_table)} alloys in ")
    files = sorted(p.name for p in forward_directory().iterdir())
    assert files == ["forest.npz", "model.json"]  # no pickle

    events.clear()
    again, second = ensure_forward(cu_table, events.append)
    assert second.action == "reused" and not second.trained and second.reason == "" and events == []
    assert second.trained_at == report.trained_at and again.n_train_ == model.n_train_
    assert second.describe() == f"forward model: up to date ({len(cu_table)} alloys)"


def test_two_ensures_at_once_train_once(fresh_home, cu_table):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        reports = [future.result()[1] for future in [pool.submit(ensure_forward, cu_table) for _ in range(2)]]
    assert sorted(r.action for r in reports) == ["reused", "trained"]


def test_predictions_are_identical_after_a_round_trip(saved_forward, cu_table):
    fresh = train_forward_model(cu_table)
    loaded = load_forward(cu_table)
    fractions = fresh.encode(cu_table.compositions + [Composition.parse("Cu50Zr40Al10")])
    expected, got = fresh.predict(fractions, PROPERTIES), loaded.predict(fractions, PROPERTIES)
    for name in PROPERTIES:
        np.testing.assert_array_equal(got.mean[name], expected.mean[name])
        np.testing.assert_array_equal(got.std[name], expected.std[name])
    assert loaded.vocabulary_.elements == fresh.vocabulary_.elements and loaded.n_train_ == fresh.n_train_
    np.testing.assert_array_equal(loaded.p_good_gfa(got), fresh.p_good_gfa(expected))


@pytest.mark.slow  # a fresh interpreter importing the science stack
def test_loading_imports_neither_torch_nor_skops(saved_forward, fresh_home):
    """The forward model is loaded by every `design` and `predict`: it must start fast."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from alloygan.models.dataset import load_alloy_table\n"
            "from alloygan.models.model_store import load_forward\n"
            "from alloygan.knowledge_base.composition import Composition\n"
            "model = load_forward(load_alloy_table().select(base='Cu'))\n"
            "assert model.predict_compositions([Composition.parse('Cu50Zr45Al5')], ['Tg']).mean['Tg'][0] > 0\n"
            "assert 'torch' not in sys.modules and 'skops' not in sys.modules, sorted(sys.modules)\n")
    completed = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ALLOYGAN_HOME": str(fresh_home)},
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_changed_data_is_stale_and_ensure_retrains_saying_why(saved_forward, cu_table):
    smaller = cu_table.subset(np.arange(len(cu_table) - 1))
    with pytest.raises(ModelStale, match=r"out of date \(the training data changed\); run `alloygan train`"):
        load_forward(smaller)
    _, report = ensure_forward(smaller)
    assert report.trained and report.reason == "the training data changed" and report.n_alloys == len(cu_table) - 1
    assert load_forward(smaller).n_train_ == len(cu_table) - 1


def test_another_scikit_learn_is_stale(saved_forward, cu_table):
    path = forward_directory() / "model.json"
    metadata = json.loads(path.read_text())
    metadata["fingerprint"]["scikit-learn"] = "0.1"
    path.write_text(json.dumps(metadata))
    with pytest.raises(ModelStale, match="saved with scikit-learn 0.1, running "):
        load_forward(cu_table)


def test_a_crafted_forest_file_is_refused_and_nothing_runs(saved_forward, cu_table, tmp_path):
    marker = tmp_path / "pwned"
    (forward_directory() / "forest.npz").write_bytes(crafted_pickle(marker))  # beside a valid model.json
    with pytest.raises(ModelCorrupt) as error:
        load_forward(cu_table)
    message = str(error.value)
    assert "forest.npz was refused (not a NumPy archive of plain arrays" in message and "nothing in it was run" in message
    assert "alloygan train" in message and "\n" not in message
    assert not marker.exists()
    _, report = ensure_forward(cu_table)  # ensure replaces it
    assert report.trained and report.reason == "its file forest.npz was refused"
    assert not marker.exists() and load_forward(cu_table).n_train_ == len(cu_table)


def _restamp(path) -> None:
    """Record `path`'s new SHA-256 in its model.json, as a crafted model would."""
    import hashlib

    meta = path.parent / "model.json"
    metadata = json.loads(meta.read_text())
    metadata["files"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    meta.write_text(json.dumps(metadata))


def test_trees_that_would_walk_out_of_their_table_are_refused(saved_forward, cu_table):
    """The node table is plain numbers, but scikit-learn's `Tree` trusts it: a child index pointing
    outside the table would make prediction read outside it. Such a file is refused before any tree is built."""
    path = forward_directory() / "forest.npz"
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    nodes = arrays["nodes_3"].copy()
    nodes["left_child"][0] = 10**9
    with open(path, "wb") as handle:
        np.savez(handle, **{**arrays, "nodes_3": nodes})
    _restamp(path)  # a crafted file with a matching digest: the tree checks still refuse it
    with pytest.raises(ModelCorrupt, match=r"forest.npz was refused \(not the trees of this model: tree 3: node 0's "
                                           r"left child 1000000000 is not a later node"):
        load_forward(cu_table)
    nodes = arrays["nodes_0"].copy()
    nodes["left_child"][0] = 0  # a loop: a walk would never end
    with open(path, "wb") as handle:
        np.savez(handle, **{**arrays, "nodes_0": nodes})
    _restamp(path)
    with pytest.raises(ModelCorrupt, match="tree 0: node 0's left child 0 is not a later node"):
        load_forward(cu_table)


def test_a_truncated_or_garbled_file_is_refused_and_rebuilt(saved_forward, cu_table):
    path = forward_directory() / "forest.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelCorrupt, match="forest.npz was refused"):
        load_forward(cu_table)
    _, report = ensure_forward(cu_table)
    assert report.trained and load_forward(cu_table).n_train_ == len(cu_table)

    (forward_directory() / "model.json").write_text("{not json")
    with pytest.raises(ModelCorrupt, match=r"model.json was refused \(not readable JSON"):
        load_forward(cu_table)
    _, report = ensure_forward(cu_table)
    assert report.trained and report.reason == "its file model.json was refused"


def test_an_old_pickled_model_is_never_read_and_is_replaced(fresh_home, cu_table, tmp_path):
    marker = tmp_path / "pwned"
    directory = forward_directory()
    directory.mkdir(parents=True)
    (directory / "model.joblib").write_bytes(crafted_pickle(marker))  # what format v4 saved
    (directory / "model.json").write_text(json.dumps({"format_version": 4, "data_hash": cu_table.data_hash()}))
    with pytest.raises(ModelStale, match="saved in an older format"):
        load_forward(cu_table)
    _, report = ensure_forward(cu_table)
    assert report.trained and report.reason == "saved in an older format"
    assert not marker.exists() and not (directory / "model.joblib").exists()


# --- generators --------------------------------------------------------------------------
@pytest.fixture
def tiny_presets(monkeypatch):
    monkeypatch.setitem(config_module.PRESETS, "cgan", tiny("cgan"))


@pytest.fixture
def pd_table():
    return load_alloy_table()


def test_generator_training_reports_epochs_done_of_total(fresh_home, tiny_presets, pd_table):
    events: list[Progress] = []
    with pytest.raises(ModelMissing):
        load_generator("cgan", FAMILY, table=pd_table)
    _, report = ensure_generator("cgan", FAMILY, pd_table, on_progress=events.append)
    stage = f"training the cgan generator for {FAMILY} (no saved model)"
    assert events == [Progress(stage, epoch, 2, "epoch") for epoch in (1, 2)]
    assert str(events[-1]) == f"{stage}: epoch 2/2"
    n_alloys = len(family_table(FAMILY, pd_table))
    assert report.trained and report.describe().startswith(f"cgan generator for {FAMILY}: trained on {n_alloys} alloys")
    events.clear()
    _, report = ensure_generator("cgan", FAMILY, pd_table, on_progress=events.append)
    assert report.action == "reused" and events == []


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's note on reading the crafted file
def test_crafted_generator_files_are_refused_and_nothing_runs(fresh_home, tiny_presets, pd_table, tmp_path):
    ensure_generator("cgan", FAMILY, pd_table)
    directory = generator_directory("cgan", FAMILY)
    marker = tmp_path / "pwned"
    (directory / "generator.npz").write_bytes(crafted_pickle(marker))
    with pytest.raises(ModelCorrupt, match="generator.npz was refused \\(not a NumPy archive of plain arrays"):
        load_generator("cgan", FAMILY, table=pd_table)
    (directory / "generator.pt").write_bytes(crafted_pickle(marker))
    with pytest.raises(ModelCorrupt, match="generator.pt was refused \\(not a plain torch state_dict"):
        load_network("cgan", FAMILY)
    assert not marker.exists()
    generator, report = ensure_generator("cgan", FAMILY, pd_table)
    assert report.trained and report.reason == "its file generator.npz was refused"
    assert generator.sample([600.0], [650.0], [1000.0]).shape == (1, len(generator.vocabulary))
    load_network("cgan", FAMILY)  # the state_dict was rewritten too


def test_a_truncated_generator_is_refused_and_rebuilt(fresh_home, tiny_presets, pd_table):
    ensure_generator("cgan", FAMILY, pd_table)
    path = generator_directory("cgan", FAMILY) / "generator.npz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelCorrupt, match="generator.npz was refused"):
        load_generator("cgan", FAMILY, table=pd_table)
    _, report = ensure_generator("cgan", FAMILY, pd_table)
    assert report.trained and load_generator("cgan", FAMILY, table=pd_table).family == FAMILY


# --- through the CLI ---------------------------------------------------------------------
@pytest.mark.slow  # trains the forward model on the whole knowledge base
def test_predict_on_a_fresh_home_trains_visibly_and_train_reports_what_it_did(fresh_home, tiny_presets, run_cli):
    code, out, err = run_cli("predict", "Cu46Zr46Al8", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["formula"] == "Cu46Zr46Al8"
    assert "training the forward model on" in err and "(no saved model)" in err

    code, out, err = run_cli("train", "--family", FAMILY, "--model", "cgan", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["forward_model"]["trained"] is False  # predict saved it
    assert [(g["family"], g["trained"]) for g in first["generators"]] == [(FAMILY, True)]
    assert err.count(f"training the cgan generator for {FAMILY} (no saved model)") == 1  # one line per stage
    code, out, _ = run_cli("train", "--family", FAMILY, "--model", "cgan")
    assert code == 0 and f"cgan generator for {FAMILY}: up to date" in out and "forward model: up to date" in out


def test_a_refused_file_is_one_line_in_the_cli(fresh_home, cu_table):
    from alloygan.tools.errors import user_errors

    directory = forward_directory()
    directory.mkdir(parents=True)
    (directory / "model.json").write_text("[]")
    with pytest.raises(user_errors()) as error:  # what the CLI prints as one line, exit 2
        load_forward(cu_table)
    assert "model.json was refused (not a JSON object)" in str(error.value)
