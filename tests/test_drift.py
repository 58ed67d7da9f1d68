"""The drift rule: a value changes when it moves by more than max(0.1 seed sd, 10 × kernel noise, 1e-6 relative),
the same on every machine; nothing is compared across definitions or seed offsets."""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from toy_claims.harness.drift import (
    ABS_FLOOR, NOISE_FACTOR, REL_FLOOR, RULE, SD_FRACTION, compare, describe, kernel_noise, tolerance,
)


def _rows(old: dict, new: dict, *, version=(1, 1), noise=None, offsets=(0, 0)):
    baseline = {"version": version[0], "verdict": "reproduced", "measured": old, "seed_offset": offsets[0],
                "environment": {"platform": "the accepting machine"}}
    if noise is not None:
        baseline["kernel_noise"] = noise
    record = {"version": version[1], "verdict": "reproduced", "measured": new, "seed_offset": offsets[1],
              "environment": {"platform": "another machine"}}
    return record, baseline


finite = st.floats(-1e6, 1e6, allow_nan=False)
seeds = st.lists(finite, min_size=1, max_size=6)


@given(seeds, st.floats(0, 1e3), st.integers(0, 5), st.floats(1.001, 100))
def test_a_move_just_past_the_tolerance_drifts_and_one_just_inside_does_not(old, noise, index, factor):
    index %= len(old)
    tol = float(tolerance(old, noise)[index])
    assume(tol > 1e-300)
    inside = list(old)
    inside[index] = old[index] + tol / factor
    assert compare(*_rows({"x": old}, {"x": inside}, noise={"x": noise}))["status"] == "unchanged"
    outside = list(old)
    outside[index] = old[index] + tol * factor
    assume(abs(outside[index] - old[index]) > tol * (1 + 1e-9))  # not lost to rounding
    moved = compare(*_rows({"x": old}, {"x": outside}, noise={"x": noise}))
    assert moved["status"] == "drifted" and moved["moved"][0]["excess"] > 1


@given(seeds, st.floats(0, 1e3))
def test_the_tolerance_is_the_largest_of_its_three_terms(old, noise):
    import numpy as np

    sd = np.std(old, ddof=1) if len(old) > 1 else 0.0
    for value, tol in zip(old, tolerance(old, noise)):
        assert tol == pytest.approx(max(SD_FRACTION * sd, NOISE_FACTOR * noise, REL_FLOOR * abs(value), ABS_FLOOR), rel=1e-9, abs=1e-300)


def test_a_rounding_level_gap_is_compared_with_its_measured_floor_not_relatively():
    old, new = [6.89e-14, 7.1e-14, 6.5e-14], [9.38e-14, 7.3e-14, 6.1e-14]  # a float64 floor gap, moved by 36%
    assert compare(*_rows({"gap": old}, {"gap": new}, noise={"gap": 3e-14}))["status"] == "unchanged"
    real = compare(*_rows({"gap": old}, {"gap": [1e-9, 7.1e-14, 6.5e-14]}, noise={"gap": 3e-14}))
    assert real["status"] == "drifted"  # leaving the floor is a change


def test_a_one_percent_change_of_a_quantity_without_spread_drifts_and_kernel_noise_does_not():
    assert compare(*_rows({"x": 0.4012}, {"x": 0.4012 * 1.01}, noise={"x": 1e-6}))["status"] == "drifted"
    assert compare(*_rows({"x": 0.4012}, {"x": 0.4012 + 9e-6}, noise={"x": 1e-6}))["status"] == "unchanged"


def test_a_change_of_a_few_seed_sd_drifts_on_any_machine():
    old = [4.9, 5.0, 5.1]  # sd 0.1
    moved = compare(*_rows({"x": old}, {"x": [v + 0.3 for v in old]}, noise={"x": 0.0}))
    assert moved["status"] == "drifted" and moved["moved"][0]["excess"] == pytest.approx(30.0)


def test_values_at_zero_compare_absolutely():
    assert compare(*_rows({"x": [0.0, 0.0]}, {"x": [0.0, 0.0]}))["status"] == "unchanged"
    assert compare(*_rows({"x": [0.0, 0.0]}, {"x": [0.0, 1e-16]}))["status"] == "unchanged"  # float64 rounding
    assert compare(*_rows({"x": [0.0, 0.0]}, {"x": [0.0, 1e-14]}))["status"] == "drifted"  # no noise, no spread
    assert compare(*_rows({"x": [0.0, 0.0]}, {"x": [0.0, 1e-14]}, noise={"x": 2e-15}))["status"] == "unchanged"


