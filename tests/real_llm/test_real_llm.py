"""The assistant against a real small LLM (SmolLM2-135M-Instruct served by llama.cpp): scripts/real_llm_check.sh.

Opt-in: ALLOYGAN_REAL_LLM=1 (it needs llama-cpp-python built in its own venv, see docs/llm.md, and minutes of CPU);
skipped otherwise. One run of the script serves the model, runs the four cases with a fresh ALLOYGAN_HOME and writes
their results; each test checks one case.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "real_llm_check.sh"

pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("ALLOYGAN_REAL_LLM") != "1",
                       reason="needs a real LLM served by llama.cpp; set ALLOYGAN_REAL_LLM=1 to run (docs/llm.md)"),
]


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, dict]:
    results = tmp_path_factory.mktemp("real_llm") / "results.json"
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = subprocess.run(["bash", str(SCRIPT), "--port", str(port), "--results", str(results)], capture_output=True,
                         text=True, timeout=3600, check=False)
    if not results.is_file():
        pytest.fail(f"{SCRIPT.name} wrote no results (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    print(run.stdout)  # the table, shown with -s or on failure
    return {case["case"]: case for case in json.loads(results.read_text(encoding="utf-8"))["cases"]}


def _answered(case: dict) -> dict:
    assert not case["traceback"], case["stderr"][-2000:]
    assert case["exit_code"] == 0, case["stderr"][-2000:]
    assert case["checks"]["json"], case["stdout"][-2000:]
    return case["checks"]


def test_the_card_request_gives_zr_based_candidates_without_ag_within_a_turn(cases):
    card = cases["card"]
    checks = _answered(card)
    assert checks["n_candidates"] >= 3 and checks["all_zr_based"] and checks["ag_absent"], checks["formulas"]
    assert card["seconds"] <= 120


def test_the_follow_up_keeps_ag_and_be_out_and_the_cost_ceiling(cases):
    follow = cases["follow-up"]
    checks = _answered(follow)
    assert checks["n_candidates"] >= 1 and checks["ag_absent"] and checks["be_absent"], checks["formulas"]
    assert checks["all_costs_known"] and checks["max_cost"] <= 25
    assert follow["seconds"] <= 120


def test_a_frozen_server_still_gets_candidates_and_the_answer_says_the_llm_timed_out(cases):
    frozen = cases["frozen"]
    checks = _answered(frozen)
    assert checks["n_candidates"] >= 3 and checks["all_zr_based"] and checks["ag_absent"], checks["formulas"]
    assert checks["says_timed_out"], (checks["answered_by"], checks["answer"])
    assert frozen["seconds"] <= 60


def test_llm_extraction_exits_cleanly(cases):
    extract = cases["extract"]
    assert not extract["traceback"] and extract["exit_code"] == 0, extract["stderr"][-2000:]
    assert extract["checks"]["json"]
