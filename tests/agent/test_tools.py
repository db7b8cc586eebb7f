"""The LangChain tools as a model meets them: typed arguments, compact JSON results, errors as messages."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from tests.agent.conftest import synthetic_design
from alloygan.tools.langchain_tools import agent_tools

SNIPPETS = Path(__file__).resolve().parents[1] / "data" / "literature" / "snippets"
KNOWN = "Zr65Cu17.5Ni10Al7.5"
NAMES = {"search_literature", "extract_alloy_data", "query_alloys", "describe_alloy", "predict_properties",
         "train_models", "design_alloys", "log_experiment_suggestion", "record_experiment_result",
         "suggest_experiments"}


@pytest.fixture(scope="module")
def tools():
    return {tool.name: tool for tool in agent_tools()}


def call(tool, config: dict | None = None, **args) -> ToolMessage:
    message = tool.invoke({"name": tool.name, "args": args, "id": "call-1", "type": "tool_call"}, config)
    assert isinstance(message, ToolMessage) and message.tool_call_id == "call-1"
    return message


def test_every_tool_has_a_strict_schema_and_descriptions_for_a_model(tools):
    assert set(tools) == NAMES
    for tool in tools.values():
        assert len(tool.description) > 80, tool.name
        schema = tool.tool_call_schema.model_json_schema()  # what a model sees (injected state left out)
        assert tool.args_schema.model_config.get("extra") == "forbid", tool.name
        for name, field in schema.get("properties", {}).items():
            assert field.get("description"), f"{tool.name}.{name} has no description"
        assert not {"current_goal", "design", "thread"} & set(schema.get("properties", {})), tool.name


@pytest.mark.parametrize("name, args, message", [
    ("design_alloys", {}, "give the goal"),
    ("design_alloys", {"request": "Zr-based glass avoiding Zr", "refine": False}, "both required (or the base) and excluded"),
    ("design_alloys", {"goal": {"base_element": "Xx"}}, "base_element: base element: Xx not element"),
    ("predict_properties", {"formulas": ["Qq50Zr50"]}, "Qq50Zr50"),
    ("describe_alloy", {"formulas": ["Ti-6Al-4V"]}, "Ti-6Al-4V"),
    ("query_alloys", {"base": "Zr", "where": "Trg>>0.6"}, "Trg>>0.6"),
    ("train_models", {"model": "nope"}, "--model nope: use one of"),
    ("extract_alloy_data", {"paths": ["/no/such/paper.pdf"]}, "/no/such/paper.pdf"),
    ("search_literature", {"query": "   "}, "the query is blank"),
    ("log_experiment_suggestion", {"ranks": [1]}, "no designed candidates to log yet"),
    ("record_experiment_result", {"suggestion_id": 1, "Tg": 700, "Tx": 780, "Tl": 1100}, "no experiment suggestion 1"),
    ("record_experiment_result", {"suggestion_id": 0, "amorphous": False}, "no experiment suggestion 0"),
    ("record_experiment_result", {"suggestion_id": "one"}, "invalid arguments (suggestion_id: Input should be a valid"),
    ("search_literature", {"query": "Zr", "k": 51}, "invalid arguments (k: Input should be less than or equal to 50)"),
    ("query_alloys", {"base": "Zr", "colour": "red"}, "invalid arguments (colour: Extra inputs are not permitted)"),
])
def test_bad_arguments_come_back_as_an_error_message_not_an_exception(tools, request, name, args, message):
    if "experiment" in name:  # an empty experiment log; the others read the session's home and its models
        request.getfixturevalue("fresh_home")
    result = call(tools[name], **args)
    assert result.status == "error" and result.text.startswith("error") and message in result.text, result.text


def test_knowledge_base_tools_answer_compact_json_with_sources(tools):
    found = call(tools["query_alloys"], base="Zr", require=["Ni"], where="Trg>=0.6", limit=3)
    data = json.loads(found.text)
    assert data["n_found"] > 3 and len(data["alloys"]) == 3 and found.artifact.n_found == data["n_found"]
    assert [a["formula"] for a in data["alloys"]] == [a.formula for a in found.artifact.alloys]
    assert all(a["Trg"] >= 0.6 and "Ni" in a["formula"] and a["source"] for a in data["alloys"])
    assert found.text == json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # compact

    described = json.loads(call(tools["describe_alloy"], formulas=[KNOWN]).text)["alloys"][0]
    assert described["formula"] == KNOWN and described["cost_usd_per_kg"] > 0 and described["known"]["Tg"] > 0
    assert "delta" in json.dumps(described["descriptors"]) and not any(
        k.startswith("MagpieData") for k in described["descriptors"])


def test_literature_tools_search_and_extract(tools, fresh_home, tmp_path, monkeypatch):
    from alloygan.knowledge_base.literature import embeddings
    from tests.knowledge_base.literature.conftest import HashEmbedding
    from alloygan.tools.literature import IngestArgs, ingest_documents

    monkeypatch.setattr(embeddings, "MiniLMEmbedding", HashEmbedding)
    shutil.copy(SNIPPETS / "fe_paper.html", tmp_path)
    ingest_documents(IngestArgs(paths=[str(tmp_path)]))
    passages = json.loads(call(tools["search_literature"], query="Fe-based amorphous steels", k=1).text)["passages"]
    assert len(passages) == 1 and passages[0]["page"] == 1 and passages[0]["document"].startswith("Fe-based")

    extracted = call(tools["extract_alloy_data"], paths=[str(SNIPPETS / "pd_text_table.txt")], method="rules")
    data = json.loads(extracted.text)
    assert data["n_records"] == 3 and data["committed"] is None and data["records"][0]["formula"] == "Ni40Pd40P20"
    assert data["records"][0]["quote"] and data["records"][0]["document"]


def test_the_experiment_tools_log_the_injected_design_and_record_a_result(tools, fresh_home):
    logged = call(tools["log_experiment_suggestion"], ranks=[2, 1], design=synthetic_design(3),
                  config={"configurable": {"thread_id": "t-1"}})
    data = json.loads(logged.text)
    assert [(s["id"], s["design_rank"]) for s in data["logged"]] == [(1, 2), (2, 1)]
    assert data["forward_model"] == "forward-test-version" and logged.artifact.logged[0].thread == "t-1"
    assert "rank 4: not in the last design" in call(tools["log_experiment_suggestion"], ranks=[4],
                                                    design=synthetic_design(3)).text

    recorded = json.loads(call(tools["record_experiment_result"], suggestion_id=2, Tg=705, Tx=785, Tl=1160).text)
    assert recorded == {"id": 2, "formula": "Zr50Cu40Al10", "status": "glass",
                        "measured": {"Tg": 705.0, "Tx": 785.0, "Tl": 1160.0},
                        "predicted": {"Tg": {"mean": 701.0, "std": 10.0}, "Tx": {"mean": 780.0, "std": 12.0},
                                      "Tl": {"mean": 1150.0, "std": 20.0}},
                        "added_to_knowledge_base": True}
    failed = call(tools["record_experiment_result"], suggestion_id=1, amorphous=False, note="crystalline")
    assert json.loads(failed.text)["added_to_knowledge_base"] is False
