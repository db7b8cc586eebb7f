"""Sampling without torch: the generator's forward pass in NumPy, on the saved tensors.

The design pipeline generates 100,000s of candidates and must start fast, so nothing
here imports torch (the model store reads the tensors from `generator.npz`). `tests/alloygan_models/test_generative.py` proves that this forward
pass equals the torch module's (atol 1e-5) for every model type.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alloygan.models.encoding import ElementVocabulary
from alloygan.models.generative.conditions import ConditionScaling
from alloygan.models.generative.config import GenerativeConfig

LEAKY_SLOPE = 0.2
CHUNK_ROWS = 16384  # keeps the hidden activations of one chunk to a few tens of MB


def sparsemax(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    """Row-wise projection onto the simplex; the same computation as `model.sparsemax`."""
    sorted_logits = -np.sort(-logits, axis=1)
    cumulative = np.cumsum(sorted_logits, axis=1) - 1.0
    rank = np.arange(1, logits.shape[1] + 1, dtype=logits.dtype)
    size = ((sorted_logits - cumulative / rank) > 0).sum(axis=1, keepdims=True)
    threshold = np.take_along_axis(cumulative, size - 1, axis=1) / size.astype(logits.dtype)
    return np.maximum(logits - threshold, 0.0)


def gated_softmax(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    """Presence gate × softmax of amounts; the same computation as `model.gated_softmax`."""
    presence, amount = np.split(logits, 2, axis=1)
    shifted = np.exp(amount - amount.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)
    gated = weights * (presence > 0)
    totals = gated.sum(axis=1, keepdims=True)
    return np.where(totals > 0, gated / np.maximum(totals, 1e-12), weights)


def _activate(logits: NDArray[np.float32], output: str) -> NDArray[np.float32]:
    if output == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits))
    if output == "softmax":
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    if output == "gated":
        return gated_softmax(logits)
    return sparsemax(logits)


class Generator:
    """A trained generator, ready to sample compositions for (Tg, Tx, Tl) targets."""

    def __init__(
        self,
        weights: dict[str, np.ndarray],
        config: GenerativeConfig,
        vocabulary: ElementVocabulary,
        scaling: ConditionScaling,
        family: str,
        families: Sequence[str],
        metadata: dict | None = None,
    ):
        self.config = config
        self.vocabulary = vocabulary
        self.scaling = scaling
        self.family = family
        self.families: tuple[str, ...] = tuple(families)
        self.metadata = metadata or {}
        n_hidden = len(config.generator_hidden)
        self._layers = [(np.asarray(weights[f"hidden.{2 * i}.weight"], np.float32).T.copy(),
                         np.asarray(weights[f"hidden.{2 * i}.bias"], np.float32)) for i in range(n_hidden)]
        self._head = (np.asarray(weights["head.weight"], np.float32).T.copy(), np.asarray(weights["head.bias"], np.float32))
        width = config.noise_dim + scaling.width
        for weight, bias in [*self._layers, self._head]:
            if weight.ndim != 2 or weight.shape[0] != width or bias.shape != (weight.shape[1],):
                raise ValueError(f"a layer of shape {weight.shape} (bias {bias.shape}) does not take {width} inputs")
            width = weight.shape[1]
        outputs = (2 if config.output == "gated" else 1) * len(vocabulary)
        if self._head[0].shape[1] != outputs:
            raise ValueError(f"the weights give {self._head[0].shape[1]} outputs; {config.output} over "
                             f"{len(vocabulary)} elements needs {outputs}")

    @property
    def model(self) -> str:
        return self.config.model

    def forward(self, noise: np.ndarray, condition: np.ndarray) -> NDArray[np.float32]:
        """Deterministic forward pass: (n, noise_dim) noise and (n, width) conditions -> (n, V)."""
        noise = np.asarray(noise, dtype=np.float32)
        condition = np.asarray(condition, dtype=np.float32)
        if noise.ndim != 2 or noise.shape[1] != self.config.noise_dim:
            raise ValueError(f"noise must have shape (n, {self.config.noise_dim}); got {noise.shape}")
        if condition.shape != (len(noise), self.scaling.width):
            raise ValueError(f"condition must have shape ({len(noise)}, {self.scaling.width}); got {condition.shape}")
        out = np.empty((len(noise), len(self.vocabulary)), dtype=np.float32)
        for start in range(0, len(noise), CHUNK_ROWS):
            x = np.concatenate([noise[start:start + CHUNK_ROWS], condition[start:start + CHUNK_ROWS]], axis=1)
            for weight, bias in self._layers:
                x = x @ weight + bias
                x = np.maximum(x, LEAKY_SLOPE * x)
            out[start:start + CHUNK_ROWS] = _activate(x @ self._head[0] + self._head[1], self.config.output)
        return out

    def _check_family(self, family: str | Sequence[str] | None) -> str | Sequence[str] | None:
        if family is None:
            return self.families[0] if len(self.families) == 1 else None
        names = {family} if isinstance(family, str) else set(family)
        unknown = sorted(names - set(self.families))
        if unknown:
            raise ValueError(f"the {self.model} model for {self.family} cannot condition on base element "
                             f"{', '.join(unknown)}; it knows {', '.join(self.families)}")
        return family

    def conditions(self, Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike, family: str | Sequence[str] | None = None) -> NDArray[np.float32]:
        family = self._check_family(family)
        if self.scaling.families and family is None:
            raise ValueError(f"name the base element to generate for (one of {', '.join(self.families)})")
        return self.scaling.transform(Tg, Tx, Tl, family if self.scaling.families else None)

    def sample(
        self,
        Tg: ArrayLike,
        Tx: ArrayLike,
        Tl: ArrayLike,
        family: str | Sequence[str] | None = None,
        seed: int | None = 0,
    ) -> NDArray[np.float32]:
        """(n, V) non-negative amounts, one row per (Tg, Tx, Tl) triple (kelvin); rows are not normalised.

        `family` is the base element to generate for (default: the model's own family);
        a model not trained on it raises ValueError. The same seed gives the same rows.
        Models without a condition (gan) ignore the temperatures except for their count.
        """
        condition = self.conditions(Tg, Tx, Tl, family)
        noise = np.random.default_rng(seed).standard_normal((len(condition), self.config.noise_dim), dtype=np.float32)
        return self.forward(noise, condition)

    def __repr__(self) -> str:
        return f"Generator(model={self.model!r}, family={self.family!r}, elements={len(self.vocabulary)})"
