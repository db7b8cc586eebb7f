"""The design goal: the offline grammar on the issue's examples, refinement, and goals that cannot hold."""
from __future__ import annotations

import pytest

from alloygan.models.design.goal import DesignGoal, Objective
from alloygan.models.design.goal_text import GoalError, parse_goal


def ranges(goal: DesignGoal) -> dict[str, tuple[float | None, float | None]]:
    return {c.property: (c.min, c.max) for c in goal.constraints}


@pytest.mark.parametrize("text, expected", [
    ("find Zr-based glass with Trg>0.6 avoiding Ag",
     dict(base_element="Zr", excluded_elements=["Ag"], ranges={"Trg": (0.6, None)})),
    ("Cu-based BMG, gamma >= 0.41, no Be or Hf, under $30/kg, at most 4 elements",
     dict(base_element="Cu", excluded_elements=["Be", "Hf"], ranges={"gamma": (0.41, None)},
          max_cost_usd_per_kg=30.0, max_elements=4)),
    ("Fe based metallic glass with ΔTx above 50 K and Tg between 800 and 900 K",
     dict(base_element="Fe", ranges={"dTx": (50.0, None), "Tg": (800.0, 900.0)})),
    ("Ti alloy containing Cu and Zr with Trg at least 0.58, 20 candidates",
     dict(base_element="Ti", required_elements=["Cu", "Zr"], ranges={"Trg": (0.58, None)}, n_candidates=20)),
    ("cheapest Zr glass with Tx > 700K", dict(base_element="Zr", prefer_low_cost=True, ranges={"Tx": (700.0, None)})),
    ("Pd based glass, no Cu, P-free, gamma>0.43, seed 7",
     dict(base_element="Pd", excluded_elements=["P", "Cu"], ranges={"gamma": (0.43, None)}, seed=7)),
    ("ternary Zr-Cu-based glass with 0.6 <= Trg <= 0.7, top 5",
     dict(base_element="Zr", required_elements=["Cu"], min_elements=3, max_elements=3, ranges={"Trg": (0.6, 0.7)},
          n_candidates=5)),
    ("novel La-based glass without silver", dict(base_element="La", excluded_elements=["Ag"], min_novelty=5.0)),
])
def test_the_grammar_reads_the_examples(text, expected):
    goal, not_understood = parse_goal(text)
    assert ranges(goal) == expected.pop("ranges", {})
    for name, value in expected.items():
        assert getattr(goal, name) == value, name
    assert not_understood == [] and goal.says_anything()


def test_per_element_limits_and_words_not_understood():
    parsed = parse_goal("Zr glass with Al at most 10 at.% and at least 40 at.% Zr, frobnicate the widget")
    assert {(l.element, l.min, l.max) for l in parsed.goal.element_limits} == {("Al", 0.0, 10.0), ("Zr", 40.0, 100.0)}
    assert parsed.not_understood == ["frobnicate", "widget"]
    assert "not_understood" not in DesignGoal.model_fields  # the words belong to the parse, not to the goal


def test_a_follow_up_refines_the_previous_goal():
    first = parse_goal("find Zr-based glass with Trg>0.6 avoiding Ag frobnicate").goal
    second, unused = parse_goal("now also avoid Be and keep cost under $25/kg", previous=first)
    assert unused == []  # the earlier request's words are not carried on
    assert second.base_element == "Zr" and second.excluded_elements == ["Ag", "Be"]
    assert second.max_cost_usd_per_kg == 25.0 and ranges(second) == {"Trg": (0.6, None)}
    assert second.constraint("Trg").describe() == "Trg > 0.6"  # the strict bound is kept
    third = parse_goal("Trg above 0.62, containing Ag", previous=second).goal
    assert ranges(third) == {"Trg": (0.62, None)}  # a new range on a property replaces the old one
    assert third.required_elements == ["Ag"] and third.excluded_elements == ["Be"]


@pytest.mark.parametrize("text, message", [
    ("Zr glass with Trg > 0.7 and Trg < 0.6", "contradictory range: Trg"),
    ("Xx-based glass with Trg > 0.6", "Xx not element symbols"),
    ("Zr-based glass containing Ag, avoiding Ag", "Ag both required (or the base) and excluded"),
    ("Zr-based glass with Trg > 1.5", "Trg > 1.5 cannot hold for any metallic glass"),
    ("Zr-based glass with Tg > 2000 K", "Tg > 2000 cannot hold for any metallic glass"),
    ("Zr-based ternary glass containing Cu, Al and Ni", "4 elements are required but at most 3 are allowed"),
    ("   ", "empty goal"),
])
def test_goals_that_cannot_hold_are_errors_that_say_why(text, message):
    with pytest.raises(GoalError) as error:
        parse_goal(text)
    assert message in str(error.value)


def test_the_json_form_has_the_documented_keys():
    goal = parse_goal("Cu-based BMG, gamma >= 0.41, no Be or Hf, under $30/kg, at most 4 elements").goal
    data = goal.as_json()
    assert {"base_element", "required_elements", "excluded_elements", "constraints", "max_elements",
            "max_cost_usd_per_kg", "n_candidates", "min_novelty", "seed"} <= set(data)
    assert data["constraints"] == [{"property": "gamma", "min": 0.41, "max": None}]
    assert DesignGoal.model_validate(data).as_json() == data
    # the README form leaves strictness out; the full dump (the conversation's state) keeps it
    strict = parse_goal("Zr glass with Trg > 0.6").goal
    assert DesignGoal.model_validate(strict.as_json()) != strict
    assert DesignGoal.model_validate(strict.model_dump(mode="json")) == strict


