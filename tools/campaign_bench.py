"""`alloygan bench campaign`: the retrospective campaign benchmark on the knowledge base's families.

For each goal, every strategy runs one campaign per random seed (`alloygan.models.active_learning.campaign`);
the figures are the median number of experiments to find a top-1 % alloy, its 25th-75th percentile interval,
and the acceleration over random (median of random ÷ median of EI). The generator strategy's generator is
trained once per set of known alloys (on them alone) and kept in memory for every seed and goal that shares it.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np

from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.models.active_learning.campaign import (
    DEFAULT_STRATEGY,
    GENERATOR_STRATEGY,
    STRATEGIES,
    TOP_SHARE,
    TWIN_DISTANCE_AT_PCT,
    CampaignGoal,
    ForestSurrogate,
    acceleration_over_random,
    family_pool,
    run_campaign,
    summarise,
    targets,
)
from alloygan.models.active_learning.generator_strategy import (
    GENERATOR_EPOCHS,
    PROPOSALS_PER_ROUND,
    GeneratorProposer,
    train_campaign_generator,
)

CAMPAIGN_GOALS = (
    CampaignGoal("Zr", "Trg"),
    CampaignGoal("Cu", "gamma"),
    CampaignGoal("Cu", "gamma", threshold=0.42, max_cost_usd_per_kg=30.0),
    CampaignGoal("Fe", "dTx"),
)
N_SEED = 5
N_TREES = 50
MIN_DISTANCE_AT_PCT = 2.0
XI, KAPPA = 0.01, 2.0


MAX_SEEDS = 200  # a bounded run: 4 goals x 7 strategies x 200 seeds is already about an hour
MAX_BATCH = 50  # the smallest pool holds 76 alloys
MAX_TWIN_DISTANCE_AT_PCT = 50.0

_generators: dict[str, object] = {}  # digest of the known alloys' rows -> generator trained on them


def protocol(seeds: int, batch: int, twin_distance_at_pct: float | None = TWIN_DISTANCE_AT_PCT,
             with_generator: bool = True) -> str:
    split = (f"the other families stay known, except their near-twins: a known alloy within "
             f"{twin_distance_at_pct:g} at.% (half-L1) of any alloy of the family is removed too, so the surrogate "
             f"cannot look the answer up on a twin such as Cu50Zr50 for Zr50Cu50" if twin_distance_at_pct
             else "the other families stay known (family-only split: near-twins of the family's alloys stay known)")
    generator = (f" Generator: the project's generator (ours, conditioned on Tg, Tx, Tl, no family condition) "
                 f"trained for {GENERATOR_EPOCHS} epochs on the known alloys alone (never on the hidden family); "
                 f"each round it generates {PROPOSALS_PER_ROUND} compositions for (Tg, Tx, Tl) targets drawn from a "
                 f"KDE of the measured pool alloys where the objective beats the best measured (or meets the "
                 f"threshold), each is mapped to its nearest unmeasured pool alloy, and the alloys most generated "
                 f"compositions map to are picked (ties: the nearer)." if with_generator else "")
    return (f"Per goal the family's alloys are hidden (the pool); {split}. Each campaign "
            f"starts from {N_SEED} random non-target pool alloys, then each strategy picks batches of {batch} (no two "
            f"picks closer than {MIN_DISTANCE_AT_PCT:g} at.%, half-L1) from the rest of the pool; the lab returns "
            f"their recorded values and the surrogate is retrained (a random forest of {N_TREES} trees on the forward "
            f"model's composition features, sigma = spread of the trees, objective standardised; EI/PI xi = {XI:g} "
            f"sd, UCB kappa = {KAPPA:g}; thompson: a fresh draw from N(mean, sigma) per candidate for each slot of "
            f"the batch) until an alloy of the pool's top {TOP_SHARE:.0%} (at least the best), or one "
            f"meeting the goal's threshold, is measured; a cost ceiling restricts the pool to the alloys under it "
            f"(the family's dearer alloys stay hidden and unused).{generator} Experiments = alloys chosen by the "
            f"strategy (seeds excluded, whole batches counted); {seeds} random seeds; median and 25th-75th "
            f"percentile; acceleration = median(random) / median({DEFAULT_STRATEGY}).")


def _campaign_generator(table, pool, on_progress: ProgressCallback | None, goal: CampaignGoal):
    """The generator trained on the pool's known alloys, trained at most once per set of them."""
    key = hashlib.sha256(np.asarray(pool.known_rows, dtype=np.int64).tobytes() + table.data_hash().encode()).hexdigest()
    if key not in _generators:
        from alloygan.models.encoding import ElementVocabulary

        elements = ElementVocabulary.from_compositions(table.compositions).elements  # the pool's vocabulary
        _generators[key] = train_campaign_generator(
            table.subset(pool.known_rows), elements, on_progress=on_progress,
            stage=f"training a generator on the known alloys ({goal.family} hidden)")
    return _generators[key]


