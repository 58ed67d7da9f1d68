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


# Survivors of a mutmut 3 run (harness/verdicts.py against this file).

from toy_claims.harness.verdicts import Approx, Control, Criterion, per_seed  # noqa: E402


def test_each_builder_keeps_its_region_and_its_words():
    fields = lambda c: (c.quantity, c.kind, c.lo, c.hi, c.claimed, c.why, c.log)  # noqa: E731
    assert fields(Approx("x", 1.0, 0.25, why="w")) == ("x", "approx", 0.75, 1.25, "≈ 1", "w", False)
    assert fields(Approx("x", 1.0, 0.0, why="w", claimed="c", log=True)) == ("x", "approx", 1.0, 1.0, "c", "w", True)
    assert fields(AtMost("x", 2.0, why="w", claimed="c")) == ("x", "at_most", -math.inf, 2.0, "c", "w", False)
    assert fields(AtLeast("x", 2.0, why="w", claimed="c")) == ("x", "at_least", 2.0, math.inf, "c", "w", False)
    assert fields(Between("x", 1.0, 2.0, why="w", claimed="c")) == ("x", "between", 1.0, 2.0, "c", "w", False)
    for build in (AtMost, AtLeast):
        assert build("x", 2.0, why="w", claimed="c", log=True).log is True
    assert Between("x", 1.0, 2.0, why="w", claimed="c", log=True).log is True
    assert judge(Approx("x", 1.0, 0.25, why="w"), {"x": [0.9, 1.0, 1.1]}) == REPRODUCED
    assert judge(Approx("x", 1.0, 0.25, why="w"), {"x": [1.9, 2.0, 2.1]}) == REFUTED


def test_a_numpy_array_of_seeds_is_judged_as_the_list():
    criterion = _between(0.0, 1.0)
    assert interval(criterion, {"x": np.array([0.4, 0.5, 0.6])}) == interval(criterion, {"x": [0.4, 0.5, 0.6]})
    assert interval(criterion, {"x": np.array(0.5)}) == interval(criterion, {"x": 0.5}) == (0.5, 0.5, 0.5)


def test_seeds_needed_is_capped_at_most_plus_one_and_may_be_most_itself():
    assert seeds_needed([1.0, -1.0]) == 1001  # mean 0: no n is narrow enough
    assert seeds_needed([1.0, -1.0], most=5) == 6
    n = seeds_needed([1.0, 3.0])
    assert n > 3 and seeds_needed([1.0, 3.0], most=n) == n and seeds_needed([1.0, 3.0], most=n - 1) == n
    assert seeds_needed([0.0, 0.0]) == 2  # no spread: a point, even at zero


_BAD = [
    (lambda: Criterion("", "between", 0.0, 1.0, "c", "w"), ValueError, "quantity must be a non-empty str, got ''"),
    (lambda: Criterion(1, "between", 0.0, 1.0, "c", "w"), ValueError, "quantity must be a non-empty str, got 1"),
    (lambda: Criterion("x", "about", 0.0, 1.0, "c", "w"), ValueError,
     "kind must be one of 'approx', 'at_most', 'at_least', 'between', got 'about'."),
    (lambda: Criterion("x", "between", math.nan, 1.0, "c", "w"), ValueError,
     "lo must be a number (±inf for an open side), not NaN, got nan"),
    (lambda: Criterion("x", "between", 0.0, True, "c", "w"), ValueError,
     "hi must be a number (±inf for an open side), not NaN, got True"),
    (lambda: Criterion("x", "between", 2.0, 1.0, "c", "w"), ValueError, "lo, hi must be lo <= hi, got (2.0, 1.0)"),
    (lambda: Criterion("x", "between", 0.0, 1.0, "c", "w", log=1), ValueError, "log must be a bool, got 1"),
    (lambda: Criterion("x", "between", -1.0, 1.0, "c", "w", log=True), ValueError,
     "lo must be a number >= 0 (or -inf) on a log scale (log=True), got -1.0"),
    (lambda: AtMost(1, 1.0, why="w", claimed=""), TypeError, "quantity must be the measured key (a str), got int 1"),
    (lambda: AtLeast("x", 1.0, why=2, claimed=""), TypeError, "why must be a str, got int 2"),
    (lambda: Between("x", 0.0, 1.0, why="w", claimed=3), TypeError, "claimed must be a str, got int 3"),
    (lambda: AtMost("x", 1.0, why="w", claimed=3), TypeError, "claimed must be a str, got int 3"),
    (lambda: AtLeast("x", 1.0, why="w", claimed=3), TypeError, "claimed must be a str, got int 3"),
    (lambda: Approx("x", 1.0, 0.5, why="w", claimed=3), TypeError, "claimed must be a str, got int 3"),
    (lambda: per_seed("0.5"), TypeError,
     "measured value must be a real number or a flat list of real numbers (one per seed), got str '0.5'"),
    (lambda: per_seed(np.zeros((2, 2))), TypeError, "measured value must be a real number or a flat list of real "
     "numbers (one per seed), got ndarray array([[0., 0.],\n       [0., 0.]])"),
    (lambda: Approx("x", 1.0, -0.5, why="w"), ValueError, "tol must be a finite number >= 0, got -0.5"),
    (lambda: Approx("x", math.nan, 0.5, why="w"), ValueError, "target must be a finite number, got nan"),
    (lambda: AtMost("x", math.nan, why="w", claimed=""), ValueError, "bound must be a finite number, got nan"),
    (lambda: AtLeast("x", math.nan, why="w", claimed=""), ValueError, "bound must be a finite number, got nan"),
    (lambda: Between("x", math.nan, 1.0, why="w", claimed=""), ValueError, "lo must be a finite number, got nan"),
    (lambda: Between("x", 0.0, math.nan, why="w", claimed=""), ValueError, "hi must be a finite number, got nan"),
    (lambda: Between("x", 2.0, 1.0, why="w", claimed=""), ValueError, "lo, hi must be lo <= hi, got (2.0, 1.0)"),
    (lambda: judge(_between(0.0, 1.0), {"x": "0.5"}), TypeError,
     "measured 'x' must be a real number or a flat list of real numbers (one per seed), got str '0.5'"),
    (lambda: judge("c", {}), TypeError, "criterion must be a Criterion or None, got str 'c'"),
    (lambda: judge(_between(0.0, 1.0), []), TypeError, "measured must be a dict of measured quantities, got list []"),
    (lambda: seeds_needed([1.0]), ValueError, "values must be at least two seeds' values (a spread to plan from), got 1"),
    (lambda: seeds_needed(["a", 1.0]), TypeError,
     "values must be a real number or a flat list of real numbers (one per seed), got list ['a', 1.0]"),
    (lambda: seeds_needed([1.0, 2.0], fraction_of_mean=0), ValueError, "fraction_of_mean must be a finite number > 0, got 0"),
    (lambda: Control(1, "positive", "w"), TypeError, "control quantity must be a measured key, got int 1"),
    (lambda: Control("q", "neutral", "w"), ValueError, "control kind must be one of 'positive', 'negative', got 'neutral'."),
]


