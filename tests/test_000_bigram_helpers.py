"""Invariants of the helpers that source 000's claim files define (claims/test_000_bigram*.py).

The helpers live in the claim files (they are specific to those claims); this
module imports them from the ``claims`` package and checks properties that a
wrong implementation would break.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from models.datasets import LowRankBigram

from claims import test_000_bigram as bigram
from claims import test_000_bigram_language as language


@settings(deadline=None, max_examples=20)
@given(V=st.integers(4, 30), R=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_residual_outside_top_subspace(V, R, seed):
    data = LowRankBigram(V=V, R=R, seed=seed)
    residuals = np.array([bigram._residual_outside_top_subspace(data, n) for n in range(0, R + 1)])
    assert (residuals >= 0).all()
    assert (np.diff(residuals, axis=0) <= 1e-9).all()  # a larger subspace never leaves a row further out
    centred = data.logits.numpy() - data.logits.numpy().mean(axis=1, keepdims=True)
    assert np.allclose(residuals[0], np.linalg.norm(centred, axis=1))  # width 0: the whole row
    assert residuals[R].max() <= 1e-9 * max(1.0, residuals[0].max())  # rank ≤ R: nothing left at width R


def _sweep(gaps: np.ndarray, arms) -> object:
    steps = (0, 8, 10)
    return bigram.Sweep(LowRankBigram(V=4, R=2), tuple(arms), steps, gaps, np.zeros((len(arms), 4)))


def test_sweep_best_worst_and_plateau_select_by_variant_and_width():
    Arm = bigram.Arm
    arms = [Arm(bigram.MAIN, 1, 0), Arm(bigram.MAIN, 1, 1), Arm(bigram.MAIN, 2, 0), Arm(bigram.SLOW_LR, 1, 0)]
    gaps = np.array([[9.0, 9.0, 9.0, 9.0],
                     [4.0, 2.2, 1.0, 0.1],   # step 8 = 80% of 10
                     [3.0, 2.0, 0.5, 0.05]])
    sw = _sweep(gaps, arms)
    assert sw.best(1) == 2.0 and sw.worst(1) == 3.0  # the two main inits of width 1, not the lr-0.01 member
    assert sw.best(1, bigram.SLOW_LR) == 0.05
    assert sw.best(1, step=8) == 2.2
    assert sw.plateau(1) == pytest.approx((2.2 - 2.0) / 2.0)


@settings(deadline=None, max_examples=20)
@given(V=st.integers(2, 12), seed=st.integers(0, 2**31 - 1))
def test_truncations_are_the_best_low_rank_approximations(V, seed):
    M = torch.randn(V, V, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    ranks = tuple(range(1, V + 1))
    T = language._truncations(M, ranks)
    s = torch.linalg.svdvals(M)
    for r, Mr in zip(ranks, T):
        assert torch.linalg.matrix_rank(Mr) <= r
        # Eckart–Young: the Frobenius error of the best rank-r approximation is the tail of the spectrum
        assert torch.linalg.norm(M - Mr) == pytest.approx(float(s[r:].pow(2).sum().sqrt()), abs=1e-9)
    assert torch.allclose(T[-1], M, atol=1e-10)


def test_a_diverged_member_makes_the_judged_gap_nan():
    Arm = bigram.Arm
    arms = [Arm(bigram.MAIN, 1, 0), Arm(bigram.MAIN, 1, 1), Arm(bigram.MAIN, 2, 0)]
    gaps = np.array([[1.0, 1.0, 1.0], [0.5, 0.4, 0.1], [np.nan, 0.3, 0.1]])
    sw = _sweep(gaps, arms)
    for pick in (np.min, np.max):  # whatever the order, a NaN must reach the verdict (an 'error', never a pass)
        assert np.isnan(bigram._relative([sw], (1, 2), pick)).all()
        assert np.isnan(bigram._relative([sw], (2, 1), pick)).all()
