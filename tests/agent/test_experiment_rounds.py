"""`experiments report` per round, the best measured value against the number of experiments, and its plot, on a
small hand-made log whose answers are worked out by hand."""
from __future__ import annotations

import json

import pytest

from tests.agent.test_experiments import _counts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PREDICTED = {"Tg": {"mean": 700.0, "std": 10.0}, "Tx": {"mean": 780.0, "std": 12.0},
             "Tl": {"mean": 1150.0, "std": 20.0}, "Trg": {"mean": 0.61, "std": 0.01}}


@pytest.fixture
def campaign(fresh_home, monkeypatch):
    """Two logged batches and three alloys of the user's, recorded at known times:

    round 1 (design "kA", day 1 10:00): #1 Zr50Cu40Al10 glass Tg 660 Tl 1100 (Trg 0.6), #2 Zr52Cu38Al10 not a glass
    round 2 (EI batch "kB", 11:00):     #3 Zr55Cu35Al10 glass Tg 720 Tl 1125 (Trg 0.64), #4 Zr60Cu30Al10 pending
    round 3 (user, day 1):              #5 Zr46Cu44Al10 glass Tg 690 Tl 1150 (Trg 0.6)
    round 4 (user, day 2):              #6 Zr48Cu44Al8 glass Tg 700 Tl 1100 (Trg 0.6364, predicted),
                                        #7 Zr47Cu45Al8 glass Tg 650 Tl 1300 (Trg 0.5)
    recorded in the order #1, #2, #3, #5, #6, #7."""
    import alloygan.knowledge_base.experiments as experiments
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.experiments import ExperimentLog, NewSuggestion
    from alloygan.tools.knowledge import open_store

    clock = {"now": ""}
    monkeypatch.setattr(experiments, "_now", lambda: clock["now"])

    def at(day: int, time: str) -> None:
        clock["now"] = f"2026-12-0{day}T{time}:00+00:00"

    def batch(formulas, key, acquisition, goal_text):
        return [NewSuggestion(composition=Composition.parse(f), predicted=PREDICTED, goal={"base_element": "Zr"},
                              goal_text=goal_text, design_key=key, acquisition=acquisition, reason="why")
                for f in formulas]

    with open_store() as store:
        log = ExperimentLog(store)
        at(1, "10:00")
        log.add_suggestions(batch(["Zr50Cu40Al10", "Zr52Cu38Al10"], "kA", "design", "Zr-based; Trg >= 0.6"))
        at(1, "11:00")
        log.add_suggestions(batch(["Zr55Cu35Al10", "Zr60Cu30Al10"], "kB", "EI", "Zr-based; the highest Trg"))
        at(1, "12:00")
        log.record(1, True, 660.0, 740.0, 1100.0)
        at(1, "12:01")
        log.record(2, False, note="crystalline")
        at(1, "12:02")
        log.record(3, True, 720.0, 800.0, 1125.0)
        at(1, "12:03")
        log.record_user_alloy(Composition.parse("Zr46Cu44Al10"), True, 690.0, 770.0, 1150.0)
        at(2, "09:00")
        log.record_user_alloy(Composition.parse("Zr48Cu44Al8"), True, 700.0, 780.0, 1100.0, predicted=PREDICTED)
        at(2, "09:05")
        log.record_user_alloy(Composition.parse("Zr47Cu45Al8"), True, 650.0, 720.0, 1300.0)
    return fresh_home


def _round(r: dict) -> tuple:
    return (r["round"], r["kind"], r["acquisition"], r["suggested"], r["measured"], r["glasses"], r["pending"],
            r["experiments"], r["best"], r["best_formula"], r["best_so_far"])