def benchmark_campaign(seeds: int = 20, batch: int = 5, on_progress: ProgressCallback | None = None,
                       twin_distance_at_pct: float | None = TWIN_DISTANCE_AT_PCT, with_generator: bool = True,
                       goals: tuple[CampaignGoal, ...] = CAMPAIGN_GOALS) -> dict:
    """Per goal and strategy: median experiments, interval and found share; per goal the acceleration.
    `twin_distance_at_pct` None or 0: the family-only split; `with_generator=False` leaves the generator out."""
    from alloygan.models.dataset import load_alloy_table

    if not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"seeds must be from 1 to {MAX_SEEDS}; got {seeds}")
    if not 1 <= batch <= MAX_BATCH:
        raise ValueError(f"batch must be from 1 to {MAX_BATCH}; got {batch}")
    if twin_distance_at_pct is not None and not 0 <= twin_distance_at_pct <= MAX_TWIN_DISTANCE_AT_PCT:
        raise ValueError(f"twin distance must be from 0 to {MAX_TWIN_DISTANCE_AT_PCT:g} at.%; "
                         f"got {twin_distance_at_pct:g}")
    started = time.perf_counter()
    table = load_alloy_table()
    strategies = [s for s in STRATEGIES if with_generator or s != GENERATOR_STRATEGY]
    rows, total = [], len(goals) * len(strategies) * seeds
    done = 0
    for goal in goals:
        pool = family_pool(table, goal, twin_distance_at_pct)
        summary = {}
        for strategy in strategies:
            proposer = None
            if strategy == GENERATOR_STRATEGY:
                proposer = GeneratorProposer(_campaign_generator(table, pool, on_progress, goal), goal.objective,
                                             goal.maximise, goal.threshold)
            results = []
            for seed in range(seeds):
                report(on_progress, f"{goal.text}: {strategy}", done, total, "campaigns")
                results.append(run_campaign(pool, strategy, seed, lambda s: ForestSurrogate(N_TREES, s), n_seed=N_SEED,
                                            batch_size=batch, min_distance_at_pct=MIN_DISTANCE_AT_PCT, xi=XI,
                                            kappa=KAPPA, proposer=proposer))
                done += 1
            summary[strategy] = summarise(results)
        rows.append({
            "goal": goal.text,
            "family": goal.family,
            "objective": goal.objective,
            "maximise": goal.maximise,
            "threshold": goal.threshold,
            "max_cost_usd_per_kg": goal.max_cost_usd_per_kg,
            "pool_size": len(pool),
            "targets": int(targets(pool.objective).sum() if pool.target_mask is None else pool.target_mask.sum()),
            "known_alloys": len(pool.known_objective),
            "near_twins_removed": pool.near_twins_removed,
            "strategies": summary,
            "default_strategy": DEFAULT_STRATEGY,
            "acceleration_over_random": round(acceleration_over_random(summary), 2),
        })
    return {"goals": rows, "seeds": seeds, "batch": batch, "twin_distance_at_pct": twin_distance_at_pct or 0.0,
            "seconds": round(time.perf_counter() - started, 1),
            "protocol": protocol(seeds, batch, twin_distance_at_pct, with_generator)}
