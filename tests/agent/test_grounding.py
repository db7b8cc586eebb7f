"""The number check: every number of an LLM answer comes from this turn's tool results or the user."""
from __future__ import annotations

import json

from alloygan.agent.grounding import numbers_written, ungrounded_numbers

RESULT = json.dumps({"candidates": [
    {"rank": 1, "formula": "Zr47.5Cu42Al8.5Ni1.1Co0.9", "Tg": {"mean": 697.43, "std": 12.71},
     "Trg": {"mean": 0.6043, "std": 0.0121}, "p_meets_goal": 0.8731, "cost_usd_per_kg": 23.56},
    {"rank": 2, "formula": "Zr50.6Cu36.8Al11Ni1.6", "Tg": {"mean": 703.0, "std": 17.0}}],
    "stats": {"passing": 4556, "unique_valid": 18594}})


def test_numbers_are_read_as_written():
    written = numbers_written("4,556 of 18,594 pass; Trg 0.604±0.012 (1σ), 87% likely\n2. next")
    assert [(w.value, w.decimals, w.percent) for w in written] == [
        (4556, 0, False), (18594, 0, False), (0.604, 3, False), (0.012, 3, False), (87, 0, True)]


def test_quoted_and_rounded_numbers_pass():
    answer = ("1. Zr47.5Cu42Al8.5Ni1.1Co0.9: Tg 697 ± 13 K, Trg 0.60 ± 0.012, P(goal) 87%, 23.6 USD/kg\n"
              "2. Zr50.6Cu36.8Al11Ni1.6: Tg 703 K. 4,556 of 18,594 meet the goal (±2σ shown); 2 candidates; "
              "you asked for Trg > 0.6 under $25/kg.")
    assert ungrounded_numbers(answer, [RESULT, "find Zr glass with Trg>0.6 under $25/kg"]) == []


def test_invented_or_misrounded_numbers_are_caught():
    answer = "Tg is 698 K (mean 697.43 rounds to 697), Trg 0.61, a 5 mm rod, 95% likely, Tg in °C is 424."
    assert ungrounded_numbers(answer, [RESULT]) == ["698", "0.61", "5", "95", "424"]


def test_nothing_is_grounded_without_sources():
    assert ungrounded_numbers("Metallic glasses need Trg above 0.6.", []) == ["0.6"]
    assert ungrounded_numbers("No numbers here.", []) == []


def test_formulas_are_checked_whole_and_ground_no_other_number():
    sources = [RESULT, {"composition": {"Zr": 55.0, "Cu": 25.0}, "formula": "Zr55Cu25Al20"}]
    assert ungrounded_numbers("Zr47.5Cu42Al8.5Ni1.1Co0.9 and Zr55Cu25Al20 are listed.", sources) == []
    assert ungrounded_numbers("Try Zr60Cu30Al10 instead.", sources) == ["Zr60Cu30Al10"]  # an alloy no tool named
    assert ungrounded_numbers("The cost is $25/kg.", sources) == ["25"]  # not grounded by Cu25 nor {"Cu": 25}


def test_a_requested_number_is_grounded_only_as_a_requirement():
    asked = ["now also avoid Be and keep cost under $25/kg"]
    assert ungrounded_numbers("All candidates keep the cost under $25/kg.", [RESULT], asked) == []
    assert ungrounded_numbers("The cost of the material is $25/kg.", [RESULT], asked) == ["25"]
    assert ungrounded_numbers("The cost of the material is $25/kg.", [RESULT, {"cost": 24.8}], asked) == ["25"]
    assert ungrounded_numbers("The cost of the material is $25/kg.", [RESULT, {"cost": 25.0}], asked) == []


def test_an_excluded_element_named_as_present_is_caught():
    from alloygan.agent.grounding import excluded_named

    wrong = "The goal is a reference for the synthesis of Zr based alloys with Ag in the context of alloyGAN."
    assert excluded_named(wrong, ["Ag"]) == ["Ag"]
    for fine in ("Zr-based glasses without Ag", "no Ag or Be in any candidate", "avoiding Be, Ag", "Ag-free alloys",
                 "Agreed: the candidates are Zr-based."):
        assert excluded_named(fine, ["Ag", "Be"]) == [], fine
