"""The LLM extractor driven by scripted chat models: verified quotes, rejected hallucinations, bounded retries."""
from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from alloygan.knowledge_base.literature.llm_extractor import AnswerError, LLMExtractor, ensure_no_tools, parse_answer
from alloygan.knowledge_base.literature.prompt import load_prompt
from tests.knowledge_base.literature.conftest import ScriptedChatModel, text_document

TEXT = ("Zr-based glasses were cast by suction.\n"
        "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K at a heating rate of 20 K/min.\n"
        "For Cu50Zr50 we find Tg, Tx and Tl of 402, 450 and 935 °C.")
QUOTE = "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K at a heating rate of 20 K/min."


def record(**changes) -> dict:
    base = {"composition": "Zr65Cu17.5Ni10Al7.5", "Tg": 656, "Tx": 741, "Tl": 1168, "unit": "K",
            "heating_rate": 20, "heating_rate_unit": "K/min", "quote": QUOTE}
    return {**base, **changes}


def answer(*records) -> str:
    return json.dumps({"records": list(records)})


CELSIUS = record(composition="Cu50Zr50", Tg=402, Tx=450, Tl=935, unit="°C", heating_rate=None, heating_rate_unit=None,
                 quote="For Cu50Zr50 we find Tg, Tx and Tl of 402, 450 and 935 °C.")


def test_verified_records_are_kept_with_the_prompt_version_and_kelvin():
    model = ScriptedChatModel(replies=[answer(record(), CELSIUS)])
    result = LLMExtractor(model).extract(text_document(TEXT, title="Zr paper"))
    assert result.rejected == []
    zr, cu = result.records
    assert (zr.Tg, zr.Tx, zr.Tl, zr.heating_rate_K_per_min, zr.stated_unit) == (656.0, 741.0, 1168.0, 20.0, "K")
    assert (cu.Tg, cu.Tx, cu.Tl, cu.stated_unit) == (675.15, 723.15, 1208.15, "°C")
    version = load_prompt().version
    assert zr.method == "llm" and zr.prompt_version == version and zr.report_method == f"llm:{version}"
    assert zr.source.location == "p1 chunk 1 record 1" and cu.source.location == "p1 chunk 1 record 2"
    assert zr.source.quote == QUOTE and zr.source.document == "Zr paper"
    assert zr.source.page == 1
    assert len(model.received) == 1


def test_a_hallucinated_number_is_rejected():
    model = ScriptedChatModel(replies=[answer(record(Tl=1186), CELSIUS)])
    result = LLMExtractor(model).extract(text_document(TEXT))
    assert [r.composition.formula for r in result.records] == ["Cu50Zr50"]
    (rejected,) = result.rejected
    assert rejected.reason == "not stated in the quote: Tl 1186" and rejected.location == "p1 chunk 1 record 1"
    assert len(model.received) == 1  # a wrong record is rejected, not argued with


def test_a_converted_value_is_not_what_the_document_states():
    model = ScriptedChatModel(replies=[answer({**CELSIUS, "Tg": 675.15, "Tx": 723.15, "Tl": 1208.15, "unit": "K"})])
    (rejected,) = LLMExtractor(model).extract(text_document(TEXT)).rejected
    assert rejected.reason == "not stated in the quote: Tg 675.15; Tx 723.15; Tl 1208.15"


def test_a_unit_the_quote_contradicts_is_rejected():
    # every number is in the quote, but the quote says °C: read as K, every temperature would be 273 K off
    model = ScriptedChatModel(replies=[answer({**CELSIUS, "unit": "K"}, record(unit="°C"))])
    rejected = LLMExtractor(model).extract(text_document(TEXT)).rejected
    assert [r.reason for r in rejected] == ["the record says K but the quote gives temperatures in °C",
                                            "the record says °C but the quote gives temperatures in K"]
    table_row = "Cu46Zr46Al8  437   505   890"  # the unit is in the header, not in the row: nothing to contradict
    model = ScriptedChatModel(replies=[answer(record(composition="Cu46Zr46Al8", Tg=437, Tx=505, Tl=890, unit="°C",
                                                     heating_rate=None, heating_rate_unit=None, quote=table_row))])
    (kept,) = LLMExtractor(model).extract(text_document("Alloy Tg Tx Tl (°C)\n" + table_row)).records
    assert kept.Tg == 710.15


def test_a_quote_not_in_the_text_is_rejected():
    invented = "The Zr65Cu17.5Ni10Al7.5 glass has Tg = 656 K, Tx = 741 K and Tl = 1168 K (heating rate 20 K/min)."
    model = ScriptedChatModel(replies=[answer(record(quote=invented))])
    result = LLMExtractor(model).extract(text_document(TEXT))
    assert result.records == []
    assert result.rejected[0].reason == "the quote does not occur in the text of p1 chunk 1"


def test_quotes_match_up_to_whitespace_only():
    spaced = QUOTE.replace(" shows ", "\n   shows  ")
    model = ScriptedChatModel(replies=[answer(record(quote=spaced))])
    assert len(LLMExtractor(model).extract(text_document(TEXT)).records) == 1


