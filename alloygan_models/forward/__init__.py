"""Forward property models: composition -> Tg, Tx, Tl (and every criterion) with uncertainty.

Saved models are loaded and trained through the model store (`alloygan.models.model_store`).
"""
from alloygan.models.forward.model import ForwardModel, PropertyPrediction, gfa_label
from alloygan.models.forward.registry import train_forward_model

__all__ = ["ForwardModel", "PropertyPrediction", "gfa_label", "train_forward_model"]
