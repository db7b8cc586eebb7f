"""The design pipeline end to end on the shipped data and trained models: the properties its answers hold.

Every goal here is Zr-based, so one generator (trained once into the session's ALLOYGAN_HOME,
shared with the agent tests) serves them all.
"""
from __future__ import annotations

import csv
import json

import pytest

from alloygan.models.constraints import PropertyRange
from alloygan.tools.design import design_alloys, parse_goal_text
from alloygan.tools.results import Candidate

GOALS = [
    "find Zr-based glass with Trg>0.6 avoiding Ag, top 8",
    "Zr-based glass containing Cu and Ni, no Ag or Be, gamma >= 0.40, at most 5 elements, Al at most 10 at.%, top 5",
    "cheapest Zr glass with Tx > 700K and Tg between 640 and 720 K, under $40/kg, top 6",
]


def _inside(value: float, constraint: PropertyRange) -> bool:  # the shown means are rounded: bounds with a margin
    return ((constraint.min is None or value >= constraint.min - 1e-9)
            and (constraint.max is None or value <= constraint.max + 1e-9))


@pytest.fixture(scope="module")
def answers() -> dict[str, tuple]:
    return {text: (parse_goal_text(text).goal, design_alloys(parse_goal_text(text))) for text in GOALS}


@pytest.mark.parametrize("text", GOALS)
def test_answers_respect_the_goal(answers, text):
    goal, answer = answers[text]
    candidates = answer.candidates
    assert answer.goal == goal and len(candidates) == goal.n_candidates
    assert [c.rank for c in candidates] == list(range(1, goal.n_candidates + 1))
    for c in candidates:
        composition = c.composition
        assert abs(sum(composition.values()) - 100.0) <= 0.05
        assert all(round(v * 10) == pytest.approx(v * 10, abs=1e-6) and v >= 0.5 for v in composition.values())
        assert not set(goal.excluded_elements) & set(composition)
        assert set(goal.required_elements) <= set(composition)
        assert max(composition, key=composition.get) == "Zr" or composition["Zr"] == max(composition.values())
        if goal.max_elements:
            assert len(composition) <= goal.max_elements
        for limit in goal.element_limits:
            assert limit.min - 1e-9 <= composition.get(limit.element, 0.0) <= limit.max + 1e-9
        assert c.nearest_known and c.nearest_known[0].source.document
        assert 0.0 <= c.p_meets_goal <= 1.0 and c.cost_usd_per_kg > 0
        if not c.near_miss:  # the forward model's prediction meets every range, and the cost ceiling
            for constraint in goal.constraints:
                assert _inside(c.estimate(constraint.property).mean, constraint), (c.formula, constraint)
            if goal.max_cost_usd_per_kg:
                assert c.cost_usd_per_kg <= goal.max_cost_usd_per_kg
    scores = [c.score for c in candidates if not c.near_miss]
    assert scores == sorted(scores, reverse=True)
    formulas = [c.formula for c in candidates]
    assert len(set(formulas)) == len(formulas)


def test_candidates_carry_predictions_with_uncertainty_and_their_condition(answers):
    _, answer = answers[GOALS[0]]
    c = answer.candidates[0]
    for name in ("Tg", "Tx", "Tl", "Trg", "gamma", "dTx"):
        assert c.estimate(name).std > 0
    assert c.Tg.mean < c.Tx.mean < c.Tl.mean
    assert c.Trg.mean == pytest.approx(c.Tg.mean / c.Tl.mean, abs=0.01)
    condition = c.condition
    assert condition.Trg == pytest.approx(condition.Tg / condition.Tl, abs=1e-3)
    assert condition.Trg > 0.6  # generated for a target inside the goal


def test_a_property_the_goal_names_beyond_the_shown_ones_is_predicted_and_kept(answers):
    goal, answer = answers[GOALS[1]]  # gamma is shown; add a goal on alpha
    assert "alpha" not in answer.candidates[0].estimates()
    extra = design_alloys(goal.model_copy(update={"constraints": [*goal.constraints,
                                                                  PropertyRange(property="alpha", min=0.5)]}))
    c = extra.candidates[0]
    assert list(c.estimates())[-1] == "alpha" and c.estimate("alpha").std > 0
    data = c.to_json()
    assert list(data)[list(data).index("dTx") + 1] == "alpha"  # right after the shown properties (README)
    assert Candidate.model_validate(data) == c


def test_the_same_seed_gives_the_same_answer_and_another_seed_another():
    goal = parse_goal_text("find Zr-based glass with Trg>0.6 avoiding Ag, top 5").goal
    first, again = design_alloys(goal), design_alloys(goal)
    assert json.dumps([c.to_json() for c in first.candidates]) == json.dumps([c.to_json() for c in again.candidates])
    other = design_alloys(goal.model_copy(update={"seed": 1}))
    assert [c.formula for c in other.candidates] != [c.formula for c in first.candidates]


def test_a_goal_beyond_the_data_is_answered_with_marked_near_misses():
    answer = design_alloys(parse_goal_text("Zr-based glass with Trg > 0.75, 3 candidates"))
    assert len(answer.candidates) == 3 and all(c.near_miss for c in answer.candidates)
    assert all(any("Trg" in why for why in c.misses) for c in answer.candidates)
    assert any("near misses" in note for note in answer.notes)


def test_cli_json_csv_and_bad_input(run_cli, tmp_path):
    out = tmp_path / "candidates.csv"
    code, stdout, err = run_cli("design", "find Zr-based glass with Trg>0.6 avoiding Ag", "--n", "3", "--json",
                                "--out", str(out))
    assert code == 0, err
    records = json.loads(stdout)
    assert len(records) == 3
    assert {"composition", "Tg", "Tx", "Tl", "Trg", "gamma", "dTx", "p_meets_goal", "cost_usd_per_kg", "condition",
            "nearest_known", "score", "near_miss"} <= set(records[0])
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["formula"] for r in rows] == [r["formula"] for r in records]

    for args, message in [
        (("design", "Np-based glass with Trg > 0.5"), "no Np-based alloys in the knowledge base"),
        (("design", "Zr glass with Trg > 0.7 and Trg < 0.6"), "contradictory range"),
        (("design", "Zr glass", "--n", "0"), "--n"),
        (("design", "Zr glass", "--out", str(tmp_path / "missing" / "x.csv")), "does not exist"),
    ]:
        code, _, err = run_cli(*args)
        assert code == 2 and message in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing").exists()
