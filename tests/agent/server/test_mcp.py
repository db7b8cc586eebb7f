"""The MCP server with the SDK's own client: over streamable HTTP at /mcp (the app under uvicorn, token required)
and over stdio (`alloygan mcp` in a child process). Same tools, same candidates as the Python API."""
from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.agent.server.conftest import API_TOKEN, GOAL

TOOLS = {"design", "predict", "parse_goal", "describe", "query_alloys", "search_literature",
         "record_experiment_result", "list_experiments"}
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "test", "version": "0"}}}


@asynccontextmanager
async def http_session(base_url: str, token: str | None = API_TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with create_mcp_http_client(headers=headers) as http, \
            streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        yield session


def expected_formulas(n: int | None = None) -> list[str]:
    from alloygan.api import design

    return [c.formula for c in design(GOAL, n=n, seed=0, on_progress=lambda _: None).candidates]


async def check_tools(session: ClientSession) -> None:
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert TOOLS <= set(tools)
    design = tools["design"]
    assert design.input_schema["properties"]["goal"]["description"].startswith("The request in plain words")
    assert {"n", "seed", "goal_fields"} <= set(design.input_schema["properties"])
    assert "candidates" in design.output_schema["properties"]
    assert tools["query_alloys"].input_schema["properties"]["limit"]["anyOf"][0]["minimum"] == 1  # the model's bound


async def check_design(session: ClientSession, n: int | None = None) -> None:
    """`design` answers with the API's candidates for the card's goal and seed 0, as JSON and as text, and reports
    its progress to a client that asks for it."""
    arguments = {"goal": GOAL, "seed": 0} | ({"n": n} if n else {})
    progress: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    result = await session.call_tool("design", arguments, progress_callback=on_progress)
    assert not result.is_error, result.content
    formulas = [c["formula"] for c in result.structured_content["candidates"]]
    assert formulas == expected_formulas(n)
    assert result.structured_content["goal"]["excluded_elements"] == ["Ag"]
    text = result.content[0].text
    assert text.startswith("Goal: Zr-based; Trg > 0.6; without Ag")
    assert f"1. {formulas[0]}" in text
    assert [done for done, _ in progress] == list(range(1, len(progress) + 1))
    assert any(message and message.startswith("generating") for _, message in progress), progress


async def check_bad_formula(session: ClientSession) -> None:
    result = await session.call_tool("predict", {"formulas": ["Zr55Xx45"]})
    assert result.is_error
    assert result.content[0].text == "cannot read formula 'Zr55Xx45': 'Xx' is not an element symbol (position 5)"


def test_http_lists_tools_and_refuses_bad_input(live_server_with_token):
    async def run():
        async with http_session(live_server_with_token) as session:
            await check_tools(session)
            await check_bad_formula(session)
            bounds = await session.call_tool("query_alloys", {"base": "Cu", "limit": 0})
            assert bounds.is_error and bounds.content[0].text == (
                "query_alloys: limit: Input should be greater than or equal to 1")
            parsed = await session.call_tool("parse_goal", {"goal": GOAL + " shiny"})
            assert parsed.structured_content["base_element"] == "Zr"
            assert parsed.structured_content["not_understood"] == ["shiny"]
            assert "Not understood (ignored): shiny" in parsed.content[0].text

    anyio.run(run)


@pytest.mark.slow  # the first design of a process trains or loads the Zr models: seconds
def test_http_design_gives_the_api_candidates(live_server_with_token):
    async def run():
        async with http_session(live_server_with_token) as session:
            await check_design(session, n=3)
            fields = await session.call_tool("design", {"goal_fields": {"base_element": "Zr", "excluded_elements": [
                "Zr"]}})
            assert fields.is_error
            assert fields.content[0].text == "design: goal_fields: Zr both required (or the base) and excluded"

    anyio.run(run)


def test_http_needs_the_token(live_server_with_token):
    refused = httpx.post(f"{live_server_with_token}/mcp", json=INITIALIZE,
                         headers={"Accept": "application/json, text/event-stream"})
    assert refused.status_code == 401
    wrong = httpx.post(f"{live_server_with_token}/mcp", json=INITIALIZE,
                       headers={"Accept": "application/json, text/event-stream", "Authorization": "Bearer nope"})
    assert wrong.status_code == 401

    async def run():
        async with http_session(live_server_with_token) as session:  # the bearer header: served
            assert (await session.call_tool("list_experiments", {})).structured_content == {"experiments": []}

    anyio.run(run)


def test_http_without_token_answers_loopback_hosts_only(live_server):
    """Without a token the server is loopback-only, and the SDK's DNS-rebinding check stays on: a page of another
    site whose name resolves to 127.0.0.1 is refused."""
    accept = {"Accept": "application/json, text/event-stream"}
    served = httpx.post(f"{live_server}/mcp", json=INITIALIZE, headers=accept)
    assert served.status_code == 200, served.text
    rebound = httpx.post(f"{live_server}/mcp", json=INITIALIZE, headers=accept | {"Host": "evil.example:8000"})
    assert rebound.status_code == 421
    foreign = httpx.post(f"{live_server}/mcp", json=INITIALIZE, headers=accept | {"Origin": "http://evil.example"})
    assert foreign.status_code == 403


@pytest.mark.slow
def test_stdio_alloygan_mcp(fresh_home, tmp_path):
    """`alloygan mcp` in a child process (its own fresh home, full-size models: slow): the protocol alone on stdout,
    the same candidates as the Python API."""
    server = StdioServerParameters(command=sys.executable, args=["-m", "alloygan.agent.cli", "mcp"],
                                   env={"ALLOYGAN_HOME": str(fresh_home), **_passed_env()})

    async def run():
        with (tmp_path / "stderr.txt").open("w") as errors:
            async with stdio_client(server, errlog=errors) as (read, write), ClientSession(read, write) as session:
                with anyio.fail_after(30):  # answered while the models still load in the background
                    await session.initialize()
                    await check_tools(session)
                await check_design(session)
                await check_bad_formula(session)

    anyio.run(run)
    assert "alloygan MCP server on stdio" in (tmp_path / "stderr.txt").read_text()


def _passed_env() -> dict[str, str]:
    """What the child needs beyond the SDK's safe defaults (PATH, HOME, ...): the offline switches."""
    return {k: v for k, v in os.environ.items() if k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PYTHONPATH")}
