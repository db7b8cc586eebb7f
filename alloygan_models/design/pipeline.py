"""The design pipeline: goal -> ranked, costed, explained candidate compositions.

Data flow (ARCHITECTURE.md): target conditions sampled from the family's data under the
goal (`conditions`) -> conditional generation (`alloygan_models.generative`, NumPy) ->
post-processing (`postprocess`) -> forward prediction with uncertainty of every property
the goal names, in a range or as its objective (`alloygan_models.forward`) -> screening by the
*forward model* (not by the condition a candidate was generated for) -> cost -> novelty against the knowledge base ->
ranking (`ranking`) -> the best `n_candidates`, near misses marked when too few pass.
Deterministic: the same goal, seed, data and models give the same answer.

"Glass" means glass: besides its stated ranges every goal requires a credible glass former,
(1) inside the domain of applicability (at most 15 at.% from a known alloy, `alloygan_models/domain.py`),
unless the goal asks to explore, and (2) Trg not below the GLASS_TRG_PERCENTILE (5th) percentile of the
measured Trg of its family's known glasses (e.g. 0.477 for Cu, 0.533 for Zr), merged into the goal's Trg
range (`with_glass_floor`), so P(goal) includes it and `p_meets` shows it. So a cost-only goal
returns the cheapest credible glass formers, not the cheapest point of composition space. With
`explore`, candidates outside the domain may be returned, marked as extrapolations; their σ is the
forward model's, inflated with distance. Without it, no candidate outside the domain is returned, not
even as a near miss.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from alloygan.models.constraints import PropertyRange
from alloygan.models.dataset import AlloyTable
from alloygan.models.descriptors.thermal import TEMPERATURES
from alloygan.models.design.conditions import sample_conditions
from alloygan.models.design.goal import DesignGoal
from alloygan.models.design.postprocess import postprocess
from alloygan.models.design.ranking import NOVELTY_WEIGHT, distance_score, rank, select_diverse
from alloygan.models.domain import domain_label, in_domain
from alloygan.models.known import KnownAlloys
from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.prices import cost_usd_per_kg
from alloygan.knowledge_base.progress import ProgressCallback, report

GENERATED_PER_CANDIDATE = 2000
MIN_GENERATED = 20000
# The novelty search starts at the best max(FIRST_SEARCH, FIRST_SEARCH_PER_CANDIDATE * n) candidates by
# base score and grows fourfold until nothing unsearched can enter the answer (`_best_passing`).
FIRST_SEARCH = 1000
FIRST_SEARCH_PER_CANDIDATE = 50
GLASS_TRG_PERCENTILE = 5.0


class DesignError(ValueError):
    """A goal the pipeline cannot serve (no data for it, nothing generated); the message says why."""


@dataclass
class Candidate:
    composition: Composition
    mean: dict[str, float]
    std: dict[str, float]
    p_meets_goal: float
    p_meets: dict[str, float]
    cost_usd_per_kg: float
    condition: dict[str, float]
    nearest: list[tuple[int, float]]  # (index into the alloy table, distance in at.%)
    novelty_at_pct: float
    score: float
    near_miss: bool
    misses: list[str] = field(default_factory=list)
    family_distance_at_pct: float | None = None  # to the nearest known alloy of its own base element
    domain: str = "in-domain"  # in-domain / edge / outside (alloygan_models/domain.py)


@dataclass
class DesignResult:
    goal: DesignGoal
    candidates: list[Candidate]
    table: AlloyTable
    stats: dict
    notes: list[str]


def family_of(goal: DesignGoal, table: AlloyTable) -> AlloyTable:
    """The goal's family (alloys of its base element); DesignError when there is none to learn from."""
    if goal.base_element is None:
        raise DesignError("the goal names no base element; say e.g. \"Zr-based\"")
    family = table.select(base=goal.base_element)
    if len(family) == 0:
        counts = table.frame["base_element"].value_counts()
        known = ", ".join(f"{e} ({n})" for e, n in counts.items() if n >= 5)
        raise DesignError(f"no {goal.base_element}-based alloys in the knowledge base to learn from; "
                          f"families with data: {known}")
    return family


