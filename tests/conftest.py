"""Shared fixtures. Every test session runs against its own ALLOYGAN_HOME, never the user's."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_PDF = REPO.parent / "shared" / "data" / "alloygan-collected-dataset.pdf"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# --- test tiers ---------------------------------------------------------------------------
# `pytest -m "not slow"` is the fast tier (`python3 quickstart.py test` runs it first, then `-m slow`).
# A test not marked slow trains no full-size generator: where it needs one (a design through the
# CLI, the tools or the graph), the generator presets are cut to a few epochs, so the model is
# fitted in seconds, once per ALLOYGAN_HOME (the registry keeps it while the presets stay). Its
# answers are as valid as any (every candidate is screened by the forward model), only less good.
# A test marked slow runs the shipped presets: end-to-end training, benchmarks, golden outputs.
QUICK_EPOCHS = {"ours": 60, "cgan": 10, "gan": 10, "gan-plus": 10}
QUICK_MULTI_FAMILY_EPOCHS = {"ours": 10}
_shipped_presets: tuple[dict, dict] | None = None


def _generator_presets(quick: bool) -> None:
    global _shipped_presets
    from alloygan.models.generative import config

    if _shipped_presets is None:  # what the package ships, before any test changed it
        _shipped_presets = (dict(config.PRESETS), dict(config.MULTI_FAMILY_EPOCHS))
    presets, multi_family_epochs = _shipped_presets
    config.PRESETS.update({name: preset.updated(epochs=QUICK_EPOCHS[name]) if quick else preset
                           for name, preset in presets.items()})
    config.MULTI_FAMILY_EPOCHS.update(QUICK_MULTI_FAMILY_EPOCHS if quick else multi_family_epochs)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """Before the test's fixtures are set up (module fixtures that design included): the presets of its tier."""
    _generator_presets(quick=item.get_closest_marker("slow") is None)


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


@pytest.fixture(autouse=True)
def settings_read_afresh():
    """Every test reads the settings anew: the cache follows the environment, not what a test wrote to llm.env."""
    from alloygan.tools.settings import reload_settings

    reload_settings()
    yield
    reload_settings()


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


@pytest.fixture(scope="module")
def trained_home(session_home):
    """The session's home with the forward model and the quick `ours` generator for Zr: trained there once per
    session (if no earlier test did), then copied by `trained_copy` for each test that writes to it or damages it."""
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.model_store import ensure_forward, ensure_generator

    _generator_presets(quick=True)
    table = load_alloy_table()
    ensure_forward(table)
    ensure_generator("ours", "Zr", table)
    return session_home


@pytest.fixture
def trained_copy(trained_home, fresh_home):
    """A copy of the trained home's store and models, with the quick presets the generator was trained with."""
    _generator_presets(quick=True)
    fresh_home.mkdir(parents=True)
    shutil.copytree(trained_home / "models", fresh_home / "models", ignore=shutil.ignore_patterns("*.lock"))
    with sqlite3.connect(trained_home / "alloygan.sqlite") as source, \
            sqlite3.connect(fresh_home / "alloygan.sqlite") as copy:
        source.backup(copy)  # with what the write-ahead log holds
    return fresh_home
