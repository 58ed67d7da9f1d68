"""The drift rule: a value changes when it moves by more than max(0.1 seed sd, 10 × kernel noise, 1e-6 relative),
the same on every machine; nothing is compared across definitions or seed offsets."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from toy_claims.harness.drift import ABS_FLOOR, NOISE_FACTOR, REL_FLOOR, SD_FRACTION, compare, describe, kernel_noise, tolerance


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
