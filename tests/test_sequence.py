"""Tiny transformer and GRU: causality, normalisation, the BOS convention, seeded init."""

from __future__ import annotations

import pytest
import torch

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
