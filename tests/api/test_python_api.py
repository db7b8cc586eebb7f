"""The Python API (`import alloygan`): the README's example runs, results are typed, bad input is a ValueError."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    """The code block of the README's "Python API" section."""
    section = README.read_text(encoding="utf-8").split("### Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs_in_a_fresh_home_and_shows_training(fresh_home, capsys):
    namespace: dict = {}
    exec(compile(readme_example(), "README.md (Python API)", "exec"), namespace)
    captured = capsys.readouterr()
    assert "training the forward model" in captured.err and "training the ours generator for Zr" in captured.err

    from alloygan.tools.results import DesignAnswer, GoalParse, Predictions

    answer, predictions, goal = namespace["answer"], namespace["predictions"], namespace["goal"]
    assert isinstance(answer, DesignAnswer) and isinstance(predictions, Predictions) and isinstance(goal, GoalParse)
    assert 1 <= len(answer.candidates) <= 3
    assert all("Ag" not in c.composition and c.composition.get("Zr") == max(c.composition.values())
               for c in answer.candidates)
    frame = namespace["table"]
    assert list(frame["formula"]) == [c.formula for c in answer.candidates]
    assert list(frame["rank"]) == list(range(1, len(answer.candidates) + 1))
    rows = predictions.to_frame()
    assert list(rows["input"]) == ["Zr55Cu30Al10Ni5", "Cu46Zr46Al8"] and rows["Tg_mean"].between(500, 900).all()
    assert goal.goal.base_element == "Cu" and goal.goal.max_cost_usd_per_kg == 20


def test_a_warm_call_trains_nothing_and_a_callback_receives_progress(fresh_home, capsys):
    import alloygan

    seen = []
    alloygan.predict("Cu46Zr46Al8", on_progress=seen.append)
    assert any("training the forward model" in str(p) for p in seen)
    capsys.readouterr()
    again = []
    result = alloygan.predict(["Cu46Zr46Al8"], on_progress=again.append)
    assert not any("training" in str(p) for p in again)
    assert result.predictions[0].formula == "Cu46Zr46Al8"
    assert capsys.readouterr().err == ""  # a callback given: nothing drawn on stderr


@pytest.mark.slow  # a full design (about 5 s); the README example covers a design in the fast tier
def test_goals_as_fields_and_overrides():
    import alloygan

    answer = alloygan.design({"base_element": "Zr", "excluded_elements": ["Ag", "Be"]}, n=2, seed=1,
                             on_progress=lambda _: None)
    assert answer.goal.n_candidates == 2 and answer.goal.seed == 1 and len(answer.candidates) == 2
    assert all(not {"Ag", "Be"} & set(c.composition) for c in answer.candidates)


@pytest.mark.parametrize("call, message", [
    (lambda a: a.design("Zr glass", n=0), "n=0"),
    (lambda a: a.design("Zr glass", seed=-1), "seed=-1"),
    (lambda a: a.design(42), "not int"),
    (lambda a: a.design("   "), "plain words"),
    (lambda a: a.design({"base_element": "Zr", "colour": "red"}), "colour"),
    (lambda a: a.design("Zr glass with Trg > 1.5"), "cannot hold"),
    (lambda a: a.predict([]), "formulas"),
    (lambda a: a.predict([42]), "formulas"),
    (lambda a: a.predict(["Cu50Zr50"] * 100_001), "at most 100,000 per call"),
    (lambda a: a.search_literature("x", k=0), "k"),
])
def test_bad_input_is_a_value_error_naming_it(call, message):
    import alloygan

    with pytest.raises(ValueError, match=re.escape(message)):
        call(alloygan)


def test_an_unknown_name_is_an_attribute_error():
    import alloygan

    with pytest.raises(AttributeError):
        alloygan.no_such_function  # noqa: B018
    assert {"design", "predict", "parse_goal", "search_literature"} <= set(dir(alloygan))


def test_printing_a_design_shows_the_goal_and_the_candidate_table():
    import alloygan

    answer = alloygan.design("Zr-based glass with Trg > 0.6, 2 candidates", on_progress=lambda _: None)
    text = str(answer)
    assert text.splitlines()[0] == f"Goal: {answer.goal.describe()}"
    assert all(c.formula in text for c in answer.candidates) and "Trg_mean" in text


def test_suggest_in_a_notebook_logs_nothing_when_asked_not_to(trained_copy):
    import alloygan
    from alloygan.tools.experiments import list_suggestions

    result = alloygan.suggest("Zr-based glass with the highest gamma", batch=2, acquisition="UCB", log=False,
                              on_progress=lambda report: None)
    assert result.objective.property == "gamma" and result.objective.chosen_by == "goal"
    assert len(result.suggestions) == 2 and result.acquisition == "UCB" and not result.logged
    assert list_suggestions() == []
    with pytest.raises(ValueError, match="acquisition"):
        alloygan.suggest("Zr-based glass with the highest gamma", acquisition="best")