def test_moves_are_listed_biggest_first_with_the_digits_that_show_them_and_the_tolerance():
    drift = compare(*_rows({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 1.0 + 3e-6, "b": 2.0, "c": 3.5}, noise={"a": 0, "b": 0, "c": 0}))
    assert [m["quantity"] for m in drift["moved"]] == ["c", "a"]
    text = describe(drift)
    assert text.index("c: 3 → 3.5") < text.index("a: 1 → 1.000003")
    assert "tolerance 1e-06" in text and "3× over" in text


def test_added_removed_shape_non_finite_redefined_and_other_offsets():
    assert compare(*_rows({"x": 1.0}, {"x": 1.0, "y": 2.0}))["moved"][0]["why"] == "quantity added"
    assert compare(*_rows({"x": 1.0, "y": 2.0}, {"x": 1.0}))["moved"][0]["why"] == "quantity removed"
    assert compare(*_rows({"x": [1.0, 2.0]}, {"x": [1.0, 2.0, 3.0]}))["moved"][0]["why"] == "shape changed"
    assert compare(*_rows({"x": None}, {"x": math.nan}))["status"] == "unchanged"
    assert compare(*_rows({"x": 1.0}, {"x": math.nan}))["status"] == "drifted"
    assert compare(*_rows({"x": math.inf}, {"x": math.inf}))["status"] == "unchanged"
    assert compare(*_rows({"x": None}, {"x": math.inf}))["status"] == "unchanged"  # an inf is read back as null
    assert compare(*_rows({"x": 1.0}, {"x": math.inf}))["status"] == "drifted"
    assert compare(*_rows({"x": 1.0}, {"x": 9.0}, version=(1, 2)))["status"] == "redefined"
    assert compare(*_rows({"x": 1.0}, {"x": 9.0}, offsets=(0, 7)))["status"] == "not compared"
    assert compare(_rows({}, {"x": 1.0})[0], None)["status"] == "new"


def test_a_ragged_nested_measurement_compares_element_by_element():
    old = [[1.0, 2.0], [3.0]]
    assert compare(*_rows({"x": old}, {"x": [[1.0, 2.0], [3.0]]}))["status"] == "unchanged"
    assert compare(*_rows({"x": old}, {"x": [[1.0, 2.0], [3.5]]}))["status"] == "drifted"


def test_a_baseline_read_back_from_json_compares_as_the_one_written():
    record, baseline = _rows({"x": [0.1, 0.2, math.nan]}, {"x": [0.1, 0.2, math.nan]}, noise={"x": 1e-7})
    baseline = json.loads(json.dumps(baseline).replace("NaN", "null"))
    assert compare(record, baseline)["status"] == "unchanged"


def test_kernel_noise_is_the_largest_absolute_move_of_each_quantity():
    native = {"a": [1.0, 2.0], "b": 5.0, "c": [1.0, math.nan], "d": [1.0]}
    others = [{"a": [1.0, 2.5], "b": 5.0, "c": [1.25, math.nan], "d": [1.0, 2.0]}, {"a": [0.75, 2.0], "b": 4.0}]
    assert kernel_noise(native, others) == {"a": 0.5, "b": 1.0, "c": 0.25, "d": 0.0}


# Invariants found missing by mutation testing (a wrong rule that the tests above let through).

_FIELDS = {"quantity", "from", "to", "tolerance", "excess", "why"}


@example(0.0, 0.1, 1, 2.0)  # a tolerance of exactly 1 is an ordinary tolerance
@example(5.0, 0.0, -1, 3.0)
@given(finite, st.floats(0, 1e3), st.sampled_from([-1, 1]), st.floats(1.01, 100))
def test_a_move_past_the_tolerance_drifts_in_either_direction_by_the_move_in_tolerance_units(x, noise, sign, factor):
    """A fall is a change as much as a rise, and the excess is |move| / tolerance, whatever the tolerance."""
    tol = float(tolerance(x, noise)[0])
    new = x + sign * tol * factor
    move = abs(new - x)
    assume(move > tol * (1 + 1e-9))
    drift = compare(*_rows({"x": x}, {"x": new}, noise={"x": noise}))
    assert drift["status"] == "drifted"
    (m,) = drift["moved"]
    assert set(m) == _FIELDS and (m["from"], m["to"], m["tolerance"]) == (x, new, tol)
    assert m["excess"] == pytest.approx(move / tol, rel=1e-9) and m["excess"] > 1


