"""The pretrained Lingen and trigram-rank experiments on tiny configs: Lingen's batched generation against
``lab.lingen``'s textbook one, the positive control at rounding level, and the trigram's rank bounded by its states.

Skipped without textgenrnn / h5py (Lingen) or pocketsphinx (trigram), as their claims are.
"""

from __future__ import annotations

import pytest
import torch

from toy_claims.experiments import pretrained_lingen, pretrained_trigram_rank
from toy_claims.lab.lingen import lingen_log_prob_fn
from toy_claims.lab.seeds import Seeds

TINY = pretrained_lingen.PretrainedLingenConfig(n_seeds=1, basis=6, targets=2, samples=2, gen_steps=3, n_futures=3,
                                                future_len=4, truncations=(4,), judged_truncation=4)


@pytest.fixture(scope="module")
def char_lstm():
    try:
        from toy_claims.models.char_lstm import load_char_lstm

        return load_char_lstm(dtype=torch.float32)
    except ModuleNotFoundError as exc:
        pytest.skip(str(exc))


def test_lingen_combination_is_lab_lingens_on_the_same_continuations(char_lstm):
    g = torch.Generator().manual_seed(0)
    basis, targets, _, _ = pretrained_lingen._draw(TINY, char_lstm, g)
    weights = torch.randn(len(targets), len(basis), generator=g, dtype=torch.float64)
    cont = torch.tensor([[5, 6], [7, 8], [9, 10], [11, 12]])  # (T · n, t): target 0's two samples, then target 1's
    batched = pretrained_lingen._combine(weights, pretrained_lingen._basis_log_probs(char_lstm, basis, cont))
    for j in range(len(targets)):
        textbook = lingen_log_prob_fn(char_lstm.next_token_log_probs, basis, weights[j])(cont[2 * j: 2 * j + 2])
        torch.testing.assert_close(batched[2 * j: 2 * j + 2], textbook, atol=1e-4, rtol=0)


def test_the_target_in_its_basis_reproduces_the_model_and_every_kl_is_nonnegative(char_lstm):
    result = pretrained_lingen.run(TINY, Seeds(pretrained_lingen.STREAMS))
    trained = result.kl[0]["trained"]
    assert set(trained) == {"lingen", "lingen nonsense basis", "single-token", "lingen with target",
                            "lingen nonsense basis with target", "lingen other targets",
                            "lingen nonsense basis other targets", "truncated c=4"}
    assert all(v.shape == (TINY.gen_steps,) for v in trained.values())
    assert result.mean("trained", "lingen with target")[0] < 1e-9 < result.mean("trained", "lingen")[0]
    assert min(float(v.min()) for d in result.kl[0].values() for v in d.values()) > -1e-12


def test_the_trigram_rank_is_at_most_its_states_and_equals_its_distinct_rows():
    try:
        result = pretrained_trigram_rank.run(pretrained_trigram_rank.TrigramRankConfig(n_seeds=1, states=4, per_state=4,
                                                                                       columns=32),
                                             Seeds(pretrained_trigram_rank.STREAMS))
    except ModuleNotFoundError as exc:
        pytest.skip(str(exc))
    shared, distinct = result.measures[0]["shared states"], result.measures[0]["distinct states"]
    assert shared["rank"] == shared["distinct rows"] <= 4 and shared["gap"] < 1e-9
    assert distinct["rank"] == distinct["distinct rows"] > 4 and distinct["gap"] > 1e-3
