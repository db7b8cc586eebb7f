"""`alloygan serve`: the web chat, the REST API, the OpenAI-compatible chat endpoint and MCP from one process."""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from alloygan.agent.cli.output import err_console, fail

if TYPE_CHECKING:
    from alloygan.agent.server.service import Service

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """One clear line when the address cannot be served (busy port, unknown host), before anything loads."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        fail(f"--host {host}: not an address this machine has ({error.strerror}); e.g. 127.0.0.1")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except PermissionError:
            fail(f"--port {port}: not allowed for this user (ports below 1024 need root); e.g. --port 8000")
        except OSError as error:
            if error.errno in (98, 48):  # EADDRINUSE on Linux, macOS
                fail(f"--port {port}: already in use on {host}; stop what uses it or choose another with --port")
            fail(f"--host {host} --port {port}: cannot listen there ({error.strerror})")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; other than loopback needs "
                                                           "ALLOYGAN_API_TOKEN."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    offline: bool = typer.Option(False, "--offline", help="Use the offline planner even when an LLM is configured."),
    warm: str = typer.Option("Zr", "--warm", help="Families whose models are loaded at start-up, comma-separated "
                                                 "(others load on first use); '' for none."),
) -> None:
    """Serve the assistant: the web chat at /, the REST API at /api (OpenAPI at /docs), an OpenAI-compatible chat
    endpoint at /v1 and MCP at /mcp, from one warm process. Ctrl-C or SIGTERM stops it cleanly."""
    from alloygan.tools.settings import settings

    config = settings()
    token = config.api.token.get_secret_value() if config.api.token else None
    if not is_loopback(host) and not token:
        fail(f"--host {host} is not a loopback address: set ALLOYGAN_API_TOKEN (a long random string) so that "
             "every route asks for it, or serve on 127.0.0.1")
    families = tuple(f.strip() for f in warm.split(",") if f.strip())
    check_port(host, port)

    import uvicorn

    from alloygan.agent.server.app import create_app
    from alloygan.agent.server.service import Service

    app = create_app(lambda: Service(planner="offline" if offline else None), token=token,
                     max_body_bytes=config.api.max_body_bytes, warm_families=families)
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"alloygan serving on http://{shown}:{port}/ (REST at /api, docs at /docs, OpenAI-compatible "
                      f"at /v1, MCP at /mcp){'; token required' if token else ''}; Ctrl-C stops", markup=False)
    if families:
        err_console.print(f"loading the models of {', '.join(families)} first…", markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=30)
    err_console.print("stopped", markup=False)


class BackgroundService:
    """A `Service` built (and its models warmed) in a background thread, for `alloygan mcp`: the client's
    `initialize` is answered at once, and a tool call waits until the service is ready (so a call never races the
    warm-up into training the same model twice). Callable: it is the `get_service` of `build`."""

    def __init__(self, make_service: Callable[[], Service], warm_families: tuple[str, ...] = ()):
        import threading

        self._make_service = make_service
        self._warm_families = warm_families
        self._ready = threading.Event()
        self._service: Service | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._start, name="alloygan-mcp-warm-up", daemon=True).start()

    def _start(self) -> None:
        from alloygan.agent.cli.output import print_error, progress
        from alloygan.tools.errors import user_errors

        try:
            self._service = self._make_service()
            if self._warm_families:
                with progress(f"loading the models of {', '.join(self._warm_families)}") as on_progress:
                    seconds = self._service.warm_up(self._warm_families, on_progress=on_progress)
                err_console.print(f"models loaded in {seconds:.1f} s", style="dim", markup=False)
        except user_errors() as error:  # the tools still answer (with this error, or after loading on first use)
            print_error(str(error))
            self._error = error if self._service is None else None
        except Exception as error:  # a bug: its traceback on stderr, and each tool call says it failed
            import logging

            logging.getLogger(__name__).exception("building the service failed")
            self._error = error if self._service is None else None
        finally:
            self._ready.set()

    def __call__(self) -> Service:
        self._ready.wait()
        if self._service is None:
            raise self._error or RuntimeError("the service could not be built")
        return self._service

    def close(self) -> None:
        if self._ready.is_set() and self._service is not None:
            self._service.close()


def mcp(
    offline: bool = typer.Option(False, "--offline", help="Use the offline planner even when an LLM is configured "
                                                            "(the MCP tools do not use the LLM)."),
    warm: str = typer.Option("Zr", "--warm", help="Families whose models are loaded in the background at start-up, "
                                                 "comma-separated (others load on first use); '' for none."),
) -> None:
    """Serve the tools over MCP on stdin/stdout, for Claude Desktop, VS Code, Cursor and other MCP clients: design,
    predict, parse_goal, describe, query_alloys, search_literature, record_experiment_result, list_experiments.
    Stdout carries the protocol only; progress and errors go to stderr. (`alloygan serve` serves the same tools
    over HTTP at /mcp.)"""
    from alloygan.agent.server.mcp_server import build
    from alloygan.agent.server.service import Service

    families = tuple(f.strip() for f in warm.split(",") if f.strip())
    service = BackgroundService(lambda: Service(planner="offline" if offline else None), families)
    err_console.print("alloygan MCP server on stdio; the client stops it by closing stdin", style="dim", markup=False)
    try:
        build(service).run("stdio")
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
