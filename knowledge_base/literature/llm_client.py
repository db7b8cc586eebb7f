"""The chat client for an OpenAI-compatible server, made to work with the servers labs run locally.

`chat_model_from_settings` builds a `ChatOpenAI` (langchain-openai) that sends what llama.cpp's
server, Ollama's and vLLM's OpenAI endpoints all accept, which plain `ChatOpenAI` does not:
- `max_tokens` goes out as `max_tokens` on every request (ChatOpenAI renames it
  `max_completion_tokens`, which llama.cpp's server ignores: a weak model's runaway answer
  then holds a CPU server for minutes);
- an assistant message that carries tool calls has string content "" (ChatOpenAI sends null,
  which llama.cpp's server rejects with HTTP 500).
`stream_reply` reads an answer as a stream and stops reading once the answer is longer than
`max_tokens` or the deadline has passed, which closes the connection: llama.cpp's server ignores
`max_tokens` when it decides between a tool call and prose (`chatml-function-calling` with
`tool_choice="auto"`) and would otherwise write until its context is full (2,600 tokens, 90 s on
2 cores, with the next request queued behind it). The stream also lets a terminal show the
prose as it comes.
The client itself never retries (`max_retries=0`): `call_llm` retries connection failures only,
with backoff, within a deadline, and turns every endpoint failure into one `LLMEndpointError`
whose message is one line a person can act on (HTTP errors and timeouts are not retried: a
server that answered 4xx/5xx or froze will not do better a second later).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, message_chunk_to_message

from langchain_openai import ChatOpenAI

from alloygan.knowledge_base.literature.errors import LLMEndpointError

if TYPE_CHECKING:
    from alloygan.knowledge_base.literature.llm_settings import LLMSettings

T = TypeVar("T")
TextCallback = Callable[[str], None]
BACKOFF_SECONDS = 0.5
CHUNK_SLACK = 16  # chunks read beyond max_tokens before the stream is cut (servers may send empty chunks)
MIN_CALL_SECONDS = 2.0  # a request with less time than this left in the budget is not sent


class CompatibleChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` whose requests local OpenAI-compatible servers accept (see the module's docstring)."""

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        for message in payload.get("messages", []):
            if message.get("role") == "assistant" and message.get("content") is None:
                message["content"] = ""
        return payload


def chat_model_from_settings(settings: LLMSettings, purpose: str = "--llm",
                             alternative: str = "or use the offline rules (--rules)") -> CompatibleChatOpenAI:
    """The chat model for the configured endpoint (no tools bound); `LLMNotConfiguredError` naming the variables to
    set, and `alternative`, when there is none."""
    settings = settings.require(purpose, alternative)
    return CompatibleChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        # OpenAI's client insists on a key; local servers ignore it.
        api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
        timeout=settings.timeout,
        max_retries=0,  # call_llm retries connection failures only
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        stream_usage=True,  # token counts in the last chunk of a stream
    )


def endpoint_error(error: BaseException, settings: LLMSettings, timeout: float | None = None) -> LLMEndpointError:
    """One line saying what went wrong with the endpoint and what to do about it."""
    import openai

    where = settings.base_url or "the default OpenAI endpoint"
    if isinstance(error, LLMEndpointError):
        return error
    if isinstance(error, openai.APITimeoutError):
        waited = timeout if timeout is not None else settings.timeout
        return LLMEndpointError(f"the LLM at {where} did not answer within {waited:g} s (ALLOYGAN_LLM_TIMEOUT)",
                                timed_out=True)
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error.__context__
        detail = f": {_first_line(cause)}" if cause is not None else ""
        return LLMEndpointError(f"cannot reach the LLM at {where}{detail}; is the server running? "
                                "(ALLOYGAN_LLM_BASE_URL)")
    if isinstance(error, openai.AuthenticationError):
        return LLMEndpointError(f"the LLM at {where} refused the key (HTTP {error.status_code}); "
                                "set ALLOYGAN_LLM_API_KEY")
    if isinstance(error, openai.NotFoundError):
        return LLMEndpointError(f"the LLM at {where} answered HTTP 404 ({_message(error)}); check "
                                f"ALLOYGAN_LLM_BASE_URL (it usually ends in /v1) and ALLOYGAN_LLM_MODEL={settings.model}")
    if isinstance(error, openai.APIStatusError):
        return LLMEndpointError(f"the LLM at {where} answered HTTP {error.status_code} ({_message(error)})")
    return LLMEndpointError(f"the answer of the LLM at {where} could not be read ({type(error).__name__}: "
                            f"{_first_line(error)})")