@pytest.mark.parametrize("text, says", [
    ("hello there", False), ("please, thanks", False), ("10 candidates", False),  # 10 is the default count
    ("Zr glass", True), ("Trg > 0.6", True), ("avoid Be", True), ("under $20/kg", True), ("cheapest", True),
    ("top 5", True), ("seed 3", True), ("novel", True), ("at most 4 elements", True), ("only Zr, Cu, Al", True),
    ("Al at most 10 at.%", True),
])
def test_a_goal_knows_whether_it_says_anything(text, says):
    assert parse_goal(text).goal.says_anything() is says
    assert DesignGoal().says_anything() is False


# --- objectives: "the highest Trg", "lowest Tl", "maximise γ", "as cheap as possible" (issue 14) ---------------------

@pytest.mark.parametrize("text, objective, expected", [
    ("Cu-based glass with the highest gamma", ("gamma", True), dict(base_element="Cu")),
    ("Zr-based glass with the highest Trg", ("Trg", True), dict(base_element="Zr")),
    ("Zr glass with the lowest Tl", ("Tl", False), dict(base_element="Zr")),  # "Tl" here is not thallium
    ("maximise γ in a Cu-based glass", ("gamma", True), dict(base_element="Cu")),
    ("Cu glass, maximize gamma", ("gamma", True), dict(base_element="Cu")),
    ("Zr glass with the widest supercooled liquid region", ("dTx", True), dict(base_element="Zr")),
    ("largest ΔTx Zr glass", ("dTx", True), dict(base_element="Zr")),
    ("Zr glass with delta Tx as large as possible", ("dTx", True), dict(base_element="Zr")),
    ("lowest liquidus Zr glass", ("Tl", False), dict(base_element="Zr")),
    ("Zr glass minimising the liquidus temperature", ("Tl", False), dict(base_element="Zr")),
    ("max Trg Pd glass", ("Trg", True), dict(base_element="Pd")),
    ("highest possible gamma, Zr-based", ("gamma", True), dict(base_element="Zr")),
    ("Zr-based, highest Trg first", ("Trg", True), dict(base_element="Zr")),
    ("Zr-based glass with Trg > 0.6 and the lowest Tl, without Be",
     ("Tl", False), dict(base_element="Zr", excluded_elements=["Be"], ranges={"Trg": (0.6, None)})),
    ("Cu-based glass as cheap as possible", None, dict(base_element="Cu", prefer_low_cost=True)),
    ("cheapest possible Zr glass", None, dict(base_element="Zr", prefer_low_cost=True)),
    ("Zr glass with the highest gamma, minimise cost", ("gamma", True), dict(base_element="Zr", prefer_low_cost=True)),
])
def test_the_grammar_reads_objectives_and_uses_all_their_words(text, objective, expected):
    goal, not_understood = parse_goal(text)
    assert not_understood == []
    assert (None if goal.objective is None else (goal.objective.property, goal.objective.maximise)) == objective
    assert ranges(goal) == expected.pop("ranges", {})
    for name, value in expected.items():
        assert getattr(goal, name) == value, name


def test_the_first_objective_is_read_and_a_second_is_reported_as_not_used():
    goal, not_understood = parse_goal("Zr glass with the highest Trg and the lowest Tl")
    assert goal.objective == Objective(property="Trg") and not_understood == ["lowest", "Tl"]
    # a superlative before a number is a bound the grammar did not read, not an objective
    goal, not_understood = parse_goal("Zr glass with maximum Trg of 0.6")
    assert goal.objective is None and not_understood[:2] == ["maximum", "Trg"]


def test_the_property_spellings_also_serve_the_bounds():
    assert ranges(parse_goal("Zr glass with γ > 0.4").goal) == {"gamma": (0.4, None)}
    assert ranges(parse_goal("Zr glass with liquidus temperature below 1100 K").goal) == {"Tl": (None, 1100.0)}


def test_an_objective_names_a_property_and_describes_itself():
    assert Objective(property="γ").property == "gamma"
    assert Objective(property="Tl", maximise=False).describe() == "lowest Tl"
    assert Objective(property="trg").describe() == "highest Trg"
    with pytest.raises(ValueError, match="unknown thermodynamic property 'hardness'"):
        Objective(property="hardness")
    with pytest.raises(ValueError):
        Objective(property="Trg", weight=2)  # extra fields are refused
    goal = parse_goal("Cu-based glass with the highest gamma, top 5").goal
    assert goal.describe() == "Cu-based; highest gamma first; 5 candidates, seed 0"
    assert parse_goal("the highest Trg").goal.says_anything()


def test_the_objective_in_the_json_form_and_back():
    goal = parse_goal("Zr-based glass with Trg > 0.6 and the lowest Tl").goal
    data = goal.as_json()
    assert data["objective"] == {"property": "Tl", "maximise": False}
    assert DesignGoal.model_validate(data).objective == goal.objective
    assert DesignGoal.model_validate(goal.model_dump(mode="json")) == goal
    assert parse_goal("Zr glass").goal.as_json()["objective"] is None
    assert "objective" in DesignGoal.model_json_schema()["properties"]


def test_a_follow_up_keeps_or_replaces_the_objective():
    first = parse_goal("Zr glass with the highest gamma").goal
    kept, unused = parse_goal("now also avoid Be", previous=first)
    assert kept.objective == first.objective and kept.excluded_elements == ["Be"] and unused == []
    replaced = parse_goal("now the lowest Tl", previous=first).goal
    assert replaced.objective == Objective(property="Tl", maximise=False)
