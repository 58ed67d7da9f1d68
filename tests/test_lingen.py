"""Lingen: regression weights, the weighted-logit generator, and exactness on an ISAN."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

from toy_claims.lab.lingen import fit_lingen, fit_single_token, lingen_kl, lingen_log_prob_fn, regression_weights
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.isan import ISAN
from tests.strategies import seeds



def _isan_problem(seed: int = 0):
    """V - 1 = 3 < d + 1 = 7: the next-token matrix alone cannot pin the state down."""
    isan = ISAN(V=4, d=6, seed=seed)
    g = torch.Generator().manual_seed(seed)
    basis = torch.randint(0, isan.V, (20, 5), generator=g)
    futures = torch.randint(0, isan.V, (10, 3), generator=g)
    targets = torch.randint(0, isan.V, (3, 7), generator=g)  # longer than the basis: unseen states
    return isan, basis, futures, targets


@pytest.mark.parametrize("top_k", [None, 2])
def test_lingen_reproduces_an_isan_exactly(top_k):
    """The target's row lies in the span of the basis rows, so the weights are an affine
    combination of basis states and Lingen's next-token law equals the model's at every step."""
    isan, basis, futures, targets = _isan_problem()
    weights = fit_lingen(isan.next_token_log_probs, basis, futures, targets, top_k=top_k)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(len(targets), dtype=torch.float64))
    g = torch.Generator().manual_seed(1)
    for target, v in zip(targets, weights):
        kl = lingen_kl(isan.next_token_log_probs, basis, v, target, length=6, n_samples=16, generator=g)
        assert kl.shape == (16, 6)
        assert kl.abs().max() < 1e-10


def test_single_token_baseline_derails_after_the_first_token():
    """Regressing next-token logits only matches step 1 exactly but not later steps when
    V - 1 < d + 1: the extended matrix is what carries the state."""
    isan, basis, _, targets = _isan_problem()
    weights = fit_single_token(isan.next_token_log_probs, basis, targets[:1])
    kl = lingen_kl(isan.next_token_log_probs, basis, weights[0], targets[0], length=4, n_samples=32,
                   generator=torch.Generator().manual_seed(1)).mean(dim=0)
    assert kl[0] < 1e-10
    assert (kl[1:] > 1e-3).all()


@settings(max_examples=10, deadline=None)
@given(seed=seeds())
def test_one_hot_weights_give_the_model_conditioned_on_that_basis_history(seed):
    """With v = e_i Lingen is exactly Pr[· | basis_i ∘ continuation] (checks the pairing of
    basis histories with continuations), and its KL to the model given basis_i is 0."""
    lang = HiddenMarkovLanguage(V=5, hidden_states=3, seed=seed % 1000)
    g = torch.Generator().manual_seed(seed)
    basis = lang.sample(4, 3, g)
    continuations = lang.sample(6, 2, g)
    i = 2
    q = lingen_log_prob_fn(lang.next_token_log_probs, basis, torch.eye(4, dtype=torch.float64)[i])
    expected = lang.next_token_log_probs(torch.cat([basis[i].expand(6, -1), continuations], dim=1))
    torch.testing.assert_close(q(continuations), expected)
    kl = lingen_kl(lang.next_token_log_probs, basis, torch.eye(4)[i], basis[i], 3, 4, g)
    assert kl.abs().max() < 1e-12


def test_regression_recovers_known_weights_and_ridge_shrinks_them():
    g = torch.Generator().manual_seed(0)
    basis = torch.randn(5, 40, generator=g, dtype=torch.float64)  # full row rank
    v = torch.randn(2, 5, generator=g, dtype=torch.float64)
    torch.testing.assert_close(regression_weights(basis, v @ basis), v)
    assert regression_weights(basis, v @ basis, ridge=10.0).norm() < v.norm()
    with pytest.raises(ValueError, match="ridge"):
        regression_weights(basis, v @ basis, ridge=-1.0)
