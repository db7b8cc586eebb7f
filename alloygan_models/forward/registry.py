"""Training the forward model: `train_forward_model` and its default settings.

Saving and loading are the model store's (`alloygan_models/model_store`): `load_forward`
never trains, `ensure_forward` trains what is missing or stale and says so.
"""
from __future__ import annotations

from alloygan.models.dataset import AlloyTable
from alloygan.models.forward.model import ForwardModel

DEFAULT_SETTINGS = ForwardModel().get_params()


def train_forward_model(table: AlloyTable, **settings) -> ForwardModel:
    """A fresh model fitted on every alloy of `table` (nothing saved)."""
    return ForwardModel(**{**DEFAULT_SETTINGS, **settings}).fit_table(table)