def _message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        text = inner.get("message") if isinstance(inner, dict) else inner
        if text:
            return _first_line(text)
    return _first_line(getattr(error, "message", error))


def _first_line(value: Any, limit: int = 160) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def call_llm(call: Callable[[float], T], settings: LLMSettings, deadline: float | None = None) -> T:
    """`call(timeout)` with connection failures retried (`settings.max_retries`, exponential backoff) and every
    endpoint failure raised as `LLMEndpointError`. `deadline` (a `time.monotonic()` value) bounds the whole call:
    each request's timeout is cut to the time left, and no request is sent with less than 2 s left."""
    import openai

    attempt = 0
    while True:
        timeout = settings.timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left < MIN_CALL_SECONDS:
                raise LLMEndpointError("the time budget of this turn is used up (ALLOYGAN_AGENT_TURN_SECONDS)",
                                       timed_out=True)
            timeout = min(timeout, left)
        try:
            return call(timeout)
        except openai.APITimeoutError as error:
            raise endpoint_error(error, settings, timeout) from None
        except openai.APIConnectionError as error:
            if attempt >= settings.max_retries:
                raise endpoint_error(error, settings) from None
            pause = BACKOFF_SECONDS * 2 ** attempt
            if deadline is not None and time.monotonic() + pause + MIN_CALL_SECONDS > deadline:
                raise endpoint_error(error, settings) from None
            time.sleep(pause)
            attempt += 1
        except Exception as error:  # noqa: BLE001 - any other failure of the endpoint or of its answer: one line
            raise endpoint_error(error, settings) from None


def stream_reply(model: Any, messages: Sequence[BaseMessage], max_tokens: int, timeout: float,
                 on_text: TextCallback | None = None) -> AIMessage:
    """The model's answer read as a stream (one chunk is about one token), cut after `max_tokens` chunks or
    `timeout` seconds in all; `on_text` gets the prose as it arrives. A cut answer is returned as far as it came,
    with `response_metadata["cut"]` saying why (a tool call cut short is dropped as invalid by the parser)."""
    import openai

    stop_at = time.monotonic() + timeout
    reply = None
    cut = ""
    stream = model.stream(list(messages), timeout=timeout)
    try:
        for count, chunk in enumerate(_chunks(stream), start=1):
            reply = chunk if reply is None else reply + chunk
            text = chunk.text
            if on_text is not None and text:
                on_text(text)
            if count > max_tokens + CHUNK_SLACK:
                cut = f"longer than {max_tokens} tokens (ALLOYGAN_LLM_MAX_TOKENS)"
                break
            if time.monotonic() > stop_at:
                if reply is None or not (reply.text or reply.tool_call_chunks):
                    raise openai.APITimeoutError(request=None)  # nothing usable came in time
                cut = f"still writing after {timeout:g} s"
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # closes the HTTP response: the server stops writing
    if reply is None:
        return AIMessage("")
    message = message_chunk_to_message(reply)
    if cut:
        message.response_metadata = {**(message.response_metadata or {}), "cut": cut}
    return message


def _chunks(stream: Any) -> Any:
    """The stream's chunks; a stream of no text at all (langchain raises for it) is an empty answer."""
    try:
        yield from stream
    except ValueError as error:
        if "No generation chunks" not in str(error):
            raise


def served_models(settings: LLMSettings, timeout: float = 3.0) -> list[str] | None:
    """The model names the endpoint lists (GET /models), or None when it does not say within `timeout` (some
    servers, llama.cpp's among them, answer under any model name asked for: this tells what is really served)."""
    import openai

    try:
        client = openai.OpenAI(base_url=settings.base_url, timeout=min(timeout, settings.timeout), max_retries=0,
                               api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed")
        return [model.id for model in client.models.list()]
    except Exception:  # noqa: BLE001 - an optional check: the first request will say what is wrong
        return None
