"""Invariants of the helpers behind source 001's training and language claims.

The helpers live in the claim files; they are imported from the ``claims``
package under the names pytest collects them by, so their claims register once.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import seeds

from claims import test_001_unigram_language as language
from claims import test_001_unigram_training as training


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20), st.floats(0.0, 1.0))
def test_first_step_at_or_below_is_the_first_hit(gaps, level):
    steps = np.arange(len(gaps)) * 10
    found = training.first_step_at_or_below(steps, gaps, level)
    hits = [s for s, g in zip(steps, gaps) if g <= level]
    assert found == (hits[0] if hits else math.inf)


@given(st.lists(st.integers(-100, 100), min_size=2, max_size=12, unique=True), seeds())
def test_ordered_pair_fraction_counts_agreeing_pairs(values, seed):
    probs = np.random.default_rng(seed).permutation(len(values)) + 1.0  # distinct, in any order
    v = np.asarray(values, dtype=np.float64)
    f = training.ordered_pair_fraction(v, probs)
    assert training.ordered_pair_fraction(np.exp(v / 50) * 3 + 1, probs) == f  # only the order of values matters
    assert math.isclose(f + training.ordered_pair_fraction(-v, probs), 1.0)  # no ties: each pair agrees one way
    assert training.ordered_pair_fraction(probs**2, probs) == 1.0


def test_ordered_pair_fraction_counts_value_ties_as_unordered():
    assert training.ordered_pair_fraction([1.0, 1.0, 0.0], [0.5, 0.3, 0.2]) == 2 / 3


@given(st.floats(0.1, 3.0), st.floats(1e-3, 1e3), seeds())
def test_window_fits_recover_the_exponent_and_ignore_points_outside(beta, scale, seed):
    steps = np.unique(np.round(np.logspace(0, 4, 60)).astype(int))
    inside = (steps >= 100) & (steps <= 1000)
    gaps = scale * steps.astype(float) ** -beta
    gaps = np.stack([gaps, gaps * 2.0], axis=1)
    gaps[~inside] = np.random.default_rng(seed).uniform(1e-6, 1e6, size=(int((~inside).sum()), 2))
    for fit in training.window_fits(steps, gaps, (100, 1000)):
        assert math.isclose(fit.exponent, -beta, rel_tol=1e-9, abs_tol=1e-9)
        assert fit.n_points == int(inside.sum()) and fit.r2 > 1 - 1e-9


@given(st.floats(0.5, 2.5), seeds())
def test_rank_frequency_fits_recover_alpha_in_any_input_order(alpha, seed):
    counts = 1e9 * np.arange(1, 20_001, dtype=float) ** -alpha
    fits = language.rank_frequency_fits(np.random.default_rng(seed).permutation(counts), (10, 10_000))
    assert math.isclose(fits["alpha"], alpha, rel_tol=1e-9)
    assert fits["r2_power_law"] > 1 - 1e-9 > fits["r2_exponential"]


def test_rank_frequency_fits_prefer_the_exponential_for_a_light_tail():
    counts = np.exp(-np.arange(1, 20_001) / 3000.0)
    fits = language.rank_frequency_fits(counts, (10, 10_000))
    assert fits["r2_exponential"] > 1 - 1e-9 > fits["r2_power_law"]
