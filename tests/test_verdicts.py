"""The verdict rule: properties a wrong interval (a z instead of a t bound, sd/n, a per-seed vote) would break."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from scipy.special import stdtrit

from toy_claims.harness.verdicts import (
    ERROR, INCONCLUSIVE, LEVEL, OBSERVATION, REFUTED, REPRODUCED, AtLeast, AtMost, Between, Negative, Positive,
    calibrate, interval, judge, seeds_needed,
)

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=12)
positive = st.lists(st.floats(1e-6, 1e6, allow_nan=False), min_size=1, max_size=12)


def _between(lo: float, hi: float, log: bool = False):
    return Between("x", lo, hi, why="w", claimed="", log=log)


@given(values, st.floats(-1e3, 1e3), st.floats(0, 1e3))
def test_a_decided_verdict_agrees_with_the_mean(xs, lo, width):
    """Reproduced means the mean is inside the region, refuted that it is outside: the interval contains the mean."""
    criterion = _between(lo, lo + width)
    verdict, mean = judge(criterion, {"x": xs}), float(np.mean(xs))
    if verdict == REPRODUCED:
        assert lo - 1e-9 <= mean <= lo + width + 1e-9
    if verdict == REFUTED:
        assert not lo + 1e-9 < mean < lo + width - 1e-9


@given(values, st.floats(-1e3, 1e3), st.floats(-1e2, 1e2))
def test_the_interval_moves_with_a_shift_of_every_seed(xs, bound, shift):
    before = interval(AtMost("x", bound, why="w", claimed=""), {"x": xs})
    after = interval(AtMost("x", bound, why="w", claimed=""), {"x": [x + shift for x in xs]})
    assert np.allclose(np.array(after) - shift, before, atol=1e-6)


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=8, unique=True), st.floats(-1e3, 1e3))
def test_more_seeds_of_the_same_spread_never_undecide_a_verdict(xs, bound):
    """The sample repeated is the same spread with twice the seeds: its interval is nested in the first one's."""
    criterion = AtMost("x", bound, why="w", claimed="")
    _, low, high = interval(criterion, {"x": xs})
    _, low2, high2 = interval(criterion, {"x": xs * 2})
    assert low - 1e-9 <= low2 and high2 <= high + 1e-9
    if judge(criterion, {"x": xs}) != INCONCLUSIVE:
        assert judge(criterion, {"x": xs * 2}) == judge(criterion, {"x": xs})


@given(positive, st.floats(1e-3, 1e3), st.floats(1.0, 1e3))
def test_a_log_criterion_is_the_linear_rule_on_log_values(xs, lo, ratio):
    on_log = judge(_between(lo, lo * ratio, log=True), {"x": xs})
    on_linear = judge(_between(math.log(lo), math.log(lo * ratio)), {"x": [math.log(x) for x in xs]})
    assert on_log == on_linear


@given(st.floats(-1e3, 1e3), st.integers(1, 10))
def test_seeds_that_agree_are_a_point(x, n):
    _, low, high = interval(AtLeast("x", 0.0, why="w", claimed=""), {"x": [x] * n})
    assert low == high == x


def test_the_bound_covers_the_population_mean_at_its_level():
    """Normal samples of 3 seeds: the upper bound falls below the true mean in 1 − LEVEL of draws (a z bound, or
    sd/n, would miss far more often; a per-seed vote has no such guarantee)."""
    rng = np.random.default_rng(0)
    draws = 20000
    misses = sum(interval(AtMost("x", 0.0, why="w", claimed=""), {"x": rng.normal(0.0, 1.0, 3).tolist()})[2] < 0.0
                 for _ in range(draws))
    assert abs(misses / draws - (1 - LEVEL)) < 0.006


def test_a_log_criterion_judges_ratios_by_their_geometric_mean():
    """Ratios 1/8, 8, 8 have arithmetic mean 5.4 but geometric mean 2: judged on log values, as ratios should be."""
    ratio_at_most_one = AtMost("x", 1.0, why="w", claimed="", log=True)
    mean, low, high = interval(ratio_at_most_one, {"x": [0.125, 8.0, 8.0]})
    assert math.isclose(mean, 2.0) and low < 1.0 < high
    assert judge(ratio_at_most_one, {"x": [0.5, 0.55, 0.6]}) == REPRODUCED
    assert judge(ratio_at_most_one, {"x": [0.5, 0.0]}) == "error"  # no log of a non-positive ratio: never a verdict


@given(st.lists(st.floats(0.5, 10.0), min_size=3, max_size=10, unique=True))
def test_seeds_needed_is_the_first_n_whose_expected_interval_is_narrow_enough(xs):
    """At that n the expected half-width is within half the mean, one seed fewer it is not: the planned count is the
    smallest the interval rule can decide with, at this spread."""
    n = seeds_needed(xs)
    mean, sd = abs(np.mean(xs)), np.std(xs, ddof=1)
    half = lambda k: float(stdtrit(k - 1, LEVEL)) * sd / math.sqrt(k)  # noqa: E731
    assert half(n) <= mean / 2
    assert n == 2 or half(n - 1) > mean / 2


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(1, 5)), min_size=1, max_size=6))
def test_each_control_is_calibrated_exactly_when_it_lands_on_its_own_side(controls):
    """Several controls, any of them on the wrong side: each is judged alone, and only the wrong ones are flagged."""
    criterion = AtMost("x", 1.0, claimed="≤ 1", why="w")
    measured, declared = {"x": 0.5}, []
    for i, (positive, holds, n) in enumerate(controls):
        measured[f"c{i}"] = [0.5 if holds else 1.5] * n  # clearly inside or clearly outside the claimed region
        declared.append((Positive if positive else Negative)(f"c{i}", "a setting"))
    out = calibrate(criterion, tuple(declared), measured)
    assert [k["quantity"] for k in out] == [f"c{i}" for i in range(len(controls))]
    assert [k["calibrated"] for k in out] == [positive == holds for positive, holds, _ in controls]
