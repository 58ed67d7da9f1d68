"""The fast embedding engine trains bitwise as autograd + torch.optim does.

The reference is the same ``lab.training.train`` on a subclass of the stack, which the engine refuses
(``EmbeddingEngine.for_training``) so that it takes the autograd path: the same init, data streams, schedule and
evaluation, with the gradient from ``loss.sum().backward()`` and the update from torch's foreach optimizer. The engine
runs the same tensor operations in the same order on the same layouts, so the comparison is exact (``torch.equal`` on
every parameter, ``==`` on every evaluated gap) rather than to a tolerance: any dropped or altered gradient term, or a
changed optimizer formula, shows as a difference within a few steps.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import bigram_configs, seeds, zipf_bigrams, zipf_configs
from toy_claims.lab.embedding_engine import _DRAW_AHEAD, EmbeddingEngine
from toy_claims.lab.optim import OPTIMIZERS, LRSchedule, OptimizerSpec
from toy_claims.lab.training import train
from toy_claims.models.datasets import ZipfUnigram
from toy_claims.models.embedding import LAYERNORMS, EmbedUnembedStack, Member

STEPS = 12


class _AutogradStack(EmbedUnembedStack):
    """The same stack; a subclass, so train falls back to autograd for it."""


def _trained(cls, data, members, tied, layernorm, specs, schedule, batch_size, data_seeds):
    model = cls(data.V, members, tied=tied, layernorm=layernorm)
    log = train(model, data, steps=STEPS, optim=specs, schedule=schedule, batch_size=batch_size,
                data_seeds=data_seeds, eval_steps=list(range(STEPS + 1)))
    return log.gaps, [p.detach().clone() for p in model.parameters()]


@st.composite
def runs(draw: st.DrawFn):
    """A small training run: members of assorted widths, one optimizer kind, per-member settings and streams."""
    data = draw(bigram_configs(max_V=10))
    K = draw(st.integers(1, 4))
    members = [Member(draw(st.integers(1, 5)), seed=draw(seeds())) for _ in range(K)]
    name = draw(st.sampled_from(OPTIMIZERS))
    specs = [OptimizerSpec(name, lr=draw(st.floats(1e-3, 0.3)), weight_decay=draw(st.sampled_from([0.0, 0.1])),
                           momentum=draw(st.sampled_from([0.0, 0.9])) if name == "sgd" else 0.0) for _ in range(K)]
    warmup = draw(st.integers(0, STEPS // 2))
    schedule = LRSchedule(warmup_steps=warmup, decay_steps=draw(st.integers(0, STEPS - warmup)), final_factor=0.1)
    return dict(data=data, members=members, tied=draw(st.booleans()), layernorm=draw(st.sampled_from(LAYERNORMS)),
                specs=specs, schedule=schedule, batch_size=draw(st.none() | st.integers(1, 16)),
                data_seeds=[draw(st.integers(0, 2)) for _ in range(K)])


@settings(max_examples=60, deadline=None)
@given(runs())
def test_the_engine_trains_bitwise_as_autograd_and_torch_optim(run):
    fast_gaps, fast_params = _trained(EmbedUnembedStack, **run)
    ref_gaps, ref_params = _trained(_AutogradStack, **run)
    np.testing.assert_array_equal(fast_gaps, ref_gaps)
    for fast, ref in zip(fast_params, ref_params, strict=True):
        assert torch.equal(fast, ref)


def test_a_run_longer_than_one_draw_ahead_trains_bitwise_as_autograd():
    """Minibatches drawn ahead in blocks of _DRAW_AHEAD steps are the per-step draws, across a block's end."""
    data, members = ZipfUnigram(5), [Member(2, seed=0), Member(1, seed=1)]
    for cls in (EmbedUnembedStack, _AutogradStack):
        model = cls(data.V, members, tied=False)
        log = train(model, data, steps=_DRAW_AHEAD + 3, optim=OptimizerSpec(lr=0.05), batch_size=3, data_seeds=[4, 2])
        if cls is EmbedUnembedStack:
            fast = log.gaps, [p.detach().clone() for p in model.parameters()]
    np.testing.assert_array_equal(fast[0], log.gaps)
    assert all(torch.equal(a, p) for a, p in zip(fast[1], model.parameters(), strict=True))


@settings(max_examples=30, deadline=None)
@given(data=st.one_of(zipf_configs(max_V=30), bigram_configs(max_V=12), zipf_bigrams(max_V=12)),
       steps=st.integers(1, 6), n=st.integers(1, 9), seed=seeds())
def test_sample_steps_are_the_per_step_samples(data, steps, n, seed):
    ahead, one_by_one = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    xs, ys = data.sample_steps(steps, n, ahead)
    drawn = [data.sample(n, one_by_one) for _ in range(steps)]
    assert torch.equal(xs, torch.stack([x for x, _ in drawn])) and torch.equal(ys, torch.stack([y for _, y in drawn]))
    assert torch.equal(ahead.get_state(), one_by_one.get_state())


def test_the_engine_serves_the_stack_and_refuses_what_it_does_not_mirror():
    data, specs = ZipfUnigram(6), [OptimizerSpec()]
    stack = EmbedUnembedStack(data.V, [Member(2)])
    assert EmbeddingEngine.for_training(stack, data, specs, None, [0], {}) is not None
    assert EmbeddingEngine.for_training(_AutogradStack(data.V, [Member(2)]), data, specs, None, [0], {}) is None
    float64 = EmbedUnembedStack(data.V, [Member(2)]).double()
    assert EmbeddingEngine.for_training(float64, data, specs, None, [0], {}) is None
