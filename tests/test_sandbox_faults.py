"""The sandbox's seeded ``probability`` option of fault rules (procountor_sandbox/faults.py):
a share of the matches, the same ones for the same seed."""

import pytest

from procountor_sandbox.faults import FaultRegistry, FaultSpecError


def _fired(registry, count, path="/invoices", method="POST"):
    return [bool(registry.fire(path, method)) for _ in range(count)]


def _registry(**spec):
    registry = FaultRegistry()
    registry.add({"path": "/invoices*", "kind": "status", "status": 503, **spec})
    return registry


def test_probability_fires_on_about_that_share():
    fired = _fired(_registry(probability=0.1, seed=7), 5000)
    assert 400 <= sum(fired) <= 600


def test_same_seed_same_faults_other_seed_other_faults():
    first = _fired(_registry(probability=0.3, seed=1), 200)
    assert first == _fired(_registry(probability=0.3, seed=1), 200)
    assert first != _fired(_registry(probability=0.3, seed=2), 200)


def test_probability_one_always_and_counters_stay_right():
    registry = _registry(probability=1, times=3)
    assert _fired(registry, 5) == [True, True, True, False, False]
    rule = registry.list()[0]
    assert (rule["matched"], rule["fired"], rule["probability"], rule["seed"]) == (3, 3, 1.0, 0)
    assert "_random" not in rule


def test_probability_applies_after_every_nth():
    registry = _registry(every_nth=2, probability=1)
    assert _fired(registry, 4) == [False, True, False, True]


def test_without_probability_nothing_changes():
    assert _fired(_registry(), 3) == [True, True, True]


@pytest.mark.parametrize(
    "spec",
    [{"probability": 0}, {"probability": 1.5}, {"probability": "half"}, {"seed": "x"}],
)
def test_bad_probability_or_seed_is_refused(spec):
    with pytest.raises(FaultSpecError):
        _registry(**spec)
