"""Invariants of the metrics: effective rank, PCA effective dimension (single and batched), power-law fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import ortho_group

from toy_claims.lab.metrics import (
    OTHER_DECAYS, other_decays, zipf_mle_exponent,
    effective_rank,
    effective_rank_from_singular_values,
    local_slopes,
    pca_effective_dimension,
    pca_effective_dimension_batched,
    power_law_fit,
)
from tests.strategies import matrices, seeds


@given(matrices(), st.floats(1e-3, 1e3))
def test_effective_rank_is_scale_invariant(a, c):
    assert np.isclose(effective_rank(c * a), effective_rank(a), rtol=1e-9)


@given(matrices(), seeds())
def test_effective_rank_is_invariant_to_orthogonal_transforms(a, seed):
    n, m = a.shape
    Q1 = ortho_group.rvs(n, random_state=seed) if n > 1 else np.ones((1, 1))
    Q2 = ortho_group.rvs(m, random_state=seed + 1) if m > 1 else np.ones((1, 1))
    assert np.isclose(effective_rank(Q1 @ a @ Q2), effective_rank(a), rtol=1e-9)


@given(matrices())
def test_effective_rank_lies_between_one_and_rank(a):
    r = effective_rank(a)
    assert 1 - 1e-12 <= r <= np.linalg.matrix_rank(a) + 1e-9


@given(st.integers(1, 10), st.integers(0, 5), seeds())
def test_effective_rank_of_k_equal_singular_values_is_k(k, extra, seed):
    n = k + extra
    U = ortho_group.rvs(max(n, 2), random_state=seed)[:n, :k]
    V = ortho_group.rvs(max(k, 2), random_state=seed + 1)[:k, :k]
    assert np.isclose(effective_rank(3.0 * U @ V), k, rtol=1e-9)


def test_effective_rank_weights_singular_values_not_their_squares():
    # σ = (2, 1): Roy–Vetterli uses p = (2/3, 1/3); a variance-based metric would use (4/5, 1/5).
    p = np.array([2 / 3, 1 / 3])
    assert np.isclose(effective_rank(np.diag([2.0, 1.0])), np.exp(-(p * np.log(p)).sum()))


@given(matrices(max_rows=15), st.floats(1e-3, 1e3), seeds())
def test_pca_dimension_ignores_scale_translation_and_rotation(a, c, seed):
    if a.shape[0] < 2:
        return
    m = a.shape[1]
    Q = ortho_group.rvs(m, random_state=seed) if m > 1 else np.ones((1, 1))
    shift = np.random.default_rng(seed).standard_normal(m)
    ref = pca_effective_dimension(a)
    assert np.isclose(pca_effective_dimension(c * a @ Q + shift), ref, rtol=1e-8)
    assert 1 - 1e-12 <= ref <= min(a.shape[0] - 1, m) + 1e-9


def test_pca_dimension_of_k_equal_variance_directions_is_k():
    k = 4
    points = np.concatenate([np.eye(k), -np.eye(k)]) @ ortho_group.rvs(7, random_state=0)[:k]  # 2k points, 7-D
    assert np.isclose(pca_effective_dimension(points), k)


@given(seeds(), st.integers(1, 3), st.integers(1, 3), st.integers(1, 12), st.integers(1, 8))
def test_effective_rank_from_singular_values_is_batched_effective_rank(seed, B, K, V, D):
    a = np.random.default_rng(seed).standard_normal((B, K, V, D))
    s = np.linalg.svd(a, compute_uv=False)  # (B, K, min(V, D))
    batched = effective_rank_from_singular_values(s)
    from_torch = effective_rank_from_singular_values(torch.from_numpy(s))
    assert batched.shape == from_torch.shape == (B, K)
    for b, k in np.ndindex(B, K):
        assert np.isclose(batched[b, k], effective_rank(a[b, k]), rtol=1e-12)
        assert effective_rank_from_singular_values(s[b, k]) == batched[b, k]  # a float for one spectrum
    assert np.allclose(from_torch.numpy(), batched, rtol=1e-12)


def test_effective_rank_from_singular_values_ignores_zeros_and_scale():
    assert effective_rank_from_singular_values(np.array([2.0, 1.0, 0.0, 0.0])) == pytest.approx(
        effective_rank_from_singular_values(np.array([6.0, 3.0])), rel=1e-12)
    assert float(effective_rank_from_singular_values(torch.tensor([[1.0, 1.0, 0.0]], dtype=torch.float64))) == 2.0


@given(seeds(), st.integers(1, 3), st.integers(2, 12), st.integers(1, 6))
def test_pca_dimension_batched_is_the_single_matrix_metric(seed, K, V, D):
    g = torch.Generator().manual_seed(seed)
    tables = torch.randn(K, V, D, generator=g, dtype=torch.float64)
    batched = pca_effective_dimension_batched(tables)
    shifted = pca_effective_dimension_batched(tables + torch.randn(K, 1, D, generator=g, dtype=torch.float64))
    from_numpy = pca_effective_dimension_batched(tables.numpy())
    for k in range(K):
        assert np.isclose(float(batched[k]), pca_effective_dimension(tables[k]), rtol=1e-9)
    assert torch.allclose(batched, shifted, rtol=1e-9)  # PCA centres the rows: a common shift changes nothing
    assert np.allclose(from_numpy, batched.numpy(), rtol=1e-9)
    assert bool(((batched >= 1 - 1e-12) & (batched <= min(V - 1, D) + 1e-9)).all())


@given(st.floats(0.05, 3) | st.floats(-3, -0.05), st.floats(0.1, 10))
def test_power_law_fit_recovers_an_exact_power_law(exponent, prefactor):
    x = np.arange(1, 21, dtype=float)
    fit = power_law_fit(x, prefactor * x**exponent)
    assert np.isclose(fit.exponent, exponent, atol=1e-9) and np.isclose(fit.prefactor, prefactor, rtol=1e-9)
    assert fit.r2 > 1 - 1e-9 and fit.ci_high - fit.ci_low < 1e-6


def test_power_law_ci_covers_truth_at_its_nominal_rate():
    rng = np.random.default_rng(0)
    x = np.arange(1, 31, dtype=float)
    covered = 0
    for _ in range(400):
        fit = power_law_fit(x, 2 * x**-1.0 * np.exp(0.2 * rng.standard_normal(x.size)))
        covered += fit.ci_low <= -1.0 <= fit.ci_high
    assert 0.92 <= covered / 400 <= 0.98  # 95% nominal; binomial sd ≈ 1.1%


def test_local_slopes_of_a_power_law_are_constant():
    x = np.array([1.0, 2.0, 5.0, 10.0])
    assert np.allclose(local_slopes(x, x**-1.5), -1.5)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: effective_rank(np.zeros((3, 3))), "matrix"),
        (lambda: effective_rank(np.array([[np.nan, 1.0]])), "matrix"),
        (lambda: effective_rank(np.ones(3)), "matrix"),
        (lambda: power_law_fit([1, 2], [1, 2]), "x"),
        (lambda: power_law_fit([1, 2, 3], [1, 0, 2]), "x, y"),
        (lambda: power_law_fit([1, 2, 3], [1, 2, 3], confidence=1.5), "confidence"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@given(st.integers(1, 5), st.integers(3, 60), st.floats(1.5, 1e3), st.floats(1e-3, 1.0))
def test_other_decays_pass_through_both_ends_and_are_straight_on_their_own_axes(first, n, ratio, end):
    """An exponential is a line in log y against x, a stretched exponential in log y against √x: a mix-up of the two
    axes, or of the ends, breaks one of these."""
    x = np.arange(first, first + n, dtype=float)
    planted = other_decays(x, end * ratio, end)
    assert list(planted) == list(OTHER_DECAYS)
    for name, u in zip(OTHER_DECAYS, (x, np.sqrt(x))):
        y = planted[name]
        np.testing.assert_allclose([y[0], y[-1]], [end * ratio, end], rtol=1e-9)
        assert np.all(np.diff(y) < 0)
        np.testing.assert_allclose(np.diff(np.log(y)) / np.diff(u), np.log(1 / ratio) / (u[-1] - u[0]), rtol=1e-6)


def test_other_decays_refuse_what_is_not_a_decay():
    with pytest.raises(ValueError, match="start, end must be finite with start > end > 0"):
        other_decays([1.0, 2.0, 3.0], 1.0, 2.0)
    with pytest.raises(ValueError, match="x must be a 1-D increasing array"):
        other_decays([2.0, 1.0], 2.0, 1.0)


@given(st.floats(0.3, 3.0), st.integers(1, 50), st.integers(20, 400))
def test_zipf_mle_recovers_the_exponent_of_exact_zipf_counts_over_any_rank_window(s, first, n):
    """Exact counts ∝ r^-s are the likelihood's fixed point; a least-squares slope, an unweighted mean or a wrong
    normaliser (summed outside the window) would miss it."""
    r = np.arange(first, first + n, dtype=float)
    assert zipf_mle_exponent(r, 1e6 * r ** -s) == pytest.approx(s, abs=1e-6)


def test_zipf_mle_weights_ranks_by_their_counts_unlike_the_log_log_slope():
    """Counts ∝ r^-1 with the tail's counts halved: the slope over log ranks sees a bend, the likelihood barely."""
    r = np.arange(1.0, 1001.0)
    c = 1e6 / r
    c[500:] /= 2
    assert abs(zipf_mle_exponent(r, c) - 1) < abs(-power_law_fit(r, c).exponent - 1)
