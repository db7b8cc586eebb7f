"""The LLM extractor: structured alloy records from chunks, each proven by a verbatim quote.

For each chunk that mentions a characteristic temperature, the chat model (any
LangChain `BaseChatModel`, called with no tools bound) is asked with the few-shot
prompt for one JSON object (`LLMAnswer`). The answer is parsed and validated with
pydantic, which works with every OpenAI-compatible server; an invalid answer is sent
back with the validation error and asked again, at most `max_attempts` times in all.

Every record is then checked by code, not by the model:
- its quote occurs in the chunk (up to whitespace, `evidence.normalise`);
- every number of the record (Tg, Tx, Tl, the heating rate and the amounts of the
  composition as written) occurs in the quote;
- the unit of the record is one the quote writes after its numbers, when it writes any
  (a table row states none; its header does);
- the composition is read exactly and the temperatures pass the physics checks.
A record failing any check is rejected with the reason; no number reaches the
knowledge base that the document does not state. An excerpt whose answer stays invalid, or
whose every record fails the checks, yields no record and is counted (`unusable`).

The model is called through `llm_client.call_llm` when the endpoint's `LLMSettings` are given
(timeouts, retries of connection failures, one-line messages); a model given without settings
(a scripted one) is called directly. Either way every failure of the model or its endpoint is an
`LLMEndpointError`, and it opens a circuit breaker: the extractor asks the model nothing more
(every later call raises the same error at once), so a frozen or absent server costs one failing
request per run, not one per chunk.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alloygan.knowledge_base.literature.chunking import Chunk, chunk_document
from alloygan.knowledge_base.literature.documents import Document
from alloygan.knowledge_base.literature.errors import LLMEndpointError
from alloygan.knowledge_base.literature.evidence import (canonical_number, formula_numbers, numbers_in, quote_occurs,
                                                temperature_units_in)
from alloygan.knowledge_base.literature.prompt import ExtractionPrompt, build_messages, load_prompt
from alloygan.knowledge_base.literature.records import Evidence, ExtractedRecord, Rejection, make_record, rejection
from alloygan.knowledge_base.literature.rule_extractor import ExtractionResult
from alloygan.knowledge_base.literature.units import rate_to_K_per_min, temperature_unit, to_kelvin
from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.knowledge_base.validation import validation_message

if TYPE_CHECKING:
    from alloygan.knowledge_base.literature.llm_settings import LLMSettings

MAX_ATTEMPTS = 3
_RELEVANT = re.compile(r"T\s?_?\{?[gxlL]\}?(?![A-Za-z])|glass[- ]transition|crystalli[sz]|liquidus", re.IGNORECASE)


class LLMRecord(BaseModel):
    """One record as the model states it (the schema of the prompt)."""

    model_config = ConfigDict(extra="forbid")

    composition: str = Field(min_length=2)
    Tg: float
    Tx: float
    Tl: float
    unit: Literal["K", "°C"]
    heating_rate: float | None = Field(None, gt=0)
    heating_rate_unit: Literal["K/min", "K/s"] | None = None
    quote: str = Field(min_length=1)

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> Any:
        return (temperature_unit(value) or value) if isinstance(value, str) else value

    @field_validator("heating_rate_unit", mode="before")
    @classmethod
    def _rate_unit(cls, value: Any) -> Any:
        if isinstance(value, str):  # K min-1, K·min−1, °C/min, K s-1 ... -> K/min or K/s
            compact = value.replace(" ", "").replace("°C", "K").replace("℃", "K").replace("·", "/").replace("−", "-")
            compact = compact.replace("min-1", "/min").replace("s-1", "/s").replace("//", "/")
            return {"K/min": "K/min", "K/s": "K/s"}.get(compact, value)
        return value


class LLMAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[LLMRecord]


class AnswerError(ValueError):
    """The model's answer is not one JSON object of the schema."""


def _content_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def parse_answer(text: str) -> LLMAnswer:
    """The answer's JSON object (a surrounding code fence is tolerated), validated."""
    stripped = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    if not stripped:
        raise AnswerError("the answer is empty; give the JSON object")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as error:
        raise AnswerError(f"the answer is not valid JSON ({error.msg} at character {error.pos})") from None
    try:
        return LLMAnswer.model_validate(data)
    except ValidationError as error:
        raise AnswerError(f"the JSON does not follow the schema ({validation_message(error, 'answer', most=5)})") from None


def ensure_no_tools(model: Any) -> None:
    """Extraction calls must not be able to act: refuse a model with tools bound."""
    kwargs = getattr(model, "kwargs", None) or {}
    if kwargs.get("tools") or kwargs.get("functions") or kwargs.get("tool_choice"):
        raise ValueError("extraction must call the chat model without tools; pass the model itself, "
                         "not model.bind_tools(...)")


