"""Nothing lost through outputs and temporary files (issue 13, items 1, 2, 3, 15, 21).

`--out` / `--export` never write into ALLOYGAN_HOME, onto an input, or over an existing file without `--force`;
a target that cannot be used fails before any work; a device is written in place, never renamed over;
temporary names are unique, removed when a write fails, and what killed runs left is removed on the next run.
Where a command would do long work, the work is replaced by a sentinel: a refusal must come before it.
"""
from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.reliability.checks import file_hashes, one_error_line

PREDICT_HEADER = "input,formula,Tg_mean"


class WorkStarted(AssertionError):
    """Raised by the stand-in of a command's work: the output was not checked before it."""






def _listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def _no_work(monkeypatch) -> None:
    """Every long piece of work a writing command does raises WorkStarted."""
    import alloygan.agent.batch
    import alloygan.models.figures_forward
    import alloygan.tools.design
    import alloygan.tools.prediction

    def started(*_args, **_kwargs):
        raise WorkStarted("the command started its work before checking where it writes")

    monkeypatch.setattr(alloygan.tools.prediction, "predict_properties", started)
    monkeypatch.setattr(alloygan.tools.design, "design_alloys", started)
    monkeypatch.setattr(alloygan.models.figures_forward, "write_forward_figures", started)
    monkeypatch.setattr(alloygan.agent.batch, "run_goal", started)


@pytest.fixture
def home(run_cli, fresh_home) -> Path:
    """A home with its store and a model directory, as after a first run."""
    assert run_cli("kb", "stats")[0] == 0
    forward = fresh_home / "models" / "forward"
    forward.mkdir(parents=True)
    (forward / "model.json").write_text("{}", encoding="utf-8")
    (fresh_home / "llm.env").write_text("ALLOYGAN_LLM_MODEL=x\n", encoding="utf-8")
    return fresh_home


@pytest.fixture
def goals(tmp_path) -> Path:
    path = tmp_path / "goals.yaml"
    path.write_text("- Zr-based glass\n", encoding="utf-8")
    return path


# --- item 1: ALLOYGAN_HOME's own files, inputs, existing files -----------------------------------------------
@pytest.mark.parametrize("args", [
    ("predict", "Zr50Cu50", "--out", "{home}/alloygan.sqlite"),
    ("predict", "Zr50Cu50", "--out", "{home}/alloygan.sqlite", "--force"),
    ("predict", "Zr50Cu50", "--out", "{home}/llm.env"),
    ("design", "Zr glass", "--out", "{home}/models/forward/model.json"),
    ("kb", "build", "--export", "{home}/alloygan.sqlite"),
    ("kb", "export", "{home}/models/alloys.csv"),
    ("report", "--out", "{home}/models"),
    ("batch", "{goals}", "--out", "{home}"),
], ids=["predict-store", "predict-store-force", "predict-llm-env", "design-model", "kb-build-store",
        "kb-export-models", "report-models", "batch-home"])
def test_an_output_inside_alloygan_home_is_refused_and_the_home_is_unchanged(run_cli, home, goals, monkeypatch,
                                                                              args):
    _no_work(monkeypatch)
    before = file_hashes(home)
    code, _, err = run_cli(*(a.format(home=home, goals=goals) for a in args))
    one_error_line(code, err, "inside ALLOYGAN_HOME", "write elsewhere")
    assert file_hashes(home) == before


