"""Shared fixtures. Every test session runs against its own ALLOYGAN_HOME, never the user's."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_PDF = REPO.parent / "shared" / "data" / "alloygan-collected-dataset.pdf"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory) -> Path:
    """A state directory shared by the tests that only read (the store, trained models)."""
    home = tmp_path_factory.mktemp("alloygan-home")
    previous = os.environ.get("ALLOYGAN_HOME")
    os.environ["ALLOYGAN_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("ALLOYGAN_HOME", None)
    else:
        os.environ["ALLOYGAN_HOME"] = previous


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """An empty state directory for a test that writes."""
    home = tmp_path / "home"
    monkeypatch.setenv("ALLOYGAN_HOME", str(home))
    return home


@pytest.fixture
def shared_pdf() -> Path:
    if not SHARED_PDF.is_file():
        pytest.skip(f"the shared dataset PDF is not at {SHARED_PDF} (../shared beside the clone)")
    return SHARED_PDF


@pytest.fixture
def run_cli(capsys):
    """Run the `alloygan` entry point in-process: returns (exit code, stdout, stderr)."""
    from alloygan.agent.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def openai_server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    from tests.openai_server import ScriptedOpenAIServer

    server = ScriptedOpenAIServer()
    yield server
    server.close()


@pytest.fixture
def llm_env(monkeypatch, openai_server):
    """ALLOYGAN_LLM_* pointing at the scripted server."""
    monkeypatch.setenv("ALLOYGAN_LLM_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("ALLOYGAN_LLM_MODEL", "scripted-model")
    monkeypatch.setenv("ALLOYGAN_LLM_API_KEY", "test-key")
    monkeypatch.setenv("ALLOYGAN_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("ALLOYGAN_LLM_TIMEOUT", "10")
    return openai_server
