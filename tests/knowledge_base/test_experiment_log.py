"""The experiment log's store: an older store gains the later columns; user-cast alloys and their results."""
from __future__ import annotations

import json

import pytest

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.experiments import ExperimentError, ExperimentLog, NewSuggestion

# the log's tables as they were before design_key, acquisition, reason and the result's source existed
OLD_SCHEMA = """
CREATE TABLE experiment_suggestions (
    id INTEGER PRIMARY KEY, formula TEXT NOT NULL, composition TEXT NOT NULL, predicted TEXT NOT NULL,
    p_meets_goal REAL, cost_usd_per_kg REAL, goal TEXT NOT NULL, goal_text TEXT NOT NULL DEFAULT '',
    design_rank INTEGER, generator TEXT NOT NULL DEFAULT '', forward_model TEXT NOT NULL DEFAULT '', thread TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE experiment_results (
    id INTEGER PRIMARY KEY, suggestion_id INTEGER NOT NULL UNIQUE REFERENCES experiment_suggestions(id),
    amorphous INTEGER NOT NULL, Tg REAL, Tx REAL, Tl REAL, note TEXT NOT NULL DEFAULT '',
    in_knowledge_base INTEGER NOT NULL, recorded_at TEXT NOT NULL)
"""
PREDICTED = {"Tg": {"mean": 700.0, "std": 10.0}, "Tx": {"mean": 780.0, "std": 12.0},
             "Tl": {"mean": 1150.0, "std": 20.0}}


@pytest.fixture
def old_store(store):
    """The shipped table and an experiment log of the older layout: suggestion 1 measured, 2 pending."""
    with store.transaction() as db:
        for statement in OLD_SCHEMA.split(";"):
            db.execute(statement)
        for formula in ("Zr50Cu40Al10", "Zr52Cu38Al10"):
            composition = Composition.parse(formula)
            db.execute("INSERT INTO experiment_suggestions(formula, composition, predicted, goal, goal_text, "
                       "design_rank, created_at) VALUES (?,?,?,?,?,?,?)",
                       (formula, json.dumps(composition.as_dict()), json.dumps(PREDICTED),
                        json.dumps({"base_element": "Zr"}), "Zr-based", 1, "2026-01-01T10:00:00+00:00"))
        db.execute("INSERT INTO experiment_results(suggestion_id, amorphous, note, in_knowledge_base, recorded_at) "
                   "VALUES (1, 0, 'crystalline', 0, '2026-01-02T10:00:00+00:00')")
    return store


def _columns(store, table: str) -> set[str]:
    return {row[1] for row in store.connection.execute(f"PRAGMA table_info({table})")}


def test_an_older_store_gains_the_new_columns_and_its_rows_read_as_designs(old_store):
    log = ExperimentLog(old_store)
    assert {"design_key", "acquisition", "reason"} <= _columns(old_store, "experiment_suggestions")
    assert "source" in _columns(old_store, "experiment_results")
    first, second = log.suggestions()
    # before the acquisition column only designs were logged: the migration says so, once
    assert (first.acquisition, first.reason, first.design_key) == ("design", "", "")
    assert first.measurement.note == "crystalline" and first.measurement.source == ""
    assert second.measurement is None and second.acquisition == "design"

    recorded = log.record(2, True, 705.0, 785.0, 1150.0, note="DSC", source="our lab")
    assert recorded.measurement.source == "our lab" and recorded.measurement.in_knowledge_base

    (new_id, created), = log.add_suggestions([NewSuggestion(
        composition=Composition.parse("Zr54Cu36Al10"), predicted=PREDICTED, goal={}, acquisition="EI",
        reason="expected gain 0.012 in Trg", design_key="batch-1")])
    again = ExperimentLog(old_store)  # opened a second time: nothing is migrated twice
    assert created and again.get(new_id).acquisition == "EI" and again.get(new_id).reason.startswith("expected gain")
    assert [s.acquisition for s in again.suggestions()] == ["design", "design", "EI"]


def test_a_user_alloy_gets_its_own_entry_and_a_repeat_cast_is_a_new_experiment(store):
    log = ExperimentLog(store)
    alloy = Composition.parse("Zr57.7Cu22.3Al11.9Ni8.1")
    first = log.record_user_alloy(alloy, True, 690.0, 760.0, 1110.0, source="our lab, DSC 20 K/min",
                                  predicted=PREDICTED, forward_model="forward-x")
    second = log.record_user_alloy(alloy, True, 694.0, 764.0, 1114.0)
    assert (first.id, second.id) == (1, 2)
    assert (first.acquisition, first.goal, first.goal_text, first.design_rank) == ("user", {}, "cast by the user", None)
    assert first.predicted == PREDICTED and first.forward_model == "forward-x"
    assert second.predicted == {} and second.forward_model == ""  # no prediction: no model named
    assert log.pending_for(alloy) is None  # a user entry is never pending
    [known] = [a for a in store.alloys() if a.composition == alloy]
    assert len(known.reports) == 2 and sorted(r.Tg for r in known.reports) == [690.0, 694.0]
    locations = sorted(r.location for r in known.reports)
    assert locations == ["experiment 1 (our lab, DSC 20 K/min)", "experiment 2"]
    assert any("source: our lab, DSC 20 K/min" in r.raw_text for r in known.reports)


def test_a_refused_user_measurement_stores_nothing(store):
    log = ExperimentLog(store)
    with pytest.raises(ExperimentError, match=r"Tg \(800 K\) exceeds Tx \(780 K\)"):
        log.record_user_alloy(Composition.parse("Zr60Cu30Al10"), True, 800.0, 780.0, 1100.0)
    with pytest.raises(ExperimentError, match="did not form a glass has no Tg, Tx, Tl"):
        log.record_user_alloy(Composition.parse("Zr60Cu30Al10"), False, 700.0)
    assert log.suggestions() == []


def test_the_pending_suggestion_of_a_composition_is_the_oldest_waiting_one(store):
    log = ExperimentLog(store)
    same = Composition.parse("Zr53.3Cu27.1Al10.8Ni8.8")
    ids = [logged.id for logged in log.add_suggestions([
        NewSuggestion(composition=same, predicted=PREDICTED, goal={}, design_key=key) for key in ("a", "b")])]
    assert log.pending_for(Composition.parse("Ni8.8Al10.8Cu27.1Zr53.3")).id == ids[0]  # canonical: any order
    log.record(ids[0], False)
    assert log.pending_for(same).id == ids[1]
    assert log.pending_for(Composition.parse("Zr53.3Cu27.1Al10.8Ni8.7Co0.1")) is None
