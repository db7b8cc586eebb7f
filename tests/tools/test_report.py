"""`alloygan report`: valid PNGs, a page linking every one, nothing half-written, one-line errors."""
from __future__ import annotations

import re

import numpy as np
import pytest

from alloygan.models.figures_forward import parity_figure
from alloygan.models.forward.evaluation import SCORED, HeldOutPredictions

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert len(data) > 10_000, f"{path.name} is only {len(data)} bytes"


def synthetic_predictions(n: int, noise: float, seed: int) -> HeldOutPredictions:
    rng = np.random.default_rng(seed)
    centre = {"Tg": 700.0, "Tx": 760.0, "Tl": 1150.0, "Trg": 0.58, "gamma": 0.40}
    truth = {p: centre[p] * (1 + 0.05 * rng.standard_normal(n)) for p in SCORED}
    mean = {p: truth[p] + noise * centre[p] * rng.standard_normal(n) for p in SCORED}
    std = {p: np.full(n, noise * centre[p]) for p in SCORED}
    return HeldOutPredictions(truth, mean, std, rng.uniform(size=n), [f"alloy{i}" for i in range(n)])


def test_parity_figure_on_synthetic_predictions(tmp_path):
    held = {"(a) random 80/20 split, seed 0": synthetic_predictions(60, 0.01, 0),
            "(b) 5 folds grouped by alloy system": synthetic_predictions(300, 0.03, 1)}
    path = parity_figure(held, tmp_path / "parity.png", n_alloys=300)
    assert path == tmp_path / "parity.png"
    assert_png(path)


@pytest.mark.slow  # end to end: held-out evaluations of the forward model and a generator trained in a new home
def test_report_writes_figures_and_a_page_linking_them(run_cli, fresh_home, tmp_path):
    out = tmp_path / "work" / "report"  # tmp_path also holds fresh_home
    code, stdout, stderr = run_cli("report", "--out", str(out), "--families", "Zr", "--models", "cgan")
    assert code == 0, stderr
    expected = {"forward_parity.png", "data_distributions.png", "generative_pca_Zr.png", "generative_training_Zr.png"}
    assert {p.name for p in out.glob("*.png")} == expected
    for name in expected:
        assert_png(out / name)
        assert str(out / name) in stdout
    page = (out / "report.md").read_text(encoding="utf-8")
    assert set(re.findall(r"\]\(([^)]+\.png)\)", page)) == expected
    assert re.search(r"Data: the \d+ alloys of the knowledge base, deduplicated by canonical composition", page)
    assert "protocol (a)" in page and "protocol (b)" in page and "Seed 0" in page
    assert f"Report written to {out / 'report.md'}" in stdout
    assert [p.name for p in out.parent.iterdir()] == ["report"], "the staging directory was left behind"


@pytest.mark.parametrize("flag, value, message", [
    ("--families", "Xx", "--families Xx: not a base element with at least 30 alloys (a generator needs them); use some of "),
    ("--models", "nope", "--models nope: unknown; use some of gan,gan-plus,cgan,ours"),
    ("--seed", "-1", "--seed -1: must be 0 or more"),
])
def test_bad_input_is_one_line_and_writes_nothing(run_cli, fresh_home, tmp_path, flag, value, message):
    work = tmp_path / "work"
    code, stdout, stderr = run_cli("report", "--out", str(work / "report"), flag, value)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("error: ") and message in stderr
    assert not work.exists()


def test_out_that_is_a_file_is_refused(run_cli, fresh_home, tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    code, _, stderr = run_cli("report", "--out", str(existing), "--families", "Zr", "--models", "cgan")
    assert code == 2 and stderr.count("\n") == 1 and "is a file; give a directory" in stderr
    assert existing.read_text() == "mine"
