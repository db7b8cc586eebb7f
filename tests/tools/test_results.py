"""The typed results of design and prediction: their JSON, compact and CSV forms, and their round trips.

Built from hand-made pipeline outputs and store records, so no model is trained.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pydantic import ValidationError

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy, Report, Source
from alloygan.models.constraints import PropertyRange
from alloygan.models.design.goal import DesignGoal
from alloygan.models.design.pipeline import Candidate as PipelineCandidate
from alloygan.models.design.pipeline import DesignResult
from alloygan.tools.results import (
    CANDIDATE_CSV_COLUMNS, PREDICTION_CSV_COLUMNS, RESULT_MODELS, SHOWN_PROPERTIES, Candidate, DesignAnswer,
    Estimate, GoalParse, NearestKnown, Prediction, PredictionError, Predictions,
)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
TABLE_I = Source(sha256="a" * 64, kind="published-table", title="Table I")
README_CANDIDATE_KEYS = ["rank", "composition", "formula", "Tg", "Tx", "Tl", "Trg", "gamma", "dTx", "alpha",
                         "p_meets_goal", "p_meets", "cost_usd_per_kg", "condition", "novelty_at_pct", "nearest_known",
                         "score", "near_miss", "misses", "domain", "extrapolation"]
# the CSV headers as `design --out` and `predict --out` wrote them before the typed results
OLD_DESIGN_CSV = ("rank,formula,Tg_mean,Tg_std,Tx_mean,Tx_std,Tl_mean,Tl_std,Trg_mean,Trg_std,gamma_mean,gamma_std,"
                  "dTx_mean,dTx_std,p_meets_goal,cost_usd_per_kg,condition_Tg,condition_Tx,condition_Tl,novelty_at_pct,"
                  "nearest_known,nearest_distance_at_pct,nearest_source,score,near_miss")
OLD_PREDICT_CSV = ("input,formula,Tg_mean,Tg_std,Tx_mean,Tx_std,Tl_mean,Tl_std,Trg_mean,Trg_std,gamma_mean,gamma_std,"
                   "dTx_mean,dTx_std,p_good_gfa,nearest_known,nearest_distance_at_pct,error")
# issue 10 added the domain of applicability (and, for predictions, whether the values are measured) after them
NEW_DESIGN_CSV = ",domain,family_distance_at_pct,extrapolation"
NEW_PREDICT_CSV = ",measured,domain,family_distance_at_pct"


def _alloy(formula: str, Tg: float, Tx: float, Tl: float, location: str, quote: str = "") -> Alloy:
    composition = Composition.parse(formula)
    report = Report(composition, Tg, Tx, Tl, raw_text=f"{formula} {Tg:g} {Tx:g} {Tl:g}", location=location, page=9,
                    quote=quote, source=TABLE_I)
    return Alloy(composition, [report], base_element="Zr")


@pytest.fixture
def table():
    return SimpleNamespace(alloys=[_alloy("Zr53Cu19Al14Ni10Y4", 668, 766, 1069, "p9 right line 24"),
                                   _alloy("Zr54Cu19Al15Ni10Y2", 714, 787, 1112, "p9 right line 28", quote="714 787")])


def _pipeline_candidate(**changes) -> PipelineCandidate:
    mean = {"Tg": 696.54, "Tx": 771.43, "Tl": 1107.61, "Trg": 0.628812, "gamma": 0.427623, "dTx": 74.89,
            "alpha": 0.69661}
    fields = dict(composition=Composition.parse("Zr52Cu17Ni13.8Al13.7Nb2.4Y1.1"), mean=mean,
                  std={k: v / 30 for k, v in mean.items()}, p_meets_goal=0.99234, p_meets={"Trg": 0.99234},
                  cost_usd_per_kg=27.9213, condition={"Tg": 679.53, "Tx": 727.61, "Tl": 1092.77},
                  nearest=[(0, 6.2049), (1, 6.21)], novelty_at_pct=6.2049, score=1.00731, near_miss=False)
    return PipelineCandidate(**(fields | changes))


def test_a_candidate_has_the_readme_json_form_and_comes_back_from_it_unchanged(table):
    candidate = Candidate.of(_pipeline_candidate(), 1, table)
    data = candidate.to_json()
    assert list(data) == README_CANDIDATE_KEYS  # a property the goal names follows the shown ones
    assert data["domain"] == {"label": "in-domain", "distance_at_pct": 6.2, "family": "Zr",
                              "family_distance_at_pct": None} and data["extrapolation"] is False
    assert data["Tg"] == {"mean": 696.5, "std": 23.2} and data["Trg"] == {"mean": 0.6288, "std": 0.021}
    assert data["condition"] == {"Tg": 679.5, "Tx": 727.6, "Tl": 1092.8, "Trg": 0.6218, "gamma": 0.4105}
    near = data["nearest_known"][0]
    assert list(near) == ["formula", "composition", "distance_at_pct", "Tg", "Tx", "Tl", "source", "n_reports"]
    assert near["distance_at_pct"] == 6.2 and near["source"]["location"] == "p9 right line 24"
    assert "quote" not in near["source"] and data["nearest_known"][1]["source"]["quote"] == "714 787"
    assert Candidate.model_validate(data) == candidate
    assert Candidate.model_validate_json(json.dumps(data)) == candidate
    assert Candidate(**candidate.model_dump()) == candidate  # how the conversation checkpoint rebuilds it
    assert candidate.estimate("alpha") == Estimate(mean=0.6966, std=0.0232) and candidate.estimate("phi") is None


def test_a_candidate_refuses_other_keys_than_predicted_properties(table):
    data = Candidate.of(_pipeline_candidate(), 1, table).to_json()
    with pytest.raises(ValidationError, match="colour: not a predicted property"):
        Candidate.model_validate(data | {"colour": {"mean": 1.0, "std": 0.1}})
    with pytest.raises(ValidationError):
        Candidate.model_validate(data | {"alpha": 0.7})  # a property is an estimate
    with pytest.raises(ValidationError):
        Candidate.model_validate({k: v for k, v in data.items() if k != "Tl"})


def test_a_candidates_compact_and_csv_forms(table):
    candidate = Candidate.of(_pipeline_candidate(), 2, table)
    compact = candidate.compact()
    assert list(compact) == ["rank", "formula", *SHOWN_PROPERTIES, "alpha", "p_meets_goal", "cost_usd_per_kg",
                             "near_miss", "misses", "domain", "nearest_known"]
    assert compact["Tg"] == f"{candidate.Tg.mean:g} ± {candidate.Tg.std:g}" and compact["domain"] == "in-domain"
    assert compact["nearest_known"] == "Zr53Cu19Al14Ni10Y4 (6.2 at.%, Table I, p9 right line 24)"
    row = candidate.csv_row()
    assert list(row) == list(CANDIDATE_CSV_COLUMNS) == (OLD_DESIGN_CSV + NEW_DESIGN_CSV).split(",")
    assert (row["domain"], row["family_distance_at_pct"], row["extrapolation"]) == ("in-domain", "", False)
    far = Candidate.of(_pipeline_candidate(novelty_at_pct=22.0, domain="outside", family_distance_at_pct=30.0), 3,
                       table).csv_row()
    assert (far["domain"], far["family_distance_at_pct"], far["extrapolation"]) == ("outside", 30.0, True)
    assert (row["rank"], row["Tg_mean"], row["Trg_std"], row["condition_Tl"]) == (2, 696.5, 0.021, 1092.8)
    assert (row["nearest_known"], row["nearest_distance_at_pct"], row["nearest_source"]) == (
        "Zr53Cu19Al14Ni10Y4", 6.2, "p9 right line 24")
    alone = Candidate.of(_pipeline_candidate(nearest=[]), 1, table).csv_row()
    assert alone["nearest_known"] == alone["nearest_source"] == ""


def _prediction(table) -> Prediction:
    names = SHOWN_PROPERTIES
    property_prediction = SimpleNamespace(mean={n: np.array([0.0, 700.0 + i]) for i, n in enumerate(names)},
                                          std={n: np.array([0.0, 0.00004]) for n in names})
    near = [NearestKnown.fields(table.alloys[1], 0.0), NearestKnown.fields(table.alloys[0], 4.44)]
    return Prediction.of("Zr54Cu19Al15Ni10Y2", Composition.parse("Zr54Cu19Al15Ni10Y2"), property_prediction, 1,
                         np.float32(0.98766), near)


def test_a_prediction_and_an_input_that_cannot_be_predicted(table):
    prediction = _prediction(table)
    data = prediction.to_json()
    assert list(data) == ["input", "composition", "formula", *SHOWN_PROPERTIES, "p_good_gfa", "nearest_known",
                          "measured", "domain"]
    assert data["Tg"] == {"mean": 700.0, "std": 0.0} and data["p_good_gfa"] == 0.9877
    assert Prediction.model_validate(data) == prediction
    assert prediction.nearest_known[0] == NearestKnown.of(table.alloys[1], 0.0)
    failed = PredictionError(input="Qq50Zr50", error="'Qq' is not an element symbol")
    assert failed.to_json() == {"input": "Qq50Zr50", "error": "'Qq' is not an element symbol"}
    assert failed.compact() == failed.to_json()
    both = Predictions(predictions=[prediction, failed])
    again = Predictions.model_validate(json.loads(json.dumps(both.to_json())))
    assert again == both and [type(p) for p in again.predictions] == [Prediction, PredictionError]
    assert both.failed() == [failed] and both.compact()["units"].startswith("K for Tg")
    assert both.compact()["predictions"][0]["nearest_known"][1]["distance_at_pct"] == 4.44


def test_predictions_as_csv_keep_the_columns(table, tmp_path):
    from alloygan.tools.prediction import write_predictions_csv

    path = tmp_path / "p.csv"
    write_predictions_csv([_prediction(table), PredictionError(input="Qq50Zr50", error="bad")], path)
    header, good, bad = path.read_text(encoding="utf-8").splitlines()
    assert header == OLD_PREDICT_CSV + NEW_PREDICT_CSV == ",".join(PREDICTION_CSV_COLUMNS)
    assert good.startswith("Zr54Cu19Al15Ni10Y2,Zr54Cu19Al15Ni10Y2,700.0,0.0,701.0,") and good.endswith(
        ",0.9877,Zr54Cu19Al15Ni10Y2,0.0,,False,,")
    assert bad == "Qq50Zr50" + "," * 17 + "bad,,,"
    assert not list(tmp_path.glob("*.tmp"))


def _answer(table, goal: DesignGoal) -> DesignAnswer:
    stats = {"generated": 20000, "unique_valid": 19075, "passing": 10883, "returned": 2, "near_misses": 0,
             "condition_acceptance": 0.4497, "seconds": 0.5, "generate_predict_screen_seconds": 0.49,
             "candidates_per_second": 40000, "generator": "ours-Zr", "family_alloys": 124}
    result = DesignResult(goal, [_pipeline_candidate(), _pipeline_candidate(near_miss=True, misses=["Trg > 0.6"])],
                          table, stats, ["a note"])
    return DesignAnswer.of(result, "forward-v1", ["frobnicate"])


def test_a_design_answer_keeps_its_goal_exactly_through_its_json_form(table, tmp_path):
    from alloygan.tools.design import write_candidates_csv

    goal = DesignGoal(base_element="Zr", excluded_elements=["Ag"],
                      constraints=[PropertyRange(property="Trg", min=0.6, min_inclusive=False)])
    answer = _answer(table, goal)
    assert [c.rank for c in answer.candidates] == [1, 2] and answer.candidate(2).near_miss
    assert answer.stats.forward_model == "forward-v1" and answer.not_understood == ["frobnicate"]
    again = DesignAnswer.model_validate(json.loads(json.dumps(answer.to_json())))
    assert again == answer and again.goal.constraint("Trg").describe() == "Trg > 0.6"
    compact = answer.compact()
    assert compact["goal"] == goal.as_json() and compact["goal_description"] == goal.describe()
    assert compact["not_understood"] == ["frobnicate"] and compact["notes"] == ["a note"]
    assert list(compact["stats"]) == ["generated", "unique_valid", "passing", "returned", "near_misses", "generator",
                                      "forward_model", "family_alloys"]
    assert compact["candidates"][1]["near_miss"] is True and compact["candidates"][1]["misses"] == ["Trg > 0.6"]
    path = tmp_path / "c.csv"
    write_candidates_csv(answer.candidates, path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rank"], r["near_miss"]) for r in rows] == [("1", "False"), ("2", "True")]


def test_a_tool_message_from_a_checkpoint_gives_back_its_typed_result(table):
    """A checkpointed message keeps its artifact as the result's dump; validating it gives the result back."""
    from langchain_core.messages import ToolMessage
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    answer = _answer(table, DesignGoal(base_element="Zr"))
    predictions = Predictions(predictions=[PredictionError(input="x", error="bad")])
    serde = JsonPlusSerializer()
    for result in (answer, predictions):
        message = ToolMessage("{}", tool_call_id="c1", name="t", artifact=result)
        stored = serde.loads_typed(serde.dumps_typed(message)).artifact
        assert type(result).model_validate(stored) == result


