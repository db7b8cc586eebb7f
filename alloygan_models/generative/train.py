"""One adversarial training loop for every generative model (BCE or WGAN-GP), seeded.

Every `eval_every` epochs (and at the last) the generator is run on fixed noise for the
training conditions and KL, JS and both Wasserstein distances to the training alloys are
recorded (`alloygan_models.metrics`): the training curves of AlloyGAN's Fig. 5a.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.models import metrics
from alloygan.models.generative.config import GenerativeConfig
from alloygan.models.generative.model import CompositionDiscriminator, CompositionGenerator

# One thread: these matrices are tiny, and on a shared 2-core machine two OpenMP threads
# spin-wait for each other (measured: 1.6 s with 1 thread vs 37 s with 2 under load).
TORCH_THREADS = 1


@dataclass
class TrainedGAN:
    generator: CompositionGenerator
    discriminator: CompositionDiscriminator
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def final_metrics(self) -> dict:
        return {k: v for k, v in self.history[-1].items() if k != "epoch"} if self.history else {}


def _gradient_penalty(critic: CompositionDiscriminator, real: torch.Tensor, fake: torch.Tensor,
                      condition: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Gulrajani et al. 2017: (‖∇ critic(x̂)‖ − 1)² on points between real and generated rows."""
    mix = torch.rand(real.shape[0], 1, generator=generator)
    between = (mix * real + (1.0 - mix) * fake).requires_grad_(True)
    gradient, = torch.autograd.grad(critic(between, condition).sum(), between, create_graph=True)
    return ((gradient.norm(dim=1) - 1.0) ** 2).mean()


def make_evaluator(real_fractions: np.ndarray, conditions: np.ndarray, noise_dim: int, seed: int) -> Callable[[CompositionGenerator], dict]:
    """Metrics of a generator on fixed noise at the training conditions, against the training alloys."""
    basis = metrics.pca_basis(real_fractions)
    rng = np.random.default_rng(seed + 7919)  # a stream apart from the training noise
    noise = torch.from_numpy(rng.standard_normal((len(conditions), noise_dim), dtype=np.float32))
    condition = torch.from_numpy(np.asarray(conditions, dtype=np.float32))

    def evaluate(generator: CompositionGenerator) -> dict:
        with torch.no_grad():
            generated = metrics.clean_generated(generator(noise, condition).numpy())
        return metrics.distribution_metrics(real_fractions, generated, basis)

    return evaluate


def fit_gan(
    config: GenerativeConfig,
    fractions: np.ndarray,
    conditions: np.ndarray,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
    evaluate: Callable[[CompositionGenerator], dict] | None = None,
    stage: str = "training the generator",
) -> TrainedGAN:
    """Train G and D on (n, V) atomic fractions and (n, width) condition vectors; each epoch is
    reported to `on_progress` as `stage`, done/total epochs."""
    fractions = np.asarray(fractions, dtype=np.float32)
    conditions = np.asarray(conditions, dtype=np.float32)
    if fractions.ndim != 2 or conditions.ndim != 2 or len(fractions) != len(conditions):
        raise ValueError(f"fractions {fractions.shape} and conditions {conditions.shape} must be (n, V) and (n, k)")
    if len(fractions) < 2:
        raise ValueError(f"need at least 2 training alloys; got {len(fractions)}")
    threads = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    try:
        return _fit(config, fractions, conditions, seed, on_progress, evaluate, stage)
    finally:
        torch.set_num_threads(threads)


def _fit(config: GenerativeConfig, fractions: np.ndarray, conditions: np.ndarray, seed: int,
         on_progress: ProgressCallback | None, evaluate: Callable[[CompositionGenerator], dict] | None,
         stage: str) -> TrainedGAN:
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    n, n_elements = fractions.shape
    width = conditions.shape[1]
    critic_width = width if config.condition_discriminator else 0
    generator = CompositionGenerator(config, n_elements, width)
    critic = CompositionDiscriminator(config, n_elements, critic_width)
    adam = dict(lr=config.learning_rate, betas=config.betas, weight_decay=config.weight_decay)
    g_optimiser = torch.optim.Adam(generator.parameters(), **adam)
    d_optimiser = torch.optim.Adam(critic.parameters(), **adam)
    bce = nn.BCEWithLogitsLoss()
    real_all, condition_all = torch.from_numpy(fractions), torch.from_numpy(conditions)
    history: list[dict] = []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        order = torch.randperm(n, generator=rng)
        d_total = g_total = 0.0
        batches = 0
        for start in range(0, n, config.batch_size):
            index = order[start:start + config.batch_size]
            real, condition = real_all[index], condition_all[index]
            critic_condition = condition[:, :critic_width]
            for _ in range(config.critic_steps):
                with torch.no_grad():
                    fake = generator(torch.randn(len(index), config.noise_dim, generator=rng), condition)
                real_score, fake_score = critic(real, critic_condition), critic(fake, critic_condition)
                if config.loss == "bce":
                    d_loss = bce(real_score, torch.ones_like(real_score)) + bce(fake_score, torch.zeros_like(fake_score))
                else:
                    d_loss = (fake_score.mean() - real_score.mean()
                              + config.gradient_penalty * _gradient_penalty(critic, real, fake, critic_condition, rng))
                d_optimiser.zero_grad(set_to_none=True)
                d_loss.backward()
                d_optimiser.step()
            fake = generator(torch.randn(len(index), config.noise_dim, generator=rng), condition)
            fake_score = critic(fake, critic_condition)
            g_loss = bce(fake_score, torch.ones_like(fake_score)) if config.loss == "bce" else -fake_score.mean()
            g_optimiser.zero_grad(set_to_none=True)
            g_loss.backward()
            g_optimiser.step()
            d_total += d_loss.item()
            g_total += g_loss.item()
            batches += 1
        record = {"d_loss": d_total / batches, "g_loss": g_total / batches}
        if evaluate is not None and (epoch % config.eval_every == 0 or epoch == config.epochs):
            generator.eval()
            record.update(evaluate(generator))
            generator.train()
            history.append({"epoch": epoch, **record})
        report(on_progress, stage, epoch, config.epochs, "epoch")
    return TrainedGAN(generator, critic, history, time.perf_counter() - started)