def test_an_output_that_is_an_input_is_refused(run_cli, fresh_home, tmp_path, monkeypatch):
    _no_work(monkeypatch)
    mine = tmp_path / "mine.csv"
    mine.write_text("composition,my notes\nZr50Cu50,sample 7\n", encoding="utf-8")
    for out in (mine, tmp_path / "sub" / ".." / "mine.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, _, err = run_cli("predict", "--file", str(mine), "--out", str(out), "--force")
        one_error_line(code, err, "is also the input --file", "write to another file")
    assert mine.read_text(encoding="utf-8") == "composition,my notes\nZr50Cu50,sample 7\n"


@pytest.mark.parametrize("args", [
    ("predict", "Zr50Cu50", "--out", "{target}"),
    ("design", "Zr glass", "--out", "{target}"),
    ("kb", "build", "--export", "{target}"),
    ("kb", "export", "{target}"),
], ids=["predict", "design", "kb-build", "kb-export"])
def test_an_existing_file_is_replaced_only_with_force(run_cli, fresh_home, tmp_path, monkeypatch, args):
    _no_work(monkeypatch)
    target = tmp_path / "mine.csv"
    target.write_text("my own results\n", encoding="utf-8")
    code, _, err = run_cli(*(a.format(target=target) for a in args))
    one_error_line(code, err, "exists; add --force to replace it")
    assert target.read_text(encoding="utf-8") == "my own results\n"


def test_with_force_the_file_is_replaced(run_cli, fresh_home, tmp_path, monkeypatch):
    import alloygan.tools.prediction

    monkeypatch.setattr(alloygan.tools.prediction, "predict_properties", lambda inputs, on_progress=None: [])
    target = tmp_path / "mine.csv"
    target.write_text("my own results\n", encoding="utf-8")
    target.chmod(0o640)
    assert run_cli("predict", "Zr50Cu50", "--out", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8").startswith(PREDICT_HEADER)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640, "a replaced file keeps its permissions"
    assert run_cli("kb", "build", "--export", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8").startswith("source_sha256,location,page")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "mine.csv"]


def test_a_report_into_a_directory_holding_files_needs_force(run_cli, fresh_home, tmp_path, monkeypatch):
    _no_work(monkeypatch)
    out = tmp_path / "figures"
    out.mkdir()
    (out / "report.md").write_text("my notes", encoding="utf-8")
    code, _, err = run_cli("report", "--out", str(out), "--families", "Zr", "--models", "cgan")
    one_error_line(code, err, "already holds files; add --force")
    assert (out / "report.md").read_text(encoding="utf-8") == "my notes"
    with pytest.raises(WorkStarted):  # with --force the work starts
        run_cli("report", "--out", str(out), "--families", "Zr", "--models", "cgan", "--force")


# --- item 15: a target that cannot be used fails before the work -------------------------------------------
@pytest.fixture
def unwritable_dir(tmp_path) -> Path:
    """A directory nobody can create files in: read-only by its mode, or (as root, who ignores modes) /sys."""
    if os.geteuid() != 0:
        directory = tmp_path / "read-only"
        directory.mkdir()
        directory.chmod(0o555)
        yield directory
        directory.chmod(0o755)
        return
    probe = Path("/sys/alloygan-probe")
    try:
        probe.touch()
    except OSError:
        yield Path("/sys")
        return
    probe.unlink()
    pytest.skip("no unwritable directory here")


@pytest.mark.parametrize("args", [
    ("predict", "Zr50Cu50", "--out", "{ro}/predictions.csv"),
    ("design", "Zr glass", "--out", "{ro}/candidates.csv"),
    ("kb", "build", "--export", "{ro}/table.csv"),
    ("report", "--out", "{ro}/report", "--families", "Zr", "--models", "cgan"),
    ("batch", "{goals}", "--out", "{ro}/batch"),
    ("predict", "Zr50Cu50", "--out", "{dir}"),
    ("design", "Zr glass", "--out", "{dir}"),
    ("kb", "build", "--export", "{dir}"),
], ids=["predict-ro", "design-ro", "kb-build-ro", "report-ro", "batch-ro", "predict-dir", "design-dir",
        "kb-build-dir"])
def test_an_unusable_target_fails_at_once_in_one_line(run_cli, fresh_home, tmp_path, goals, unwritable_dir,
                                                     monkeypatch, args):
    _no_work(monkeypatch)
    existing = tmp_path / "existing-dir"
    existing.mkdir()
    fresh_home.mkdir()
    before = _listing(tmp_path)
    code, _, err = run_cli(*(a.format(ro=unwritable_dir, dir=existing, goals=goals) for a in args))
    one_error_line(code, err)
    assert "cannot write in" in err or "is a directory" in err, err
    assert _listing(tmp_path) == before, "nothing written, no temporary file left"


# --- item 2: a device is written in place ------------------------------------------------------------------
def test_dev_null_stays_a_device(run_cli, fresh_home):
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    code, _, err = run_cli("kb", "build", "--export", "/dev/null")
    assert code == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null was replaced by a regular file"


def test_a_character_device_is_written_in_place(run_cli, fresh_home, tmp_path):
    """A copy of /dev/null made in tmp_path (as root), so that a failure cannot break the machine's own."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    device = tmp_path / "null.csv"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.stat("/dev/null").st_rdev)
    for args in (("kb", "export", str(device)), ("kb", "build", "--export", str(device))):
        code, _, err = run_cli(*args)
        assert code == 0, err
        assert stat.S_ISCHR(os.lstat(device).st_mode), f"{' '.join(args)} replaced the device by a regular file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "null.csv"]


def test_a_fifo_is_written_in_place(run_cli, fresh_home, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received = bytearray()
    reader_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open first, so the writer's open does not block

    def read() -> None:
        writer_seen = False
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                chunk = os.read(reader_fd, 65536)
            except BlockingIOError:
                writer_seen = True
                time.sleep(0.01)
                continue
            if chunk:
                writer_seen = True
                received.extend(chunk)
            elif writer_seen or received:
                return
            else:
                time.sleep(0.01)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code, _, err = run_cli("kb", "export", str(fifo))
    finally:
        reader.join(25)
        os.close(reader_fd)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert bytes(received).startswith(b"composition,Tg (K)")


# --- item 3: unique temporary names -------------------------------------------------------------------------
def test_two_writers_of_one_model_do_not_share_temporary_files(tmp_path):
    """The race of parallel training, made deterministic: a second save of the same model runs while the first
    is writing its file. With one fixed temporary name the first rename failed ("No such file")."""
    import numpy as np

    from alloygan.models.model_store.files import read_metadata, save_arrays, write_model

    directory = tmp_path / "models" / "forward"

    def first(path: Path) -> None:
        save_arrays(path, {"w": np.zeros(3)})
        write_model(directory, {"forest.npz": lambda p: save_arrays(p, {"w": np.ones(3)})}, {"writer": 2})

    write_model(directory, {"forest.npz": first}, {"writer": 1})
    assert read_metadata(directory, "model")["writer"] == 1
    assert sorted(p.name for p in directory.iterdir()) == ["forest.npz", "model.json"]


@pytest.mark.slow  # trains the forward model twice, five processes at once
def test_parallel_predicts_on_a_stale_model_all_succeed(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "ALLOYGAN_HOME": str(home), "COLUMNS": "200"}
    alloygan = [sys.executable, "-m", "alloygan.agent.cli"]
    run = subprocess.run([*alloygan, "predict", "Zr50Cu50", "--json"], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    table = tmp_path / "new.csv"
    table.write_text("composition,Tg,Tx,Tl\nZr52Cu38Al10,700,760,1150\n", encoding="utf-8")
    run = subprocess.run([*alloygan, "kb", "import", str(table)], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    runs = [subprocess.Popen([*alloygan, "predict", "Zr50Cu50", "--json"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(5)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in runs]
    assert [code for code, _, _ in results] == [0] * 5, [err for _, _, err in results]
    trainings = sum("training the forward model" in err for _, _, err in results)
    assert trainings == 1, "the model is trained once; the others wait for it and reuse it"
    leftovers = [str(p) for p in home.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp-")]
    assert leftovers == []


# --- item 21: failed writes and killed runs leave nothing behind -------------------------------------------
def _disk_full_after(nbytes: int):
    """A writer that writes `nbytes` and then fails as a full disk does."""
    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(b"x" * nbytes)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_a_full_disk_while_saving_a_model_leaves_no_temporary_file(tmp_path):
    from alloygan.models.model_store import ModelStoreError
    from alloygan.models.model_store.files import write_model

    directory = tmp_path / "models" / "forward"
    with pytest.raises(ModelStoreError) as raised:
        write_model(directory, {"forest.npz": _disk_full_after(1 << 20)}, {"n_alloys": 1})
    assert "No space left on device" in str(raised.value) and "alloygan train" in str(raised.value)
    assert list(directory.iterdir()) == []


def test_a_full_disk_while_writing_an_output_leaves_nothing_and_says_so(run_cli, fresh_home, tmp_path, monkeypatch):
    import alloygan.tools.prediction
    import alloygan.tools.tables

    class FullDisk:
        def __init__(self, handle, fieldnames):
            self.handle = handle

        def writeheader(self):
            self.handle.write("x" * 100_000)

        def writerows(self, rows):
            self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(alloygan.tools.prediction, "predict_properties", lambda inputs, on_progress=None: [])
    monkeypatch.setattr(alloygan.tools.tables.csv, "DictWriter", FullDisk)
    code, _, err = run_cli("predict", "Zr50Cu50", "--out", str(tmp_path / "predictions.csv"))
    one_error_line(code, err, "No space left on device", "nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_temporary_files_of_killed_training_are_removed_on_the_next_run(tmp_path, monkeypatch):
    from alloygan.models.model_store.files import model_lock

    directory = tmp_path / "models" / "forward"
    directory.mkdir(parents=True)
    dead = directory / f".forest.npz.{_dead_pid()}.k2j4h6g8.tmp"  # ours, its process gone: at once
    alive = directory / f".forest.npz.{os.getpid()}.a1b2c3d4.tmp"  # a writer still running: kept
    legacy_old = directory / "model.joblib.tmp"  # an earlier version's fixed name, two hours old
    legacy_new = directory / ".tmp-forest.npz"  # an earlier version's fixed name, just written: kept for now
    for path in (dead, alive, legacy_old, legacy_new):
        path.write_bytes(b"x" * 1000)
    _age(legacy_old, 2)
    with model_lock(directory):
        pass
    assert sorted(p.name for p in directory.iterdir()) == sorted([alive.name, legacy_new.name])


def test_a_killed_writer_leaves_a_temporary_file_that_the_next_run_removes(run_cli, fresh_home, tmp_path):
    target = tmp_path / "alloys.csv"
    script = ("import sys, time\nfrom alloygan.knowledge_base.file_writes import write_whole\n"
              "def slow(path):\n    path.write_text('x' * 100000)\n    time.sleep(60)\n"
              "write_whole(sys.argv[1], slow)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(target)])
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".alloys.csv.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.kill()
    writer.wait()
    assert len(list(tmp_path.glob(".alloys.csv.*.tmp"))) == 1, "the killed writer left its temporary file"
    code, _, err = run_cli("kb", "export", str(target))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alloys.csv", "home"]


def test_staging_directories_of_killed_reports_are_removed_on_the_next_run(run_cli, fresh_home, tmp_path,
                                                                           monkeypatch):
    _no_work(monkeypatch)
    dead = tmp_path / f".report.{_dead_pid()}.q1w2e3r4.tmp"  # a killed run's staging directory
    old = tmp_path / ".report.z9x8c7v6.tmp"  # an earlier version's (no process id), two hours old
    recent = tmp_path / ".report.m5n6b7v8.tmp"  # an earlier version's, recent: perhaps still running
    alive = tmp_path / f".report.{os.getpid()}.p0o9i8u7.tmp"  # a report being written now
    for directory in (dead, old, recent, alive):
        directory.mkdir()
        (directory / "forward_parity.png").write_bytes(b"x" * 1000)
    _age(old, 2)
    with pytest.raises(WorkStarted):
        run_cli("report", "--out", str(tmp_path / "report"), "--families", "Zr", "--models", "cgan")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["home", recent.name, alive.name])