class LLMExtractor:
    """Records from document chunks by a chat model, verified against the text.

    `settings`: the endpoint's settings when `chat_model` is the client built from them
    (`chat_model_from_settings`); each request then goes through `call_llm`. Counted over the
    extractor's life: `calls` (requests asked for, retries not counted), `excerpts` (chunks asked
    about) and `unusable` (of those, the ones that gave no record: an answer still invalid after
    `max_attempts`, or every record rejected by the checks). `failure` is the endpoint error that
    opened the circuit breaker, None while the model answers."""

    def __init__(self, chat_model: Any, prompt: ExtractionPrompt | None = None, max_attempts: int = MAX_ATTEMPTS,
                 settings: LLMSettings | None = None):
        ensure_no_tools(chat_model)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.chat_model = chat_model
        self.prompt = prompt or load_prompt()
        self.max_attempts = max_attempts
        self.settings = settings
        self.calls = 0
        self.excerpts = 0
        self.unusable = 0
        self.failure: LLMEndpointError | None = None

    def invoke(self, messages: list) -> Any:
        """The model's reply to `messages`; `LLMEndpointError` (one line) for any failure of the model or its
        endpoint, and at once, without a request, after the first such failure (the circuit breaker)."""
        if self.failure is not None:
            raise self.failure
        self.calls += 1
        try:
            if self.settings is not None:
                from alloygan.knowledge_base.literature.llm_client import call_llm

                return call_llm(lambda timeout: self.chat_model.invoke(messages, timeout=timeout), self.settings)
            return self.chat_model.invoke(messages)
        except LLMEndpointError as error:
            self.failure = error
        except Exception as error:  # noqa: BLE001 - a model without settings (scripted, in-process): one line too
            detail = " ".join(str(error).split())[:160]
            self.failure = LLMEndpointError(f"the chat model failed ({type(error).__name__}: {detail})")
        raise self.failure

    def ask(self, text: str, page: int | None) -> LLMAnswer:
        """The model's validated answer for one excerpt; `AnswerError` after `max_attempts` invalid ones."""
        from langchain_core.messages import AIMessage, HumanMessage

        messages = build_messages(self.prompt, text, page)
        error: AnswerError | None = None
        for _ in range(self.max_attempts):
            reply = self.invoke(messages)
            content = _content_text(reply)
            try:
                if getattr(reply, "tool_calls", None) and not content.strip():
                    raise AnswerError("you have no tools: a tool call is not an answer")
                return parse_answer(content)
            except AnswerError as problem:
                error = problem
                # the answer goes back as plain text (never as a tool call) with what was wrong with it
                messages = messages + [AIMessage(content), HumanMessage(
                    f"Your answer was not valid: {problem}. Answer again with only the JSON object "
                    "described in the instructions.")]
        raise AnswerError(f"no valid answer after {self.max_attempts} attempts; last problem: {error}")

    def check(self, item: LLMRecord, chunk: Chunk, evidence: Evidence) -> ExtractedRecord | Rejection:
        """The verified record, or the rejection with the reason."""
        if not quote_occurs(item.quote, chunk.text):
            return rejection(evidence, "llm", f"the quote does not occur in the text of p{chunk.page} chunk {chunk.index}")
        written = numbers_in(item.quote)
        missing = [f"{name} {canonical_number(value)}" for name, value in
                   (("Tg", item.Tg), ("Tx", item.Tx), ("Tl", item.Tl), ("heating rate", item.heating_rate))
                   if value is not None and canonical_number(value) not in written]
        amounts = [a for a in formula_numbers(item.composition) if canonical_number(a) not in written]
        if amounts:
            missing.append(f"composition amount(s) {', '.join(amounts)}")
        if missing:
            return rejection(evidence, "llm", f"not stated in the quote: {'; '.join(missing)}")
        units = temperature_units_in(item.quote)
        if units and item.unit not in units:
            return rejection(evidence, "llm", f"the record says {item.unit} but the quote gives temperatures in "
                                              f"{' and '.join(sorted(units))}")
        rate = rate_to_K_per_min(item.heating_rate, item.heating_rate_unit or "K/min") if item.heating_rate else None
        return make_record(evidence, "llm", item.composition, to_kelvin(item.Tg, item.unit), to_kelvin(item.Tx, item.unit),
                           to_kelvin(item.Tl, item.unit), stated_unit=item.unit, heating_rate_K_per_min=rate,
                           prompt_version=self.prompt.version)

    def extract(self, document: Document, on_progress: ProgressCallback | None = None) -> ExtractionResult:
        """Records of the relevant chunks; each chunk asked about is reported to `on_progress`.
        `LLMEndpointError` when the model or its endpoint fails (then every later call fails at once)."""
        result = ExtractionResult()
        chunks = [c for c in chunk_document(document) if _RELEVANT.search(c.text) and re.search(r"\d", c.text)]
        seen = set()
        for done, chunk in enumerate(chunks, start=1):
            where = f"p{chunk.page} chunk {chunk.index}"
            try:
                answer = self.ask(chunk.text, chunk.page)
            except AnswerError as error:
                evidence = Evidence(document=document.title, sha256=document.sha256, path=str(document.path),
                                    page=chunk.page, location=where, quote=" ".join(chunk.text.split())[:300])
                result.rejected.append(rejection(evidence, "llm", str(error)))
                answer = None
                self.unusable += 1
            self.excerpts += 1
            kept = 0
            for number, item in enumerate(answer.records if answer else [], start=1):
                evidence = Evidence(document=document.title, sha256=document.sha256, path=str(document.path),
                                    page=chunk.page, location=f"{where} record {number}", quote=" ".join(item.quote.split()))
                checked = self.check(item, chunk, evidence)
                if isinstance(checked, ExtractedRecord):
                    kept += 1
                    if checked.key() in seen:
                        continue  # the same statement twice in one document is one record
                    seen.add(checked.key())
                result.add([checked])
            if answer is not None and answer.records and not kept:
                self.unusable += 1  # every record it gave failed a check (invented values, a quote not in the text)
            report(on_progress, f"asking the LLM about {Path(document.path).name}", done, len(chunks), "chunk")
        return result
