"""The OpenAI-compatible chat endpoint under /v1/: any OpenAI client (the `openai` package, Open WebUI, LibreChat)
talks to the assistant as to a model named "alloygan".

    GET  /v1/models              one model, "alloygan", with the planner that answers (`planner`, `planner_description`)
    POST /v1/chat/completions    one turn of the assistant (`stream: true`: server-sent events, OpenAI chunks)

A request is one turn of `Service.turn`, the same graph, planner and grounding as `alloygan ask`:
the LAST user message of `messages` is the turn's text; earlier messages, system prompts and
sampling options (`temperature`, `max_tokens`, ...) are accepted and not used, because the
conversation lives on the server, in a thread.

Conversations map to threads by a header:
- without `X-Alloygan-Thread`, the server starts a new thread;
- with `X-Alloygan-Thread: <id>`, it continues that thread, which must be one the server issued and
  that holds a conversation, else 404 (ids carry 128 random bits, so knowing one is the access
  right; a CLI's named thread is never continued here);
- every answer names its thread in the response header `X-Alloygan-Thread` and in the body's extra
  top-level field `alloygan` (`thread`, `answered_by`, `tools`, `goal`, `candidates`; in a stream, on
  the last chunk), which OpenAI clients ignore. A follow-up ("now also avoid Be") sends the header
  back to refine the thread's goal.

The answer's `content` is the turn's whole answer (`TurnResult.answer`); `usage` is the turn's LLM
tokens (zeros when the offline planner answered). A stream sends the role first, then `: progress ...`
SSE comments while the turn runs (and `: keep-alive` every 15 s), then the answer in a few chunks,
the last with `finish_reason: "stop"`, then `data: [DONE]`. A bad request is HTTP 400 with OpenAI's
error form `{"error": {"message", "type": "invalid_request_error", "param", "code"}}`; an unknown
thread or model is 404 in the same form.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from alloygan.agent.server.app import service_of
from alloygan.agent.server.service import Service, new_thread

if TYPE_CHECKING:
    from alloygan.agent.assistant import TurnResult

log = logging.getLogger(__name__)

MODEL_ID = "alloygan"
THREAD_HEADER = "X-Alloygan-Thread"
MAX_MESSAGES = 1_000  # a client resending a long history is fine; only the last user message is read
KEEP_ALIVE_SECONDS = 15.0
PROGRESS_INTERVAL_SECONDS = 1.0  # at most one progress comment a second within one stage (training reports epochs)
CHUNK_CHARS = 400


def openai_error(status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> JSONResponse:
    """An error in the form OpenAI clients read (`openai` raises it as BadRequestError, NotFoundError, ...)."""
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status)


class OpenAIErrors(APIRoute):
    """Routes whose refusals (bad body or header, unknown thread) are OpenAI's error JSON, not FastAPI's."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                first = error.errors()[0]
                if first["type"] == "json_invalid":
                    return openai_error(400, "the body is not valid JSON", None, "json_invalid")
                where = [str(part) for part in first["loc"] if part not in ("body", "header")]
                # the request's own check (a user message, its length) is about `messages`
                param = ".".join(where) or ("messages" if first["loc"] == ("body",) else None)
                reason = str(first["msg"]).removeprefix("Value error, ")
                return openai_error(400, f"{param}: {reason}" if param else reason, param, first["type"])
            except HTTPException as error:
                return openai_error(error.status_code, str(error.detail),
                                    code="not_found" if error.status_code == 404 else None)

        return route


router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIErrors)
ServiceDependency = Annotated[Service, Depends(service_of)]
REFUSALS = {400: {"description": "A bad request: OpenAI's error JSON"},
            404: {"description": "No such thread or model: OpenAI's error JSON"}}


