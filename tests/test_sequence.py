"""Tiny transformer and GRU: causality, normalisation, the BOS convention, seeded init."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import seeds, token_batches
from toy_claims.lab.logit_matrix import pair_log_probs
from toy_claims.models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig


V = 7


def _models(seed: int = 0):
    return [Transformer(TransformerConfig(vocab_size=V, block_size=8), seed=seed),
            GRULanguageModel(GRUConfig(vocab_size=V, d_hidden=16), seed=seed)]


@pytest.mark.parametrize("model", _models(), ids=["transformer", "gru"])
def test_logits_at_a_position_ignore_later_tokens(model):
    """Causality: changing token t leaves the logits at positions < t unchanged."""
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, V, (4, 8), generator=g)
    changed = idx.clone()
    changed[:, 5] = (changed[:, 5] + 1) % V
    with torch.no_grad():
        a, b = model(idx), model(changed)
    assert a.shape == (4, 8, V)
    torch.testing.assert_close(a[:, :5], b[:, :5], rtol=0, atol=0)
    assert not torch.allclose(a[:, 5:], b[:, 5:])


@pytest.mark.parametrize("model", _models(), ids=["transformer", "gru"])
def test_sequence_log_prob_is_the_chain_rule_from_bos(model):
    """log Pr[z_1..z_t] = Σ_s log Pr[z_s | z_<s], starting from the empty prefix, and the
    empty sequence has log-probability 0."""
    idx = torch.randint(0, V, (3, 6), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        chain = sum(model.next_token_log_probs(idx[:, :s]).gather(1, idx[:, s : s + 1])[:, 0] for s in range(6))
        torch.testing.assert_close(model.sequence_log_prob(idx), chain, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(model.next_token_log_probs(idx).exp().sum(dim=1), torch.ones(3))
        assert torch.equal(model.sequence_log_prob(idx[:, :0]), torch.zeros(3))


def test_initialisation_is_a_function_of_the_seed():
    for a, b, c in zip(_models(3), _models(3), _models(4)):
        pa, pb, pc = (torch.cat([p.flatten() for p in m.parameters()]) for m in (a, b, c))
        assert torch.equal(pa, pb) and not torch.equal(pa, pc)


def test_transformer_rejects_prefixes_longer_than_its_context():
    model = _models()[0]
    with pytest.raises(ValueError, match="^prefixes length must be <= block_size - 1"):
        model.next_token_log_probs(torch.zeros(1, 8, dtype=torch.long))  # BOS makes 9 > block_size


@pytest.mark.parametrize("kwargs, name", [({"n_head": 3}, "n_head"), ({"d_model": 0}, "d_model")])
def test_bad_transformer_config_raises_naming_the_field(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        TransformerConfig(**kwargs)


def _float64_models(draw_seed: int, n_layer: int, n_head: int):
    return [Transformer(TransformerConfig(vocab_size=V, block_size=12, n_layer=n_layer, n_head=n_head, d_model=8),
                        seed=draw_seed).double(),
            GRULanguageModel(GRUConfig(vocab_size=V, d_embed=4, d_hidden=6, n_layer=n_layer), seed=draw_seed).double()]


@settings(max_examples=25, deadline=None)
@given(seed=seeds(), n_layer=st.integers(1, 2), n_head=st.sampled_from([1, 2]), histories=token_batches(V, 5, 6),
       futures=token_batches(V, 5, 5), batch_size=st.integers(1, 12))
def test_prefix_cached_table_equals_one_forward_per_pair(seed, n_layer, n_head, histories, futures, batch_size):
    """continuation_log_probs (each history run once, its futures continued from its cached keys and values or GRU
    state) equals next_token_log_probs of every concatenation h∘f, in float64 to rounding; empty histories and futures
    and chunks that split a history's futures included. A cache read at a wrong position or a wrong pair fails it."""
    for model in _float64_models(seed, n_layer, n_head):
        cached = model.continuation_log_probs(histories, futures, batch_size=batch_size)
        plain = pair_log_probs(model.next_token_log_probs, histories, futures)
        assert cached.shape == (len(histories), len(futures), V) and cached.dtype == torch.float64
        torch.testing.assert_close(cached, plain, rtol=0, atol=1e-12)


def test_prefix_cached_table_in_float32_is_the_plain_one_to_float32_rounding():
    """The claims' case: float32 models, 8-token histories and 4-token futures, one chunk holding several histories."""
    g = torch.Generator().manual_seed(0)
    histories, futures = torch.randint(0, V, (6, 8), generator=g), torch.randint(0, V, (5, 4), generator=g)
    for model in (Transformer(TransformerConfig(vocab_size=V, block_size=16)), GRULanguageModel(GRUConfig(vocab_size=V))):
        cached = model.continuation_log_probs(histories, futures, batch_size=10)
        torch.testing.assert_close(cached, pair_log_probs(model.next_token_log_probs, histories, futures),
                                   rtol=0, atol=1e-5)
