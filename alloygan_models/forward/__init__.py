"""Forward property models: composition -> Tg, Tx, Tl (and every criterion) with uncertainty."""
from alloygan.models.forward.model import ForwardModel, PropertyPrediction, gfa_label
from alloygan.models.forward.registry import load_forward_model, model_version, train_forward_model

__all__ = ["ForwardModel", "PropertyPrediction", "gfa_label", "load_forward_model", "model_version",
           "train_forward_model"]
