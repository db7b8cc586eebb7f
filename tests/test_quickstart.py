"""`python3 quickstart.py test`: the fast tier, then (if it passed) the slow tier; exit code 5 is success."""
from __future__ import annotations

import pytest

import quickstart


@pytest.fixture
def pytest_runs(monkeypatch, capsys):
    """Record the pytest command lines instead of running them; `codes` are their exit codes, in order."""
    calls: list[list[str]] = []
    codes: list[int] = []

    def run(*args, **kwargs) -> int:
        calls.append([str(a) for a in args[1:]])  # without the interpreter's path
        return codes.pop(0)

    monkeypatch.setattr(quickstart, "_run", run)
    return calls, codes


def test_the_fast_tier_runs_first_then_the_slow_tier_with_the_extra_arguments(pytest_runs, capsys):
    calls, codes = pytest_runs
    codes += [0, 0]
    assert quickstart.run_tests(["-x", "tests/tools"], {}) == 0
    assert calls == [["-m", "pytest", "-q", "-m", "not slow", "-x", "tests/tools"],
                     ["-m", "pytest", "-q", "-m", "slow", "-x", "tests/tools"]]
    out = capsys.readouterr().out
    assert "fast tier: pytest -q -m 'not slow' -x tests/tools" in out and "slow tier: passed" in out


def test_a_failing_fast_tier_stops_before_the_slow_tier(pytest_runs):
    calls, codes = pytest_runs
    codes += [1]
    assert quickstart.run_tests([], {}) == 1 and len(calls) == 1


@pytest.mark.parametrize("fast, slow", [(5, 0), (0, 5), (5, 5)])
def test_no_tests_collected_in_a_tier_counts_as_success(pytest_runs, fast, slow):
    calls, codes = pytest_runs
    codes += [fast, slow]
    assert quickstart.run_tests([], {}) == 0 and len(calls) == 2


def test_fast_runs_only_the_fast_tier_and_an_own_marker_runs_once(pytest_runs):
    calls, codes = pytest_runs
    codes += [0, 3]
    assert quickstart.run_tests(["--fast"], {}) == 0
    assert calls == [["-m", "pytest", "-q", "-m", "not slow"]]
    assert quickstart.run_tests(["-m", "network"], {}) == 3
    assert calls[1] == ["-m", "pytest", "-q", "-m", "network"]
