"""The web chat page at /: static files (agent/server/static/), the chat turn as server-sent events, the threads.

    GET  /                    the page (index.html; app.css and app.js under /static/)
    POST /api/chat            one message of a conversation: `thread`, `progress`... then `answer` (or `error`)
                              server-sent events
    GET  /api/threads?ids=…   the named conversations this server started (the page keeps the ids it started;
                              no client can list another's)
    GET  /api/threads/{id}    one of them: its messages and its last design's candidates (a reload redraws them)
    GET  /api/known           the known alloys of a family with their raw-material cost (the page's plot)

The page computes no value: every number it shows is a field of these answers, which come from the
Service (the same pipeline and grounding as the CLI). A conversation is named by the id the server
issued (`new_thread`, 128 random bits); an id the server did not issue, or a CLI's named thread, is a 404.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator

from alloygan.agent.server.app import service_of
from alloygan.agent.server.rest import request_text, thread_not_found
from alloygan.agent.server.service import THREAD_PREFIX, Service, new_thread

if TYPE_CHECKING:
    from alloygan.agent.assistant import TurnResult
    from alloygan.knowledge_base.progress import Progress
    from alloygan.tools.results import DesignAnswer

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent / "static"
KNOWN_ALLOYS_SHOWN = 500  # known alloys of a family the plot draws at most
log = logging.getLogger(__name__)
ServiceDep = Annotated[Service, Depends(service_of)]


def token_page() -> HTMLResponse:
    """The page shown when a token is required and the browser has none: it asks for it and keeps it in a cookie."""
    return HTMLResponse("<!doctype html><title>alloygan</title><p>This server needs its token.</p>"
                        "<form onsubmit=\"document.cookie='alloygan_token='+encodeURIComponent(t.value)+"
                        "';path=/;SameSite=Strict';location.reload();return false\">"
                        "<input id=t type=password placeholder='ALLOYGAN_API_TOKEN' autofocus>"
                        "<button>Open</button></form>", status_code=401)


# --- the page ------------------------------------------------------------------------------------------------
@router.get("/")
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """One of the page's files (a plain name in static/, nothing else)."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404, f"/static/{name}: no such file")
    return FileResponse(path)


# --- a turn as server-sent events ----------------------------------------------------------------------------
class ChatMessage(BaseModel):
    """One message to the assistant; `thread` continues a conversation this server started (null: a new one)."""

    message: str = Field(description="What the user wrote (at most ALLOYGAN_API_MAX_MESSAGE_CHARS characters)")
    thread: str | None = Field(None, max_length=100, description="The conversation's id, from an earlier answer")

    _message_fits = field_validator("message")(request_text)


def _event(kind: str, data: Any) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _design_json(design: DesignAnswer | None) -> dict | None:
    if design is None:
        return None
    return {"goal": design.goal.as_json(), "goal_description": design.goal.describe(),
            "candidates": [candidate.to_json() for candidate in design.candidates], "notes": design.notes,
            "not_understood": design.not_understood, "stats": design.stats.compact()}


def answer_json(result: TurnResult) -> dict:
    """The `answer` event: who answered, the text to show (`brief`: the answer without the candidates the table
    shows and without the note on who answered), the conversation's goal and the candidates of this turn's
    design."""
    return {"thread": result.thread, "answered_by": result.answered_by, "text": result.brief,
            "answer": result.answer, "brief": result.brief, "llm_text": result.llm_text, "llm_model": result.llm_model,
            "tools": result.tools,
            "goal": ({"description": result.goal.describe(), "json": result.goal.as_json()} if result.goal else None),
            "design": _design_json(result.design)}


def _known_thread(service: Service, thread: str) -> str:
    """`thread` when this server issued it and it holds a conversation; else 404 (a guess reads nothing)."""
    if not service.is_served_thread(thread):
        raise thread_not_found(thread)
    return thread


