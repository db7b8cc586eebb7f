"""The REST API (/api/): the CLI's JSON for the same request, 422 naming the field of a bad body, 400 with the tools'
message for an input they refuse, the token and the body limit."""
from __future__ import annotations

import pytest

from tests.agent.server.conftest import GOAL, offline_app


def quiet(progress) -> None:
    pass


def test_design_answers_the_candidates_of_the_python_api(client):
    from alloygan.api import design

    response = client.post("/api/design", json={"goal": GOAL, "n": 5, "seed": 0})

    assert response.status_code == 200
    expected = design(GOAL, n=5, seed=0, on_progress=quiet)
    assert [c["formula"] for c in response.json()] == [c.formula for c in expected.candidates]
    assert response.json()[0] == expected.candidates[0].to_json()


def test_design_of_structured_fields_and_the_full_answer(client):
    goal = {"base_element": "Zr", "excluded_elements": ["Ag", "Be"], "constraints": [{"property": "Trg", "min": 0.6}]}

    response = client.post("/api/design?full=true", json={"goal": goal, "n": 3, "seed": 0})

    assert response.status_code == 200
    answer = response.json()
    assert list(answer) == ["goal", "not_understood", "candidates", "stats", "notes"]
    assert answer["goal"]["excluded_elements"] == ["Ag", "Be"] and answer["goal"]["n_candidates"] == 3
    assert len(answer["candidates"]) == 3
    assert all(not {"Ag", "Be"} & set(c["composition"]) for c in answer["candidates"])


