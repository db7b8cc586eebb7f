"""`alloygan bench campaign`: the retrospective campaign benchmark on the knowledge base's families.

For each goal, every strategy runs one campaign per random seed (`alloygan.models.active_learning.campaign`);
the figures are the median number of experiments to find a top-1 % alloy, its 25th-75th percentile interval,
and the acceleration over random (median of random ÷ median of EI).
"""
from __future__ import annotations

import time

from alloygan.knowledge_base.progress import ProgressCallback, report
from alloygan.models.active_learning.campaign import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    TOP_SHARE,
    CampaignGoal,
    ForestSurrogate,
    acceleration_over_random,
    family_pool,
    run_campaign,
    summarise,
    targets,
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


MAX_SEEDS = 200  # a bounded run: 4 goals x 5 strategies x 200 seeds is already about half an hour
MAX_BATCH = 50  # the smallest pool holds 76 alloys


def protocol(seeds: int, batch: int) -> str:
    return (f"Per goal the family's alloys are hidden (the pool); the other families stay known. Each campaign "
            f"starts from {N_SEED} random non-target pool alloys, then each strategy picks batches of {batch} (no two "
            f"picks closer than {MIN_DISTANCE_AT_PCT:g} at.%, half-L1) from the rest of the pool; the lab returns "
            f"their recorded values and the surrogate is retrained (a random forest of {N_TREES} trees on the forward "
            f"model's composition features, sigma = spread of the trees, objective standardised; EI/PI xi = {XI:g} "
            f"sd, UCB kappa = {KAPPA:g}) until an alloy of the pool's top {TOP_SHARE:.0%} (at least the best), or one "
            f"meeting the goal's threshold, is measured; a cost ceiling restricts the pool to the alloys under it "
            f"(the family's dearer alloys stay hidden and unused). Experiments = alloys chosen by the strategy "
            f"(seeds excluded, whole batches counted); {seeds} random seeds; median and 25th-75th percentile; "
            f"acceleration = median(random) / median({DEFAULT_STRATEGY}).")


def benchmark_campaign(seeds: int = 20, batch: int = 5, on_progress: ProgressCallback | None = None) -> dict:
    """Per goal and strategy: median experiments, interval and found share; per goal the acceleration."""
    from alloygan.models.dataset import load_alloy_table

    if not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"seeds must be from 1 to {MAX_SEEDS}; got {seeds}")
    if not 1 <= batch <= MAX_BATCH:
        raise ValueError(f"batch must be from 1 to {MAX_BATCH}; got {batch}")
    started = time.perf_counter()
    table = load_alloy_table()
    rows, total = [], len(CAMPAIGN_GOALS) * len(STRATEGIES) * seeds
    done = 0
    for goal in CAMPAIGN_GOALS:
        pool = family_pool(table, goal)
        summary = {}
        for strategy in STRATEGIES:
            results = []
            for seed in range(seeds):
                report(on_progress, f"{goal.text}: {strategy}", done, total, "campaigns")
                results.append(run_campaign(pool, strategy, seed, lambda s: ForestSurrogate(N_TREES, s), n_seed=N_SEED,
                                            batch_size=batch, min_distance_at_pct=MIN_DISTANCE_AT_PCT, xi=XI,
                                            kappa=KAPPA))
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
            "strategies": summary,
            "default_strategy": DEFAULT_STRATEGY,
            "acceleration_over_random": round(acceleration_over_random(summary), 2),
        })
    return {"goals": rows, "seeds": seeds, "batch": batch, "seconds": round(time.perf_counter() - started, 1),
            "protocol": protocol(seeds, batch)}
