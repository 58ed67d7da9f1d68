"""ISAN: a proper language, bounded states, and the exact d + 1 rank bound of its logit matrix."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from toy_claims.lab.logit_matrix import batched_log_probs, extended_logit_matrix, numerical_rank
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.isan import ISAN, isan_logit_rank_bound
from toy_claims.models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig
from tests.strategies import isans, seeds, token_batches


RTOL = 1e-9  # numerical rank: singular values above RTOL * largest, all in float64


def _histories_and_futures(V: int, seed: int = 0, n_h: int = 30, n_f: int = 10):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, V, (n_h, 5), generator=g), torch.randint(0, V, (n_f, 2), generator=g)


@settings(max_examples=40, deadline=None)
@given(isan=isans(), data=st.data(), seed=seeds())
def test_logit_matrix_rank_never_exceeds_the_bound(isan, data, seed):
    """For any ISAN, histories, futures (empty ones too) and top-k subset:
    rank L_M(H, F) <= min(d + 1, |H|, columns)."""
    n_h, n_f = data.draw(st.integers(1, 25)), data.draw(st.integers(1, 6))
    t_h, t_f = data.draw(st.integers(0, 6)), data.draw(st.integers(0, 3))
    top_k = data.draw(st.none() | st.integers(1, isan.V))
    g = torch.Generator().manual_seed(seed)
    H, F = torch.randint(0, isan.V, (n_h, t_h), generator=g), torch.randint(0, isan.V, (n_f, t_f), generator=g)
    L = extended_logit_matrix(isan.next_token_log_probs, H, F, top_k=top_k)
    assert numerical_rank(L.values, RTOL) <= min(isan_logit_rank_bound(isan), *L.values.shape)


def test_bound_is_attained_so_the_affine_part_counts():
    """A random ISAN reaches d + 1 exactly: a bound of d (forgetting b and c) would be wrong."""
    isan = ISAN(V=6, d=4, seed=1)
    H, F = _histories_and_futures(isan.V)
    L = extended_logit_matrix(isan.next_token_log_probs, H, F)
    assert numerical_rank(L.values, RTOL) == isan_logit_rank_bound(isan) == isan.d + 1


def test_mean_centring_is_what_removes_the_log_partition():
    """Uncentred log-probs carry one extra nonlinear direction per future: rank is above d + 1
    but at most d + 1 + |F|."""
    isan = ISAN(V=6, d=4, seed=1)
    H, F = _histories_and_futures(isan.V, n_f=3)
    pairs = torch.cat([H.repeat_interleave(len(F), 0), F.repeat(len(H), 1)], dim=1)
    raw = batched_log_probs(isan.next_token_log_probs, pairs).reshape(len(H), -1)
    bound = isan_logit_rank_bound(isan)
    assert bound < numerical_rank(raw, RTOL) <= bound + len(F)


def _hmm(V):
    return HiddenMarkovLanguage(V=V, hidden_states=3).next_token_log_probs


def _transformer(V):
    return Transformer(TransformerConfig(vocab_size=V, block_size=8)).double().next_token_log_probs


def _gru(V):
    return GRULanguageModel(GRUConfig(vocab_size=V)).double().next_token_log_probs


@pytest.mark.parametrize("make_model", [_hmm, _transformer, _gru], ids=["hmm", "transformer", "gru"])
def test_other_models_do_not_obey_the_bound(make_model):
    """On the same H and F, an HMM and randomly initialised networks (in float64) exceed d + 1,
    so the rank test distinguishes an ISAN from them."""
    isan = ISAN(V=6, d=4, seed=1)
    H, F = _histories_and_futures(isan.V)
    L = extended_logit_matrix(make_model(isan.V), H, F)
    assert numerical_rank(L.values, RTOL) > isan_logit_rank_bound(isan)


@settings(max_examples=25, deadline=None)
@given(isan=isans(), seed=seeds())
def test_states_stay_within_the_contraction_bound(isan, seed):
    """||h_t|| <= rho^t ||h_0|| + sum_{i<t} rho^i max||b|| because every A[z] has norm rho."""
    t = 40
    prefixes = torch.randint(0, isan.V, (8, t), generator=torch.Generator().manual_seed(seed))
    rho, b_max = isan.contraction, isan.b.norm(dim=1).max().item()
    bound = rho**t * isan.initial_state.norm().item() + b_max * sum(rho**i for i in range(t))
    assert isan.states(prefixes).norm(dim=1).max().item() <= bound * (1 + 1e-9)
    norms = torch.linalg.matrix_norm(isan.A, ord=2)
    torch.testing.assert_close(norms, torch.full_like(norms, rho))


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_isan_is_a_proper_language(data):
    """Conditionals sum to 1, and sequence probabilities over all V^3 sequences sum to 1."""
    isan = data.draw(isans(max_V=4))
    probs = isan.next_token_log_probs(data.draw(token_batches(isan.V))).exp()
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(len(probs), dtype=torch.float64))
    every = torch.tensor(list(itertools.product(range(isan.V), repeat=3)))
    assert math.isclose(isan.sequence_log_prob(every).exp().sum().item(), 1.0, rel_tol=1e-10)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"V": 1}, "V"),
        ({"d": 0}, "d"),
        ({"contraction": 1.5}, "contraction"),
        ({"contraction": math.nan}, "contraction"),
        ({"logit_scale": -1.0}, "logit_scale"),
        ({"logit_scale": math.inf}, "logit_scale"),
        ({"seed": -3}, "seed"),
    ],
)
def test_bad_parameters_raise_value_error_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        ISAN(**{"V": 5, **kwargs})
