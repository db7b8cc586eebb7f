"""Generative models of alloy compositions: AlloyGAN's CGAN, its two baselines, and ours.

    from alloygan.models.model_store import ensure_generator, load_generator
    generator = load_generator(model="ours", family="Zr")   # NumPy sampler, no torch; never trains
    generator, report = ensure_generator(model="ours", family="Zr")   # trains when missing, and says so
    amounts = generator.sample(Tg, Tx, Tl, family="Zr", seed=0)   # (n, V)

Importing this package does not import torch; training does. See
docs/generative_models.md for the models, the comparison and the commands.
"""
from alloygan.models.generative.config import GENERATIVE_MODELS, GenerativeConfig, default_config
from alloygan.models.generative.registry import (
    ALL_FAMILIES,
    MIN_FAMILY_ALLOYS,
    MIN_MULTI_FAMILY_ALLOYS,
    TrainingResult,
    train_generator,
)
from alloygan.models.generative.sampler import Generator

__all__ = [
    "ALL_FAMILIES",
    "GENERATIVE_MODELS",
    "GenerativeConfig",
    "Generator",
    "MIN_FAMILY_ALLOYS",
    "MIN_MULTI_FAMILY_ALLOYS",
    "TrainingResult",
    "default_config",
    "train_generator",
]
