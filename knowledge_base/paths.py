"""Where alloygan keeps its state: `ALLOYGAN_HOME`, or the user's data directory."""
from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "ALLOYGAN_HOME"


def alloygan_home() -> Path:
    """The state directory (created on first use): the store, models, the vector index."""
    configured = os.environ.get(ENV_HOME)
    if configured:
        home = Path(configured).expanduser()
    else:
        from platformdirs import user_data_dir

        home = Path(user_data_dir("alloygan", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def store_path() -> Path:
    return alloygan_home() / "alloygan.sqlite"
