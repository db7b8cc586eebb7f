"""A scripted OpenAI-compatible HTTP server on 127.0.0.1: the real client and wire format, offline.

`ScriptedOpenAIServer(strict=True)` also checks each request the way the servers labs run would take it
(llama.cpp's server above all, and the OpenAI spec); see `strict_violations`. A violating request is answered
with the HTTP error a real server gives and the violation is kept in `server.violations` for the test.
"""
from __future__ import annotations

import json
from pathlib import Path

WIRE_FIXTURES = Path(__file__).resolve().parent / "data" / "llm_wire"


def wire_fixture(name: str) -> dict:
    """A recorded server answer from tests/data/llm_wire (`status`, `body`, `expect`, `_source`)."""
    return json.loads((WIRE_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def strict_violations(body: dict) -> list[tuple[int, str]]:
    """What a strict server rejects in a chat-completions request: (HTTP status, one-line reason) per violation.

    500 where llama-cpp-python's server fails (its RouteErrorHandler turns any exception, a request validation or a
    chat template error, into HTTP 500), 400 where the OpenAI spec rejects the request. The rules:
    exactly one system message and it is first (chat templates raise otherwise); an assistant message with
    tool_calls has string content (llama-cpp-python's request model rejects null); every tool message answers a
    tool_call_id of the assistant message before it, and every tool call is answered (OpenAI); `max_tokens` is sent
    (llama.cpp ignores `max_completion_tokens` and writes until the context is full); with `tools`, `tool_choice` is
    "auto" (llama-cpp-python's chatml-function-calling ignores the tools without it, and fails on "required").
    One more rule needs the reply and is checked by the server: a streamed request with tools whose scripted reply is
    a tool call gets an empty stream (`STREAMED_TOOL_CALL`).
    """
    found: list[tuple[int, str]] = []
    messages = body.get("messages") or []
    systems = [i for i, m in enumerate(messages) if m.get("role") == "system"]
    if systems != [0]:
        found.append((500, f"exactly one system message, first, is required (system messages at {systems})"))
    for i, message in enumerate(messages):
        role, calls = message.get("role"), message.get("tool_calls") or []
        if role == "assistant" and calls and not isinstance(message.get("content"), str):
            reason = f"messages[{i}]: assistant content {message.get('content')!r} is not a string"
            found.append((500, f"{reason}: Input should be a valid string (llama-cpp-python's request validation)"))
        if role == "tool":
            j = i - 1
            while j >= 0 and messages[j].get("role") == "tool":
                j -= 1
            before = messages[j] if j >= 0 and messages[j].get("role") == "assistant" else {}
            if message.get("tool_call_id") not in {call.get("id") for call in before.get("tool_calls") or []}:
                reason = f"messages[{i}]: messages with role 'tool' must be a response to a preceding message"
                found.append((400, f"{reason} with 'tool_calls' (tool_call_id {message.get('tool_call_id')!r})"))
        if role == "assistant" and calls and i + 1 < len(messages):
            answered = set()
            for later in messages[i + 1:]:
                if later.get("role") != "tool":
                    break
                answered.add(later.get("tool_call_id"))
            missing = [call.get("id") for call in calls if call.get("id") not in answered]
            if missing:
                reason = f"messages[{i}]: an assistant message with 'tool_calls' must be followed by tool messages"
                found.append((400, f"{reason} responding to each 'tool_call_id' (missing {missing})"))
    if "max_tokens" not in body:
        only = " (only max_completion_tokens, which llama.cpp ignores)" if "max_completion_tokens" in body else ""
        found.append((400, f"max_tokens is missing{only}"))
    if body.get("tools") and body.get("tool_choice") != "auto":
        found.append((500, f"tools were sent with tool_choice {body.get('tool_choice')!r}, not 'auto'"))
    return found


STREAMED_TOOL_CALL = ("a tool call asked for as a stream: llama-cpp-python's chatml-function-calling raises 'Automatic "
                      "streaming tool choice is not supported' after HTTP 200, so the client gets an empty stream")


def _error_body(status: int, message: str) -> dict:
    """The error body the server of that status gives: llama.cpp's 500, OpenAI's 400 (tests/data/llm_wire)."""
    if status == 500:
        error = dict(wire_fixture("llama_cpp_error_500")["body"]["error"])
    else:
        error = {"type": "invalid_request_error", "param": "messages", "code": None}
    error["message"] = message
    return {"error": error}


class ScriptedOpenAIServer:
    """A tiny OpenAI-compatible HTTP server on 127.0.0.1 answering /v1/chat/completions from a script."""

    def __init__(self, strict: bool = False) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        # each reply: {"content": str} and/or {"tool_calls": [...]}, or a recorded answer {"status": int, "body": {...}}
        # (a tests/data/llm_wire fixture), sent as it is; any reply may add {"delay": seconds}: the server waits that
        # long before answering (a frozen server, for client timeouts; `close` ends the wait without an answer), or
        # be {"drop": True}: the connection is closed without an answer (a connection error for the client)
        self.replies: list[dict] = []
        self.stopping = threading.Event()
        self.requests: list[tuple[str, dict]] = []
        self.strict = strict
        self.models: list[str] | None = None  # what GET /v1/models lists (None: the route answers 404)
        self.violations: list[str] = []  # strict mode: every rule a request broke, "request N: reason"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path == "/v1/models" and server.models is not None:
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in server.models]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, body))
                if server.strict:
                    broken = strict_violations(body)
                    server.violations += [f"request {len(server.requests)}: {reason}" for _, reason in broken]
                    if broken:
                        status = max(code for code, _ in broken)
                        self._send(status, _error_body(status, "; ".join(reason for _, reason in broken)))
                        return
                reply = server.replies.pop(0) if server.replies else {"content": '{"records": []}'}
                if reply.get("delay") and server.stopping.wait(reply["delay"]):
                    return  # closed while waiting: the client gave up long ago
                if reply.get("drop"):
                    self.close_connection = True
                    return
                if "status" in reply and "body" in reply:
                    self._send(reply["status"], reply["body"])
                    return
                if body.get("stream") and server.strict and body.get("tools") and reply.get("tool_calls"):
                    server.violations.append(f"request {len(server.requests)}: {STREAMED_TOOL_CALL}")
                    self.send_response(200)  # llama-cpp-python fails after the headers: an empty stream
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    self.close_connection = True
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                    return
                message = {"role": "assistant", "content": reply.get("content")}
                if reply.get("tool_calls"):
                    message["tool_calls"] = reply["tool_calls"]
                payload = json.dumps({
                    "id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion", "created": 1700000000,
                    "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "message": message,
                                 "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body: dict, reply: dict) -> None:
                """The reply as server-sent events, as OpenAI-compatible servers stream it: the content a few
                characters per chunk, each tool call's name then its arguments, the finish reason, then (when
                asked for with stream_options.include_usage) a usage chunk, then [DONE]."""
                base = {"id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion.chunk",
                        "created": 1700000000, "model": body.get("model", "scripted")}
                deltas: list[dict] = [{"role": "assistant", "content": ""}]
                content = reply.get("content") or ""
                deltas += [{"content": content[i:i + 4]} for i in range(0, len(content), 4)]
                for index, call in enumerate(reply.get("tool_calls") or []):
                    deltas.append({"tool_calls": [{"index": index, "id": call["id"], "type": "function", "function": {
                        "name": call["function"]["name"], "arguments": ""}}]})
                    deltas.append({"tool_calls": [{"index": index, "function": {
                        "arguments": call["function"]["arguments"]}}]})
                chunks = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
                finish = "tool_calls" if reply.get("tool_calls") else "stop"
                chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    chunks.append({**base, "choices": [],
                                   "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a cut stream)
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # a quick shutdown
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
