"""One divergence policy for every training engine: a non-finite measurement raises ``Diverged`` naming the step
and the members, whatever the engine (embedding stack, sequence model, CBOW)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from toy_claims.lab.cbow_training import train_cbow
from toy_claims.lab.loop import Diverged, check_finite
from toy_claims.lab.optim import OptimizerSpec
from toy_claims.lab.sequence_training import train_sequence_model
from toy_claims.lab.training import train
from toy_claims.models.cbow import CBOWMember, CBOWStack, cbow_examples
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import EmbedUnembedStack, Member
from toy_claims.models.hmm import HiddenMarkovLanguage
from toy_claims.models.sequence import GRUConfig, GRULanguageModel


@given(values=st.lists(st.sampled_from([0.0, 1.5, -2.0, math.inf, -math.inf, math.nan]), min_size=1, max_size=6),
       step=st.integers(0, 10**6))
def test_check_finite_names_exactly_the_non_finite_members(values, step):
    bad = [k for k, v in enumerate(values) if not math.isfinite(v)]
    if not bad:
        check_finite(values, step, "x")
        return
    with pytest.raises(Diverged, match=rf"^training diverged: x is not finite at step {step} for member\(s\) "
                                       rf"{bad}$".replace("[", r"\[").replace("]", r"\]")):
        check_finite(values, step, "x")


def test_a_diverged_embedding_member_stops_the_run_at_the_step_it_diverged():
    stack = EmbedUnembedStack(10, [Member(3, seed=0), Member(3, seed=0, init_std=30.0)], tied=True)
    with pytest.raises(Diverged, match=r"exact loss gap is not finite at step (\d+) for member\(s\) \[1\]$") as info:
        train(stack, ZipfUnigram(10), steps=30, optim=[OptimizerSpec("sgd", 0.1), OptimizerSpec("sgd", 1e6)],
              eval_steps=list(range(31)))
    step = int(re.search(r"at step (\d+)", str(info.value)).group(1))
    assert 0 < step < 30  # at the first evaluation after it diverged, not at the end


def test_a_sequence_model_with_a_non_finite_weight_diverges_at_its_first_evaluation():
    lang = HiddenMarkovLanguage(4, hidden_states=2)
    model = GRULanguageModel(GRUConfig(vocab_size=4, d_embed=2, d_hidden=2))
    with torch.no_grad():
        next(model.parameters()).fill_(np.nan)
    with pytest.raises(Diverged, match=r"per-token KL is not finite at step 0 for member\(s\) \[0\]$"):
        train_sequence_model(model, lang, steps=2, optim=OptimizerSpec("adam", 1e-2), batch_size=2, seq_len=3,
                             eval_sequences=lang.sample(2, 3, torch.Generator().manual_seed(0)), eval_steps=[0, 2])


def test_a_cbow_member_with_a_non_finite_embedding_is_named():
    model = CBOWStack(6, 2, [CBOWMember(seed=0), CBOWMember(seed=1)])
    with torch.no_grad():
        model.E[0][1, 2, 0] = np.inf  # block 0 holds both members (one setting)
    contexts, centers = cbow_examples(torch.arange(12) % 6, 1)
    with pytest.raises(Diverged, match=r"embedding table is not finite at step 0 for member\(s\) \[1\]$"):
        train_cbow(model, torch.stack([contexts, contexts]), torch.stack([centers, centers]), epochs=1, batch_size=2)
