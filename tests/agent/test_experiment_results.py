"""Results flow back (issue 14): record any alloy the user cast, by composition; the report per round, the best
measured value against the number of experiments, and its plot."""
from __future__ import annotations

import json

import pytest

from tests.agent.test_experiments import NOVEL, _counts, logged  # noqa: F401 (a fixture)

OWN = "Zr57.7Cu22.3Al11.9Ni8.1"  # an alloy of the user's, in no table
OWN_DICT = {"Zr": 57.7, "Cu": 22.3, "Al": 11.9, "Ni": 8.1}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _record(run_cli, *args: str) -> tuple[int, str, str]:
    return run_cli("experiments", "record", *args)


def test_a_users_own_alloy_is_logged_with_its_result_and_joins_the_training_data(fresh_home, run_cli):
    from alloygan.models.dataset import load_alloy_table

    assert not any(c.as_dict() == OWN_DICT for c in load_alloy_table().compositions)
    code, out, err = _record(run_cli, "--composition", OWN, "--tg", "690", "--tx", "760", "--tl", "1110",
                             "--source", "our lab, DSC 20 K/min", "--note", "arc-melted, suction cast 2 mm", "--json")
    assert code == 0, err
    entry = json.loads(out)
    assert (entry["id"], entry["formula"], entry["status"], entry["acquisition"]) == (1, OWN, "glass", "user")
    assert (entry["goal"], entry["goal_text"], entry["design_rank"]) == ({}, "cast by the user", None)
    assert entry["predicted"] == {} and entry["forward_model"] == ""  # no forward model trained in this home
    assert entry["measurement"]["source"] == "our lab, DSC 20 K/min"
    assert entry["measurement"]["note"] == "arc-melted, suction cast 2 mm" and entry["measurement"]["in_knowledge_base"]

    # the trainer's table has it (the next `alloygan train` fits on it), from the experiment source
    table = load_alloy_table()
    [row] = [i for i, c in enumerate(table.compositions) if c.as_dict() == OWN_DICT]
    assert (table.frame["Tg"].iloc[row], table.frame["Tx"].iloc[row], table.frame["Tl"].iloc[row]) == (690, 760, 1110)
    from alloygan.tools.knowledge import AlloyQuery, query_alloys

    [alloy] = [a for a in query_alloys(AlloyQuery(base="Zr", require=["Ni"])).alloys if a.composition == OWN_DICT]
    [source] = alloy.sources
    assert source.kind == "experiment" and source.location == "experiment 1 (our lab, DSC 20 K/min)"
    assert "source: our lab, DSC 20 K/min" in source.raw_text and "arc-melted" in source.raw_text

    # a repeat cast is a second experiment (and a second report of the alloy), said so
    code, out, err = _record(run_cli, "--composition", OWN, "--tg", "694", "--tx", "764", "--tl", "1114")
    assert code == 0, err
    assert f"Recorded your alloy {OWN} as experiment 2 (cast by the user; measured before as #1: a repeat cast)" \
        in " ".join(out.split())
    assert "No trained forward model: no prediction stored" in out
    assert _counts(fresh_home)[:2] == (2, 2)
    code, out, _ = run_cli("experiments", "show", "2")
    assert code == 0 and "your own alloy, cast by the user" in out and "no trained forward model then" in out


def test_a_composition_with_a_pending_suggestion_takes_its_place(logged, run_cli, fresh_home):  # noqa: F811
    reordered = "Ni8.8Al10.8Cu27.1Zr53.3"  # suggestion 1, written in another order
    code, out, err = _record(run_cli, "--composition", reordered, "--tg", "712", "--tx", "790", "--tl", "1150",
                             "--source", "partner lab")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "Zr53.3Cu27.1Al10.8Ni8.8 is pending suggestion 1 of the log: the result is recorded for it." in flat
    assert "Recorded suggestion 1 (Zr53.3Cu27.1Al10.8Ni8.8): Tg 712 K" in flat
    assert _counts(fresh_home)[:2] == (2, 1)  # no new entry
    shown = json.loads(run_cli("experiments", "show", "1", "--json")[1])
    assert shown["measurement"]["source"] == "partner lab" and shown["acquisition"] == "design"
    assert shown["reason"] == "rank 1 of the design, P(meets goal) 0.90"

    # the id and the composition together: a check that they name the same alloy
    code, out, err = _record(run_cli, "2", "--composition", "Zr51Cu39Al10", "--amorphous", "no")
    assert code == 0, err
    assert "Recorded suggestion 2 (Zr51Cu39Al10): did not form a glass" in " ".join(out.split())
    # by id, a suggestion takes one result, as before
    code, _, err = _record(run_cli, "1", "--composition", reordered, "--tg", "700", "--tx", "780", "--tl", "1100")
    assert code == 2 and "suggestion 1 already has a result" in err


