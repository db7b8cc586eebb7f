#!/usr/bin/env python3
"""Set up alloygan in a local virtual environment and run it, with nothing but Python 3.11.

    python3 quickstart.py demo     # the main job on the embedded default (offline, no API key)
    python3 quickstart.py test     # the test suite, fast tier then slow tier (what CI runs)
    python3 quickstart.py test --fast   # the fast tier only (no model training, about a minute)
    python3 quickstart.py shell    # print how to activate the environment

The first call creates `.venv/` and installs the project into it (about 2 minutes and
about 2.3 GB here; see README "Installing torch" for the CPU build). Later calls reuse it,
and reinstall only when pyproject.toml changes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".alloygan-install-stamp"
# A CPU build of torch is what this project needs; 2.13.0 is the release it is tested with.
# Set ALLOYGAN_TORCH_SPEC / ALLOYGAN_TORCH_INDEX to choose another build (README, "Installing torch").
TORCH_SPEC = os.environ.get("ALLOYGAN_TORCH_SPEC", "torch==2.13.0")
TORCH_INDEX = os.environ.get("ALLOYGAN_TORCH_INDEX", "")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
DEMO_GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"


def _say(message: str) -> None:
    print(f"[quickstart] {message}", flush=True)


def _run(*args: str | Path, **kwargs) -> int:
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kwargs)


def _install_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(TORCH_SPEC.encode())
    return digest.hexdigest()


def _install_torch() -> None:
    """The CPU build of torch, before anything else can pull the multi-GB CUDA build from PyPI.

    ALLOYGAN_TORCH_INDEX set: from that index. Otherwise a wheel already on this machine (pip's
    find-links, as on our build machines) is used when there is one; else, on Linux and
    Windows (where PyPI's default wheel is the CUDA build), PyTorch's CPU index; on macOS,
    PyPI (its wheel is the CPU build).
    """
    pip = (PYTHON, "-m", "pip", "install", "-q", TORCH_SPEC)
    if TORCH_INDEX:
        _say(f"installing {TORCH_SPEC} from {TORCH_INDEX}")
        ok = _run(*pip, "--index-url", TORCH_INDEX) == 0
    else:
        local = _run(*pip, "--no-index", "--no-deps", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
        if local:  # torch itself from the wheel on disk; its small dependencies from the usual index
            _say(f"installing {TORCH_SPEC} from a wheel on this machine")
            ok = _run(*pip) == 0
        elif sys.platform == "darwin":
            _say(f"installing {TORCH_SPEC} from PyPI (the CPU build on macOS)")
            ok = _run(*pip) == 0
        else:
            _say(f"installing {TORCH_SPEC} (CPU build) from {CPU_INDEX}")
            ok = _run(*pip, "--index-url", CPU_INDEX) == 0
    if not ok:
        sys.exit("Installing torch failed; see README, 'Installing torch' (ALLOYGAN_TORCH_INDEX chooses the index).")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"alloygan needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        _say(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _install_stamp():
        return
    has_torch = _run(PYTHON, "-c", "import torch", stderr=subprocess.DEVNULL) == 0
    if not has_torch:
        _install_torch()
    _say("installing alloygan and its dependencies (first run only)")
    if _run(PYTHON, "-m", "pip", "install", "-q", "-e", ".[test]") != 0:
        sys.exit("Installing alloygan failed; the pip output above says why.")
    STAMP.write_text(_install_stamp())


def ensure_test_browser(seconds: int = 600) -> None:
    """What the web page's browser test needs: Playwright (the `test` extra) and Debian's Chromium, installed with
    apt-get when there is none on PATH and we are root (within `seconds`). Anything missing: one line, and that
    test skips, naming the install command."""
    if _run(PYTHON, "-c", "import playwright.sync_api", stderr=subprocess.DEVNULL) != 0:
        _say("installing the test extra (playwright, for the browser test)")
        if _run(PYTHON, "-m", "pip", "install", "-q", "-e", ".[test]") != 0:
            _say("could not install playwright: the browser test will be skipped")
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        _say("no chromium on PATH and no apt-get as root to install it: the browser test will be skipped "
             "(install it with `apt-get install -y chromium`)")
        return
    _say("installing chromium with apt-get, for the browser test")
    deadline = time.monotonic() + seconds
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install, update = ["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"]
    try:
        for command in (install, update, install):  # the package lists may be missing on a fresh machine
            done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                  timeout=max(1.0, deadline - time.monotonic()))
            if command is install and done.returncode == 0:
                return
        _say("apt-get could not install chromium: the browser test will be skipped")
    except subprocess.TimeoutExpired:
        _say(f"installing chromium took over {seconds} s and was stopped: the browser test will be skipped")


def run_tests(args: list[str], env: dict[str, str]) -> int:
    """The fast tier (`-m "not slow"`: no model training), then, if it passed, the slow tier (`-m slow`:
    training, end to end, benchmarks). `--fast`: the fast tier only. Other arguments go to pytest; with
    your own `-m`, pytest runs once with them. Exit code 5 (no tests collected) counts as success."""
    fast_only = "--fast" in args
    extra = [a for a in args if a != "--fast"]
    if "-m" in extra or any(a.startswith("-m") and len(a) > 2 for a in extra):
        tiers = [("the tests your -m selects", [])]
    else:
        tiers = [("fast tier", ["-m", "not slow"])] + ([] if fast_only else [("slow tier", ["-m", "slow"])])
    for name, marker in tiers:
        _say(f"{name}: pytest -q {' '.join(repr(a) if ' ' in a else a for a in marker + extra)}")
        started = time.monotonic()
        code = _run(PYTHON, "-m", "pytest", "-q", *marker, *extra, env=env)
        _say(f"{name}: {'passed' if code in (0, 5) else f'failed (exit code {code})'} "
             f"in {time.monotonic() - started:.0f} s")
        if code not in (0, 5):  # 5: no tests collected
            return code
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "demo"
    if command not in {"demo", "test", "shell"}:
        print(__doc__)
        print(f"Unknown command {command!r}: use demo, test or shell.", file=sys.stderr)
        return 2
    ensure_environment()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if command == "shell":
        print(f"source {BIN / 'activate'}")
        return 0
    if command == "test":
        if "--fast" not in argv[1:]:  # the browser test is in the slow tier
            ensure_test_browser()
        return run_tests(argv[1:], env)
    alloygan = BIN / ("alloygan.exe" if os.name == "nt" else "alloygan")
    return _run(alloygan, "demo", *argv[1:], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