def test_a_move_of_exactly_the_tolerance_is_not_a_change_and_one_ulp_more_is():
    """'More than' the tolerance: 0 → ±5 against 10 × 0.5 kernel noise sits on the bound (all exact in binary)."""
    assert float(tolerance(0.0, 0.5)[0]) == 5.0
    for edge in (5.0, -5.0):
        assert compare(*_rows({"x": 0.0}, {"x": edge}, noise={"x": 0.5}))["status"] == "unchanged"
        past = float(np.nextafter(edge, 2 * edge))
        assert compare(*_rows({"x": 0.0}, {"x": past}, noise={"x": 0.5}))["status"] == "drifted"


@pytest.mark.parametrize("old, new, at", [
    ([1.0, 2.0, 3.0], [1.0, math.nan, 3.0], (2.0, None)),
    ([1.0, 2.0, 3.0], [1.0, 2.0, math.inf], (3.0, math.inf)),
    ([None, 2.0, 3.0], [1.0, 2.0, 3.0], (None, 1.0)),
    ([1.0, -math.inf], [1.0, 7.0], (-math.inf, 7.0)),
])
def test_one_element_changing_kind_drifts_and_the_move_names_that_element(old, new, at):
    """The others staying finite must not hide it (a NaN difference is never 'over'); NaN is reported as None."""
    drift = compare(*_rows({"x": old}, {"x": new}, noise={"x": 0.0}))
    assert drift["status"] == "drifted"
    (m,) = drift["moved"]
    assert set(m) == _FIELDS and m["quantity"] == "x" and "non-finite" in m["why"]
    assert (m["from"], m["to"]) == at and m["tolerance"] is None and m["excess"] is None


def test_every_kind_of_move_has_the_same_fields_structural_ones_first_without_excess():
    old = {"num": 1.0, "shape": [1.0, 2.0], "kind": 1.0, "gone": 1.0}
    new = {"num": 2.0, "shape": [1.0], "kind": math.nan, "added": 1.0}
    drift = compare(*_rows(old, new, noise={k: 0.0 for k in old}))
    assert drift["status"] == "drifted" and len(drift["moved"]) == 5
    assert all(set(m) == _FIELDS for m in drift["moved"])
    *structural, numeric = drift["moved"]
    assert numeric["quantity"] == "num" and math.isfinite(numeric["excess"]) and numeric["excess"] > 1
    assert all(m["excess"] is None and m["tolerance"] is None for m in structural)  # inf never reaches the JSON
    assert [m["quantity"] for m in structural] == ["added", "gone", "kind", "shape"]  # ties in name order
    assert json.loads(json.dumps(drift, allow_nan=False)) == drift


def test_moves_that_tie_are_listed_in_name_order_whatever_the_set_order():
    names = ["q7", "b", "zeta", "a2", "m", "c9", "alpha", "k"]
    drift = compare(*_rows({}, {n: 1.0 for n in names}))
    assert [m["quantity"] for m in drift["moved"]] == sorted(names)
    assert {m["why"] for m in drift["moved"]} == {"quantity added"}


@pytest.mark.parametrize("verdict", ["error", "skipped"])
def test_a_record_that_measured_nothing_is_not_compared_even_against_numbers(verdict):
    record, baseline = _rows({"x": 1.0}, {}, noise={"x": 0.0})
    drift = compare({**record, "verdict": verdict}, baseline)
    assert drift["status"] == "not measured" and drift["moved"] == [] and set(drift) == {"status", "rule", "moved"}


@pytest.mark.parametrize("verdict", ["error", "skipped"])
def test_a_baseline_row_that_measured_nothing_is_compared_with_nothing(verdict):
    record, baseline = _rows({}, {"x": 1.0})
    drift = compare(record, {**baseline, "verdict": verdict})
    assert drift["status"] == "new" and drift["moved"] == [] and drift["rule"]


def test_a_baseline_row_that_measured_something_is_compared_whatever_its_verdict():
    """An accepted row without quantities but with a verdict lists every quantity as added; an errored row that did
    measure some quantities is compared on them."""
    record, baseline = _rows({}, {"x": 1.0})
    assert [m["why"] for m in compare(record, baseline)["moved"]] == ["quantity added"]
    del baseline["measured"]
    assert [m["why"] for m in compare(record, baseline)["moved"]] == ["quantity added"]
    record, baseline = _rows({"x": 1.0}, {"x": 2.0}, noise={"x": 0.0})
    assert compare(record, {**baseline, "verdict": "error"})["status"] == "drifted"
    assert compare({**record, "measured": {"x": 1.0}}, {**baseline, "verdict": "error"})["status"] == "unchanged"


