"""The generator and discriminator networks (torch). Training is in `train.py`.

Both are plain MLPs: Linear layers with LeakyReLU(0.2) between them, as in AlloyGAN.
The discriminator returns a logit; for the BCE loss the paper's final Sigmoid is fused
into `BCEWithLogitsLoss` (the same function, numerically safer). The layer names
(`hidden.0`, `hidden.2`, ..., `head`) are what the NumPy sampler reads from the .npz.
"""
from __future__ import annotations

import torch
from torch import nn

from alloygan.models.generative.config import GenerativeConfig

LEAKY_SLOPE = 0.2


def sparsemax(logits: torch.Tensor) -> torch.Tensor:
    """Euclidean projection of each row onto the simplex (Martins & Astudillo 2016): exact zeros."""
    sorted_logits, _ = torch.sort(logits, dim=-1, descending=True)
    cumulative = sorted_logits.cumsum(dim=-1) - 1.0
    rank = torch.arange(1, logits.shape[-1] + 1, dtype=logits.dtype, device=logits.device)
    support = (sorted_logits - cumulative / rank) > 0
    size = support.sum(dim=-1, keepdim=True)
    threshold = cumulative.gather(-1, size - 1) / size.to(logits.dtype)
    return torch.clamp(logits - threshold, min=0.0)


def _mlp(width_in: int, hidden: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(width_in, width), nn.LeakyReLU(LEAKY_SLOPE)]
        width_in = width
    return nn.Sequential(*layers)


def gated_softmax(logits: torch.Tensor) -> torch.Tensor:
    """Presence and amount apart: logits (n, 2V) = presence (V) ⊕ amount (V) logits.

    An element is present when its presence logit is > 0 (a hard gate whose gradient is
    the sigmoid's, straight-through); amounts are the softmax over the present elements.
    A row with no element present falls back to the plain softmax of the amounts.
    """
    presence, amount = logits.chunk(2, dim=-1)
    soft = torch.sigmoid(presence)
    hard = (presence > 0).to(logits.dtype)
    gate = hard + soft - soft.detach()
    weights = torch.softmax(amount, dim=-1)
    gated = weights * gate
    any_open = hard.sum(dim=-1, keepdim=True) > 0
    return torch.where(any_open, gated / gated.sum(dim=-1, keepdim=True).clamp_min(1e-12), weights)


class CompositionGenerator(nn.Module):
    """z ⊕ c → hidden layers → Linear(·, V) → sigmoid / softmax / sparsemax (gated: Linear(·, 2V))."""

    def __init__(self, config: GenerativeConfig, n_elements: int, condition_width: int):
        super().__init__()
        self.output = config.output
        self.hidden = _mlp(config.noise_dim + condition_width, config.generator_hidden)
        self.head = nn.Linear(config.generator_hidden[-1] if config.generator_hidden else config.noise_dim + condition_width,
                              2 * n_elements if config.output == "gated" else n_elements)

    def forward(self, noise: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.hidden(torch.cat([noise, condition], dim=1)))
        if self.output == "sigmoid":
            return torch.sigmoid(logits)
        if self.output == "softmax":
            return torch.softmax(logits, dim=1)
        if self.output == "gated":
            return gated_softmax(logits)
        return sparsemax(logits)


class CompositionDiscriminator(nn.Module):
    """composition ⊕ c → hidden layers → Linear(·, 1): a logit (BCE) or a critic score (WGAN-GP)."""

    def __init__(self, config: GenerativeConfig, n_elements: int, condition_width: int):
        super().__init__()
        self.hidden = _mlp(n_elements + condition_width, config.discriminator_hidden)
        self.head = nn.Linear(config.discriminator_hidden[-1] if config.discriminator_hidden else n_elements + condition_width, 1)

    def forward(self, composition: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(torch.cat([composition, condition], dim=1))).squeeze(1)
