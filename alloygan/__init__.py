"""alloygan: inverse design of metallic glasses, as a Python library.

    >>> import alloygan
    >>> answer = alloygan.design("find Zr-based glass with Trg>0.6 avoiding Ag", n=3)
    >>> answer.to_frame()[["formula", "Trg_mean", "Trg_std", "cost_usd_per_kg"]]
    >>> alloygan.predict(["Zr55Cu30Al10Ni5", "Cu46Zr46Al8"]).to_frame()
    >>> alloygan.parse_goal("Cu-based glass with gamma >= 0.42 under $20/kg").goal.describe()
    >>> alloygan.suggest("Zr-based glass with the highest Trg", batch=3, log=False).suggestions

The functions return the typed results of `alloygan.tools.results` (see `alloygan.api`).
Importing this package is light: the science and its libraries load on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["design", "predict", "parse_goal", "search_literature", "suggest"]

if TYPE_CHECKING:
    from alloygan.api import design, parse_goal, predict, search_literature, suggest


def __getattr__(name: str) -> Any:
    if name in __all__:
        from alloygan import api

        return getattr(api, name)
    raise AttributeError(f"module 'alloygan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
