"""Fixtures of the server tests: an app over the offline planner per test module, and a live server for clients
that need real HTTP (the `openai` client, the MCP client, a browser). Add fixtures here; keep it small."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"  # the card's goal
API_TOKEN = "test-token"  # the token of the servers that require one


def offline_app(checkpoints: Path, **options):
    """The server's app over the offline planner, its conversations in `checkpoints`, nothing warmed up."""
    from alloygan.agent.server.app import create_app
    from alloygan.agent.server.service import Service

    return create_app(lambda: Service(planner="offline", checkpoint_path=checkpoints / "c.sqlite"),
                      warm_families=(), **options)


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator:
    """A TestClient over one app for the whole module (its lifespan run: the service is up)."""
    from fastapi.testclient import TestClient

    with TestClient(offline_app(tmp_path_factory.mktemp("server"))) as test_client:
        yield test_client


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port in a background thread: its base URL while the block runs."""
    import uvicorn

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    runner = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        runner.start()
        try:
            deadline = time.monotonic() + 60
            while not server.started:
                if not runner.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the test server did not start")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            runner.join(timeout=30)
            listening.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The offline app served over real HTTP for the module (clients such as `openai` need a socket): its URL."""
    with serving(offline_app(tmp_path_factory.mktemp("live-server"))) as url:
        yield url


@pytest.fixture(scope="module")
def live_server_with_token(tmp_path_factory) -> Iterator[str]:
    """As `live_server`, with the token `API_TOKEN` required on every route: its URL."""
    with serving(offline_app(tmp_path_factory.mktemp("live-server-token"), token=API_TOKEN)) as url:
        yield url