# --- the request ----------------------------------------------------------------------------------------------
class TextPart(BaseModel):
    """A text part of a message's content (other parts, e.g. images, are refused: the assistant reads text)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["text"]
    text: str


def _content_form(content: Any) -> str | None:
    return "text" if isinstance(content, str) else "parts" if isinstance(content, list) else None


# a string, or a list of text parts (a refusal names the part: `messages.0.content.parts.0.type`)
MessageContent = Annotated[
    Annotated[str, Tag("text")] | Annotated[list[TextPart], Tag("parts")],
    Discriminator(_content_form, custom_error_type="content_form",
                  custom_error_message="give the content as a string or a list of text parts")]


class ChatMessage(BaseModel):
    """One message of the request; fields other clients send (`name`, `tool_calls`, ...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: MessageContent | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = Field(False, description="Send a last chunk with the turn's usage (and no choices)")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat request: the last user message is the assistant's turn; OpenAI's other options are accepted
    and not used (the assistant's planner has its own settings)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(MODEL_ID, max_length=200, description=f"Any name; the answer is the assistant's ({MODEL_ID!r})")
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES,
                                        description="The conversation as the client has it; the last user message is "
                                                    "the turn")
    stream: bool = Field(False, description="Answer as server-sent events (OpenAI chunks), ending with data: [DONE]")
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=200, description="Accepted, not used (threads go by the header)")

    @model_validator(mode="after")
    def _asks_something(self) -> ChatCompletionRequest:
        from alloygan.tools.settings import settings

        text = self.turn_text()
        limit = settings().api.max_message_chars
        if not text.strip():
            raise ValueError("no user message with text; the last message with role 'user' is the question")
        if len(text) > limit:
            raise ValueError(f"the last user message has {len(text):,} characters; at most {limit:,} "
                             "(ALLOYGAN_API_MAX_MESSAGE_CHARS)")
        return self

    def turn_text(self) -> str:
        """The last user message's text: what the assistant answers."""
        return next((m.text() for m in reversed(self.messages) if m.role == "user"), "")


# --- the answer -----------------------------------------------------------------------------------------------
def usage_of(result: TurnResult) -> dict:
    usage = result.usage or {}
    return {"prompt_tokens": int(usage.get("input_tokens", 0)), "completion_tokens": int(usage.get("output_tokens", 0)),
            "total_tokens": int(usage.get("total_tokens", 0))}


def alloygan_fields(result: TurnResult) -> dict:
    """The extra top-level field: the thread to send back, who answered, and this turn's candidates as data."""
    return {"thread": result.thread, "answered_by": result.answered_by, "tools": result.tools,
            "goal": result.goal.as_json() if result.goal else None,
            "candidates": [c.to_json() for c in result.design.candidates] if result.design else []}


