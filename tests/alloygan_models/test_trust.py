"""Trust outside the data: domain labels, measurement uncertainty of known alloys, the σ model and its
coverage, "glass means glass" in goals and ranking (issue 10, items 1-3). Fast: no full-size training."""
from __future__ import annotations

import numpy as np
import pytest

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy, Report
from alloygan.models.constraints import PropertyRange
from alloygan.models.domain import IN_DOMAIN_AT_PCT, OUTSIDE_AT_PCT, domain_label, domain_labels, in_domain
from alloygan.models.forward.uncertainty import fit_uncertainty
from alloygan.models.known import (
    FALLBACK_REPORT_SPREAD_K,
    measured_prediction,
    measurement_uncertainty,
    report_spread,
    typical_report_spread,
)


def alloy(formula: str, *triples: tuple[float, float, float]) -> Alloy:
    composition = Composition.parse(formula)
    reports = [Report(composition, tg, tx, tl, raw_text="", location=f"line {i}") for i, (tg, tx, tl) in enumerate(triples)]
    return Alloy(composition, reports, composition.base_element)


# domain of applicability ---------------------------------------------------------------------------------
def test_labels_by_distance():
    assert [domain_label(d) for d in (0.0, IN_DOMAIN_AT_PCT, IN_DOMAIN_AT_PCT + 0.1, OUTSIDE_AT_PCT,
                                      OUTSIDE_AT_PCT + 0.1, 60.0)] == [
        "in-domain", "in-domain", "edge", "edge", "outside", "outside"]
    distances = np.array([1.0, 10.0, 20.0])
    assert domain_labels(distances).tolist() == ["in-domain", "edge", "outside"]
    assert in_domain(distances).tolist() == [True, True, False]


def test_family_distance_uses_only_the_family():
    from alloygan.models.dataset import alloy_table
    from alloygan.models.known import KnownAlloys

    table = alloy_table([alloy("Zr55Cu45", (700, 750, 1150)), alloy("Cu60Zr40", (710, 760, 1160))])
    known = KnownAlloys(table)
    query = [Composition.parse("Zr57Cu43"), Composition.parse("Cu52Zr48"), Composition.parse("Fe80B20")]
    any_family, _ = known.nearest_to(query, k=1)
    family, index = known.family_distances_to(query)
    np.testing.assert_allclose(any_family[:, 0], [2.0, 7.0, 100.0])
    np.testing.assert_allclose(family[:2], [2.0, 8.0])  # Cu52Zr48's own family holds only Cu60Zr40
    assert np.isnan(family[2]) and index[2] == -1  # no Fe-based alloy known


# measurement uncertainty of known alloys ---------------------------------------------------------------
def test_known_alloy_sigma_is_its_report_spread():
    several = alloy("Zr55Cu30Al10Ni5", (690, 757, 1158), (700, 765, 1170), (695, 760, 1160))
    spread = report_spread(several)
    assert spread["Tg"] == pytest.approx(np.std([690, 700, 695], ddof=1))
    typical = {"Tg": 4.0, "Tx": 6.0, "Tl": 9.0}
    sigma = measurement_uncertainty(several, typical)
    assert sigma == {name: pytest.approx(spread[name]) for name in ("Tg", "Tx", "Tl")}
    prediction = measured_prediction([several], typical, ["Tg", "Tl", "Trg"])
    assert prediction.mean["Tg"][0] == 695 and prediction.std["Tg"][0] == pytest.approx(spread["Tg"])
    assert prediction.std["Trg"][0] > 0


def test_single_report_and_repeated_values_get_the_typical_spread():
    single = alloy("Cu46Zr46Al8", (701, 783, 1155))
    repeated = alloy("Cu50Zr50", (680, 730, 1200), (680, 730, 1200))  # one measurement quoted twice
    assert report_spread(single) is None and report_spread(repeated) is None
    typical = {"Tg": 4.0, "Tx": 6.0, "Tl": 9.0}
    assert measurement_uncertainty(single, typical) == typical
    assert measurement_uncertainty(repeated, typical) == typical
    assert typical_report_spread([single, repeated]) == FALLBACK_REPORT_SPREAD_K  # nobody has two measurements


def test_typical_spread_is_the_pooled_sd():
    a = alloy("Zr50Cu50", (700, 750, 1150), (710, 760, 1170))  # sd 7.07, 7.07, 14.1
    b = alloy("Cu60Zr40", (700, 750, 1150), (702, 750, 1150))  # sd 1.41, 0, 0
    typical = typical_report_spread([a, b, alloy("Fe80B20", (800, 850, 1400))])
    assert typical["Tg"] == pytest.approx(np.sqrt((50 + 2) / 2))
    assert typical["Tl"] == pytest.approx(np.sqrt(200 / 2))


def test_known_alloy_probability_of_good_gfa_is_not_0_or_1():
    """Trg 0.596 ± its measurement σ: P(Trg >= 0.6) is a probability near but below one half, never exactly 0."""
    zr = alloy("Zr55Cu30Al10Ni5", (690, 757, 1158))
    prediction = measured_prediction([zr], {"Tg": 7.0, "Tx": 8.0, "Tl": 18.0}, ["Trg"])
    p = prediction.probability(PropertyRange(property="Trg", min=0.6))[0]
    assert 0.2 < p < 0.5
    assert prediction.mean["Trg"][0] == pytest.approx(690 / 1158, abs=2e-3)


