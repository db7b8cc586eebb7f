"""Benchmarks depend on the alloys and the seed only, never on the order a store holds them in."""
from __future__ import annotations

import json

import numpy as np
import pytest

from alloygan.models.dataset import load_alloy_table


def _shuffled(table, seed: int):
    return table.subset(np.random.default_rng(seed).permutation(len(table)))


def _formulas(table, index) -> list[str]:
    return sorted(table.frame["formula"].to_numpy()[index])


@pytest.fixture(scope="module")
def cu_table():
    return load_alloy_table().select(base="Cu")


def test_the_table_is_in_canonical_order(cu_table):
    formulas = load_alloy_table().frame["formula"].tolist()
    assert formulas == sorted(formulas) and len(set(formulas)) == len(formulas)
    shuffled = _shuffled(cu_table, 1)
    assert shuffled.frame["formula"].tolist() != cu_table.frame["formula"].tolist()
    assert shuffled.canonical().frame.equals(cu_table.frame)
    assert shuffled.canonical().data_hash() == cu_table.data_hash()


def test_splits_follow_the_alloys_not_the_row_order(cu_table):
    from alloygan.models.forward.evaluation import random_80_20_split, system_folds

    for seed in (0, 1):
        other = _shuffled(cu_table, 10 + seed)
        for a, b in zip(random_80_20_split(cu_table, seed), random_80_20_split(other, seed)):
            assert _formulas(cu_table, a) == _formulas(other, b)
        folds, other_folds = system_folds(cu_table, seed=seed), system_folds(other, seed=seed)
        assert [_formulas(cu_table, test) for _, test in folds] == [_formulas(other, test) for _, test in other_folds]
    # the seed moves the splits (here, ties between systems of equal size), the order never does
    assert _formulas(cu_table, random_80_20_split(cu_table, 0)[1]) != _formulas(cu_table, random_80_20_split(cu_table, 1)[1])
    assert ([_formulas(cu_table, t) for _, t in system_folds(cu_table, seed=0)]
            != [_formulas(cu_table, t) for _, t in system_folds(cu_table, seed=1)])


def test_system_folds_are_grouped_balanced_and_complete(cu_table):
    from alloygan.models.forward.evaluation import system_folds

    systems = cu_table.frame["system"].to_numpy()
    folds = system_folds(cu_table)
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(len(cu_table)))
    assert all(not set(systems[train]) & set(systems[test]) for train, test in folds)
    sizes = [len(test) for _, test in folds]
    largest_system = max(np.unique(systems, return_counts=True)[1])
    assert max(sizes) - min(sizes) <= largest_system  # dealt to the lightest fold, as GroupKFold balances


@pytest.mark.slow  # a benchmark: eight forward fits per ordering
def test_benchmark_forward_is_the_same_for_any_row_order(monkeypatch):
    from alloygan.models.forward import registry
    from alloygan.models.forward.evaluation import benchmark_forward

    monkeypatch.setitem(registry.DEFAULT_SETTINGS, "n_estimators", 8)  # speed only: order-independence holds for any size
    table = load_alloy_table()  # three small families (one fold each when one family is left out): seconds
    table = table.subset(table.frame["base_element"].isin(["Ag", "Ce", "Pd"]).to_numpy())
    assert 60 <= len(table) <= 200
    first = benchmark_forward(table, seed=0, repeats=1)
    second = benchmark_forward(_shuffled(table, 3), seed=0, repeats=1)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["grouped_by_system"]["n_test"] == len(table)


@pytest.mark.slow  # builds two stores (the shipped table and the PDF) and runs the full benchmark on each
def test_default_and_pdf_builds_give_the_same_bench_forward(run_cli, tmp_path, monkeypatch, shared_pdf):
    outputs = []
    for name, build in (("default", ("kb", "build")), ("pdf", ("kb", "build", "--source", str(shared_pdf)))):
        monkeypatch.setenv("ALLOYGAN_HOME", str(tmp_path / name))
        code, _, err = run_cli(*build)
        assert code == 0, err
        code, out, err = run_cli("bench", "forward", "--json")
        assert code == 0, err
        outputs.append(json.loads(out))
    assert outputs[0]["protocol"]["n_alloys"] >= 980
    assert outputs[0] == outputs[1]