def design(
    goal: DesignGoal,
    table: AlloyTable,
    generator,
    forward,
    n_generated: int | None = None,
    on_progress: ProgressCallback | None = None,
    shown: Sequence[str] = (),
) -> DesignResult:
    """Run the pipeline for `goal` with a loaded generator (NumPy sampler) and forward model;
    each step is a stage reported to `on_progress`. The returned candidates carry predictions of
    the goal's properties, Trg, and the `shown` ones (what the caller displays)."""
    started = time.perf_counter()
    family = family_of(goal, table)
    n = n_generated or max(MIN_GENERATED, GENERATED_PER_CANDIDATE * goal.n_candidates)
    notes: list[str] = []

    report(on_progress, "sampling target conditions")
    temperatures = family.frame[list(TEMPERATURES)].to_numpy()
    conditions = sample_conditions(temperatures, goal.constraints, n, goal.seed)
    if conditions.beyond_data:
        notes.append(f"no measured {goal.base_element}-based alloy comes near the goal's ranges; "
                     "conditions were taken at the edge of the family's data")
    report(on_progress, f"generating {n:,} compositions")
    t_generate = time.perf_counter()
    raw = generator.sample(conditions.Tg, conditions.Tx, conditions.Tl, family=_generator_family(generator, goal),
                           seed=goal.seed)
    fractions, source_row = postprocess(raw, generator.vocabulary, goal)
    if len(fractions) == 0:
        raise DesignError(f"none of the {n:,} generated compositions satisfies the element rules of the goal "
                          f"({goal.describe()}); relax them (fewer required elements, more allowed ones)")

    report(on_progress, f"predicting {len(fractions):,} unique candidates")
    known = KnownAlloys(table)
    novelty = _LazyNovelty(known, generator.vocabulary.elements, fractions)
    novelty.measure(np.ones(len(fractions), dtype=bool))  # the forward model's σ grows with it: every row needs it
    on_forward = _remap(fractions, generator.vocabulary.elements, forward.vocabulary_.elements)
    objective = goal.objective.property if goal.objective is not None else None
    wanted = tuple(dict.fromkeys([*(c.property for c in goal.constraints), "Trg", *([objective] if objective else [])]))
    prediction = forward.predict(on_forward, wanted, distance=novelty.values)
    glass_floor = float(np.percentile(family.frame["Trg"].to_numpy(), GLASS_TRG_PERCENTILE))
    constraints = with_glass_floor(goal.constraints, glass_floor)
    p_each = {c.property: prediction.probability(c) for c in constraints}
    p_all = np.prod(np.stack(list(p_each.values())), axis=0) if p_each else np.ones(len(fractions))
    meets_mean = np.ones(len(fractions), dtype=bool)
    for c in constraints:
        meets_mean &= c.contains(prediction.mean[c.property])
    cost = cost_usd_per_kg(generator.vocabulary.elements, fractions)
    affordable = np.ones(len(fractions), dtype=bool) if goal.max_cost_usd_per_kg is None else (
        np.nan_to_num(cost, nan=np.inf) <= goal.max_cost_usd_per_kg)
    admissible = np.ones(len(fractions), dtype=bool) if goal.explore else in_domain(novelty.values)
    meets = meets_mean & affordable & admissible
    # Near misses are drawn from the most likely of the rest; never from outside the domain unless exploring.
    rest = np.flatnonzero(~meets & admissible)
    near_pool = np.zeros(len(fractions), dtype=bool)
    near_pool[rest[np.argsort(-p_all[rest], kind="stable")[: 20 * goal.n_candidates]]] = True
    novelty.measure(near_pool)
    if goal.min_novelty > 0:  # a filter: every candidate that meets the goal needs its novelty
        novelty.measure(meets)
    base = rank(p_all, cost, np.zeros(len(fractions)), meets, goal.prefer_low_cost,
                objective=prediction.mean[objective] if objective else None,
                objective_std=prediction.std[objective] if objective else None,
                maximise=goal.objective is None or goal.objective.maximise)
    passing, score, order = _best_passing(fractions, base, meets, novelty, goal)
    seconds_screen = time.perf_counter() - t_generate
    n_pass = len(order)
    if n_pass < goal.n_candidates:
        misses = select_diverse(fractions, score, ~passing & (near_pool | (meets & novelty.measured)),
                                goal.n_candidates - n_pass)
        order = np.concatenate([order, misses]).astype(int)
        notes.append(f"only {n_pass} of {len(fractions):,} unique candidates meet the goal by the forward model; "
                     f"the next {len(order) - n_pass} are near misses, marked as such")
    if len(order) == 0:  # nothing meets the goal and no near miss is admissible: all lie outside the domain
        raise DesignError(f"all {len(fractions):,} unique generated compositions lie outside the domain of "
                          "applicability (more than 15 at.% from every known alloy); relax the element rules, or "
                          "say \"explore\" to see extrapolations")
    novel_enough = novelty.values >= goal.min_novelty - 1e-9
    report(on_progress, "describing the best candidates")
    best = fractions[order]
    shown = forward.predict(_remap(best, generator.vocabulary.elements, forward.vocabulary_.elements),
                            tuple(dict.fromkeys([*shown, *wanted])), distance=novelty.values[order])
    distances, indices = known.nearest(generator.vocabulary.elements, best, k=3)
    compositions = generator.vocabulary.decode(best)
    family_distance, _ = known.nearest_in_family(generator.vocabulary.elements, best,
                                                 [c.base_element for c in compositions])
    candidates = []
    for rank_index, row in enumerate(order):
        raw_row = source_row[row]
        reasons = [c.describe() for c in constraints if not c.contains(prediction.mean[c.property][row:row + 1])[0]]
        if not affordable[row]:
            reasons.append(f"cost {cost[row]:.1f} > {goal.max_cost_usd_per_kg:g} USD/kg")
        if not novel_enough[row]:
            reasons.append(f"only {novelty.values[row]:.1f} at.% from a known alloy")
        candidates.append(Candidate(
            composition=compositions[rank_index],
            mean={k: float(v[rank_index]) for k, v in shown.mean.items()},
            std={k: float(v[rank_index]) for k, v in shown.std.items()},
            p_meets_goal=float(p_all[row]),
            p_meets={k: float(v[row]) for k, v in p_each.items()},
            cost_usd_per_kg=float(cost[row]),
            condition={"Tg": float(conditions.Tg[raw_row]), "Tx": float(conditions.Tx[raw_row]),
                       "Tl": float(conditions.Tl[raw_row])},
            nearest=[(int(i), float(d)) for d, i in zip(distances[rank_index], indices[rank_index])],
            novelty_at_pct=float(novelty.values[row]),
            score=float(score[row]),
            near_miss=not bool(passing[row]),
            misses=reasons,
            family_distance_at_pct=None if np.isnan(family_distance[rank_index]) else float(family_distance[rank_index]),
            domain=domain_label(float(novelty.values[row])),
        ))
    extrapolations = sum(c.domain == "outside" for c in candidates)
    if extrapolations:
        notes.append(f"{extrapolations} candidate(s) lie outside the domain of applicability (more than 15 at.% from "
                     "every known alloy): extrapolations, with the model's uncertainty inflated for the distance")
    elapsed = time.perf_counter() - started
    stats = {
        "generated": int(n),
        "unique_valid": int(len(fractions)),
        "passing": int(meets.sum()) if goal.min_novelty <= 0 else int(passing.sum()),
        "returned": len(candidates),
        "near_misses": sum(c.near_miss for c in candidates),
        "condition_acceptance": round(conditions.acceptance, 4),
        "seconds": round(elapsed, 3),
        "generate_predict_screen_seconds": round(seconds_screen, 3),
        "candidates_per_second": round(n / max(seconds_screen, 1e-9)),
        "generator": f"{generator.model}-{generator.family}",
        "family_alloys": len(family),
    }
    return DesignResult(goal, candidates, table, stats, notes)