def test_a_pending_drift_is_compared_with_the_accepted_numbers_not_the_pending_ones():
    """A row carrying ``baseline`` (drift not yet accepted) stays red until accepted: its top-level numbers are the
    drifted ones, its noise and seed offset those of the accepted row."""
    record, accepted = _rows({"x": 1.0}, {"x": 1.0}, noise={"x": 0.0})
    pending = {**accepted, "measured": {"x": 2.0}, "kernel_noise": {"x": 1.0}, "seed_offset": 3, "baseline": accepted}
    assert compare(record, pending)["status"] == "unchanged"
    assert compare({**record, "measured": {"x": 2.0}}, pending)["status"] == "drifted"


def test_the_rule_asks_for_kernel_noise_only_where_the_row_has_none():
    for noise, asks in ((None, True), ({}, True), ({"x": 0.0}, False)):
        drift = compare(*_rows({"x": 1.0}, {"x": 2.0}, noise=noise))
        assert drift["rule"].startswith(RULE) and ("--claims-update" in drift["rule"]) == asks
        assert asks or drift["rule"] == RULE
        assert drift["moved"][0]["why"] == RULE


def test_a_seed_column_with_one_finite_value_has_no_spread_and_compares_quietly():
    """One seed's value has no sd: a 1% move drifts (an unknown spread must not widen the tolerance), no warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert compare(*_rows({"x": [1.0, None]}, {"x": [1.01, None]}, noise={"x": 0.0}))["status"] == "drifted"
        assert compare(*_rows({"x": [[1.0, None], [2.0, None]]}, {"x": [[1.0, None], [2.0, None]]}))["status"] == "unchanged"
    assert caught == []


def test_kernel_noise_skips_elements_non_finite_under_either_kernel_set_without_losing_the_others():
    native = {"a": [1.0, 2.0, 3.0], "b": [math.nan, 1.0], "c": math.nan}
    others = [{"a": [1.5, math.nan, 3.0], "b": [5.0, 1.25], "c": math.nan}, {"a": [1.0, 2.0, -math.inf]}]
    assert kernel_noise(native, others) == {"a": 0.5, "b": 0.25, "c": 0.0}


def _clause(text: str, name: str) -> str:
    (clause,) = [c for c in text.split("; ") if c.startswith(f"{name}: ")]
    return clause


_NUMERIC = re.compile(r"^x: (\S+) → (\S+) \(moved (\S+), tolerance (\S+): (\S+)× over\)$")


@given(finite, finite)
def test_describe_prints_the_fewest_digits_from_three_that_tell_the_values_apart_and_the_move(a, b):
    drift = compare(*_rows({"x": a}, {"x": b}, noise={"x": 0.0}))
    assume(drift["status"] == "drifted")
    (m,) = drift["moved"]
    sa, sb, moved, tol, excess = _NUMERIC.match(describe(drift)).groups()
    assert sa != sb and float(sa) == pytest.approx(a, rel=1e-2, abs=0) and float(sb) == pytest.approx(b, rel=1e-2, abs=0)
    (digits,) = [d for d in range(3, 18) if (f"{a:.{d}g}", f"{b:.{d}g}") == (sa, sb)][:1]
    assert digits == 3 or f"{a:.{digits - 1}g}" == f"{b:.{digits - 1}g}"
    assert float(moved) == pytest.approx(abs(b - a), rel=0.06)
    assert float(tol) == pytest.approx(m["tolerance"], rel=0.06) and float(excess) == pytest.approx(m["excess"], rel=6e-3)


def test_describe_says_what_a_structural_move_became():
    old = {"s": [[1.0, 2.0], [3.0]], "n": 1.5, "i": math.inf, "r": 2.0, "num": 1.0}
    new = {"s": [[1.0, 2.0], [3.0, 4.0]], "n": math.nan, "i": 7.0, "a": 4.0, "num": 1.5, "k": 3}
    drift = compare(*_rows(old, new, noise={k: 0.0 for k in old}))
    text = describe(drift)
    assert len(text.split("; ")) == len(drift["moved"]) == 7
    assert _clause(text, "k") == "k: — → 3 [quantity added]"  # an integer count, printed as itself
    assert _clause(text, "s") == "s: [3 values] → [4 values] [shape changed]"
    assert _clause(text, "n").startswith("n: 1.5 → nan [") and "non-finite" in _clause(text, "n")
    assert _clause(text, "i").startswith("i: inf → 7 [") and "non-finite" in _clause(text, "i")
    assert _clause(text, "r") == "r: 2 → — [quantity removed]"
    assert _clause(text, "a") == "a: — → 4 [quantity added]"
    assert _clause(text, "num").startswith("num: 1 → 1.5 (moved 0.5, tolerance 1e-06")


def test_every_comparison_says_its_status_and_rule_and_lists_its_moves():
    record, baseline = _rows({"x": 1.0}, {"x": 1.0}, noise={"x": 0.0})
    cases = {"new": (record, None), "redefined": (record, {**baseline, "version": 2}),
             "not compared": (record, {**baseline, "seed_offset": 5}), "not measured": ({**record, "verdict": "error"}, baseline),
             "unchanged": (record, baseline), "drifted": ({**record, "measured": {"x": 2.0}}, baseline)}
    for status, (rec, base) in cases.items():
        drift = compare(rec, base)
        assert set(drift) == {"status", "rule", "moved"} and drift["status"] == status
        assert isinstance(drift["rule"], str) and (drift["moved"] != []) == (status == "drifted")


# Survivors of a mutmut 3 run (harness/drift.py against this file).

def test_each_element_has_its_own_seed_spread_not_the_spread_of_the_whole_value():
    """Seeds × elements: element 0 varies over seeds, element 1 does not; only element 0's tolerance is its seed sd."""
    old = [[1.0, 100.0], [2.0, 100.0], [3.0, 100.0]]  # column sd 1 and 0 (the sd of all six values is ~54)
    tol = tolerance(old, None).reshape(3, 2)
    assert np.allclose(tol[:, 0], SD_FRACTION * 1.0) and np.allclose(tol[:, 1], REL_FLOOR * 100.0)
    moved = [[1.0, 100.001], [2.0, 100.0], [3.0, 100.0]]
    assert compare(*_rows({"x": old}, {"x": moved}, noise={"x": 0.0}))["status"] == "drifted"


