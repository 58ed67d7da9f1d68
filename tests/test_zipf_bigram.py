"""Invariants of ``ZipfBigram``: π exactly Zipf and stationary, P stochastic, I(X;Y) at its target, the control."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from scipy import stats

from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.zipf_bigram import ZipfBigram
from tests.strategies import zipf_bigrams

TOL = 1e-12  # float64 rounding of sums over at most a few dozen O(1) terms
FALSE_ALARM = 1e-4  # per chi-square test below


@given(zipf_bigrams())
def test_pi_is_zipf_and_stationary(data):
    pi = data.input_probs
    assert torch.equal(pi, ZipfUnigram(V=data.V, alpha=data.alpha).probs)
    assert float((pi @ data.transition - pi).abs().max()) <= TOL


@given(zipf_bigrams())
def test_rows_of_p_sum_to_one(data):
    P = data.transition
    assert (P >= 0).all()
    assert float((P.sum(dim=1) - 1).abs().max()) <= TOL


@given(zipf_bigrams())
def test_mutual_information_is_non_negative_and_at_its_target(data):
    assert data.mutual_information >= -TOL
    assert abs(data.mutual_information / data.unigram_entropy - data.mi_fraction) <= 1e-9
    assert data.unigram_entropy == pytest.approx(ZipfUnigram(V=data.V, alpha=data.alpha).entropy, abs=TOL)


@given(zipf_bigrams(max_mi_fraction=0.0))
def test_no_structure_is_the_unigram_language(data):
    assert data.beta == 0
    assert torch.equal(data.transition, data.probs.expand(data.V, data.V))
    assert data.optimal_loss == pytest.approx(data.unigram_entropy, abs=TOL)


@given(zipf_bigrams())
def test_unigram_model_is_i_above_the_optimum_and_has_no_x_dependence(data):
    """The best unigram model (every row log π) has gap exactly I and x-dependence 0; log P has gap 0 and x-dependence I."""
    unigram = torch.log(data.probs).expand(data.V, data.V)
    truth = torch.log(data.transition)
    assert float(data.loss_gap(unigram)) == pytest.approx(data.mutual_information, abs=TOL)
    assert abs(float(data.x_dependence(unigram))) <= TOL
    assert abs(float(data.loss_gap(truth))) <= TOL
    assert float(data.x_dependence(truth)) == pytest.approx(data.mutual_information, abs=TOL)


@given(zipf_bigrams())
def test_row_centred_log_p_has_rank_at_most_r_plus_one(data):
    log_p = torch.log(data.transition)
    centred = log_p - log_p.mean(dim=1, keepdim=True)
    assert int(torch.linalg.matrix_rank(centred, rtol=1e-9)) <= data.R + 1


def test_sampler_matches_pi_and_transition():
    """Chi-square goodness of fit of x against π and of y | x against P[x], each at FALSE_ALARM."""
    data = ZipfBigram(V=6, alpha=1.0, R=2, mi_fraction=0.3, seed=3)
    n = 200_000
    x, y = data.sample(n, torch.Generator().manual_seed(0))
    assert stats.chisquare(torch.bincount(x, minlength=6).numpy(), n * data.probs.numpy()).pvalue > FALSE_ALARM
    for token in range(6):
        ys = y[x == token]
        expected = len(ys) * data.transition[token].numpy()
        assert stats.chisquare(torch.bincount(ys, minlength=6).numpy(), expected).pvalue > FALSE_ALARM / 6


@pytest.mark.parametrize("kwargs, name", [
    ({"V": 1}, "V"), ({"V": 4, "alpha": -1.0}, "alpha"), ({"V": 4, "R": 5}, "R"), ({"V": 4, "R": 0}, "R"),
    ({"V": 4, "R": 2, "mi_fraction": 0.9}, "mi_fraction"), ({"V": 4, "R": 2, "mi_fraction": math.nan}, "mi_fraction"),
    ({"V": 4, "R": 2, "seed": -1}, "seed"),
])
def test_bad_parameters_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ZipfBigram(**kwargs)


def test_unreachable_information_is_a_clear_error():
    """V = 2 with a potential that favours the off-diagonal: I(X;Y) / H(π) cannot reach 0.5."""
    with pytest.raises(ValueError, match="mi_fraction must be reachable"):
        ZipfBigram(V=2, alpha=1.0, R=2, mi_fraction=0.5, seed=2).beta
