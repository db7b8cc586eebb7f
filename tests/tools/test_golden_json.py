"""The CLI's `--json` outputs are byte-identical to the copies stored before the typed results
(tests/data/golden, made with a fresh ALLOYGAN_HOME by the commands below).

One fresh home for the module: the first design trains the forward model and the Zr
generator, the Cu design the Cu generator (about 40 s in all).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"
COMMANDS = {
    "design": ("design", GOAL, "--n", "3", "--json"),
    "design_cu": ("design", "Cu-based glass with gamma >= 0.42 under $20/kg", "--n", "2", "--seed", "1", "--json"),
    "parse_goal": ("parse-goal", GOAL, "--json"),
    "predict": ("predict", "Zr55Cu30Al10Ni5", "Cu46Zr46Al8", "Zr60Cu25Al15", "--json"),
    "describe": ("describe", "Cu46Zr46Al8", "--json"),
    "kb_query": ("kb", "query", "--base", "Zr", "--require", "Cu,Al", "--exclude", "Ag", "--where", "Trg>=0.6",
                 "--limit", "3", "--json"),
}


@pytest.fixture(scope="module")
def golden_home(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("golden") / "home"
        patch.setenv("ALLOYGAN_HOME", str(home))
        yield home


# what trains models (the forward model, the Zr and Cu generators) is the slow tier; the rest is fast
TRAINS = {"design", "design_cu", "predict"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name in TRAINS else name
                                  for name in COMMANDS])
def test_json_output_is_byte_identical_to_the_stored_copy(golden_home, run_cli, name):
    code, out, err = run_cli(*COMMANDS[name])
    assert code == 0, err
    assert out == (GOLDEN / f"{name}.json").read_text(encoding="utf-8")


def test_kb_stats_json_is_byte_identical_but_for_the_store_path(golden_home, run_cli):
    code, out, err = run_cli("kb", "stats", "--json")
    assert code == 0, err
    golden = (GOLDEN / "kb_stats.json").read_text(encoding="utf-8")
    data = json.loads(out)
    assert Path(data["store"]).is_relative_to(golden_home)  # the one field that differs per home
    data["store"] = json.loads(golden)["store"]
    assert json.dumps(data, indent=2, ensure_ascii=False) + "\n" == golden
