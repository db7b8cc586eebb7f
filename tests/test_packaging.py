"""The installed distribution: one import namespace, every module and data file inside it."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# repository folder -> installed package (pyproject.toml, [tool.setuptools.package-dir])
NAMESPACE = {"alloygan": "alloygan", "agent": "alloygan/agent", "tools": "alloygan/tools", "prompts": "alloygan/prompts",
             "alloygan_models": "alloygan/models", "knowledge_base": "alloygan/knowledge_base"}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(out), str(REPO)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr[-2000:]}")
    (wheel,) = out.glob("alloygan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_installs_one_top_level_package(wheel_names):
    top = {name.split("/")[0] for name in wheel_names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"alloygan"}
    assert not top & {"agent", "tools", "prompts", "alloygan_models", "knowledge_base"}


def test_every_module_and_data_file_of_the_repository_is_in_the_wheel(wheel_names):
    installed = set(wheel_names)
    missing = []
    for folder, package in NAMESPACE.items():
        for path in (REPO / folder).rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix in {".py", ".csv", ".json", ".md", ".yaml", ".txt", ".html", ".css", ".js"}:
                name = f"{package}/{path.relative_to(REPO / folder).as_posix()}"
                if name not in installed:
                    missing.append(name)
    assert not missing, f"not packaged (add the package to pyproject.toml's list): {missing}"


def test_the_console_script_points_into_the_namespace(wheel_names, tmp_path):
    entry = next(n for n in wheel_names if n.endswith(".dist-info/entry_points.txt"))
    assert entry  # the metadata file exists; its content is checked through the installed distribution
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "alloygan"]
    assert script.value == "alloygan.agent.cli:main"


def test_importing_the_api_is_light():
    """`import alloygan` loads no model library: the API imports its parts on first use."""
    code = ("import sys, alloygan\n"
            "heavy = {'torch', 'sklearn', 'langchain_core', 'langgraph', 'chromadb', 'pandas', 'matminer'}\n"
            "loaded = heavy & {m.split('.')[0] for m in sys.modules}\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)