# the σ model --------------------------------------------------------------------------------------------
def test_fit_uncertainty_recovers_a_distance_term():
    rng = np.random.default_rng(0)
    n = 4000
    spread = rng.uniform(0.1, 0.5, (n, 1))
    distance = rng.uniform(0.0, 40.0, (n, 1))
    sigma = np.sqrt((1.0 * spread) ** 2 + (0.02 * distance) ** 2 + 0.1 ** 2)
    residual = rng.standard_normal((n, 1)) * sigma
    (a, b, c, q, correlation), = fit_uncertainty(residual, spread, distance)
    assert b * 20 ** q == pytest.approx(0.02 * 20, rel=0.15)  # the distance term at 20 at.%
    assert a == pytest.approx(1.0, rel=0.2) and correlation == pytest.approx(1.0)
    fitted = np.sqrt((a * spread) ** 2 + (b * distance ** q) ** 2 + c ** 2)
    assert np.mean(np.abs(residual) <= fitted) == pytest.approx(0.68, abs=0.03)


def test_coverage_on_a_synthetic_case():
    from alloygan.models.forward.evaluation import HeldOutPredictions, interval_coverage

    truth = {"Trg": np.array([0.60, 0.60, 0.60, 0.60]), "Tg": np.array([700.0, 700.0, 700.0, 700.0])}
    mean = {"Trg": np.array([0.60, 0.61, 0.63, 0.50]), "Tg": np.array([700.0, 690.0, 705.0, 600.0])}
    std = {"Trg": np.full(4, 0.02), "Tg": np.full(4, 10.0)}
    held = HeldOutPredictions(truth, mean, std, np.zeros(4), ["a", "b", "c", "d"])
    assert interval_coverage(held, ("Trg", "Tg")) == {"Trg": 0.5, "Tg": 0.75}


@pytest.fixture(scope="module")
def zr_model():
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward import ForwardModel

    return ForwardModel(n_estimators=16, random_state=0).fit_table(load_alloy_table().select(base="Zr"))


def test_sigma_is_never_zero_and_grows_with_distance(zr_model):
    x = zr_model.encode([Composition.parse("Zr55Cu30Al10Ni5")])
    at = [zr_model.predict(x, ["Tg", "Trg"], distance=np.array([d])) for d in (0.0, 10.0, 30.0)]
    tg = [p.std["Tg"][0] for p in at]
    assert tg[0] > 1.0  # a training alloy is never ±0
    assert tg[0] <= tg[1] <= tg[2] and tg[2] > tg[0]
    # only σ moves (the mean of Tg = Trg·Tl over wider samples shifts a little: a product of noisy parts)
    assert all(p.mean["Tg"][0] == pytest.approx(at[0].mean["Tg"][0], rel=0.01) for p in at)
    measured = zr_model.predict(x, ["Tg"])  # the distance is measured when not given: a training alloy, 0
    assert measured.std["Tg"][0] == pytest.approx(tg[0], rel=1e-5)


# glass means glass: goals and ranking ------------------------------------------------------------------
@pytest.mark.parametrize("text, explore, novelty", [
    ("Cu-based glass, cheapest", False, 0.0),
    ("novel Zr-based glass", True, 5.0),
    ("explore Cu-based glasses", True, 0.0),
    ("Cu-based glass far from known alloys", True, 0.0),
    ("find Zr-based glass with Trg>0.6 avoiding Ag", False, 0.0),
])
def test_goal_grammar_reads_exploring(text, explore, novelty):
    from alloygan.models.design.goal_text import parse_goal

    parsed = parse_goal(text)
    assert parsed.goal.explore is explore and parsed.goal.min_novelty == novelty
    assert parsed.not_understood == []
    assert ("extrapolations allowed" in parsed.goal.describe()) is explore


def test_ranking_penalises_distance_unless_exploring():
    from alloygan.models.design.ranking import NOVELTY_WEIGHT, distance_score

    d = np.array([0.0, 5.0, 8.0, 12.0, 15.0, 40.0])
    default, explore = distance_score(d), distance_score(d, explore=True)
    assert np.all(default <= NOVELTY_WEIGHT) and np.all(explore <= NOVELTY_WEIGHT)
    assert default[4] < 0 and default[5] == default[4]  # outside: the full penalty
    assert default[3] < default[2]  # across the edge the score falls
    assert np.all(np.diff(explore) >= 0) and explore[5] == NOVELTY_WEIGHT


def test_every_goal_carries_the_glass_floor():
    from alloygan.models.design.pipeline import with_glass_floor

    cost_only = with_glass_floor([], 0.48)
    assert [(c.property, c.min) for c in cost_only] == [("Trg", 0.48)]
    stricter = with_glass_floor([PropertyRange(property="Trg", min=0.6, min_inclusive=False),
                                 PropertyRange(property="gamma", min=0.4)], 0.48)
    assert [(c.property, c.min) for c in stricter] == [("Trg", 0.6), ("gamma", 0.4)]  # merged, not doubled
    low = with_glass_floor([PropertyRange(property="Trg", max=0.45)], 0.48)
    assert [(c.min, c.max) for c in low] == [(None, 0.45)]  # a goal asking for lower Trg keeps its own range


def test_leave_one_family_out_folds():
    from alloygan.models.dataset import load_alloy_table
    from alloygan.models.forward.evaluation import MIN_FAMILY_FOLD, family_folds

    table = load_alloy_table()
    families = table.frame["base_element"].to_numpy()
    folds = family_folds(table)
    large = {f for f in set(families) if (families == f).sum() >= MIN_FAMILY_FOLD}
    assert len(folds) == len(large) + 1  # and one fold of the small families
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(len(table)))
    assert all(not set(families[train]) & set(families[test]) for train, test in folds)
    assert family_folds(table.select(base="Cu")) == []  # one family: nothing to leave out
