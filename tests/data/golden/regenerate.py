"""Regenerate the stored CLI outputs (run after a deliberate change of an output; review the diff before committing).

    python tests/data/golden/regenerate.py

Runs each command of tests/tools/test_golden_json.py in one fresh ALLOYGAN_HOME, in the same order as the test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from tests.tools.test_golden_json import COMMANDS  # noqa: E402

CLI = str(Path(sys.executable).parent / "alloygan")  # the console script beside this Python
STORE_SHOWN = "/tmp/golden/home/alloygan.sqlite"  # kb stats' "store" path differs per home; the test normalises it


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, ALLOYGAN_HOME=home, HF_HUB_OFFLINE="1")
        for name, args in list(COMMANDS.items()) + [("kb_stats", ("kb", "stats", "--json"))]:
            run = subprocess.run([CLI, *args], env=env, capture_output=True,
                                 text=True)
            if run.returncode != 0:
                sys.exit(f"{name}: {run.stderr.strip()}")
            out = run.stdout
            if name == "kb_stats":
                data = json.loads(out)
                data["store"] = STORE_SHOWN
                out = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            (HERE / f"{name}.json").write_text(out, encoding="utf-8")
            print(f"{name}.json written")


if __name__ == "__main__":
    main()