class _LazyNovelty:
    """Distance (at.%) to the nearest known alloy, searched only for the rows that are asked about."""

    def __init__(self, known: KnownAlloys, elements: tuple[str, ...], fractions: np.ndarray):
        self.known, self.elements, self.fractions = known, elements, fractions
        self.values = np.full(len(fractions), -np.inf)  # -inf: not searched yet
        self.measured = np.zeros(len(fractions), dtype=bool)

    def measure(self, mask: np.ndarray) -> None:
        todo = mask & ~self.measured
        if todo.any():
            self.values[todo] = self.known.nearest(self.elements, self.fractions[todo], k=1)[0][:, 0]
            self.measured |= todo


def _best_passing(fractions: np.ndarray, base: np.ndarray, meets: np.ndarray, novelty: _LazyNovelty,
                  goal: DesignGoal) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(passing mask, score, chosen rows): the same choice as scoring every candidate, with fewer searches.

    score = base + distance score, which is at most NOVELTY_WEIGHT; so once the weakest
    chosen candidate beats the best base score not yet searched plus that bonus, no unsearched
    candidate can enter the answer. Searches grow from the best base scores until that holds.
    """
    by_base = np.flatnonzero(meets)
    by_base = by_base[np.argsort(-base[by_base], kind="stable")]
    searched = min(len(by_base), max(FIRST_SEARCH, FIRST_SEARCH_PER_CANDIDATE * goal.n_candidates))
    while True:
        mask = np.zeros(len(base), dtype=bool)
        mask[by_base[:searched]] = True
        novelty.measure(mask)
        passing = meets & novelty.measured & (novelty.values >= goal.min_novelty - 1e-9)
        score = base + distance_score(np.maximum(novelty.values, 0.0), goal.explore)
        chosen = select_diverse(fractions, score, passing, goal.n_candidates)
        if searched >= len(by_base) or (len(chosen) == goal.n_candidates
                                        and score[chosen].min() > base[by_base[searched]] + NOVELTY_WEIGHT):
            return passing, score, chosen
        searched = min(len(by_base), 4 * searched)


def with_glass_floor(constraints: Sequence[PropertyRange], glass_floor: float) -> list[PropertyRange]:
    """The goal's ranges with the implicit glass-forming requirement Trg >= glass_floor merged into its Trg range
    (so P(goal) includes it, without counting Trg twice); a goal that asks for a lower Trg keeps its own range."""
    floor = PropertyRange(property="Trg", min=glass_floor)
    out, merged = [], False
    for c in constraints:
        if c.property == "Trg":
            try:
                c = c.intersect(floor)
            except ValueError:
                pass  # the goal asks for Trg below the family's glasses: its words win
            merged = True
        out.append(c)
    return out if merged else [*out, floor]


def _generator_family(generator, goal: DesignGoal) -> str | None:
    return goal.base_element if goal.base_element in generator.families else None


def _remap(fractions: np.ndarray, source: tuple[str, ...], target: tuple[str, ...]) -> np.ndarray:
    """Columns of `source` vocabulary onto `target`; every source element must exist in target."""
    position = {e: i for i, e in enumerate(target)}
    out = np.zeros((len(fractions), len(target)))
    used = fractions.any(axis=0)
    for column, element in enumerate(source):
        if used[column]:
            if element not in position:
                raise DesignError(f"the forward model has no data on {element}; retrain with `alloygan train`")
            out[:, position[element]] = fractions[:, column]
    return out
