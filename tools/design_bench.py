"""`alloygan bench design`: the pipeline on a fixed list of goals, and the start-up cost of the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from alloygan.knowledge_base.progress import ProgressCallback, report

BENCH_GOALS = (
    "find Zr-based glass with Trg>0.6 avoiding Ag",
    "Cu-based BMG, gamma >= 0.41, no Be or Hf, under $30/kg, at most 4 elements",
    "Fe based metallic glass with ΔTx above 50 K and Tg between 800 and 900 K",
    "Ti alloy containing Cu and Zr with Trg at least 0.58, 20 candidates",
    "cheapest Zr glass with Tx > 700K",
    "Pd-based glass with Trg >= 0.6 and gamma > 0.4",
    "La-based glass with ΔTx > 60 K, at most 5 elements",
    "Mg-based glass with Trg > 0.58, novel",
    "Ca-based glass with gamma >= 0.4 under $20/kg",
    "Zr-based glass with Trg > 0.75",  # beyond the data: near misses expected
)
RUNS_PER_GOAL = 3


def _alloygan() -> list[str]:
    beside = Path(sys.executable).parent / "alloygan"  # the console script of this environment
    return [str(beside)] if beside.exists() else [sys.executable, "-c", "from alloygan.agent.cli import main; main()"]


def _timed_cli(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(_alloygan() + args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def benchmark_design(cold: bool = False, on_progress: ProgressCallback | None = None) -> dict:
    """Per goal: wall time, generated, unique, passing, share of returned that meet the goal, novelty, cost."""
    from alloygan.tools.design import design_alloys, load_models, parse_goal_text

    rows = []
    for number, text in enumerate(BENCH_GOALS, start=1):
        report(on_progress, f"designing: {text}", number, len(BENCH_GOALS), "goal")
        goal = parse_goal_text(text).goal
        load_models(goal.base_element, on_progress)  # start-up, not design: timed by the CLI runs below
        runs = []
        for _ in range(RUNS_PER_GOAL):  # the same seed: the same answer each time
            started = time.perf_counter()
            answer = design_alloys(goal)
            runs.append((time.perf_counter() - started, answer.stats.candidates_per_second))
        seconds, throughput = (float(np.median(values)) for values in zip(*runs))
        candidates, stats = answer.candidates, answer.stats
        meets = [not c.near_miss for c in candidates]
        rows.append({
            "goal": text,
            "seconds": round(seconds, 3),
            "generated": stats.generated,
            "unique_valid": stats.unique_valid,
            "passing": stats.passing,
            "returned": len(candidates),
            "share_returned_meeting_goal": round(float(np.mean(meets)), 3) if meets else 0.0,
            "mean_p_meets_goal": round(float(np.mean([c.p_meets_goal for c in candidates])), 3) if candidates else 0.0,
            "median_novelty_at_pct": round(float(np.median([c.novelty_at_pct for c in candidates])), 2) if candidates else None,
            "median_cost_usd_per_kg": round(float(np.nanmedian([c.cost_usd_per_kg or np.nan for c in candidates])), 2) if candidates else None,
            "candidates_per_second": int(throughput),
            "generator": stats.generator,
        })
    env = dict(os.environ)
    report(on_progress, "timing a warm `alloygan design` (start-up included)")
    _timed_cli(["design", BENCH_GOALS[0], "--json"], env)
    warm = min(_timed_cli(["design", BENCH_GOALS[0], "--json"], env) for _ in range(3))
    result = {
        "goals": rows,
        "warm_cli_design_seconds": round(warm, 2),
        "throughput_candidates_per_second_median": int(np.median([r["candidates_per_second"] for r in rows])),
        "protocol": "models trained once and cached; per goal the median of 3 runs of the in-process pipeline (generation, "
                    "post-processing, forward prediction, screening, cost, novelty, ranking); warm CLI time is the best "
                    "of three `alloygan design --json` runs of the first goal, Python start-up included; throughput is "
                    "generated candidates / (generation + prediction + screening seconds)",
    }
    if cold:
        report(on_progress, "timing a cold first run in an empty ALLOYGAN_HOME (build the store, train what is needed)")
        with tempfile.TemporaryDirectory() as home:
            cold_env = dict(env, ALLOYGAN_HOME=str(Path(home)))
            result["cold_cli_design_seconds"] = round(_timed_cli(["design", BENCH_GOALS[0], "--json"], cold_env), 1)
    return result