def completion_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def chunk(completion: str, created: int, delta: dict, finish_reason: str | None = None, **extra: Any) -> str:
    body = {"id": completion, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def pieces(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """The answer in a few chunks of whole lines (a line longer than `size` is its own chunk)."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if out and len(out[-1]) + len(line) <= size:
            out[-1] += line
        else:
            out.append(line)
    return out or [""]


async def comments_while(turn: asyncio.Future, progress: asyncio.Queue[str]) -> AsyncIterator[str]:
    """SSE comments until `turn` is done: a progress line per stage (at most one a second within a stage), and a
    keep-alive when nothing happened for KEEP_ALIVE_SECONDS (proxies close silent connections)."""
    waiting: asyncio.Future | None = None
    shown, shown_at = "", 0.0
    try:
        while not turn.done():
            waiting = waiting or asyncio.ensure_future(progress.get())
            done, _ = await asyncio.wait({turn, waiting}, timeout=KEEP_ALIVE_SECONDS,
                                         return_when=asyncio.FIRST_COMPLETED)
            if waiting in done:
                line, waiting = waiting.result(), None
                stage = line.split(":")[0]
                if stage != shown or time.monotonic() - shown_at >= PROGRESS_INTERVAL_SECONDS:
                    shown, shown_at = stage, time.monotonic()
                    yield f": progress {line}\n\n"
            elif not done:
                yield ": keep-alive\n\n"
    finally:
        if waiting is not None:
            waiting.cancel()


_running: set[asyncio.Future] = set()  # turns of streams whose client left: kept until they end (asyncio keeps weak refs)


async def streamed_turn(service: Service, text: str, thread: str, include_usage: bool) -> AsyncIterator[str]:
    """Run the turn in a worker thread; send its progress as SSE comments while it runs, then the answer."""
    import anyio

    loop = asyncio.get_running_loop()
    progress: asyncio.Queue[str] = asyncio.Queue()

    def on_progress(update) -> None:  # called in the worker thread
        if not loop.is_closed():
            loop.call_soon_threadsafe(progress.put_nowait, " ".join(str(update).split()))

    completion, created = completion_id(), int(time.time())
    # the turn runs to its end even when the client leaves (the thread stays whole)
    turn = asyncio.ensure_future(anyio.to_thread.run_sync(service.turn, text, thread, on_progress))
    _running.add(turn)
    turn.add_done_callback(_running.discard)
    yield chunk(completion, created, {"role": "assistant", "content": ""})
    async for comment in comments_while(turn, progress):
        yield comment
    try:
        result = turn.result()
    except Exception as error:  # the headers are sent: the error goes in the stream, as OpenAI's servers do
        log.exception("chat turn of %s failed", thread)
        yield f"data: {json.dumps({'error': {'message': f'the turn failed: {error}', 'type': 'server_error'}})}\n\n"
        yield "data: [DONE]\n\n"
        return
    for piece in pieces(result.answer):
        yield chunk(completion, created, {"content": piece})
    yield chunk(completion, created, {}, "stop", alloygan=alloygan_fields(result))
    if include_usage:
        body = {"id": completion, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [], "usage": usage_of(result)}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


# --- the routes -----------------------------------------------------------------------------------------------
def model_card(service: Service) -> dict:
    return {"id": MODEL_ID, "object": "model", "created": int(service.started), "owned_by": "alloygan",
            "planner": service.assistant.planner_kind, "planner_description": service.assistant.description}


@router.get("/models")
def models(service: ServiceDependency) -> dict:
    """The one model this server answers as, and the planner behind it."""
    return {"object": "list", "data": [model_card(service)]}


@router.get("/models/{model}", responses=REFUSALS)
def model(model: str, service: ServiceDependency) -> dict:
    if model != MODEL_ID:
        raise HTTPException(404, f"model {model!r}: this server answers as {MODEL_ID!r} only")
    return model_card(service)


@router.post("/chat/completions", responses=REFUSALS)
def chat_completions(request: ChatCompletionRequest, service: ServiceDependency,
                     thread: Annotated[str | None, Header(alias=THREAD_HEADER, max_length=200,
                                                          description="Continue this thread (an id this server "
                                                                      "issued); without it a new thread starts")] = None
                     ) -> Response:
    """One turn of the assistant: the last user message is answered in the thread of the `X-Alloygan-Thread` header
    (a new thread without it); the answer names its thread in that header and in the extra field `alloygan`."""
    if thread is not None and not service.is_served_thread(thread):
        raise HTTPException(404, f"{THREAD_HEADER} {thread!r}: no such conversation on this server (omit the header "
                                 "to start one)")
    thread = thread or new_thread()
    headers = {THREAD_HEADER: thread}
    text = request.turn_text()
    if request.stream:
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        return StreamingResponse(streamed_turn(service, text, thread, include_usage), media_type="text/event-stream",
                                 headers=headers | {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    result = service.turn(text, thread)
    return JSONResponse({"id": completion_id(), "object": "chat.completion", "created": int(time.time()),
                         "model": MODEL_ID,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": result.answer},
                                      "logprobs": None, "finish_reason": "stop"}],
                         "usage": usage_of(result), "alloygan": alloygan_fields(result)}, headers=headers)