@router.post("/api/chat")
async def chat(body: ChatMessage, service: ServiceDep) -> StreamingResponse:
    """Run one turn in a worker thread; stream its progress lines, then the answer."""
    thread = _known_thread(service, body.thread) if body.thread else new_thread()
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(kind: str, data: Any) -> None:
        loop.call_soon_threadsafe(events.put_nowait, (kind, data))

    def on_progress(progress: Progress) -> None:
        put("progress", {"line": str(progress), "stage": progress.stage, "done": progress.done,
                         "total": progress.total, "unit": progress.unit})

    def run_turn() -> None:
        try:
            put("answer", answer_json(service.turn(body.message, thread, on_progress)))
        except Exception as error:  # the page shows one line; the log keeps the traceback
            log.exception("chat turn of %s failed", thread)
            put("error", {"thread": thread, "message": f"the turn failed: {error}"})

    async def stream() -> AsyncIterator[str]:
        yield _event("thread", {"thread": thread})
        # the turn runs to its end even when the client leaves (the thread stays whole)
        loop.run_in_executor(None, run_turn)
        while True:
            ready = [await events.get()]
            while not events.empty():
                ready.append(events.get_nowait())
            progress = [item for item in ready if item[0] == "progress"]
            if progress:  # of lines that queued up (a fast training loop), the latest
                yield _event(*progress[-1])
            if len(progress) < len(ready):  # the answer or the error: always the last
                yield _event(*ready[-1])
                break

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# --- conversations -------------------------------------------------------------------------------------------
@router.get("/api/threads")
def threads(service: ServiceDep, ids: Annotated[str, Query(max_length=20_000, description=(
        "Comma-separated ids of the conversations to list: those this browser started (it keeps them)"))] = ""
            ) -> list[dict]:
    """The asked-for conversations this server started, newest first (`alloygan threads list --json` records).
    Only ids the client names are listed: a server never lists one client's conversations to another (an id is
    its access key)."""
    from alloygan.agent.threads import conversation_of, latest_checkpoint

    checkpointer = service.assistant.checkpointer
    asked = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip().startswith(THREAD_PREFIX)))[:200]
    found = [(thread, latest_checkpoint(checkpointer, thread)) for thread in asked]
    conversations = [conversation_of(thread, stored) for thread, stored in found if stored is not None]
    return [c.to_json() for c in sorted(conversations, key=lambda c: c.updated_at or "", reverse=True)]


@router.get("/api/threads/{thread}")
def thread_messages(thread: str, service: ServiceDep) -> dict:
    """One conversation to redraw: the user's messages and the answers in order (an answer whose turn ran a
    design carries that design), the conversation's goal, and its last design (`design`)."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from alloygan.tools.results import DesignAnswer

    _known_thread(service, thread)
    values = service.assistant.values(thread)
    messages: list[dict] = []
    designed: DesignAnswer | None = None  # the design run in the current turn
    for message in values.get("messages") or []:
        if isinstance(message, HumanMessage):
            messages.append({"role": "user", "text": message.text})
            designed = None
        elif (isinstance(message, ToolMessage) and message.name == "design_alloys" and message.status != "error"
              and message.artifact is not None):
            designed = DesignAnswer.model_validate(message.artifact)  # its dump, once back from the checkpoint
        elif isinstance(message, AIMessage) and not message.tool_calls and message.text:
            messages.append({"role": "assistant", "text": message.text, "design": _design_json(designed)})
    goal = service.assistant.current_goal(thread)
    return {"thread": thread, "messages": messages,
            "goal": {"description": goal.describe(), "json": goal.as_json()} if goal else None,
            "design": _design_json(service.assistant.last_design(thread))}


# --- the plot's background -----------------------------------------------------------------------------------
@router.get("/api/known")
def known_alloys(service: ServiceDep, base: str = Query(min_length=1, max_length=3, description="e.g. Zr")
                 ) -> list[dict]:
    """The family's known alloys (highest Trg first, at most KNOWN_ALLOYS_SHOWN): measured Trg and Tl, and the
    raw-material cost of the composition (the price table the design's cost uses; null when an element has no
    price)."""
    from alloygan.knowledge_base.composition import Composition
    from alloygan.knowledge_base.prices import MissingPriceError, alloy_cost_usd_per_kg
    from alloygan.tools.errors import ToolInputError
    from alloygan.tools.results import rounded

    try:
        found = service.query_alloys(base=base, limit=KNOWN_ALLOYS_SHOWN)
    except ToolInputError as error:
        raise HTTPException(422, str(error)) from None

    def cost(formula: str) -> float | None:
        try:
            return rounded(alloy_cost_usd_per_kg(Composition.parse(formula)), 2)
        except MissingPriceError:
            return None

    return [{"formula": alloy.formula, "Trg": rounded(alloy.Trg, 4), "Tl": alloy.Tl,
             "cost_usd_per_kg": cost(alloy.formula), "source": alloy.sources[0].text() if alloy.sources else ""}
            for alloy in found.alloys]
