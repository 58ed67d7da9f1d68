"""The drift rule: same platform to rounding, another platform within a few seed sd, nothing when redefined."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.drift import SPREAD_UNITS, compare

ENV = {"platform": "here"}


def _rows(old: dict, new: dict, *, version=(1, 1), env=ENV):
    baseline = {"version": version[0], "verdict": "reproduced", "measured": old, "environment": env, "device": "cpu"}
    record = {"version": version[1], "verdict": "reproduced", "measured": new, "device": "cpu"}
    return record, baseline


def test_same_platform_must_match_to_rounding():
    assert compare(*_rows({"x": [1.0, 2.0]}, {"x": [1.0, 2.0]}), ENV)["status"] == "unchanged"
    assert compare(*_rows({"x": [1.0, 2.0]}, {"x": [1.0, 2.0 + 1e-12]}), ENV)["status"] == "unchanged"
    assert compare(*_rows({"x": [1.0, 2.0]}, {"x": [1.0, 2.0 + 1e-6]}), ENV)["status"] == "drifted"


@given(st.floats(0.1, 10), st.floats(0, 2.9), st.floats(3.1, 50))
def test_another_platform_allows_less_than_the_spread_rule_and_not_more(sd, within, beyond):
    old = [5.0 - sd, 5.0, 5.0 + sd]  # sample sd = sd
    other = {"platform": "elsewhere"}
    assert compare(*_rows({"x": old}, {"x": [old[0], old[1] + within * sd, old[2]]}), other)["status"] == "unchanged"
    moved = compare(*_rows({"x": old}, {"x": [old[0], old[1] + beyond * sd, old[2]]}), other)
    assert moved["status"] == "drifted" and moved["moved"][0]["sd_units"] == pytest.approx(beyond, rel=1e-6)
    assert beyond > SPREAD_UNITS


def test_added_removed_nan_and_redefined():
    assert compare(*_rows({"x": 1.0}, {"x": 1.0, "y": 2.0}), ENV)["moved"][0]["why"] == "quantity added"
    assert compare(*_rows({"x": 1.0, "y": 2.0}, {"x": 1.0}), ENV)["moved"][0]["why"] == "quantity removed"
    assert compare(*_rows({"x": None}, {"x": math.nan}), ENV)["status"] == "unchanged"
    assert compare(*_rows({"x": 1.0}, {"x": math.nan}), ENV)["status"] == "drifted"
    assert compare(*_rows({"x": 1.0}, {"x": 9.0}, version=(1, 2)), ENV)["status"] == "redefined"
    assert compare(_rows({}, {"x": 1.0})[0], None, ENV)["status"] == "new"