@pytest.mark.parametrize("body, field", [
    ({"goal": 5}, ["body", "goal"]),
    ({"goal": "   "}, ["body", "goal"]),
    ({"goal": GOAL, "n": 0}, ["body", "n"]),
    ({"goal": GOAL, "colour": "blue"}, ["body", "colour"]),
    ({"goal": {"base_element": "Zr", "constraints": [{"property": "Trg", "min": 2}]}}, ["body", "goal", "fields"]),
])
def test_a_bad_design_body_is_422_naming_the_field(client, body, field):
    response = client.post("/api/design", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == field


def test_a_design_goal_longer_than_the_chat_limit_is_refused(client, monkeypatch):
    monkeypatch.setenv("ALLOYGAN_API_MAX_MESSAGE_CHARS", "100")

    response = client.post("/api/design", json={"goal": GOAL + " " * 100})

    assert response.status_code == 422
    assert "at most 100" in response.json()["detail"][0]["msg"]


def test_a_goal_that_cannot_hold_is_400_with_the_reason(client):
    response = client.post("/api/design", json={"goal": "find Zr-based glass with Trg>2"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Trg > 2 cannot hold for any metallic glass: Trg lies between 0 and 1"}


def test_predict_answers_the_cli_records(client):
    from alloygan.api import predict

    response = client.post("/api/predict", json={"formulas": ["Zr55Cu30Al10Ni5", "Cu46Zr46Al8"]})

    assert response.status_code == 200
    expected = predict(["Zr55Cu30Al10Ni5", "Cu46Zr46Al8"], on_progress=quiet).predictions
    assert response.json() == [p.to_json() for p in expected]
    assert response.json()[0]["input"] == "Zr55Cu30Al10Ni5"
    assert response.json()[0]["nearest_known"][0]["formula"] == "Zr55Cu30Al10Ni5"  # a known alloy: distance 0


def test_predict_of_a_bad_formula_is_400_with_the_message(client):
    response = client.post("/api/predict", json={"formulas": ["Zr55Cu30Al10Ni5", "Xx5"]})

    assert response.status_code == 400
    assert response.json()["detail"] == "cannot read formula 'Xx5': 'Xx' is not an element symbol (position 1)"


@pytest.mark.parametrize("body, problem", [
    ({"formulas": "Zr55Cu30Al10Ni5"}, ("list_type", ["body", "formulas"])),
    ({"formulas": []}, ("too_short", ["body", "formulas"])),
    ({"formula": ["Cu50Zr50"]}, ("extra_forbidden", ["body", "formula"])),
])
def test_a_bad_predict_body_is_422(client, body, problem):
    response = client.post("/api/predict", json=body)

    assert response.status_code == 422
    assert problem in [(error["type"], error["loc"]) for error in response.json()["detail"]]


def test_predict_takes_at_most_the_tools_bound():
    from alloygan.agent.server import rest

    field = rest.PredictRequest.model_fields["formulas"]
    assert any(getattr(m, "max_length", None) == rest.MAX_INPUTS for m in field.metadata)


def test_parse_goal_answers_the_cli_json(client):
    from alloygan.api import parse_goal

    response = client.post("/api/parse-goal", json={"goal": GOAL + " and a purple unicorn"})

    assert response.status_code == 200
    assert response.json() == parse_goal(GOAL + " and a purple unicorn").to_json()
    assert response.json()["excluded_elements"] == ["Ag"]
    assert response.json()["constraints"] == [{"property": "Trg", "min": 0.6, "max": None}]
    assert response.json()["not_understood"] == ["purple", "unicorn"]


def test_kb_query_answers_the_cli_records(client):
    from alloygan.tools.knowledge import AlloyQuery, query_alloys

    response = client.get("/api/kb/query", params={"base": "Zr", "require": "Cu,Al", "exclude": "Ag",
                                                   "where": "Trg>=0.6", "limit": 3})

    assert response.status_code == 200
    expected = query_alloys(AlloyQuery(base="Zr", require=["Cu", "Al"], exclude=["Ag"], where="Trg>=0.6", limit=3))
    assert response.json() == [a.to_json() for a in expected.alloys]
    assert len(response.json()) == 3 and response.headers["X-Alloygan-Found"] == str(expected.n_found)
    assert all(a["Trg"] >= 0.6 and "Ag" not in a["composition"] for a in response.json())


def test_kb_query_refuses_unknown_parameters_and_elements(client):
    unknown = client.get("/api/kb/query", params={"base": "Zr", "colour": "blue"})
    bad_element = client.get("/api/kb/query", params={"exclude": "Qq"})

    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "colour"]
    assert bad_element.status_code == 400 and "Qq" in bad_element.json()["detail"]


def test_literature_search_without_documents_says_what_to_do(client, fresh_home):
    response = client.post("/api/lit/search", json={"query": "glass forming ability", "k": 2})
    too_many = client.post("/api/lit/search", json={"query": "glass", "k": 500})

    assert response.status_code == 400 and "alloygan lit ingest" in response.json()["detail"]
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["body", "k"]


def test_the_web_button_logs_candidates_of_a_conversation(client, tmp_path, monkeypatch):
    service = client.app.state.service
    turn = service.turn(GOAL)  # a conversation's design (in the session's state, where models are trained)
    monkeypatch.setenv("ALLOYGAN_HOME", str(tmp_path / "home"))  # the experiment log of this test alone
    assert client.get("/api/experiments").json() == []

    logged = client.post("/api/experiments/log", json={"thread": turn.thread, "ranks": [1, 3]})

    assert logged.status_code == 200
    ranked = {c.rank: c.formula for c in turn.design.candidates}
    assert [(s["design_rank"], s["formula"]) for s in logged.json()["logged"]] == [(1, ranked[1]), (3, ranked[3])]
    listed = client.get("/api/experiments")
    assert [(s["formula"], s["thread"], s["status"]) for s in listed.json()] == [
        (ranked[1], turn.thread, "pending"), (ranked[3], turn.thread, "pending")]


def test_suggest_logs_a_batch_and_the_report_sees_it(client, trained_copy):
    body = {"request": "Zr-based glass with the highest Trg avoiding Be", "batch": 2, "acquisition": "UCB"}
    suggested = client.post("/api/suggest", json=body)

    assert suggested.status_code == 200, suggested.text
    result = suggested.json()
    assert result["acquisition"] == "UCB" and result["objective"]["property"] == "Trg" and result["logged"]
    ids = [s["experiment_id"] for s in result["suggestions"]]
    assert len(ids) == 2 and [e["id"] for e in client.get("/api/experiments").json()] == ids
    assert {e["acquisition"] for e in client.get("/api/experiments").json()} == {"UCB"}
    report = client.get("/api/experiments/report").json()
    assert report["suggestions"] == 2 and report["pending"] == 2 and len(report["rounds"]) == 1
    bad = client.post("/api/suggest", json=body | {"batch": 0})
    no_family = client.post("/api/suggest", json={"request": "something with high Trg"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "batch"]
    assert no_family.status_code == 400 and "family" in no_family.json()["detail"]


def test_logging_needs_a_thread_this_server_issued(client):
    unknown = client.post("/api/experiments/log", json={"thread": "web-not-issued", "ranks": [1]})
    bad_ranks = client.post("/api/experiments/log", json={"thread": "web-x", "ranks": "first"})

    assert unknown.status_code == 404 and "web-not-issued" in unknown.json()["detail"]
    assert bad_ranks.status_code == 422 and bad_ranks.json()["detail"][0]["loc"] == ["body", "ranks"]


def test_health_and_the_openapi_page(client):
    health = client.get("/api/health").json()
    schema = client.get("/openapi.json").json()

    assert health["ok"] is True and health["planner"] == "offline" and health["uptime_seconds"] >= 0
    assert {"/api/design", "/api/predict", "/api/parse-goal", "/api/lit/search", "/api/kb/query", "/api/experiments",
            "/api/experiments/log", "/api/suggest", "/api/experiments/report", "/api/health"} <= set(schema["paths"])
    design_body = schema["components"]["schemas"]["DesignRequest"]
    assert set(design_body["properties"]) == {"goal", "n", "seed"} and design_body["required"] == ["goal"]
    assert set(schema["components"]["schemas"]["SearchArgs"]["properties"]) == {"query", "k"}
    assert client.get("/docs").status_code == 200


def test_the_token_is_required_when_set_and_the_body_is_bounded(tmp_path):
    from fastapi.testclient import TestClient

    with TestClient(offline_app(tmp_path, token="s3cret", max_body_bytes=2_000)) as guarded:
        without = guarded.get("/api/health")
        wrong = guarded.get("/api/health", headers={"Authorization": "Bearer nope"})
        with_token = guarded.get("/api/health", headers={"Authorization": "Bearer s3cret"})
        too_large = guarded.post("/api/predict", json={"formulas": ["Cu50Zr50"] * 300},
                                 headers={"Authorization": "Bearer s3cret"})

    assert without.status_code == 401 and wrong.status_code == 401
    assert with_token.status_code == 200 and with_token.json()["ok"] is True
    assert too_large.status_code == 413 and "2,000 bytes" in too_large.json()["detail"]
