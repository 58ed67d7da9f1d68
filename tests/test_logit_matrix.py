"""Extended logit matrix construction and the linear algebra that reads it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from toy_claims.lab.logit_matrix import (
    centred_log_probs,
    extended_logit_matrix,
    logit_matrix_from_log_probs,
    nonsense_futures,
    numerical_rank,
    principal_angle_cosines,
    random_subspace_cosines,
    sample_sequences,
    singular_values,
)
from toy_claims.models.hmm import HiddenMarkovLanguage
from tests.strategies import seeds



def _setup(seed: int = 0, n_h: int = 6, n_f: int = 4):
    lang = HiddenMarkovLanguage(V=7, hidden_states=3, seed=seed)
    g = torch.Generator().manual_seed(seed)
    return lang, lang.sample(n_h, 4, g), lang.sample(n_f, 2, g)


def test_entries_are_mean_centred_log_probs_of_history_then_future():
    """Entry [h, f*V + z] is log Pr[z | h∘f] - mean_z log Pr[· | h∘f], computed one pair at a time."""
    lang, H, F = _setup()
    L = extended_logit_matrix(lang.next_token_log_probs, H, F)
    assert L.values.shape == (len(H), len(F) * lang.V)
    for i, h in enumerate(H):
        for f_idx, f in enumerate(F):
            log_p = lang.next_token_log_probs(torch.cat([h, f])[None])[0]
            block = L.values[i, f_idx * lang.V : (f_idx + 1) * lang.V]
            torch.testing.assert_close(block, log_p - log_p.mean(), rtol=0, atol=1e-12)
    assert torch.equal(L.tokens, torch.arange(lang.V).expand(len(F), -1))


def test_top_k_columns_are_one_token_set_per_future_shared_by_all_rows():
    """L_{M,k}: the k tokens of largest mean log-prob over histories, the same for every row,
    and the columns are exactly those of the full matrix; reusing ``tokens`` on new rows
    gives the same columns."""
    lang, H, F = _setup(n_h=10)
    k = 3
    full = centred_log_probs(lang.next_token_log_probs, H, F)  # (|H|, |F|, V)
    L = extended_logit_matrix(lang.next_token_log_probs, H, F, top_k=k)
    assert L.values.shape == (len(H), len(F) * k) and L.tokens.shape == (len(F), k)
    mean_scores = full.mean(dim=0)  # (|F|, V)
    for f_idx in range(len(F)):
        chosen = mean_scores[f_idx, L.tokens[f_idx]]
        assert chosen.min() >= mean_scores[f_idx].topk(k).values.min()
        torch.testing.assert_close(L.values[:, f_idx * k : (f_idx + 1) * k], full[:, f_idx, L.tokens[f_idx]])
    again = extended_logit_matrix(lang.next_token_log_probs, H[:4], F, tokens=L.tokens)
    torch.testing.assert_close(again.values, L.values[:4])


def test_full_matrix_blocks_sum_to_zero_over_tokens():
    lang, H, F = _setup()
    L = extended_logit_matrix(lang.next_token_log_probs, H, F)
    sums = L.values.reshape(len(H), len(F), lang.V).sum(dim=2)
    torch.testing.assert_close(sums, torch.zeros_like(sums), rtol=0, atol=1e-12)


def test_empty_future_gives_the_next_token_matrix():
    """F = {()} reduces L_M to the centred next-token log-probs of the histories."""
    lang, H, _ = _setup()
    L = extended_logit_matrix(lang.next_token_log_probs, H, torch.empty(1, 0, dtype=torch.long))
    log_p = lang.next_token_log_probs(H)
    torch.testing.assert_close(L.values, log_p - log_p.mean(dim=1, keepdim=True))


def test_bad_top_k_is_rejected():
    lang, H, F = _setup()
    with pytest.raises(ValueError, match="top_k"):
        extended_logit_matrix(lang.next_token_log_probs, H, F, top_k=lang.V + 1)


@settings(max_examples=25, deadline=None)
@given(dim=st.integers(2, 30), data=st.data(), seed=seeds())
def test_principal_angles_see_column_spaces_not_bases(dim, data, seed):
    """A subspace against itself, or against a re-mixed basis of itself, has all cosines 1;
    against its orthogonal complement all cosines are 0."""
    rank = data.draw(st.integers(1, dim // 2))
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(dim, rank, generator=g, dtype=torch.float64)
    mix = torch.randn(rank, rank, generator=g, dtype=torch.float64) + 3 * torch.eye(rank, dtype=torch.float64)
    ones = torch.ones(rank, dtype=torch.float64)
    torch.testing.assert_close(principal_angle_cosines(A, A, rank), ones)
    torch.testing.assert_close(principal_angle_cosines(A, A @ mix, rank), ones)
    Q = torch.linalg.qr(A, mode="complete").Q  # (dim, dim); last columns span A's complement
    complement = Q[:, rank : 2 * rank]
    torch.testing.assert_close(principal_angle_cosines(A, complement, rank), torch.zeros(rank, dtype=torch.float64),
                               rtol=0, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(2, 12), extra=st.integers(0, 30), data=st.data(), seed=seeds())
def test_wide_and_tall_matrices_give_the_plain_svd_spectrum_and_subspaces(rows, extra, data, seed):
    """Singular values and top left singular spaces agree with a plain SVD (numpy's) whatever the shape: a wide matrix
    goes through its QR factor first, which a transposed factor or a dropped column would break."""
    cols = rows + extra if data.draw(st.booleans()) else max(1, rows - extra)
    rank = data.draw(st.integers(1, min(rows, cols)))
    g = torch.Generator().manual_seed(seed)
    A, B = (torch.randn(rows, cols, generator=g, dtype=torch.float64) for _ in range(2))
    np.testing.assert_allclose(singular_values(A).numpy(), np.linalg.svd(A.numpy(), compute_uv=False), rtol=1e-10,
                               atol=1e-12)
    U_a, U_b = (np.linalg.svd(M.numpy(), full_matrices=False)[0][:, :rank] for M in (A, B))
    np.testing.assert_allclose(principal_angle_cosines(A, B, rank).numpy(),
                               np.clip(np.linalg.svd(U_a.T @ U_b, compute_uv=False), 0, 1), atol=1e-9)


def test_random_subspace_baseline_is_far_from_aligned():
    """Chance level: rank-5 random subspaces of R^100 overlap little (E[cos^2] per direction
    is about 5/100), which is what measured cosines near 1 must beat."""
    g = torch.Generator().manual_seed(0)
    cos = torch.stack([random_subspace_cosines(100, 5, g) for _ in range(20)])
    assert ((cos >= 0) & (cos <= 1)).all()
    assert (cos.diff(dim=1) <= 0).all()  # descending
    assert cos.mean() < 0.3


@settings(max_examples=20, deadline=None)
@given(rank=st.integers(1, 5), seed=seeds())
def test_numerical_rank_of_a_product_is_its_inner_dimension(rank, seed):
    g = torch.Generator().manual_seed(seed)
    M = torch.randn(20, rank, generator=g, dtype=torch.float64) @ torch.randn(rank, 15, generator=g,
                                                                              dtype=torch.float64)
    assert numerical_rank(M) == rank
    assert numerical_rank(torch.zeros(3, 4)) == 0


def test_sample_sequences_continues_given_prefixes_and_is_reproducible():
    lang = HiddenMarkovLanguage(V=5)
    prefixes = torch.tensor([[0, 1], [2, 3], [4, 4]])
    runs = [sample_sequences(lang.next_token_log_probs, 3, 4, torch.Generator().manual_seed(5), prefixes)
            for _ in range(2)]
    assert runs[0].shape == (3, 4) and torch.equal(runs[0], runs[1])
    assert sample_sequences(lang.next_token_log_probs, 2, 0, torch.Generator()).shape == (2, 0)


def test_nonsense_futures_are_uniform_over_the_vocabulary():
    futures = nonsense_futures(4, 2000, 5, torch.Generator().manual_seed(0))
    assert futures.shape == (2000, 5) and futures.min() >= 0 and futures.max() < 4
    freq = torch.bincount(futures.flatten(), minlength=4) / futures.numel()
    assert (freq - 0.25).abs().max() < 0.02  # 10,000 draws: sd of each frequency is 0.004


def test_a_matrix_from_a_models_own_table_of_log_probs_is_the_one_extended_logit_matrix_builds():
    lang = HiddenMarkovLanguage(V=6, hidden_states=3, seed=0)
    g = torch.Generator().manual_seed(0)
    H, F = lang.sample(5, 3, g), lang.sample(4, 2, g)
    pairs = torch.cat([H.repeat_interleave(4, dim=0), F.repeat(5, 1)], dim=1)
    table = lang.next_token_log_probs(pairs).reshape(5, 4, -1)  # (|H|, |F|, V)
    for kwargs in ({}, {"top_k": 3}):
        expected = extended_logit_matrix(lang.next_token_log_probs, H, F, **kwargs)
        got = logit_matrix_from_log_probs(table, **kwargs)
        assert torch.equal(got.values, expected.values) and torch.equal(got.tokens, expected.tokens)
    tokens = expected.tokens.flip(1)
    assert torch.equal(logit_matrix_from_log_probs(table, tokens=tokens).values,
                       extended_logit_matrix(lang.next_token_log_probs, H, F, tokens=tokens).values)
    with pytest.raises(ValueError, match="^log_probs must be an \\(\\|H\\|, \\|F\\|, V\\) tensor"):
        logit_matrix_from_log_probs(table[0])
