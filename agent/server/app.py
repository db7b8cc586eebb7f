"""The FastAPI application: one warm `Service`, the token check, the request-size bound, and the four interfaces.

    /            the web chat page (agent/server/web.py, static files in agent/server/static/)
    /api/...     the REST API (agent/server/rest.py); /docs is its OpenAPI page
    /v1/...      the OpenAI-compatible chat endpoint (agent/server/openai_api.py)
    /mcp         the MCP server over streamable HTTP (agent/server/mcp_server.py)

Every route checks `ALLOYGAN_API_TOKEN` when it is set (a bearer token, or the page's cookie);
`alloygan serve` refuses a non-loopback address without one.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

if TYPE_CHECKING:
    from alloygan.agent.server.service import Service

TOKEN_COOKIE = "alloygan_token"


def service_of(request: Request) -> Service:
    """The process's warm service (a FastAPI dependency)."""
    return request.app.state.service


class BodyLimit:
    """ASGI middleware: a request body larger than `limit` bytes is refused with HTTP 413, read or not."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(self.limit, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge()
            return message

        try:
            return await self.app(scope, counted, send)
        except _BodyTooLarge:
            return await _too_large(self.limit, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(limit: int, send) -> None:
    response = JSONResponse({"detail": f"the request body is larger than {limit:,} bytes "
                                       "(ALLOYGAN_API_MAX_BODY_BYTES)"}, status_code=413)
    await response({"type": "http"}, None, send)


def token_ok(request: Request, token: str) -> bool:
    """Whether the request carries the token: `Authorization: Bearer TOKEN`, or the page's cookie."""
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(TOKEN_COOKIE, "")
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def create_app(make_service: Callable[[], Service], token: str | None = None, max_body_bytes: int = 1_000_000,
               warm_families: tuple[str, ...] = ("Zr",)) -> FastAPI:
    """The application; `make_service` builds the warm service at start-up (tests pass one of their own)."""
    from alloygan.agent.server import mcp_server, openai_api, rest, web

    mcp = mcp_server.build(lambda: app.state.service)
    mcp_routes = mcp_server.http_routes(mcp, token) if mcp is not None else []  # exactly /mcp, not a mount

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio

        app.state.service = make_service()
        if warm_families:
            await anyio.to_thread.run_sync(app.state.service.warm_up, warm_families)
        try:
            if mcp is not None:
                async with mcp.session_manager.run():
                    yield
            else:
                yield
        finally:
            app.state.service.close()

    app = FastAPI(title="alloygan", summary="Inverse design of metallic glasses: design, predict, the literature",
                  version="1", lifespan=lifespan)
    app.state.token = token

    @app.middleware("http")
    async def check_token(request: Request, call_next):
        if token and not token_ok(request, token):
            if request.url.path == "/" and request.method == "GET":
                return web.token_page()
            return JSONResponse({"detail": "missing or wrong token: send `Authorization: Bearer <ALLOYGAN_API_TOKEN>`"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.include_router(rest.router)
    app.include_router(openai_api.router)
    app.include_router(web.router)
    app.router.routes.extend(mcp_routes)
    return app