@pytest.mark.parametrize("args, message", [
    (("--composition", "Zr5x8Cu42", "--tg", "690", "--tx", "760", "--tl", "1110"),
     "cannot read formula 'Zr5x8Cu42': unexpected character 'x' at position 4; give the alloy in at.%, "
     "e.g. Zr58Cu22Al12Ni8"),
    (("--composition", "Ti-6Al-4V", "--amorphous", "no"), "cannot read formula 'Ti-6Al-4V'"),
    (("--composition", "Zr60Cu30Al10", "--amorphous", "no", "--tg", "690"), "did not form a glass has no Tg, Tx"),
    (("--composition", "Zr60Cu30Al10", "--tg", "800", "--tx", "780", "--tl", "1100"), "Tg (800 K) exceeds Tx (780 K)"),
    (("--composition", "Zr60Cu30Al10", "--tg", "690"), "give --tx, --tl in K"),
    (("--tg", "690", "--tx", "760", "--tl", "1110"), "give the suggestion id"),
    (("1", "--composition", "Zr60Cu30Al10", "--amorphous", "no"),
     "suggestion 1 is Zr53.3Cu27.1Al10.8Ni8.8, not Zr60Cu30Al10; give the id or the composition alone"),
    (("--composition", "Zr60Cu30Al10", "--amorphous", "no", "--source", "x" * 201), "source"),
])
def test_a_bad_record_by_composition_is_one_line_exit_2_and_stores_nothing(logged, run_cli, fresh_home,  # noqa: F811
                                                                             args, message):
    before = _counts(fresh_home)
    code, out, err = _record(run_cli, *args)
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _counts(fresh_home) == before


def test_the_record_tool_schema_takes_a_composition_and_a_source():
    from alloygan.tools.experiments import RecordResultArgs
    from alloygan.tools.langchain_tools import agent_tools

    [tool] = [t for t in agent_tools() if t.name == "record_experiment_result"]
    assert tool.args_schema is RecordResultArgs
    fields = RecordResultArgs.model_json_schema()["properties"]
    assert {"suggestion_id", "composition", "source", "amorphous", "Tg", "Tx", "Tl", "note"} == set(fields)


@pytest.mark.slow  # trains the forward model once (about 10 s)
def test_a_users_alloy_keeps_the_forward_models_prediction_at_record_time(fresh_home, run_cli):
    from alloygan.models.model_store import ensure_forward, forward_version
    from alloygan.tools.prediction import predict_properties

    model, _ = ensure_forward()
    version = forward_version()
    expected = predict_properties([OWN, "Cu50Zr50"], model=model, known_as_measured=False)
    code, out, err = _record(run_cli, "--composition", OWN, "--tg", "690", "--tx", "760", "--tl", "1110", "--json")
    assert code == 0, err
    entry = json.loads(out)
    assert entry["predicted"] == {name: value.to_json() for name, value in expected[0].estimates().items()}
    assert entry["forward_model"] == version

    # the data changed (a new glass joined): the model saved before it still predicts the next alloy, and nothing
    # is trained. Cu50Zr50 is a known alloy: the log keeps the model's prediction, not its measured values.
    code, out, err = _record(run_cli, "--composition", "Cu50Zr50", "--amorphous", "no", "--json")
    assert code == 0, err
    entry = json.loads(out)
    assert entry["predicted"]["Tg"] == expected[1].Tg.to_json() and entry["forward_model"] == version
    assert predict_properties(["Cu50Zr50"], model=model)[0].measured  # what `predict` shows instead
    assert forward_version() == version

    data = json.loads(run_cli("experiments", "report", "--json")[1])
    assert data["properties"]["Tg"]["n"] == 1
    assert data["experiments"][0]["properties"]["Tg"]["error"] == round(690 - expected[0].Tg.mean, 4)
