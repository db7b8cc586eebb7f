"""`lit extract --llm` when the LLM fails: one line, the rules' records, and no request once per chunk.

Through the real client (langchain-openai) against the scripted server on 127.0.0.1 (tests/openai_server.py), or
against a port where nothing listens: a refusal, HTTP 401/404/500, a frozen server, a dropped connection each end
the LLM's part of the run at the first failure (the circuit breaker); the rules read the documents instead and a
one-line note says why. A model that answers, but badly (not JSON, invented values), gives no record for that
excerpt, the reasons, and a summary note.
"""
from __future__ import annotations

import json

import pytest

from alloygan.knowledge_base.literature.errors import LLMEndpointError
from alloygan.knowledge_base.literature.llm_extractor import LLMExtractor
from tests.knowledge_base.literature.conftest import ScriptedChatModel, text_document
from tests.openai_server import wire_fixture

ZR = "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K."
CU = "The Cu46Zr46Al8 glass shows Tg = 710 K, Tx = 778 K and Tl = 1163 K."
PD = "The Ni40Pd40P20 glass shows Tg = 576 K, Tx = 671 K and Tl = 991 K."
RULE_FORMULAS = ["Zr65Cu17.5Ni10Al7.5", "Cu46Zr46Al8", "Ni40Pd40P20"]
REFUSED_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def papers(tmp_path):
    """Two small text documents, three excerpts that speak of Tg: a.txt has two pages (a form feed), b.txt one."""
    (tmp_path / "a.txt").write_text(f"{ZR}\n\f{CU}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"{PD}\n", encoding="utf-8")
    return [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]


def extract(run_cli, papers, *options: str) -> tuple[dict, str]:
    code, out, err = run_cli("lit", "extract", *papers, "--llm", "--json", "--details", *options)
    assert code == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    return json.loads(out), err


def llm_record(formula: str, quote: str, **values) -> dict:
    return {"composition": formula, "unit": "K", "heating_rate": None, "heating_rate_unit": None, "quote": quote,
            **values}


def error_reply(status: int, message: str, kind: str) -> dict:
    return {"status": status, "body": {"error": {"message": message, "type": kind, "param": None, "code": None}}}


FAILURES = {
    # name: (replies of the server, environment, what the note says, requests the server sees)
    "HTTP 401": ([error_reply(401, "Invalid API key", "invalid_request_error")], {},
                 "refused the key (HTTP 401); set ALLOYGAN_LLM_API_KEY", 1),
    "HTTP 404": ([{key: wire_fixture("ollama_error_404")[key] for key in ("status", "body")}], {},
                 'answered HTTP 404 (model "llama3.1" not found, try pulling it first)', 1),
    "HTTP 500": ([{key: wire_fixture("llama_cpp_error_500")[key] for key in ("status", "body")}], {},
                 "answered HTTP 500 (7 validation errors", 1),
    "timeout": ([{"delay": 30, "content": '{"records": []}'}], {"ALLOYGAN_LLM_TIMEOUT": "1"},
                "did not answer within 1 s (ALLOYGAN_LLM_TIMEOUT)", 1),
    # a connection error is retried (ALLOYGAN_LLM_MAX_RETRIES=1: two requests), then never again in the run
    "dropped connection": ([{"drop": True}] * 5, {"ALLOYGAN_LLM_MAX_RETRIES": "1"}, "cannot reach the LLM at", 2),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_an_endpoint_failure_is_one_note_and_the_rules_records(failure, fresh_home, llm_env, papers, run_cli,
                                                               monkeypatch):
    replies, environment, says, requests = FAILURES[failure]
    llm_env.replies = list(replies)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result, err = extract(run_cli, papers)
    assert len(llm_env.requests) == requests  # not one per excerpt (three) or per document (two)
    (note,) = result["notes"]
    assert says in note and note.endswith("the LLM was not asked again: the records of 2 documents were "
                                          "extracted by the rules instead")
    assert llm_env.base_url in note and "\n" not in note
    assert f"note: {note}" in " ".join(err.split("\n"))  # on the screen too (stdout holds the JSON)
    assert result["method"] == "rules"
    assert [r["formula"] for r in result["records"]] == RULE_FORMULAS
    assert [(d["method"], d["llm_failure"], d["llm_calls"]) for d in result["documents"]] == [
        ("rules", note.split("; the LLM was not asked again")[0], 1), ("rules", note.split("; the LLM was not")[0], 0)]
    _, rules_out, _ = run_cli("lit", "extract", *papers, "--rules", "--json")
    assert result["records"] == json.loads(rules_out)  # exactly what the rules give


def test_a_refused_connection_is_retried_then_the_rules_read_every_document(fresh_home, papers, run_cli,
                                                                           monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("ALLOYGAN_LLM_BASE_URL", REFUSED_URL)
    monkeypatch.setenv("ALLOYGAN_LLM_MODEL", "absent-model")
    monkeypatch.setenv("ALLOYGAN_LLM_MAX_RETRIES", "0")
    result, err = extract(run_cli, papers)
    (note,) = result["notes"]
    assert note.startswith(f"cannot reach the LLM at {REFUSED_URL}") and "ALLOYGAN_LLM_BASE_URL" in note
    assert [d["llm_calls"] for d in result["documents"]] == [1, 0]  # one request in the whole run
    assert [r["formula"] for r in result["records"]] == RULE_FORMULAS and result["method"] == "rules"
    # the person's view: the table, the note on one line, no traceback
    code, out, err = run_cli("lit", "extract", *papers, "--llm")
    assert code == 0 and "Traceback" not in err
    assert "3 records (rules)" in out
    (line,) = [line for line in out.splitlines() if line.startswith("note: ")]
    assert line == f"note: {note}"


def test_commit_after_a_failure_stores_the_rule_records_and_says_so(fresh_home, llm_env, papers, run_cli):
    from alloygan.tools.knowledge import open_store

    llm_env.replies = [error_reply(401, "Invalid API key", "invalid_request_error")]
    code, out, err = run_cli("lit", "extract", *papers, "--llm", "--commit")
    assert code == 0 and "Traceback" not in err, err
    assert "Knowledge base: 3 reports added, 0 already present (the rule records of the documents the LLM did not " \
           "read, as --rules stores them)." in " ".join(out.split())
    with open_store() as store:
        reports = [r for r in store.reports() if r.source.kind.startswith("mined-")]  # not the seed data
    assert sorted(r.composition.formula for r in reports) == sorted(RULE_FORMULAS)
    assert {(r.source.kind, r.method) for r in reports} == {("mined-rules", "rules")}
    code, out, _ = run_cli("lit", "extract", *papers, "--rules", "--commit")  # the same reports as the rules'
    assert code == 0 and "0 reports added, 3 already present" in out


def test_a_failure_after_the_first_document_keeps_the_llm_records_before_it(fresh_home, llm_env, papers, run_cli,
                                                                           tmp_path):
    (tmp_path / "c.txt").write_text(f"{ZR}\n", encoding="utf-8")
    zr = llm_record("Zr65Cu17.5Ni10Al7.5", ZR, Tg=656, Tx=741, Tl=1168)
    cu = llm_record("Cu46Zr46Al8", CU, Tg=710, Tx=778, Tl=1163)
    llm_env.replies = [{"content": json.dumps({"records": [zr]})}, {"content": json.dumps({"records": [cu]})},
                       error_reply(500, "out of memory", "internal_server_error")]
    result, _ = extract(run_cli, [*papers, str(tmp_path / "c.txt")])
    assert len(llm_env.requests) == 3  # a.txt's two excerpts, then b.txt's one, which failed; none for c.txt
    assert [(d["document"], d["method"], d["llm_calls"]) for d in result["documents"]] == [
        ("a.txt", "llm", 2), ("b.txt", "rules", 1), ("c.txt", "rules", 0)]
    assert [(r["formula"], r["method"]) for r in result["records"]] == [
        ("Zr65Cu17.5Ni10Al7.5", "llm"), ("Cu46Zr46Al8", "llm"), ("Ni40Pd40P20", "rules"),
        ("Zr65Cu17.5Ni10Al7.5", "rules")]
    assert result["method"] == "llm"  # the LLM read a document
    (note,) = result["notes"]
    assert "HTTP 500 (out of memory)" in note and note.endswith("the records of 2 documents were extracted by "
                                                                "the rules instead")


def test_invalid_json_gives_no_record_the_reason_and_a_summary(fresh_home, llm_env, papers, run_cli):
    # a.txt's first excerpt: three answers that are not JSON (the retry with the error included), then valid answers
    llm_env.replies = [{"content": "Sure! Here is the JSON you asked for: records = Zr65"}] * 3
    result, err = extract(run_cli, papers)
    assert len(llm_env.requests) == 5  # 3 for the first excerpt, 1 for each of the other two
    assert result["records"] == [] and result["method"] == "llm"
    (rejected,) = result["rejected"]
    assert rejected["location"] == "p1 chunk 1" and rejected["reason"].startswith(
        "no valid answer after 3 attempts; last problem: the answer is not valid JSON")
    assert result["notes"] == [("the LLM gave no usable answer for 1 of 3 excerpts (an answer that was not the JSON "
                                "asked for, or records failing the checks against the text); the reasons are among "
                                "the rejected candidates")]
    assert [(d["llm_excerpts"], d["llm_unusable"], d["llm_failure"]) for d in result["documents"]] == [
        (2, 1, ""), (1, 0, "")]
    assert f"note: {result['notes'][0]}" in " ".join(err.split("\n"))


def test_invented_values_are_rejected_and_counted(fresh_home, llm_env, papers, run_cli):
    invented = llm_record("Zr65Cu17.5Ni10Al7.5", ZR, Tg=656, Tx=741, Tl=1186)  # the text says 1168
    good = llm_record("Cu46Zr46Al8", CU, Tg=710, Tx=778, Tl=1163)
    llm_env.replies = [{"content": json.dumps({"records": [invented]})}, {"content": json.dumps({"records": [good]})}]
    result, _ = extract(run_cli, papers)
    assert [(r["formula"], r["Tl"], r["method"]) for r in result["records"]] == [("Cu46Zr46Al8", 1163.0, "llm")]
    assert [r["reason"] for r in result["rejected"]] == ["not stated in the quote: Tl 1186"]
    assert result["notes"][0].startswith("the LLM gave no usable answer for 1 of 3 excerpts")


def test_the_extractor_breaks_the_circuit_at_the_first_failure():
    class Failing(ScriptedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            self.received.append(list(messages))
            raise RuntimeError("the GPU fell off\nsecond line")

    model = Failing()
    extractor = LLMExtractor(model)  # no settings: called directly, its failure still one line
    document = text_document("", pages=[ZR, CU, PD])
    with pytest.raises(LLMEndpointError) as error:
        extractor.extract(document)
    assert str(error.value) == "the chat model failed (RuntimeError: the GPU fell off second line)"
    with pytest.raises(LLMEndpointError):
        extractor.extract(document)
    assert len(model.received) == 1 and extractor.calls == 1 and extractor.failure is error.value


def test_through_the_client_settings_each_request_has_the_settings_timeout(llm_env):
    from alloygan.knowledge_base.literature.llm_client import chat_model_from_settings
    from alloygan.knowledge_base.literature.llm_settings import LLMSettings

    settings = LLMSettings(base_url=llm_env.base_url, model="scripted-model", timeout=1, max_retries=0)
    llm_env.replies = [{"delay": 30, "content": '{"records": []}'}]
    patient = chat_model_from_settings(settings.model_copy(update={"timeout": 60}))  # call_llm's timeout must win
    extractor = LLMExtractor(patient, settings=settings)
    with pytest.raises(LLMEndpointError) as error:
        extractor.extract(text_document("", pages=[ZR, CU]))
    assert error.value.timed_out and "did not answer within 1 s" in str(error.value)
    assert len(llm_env.requests) == 1 and extractor.excerpts == 0
