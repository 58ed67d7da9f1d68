"""Invariants of the exact datasets: normalisation, stationarity, entropy bounds, rank, sampling, exact losses."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from toy_claims.models.datasets import LowRankBigram, ZipfUnigram, power_law_rank_weights
from tests.strategies import bigram_configs, zipf_configs

FALSE_ALARM = 1e-4  # per chi-square test below


@given(bigram_configs())
def test_transition_rows_sum_to_one(data):
    P = data.transition
    assert (P >= 0).all()
    assert torch.allclose(P.sum(1), torch.ones(data.V, dtype=torch.float64), atol=1e-12)


@given(bigram_configs())
def test_stationary_distribution_is_a_fixed_point(data):
    pi = data.stationary
    assert (pi >= 0).all() and abs(float(pi.sum()) - 1) < 1e-12
    assert float((pi @ data.transition - pi).abs().max()) <= 1e-12


@given(bigram_configs())
def test_optimal_loss_between_zero_and_log_v(data):
    assert -1e-12 <= data.optimal_loss <= math.log(data.V) + 1e-12


@given(bigram_configs(max_scale=3.0), st.floats(1.0, 4.0))
def test_row_entropy_non_increasing_in_logit_scale(data, factor):
    sharper = LowRankBigram(data.V, data.R, data.rank_weights, data.logit_scale * factor, data.seed)
    assert (sharper.row_entropies <= data.row_entropies + 1e-12).all()


@given(bigram_configs())
def test_row_centred_log_transition_has_rank_at_most_r(data):
    log_p = torch.log(data.transition)
    centred = log_p - log_p.mean(dim=1, keepdim=True)
    s = torch.linalg.svdvals(centred)
    numerical_rank = int((s > 1e-9 * max(float(s[0]), 1.0)).sum())
    assert numerical_rank <= data.R


def test_stationary_solved_where_power_iteration_stalls():
    data = LowRankBigram(V=50, R=5, logit_scale=8.0, seed=1)
    pi, P = data.stationary, data.transition
    power = torch.full((50,), 1 / 50, dtype=torch.float64)
    for _ in range(100):
        power = power @ P
    assert float((pi @ P - pi).abs().max()) <= 1e-12
    assert float((power @ P - power).abs().max()) > 1e-10  # 100 power iterations are not enough here


@pytest.mark.parametrize("seed", [0, 1])
def test_sampler_matches_pi_and_transition(seed):
    """Chi-square goodness of fit of x against π and of y | x against P[x], each at FALSE_ALARM."""
    data = LowRankBigram(V=8, R=3, logit_scale=1.5, seed=seed)
    n = 200_000
    x, y = data.sample(n, torch.Generator().manual_seed(seed))
    counts_x = torch.bincount(x, minlength=8).numpy()
    assert stats.chisquare(counts_x, n * data.stationary.numpy()).pvalue > FALSE_ALARM
    for token in range(8):
        ys = y[x == token]
        counts_y = torch.bincount(ys, minlength=8).numpy()
        assert stats.chisquare(counts_y, len(ys) * data.transition[token].numpy()).pvalue > FALSE_ALARM / 8


def test_zipf_sampler_draws_x_and_y_independently_from_p():
    data = ZipfUnigram(V=6, alpha=1.2)
    n = 100_000
    x, y = data.sample(n, torch.Generator().manual_seed(0))
    joint = torch.zeros(6, 6)
    joint.index_put_((x, y), torch.ones(n), accumulate=True)
    expected = n * torch.outer(data.probs, data.probs).numpy()
    assert stats.chisquare(joint.numpy().ravel(), expected.ravel()).pvalue > FALSE_ALARM


@given(zipf_configs())
def test_zipf_entropy_equals_direct_sum(data):
    p = data.probs
    assert abs(data.entropy - float(-(p * torch.log(p)).sum())) < 1e-10


@given(st.integers(2, 500), st.floats(0.0, 3.0), st.floats(0.01, 1.0))
def test_zipf_entropy_falls_as_alpha_grows(V, alpha, step):
    assert ZipfUnigram(V, alpha + step).entropy < ZipfUnigram(V, alpha).entropy


def test_zipf_alpha_zero_is_uniform():
    assert abs(ZipfUnigram(37, 0.0).entropy - math.log(37)) < 1e-12


@given(bigram_configs(max_V=12), st.integers(0, 2**31 - 1))
@settings(max_examples=25)
def test_gap_is_kl_and_equals_loss_minus_optimum(data, seed):
    logits = torch.randn(3, data.V, data.V, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    gap = data.loss_gap(logits)
    assert (gap >= -1e-15).all()
    assert torch.allclose(gap, data.expected_cross_entropy(logits) - data.optimal_loss, atol=1e-10)
    assert float(data.loss_gap(torch.log(data.transition))) < 1e-13
    assert torch.allclose((data.per_input_loss_gap(logits) * data.stationary).sum(-1), gap, atol=1e-13)


@pytest.mark.parametrize("data", [ZipfUnigram(20, 1.0), LowRankBigram(20, 4, seed=2)], ids=["zipf", "bigram"])
def test_sampled_loss_agrees_with_exact_within_standard_error(data):
    logits = torch.randn(data.V, data.V, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x, y = data.sample(400_000, torch.Generator().manual_seed(6))
    losses = torch.nn.functional.cross_entropy(logits[x], y, reduction="none").numpy()
    stderr = losses.std(ddof=1) / math.sqrt(losses.size)
    assert abs(losses.mean() - float(data.expected_cross_entropy(logits))) < 4 * stderr  # false alarm ~6e-5


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: ZipfUnigram(1), "V"),
        (lambda: ZipfUnigram(10, -0.5), "alpha"),
        (lambda: ZipfUnigram(10, float("nan")), "alpha"),
        (lambda: LowRankBigram(10, 0), "R"),
        (lambda: LowRankBigram(10, 11), "R"),
        (lambda: LowRankBigram(10, 3, logit_scale=-1.0), "logit_scale"),
        (lambda: LowRankBigram(10, 3, rank_weights=(1.0, 2.0)), "rank_weights"),
        (lambda: LowRankBigram(10, 3, rank_weights=(1.0, -2.0, 1.0)), "rank_weights"),
        (lambda: ZipfUnigram(10).sample(0, torch.Generator()), "n"),
        (lambda: ZipfUnigram(10).loss_gap(torch.zeros(9, 9)), "logits"),
    ],
)
def test_bad_parameters_name_themselves(build, name):
    with pytest.raises(ValueError, match=name):
        build()


def test_rank_weights_scale_the_logit_directions():
    base = LowRankBigram(12, 3, seed=4)
    doubled = LowRankBigram(12, 3, rank_weights=(2.0, 2.0, 2.0), seed=4)
    zero_last = LowRankBigram(12, 3, rank_weights=(1.0, 1.0, 0.0), seed=4)
    assert torch.allclose(doubled.logits, 2 * base.logits)
    assert int((torch.linalg.svdvals(zero_last.logits) > 1e-9).sum()) == 2
    assert np.isclose(LowRankBigram(12, 3, logit_scale=2.0, seed=4).logits, 2 * base.logits).all()


@given(R=st.integers(1, 40), alpha=st.floats(0.05, 4.0))
def test_power_law_rank_weights_keep_the_logit_scale_and_decay_as_a_power_law(R, alpha):
    w = np.array(power_law_rank_weights(R, alpha))
    assert w.shape == (R,)
    assert np.mean(w**2) == pytest.approx(1.0, rel=1e-12)  # the Λ knob must not move the scale knob
    n = np.arange(1, R + 1)
    assert np.allclose(w[0] / w, n**alpha, rtol=1e-9)
    assert LowRankBigram(V=max(R, 2), R=R, rank_weights=power_law_rank_weights(R, alpha)).rank_weights == tuple(w)


def test_power_law_rank_weights_identity_is_none():
    assert power_law_rank_weights(20, 0.0) is None  # LowRankBigram's own default, so α = 0 is the post's dataset


@pytest.mark.parametrize(("R", "alpha", "name"), [(0, 1.0, "R"), (2.0, 1.0, "R"), (3, -1.0, "alpha"), (3, math.inf, "alpha")])
def test_power_law_rank_weights_reject_bad_input(R, alpha, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        power_law_rank_weights(R, alpha)