@pytest.mark.parametrize("call, error, message", _BAD)
def test_a_bad_criterion_or_value_is_refused_naming_the_argument_and_what_it_must_be(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_a_long_bad_value_is_shown_cut_to_300_characters():
    with pytest.raises(TypeError) as raised:
        judge(_between(0.0, 1.0), {"x": list(range(200)) + ["a"]})
    assert len(str(raised.value)) == 300 and str(raised.value).startswith("measured 'x' must be a real number")


outcomes = st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=40)


@given(outcomes)
def test_a_share_of_outcomes_has_clopper_pearsons_exact_interval_never_zero_width(xs):
    """At the exact bounds a binomial with the bound as its rate gives the observed count or fewer (more) with
    probability 1 − LEVEL: a Wald or t interval (zero-width at 0 of n) or a two-sided level breaks it."""
    from scipy.stats import binom
    n, k = len(xs), int(sum(xs))
    share, low, high = interval(AtLeast("x", 0.5, why="w", claimed="c", proportion=True), {"x": xs})
    assert share == k / n and low <= share <= high and high - low > 0
    assert low == 0.0 if k == 0 else binom.sf(k - 1, n, low) == pytest.approx(1 - LEVEL, rel=1e-6)
    assert high == 1.0 if k == n else binom.cdf(k, n, high) == pytest.approx(1 - LEVEL, rel=1e-6)


def test_no_share_is_decided_at_one_half_with_three_seeds_and_every_unanimous_one_is_with_five():
    most = AtLeast("x", 0.5, why="w", claimed="c", proportion=True)
    assert judge(most, {"x": [0.0] * 3}) == judge(most, {"x": [1.0] * 3}) == INCONCLUSIVE
    assert (judge(most, {"x": [0.0] * 5}), judge(most, {"x": [1.0] * 5})) == (REFUTED, REPRODUCED)
    assert interval(most, {"x": [0.0] * 3})[2] == pytest.approx(1 - (1 - LEVEL) ** (1 / 3))


def test_a_proportion_refuses_what_is_not_a_0_1_outcome_or_a_share():
    with pytest.raises(ValueError, match=r"measured 'x' must be 0/1 outcomes \(one per seed\) for a proportion criterion, got \[0.0, 2.0\]"):
        judge(AtLeast("x", 0.5, why="w", claimed="c", proportion=True), {"x": [0.0, 2.0]})
    with pytest.raises(ValueError, match="lo must be a share in"):
        AtLeast("x", 2.0, why="w", claimed="c", proportion=True)
    with pytest.raises(ValueError, match="log must be False for a proportion"):
        AtLeast("x", 0.5, why="w", claimed="c", proportion=True, log=True)
    assert judge(AtLeast("x", 0.5, why="w", claimed="c", proportion=True), {"x": [0.0, math.nan]}) == ERROR


def test_a_criterion_describes_its_region_and_scale_in_the_report():
    """The report's 'Criterion.' line: the bound(s) the interval is held to, and a geometric mean on a log scale."""
    assert AtMost("x", 0.05, claimed="c", why="w").describe() == "mean of `x` ≤ 0.05 (95% interval over seeds)"
    assert AtLeast("r", 2.0, claimed="c", why="w", log=True).describe() == (
        "geometric mean of `r` ≥ 2 (95% interval over seeds)")
    assert Approx("h", 7.57, 0.005, claimed="c", why="w").describe() == "|mean of `h` − 7.57| ≤ 0.005 (95% interval over seeds)"
    assert Between("b", 1.0, 3.0, claimed="c", why="w").describe() == "1 ≤ mean of `b` ≤ 3 (95% interval over seeds)"
    assert AtLeast("p", 0.5, claimed="c", why="w", proportion=True).describe() == (
        "share of seeds where `p` holds ≥ 0.5 (95% Clopper–Pearson interval over seeds)")


def test_quoted_is_approx_within_a_fraction_of_the_quoted_value():
    from toy_claims.harness.verdicts import Quoted

    assert Quoted("r", 95.0, why="w") == Approx("r", 95.0, 0.05 * 95.0, why="w")  # the idiom it names, bit for bit
    assert (Quoted("r", -2.0, why="w", rel=0.1).lo, Quoted("r", -2.0, why="w", rel=0.1).hi) == (-2.2, -1.8)
    with pytest.raises(ValueError, match="^rel must be"):
        Quoted("r", 1.0, why="w", rel=-0.1)