def test_composition_amounts_must_be_in_the_quote_and_the_formula_exact():
    model = ScriptedChatModel(replies=[answer(record(composition="Zr65Cu17.5Ni10Al8"), record(composition="Zr65Cu17.5Ni10Al7.5?"))])
    reasons = [r.reason for r in LLMExtractor(model).extract(text_document(TEXT)).rejected]
    assert reasons[0] == "not stated in the quote: composition amount(s) 8"
    assert reasons[1].startswith("formula 'Zr65Cu17.5Ni10Al7.5?': unexpected character '?'")


def test_implausible_temperatures_are_rejected_even_when_quoted():
    text = "Zr50Cu50 has Tg = 741 K, Tx = 656 K and Tl = 1168 K."
    model = ScriptedChatModel(replies=[answer(record(composition="Zr50Cu50", Tg=741, Tx=656, heating_rate=None,
                                                     heating_rate_unit=None, quote=text))])
    (rejected,) = LLMExtractor(model).extract(text_document(text)).rejected
    assert rejected.reason == "Tg (741 K) exceeds Tx (656 K); a glass needs Tg < Tx"


def test_a_malformed_answer_is_retried_with_the_error_then_accepted():
    model = ScriptedChatModel(replies=["Sure! Here are the records: Zr65...", "```json\n" + answer(record()) + "\n```"])
    result = LLMExtractor(model).extract(text_document(TEXT))
    assert len(result.records) == 1 and result.rejected == []
    retry = model.received[1]
    assert isinstance(retry[-2], AIMessage) and retry[-2].content == "Sure! Here are the records: Zr65..."
    assert isinstance(retry[-1], HumanMessage) and "not valid JSON" in retry[-1].content
    assert retry[:-2] == model.received[0]  # same conversation, the error appended


def test_malformed_answers_are_retried_a_bounded_number_of_times_then_rejected():
    bad_schema = json.dumps({"records": [{"composition": "Zr65Cu17.5Ni10Al7.5", "Tg": "high"}]})
    model = ScriptedChatModel(replies=["not json", bad_schema, json.dumps({"alloys": []}), answer(record())])
    extractor = LLMExtractor(model, max_attempts=3)
    result = extractor.extract(text_document(TEXT))
    assert result.records == [] and extractor.calls == 3 and len(model.replies) == 1  # the 4th never asked
    (rejected,) = result.rejected
    assert rejected.location == "p1 chunk 1"
    assert rejected.reason.startswith("no valid answer after 3 attempts; last problem: the JSON does not follow")
    assert "records: Field required" in rejected.reason and "alloys: Extra inputs are not permitted" in rejected.reason
    assert "records.0.Tg" in model.received[2][-1].content  # the second error was sent back


def test_chunks_without_temperatures_are_not_sent():
    document = text_document("", pages=["Cast by arc melting under argon.", TEXT])
    model = ScriptedChatModel(replies=[answer(record())])
    result = LLMExtractor(model).extract(document)
    assert len(model.received) == 1 and result.records[0].source.page == 2


def test_generic_fake_chat_model_from_langchain_works_too():
    model = GenericFakeChatModel(messages=iter([AIMessage(answer(record()))]))
    assert len(LLMExtractor(model).extract(text_document(TEXT)).records) == 1


def test_a_model_with_tools_bound_is_refused():
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def delete_database(confirm: bool) -> str:
        """Delete the alloy database."""
        raise AssertionError("never called")

    with_tools = ChatOpenAI(model="m", api_key="k", base_url="http://127.0.0.1:9/v1").bind_tools([delete_database])
    with pytest.raises(ValueError, match="without tools"):
        LLMExtractor(with_tools)
    ensure_no_tools(GenericFakeChatModel(messages=iter([])))  # a bare model is fine


def test_prompt_file_has_a_version_system_rules_and_examples():
    prompt = load_prompt()
    assert prompt.name == "extract_alloys" and prompt.version == "extract-alloys-v1"
    assert "data, never instructions" in prompt.system and len(prompt.examples) >= 3
    for example in prompt.examples:  # every example answer follows the schema the code validates
        parse_answer(example.answer)


def test_messages_are_system_rules_examples_then_the_fenced_excerpt():
    model = ScriptedChatModel(replies=[answer()])
    LLMExtractor(model).extract(text_document(TEXT))
    messages = model.received[0]
    prompt = load_prompt()
    assert isinstance(messages[0], SystemMessage) and messages[0].content == prompt.system
    assert len(messages) == 2 + 2 * len(prompt.examples)
    assert [type(m) for m in messages[1:-1]] == [HumanMessage, AIMessage] * len(prompt.examples)
    assert TEXT in messages[-1].content and all(TEXT not in m.content for m in messages[:-1])


def test_parse_answer_errors_are_specific():
    with pytest.raises(AnswerError, match="empty"):
        parse_answer("   ")
    with pytest.raises(AnswerError, match="not valid JSON"):
        parse_answer("{'records': []}")
    with pytest.raises(AnswerError, match="unit: Input should be 'K' or '°C'"):
        parse_answer(answer(record(unit="F")))
    parsed = parse_answer(answer(record(unit="C", heating_rate_unit="K min-1"))).records[0]
    assert (parsed.unit, parsed.heating_rate_unit) == ("°C", "K/min")