def test_the_goal_parse_prints_the_goal_with_its_words_not_understood_as_before():
    from alloygan.tools.design import parse_goal_text

    parsed = parse_goal_text("find Zr-based glass with Trg>0.6 avoiding Ag")
    golden = (GOLDEN / "parse_goal.json").read_text(encoding="utf-8")
    assert json.dumps(parsed.to_json(), indent=2, ensure_ascii=False) + "\n" == golden
    unclear = parse_goal_text("Zr glass, frobnicate the widget")
    data = unclear.to_json()
    assert data["not_understood"] == ["frobnicate", "widget"] and list(data)[-3:] == [
        "not_understood", "constraints", "element_limits"]
    assert unclear.compact()["goal_description"] == unclear.goal.describe()
    schema = GoalParse.model_json_schema()
    assert set(data) == set(schema["properties"]) and schema["title"] == "GoalParse"


def test_the_published_design_models_and_one_list_of_shown_properties():
    assert {"candidate", "design-answer", "prediction", "prediction-error", "goal"} <= set(RESULT_MODELS)
    for model in (Candidate, Prediction):
        assert set(SHOWN_PROPERTIES) <= set(model.model_fields)
    assert Candidate.model_json_schema()["additionalProperties"] == {"$ref": "#/$defs/Estimate"}