# Invariants found missing by mutation testing (a wrong rule that the tests above let through).

spread = st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=8, unique=True)


@given(spread)
def test_the_region_is_closed_and_an_interval_touching_a_bound_from_outside_is_inconclusive(xs):
    """An interval [low, high] is inside [low, ∞) and (-∞, high] (a closed region) and straddles [high, ∞) and
    (-∞, low] (it is not wholly outside a region it touches)."""
    _, low, high = interval(AtMost("x", 0.0, why="w", claimed=""), {"x": xs})
    assume(low < high)
    assert judge(AtLeast("x", low, why="w", claimed=""), {"x": xs}) == REPRODUCED
    assert judge(AtMost("x", high, why="w", claimed=""), {"x": xs}) == REPRODUCED
    assert judge(Between("x", low, high, why="w", claimed=""), {"x": xs}) == REPRODUCED
    assert judge(AtLeast("x", high, why="w", claimed=""), {"x": xs}) == INCONCLUSIVE
    assert judge(AtMost("x", low, why="w", claimed=""), {"x": xs}) == INCONCLUSIVE


@given(spread, st.floats(1e-3, 1e3))
def test_an_interval_wholly_above_or_below_the_region_is_refuted(xs, gap):
    _, low, high = interval(AtMost("x", 0.0, why="w", claimed=""), {"x": xs})
    below, above = low - gap, high + gap
    assume(below < low and above > high)
    assert judge(AtMost("x", below, why="w", claimed=""), {"x": xs}) == REFUTED
    assert judge(AtLeast("x", above, why="w", claimed=""), {"x": xs}) == REFUTED
    assert judge(_between(above, above + gap), {"x": xs}) == REFUTED
    assert judge(_between(below - gap, below), {"x": xs}) == REFUTED


def test_a_log_criterion_may_have_zero_as_its_lower_bound():
    assert judge(_between(0.0, 1.0, log=True), {"x": [0.5, 0.51, 0.49]}) == REPRODUCED
    assert judge(_between(0.0, 1e-3, log=True), {"x": [0.5, 0.5]}) == REFUTED


@pytest.mark.parametrize("xs", [[], [1.0, math.nan], [math.inf, 2.0, 3.0], [-math.inf]])
def test_no_seeds_or_a_non_finite_seed_is_an_error_with_no_interval(xs):
    assert judge(_between(-10.0, 10.0), {"x": xs}) == ERROR and interval(_between(-10.0, 10.0), {"x": xs}) is None
    assert judge(_between(1.0, 10.0, log=True), {"x": xs}) == ERROR
    assert interval(_between(1.0, 10.0, log=True), {"x": xs}) is None


def test_no_criterion_is_an_observation_and_a_missing_or_mistyped_quantity_is_loud():
    assert judge(None, {"x": [1.0]}) == OBSERVATION and judge(None, {}) == OBSERVATION
    with pytest.raises(KeyError, match="'y'"):
        judge(Between("y", 0.0, 1.0, why="w", claimed=""), {"x": [1.0]})
    with pytest.raises(TypeError, match="criterion"):
        judge("x in [0, 1]", {"x": [1.0]})
    with pytest.raises(TypeError, match="measured"):
        judge(_between(0.0, 1.0), [("x", 1.0)])


@given(values, values, st.floats(-1e3, 1e3), st.floats(0, 1e3))
def test_a_control_is_judged_by_the_claims_criterion_on_its_own_quantity(xs, ys, lo, width):
    """Calibrated means the criterion clearly holds on a positive control and clearly fails on a negative one."""
    criterion, measured = _between(lo, lo + width), {"x": xs, "pos": ys, "neg": ys}
    out = calibrate(criterion, (Positive("pos", "planted"), Negative("neg", "untrained")), measured)
    verdict = judge(criterion, {"x": ys})
    assert [set(c) for c in out] == [{"quantity", "kind", "what", "verdict", "calibrated"}] * 2
    assert [(c["quantity"], c["kind"], c["what"]) for c in out] == [("pos", "positive", "planted"), ("neg", "negative", "untrained")]
    assert [c["verdict"] for c in out] == [verdict, verdict]
    assert [c["calibrated"] for c in out] == [verdict == REPRODUCED, verdict == REFUTED]


def test_a_control_that_was_not_measured_is_a_key_error_and_no_controls_is_no_calibration():
    with pytest.raises(KeyError, match="'pos'"):
        calibrate(_between(0.0, 1.0), (Positive("pos", "planted"),), {"x": [0.5]})
    assert calibrate(_between(0.0, 1.0), (), {"x": [0.5]}) == []