def test_rounds_group_what_was_logged_together_and_the_users_alloys_by_day(campaign, run_cli):
    code, out, err = run_cli("experiments", "report", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["objective"], data["maximise"]) == ("Trg", True)
    assert (data["suggestions"], data["measured"], data["glasses"], data["pending"]) == (7, 6, 5, 1)
    assert [_round(r) for r in data["rounds"]] == [
        (1, "suggested", "design", 2, 2, 1, 0, [1, 2], 0.6, "Zr50Cu40Al10", 0.6),
        (2, "suggested", "EI", 2, 1, 1, 1, [3], 0.64, "Zr55Cu35Al10", 0.64),
        (3, "user", "user", 1, 1, 1, 0, [5], 0.6, "Zr46Cu44Al10", 0.64),
        (4, "user", "user", 2, 2, 2, 0, [6, 7], 0.6364, "Zr48Cu44Al8", 0.64),
    ]
    assert [r["label"] for r in data["rounds"]] == ["Zr-based; Trg >= 0.6", "Zr-based; the highest Trg",
                                                    "cast by the user on 2026-12-01", "cast by the user on 2026-12-02"]
    assert data["best_so_far"] == [
        {"experiments": 1, "value": 0.6, "formula": "Zr50Cu40Al10", "id": 1, "round": 1, "measured": 0.6},
        {"experiments": 2, "value": 0.6, "formula": "Zr50Cu40Al10", "id": 2, "round": 1, "measured": None},
        {"experiments": 3, "value": 0.64, "formula": "Zr55Cu35Al10", "id": 3, "round": 2, "measured": 0.64},
        {"experiments": 4, "value": 0.64, "formula": "Zr55Cu35Al10", "id": 5, "round": 3, "measured": 0.6},
        {"experiments": 5, "value": 0.64, "formula": "Zr55Cu35Al10", "id": 6, "round": 4, "measured": 0.6364},
        {"experiments": 6, "value": 0.64, "formula": "Zr55Cu35Al10", "id": 7, "round": 4, "measured": 0.5},
    ]
    # predicted vs measured per experiment: #1 Tg 700 ± 10 predicted, 660 measured: 40 K low, outside ±2σ
    first = {row["id"]: row for row in data["experiments"]}[1]
    assert first["properties"]["Tg"] == {"predicted": {"mean": 700.0, "std": 10.0}, "measured": 660.0,
                                         "error": -40.0, "within_2sigma": False}
    # the user's alloys: #6 was predicted (at record time), #5 and #7 had no model, so nothing to compare
    checks = {row["id"]: row for row in data["experiments"]}
    assert checks[6]["properties"]["Tl"]["error"] == -50.0 and checks[5]["properties"] == {}
    assert data["properties"]["Tg"]["n"] == 3  # #1, #3 and #6 carry predictions

    code, out, _ = run_cli("experiments", "report")
    flat = " ".join(out.split())
    assert code == 0 and "Round 2 (EI; logged 2026-12-01 11:00): Zr-based; the highest Trg" in flat
    assert "2 suggested, 1 measured (1 glass), 1 pending; best Trg 0.640 (Zr55Cu35Al10), best so far 0.640" in flat
    assert "#1 Zr50Cu40Al10: Tg 700±10 → 660 K (error -40)" in flat
    assert "#5 Zr46Cu44Al10: a glass; nothing was predicted for it" in flat
    assert "Best measured Trg (highest) after 6 experiments: 0.640 (Zr55Cu35Al10)." in flat


@pytest.mark.parametrize("options, values, best", [
    (("--lowest",), [0.6, 0.6, 0.6, 0.6, 0.6, 0.5], "Zr47Cu45Al8"),
    (("--objective", "Tl", "--lowest"), [1100.0] * 6, "Zr50Cu40Al10"),  # #6 ties #1 at 1100 K: the earlier stays
    (("--objective", "γ"), [0.4205, 0.4205, 0.4336, 0.4336, 0.4336, 0.4336], "Zr55Cu35Al10"),  # γ = Tx/(Tg+Tl)
])
def test_the_objective_and_its_direction_choose_the_best(campaign, run_cli, options, values, best):
    code, out, err = run_cli("experiments", "report", "--json", *options)
    assert code == 0, err
    curve = json.loads(out)["best_so_far"]
    assert [point["value"] for point in curve] == values and curve[-1]["formula"] == best


def test_the_plot_is_a_png_of_the_best_so_far(campaign, run_cli, tmp_path):
    target = tmp_path / "best.png"
    code, out, err = run_cli("experiments", "report", "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == PNG_MAGIC and f"Plot written to {target}" in " ".join(out.split())
    code, _, err = run_cli("experiments", "report", "--plot", str(target))  # exists: needs --force
    assert code == 2 and "exists; add --force" in err
    assert run_cli("experiments", "report", "--plot", str(target), "--force")[0] == 0


@pytest.mark.parametrize("plot, message", [
    ("missing-dir/best.png", "directory"),
    ("best.svg", "the plot is a PNG image; give a file name ending in .png"),
    (".", "ending in .png"),
])
def test_a_bad_plot_path_or_objective_fails_before_any_work(campaign, run_cli, tmp_path, monkeypatch, plot, message):
    import alloygan.tools.experiments as tools_experiments

    def must_not_run(*args, **kwargs):
        raise AssertionError("the report was computed before the plot path was checked")

    monkeypatch.setattr(tools_experiments, "experiments_report", must_not_run)
    before = _counts(campaign)
    code, _, err = run_cli("experiments", "report", "--plot", str(tmp_path / plot))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert _counts(campaign) == before and not (tmp_path / "missing-dir").exists()


def test_an_objective_that_is_not_a_property_of_the_temperatures_is_refused(campaign, run_cli):
    code, _, err = run_cli("experiments", "report", "--objective", "cost")
    assert code == 2 and "--objective cost: unknown thermodynamic property 'cost'; use one of Tg, Tx, Tl" in err
