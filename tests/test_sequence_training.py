"""Sequence-model training: exact KL evaluation, reproducibility, learning, frozen checkpoints."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

from toy_claims.lab.sequence_training import _optimizer, per_token_kl, train_sequence_model
from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.sequence import GRUConfig, GRULanguageModel, Transformer, TransformerConfig
from tests.strategies import hmm_languages, seeds


LANG = HiddenMarkovLanguage(V=5, hidden_states=2, seed=0)
EVAL = LANG.sample(64, 6, torch.Generator().manual_seed(1))


def _model(seed: int = 0) -> Transformer:
    return Transformer(TransformerConfig(vocab_size=LANG.V, block_size=8, n_layer=1, n_head=1, d_model=16), seed=seed)


def _train(model, steps: int = 60, data_seed: int = 0, **kwargs):
    return train_sequence_model(model, LANG, steps=steps, optim=OptimizerSpec("adamw", 1e-2, 0.01),
                                schedule=LRSchedule(warmup_steps=5), batch_size=16, seq_len=6,
                                data_seed=data_seed, eval_sequences=EVAL, **kwargs)


@settings(max_examples=15, deadline=None)
@given(lang=hmm_languages(), seed=seeds())
def test_a_language_has_zero_kl_to_itself(lang, seed):
    sequences = lang.sample(8, 4, torch.Generator().manual_seed(seed))
    assert abs(per_token_kl(lang, lang, sequences)) < 1e-12


def test_kl_is_the_average_of_exact_next_token_kls_over_positions():
    """Per position t, KL(Pr_lang[· | z_<t] ‖ Pr_model[· | z_<t]) summed over tokens, then averaged
    over sequences and positions: checked against an explicit double loop."""
    model = GRULanguageModel(GRUConfig(vocab_size=LANG.V, d_hidden=8), seed=3)
    seqs = EVAL[:5, :3]
    expected = 0.0
    with torch.no_grad():
        for seq in seqs:
            for t in range(3):
                p = LANG.next_token_log_probs(seq[None, :t])[0]
                q = model.next_token_log_probs(seq[None, :t])[0].double()
                expected += float((p.exp() * (p - q)).sum())
    # rel 1e-6: the float32 model's batched and one-at-a-time outputs differ in the last bits
    assert per_token_kl(model, LANG, seqs) == pytest.approx(expected / 15, rel=1e-6)
    assert per_token_kl(model, LANG, seqs) > 0


def test_training_is_reproducible_and_depends_on_the_data_seed():
    a, b, c = _model(), _model(), _model()
    log_a, log_b, log_c = _train(a, steps=10), _train(b, steps=10), _train(c, steps=10, data_seed=1)
    assert log_a.kl == log_b.kl and log_a.kl != log_c.kl
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_training_brings_the_model_towards_the_language():
    log = _train(_model(), steps=80, eval_steps=[0, 80])
    assert log.steps == [0, 80]
    assert log.final_kl < 0.5 * log.kl[0]


def test_checkpoints_are_frozen_copies_taken_at_their_step():
    """The step-0 checkpoint is the initial model (same outputs as a fresh model of that seed),
    later training does not change it, and checkpoints carry no gradients."""
    model = _model(seed=4)
    log = _train(model, steps=20, checkpoint_steps=[0, 20])
    fresh, probe = _model(seed=4), EVAL[:8, :4]
    with torch.no_grad():
        torch.testing.assert_close(log.checkpoints[0].next_token_log_probs(probe), fresh.next_token_log_probs(probe))
        torch.testing.assert_close(log.checkpoints[20].next_token_log_probs(probe), model.next_token_log_probs(probe))
        assert not torch.allclose(log.checkpoints[0].next_token_log_probs(probe), model.next_token_log_probs(probe))
    assert not any(p.requires_grad for p in log.checkpoints[0].parameters())


def test_weight_decay_applies_to_matrices_only():
    """nanoGPT's convention: decay on >= 2-D parameters (matrices, embeddings), none on biases
    and LayerNorm gains, and every parameter is in exactly one group."""
    model = _model()
    decay, no_decay = _optimizer(model, OptimizerSpec("adamw", 1e-3, 0.1)).param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() >= 2 for p in decay["params"]) and all(p.dim() < 2 for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


@pytest.mark.parametrize("kwargs", [{"eval_steps": [0, 11]}, {"checkpoint_steps": [-1]}])
def test_steps_outside_the_run_are_rejected(kwargs):
    with pytest.raises(ValueError, match="eval_steps, checkpoint_steps"):
        _train(_model(), steps=10, **kwargs)


def test_a_model_has_zero_kl_to_itself():
    """Anything with next_token_log_probs can stand for the language, a float32 model included."""
    model = _model()
    assert per_token_kl(model, model, EVAL[:4]) == 0.0