def test_a_baseline_row_without_a_seed_offset_is_compared():
    record, baseline = _rows({"x": 1.0}, {"x": 1.0}, offsets=(0, 4))
    del baseline["seed_offset"]
    assert compare(record, baseline)["status"] == "unchanged"
    assert compare({**record, "measured": {"x": 2.0}}, baseline)["status"] == "drifted"


def test_kernel_noise_skips_a_kernel_set_without_the_quantity_or_of_another_shape_and_reads_the_next():
    native = {"a": [1.0, 2.0], "b": 1.0}
    others = [{"b": 1.0}, {"a": [1.0], "b": 1.0}, {"a": [1.5, 2.0], "b": 1.25}]
    assert kernel_noise(native, others) == {"a": 0.5, "b": 0.25}


def test_an_infinite_element_that_stays_infinite_compares_without_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert compare(*_rows({"x": [math.inf, 1.0]}, {"x": [math.inf, 1.0]}, noise={"x": 0.0}))["status"] == "unchanged"
    assert caught == []


def test_every_status_says_its_rule_in_words():
    record, baseline = _rows({"x": 1.0}, {"x": 1.0}, version=(3, 4), offsets=(2, 5))
    assert compare({**record, "verdict": "error"}, baseline)["rule"] == ""
    assert compare(record, None)["rule"] == "no baseline row: compared with nothing"
    assert compare(record, baseline)["rule"] == "definition changed (version 3 → 4): compared with nothing"
    baseline["version"] = 4
    assert compare(record, baseline)["rule"] == "the baseline row is of seed offset 2, this run of 5"
    assert (compare(record, {**baseline, "seed_offset": 5, "measured": {}, "verdict": "error"})["rule"]
            == "the baseline row measured nothing: compared with nothing")
    assert (compare(record, {**baseline, "seed_offset": 5})["rule"]
            == RULE + " (no kernel noise measured for this row: accept it with --claims-update)")
    (m,) = compare(*_rows({"x": 1.0}, {"x": math.inf}))["moved"]
    assert m["why"] == "became non-finite or stopped being so"
