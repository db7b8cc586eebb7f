"""The generator's own suggestions as a campaign strategy: compositions generated for target conditions that
favour the objective, each mapped to its nearest unmeasured pool alloy, the most often chosen pool alloys first.

Each round a `CompositionProposer` generates compositions. `GeneratorProposer` does it with a trained generator
(the NumPy sampler of `alloygan.models.generative`): target (Tg, Tx, Tl) triples are drawn from a kernel density
estimate of the measured pool alloys' temperatures, kept where the objective beats the best measured value (or
meets the goal's threshold), as the design pipeline draws them (`alloygan.models.design.conditions`); the
generator turns each triple into a composition. `nearest_pool_votes` scores the unmeasured pool alloys by the
number of compositions that map to them (nearest by half-L1 at.%).

No leak: `train_campaign_generator` trains on the alloys the campaign's surrogate may see (the other families,
near-twins removed), never on the hidden family, and without a family condition (it has no one-hot for a family
it never saw). Conditions come only from pool alloys already measured in the campaign.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from alloygan.models.constraints import PropertyRange
from alloygan.models.descriptors.thermal import TEMPERATURES
from alloygan.models.metrics import nearest_known

PROPOSALS_PER_ROUND = 500
GENERATOR_EPOCHS = 60  # ~15 s on one core for ~850 alloys; its KL/JS to the training alloys is that of 600 epochs
GENERATOR_BATCH = 64


class CompositionProposer(Protocol):
    """Generates compositions (on the pool's vocabulary) aimed at beating the best measured value."""

    def propose(self, measured_temperatures: np.ndarray, best: float, n: int, seed: int) -> np.ndarray: ...


def nearest_pool_votes(proposals: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """A score per candidate: the number of proposals whose nearest candidate it is, plus a tie-break in (0, 1]
    that grows as their mean distance shrinks, 1 / (1 + mean distance in at.%). A candidate no proposal maps to
    scores minus its distance to the nearest proposal (so a batch can still be filled, nearest first).
    Both arrays are (n, V) / (m, V) amounts on the same vocabulary."""
    proposals = np.asarray(proposals, dtype=float)
    candidates = np.asarray(candidates, dtype=float)
    if len(proposals) == 0:
        raise ValueError("no proposals to map onto the pool")
    distance, nearest = nearest_known(proposals, candidates)
    votes = np.bincount(nearest, minlength=len(candidates)).astype(float)
    total_distance = np.bincount(nearest, weights=distance, minlength=len(candidates))
    unvoted_distance, _ = nearest_known(candidates, proposals)
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = 1.0 / (1.0 + total_distance / votes)
    return np.where(votes > 0, votes + closeness, -unvoted_distance)


class GeneratorProposer:
    """Compositions from a generator for conditions that favour the objective `property` (a thermal property:
    Tg, Tx, Tl, Trg, gamma, dTx, ...). `best` is passed in the campaign's sign (maximised); `threshold`, when
    given, is the goal's own bound (in the property's units) and replaces the best measured value as the aim.
    `columns` maps the generator's vocabulary onto the pool's (indices of its elements in the pool's)."""

    def __init__(self, generator, property: str, maximise: bool = True, threshold: float | None = None,
                 pool_elements: tuple[str, ...] | None = None):
        self.generator = generator
        self.property = property
        self.maximise = maximise
        self.threshold = threshold
        elements = tuple(generator.vocabulary.elements)
        pool_elements = elements if pool_elements is None else tuple(pool_elements)
        position = {element: i for i, element in enumerate(pool_elements)}
        missing = [e for e in elements if e not in position]
        if missing:
            raise ValueError(f"the pool's vocabulary lacks the generator's elements {', '.join(missing)}")
        self.columns = np.array([position[e] for e in elements], dtype=np.int64)
        self.width = len(pool_elements)

    def target_range(self, best: float) -> PropertyRange:
        aim = self.threshold if self.threshold is not None else (best if self.maximise else -best)
        return PropertyRange(property=self.property, **({"min": aim} if self.maximise else {"max": aim}))

    def propose(self, measured_temperatures: np.ndarray, best: float, n: int, seed: int) -> np.ndarray:
        from alloygan.models.design.conditions import sample_conditions

        conditions = sample_conditions(np.asarray(measured_temperatures, dtype=float), [self.target_range(best)],
                                       n, seed)
        amounts = self.generator.sample(conditions.Tg, conditions.Tx, conditions.Tl, seed=seed)
        out = np.zeros((len(amounts), self.width))
        out[:, self.columns] = amounts
        return out


def train_campaign_generator(known_table, elements: tuple[str, ...], seed: int = 0, epochs: int = GENERATOR_EPOCHS,
                             on_progress=None, stage: str = "training a generator on the known alloys"):
    """The project's generator ("ours": gated outputs, WGAN-GP, conditioned on Tg, Tx, Tl) trained on
    `known_table` alone, without a family condition, on the pool's vocabulary `elements`; a NumPy sampler."""
    from alloygan.models.generative import train_generator
    from alloygan.models.generative.config import OURS

    config = OURS.updated(family_condition=False, condition_features=TEMPERATURES, vocabulary=tuple(elements),
                          epochs=epochs, batch_size=GENERATOR_BATCH, eval_every=epochs)
    return train_generator("ours", "all", seed=seed, table=known_table, config=config, on_progress=on_progress,
                           stage=stage).generator
